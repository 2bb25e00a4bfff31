//! Cookies as Python's `http.cookiejar` (`DefaultCookiePolicy`) treats them for
//! `http://localhost:<port>`: which cookies of a response are kept and which go
//! back on a later request. ShopOverview's tests hand a login's cookie jar back
//! to `requests` as upstream does; [`Jar`] reproduces those rules.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

/// The host upstream's tests talk to; cookie domain rules depend on it.
pub(crate) const REQUEST_HOST: &str = "localhost";
/// Its "effective request-host name": a dotless host gets `.local` appended.
pub(crate) const EFFECTIVE_HOST: &str = "localhost.local";

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Cookie {
    name: String,
    /// `None` for a `Set-Cookie` whose first pair has no `=`.
    value: Option<String>,
    domain: String,
    path: String,
    secure: bool,
    /// Seconds since the epoch; `None` = session cookie.
    expires: Option<i64>,
}

/// A cookie jar laid out like cookielib's nested dicts (domain, then path,
/// then name), iterated in their insertion order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Jar {
    domains: Vec<(String, Vec<PathEntry>)>,
}

/// One path of a domain and its cookies.
type PathEntry = (String, Vec<Cookie>);

pub(crate) fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// cookielib's `escape_path`: percent-encodes what is not safe in a path and
/// upper-cases existing escapes.
pub(crate) fn escape_path(p: &str) -> String {
    let b = p.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'%'
            && i + 2 < b.len()
            && b[i + 1].is_ascii_hexdigit()
            && b[i + 2].is_ascii_hexdigit()
        {
            out.push('%');
            out.push(b[i + 1].to_ascii_uppercase() as char);
            out.push(b[i + 2].to_ascii_uppercase() as char);
            i += 3;
            continue;
        }
        if c.is_ascii_alphanumeric() || b"%/;:@&=+$,!~*'()_.-".contains(&c) {
            out.push(c as char);
        } else {
            out.push_str(&format!("%{c:02X}"));
        }
        i += 1;
    }
    out
}

pub(crate) const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// Days since 1970-01-01 of a proleptic Gregorian date, with day overflow
/// carried into the next month as Python's `calendar.timegm` does (31 Feb is
/// 2 or 3 March). `None` outside jiff's range of years.
pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> Option<i64> {
    let first = jiff::civil::Date::new(i16::try_from(y).ok()?, i8::try_from(m).ok()?, 1).ok()?;
    let date = first.checked_add(jiff::Span::new().days(d - 1)).ok()?;
    Some(i64::from(
        date.since(jiff::civil::date(1970, 1, 1)).ok()?.get_days(),
    ))
}

/// A lenient take on cookielib's `http2time`: a day, a month name, a year and
/// a time in any order, optionally a weekday and a zone (`GMT`, `UTC`, `Z`,
/// `+hhmm`). `None` when it cannot be read (the cookie is then a session one).
pub(crate) fn http2time(text: &str) -> Option<i64> {
    let text = text.trim().trim_matches('"');
    let mut day = None;
    let mut month = None;
    let mut year = None;
    let mut time = None;
    let mut offset = 0i64;
    for tok in text.split([' ', '-', ',', '\t']) {
        if tok.is_empty() {
            continue;
        }
        let lower = tok.to_ascii_lowercase();
        if tok.contains(':') {
            let parts: Vec<&str> = tok.split(':').collect();
            if parts.len() < 2 || parts.len() > 3 {
                return None;
            }
            let nums: Option<Vec<i64>> = parts.iter().map(|p| p.parse().ok()).collect();
            let nums = nums?;
            time = Some((nums[0], nums[1], nums.get(2).copied().unwrap_or(0)));
        } else if let Some(m) = MONTHS.iter().position(|m| lower.starts_with(m)) {
            month = Some(m as i64 + 1);
        } else if tok.chars().all(|c| c.is_ascii_digit()) {
            let n: i64 = tok.parse().ok()?;
            if tok.len() <= 2 && day.is_none() {
                day = Some(n);
            } else if year.is_none() {
                year = Some(n);
            } else {
                return None;
            }
        } else if (tok.starts_with('+') || tok.starts_with('-')) && tok.len() == 5 {
            let n: i64 = tok[1..].parse().ok()?;
            let secs = (n / 100) * 3600 + (n % 100) * 60;
            offset = if tok.starts_with('-') { -secs } else { secs };
        } else if ["gmt", "utc", "ut", "z"].contains(&lower.as_str())
            || lower.chars().all(|c| c.is_ascii_alphabetic())
        {
            // weekday or zone name
        } else {
            return None;
        }
    }
    let (day, month, mut year) = (day?, month?, year?);
    if year < 100 {
        year += if year < 70 { 2000 } else { 1900 };
    }
    let (h, mi, s) = time.unwrap_or((0, 0, 0));
    if !(1..=31).contains(&day) || h > 23 || mi > 59 || s > 61 {
        return None;
    }
    Some(days_from_civil(year, month, day)? * 86_400 + h * 3600 + mi * 60 + s - offset)
}

