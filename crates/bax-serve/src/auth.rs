//! Bearer tokens: the token file, the constant-time check, and the middleware
//! that puts the caller's identity into each request.
//!
//! A token file holds one token per line; `#` starts a comment, blank lines are
//! ignored:
//!
//! ```text
//! # NAME   TOKEN                              [max_in_flight=N]
//! trainer  3b1f0c9e7d2a4f6b8c0e1d3f5a7b9c2d   max_in_flight=16
//! eval     9f8e7d6c5b4a39281706f5e4d3c2b1a0
//! 0123456789abcdef0123456789abcdef         # a bare token: named token<line>
//! ```
//!
//! Tokens are kept only as SHA-256 digests; a presented token is hashed and
//! compared with every configured digest in constant time, so neither the
//! comparison nor which token matched shows in the timing. Tokens are never
//! logged or echoed: only their names are.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::AppState;

/// Fewest characters a token may have.
pub const MIN_TOKEN_LEN: usize = 16;
/// Most characters a token's name may have.
pub const MAX_NAME_LEN: usize = 64;
/// The identity of requests when no token is configured.
pub const ANONYMOUS: &str = "anonymous";
/// The name of the token given in `BAX_TOKEN`.
pub const ENV_TOKEN_NAME: &str = "env";

/// A token file (or `BAX_TOKEN`) that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("reading the token file {path}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{origin}: no tokens (every line is blank or a comment)")]
    Empty { origin: String },
    #[error("{origin}:{line}: {what}")]
    Line {
        origin: String,
        line: usize,
        what: String,
    },
    #[error("{origin}: the token name `{name}` is used twice ({first} and {second})")]
    DuplicateName {
        origin: String,
        name: String,
        first: String,
        second: String,
    },
    #[error("{origin}: the tokens named `{first}` and `{second}` are the same token")]
    DuplicateToken {
        origin: String,
        first: String,
        second: String,
    },
}

/// One configured token: its name, digest and in-flight limit.
#[derive(Clone)]
pub struct Token {
    pub name: Arc<str>,
    digest: [u8; 32],
    /// Rollouts this token may have admitted at once (`max_in_flight=N`).
    pub max_in_flight: Option<usize>,
    /// Where it was declared (`file:line`, or `BAX_TOKEN`), for messages.
    origin: String,
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the token, not even its digest.
        f.debug_struct("Token")
            .field("name", &self.name)
            .field("max_in_flight", &self.max_in_flight)
            .finish_non_exhaustive()
    }
}

/// The tokens a server accepts; empty = no authentication.
#[derive(Clone, Debug, Default)]
pub struct Tokens(Vec<Token>);

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Equality of two digests whose time does not depend on where they differ.
fn ct_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    let mut diff = 0u8;
    for (x, y) in a.iter().zip(b.iter()) {
        diff |= x ^ y;
    }
    // Keeps the compiler from turning the fold into an early exit.
    std::hint::black_box(diff) == 0
}

// The messages below never quote a field that could be a token (a token
// written where a name or a limit belongs, too).

fn check_token(token: &str) -> Result<(), String> {
    if !token.chars().all(|c| c.is_ascii_graphic()) {
        return Err(
            "the token holds a character that is not visible ASCII (it could not be sent in an \
             Authorization header)"
                .into(),
        );
    }
    let n = token.chars().count();
    if n < MIN_TOKEN_LEN {
        return Err(format!(
            "the token is {n} characters long; at least {MIN_TOKEN_LEN} are required (e.g. `openssl rand -hex 32`)"
        ));
    }
    Ok(())
}

fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@'));
    if !ok {
        return Err(format!(
            "the token name is not 1 to {MAX_NAME_LEN} characters of A-Z a-z 0-9 - _ . @ \
             (a line is `NAME TOKEN [max_in_flight=N]`)"
        ));
    }
    if name == ANONYMOUS {
        return Err(format!(
            "the token name `{ANONYMOUS}` is reserved (it names callers when auth is off)"
        ));
    }
    Ok(())
}

