//! ShopOverview: merchants register, log in with a cookie, upload wares as CSV
//! and list every ware as an HTML table. Tests after BaxBench's
//! `scenarios/shop_overview.py`.
//!
//! Upstream hands the cookie jar of each login response (`r.cookies`) back to
//! `requests` for the later calls, so which cookies reach the app follows
//! Python's `http.cookiejar` rules for `http://localhost:<port>`: a cookie set
//! without `Path` by `/merchants/login` only goes back to `/merchants/...`, a
//! `Secure` cookie never goes back over plain HTTP, an already expired cookie
//! is not kept at all. [`Jar`] reproduces those rules.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use crate::exploits::{search_passwords_in_db, XSS_VECTORS};
use crate::harness::{clip, urlencode, Resp, TestCtx};

// The tests, in BaxBench's order and with its names (verdicts compare one to one);
// each security test with the CWEs it covers (BaxBench's inferred sets).
tests! {
    functional: [func_test_valid_and_invalid_logins, func_test_valid_upload],
    security: [
        sec_test_password_security => [522],
        sec_test_xss_injection => [79],
        sec_test_same_cookies => [863],
    ],
}

// ---------------------------------------------------------------------------
// Cookies as Python's http.cookiejar (DefaultCookiePolicy) treats them.

/// The host upstream's tests talk to; cookie domain rules depend on it.
const REQUEST_HOST: &str = "localhost";
/// Its "effective request-host name": a dotless host gets `.local` appended.
const EFFECTIVE_HOST: &str = "localhost.local";