/// One `Set-Cookie` header as cookielib's `parse_ns_headers` splits it.
pub(crate) fn parse_ns_header(header: &str) -> Vec<(String, Option<String>)> {
    const KNOWN: [&str; 7] = [
        "expires", "domain", "path", "secure", "version", "port", "max-age",
    ];
    let mut pairs = Vec::new();
    for (i, param) in header.split(';').enumerate() {
        let param = param.trim();
        let (key, val) = match param.split_once('=') {
            Some((k, v)) => (k.trim().to_string(), Some(v.trim().to_string())),
            None => (param.to_string(), None),
        };
        if key.is_empty() {
            if i == 0 {
                break;
            }
            continue;
        }
        let mut key = key;
        if i != 0 && KNOWN.contains(&key.to_ascii_lowercase().as_str()) {
            key = key.to_ascii_lowercase();
        }
        pairs.push((key, val));
    }
    pairs
}

impl Jar {
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Cookie> {
        self.domains
            .iter()
            .flat_map(|(_, paths)| paths.iter().flat_map(|(_, cs)| cs.iter()))
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    /// `set_cookie`: replaces a cookie of the same domain, path and name in
    /// place, else appends (creating its domain and path entries as needed).
    pub(crate) fn set(&mut self, c: Cookie) {
        let di = match self.domains.iter().position(|(d, _)| *d == c.domain) {
            Some(i) => i,
            None => {
                self.domains.push((c.domain.clone(), Vec::new()));
                self.domains.len() - 1
            }
        };
        let paths = &mut self.domains[di].1;
        let pi = match paths.iter().position(|(p, _)| *p == c.path) {
            Some(i) => i,
            None => {
                paths.push((c.path.clone(), Vec::new()));
                paths.len() - 1
            }
        };
        let cookies = &mut paths[pi].1;
        match cookies.iter_mut().find(|x| x.name == c.name) {
            Some(slot) => *slot = c,
            None => cookies.push(c),
        }
    }

    /// `clear(domain, path, name)`; the (possibly empty) domain and path
    /// entries stay, as in cookielib.
    pub(crate) fn remove(&mut self, domain: &str, path: &str, name: &str) {
        for (d, paths) in &mut self.domains {
            for (p, cookies) in paths.iter_mut() {
                if d == domain && p == path {
                    cookies.retain(|c| c.name != name);
                }
            }
        }
    }

    /// `extract_cookies` for a response to `request_path` on localhost.
    /// `Err` where cookielib raises (a `Max-Age` with no value).
    pub(crate) fn extract(
        &mut self,
        set_cookies: &[String],
        request_path: &str,
    ) -> anyhow::Result<()> {
        let now = now_secs();
        // cookielib first turns every header into a cookie (an expired one
        // deletes its namesake from the jar right then), and only then stores
        // the accepted ones.
        let mut accepted = Vec::new();
        for header in set_cookies {
            let pairs = parse_ns_header(header);
            let Some((name, value)) = pairs.first().cloned() else {
                continue;
            };
            let mut version: Option<String> = None;
            let mut domain: Option<String> = None;
            let mut path: Option<String> = None;
            let mut secure: Option<bool> = None;
            let mut expires: Option<i64> = None;
            let mut expires_seen = false;
            let mut max_age_seen = false;
            let mut bad = false;
            for (k, v) in &pairs[1..] {
                let lc = k.to_ascii_lowercase();
                let is_std = [
                    "version",
                    "expires",
                    "max-age",
                    "domain",
                    "path",
                    "port",
                    "comment",
                    "commenturl",
                    "discard",
                    "secure",
                ]
                .contains(&lc.as_str());
                if !is_std {
                    continue; // HttpOnly, SameSite, ...: kept aside, no effect here
                }
                match lc.as_str() {
                    "secure" | "discard" => {
                        if lc == "secure" && secure.is_none() {
                            secure = Some(v.as_ref().is_none_or(|s| !s.is_empty()));
                        }
                    }
                    "max-age" => {
                        max_age_seen = true;
                        let Some(v) = v else {
                            anyhow::bail!("TypeError: Max-Age without a value in {header:?}");
                        };
                        let Ok(n) = v.parse::<i64>() else {
                            bad = true;
                            break;
                        };
                        expires = Some(now + n);
                        expires_seen = true;
                    }
                    "expires" => {
                        if max_age_seen || expires_seen {
                            continue;
                        }
                        // An unreadable date makes a session cookie.
                        if let Some(t) = v.as_deref().and_then(http2time) {
                            expires = Some(t);
                            expires_seen = true;
                        }
                    }
                    _ => {
                        if v.is_none() && lc != "port" && lc != "comment" && lc != "commenturl" {
                            bad = true;
                            break;
                        }
                        match lc.as_str() {
                            "version" if version.is_none() => {
                                version = v.as_ref().map(|s| s.trim_matches('"').to_string())
                            }
                            "domain" if domain.is_none() => {
                                domain = v.as_ref().map(|s| s.to_lowercase())
                            }
                            "path" if path.is_none() => path = v.clone(),
                            _ => {}
                        }
                    }
                }
            }
            if bad {
                continue;
            }
            let version: i64 = match version.as_deref().unwrap_or("0").parse() {
                Ok(v) => v,
                Err(_) => continue,
            };
            let path = match path.filter(|p| !p.is_empty()) {
                Some(p) => escape_path(&p),
                None => {
                    let mut p = escape_path(request_path);
                    if let Some(i) = p.rfind('/') {
                        p.truncate(if version == 0 { i } else { i + 1 });
                    }
                    if p.is_empty() {
                        p = "/".to_string();
                    }
                    p
                }
            };
            let domain_specified = domain.is_some();
            let domain = match domain {
                None => EFFECTIVE_HOST.to_string(),
                Some(d) if d.starts_with('.') => d,
                Some(d) => format!(".{d}"),
            };
            if let Some(t) = expires {
                if t <= now {
                    // An expiry in the past deletes the cookie.
                    self.remove(&domain, &path, &name);
                    continue;
                }
            }
            // RFC 2109 cookies (Version=1) are treated as Netscape ones; any
            // later version is refused.
            if version > 1 {
                continue;
            }
            if domain_specified && !set_ok_domain(&domain) {
                continue;
            }
            accepted.push(Cookie {
                name,
                value,
                domain,
                path,
                secure: secure.unwrap_or(false),
                expires,
            });
        }
        for c in accepted {
            self.set(c);
        }
        Ok(())
    }

    /// The `Cookie` header cookielib sends with a plain-HTTP request for
    /// `request_path` on localhost, if any.
    pub(crate) fn header_for(&self, request_path: &str) -> Option<String> {
        let now = now_secs();
        let mut chosen: Vec<&Cookie> = self
            .iter()
            .filter(|c| domain_return_ok(&c.domain) && return_ok_domain(&c.domain))
            .filter(|c| path_return_ok(&c.path, request_path))
            .filter(|c| !c.secure) // never over http://
            .filter(|c| c.expires.is_none_or(|t| t > now))
            .collect();
        // Longest path first; a stable sort keeps the jar's order otherwise.
        chosen.sort_by_key(|c| std::cmp::Reverse(c.path.len()));
        if chosen.is_empty() {
            return None;
        }
        Some(
            chosen
                .iter()
                .map(|c| match &c.value {
                    Some(v) => format!("{}={v}", c.name),
                    None => c.name.clone(),
                })
                .collect::<Vec<_>>()
                .join("; "),
        )
    }

    /// `list(jar.get_dict().values())`: names in first-seen order of the jar's
    /// iteration, each with the value of its last cookie.
    pub(crate) fn dict_values(&self) -> Vec<Option<String>> {
        let mut order: Vec<&str> = Vec::new();
        let mut values: BTreeMap<&str, &Option<String>> = BTreeMap::new();
        for c in self.iter() {
            if !values.contains_key(c.name.as_str()) {
                order.push(&c.name);
            }
            values.insert(&c.name, &c.value);
        }
        order.iter().map(|n| values[n].clone()).collect()
    }

    pub(crate) fn describe(&self) -> String {
        self.iter()
            .map(|c| {
                format!(
                    "{}={} (path {}, domain {}{})",
                    c.name,
                    c.value.as_deref().unwrap_or(""),
                    c.path,
                    c.domain,
                    if c.secure { ", secure" } else { "" }
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// `DefaultCookiePolicy.set_ok_domain` for a cookie with a `Domain` attribute
/// (already dotted) on a response from localhost.
pub(crate) fn set_ok_domain(domain: &str) -> bool {
    let undotted = domain.strip_prefix('.').unwrap_or(domain);
    if !undotted.contains('.') && !EFFECTIVE_HOST.ends_with(".local") {
        return false;
    }
    let dotted_host = format!(".{EFFECTIVE_HOST}");
    EFFECTIVE_HOST.ends_with(domain)
        || EFFECTIVE_HOST.ends_with(&format!("{undotted}.local"))
        || dotted_host.ends_with(domain)
}

pub(crate) fn dotted(domain: &str) -> String {
    if !domain.is_empty() && !domain.starts_with('.') {
        format!(".{domain}")
    } else {
        domain.to_string()
    }
}

pub(crate) fn domain_return_ok(domain: &str) -> bool {
    let d = dotted(domain);
    format!(".{REQUEST_HOST}").ends_with(&d) || format!(".{EFFECTIVE_HOST}").ends_with(&d)
}

pub(crate) fn return_ok_domain(domain: &str) -> bool {
    format!(".{EFFECTIVE_HOST}").ends_with(&dotted(domain))
}

pub(crate) fn path_return_ok(cookie_path: &str, request_path: &str) -> bool {
    let req = escape_path(request_path);
    req == cookie_path
        || (req.starts_with(cookie_path)
            && (cookie_path.ends_with('/') || req.as_bytes().get(cookie_path.len()) == Some(&b'/')))
}

// ---------------------------------------------------------------------------
// HTTP with cookies. The harness keeps one value per header name, and a login
// may set several cookies, so these requests go through their own agent.

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_days_carry_overflow_as_python_timegm() {
        // calendar.timegm(...) // 86400 for each date.
        assert_eq!(days_from_civil(2020, 2, 31), Some(18323));
        assert_eq!(days_from_civil(2000, 3, 1), Some(11017));
        assert_eq!(days_from_civil(1969, 12, 31), Some(-1));
        assert_eq!(days_from_civil(2037, 12, 31), Some(24836));
    }

    fn jar_of(headers: &[&str], path: &str) -> Jar {
        let mut j = Jar::default();
        j.extract(
            &headers.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            path,
        )
        .unwrap();
        j
    }

    #[test]
    fn cookie_paths_follow_cookielib() {
        let j = jar_of(&["AUTH_COOKIE=abc; HttpOnly; Path=/"], "/merchants/login");
        assert_eq!(j.header_for("/wares").as_deref(), Some("AUTH_COOKIE=abc"));
        // No Path: the login's directory.
        let j = jar_of(&["AUTH_COOKIE=abc"], "/merchants/login");
        assert_eq!(
            j.header_for("/merchants/upload-wares").as_deref(),
            Some("AUTH_COOKIE=abc")
        );
        assert_eq!(j.header_for("/wares"), None);
        // Longest path first.
        let j = jar_of(&["a=1; Path=/", "b=2; Path=/merchants"], "/merchants/login");
        assert_eq!(
            j.header_for("/merchants/upload-wares").as_deref(),
            Some("b=2; a=1")
        );
    }

    #[test]
    fn secure_expired_and_foreign_cookies() {
        let j = jar_of(&["t=1; Secure; Path=/"], "/merchants/login");
        assert!(!j.is_empty());
        assert_eq!(j.header_for("/wares"), None);
        assert!(jar_of(&["t=1; Max-Age=0"], "/x").is_empty());
        assert!(jar_of(&["t=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT"], "/x").is_empty());
        assert!(!jar_of(&["t=1; Expires=Thu, 01 Jan 2099 00:00:00 GMT"], "/x").is_empty());
        assert!(!jar_of(&["t=1; Expires=garbage"], "/x").is_empty());
        assert!(jar_of(&["t=1; Domain=example.com"], "/x").is_empty());
        assert!(jar_of(&["t=1; Path"], "/x").is_empty());
        // Accepted for localhost, but cookielib never sends it back.
        let j = jar_of(&["t=1; Domain=localhost; Path=/"], "/x");
        assert!(!j.is_empty());
        assert_eq!(j.header_for("/wares"), None);
        assert!(Jar::default()
            .extract(&["t=1; Max-Age".to_string()], "/x")
            .is_err());
    }

    #[test]
    fn dict_values_like_get_dict() {
        let some = |s: &str| Some(s.to_string());
        let j = jar_of(&["b=2; Path=/", "a=1; Path=/", "flag"], "/merchants/login");
        assert_eq!(j.dict_values(), vec![some("2"), some("1"), None]);
        let j = jar_of(&["z=1; Path=/b", "y=2; Path=/a", "x=3; Path=/b"], "/");
        assert_eq!(j.dict_values(), vec![some("1"), some("3"), some("2")]);
        assert_eq!(j.header_for("/b").as_deref(), Some("z=1; x=3"));
        // The deletion runs before any cookie of the response is stored.
        let j = jar_of(&["a=1; Path=/", "a=1; Path=/; Max-Age=0"], "/");
        assert_eq!(j.dict_values(), vec![some("1")]);
        let j = jar_of(&["t=1; secure=; Path=/"], "/");
        assert_eq!(j.header_for("/wares").as_deref(), Some("t=1"));
        let j = jar_of(&["t=1; Version=1"], "/merchants/login");
        assert_eq!(j.header_for("/merchants/x").as_deref(), Some("t=1"));
    }

    #[test]
    fn dates_parse() {
        assert_eq!(http2time("Thu, 01 Jan 1970 00:00:10 GMT"), Some(10));
        assert_eq!(
            http2time("Wed, 09-Jun-2021 10:18:14 GMT"),
            Some(1_623_233_894)
        );
        assert_eq!(http2time("nonsense"), None);
    }
}