fn parse_limit(field: &str) -> Result<usize, String> {
    let v = field.strip_prefix("max_in_flight=").ok_or_else(|| {
        "the third field is not `max_in_flight=N`: a line is `NAME TOKEN [max_in_flight=N]`"
            .to_string()
    })?;
    match v.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!(
            "max_in_flight must be a whole number of at least 1, not {v:?}"
        )),
    }
}

impl Tokens {
    /// Parses a token file's text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Tokens, TokenError> {
        let mut tokens = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let content = raw.split('#').next().unwrap_or("");
            let fields: Vec<&str> = content.split_whitespace().collect();
            let bad = |what: String| TokenError::Line {
                origin: origin.to_string(),
                line,
                what,
            };
            let (name, token, limit) = match fields.as_slice() {
                [] => continue,
                [token] => (format!("token{line}"), *token, None),
                [name, token] => (name.to_string(), *token, None),
                [name, token, limit] => (
                    name.to_string(),
                    *token,
                    Some(parse_limit(limit).map_err(bad)?),
                ),
                _ => {
                    return Err(bad(format!(
                        "{} fields; a line is `NAME TOKEN [max_in_flight=N]` or a bare `TOKEN`",
                        fields.len()
                    )))
                }
            };
            check_name(&name).map_err(bad)?;
            check_token(token).map_err(bad)?;
            tokens.push(Token {
                name: name.into(),
                digest: digest(token),
                max_in_flight: limit,
                origin: format!("line {line}"),
            });
        }
        if tokens.is_empty() {
            return Err(TokenError::Empty {
                origin: origin.to_string(),
            });
        }
        let t = Tokens(tokens);
        t.check_unique(origin)?;
        Ok(t)
    }

    /// Reads and parses a token file.
    pub fn read(path: &Path) -> Result<Tokens, TokenError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| TokenError::Read {
            path: shown.clone(),
            source,
        })?;
        Tokens::parse(&text, &shown)
    }

    /// The one token given in `BAX_TOKEN`, named `env`.
    pub fn from_env_value(value: &str) -> Result<Tokens, TokenError> {
        check_token(value.trim()).map_err(|what| TokenError::Line {
            origin: "BAX_TOKEN".into(),
            line: 1,
            what,
        })?;
        Ok(Tokens(vec![Token {
            name: ENV_TOKEN_NAME.into(),
            digest: digest(value.trim()),
            max_in_flight: None,
            origin: "BAX_TOKEN".into(),
        }]))
    }

    /// Both sets (a token file and `BAX_TOKEN`), still with unique names and tokens.
    pub fn merge(self, other: Tokens) -> Result<Tokens, TokenError> {
        let mut all = self.0;
        all.extend(other.0);
        let t = Tokens(all);
        t.check_unique("the tokens")?;
        Ok(t)
    }

    fn check_unique(&self, origin: &str) -> Result<(), TokenError> {
        let mut names: BTreeMap<&str, &Token> = BTreeMap::new();
        let mut digests: BTreeMap<[u8; 32], &Token> = BTreeMap::new();
        for t in &self.0 {
            if let Some(first) = names.insert(&t.name, t) {
                return Err(TokenError::DuplicateName {
                    origin: origin.into(),
                    name: t.name.to_string(),
                    first: first.origin.clone(),
                    second: t.origin.clone(),
                });
            }
            if let Some(first) = digests.insert(t.digest, t) {
                return Err(TokenError::DuplicateToken {
                    origin: origin.into(),
                    first: first.name.to_string(),
                    second: t.name.to_string(),
                });
            }
        }
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The names, in file order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|t| &*t.name)
    }

    /// Gives every token without its own `max_in_flight` this one.
    pub fn with_default_limit(mut self, limit: Option<usize>) -> Tokens {
        for t in &mut self.0 {
            t.max_in_flight = t.max_in_flight.or(limit);
        }
        self
    }

    /// The token `presented` is, if any. Every configured digest is compared,
    /// each in constant time.
    pub fn find(&self, presented: &str) -> Option<&Token> {
        let d = digest(presented);
        let mut found = None;
        for t in &self.0 {
            if ct_eq(&t.digest, &d) {
                found = Some(t);
            }
        }
        found
    }
}

