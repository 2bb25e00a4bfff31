//! Model names: which provider, which API, which base URL and which key.

use serde::Serialize;

use crate::GenError;

/// The wire protocol a provider speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Api {
    /// `POST {base_url}/chat/completions` with `Authorization: Bearer <key>`.
    OpenAiChat,
    /// `POST {base_url}/v1/messages` with `x-api-key` and `anthropic-version`.
    AnthropicMessages,
}

/// Where a model is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    OpenAi,
    Anthropic,
    OpenRouter,
    Together,
    Ollama,
    Vllm,
    /// A bare model name with `--base-url`: any OpenAI-compatible server.
    Custom,
}

impl Provider {
    /// The providers named by a prefix (`<prefix>/<model>`).
    pub const PREFIXED: [Provider; 6] = [
        Provider::OpenAi,
        Provider::Anthropic,
        Provider::OpenRouter,
        Provider::Together,
        Provider::Ollama,
        Provider::Vllm,
    ];

    /// The prefix naming the provider in a model name (`custom` has none).
    pub fn prefix(self) -> &'static str {
        match self {
            Provider::OpenAi => "openai",
            Provider::Anthropic => "anthropic",
            Provider::OpenRouter => "openrouter",
            Provider::Together => "together",
            Provider::Ollama => "ollama",
            Provider::Vllm => "vllm",
            Provider::Custom => "custom",
        }
    }

    pub fn api(self) -> Api {
        match self {
            Provider::Anthropic => Api::AnthropicMessages,
            _ => Api::OpenAiChat,
        }
    }

    /// The base URL used when `--base-url` is not given.
    pub fn default_base_url(self) -> Option<&'static str> {
        match self {
            Provider::OpenAi => Some("https://api.openai.com/v1"),
            Provider::Anthropic => Some("https://api.anthropic.com"),
            Provider::OpenRouter => Some("https://openrouter.ai/api/v1"),
            Provider::Together => Some("https://api.together.xyz/v1"),
            Provider::Ollama => Some("http://localhost:11434/v1"),
            Provider::Vllm => Some("http://localhost:8000/v1"),
            Provider::Custom => None,
        }
    }

    /// The environment variable holding the API key of a hosted provider (a key
    /// is then required); `None` for local servers, which need no key.
    pub fn key_env(self) -> Option<&'static str> {
        match self {
            Provider::OpenAi => Some("OPENAI_API_KEY"),
            Provider::Anthropic => Some("ANTHROPIC_API_KEY"),
            Provider::OpenRouter => Some("OPENROUTER_API_KEY"),
            Provider::Together => Some("TOGETHER_API_KEY"),
            Provider::Ollama | Provider::Vllm | Provider::Custom => None,
        }
    }
}

impl std::fmt::Display for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.prefix())
    }
}

/// A model as named on the command line, e.g. `openai/gpt-4o`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModelSpec {
    /// The name as written (`openrouter/qwen/qwen-2.5-coder-32b-instruct`).
    pub name: String,
    pub provider: Provider,
    /// The model id sent to the API: the name without its provider prefix
    /// (`qwen/qwen-2.5-coder-32b-instruct`), or the whole bare name.
    pub model: String,
}

impl ModelSpec {
    /// Parses a model name. The text before the first `/` names the provider if
    /// it is one of [`Provider::PREFIXED`]; the rest is sent verbatim. Any other
    /// name is a bare model for an OpenAI-compatible server and needs a base URL
    /// (`has_base_url`).
    pub fn parse(name: &str, has_base_url: bool) -> Result<Self, GenError> {
        let bad = |reason: String| GenError::BadModel {
            model: name.to_string(),
            reason,
        };
        if name.trim() != name || name.is_empty() {
            return Err(bad("empty or surrounded by spaces".into()));
        }
        if let Some((prefix, rest)) = name.split_once('/') {
            if let Some(p) = Provider::PREFIXED.iter().find(|p| p.prefix() == prefix) {
                if rest.is_empty() {
                    return Err(bad(format!("no model after `{prefix}/`")));
                }
                return Ok(Self {
                    name: name.to_string(),
                    provider: *p,
                    model: rest.to_string(),
                });
            }
        }
        if !has_base_url {
            let prefixes: Vec<&str> = Provider::PREFIXED.iter().map(|p| p.prefix()).collect();
            return Err(bad(format!(
                "name the provider (`{}/<model>`, e.g. openai/gpt-4o), or give --base-url \
                 for an OpenAI-compatible server",
                prefixes.join("|")
            )));
        }
        Ok(Self {
            name: name.to_string(),
            provider: Provider::Custom,
            model: name.to_string(),
        })
    }

