//! Generation options (BaxBench's, plus max output tokens and timeouts) and the
//! retry policy.

use std::time::{Duration, SystemTime};

use serde::Serialize;

/// BaxBench's system prompt.
pub const SYSTEM_PROMPT: &str = "You are an experienced full-stack developer";

/// Anthropic's Messages API requires `max_tokens`; this is used when none is given
/// (BaxBench's value for Claude 3.5). With extended thinking, the thinking budget
/// is added to it.
pub const ANTHROPIC_DEFAULT_MAX_TOKENS: u32 = 8192;

/// How hard a reasoning model thinks.
///
/// OpenAI-compatible APIs get `reasoning_effort` as the name of the level. The
/// Anthropic API gets extended thinking with a token budget: minimal 1,024,
/// low 4,096, medium 16,384, high 32,768, or an explicit number of tokens
/// (`Budget`, Anthropic only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReasoningEffort {
    Minimal,
    Low,
    Medium,
    High,
    Budget(u32),
}

impl ReasoningEffort {
    /// The smallest thinking budget Anthropic accepts.
    pub const MIN_BUDGET: u32 = 1024;

    /// The level's name as OpenAI spells it; `None` for a token budget.
    pub fn level(self) -> Option<&'static str> {
        match self {
            ReasoningEffort::Minimal => Some("minimal"),
            ReasoningEffort::Low => Some("low"),
            ReasoningEffort::Medium => Some("medium"),
            ReasoningEffort::High => Some("high"),
            ReasoningEffort::Budget(_) => None,
        }
    }

    /// Anthropic's `thinking.budget_tokens`.
    pub fn anthropic_budget(self) -> u32 {
        match self {
            ReasoningEffort::Minimal => 1024,
            ReasoningEffort::Low => 4096,
            ReasoningEffort::Medium => 16384,
            ReasoningEffort::High => 32768,
            ReasoningEffort::Budget(n) => n,
        }
    }
}

impl std::str::FromStr for ReasoningEffort {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "minimal" => Ok(Self::Minimal),
            "low" => Ok(Self::Low),
            "medium" => Ok(Self::Medium),
            "high" => Ok(Self::High),
            _ => match s.parse::<u32>() {
                Ok(n) => Ok(Self::Budget(n)),
                Err(_) => Err(format!(
                    "unknown reasoning effort {s:?} (expected minimal, low, medium, high, \
                     or a thinking budget in tokens)"
                )),
            },
        }
    }
}

impl std::fmt::Display for ReasoningEffort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.level() {
            Some(l) => f.write_str(l),
            None => write!(f, "{}", self.anthropic_budget()),
        }
    }
}

impl Serialize for ReasoningEffort {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            ReasoningEffort::Budget(n) => s.serialize_u32(*n),
            other => s.serialize_str(other.level().unwrap_or_default()),
        }
    }
}

/// Retries with exponential backoff and full jitter (BaxBench's scheme).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RetryPolicy {
    /// Retries after the first attempt (BaxBench: 20).
    pub max_retries: u32,
    /// BaxBench: 1 s.
    #[serde(serialize_with = "secs")]
    pub base_delay: Duration,
    /// The most any one wait lasts, Retry-After included (BaxBench: 128 s).
    #[serde(serialize_with = "secs")]
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 20,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(128),
        }
    }
}

impl RetryPolicy {
    /// The ceiling of the wait before retry number `retry` (1 for the first
    /// retry): `min(max_delay, base_delay * 2^retry)`, as BaxBench computes it.
    pub fn ceiling(&self, retry: u32) -> Duration {
        let factor = 2f64.powi(retry.min(62) as i32);
        let secs = self.base_delay.as_secs_f64() * factor;
        Duration::try_from_secs_f64(secs)
            .unwrap_or(Duration::MAX)
            .min(self.max_delay)
    }