/// Who sent a request: a token's name (or `anonymous` without auth), and the
/// token's in-flight limit. In every request's extensions.
#[derive(Clone, Debug)]
pub struct Caller {
    pub name: Arc<str>,
    pub max_in_flight: Option<usize>,
}

/// The routes `bax_requests_total` knows; anything else counts as `other`
/// (so an unknown path cannot make a new series).
pub(crate) fn route_label(path: &str) -> &'static str {
    match path {
        "/v1/score" => "/v1/score",
        "/v1/score/batch" => "/v1/score/batch",
        "/v1/tasks" => "/v1/tasks",
        "/healthz" => "/healthz",
        "/readyz" => "/readyz",
        "/metrics" => "/metrics",
        "/openapi.json" => "/openapi.json",
        _ => "other",
    }
}

/// The middleware of every route: checks the bearer token (every route but
/// `GET /healthz` and `GET /readyz`, when tokens are configured), refuses bodies announced
/// larger than `--max-body`, and records the [`Caller`].
pub(crate) async fn guard(
    State(state): State<Arc<AppState>>,
    mut req: Request,
    next: Next,
) -> Response {
    let route = route_label(req.uri().path());
    let caller = if state.cfg.tokens.is_empty() || route == "/healthz" || route == "/readyz" {
        Caller {
            name: ANONYMOUS.into(),
            max_in_flight: state.cfg.token_max_in_flight,
        }
    } else {
        let presented = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, rest) = v.split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
            });
        let token = match presented {
            None => {
                return unauthorized(
                    &state,
                    route,
                    "this server needs `Authorization: Bearer <token>`",
                )
            }
            Some(p) => state.cfg.tokens.find(p),
        };
        match token {
            Some(t) => Caller {
                name: t.name.clone(),
                max_in_flight: t.max_in_flight,
            },
            None => return unauthorized(&state, route, "the bearer token is not valid"),
        }
    };
    let announced = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if announced.is_some_and(|n| n > state.cfg.max_body as u64) {
        return crate::too_large(&state, route);
    }
    req.extensions_mut().insert(caller);
    next.run(req).await
}

fn unauthorized(state: &AppState, route: &str, why: &str) -> Response {
    state.metrics.request(route, 401);
    let mut r = (
        StatusCode::UNAUTHORIZED,
        Json(json!({"status": "unauthorized", "error": why})),
    )
        .into_response();
    r.headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    r
}