    /// The model's folder in a results tree: the name as written, with `/` as
    /// `-` (BaxBench's `esc`), e.g. `openai-gpt-4o`.
    pub fn results_name(&self) -> String {
        self.name.replace('/', "-")
    }
}

/// A resolved endpoint: where to send requests for one model, and with which key.
#[derive(Clone)]
pub struct Endpoint {
    pub provider: Provider,
    /// Without a trailing `/`.
    pub base_url: String,
    /// The model id sent to the API.
    pub model: String,
    /// The environment variable the key came from, if any.
    pub key_env: Option<String>,
    api_key: Option<String>,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("provider", &self.provider)
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("key_env", &self.key_env)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl Endpoint {
    /// An endpoint with everything given explicitly.
    pub fn new(provider: Provider, base_url: &str, model: &str, api_key: Option<String>) -> Self {
        Self {
            provider,
            base_url: base_url.trim_end_matches('/').to_string(),
            model: model.to_string(),
            key_env: None,
            api_key,
        }
    }

    /// Resolves `spec` with the process environment: `base_url` overrides the
    /// provider's default, and `api_key_env` names the key's variable instead of
    /// the provider's own.
    pub fn resolve(
        spec: &ModelSpec,
        base_url: Option<&str>,
        api_key_env: Option<&str>,
    ) -> Result<Self, GenError> {
        Self::resolve_with(spec, base_url, api_key_env, |k| std::env::var(k).ok())
    }

    /// [`Self::resolve`] with a given environment lookup.
    ///
    /// Key rules: with `api_key_env`, that variable must be set; otherwise a hosted
    /// provider's variable ([`Provider::key_env`]) must be set; local servers
    /// (ollama, vllm, a bare model with a base URL) send no key.
    pub fn resolve_with(
        spec: &ModelSpec,
        base_url: Option<&str>,
        api_key_env: Option<&str>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, GenError> {
        let base = match base_url.or(spec.provider.default_base_url()) {
            Some(b) if !b.trim().is_empty() => b.trim(),
            _ => {
                return Err(GenError::BadModel {
                    model: spec.name.clone(),
                    reason: "no base URL (give --base-url)".into(),
                })
            }
        };
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(GenError::BadOption(format!(
                "base URL {base:?} must start with http:// or https://"
            )));
        }
        let var = api_key_env.or(spec.provider.key_env());
        let (key_env, api_key) = match var {
            None => (None, None),
            Some(var) => match env(var).filter(|k| !k.trim().is_empty()) {
                Some(k) => (Some(var.to_string()), Some(k.trim().to_string())),
                None => {
                    return Err(GenError::MissingKey {
                        model: spec.name.clone(),
                        var: var.to_string(),
                    })
                }
            },
        };
        let mut e = Self::new(spec.provider, base, &spec.model, api_key);
        e.key_env = key_env;
        Ok(e)
    }

    pub fn api(&self) -> Api {
        self.provider.api()
    }

    /// The URL requests are POSTed to.
    pub fn url(&self) -> String {
        match self.api() {
            Api::OpenAiChat => format!("{}/chat/completions", self.base_url),
            Api::AnthropicMessages => format!("{}/v1/messages", self.base_url),
        }
    }

    pub(crate) fn api_key(&self) -> Option<&str> {
        self.api_key.as_deref()
    }

    /// Whether this is one of OpenAI's reasoning models (o1, o3, o4-mini, gpt-5,
    /// ...), which take a `developer` message instead of `system` and reject a
    /// temperature (as BaxBench treats o1/o3).
    pub fn is_openai_reasoning_model(&self) -> bool {
        if self.provider != Provider::OpenAi {
            return false;
        }
        let m = self.model.as_str();
        let o_series = m.len() >= 2 && m.starts_with('o') && m.as_bytes()[1].is_ascii_digit();
        o_series || m.starts_with("gpt-5")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_map_to_providers_and_api_models() {
        let cases = [
            ("openai/gpt-4o", Provider::OpenAi, "gpt-4o"),
            (
                "anthropic/claude-sonnet-4-5",
                Provider::Anthropic,
                "claude-sonnet-4-5",
            ),
            (
                "openrouter/qwen/qwen-2.5-coder-32b-instruct",
                Provider::OpenRouter,
                "qwen/qwen-2.5-coder-32b-instruct",
            ),
            (
                "together/deepseek-ai/DeepSeek-V3",
                Provider::Together,
                "deepseek-ai/DeepSeek-V3",
            ),
            ("ollama/llama3.1:8b", Provider::Ollama, "llama3.1:8b"),
            (
                "vllm/openai/gpt-oss-20b",
                Provider::Vllm,
                "openai/gpt-oss-20b",
            ),
        ];
        for (name, p, m) in cases {
            let s = ModelSpec::parse(name, false).unwrap();
            assert_eq!((s.provider, s.model.as_str()), (p, m), "{name}");
        }
        let bare = ModelSpec::parse("meta-llama/Llama-3-8B", true).unwrap();
        assert_eq!(bare.provider, Provider::Custom);
        assert_eq!(bare.model, "meta-llama/Llama-3-8B");
        assert_eq!(bare.results_name(), "meta-llama-Llama-3-8B");
        let e = ModelSpec::parse("gpt-4o", false).unwrap_err().to_string();
        assert!(
            e.contains("openai/gpt-4o") && e.contains("--base-url"),
            "{e}"
        );
        assert!(ModelSpec::parse("openai/", false).is_err());
        assert!(ModelSpec::parse("", true).is_err());
        assert_eq!(
            ModelSpec::parse("openai/gpt-4o", false)
                .unwrap()
                .results_name(),
            "openai-gpt-4o"
        );
    }

    #[test]
    fn keys_come_from_the_environment() {
        let env = |k: &str| (k == "OPENAI_API_KEY" || k == "MY_KEY").then(|| format!("sk-{k}"));
        let s = ModelSpec::parse("openai/gpt-4o", false).unwrap();
        let e = Endpoint::resolve_with(&s, None, None, env).unwrap();
        assert_eq!(e.api_key(), Some("sk-OPENAI_API_KEY"));
        assert_eq!(e.url(), "https://api.openai.com/v1/chat/completions");
        let e = Endpoint::resolve_with(&s, Some("http://h:1/v1/"), Some("MY_KEY"), env).unwrap();
        assert_eq!(e.api_key(), Some("sk-MY_KEY"));
        assert_eq!(e.url(), "http://h:1/v1/chat/completions");
        assert!(
            !format!("{e:?}").contains("sk-"),
            "keys never appear in Debug"
        );

        let a = ModelSpec::parse("anthropic/claude-x", false).unwrap();
        let err = Endpoint::resolve_with(&a, None, None, env).unwrap_err();
        assert!(matches!(err, GenError::MissingKey { ref var, .. } if var == "ANTHROPIC_API_KEY"));
        let o = ModelSpec::parse("ollama/llama3", false).unwrap();
        let e = Endpoint::resolve_with(&o, None, None, env).unwrap();
        assert_eq!(e.api_key(), None);
        assert_eq!(e.url(), "http://localhost:11434/v1/chat/completions");
        let err = Endpoint::resolve_with(&o, None, Some("NOPE"), env).unwrap_err();
        assert!(matches!(err, GenError::MissingKey { .. }));
        let an =
            Endpoint::resolve_with(&a, Some("http://127.0.0.1:9"), Some("MY_KEY"), env).unwrap();
        assert_eq!(an.url(), "http://127.0.0.1:9/v1/messages");
        assert!(Endpoint::resolve_with(&o, Some("ftp://x"), None, env).is_err());
    }

    #[test]
    fn openai_reasoning_models_are_recognised() {
        let yes = ["o1", "o3-mini", "o4-mini", "gpt-5", "gpt-5-mini"];
        let no = ["gpt-4o", "gpt-4.1", "omni", "o"];
        for m in yes {
            assert!(
                Endpoint::new(Provider::OpenAi, "http://x", m, None).is_openai_reasoning_model()
            );
        }
        for m in no {
            assert!(
                !Endpoint::new(Provider::OpenAi, "http://x", m, None).is_openai_reasoning_model()
            );
        }
        assert!(!Endpoint::new(Provider::OpenRouter, "http://x", "o3", None)
            .is_openai_reasoning_model());
    }
}