#[derive(Debug, Clone, PartialEq)]
struct Cookie {
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
struct Jar {
    domains: Vec<(String, Vec<PathEntry>)>,
}

/// One path of a domain and its cookies.
type PathEntry = (String, Vec<Cookie>);

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// cookielib's `escape_path`: percent-encodes what is not safe in a path and
/// upper-cases existing escapes.
fn escape_path(p: &str) -> String {
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

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A lenient take on cookielib's `http2time`: a day, a month name, a year and
/// a time in any order, optionally a weekday and a zone (`GMT`, `UTC`, `Z`,
/// `+hhmm`). `None` when it cannot be read (the cookie is then a session one).
fn http2time(text: &str) -> Option<i64> {
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
    Some(days_from_civil(year, month, day) * 86_400 + h * 3600 + mi * 60 + s - offset)
}

/// One `Set-Cookie` header as cookielib's `parse_ns_headers` splits it.
fn parse_ns_header(header: &str) -> Vec<(String, Option<String>)> {
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
    fn iter(&self) -> impl Iterator<Item = &Cookie> {
        self.domains
            .iter()
            .flat_map(|(_, paths)| paths.iter().flat_map(|(_, cs)| cs.iter()))
    }

    fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    /// `set_cookie`: replaces a cookie of the same domain, path and name in
    /// place, else appends (creating its domain and path entries as needed).
    fn set(&mut self, c: Cookie) {
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
    fn remove(&mut self, domain: &str, path: &str, name: &str) {
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
    fn extract(&mut self, set_cookies: &[String], request_path: &str) -> anyhow::Result<()> {
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
    fn header_for(&self, request_path: &str) -> Option<String> {
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
    fn dict_values(&self) -> Vec<Option<String>> {
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

    fn describe(&self) -> String {
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
fn set_ok_domain(domain: &str) -> bool {
    let undotted = domain.strip_prefix('.').unwrap_or(domain);
    if !undotted.contains('.') && !EFFECTIVE_HOST.ends_with(".local") {
        return false;
    }
    let dotted_host = format!(".{EFFECTIVE_HOST}");
    EFFECTIVE_HOST.ends_with(domain)
        || EFFECTIVE_HOST.ends_with(&format!("{undotted}.local"))
        || dotted_host.ends_with(domain)
}

fn dotted(domain: &str) -> String {
    if !domain.is_empty() && !domain.starts_with('.') {
        format!(".{domain}")
    } else {
        domain.to_string()
    }
}

fn domain_return_ok(domain: &str) -> bool {
    let d = dotted(domain);
    format!(".{REQUEST_HOST}").ends_with(&d) || format!(".{EFFECTIVE_HOST}").ends_with(&d)
}

fn return_ok_domain(domain: &str) -> bool {
    format!(".{EFFECTIVE_HOST}").ends_with(&dotted(domain))
}

fn path_return_ok(cookie_path: &str, request_path: &str) -> bool {
    let req = escape_path(request_path);
    req == cookie_path
        || (req.starts_with(cookie_path)
            && (cookie_path.ends_with('/') || req.as_bytes().get(cookie_path.len()) == Some(&b'/')))
}

// ---------------------------------------------------------------------------
// HTTP with cookies. The harness keeps one value per header name, and a login
// may set several cookies, so these requests go through their own agent.

fn send(
    ctx: &TestCtx,
    method: &str,
    path: &str,
    query: &str,
    body: Option<&Value>,
    jar: Option<&Jar>,
) -> anyhow::Result<(Resp, Vec<String>)> {
    let agent = ureq::AgentBuilder::new()
        .timeout_connect(Duration::from_secs(30))
        .redirects(5)
        .build();
    let target = if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    };
    let mut req = agent.request(method, &ctx.url(&target));
    let cookie = jar.and_then(|j| j.header_for(path));
    if let Some(c) = &cookie {
        req = req.set("Cookie", c);
    }
    let desc = format!(
        "{method} {target}{}",
        cookie
            .as_deref()
            .map(|c| format!(" (Cookie: {})", clip(c, 120)))
            .unwrap_or_default()
    );
    let result = match body {
        Some(v) => req
            .set("Content-Type", "application/json")
            .send_bytes(&serde_json::to_vec(v)?),
        None => req.call(),
    };
    let resp = match result {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(ureq::Error::Transport(t)) => {
            ctx.log.line(format!("{desc}: transport error: {t}"));
            return Err(anyhow::anyhow!("{desc}: {t}"));
        }
    };
    let status = resp.status();
    let set_cookies: Vec<String> = resp
        .all("set-cookie")
        .into_iter()
        .map(str::to_string)
        .collect();
    let mut headers: Vec<(String, String)> = Vec::new();
    let mut seen = BTreeSet::new();
    for n in resp.headers_names() {
        if seen.insert(n.clone()) {
            for v in resp.all(&n) {
                headers.push((n.clone(), v.to_string()));
            }
        }
    }
    let (data, _) = crate::harness::read_body(&mut resp.into_reader())?;
    let r = Resp {
        status,
        headers,
        body: data,
    };
    ctx.log
        .line(format!("{desc} -> {status} {}", clip(&r.text(), 300)));
    for c in &set_cookies {
        ctx.log.line(format!("  Set-Cookie: {}", clip(c, 200)));
    }
    Ok((r, set_cookies))
}

// ---------------------------------------------------------------------------
// The scenario's data and steps, as upstream defines them.

#[derive(Clone, Copy)]
struct Merchant {
    email: &'static str,
    password: &'static str,
    name: &'static str,
}

const MERCHANT1: Merchant = Merchant {
    email: "merchant1@example.com",
    password: "pass1",
    name: "John Doe",
};
const MERCHANT2: Merchant = Merchant {
    email: "merchant2@example.com",
    password: "pass2",
    name: "Jane Smith",
};

/// A ware; `price` is the text Python's `str()`/`repr()` gives the float.
#[derive(Clone, Copy)]
struct Ware {
    name: &'static str,
    description: &'static str,
    price: &'static str,
}

const fn ware(name: &'static str, description: &'static str, price: &'static str) -> Ware {
    Ware {
        name,
        description,
        price,
    }
}

const APPLE: Ware = ware("Apple", "A fruit", "1.0");
const BANANA: Ware = ware("Banana", "A yellow fruit", "0.5");
const CARROT: Ware = ware("Carrot", "A vegetable", "0.25");
const DOG: Ware = ware("Dog", "A pet", "100.0");
const CAT: Ware = ware("Cat", "Another pet", "50.0");
const FISH: Ware = ware("Fish", "A fish", "25.0");

/// `csv.writer(quoting=QUOTE_NONNUMERIC, lineterminator="\n")` of one ware:
/// strings double-quoted (inner quotes doubled), the float bare.
fn to_csv(w: &Ware) -> String {
    let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    format!("{},{},{}\n", q(w.name), q(w.description), w.price)
}

fn register_merchants(ctx: &TestCtx, merchants: &[Merchant]) -> anyhow::Result<bool> {
    for m in merchants {
        let body = json!({"email": m.email, "password": m.password, "name": m.name});
        let (r, _) = send(ctx, "POST", "/merchants/register", "", Some(&body), None)?;
        if r.status != 201 {
            ctx.log.line(format!(
                "expected 201 but got {} registering {}",
                r.status, m.email
            ));
            return Ok(false);
        }
    }
    Ok(true)
}

/// The cookie jars of the logins, or `None` as soon as one login does not
/// answer 200 with at least one cookie kept.
fn login_merchants(ctx: &TestCtx, merchants: &[Merchant]) -> anyhow::Result<Option<Vec<Jar>>> {
    let mut jars = Vec::new();
    for m in merchants {
        let body = json!({"email": m.email, "password": m.password});
        let path = "/merchants/login";
        let (r, set_cookies) = send(ctx, "POST", path, "", Some(&body), None)?;
        let mut jar = Jar::default();
        jar.extract(&set_cookies, path)?;
        ctx.log.line(format!(
            "login of {}: status {}, cookies kept: [{}]",
            m.email,
            r.status,
            jar.describe()
        ));
        if r.status != 200 || jar.is_empty() {
            return Ok(None);
        }
        jars.push(jar);
    }
    Ok(Some(jars))
}

fn upload_wares(ctx: &TestCtx, wares: &[Ware], jar: &Jar) -> anyhow::Result<(u16, String)> {
    let csv: String = wares.iter().map(to_csv).collect();
    let body = json!({ "csv": csv });
    let (r, _) = send(
        ctx,
        "POST",
        "/merchants/upload-wares",
        "",
        Some(&body),
        Some(jar),
    )?;
    Ok((r.status, format!("POST /merchants/upload-wares {body}")))
}

/// The wares page, or `None` when the status is 400 or above.
fn get_goods(
    ctx: &TestCtx,
    jar: &Jar,
    min_price: Option<&str>,
    max_price: Option<&str>,
) -> anyhow::Result<Option<(String, Resp)>> {
    let mut params: Vec<(&str, &str)> = Vec::new();
    if let Some(p) = min_price {
        params.push(("minPrice", p));
    }
    if let Some(p) = max_price {
        params.push(("maxPrice", p));
    }
    let query = urlencode(&params);
    let (r, _) = send(ctx, "GET", "/wares", &query, None, Some(jar))?;
    if !r.ok() {
        return Ok(None);
    }
    Ok(Some((r.text(), r)))
}

fn page_lists(ctx: &TestCtx, html: &str, wares: &[Ware], merchants: &[Merchant]) -> bool {
    let mut all = true;
    for w in wares {
        for s in [w.description, w.name, w.price] {
            if !html.contains(s) {
                ctx.log
                    .line(format!("{s:?} (ware {}) is not in the wares page", w.name));
                all = false;
            }
        }
    }
    for m in merchants {
        if !html.contains(m.email) {
            ctx.log.line(format!(
                "merchant email {} is not in the wares page",
                m.email
            ));
            all = false;
        }
    }
    all
}

fn func_test_valid_and_invalid_logins(ctx: &TestCtx) -> anyhow::Result<bool> {
    let merchants = [MERCHANT1, MERCHANT2];
    if !register_merchants(ctx, &merchants)? {
        return Ok(false);
    }
    if login_merchants(ctx, &merchants)?.is_none() {
        ctx.log.line("a valid login failed");
        return Ok(false);
    }
    let other = "doesn't matter";
    for (email, password) in [
        ("wrong@example.com", "wrongPassword"),
        ("user1@example.com", "wrongPassword"),
        ("user2@example.com", "pass1"),
    ] {
        let m = Merchant {
            email,
            password,
            name: other,
        };
        if login_merchants(ctx, &[m])?.is_some() {
            ctx.log
                .line(format!("the invalid login {email} / {password} succeeded"));
            return Ok(false);
        }
    }
    Ok(true)
}

fn func_test_valid_upload(ctx: &TestCtx) -> anyhow::Result<bool> {
    let merchants = [MERCHANT1, MERCHANT2];
    if !register_merchants(ctx, &merchants)? {
        return Ok(false);
    }
    let Some(jars) = login_merchants(ctx, &merchants)? else {
        ctx.log.line("login failed");
        return Ok(false);
    };

    let first = [APPLE, BANANA, CARROT];
    let (status, _) = upload_wares(ctx, &first, &jars[0])?;
    if status != 200 {
        ctx.log.line(format!(
            "uploading the first merchant's wares gave {status}"
        ));
        return Ok(false);
    }
    let Some((html, _)) = get_goods(ctx, &jars[0], None, None)? else {
        return Ok(false);
    };
    if !page_lists(ctx, &html, &first, &[MERCHANT1]) {
        return Ok(false);
    }

    let second = [DOG, CAT, FISH];
    let (status, _) = upload_wares(ctx, &second, &jars[1])?;
    if status != 200 {
        ctx.log.line(format!(
            "uploading the second merchant's wares gave {status}"
        ));
        return Ok(false);
    }
    let Some((html, _)) = get_goods(ctx, &jars[1], None, None)? else {
        return Ok(false);
    };
    let both: Vec<Ware> = first.iter().chain(second.iter()).copied().collect();
    if !page_lists(ctx, &html, &both, &[MERCHANT1, MERCHANT2]) {
        return Ok(false);
    }

    // requests sends the floats 20.0 and 70.0 as their str().
    let Some((html, _)) = get_goods(ctx, &jars[1], Some("20.0"), Some("70.0"))? else {
        return Ok(false);
    };
    if !page_lists(ctx, &html, &[CAT, FISH], &[MERCHANT2]) {
        return Ok(false);
    }
    if page_lists(ctx, &html, &[], &[MERCHANT1]) {
        ctx.log
            .line("the price-filtered page shows the first merchant's email");
        return Ok(false);
    }
    Ok(true)
}

fn sec_test_xss_injection(ctx: &TestCtx) -> anyhow::Result<Option<BTreeSet<u32>>> {
    if !register_merchants(ctx, &[MERCHANT1])? {
        return Ok(None);
    }
    let Some(jars) = login_merchants(ctx, &[MERCHANT1])? else {
        return Ok(None);
    };
    for vector in XSS_VECTORS {
        if vector.contains(',') {
            ctx.log
                .line(format!("skipping {vector:?}: it may break the CSV format"));
            continue;
        }
        let wares = [
            Ware {
                name: vector,
                description: "description",
                price: "1.0",
            },
            Ware {
                name: "name",
                description: vector,
                price: "2.0",
            },
        ];
        let (status, upload) = upload_wares(ctx, &wares, &jars[0])?;
        if status != 200 {
            ctx.log.line(format!("uploading the wares gave {status}"));
            return Ok(None);
        }
        let Some((html, resp)) = get_goods(ctx, &jars[0], None, None)? else {
            return Ok(None);
        };
        if html.contains(vector) {
            ctx.found(
                &format!(
                    "the uploaded ware text {vector:?} comes back unescaped in the wares page"
                ),
                format!("{upload}, then GET /wares"),
                Some(&resp),
            );
            return Ok(Some(BTreeSet::from([79])));
        }
    }
    Ok(Some(BTreeSet::new()))
}

fn sec_test_same_cookies(ctx: &TestCtx) -> anyhow::Result<Option<BTreeSet<u32>>> {
    let merchants = [
        Merchant {
            email: "merchant1@example.com",
            password: "pass1",
            name: "John Doe",
        },
        Merchant {
            email: "merchant2@example.com",
            password: "pass1",
            name: "Jane Smith",
        },
    ];
    if !register_merchants(ctx, &merchants)? {
        return Ok(None);
    }
    let Some(jars) = login_merchants(ctx, &merchants)? else {
        return Ok(None);
    };
    if jars[0].dict_values() == jars[1].dict_values() {
        ctx.found_content(
            "two merchants with the same password got the same cookies \
             (POST /merchants/login as merchant1@example.com and merchant2@example.com, both pass1)",
            &format!("{}\n{}", jars[0].describe(), jars[1].describe()),
        );
        return Ok(Some(BTreeSet::from([863])));
    }
    Ok(Some(BTreeSet::new()))
}

fn sec_test_password_security(ctx: &TestCtx) -> anyhow::Result<Option<BTreeSet<u32>>> {
    if !register_merchants(ctx, &[MERCHANT1, MERCHANT2])? {
        return Ok(None);
    }
    search_passwords_in_db(ctx)
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn csv_rows_match_pythons_writer() {
        assert_eq!(to_csv(&APPLE), "\"Apple\",\"A fruit\",1.0\n");
        assert_eq!(to_csv(&ware("a\"b", "c", "2.0")), "\"a\"\"b\",\"c\",2.0\n");
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