/// Names of the tokens, for a start-up message.
pub fn describe(tokens: &Tokens) -> String {
    let names: BTreeSet<&str> = tokens.names().collect();
    names.into_iter().collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "aaaaaaaaaaaaaaaaaaaaaaaa";
    const B: &str = "bbbbbbbbbbbbbbbbbbbbbbbb";

    #[test]
    fn parses_names_bare_tokens_limits_and_comments() {
        let text = format!(
            "# tokens\n\ntrainer {A} max_in_flight=3   # the trainer\n   {B}\n\teval\t0123456789abcdef\n"
        );
        let t = Tokens::parse(&text, "tokens.txt").unwrap();
        assert_eq!(t.len(), 3);
        assert_eq!(t.names().collect::<Vec<_>>(), ["trainer", "token4", "eval"]);
        let trainer = t.find(A).unwrap();
        assert_eq!(&*trainer.name, "trainer");
        assert_eq!(trainer.max_in_flight, Some(3));
        assert_eq!(&*t.find(B).unwrap().name, "token4");
        assert_eq!(t.find(B).unwrap().max_in_flight, None);
        assert!(t.find("0123456789abcdef").is_some());
        assert!(t.find("0123456789abcdeF").is_none());
        assert!(t.find("").is_none());
        let t = t.with_default_limit(Some(7));
        assert_eq!(t.find(A).unwrap().max_in_flight, Some(3));
        assert_eq!(t.find(B).unwrap().max_in_flight, Some(7));
    }

    fn err(text: &str) -> String {
        Tokens::parse(text, "f").unwrap_err().to_string()
    }

    #[test]
    fn refuses_bad_files_with_the_line() {
        assert_eq!(err(""), "f: no tokens (every line is blank or a comment)");
        assert!(err("# only a comment\n\n").contains("no tokens"));
        let e = err(&format!("x {A}\ny abc\nx {B}\n"));
        assert!(e.starts_with("f:2:"), "{e}");
        assert!(e.contains("3 characters long; at least 16"), "{e}");
        let e = err(&format!("x {A}\nx {B}\n"));
        assert_eq!(e, "f: the token name `x` is used twice (line 1 and line 2)");
        let e = err(&format!("x {A}\ny {A}\n"));
        assert_eq!(e, "f: the tokens named `x` and `y` are the same token");
        let e = err("x short");
        assert!(
            e.starts_with("f:1:") && e.contains("5 characters long"),
            "{e}"
        );
        let e = err(&format!("x {A} max_in_flight=0"));
        assert!(e.contains("at least 1"), "{e}");
        let e = err(&format!("x {A} max_in_flight=lots"));
        assert!(e.contains("\"lots\""), "{e}");
        let e = err(&format!("x {A} limit=3"));
        assert!(e.contains("not `max_in_flight=N`"), "{e}");
        let e = err(&format!("x {A} max_in_flight=3 extra"));
        assert!(e.contains("4 fields"), "{e}");
        let e = err(&format!("a/b {A}"));
        assert!(e.starts_with("f:1: the token name is not"), "{e}");
        let e = err(&format!("anonymous {A}"));
        assert!(e.contains("reserved"), "{e}");
        let e = err("x ééééééééééééééééééé");
        assert!(e.contains("visible ASCII"), "{e}");
        // Messages never hold the token itself, wherever it was written.
        for text in [
            format!("x {A}\ny {A}\n"),
            format!("x {A}\nx {B}\n"),
            format!("{A}/ x\n"),
            format!("x y {A}\n"),
            format!("x {A}é\n"),
        ] {
            let e = err(&text);
            assert!(!e.contains(A) && !e.contains(B), "{e}");
        }
    }

    #[test]
    fn the_env_token_is_named_env_and_merges_uniquely() {
        let env = Tokens::from_env_value(&format!(" {A}\n")).unwrap();
        assert_eq!(&*env.find(A).unwrap().name, "env");
        assert!(Tokens::from_env_value("short")
            .unwrap_err()
            .to_string()
            .starts_with("BAX_TOKEN:"));
        let file = Tokens::parse(&format!("t {B}"), "f").unwrap();
        let both = file.merge(env.clone()).unwrap();
        assert_eq!(both.len(), 2);
        let same = Tokens::parse(&format!("t {A}"), "f").unwrap();
        assert!(same
            .merge(env.clone())
            .unwrap_err()
            .to_string()
            .contains("same token"));
        let named_env = Tokens::parse(&format!("env {B}"), "f").unwrap();
        assert!(named_env
            .merge(env)
            .unwrap_err()
            .to_string()
            .contains("`env` is used twice"));
    }

    #[test]
    fn debug_output_holds_no_secret() {
        let t = Tokens::parse(&format!("x {A}"), "f").unwrap();
        let shown = format!("{t:?}");
        assert!(shown.contains("\"x\"") && !shown.contains(A), "{shown}");
    }

    #[test]
    fn constant_time_equality() {
        let a = digest(A);
        let mut b = a;
        assert!(ct_eq(&a, &b));
        b[31] ^= 1;
        assert!(!ct_eq(&a, &b));
    }
}