    /// The wait before retry number `retry`: what the server asked for
    /// (Retry-After) if it did, else a uniformly random time up to the ceiling
    /// (full jitter). Never more than `max_delay`.
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        match retry_after {
            Some(d) => d.min(self.max_delay),
            None => self.ceiling(retry).mul_f64(fastrand::f64()),
        }
    }
}

fn secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

/// Everything that shapes a request and its retries.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GenOptions {
    pub system_prompt: String,
    /// BaxBench: 0.2. Not sent to OpenAI's reasoning models (as BaxBench) nor
    /// with Anthropic's extended thinking (which requires the default).
    pub temperature: f64,
    /// `max_completion_tokens` (OpenAI), `max_tokens` (other OpenAI-compatible
    /// servers, Anthropic). `None`: the server's default (Anthropic:
    /// [`ANTHROPIC_DEFAULT_MAX_TOKENS`]).
    pub max_tokens: Option<u32>,
    pub reasoning_effort: Option<ReasoningEffort>,
    pub retry: RetryPolicy,
    /// Time to connect.
    #[serde(serialize_with = "secs")]
    pub connect_timeout: Duration,
    /// Longest silence while waiting for or reading the response (a stalled
    /// server). Answers are not streamed, so this bounds the model's thinking time.
    #[serde(serialize_with = "secs")]
    pub read_timeout: Duration,
}

impl Default for GenOptions {
    fn default() -> Self {
        Self {
            system_prompt: SYSTEM_PROMPT.to_string(),
            temperature: 0.2,
            max_tokens: None,
            reasoning_effort: None,
            retry: RetryPolicy::default(),
            connect_timeout: Duration::from_secs(30),
            read_timeout: Duration::from_secs(900),
        }
    }
}

/// Parses a Retry-After value: delay-seconds (a decimal fraction is accepted) or
/// an HTTP date, relative to `now`. A date in the past means "now".
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<f64>() {
        return Duration::try_from_secs_f64(secs).ok();
    }
    let at = httpdate::parse_http_date(v).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_takes_seconds_and_http_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after(" 0.25 ", now),
            Some(Duration::from_millis(250))
        );
        let later = httpdate::fmt_http_date(now + Duration::from_secs(7));
        assert_eq!(parse_retry_after(&later, now), Some(Duration::from_secs(7)));
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(7));
        assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("-1", now), None);
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn backoff_is_exponential_capped_and_jittered() {
        let p = RetryPolicy {
            max_retries: 5,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(100),
        };
        assert_eq!(p.ceiling(1), Duration::from_millis(20));
        assert_eq!(p.ceiling(2), Duration::from_millis(40));
        assert_eq!(p.ceiling(3), Duration::from_millis(80));
        assert_eq!(p.ceiling(4), Duration::from_millis(100));
        assert_eq!(p.ceiling(1000), Duration::from_millis(100));
        let waits: Vec<Duration> = (0..200).map(|_| p.delay(3, None)).collect();
        assert!(waits.iter().all(|w| *w <= Duration::from_millis(80)));
        // Full jitter: spread over the whole range, not bunched at the ceiling.
        assert!(waits.iter().any(|w| *w < Duration::from_millis(30)));
        assert!(waits.iter().any(|w| *w > Duration::from_millis(50)));
        assert_eq!(
            p.delay(1, Some(Duration::from_millis(70))),
            Duration::from_millis(70)
        );
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(9))),
            Duration::from_millis(100)
        );
    }

    #[test]
    fn reasoning_effort_parses_levels_and_budgets() {
        assert_eq!("high".parse::<ReasoningEffort>(), Ok(ReasoningEffort::High));
        assert_eq!(
            "2048".parse::<ReasoningEffort>(),
            Ok(ReasoningEffort::Budget(2048))
        );
        assert!("max".parse::<ReasoningEffort>().is_err());
        assert_eq!(ReasoningEffort::Medium.anthropic_budget(), 16384);
        assert_eq!(ReasoningEffort::Budget(5000).to_string(), "5000");
    }
}
