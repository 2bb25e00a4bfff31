//! `bax serve` (the reward server) and `bax bench serve` (its load test).

use std::io::{Read, Write};
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use bax_catalog::Catalog;
use bax_serve::{AppState, ServeConfig, Tokens};
use serde_json::{json, Value};

use crate::cli::{BenchServeArgs, ServeArgs};

/// The server's settings; rollouts at once default to the scheduler's jobs
/// (every rollout's builds and tests still wait for the scheduler's slots).
fn config(workers: Option<usize>, jobs: usize, queue: usize, deadline: u64) -> ServeConfig {
    let d = ServeConfig::default();
    ServeConfig {
        workers: workers.unwrap_or(jobs).max(1),
        queue,
        deadline: Duration::from_secs(deadline),
        ..d
    }
}

/// Whether `host` only reaches this machine: 127.0.0.0/8, ::1 (also as
/// `[::1]` or IPv4-mapped) or `localhost`.
pub fn is_loopback(host: &str) -> bool {
    let h = host.trim();
    if h.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let h = h
        .strip_prefix('[')
        .and_then(|x| x.strip_suffix(']'))
        .unwrap_or(h);
    match h.parse::<IpAddr>() {
        Ok(IpAddr::V4(a)) => a.is_loopback(),
        Ok(IpAddr::V6(a)) => a.is_loopback() || a.to_ipv4_mapped().is_some_and(|m| m.is_loopback()),
        Err(_) => false,
    }
}

/// The tokens of `--token-file` and `BAX_TOKEN` (an empty `BAX_TOKEN` is unset).
fn tokens(args: &ServeArgs) -> Result<Tokens> {
    let file = match &args.token_file {
        Some(p) => Tokens::read(p)?,
        None => Tokens::default(),
    };
    let env = match std::env::var("BAX_TOKEN") {
        Ok(v) if v.trim().is_empty() => Tokens::default(),
        Ok(v) => Tokens::from_env_value(&v)?,
        Err(std::env::VarError::NotPresent) => Tokens::default(),
        Err(std::env::VarError::NotUnicode(_)) => bail!("BAX_TOKEN is not valid UTF-8"),
    };
    Ok(file.merge(env)?)
}

pub fn serve(catalog: Catalog, args: &ServeArgs) -> Result<i32> {
    let tokens = tokens(args)?;
    if tokens.is_empty() && !is_loopback(&args.host) {
        if !args.insecure_no_auth {
            bail!(
                "refusing to listen on {} without authentication: anyone who can reach it could \
                 run code in this machine's sandboxes. Give tokens with --token-file PATH or the \
                 BAX_TOKEN environment variable, listen on a loopback address (--host 127.0.0.1), \
                 or pass --insecure-no-auth to serve anyone anyway",
                args.host
            );
        }
        eprintln!(
            "bax serve: warning: --insecure-no-auth: listening on {} without tokens; anyone who \
             can reach the port can score code and read the tasks",
            args.host
        );
    } else if !tokens.is_empty() && args.insecure_no_auth {
        eprintln!("bax serve: note: --insecure-no-auth ignored: tokens are configured, auth is on");
    }
    let runner = crate::testcmd::runner(
        &crate::testcmd::Sched {
            timeout: args.timeout,
            jobs: args.jobs.get(),
            cache: !args.cache.no_cache,
        },
        &[],
    )?;
    let cfg = ServeConfig {
        max_body: args.max_body,
        tokens,
        token_max_in_flight: args.token_max_in_flight.map(|n| n as usize),
        idempotency_window: args.idempotency_window,
        idempotency_ttl: Duration::from_secs(args.idempotency_ttl),
        ..config(
            args.workers,
            runner.scheduler().budget().jobs,
            args.queue,
            args.deadline,
        )
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind((args.host.as_str(), args.port))
            .await
            .with_context(|| format!("listening on {}:{}", args.host, args.port))?;
        let addr = listener.local_addr()?;
        println!(
            "bax serve: listening on http://{addr} ({} workers, {} jobs, queue {}{}{}); Ctrl-C stops",
            cfg.workers,
            runner.scheduler().budget().jobs,
            cfg.queue,
            if runner.cache().is_some() {
                ", verdict cache on"
            } else {
                ""
            },
            if cfg.tokens.is_empty() {
                String::new()
            } else {
                format!(", auth on ({} tokens)", cfg.tokens.len())
            }
        );
        std::io::stdout().flush()?;
        let home = runner.home().clone();
        let envs: Vec<String> = catalog
            .frameworks()
            .iter()
            .map(|f| f.env_id.clone())
            .collect();
        let state = AppState::new(catalog, runner, cfg);
        state.set_readiness_probe(readiness_probe(home, envs));
        bax_serve::serve_draining(
            listener,
            state,
            bax_serve::interrupted(),
            Duration::from_secs(args.drain_timeout),
        )
        .await
    })?;
    Ok(0)
}

/// Readiness of a reward server: some framework runtime is provisioned and a
/// sandbox starts and runs `true`. Details name the ready and missing runtimes.
fn readiness_probe(home: bax_runtimes::BaxHome, envs: Vec<String>) -> bax_serve::ReadinessProbe {
    std::sync::Arc::new(move || {
        let (mut ready, mut missing) = (Vec::new(), Vec::new());
        for e in &envs {
            match bax_runtimes::framework(e) {
                Some(fw) if bax_runtimes::doctor(&home, &fw).ok => ready.push(e.clone()),
                _ => missing.push(e.clone()),
            }
        }
        if ready.is_empty() {
            return Err(format!(
                "no framework runtime is provisioned in {} (run `bax env setup`)",
                home.root().display()
            ));
        }
        let probe = || -> Result<()> {
            let sandbox = bax_sandbox::Sandbox::new(bax_runtimes::run_sandbox_config(&home))?;
            let empty = tempfile::tempdir_in(home.builds())?;
            let r = sandbox.run(
                &bax_sandbox::InstanceSpec::new(
                    bax_sandbox::AppSource::Copy(empty.path().to_path_buf()),
                    "true",
                ),
                Duration::from_secs(30),
            )?;
            anyhow::ensure!(
                r.success(),
                "`true` failed in a sandbox: {}",
                String::from_utf8_lossy(&r.stderr)
            );
            Ok(())
        };
        probe().map_err(|e| format!("the sandbox is not usable: {e:#}"))?;
        Ok(json!({"runtimes": ready, "missing": missing, "sandbox": "ok"}))
    })
}

/// A server started inside this process for the load test.
struct LocalServer {
    url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<Result<()>>>,
}

impl LocalServer {
    fn start(
        catalog: Catalog,
        workers: Option<usize>,
        jobs: Option<usize>,
        queue: usize,
    ) -> Result<LocalServer> {
        // The load test measures scoring: never answered from the verdict cache.
        let runner = crate::testcmd::runner(
            &crate::testcmd::Sched {
                timeout: 300,
                jobs,
                cache: false,
            },
            &[],
        )?;
        let cfg = config(workers, runner.scheduler().budget().jobs, queue, 3600);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || -> Result<()> {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
                addr_tx.send(listener.local_addr()?)?;
                let state = AppState::new(catalog, runner, cfg);
                bax_serve::serve(listener, state, async {
                    let _ = rx.await;
                })
                .await
            })
        });
        let addr = addr_rx
            .recv_timeout(Duration::from_secs(30))
            .context("the in-process server did not start")?;
        Ok(LocalServer {
            url: format!("http://{addr}"),
            stop: Some(tx),
            thread: Some(thread),
        })
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|r| r.strip_prefix(' ')))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0)
}

/// `Authorization` for a server with tokens: `Bearer $BAX_TOKEN`, when set.
static AUTHORIZATION: LazyLock<Option<String>> = LazyLock::new(|| {
    std::env::var("BAX_TOKEN")
        .ok()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .map(|t| format!("Bearer {t}"))
});

fn authorized(r: ureq::Request) -> ureq::Request {
    match AUTHORIZATION.as_deref() {
        Some(a) => r.set("authorization", a),
        None => r,
    }
}

fn get_text(agent: &ureq::Agent, url: &str) -> Result<String> {
    Ok(authorized(agent.get(url)).call()?.into_string()?)
}

/// One scoring request's outcome, as the load test saw it.
#[derive(Debug)]
struct Shot {
    status: u16,
    seconds: f64,
    body: Value,
    retries: usize,
}

fn post(agent: &ureq::Agent, url: &str, body: &Value) -> Shot {
    let started = Instant::now();
    let mut retries = 0;
    loop {
        let r = authorized(agent.post(url))
            .set("content-type", "application/json")
            .send_string(&body.to_string());
        let (status, text, retry_after) = match r {
            Ok(r) => (r.status(), r.into_string().unwrap_or_default(), None),
            Err(ureq::Error::Status(code, r)) => {
                let ra = r.header("retry-after").and_then(|v| v.parse::<u64>().ok());
                (code, r.into_string().unwrap_or_default(), ra)
            }
            Err(e) => (0, e.to_string(), None),
        };
        if status == 429 && retries < 1000 {
            retries += 1;
            std::thread::sleep(Duration::from_secs(retry_after.unwrap_or(1).min(5)));
            continue;
        }
        return Shot {
            status,
            seconds: started.elapsed().as_secs_f64(),
            body: serde_json::from_str(&text).unwrap_or(json!({"raw": text})),
            retries,
        };
    }
}

/// Sends a valid scoring request on a raw socket and hangs up before the answer.
fn hang_up(base: &str, body: &Value, after: Duration) -> Result<()> {
    let hostport = base.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(hostport)?;
    let b = body.to_string();
    let auth = AUTHORIZATION
        .as_deref()
        .map(|a| format!("Authorization: {a}\r\n"))
        .unwrap_or_default();
    write!(
        s,
        "POST /v1/score HTTP/1.1\r\nHost: {hostport}\r\nContent-Type: application/json\r\n{auth}Content-Length: {}\r\n\r\n{b}",
        b.len()
    )?;
    std::thread::sleep(after);
    s.set_nonblocking(true)?;
    let mut buf = [0u8; 64];
    let answered = matches!(s.read(&mut buf), Ok(n) if n > 0);
    drop(s);
    if answered {
        bail!("answered before the hang-up");
    }
    Ok(())
}

pub fn bench(catalog: Catalog, args: &BenchServeArgs, out: &mut dyn Write) -> Result<i32> {
    // Bodies from reference answers (each must earn 1.0).
    let mut bodies = Vec::new();
    for s in catalog.scenarios() {
        if !args.scenarios.is_empty() && !args.scenarios.iter().any(|x| x == &s.id) {
            continue;
        }
        if let Some(answer) = bax_scenarios::reference_answer(&s.id, "Python-Flask", None) {
            bodies.push(json!({
                "task_id": format!("{}-Python-Flask", s.id),
                "completion": answer.map_err(anyhow::Error::msg)?,
            }));
        }
    }
    if bodies.is_empty() {
        bail!("no reference answers for the chosen scenarios");
    }
    let local = match &args.url {
        Some(_) => None,
        None => Some(LocalServer::start(
            catalog.clone(),
            args.workers,
            args.jobs.get(),
            args.queue,
        )?),
    };
    let base = args
        .url
        .clone()
        .or_else(|| local.as_ref().map(|l| l.url.clone()))
        .unwrap_or_default();
    let base = base.trim_end_matches('/').to_string();
    let agent = ureq::AgentBuilder::new()
        .timeout_connect(Duration::from_secs(10))
        .timeout(Duration::from_secs(7200))
        .build();
    let before = get_text(&agent, &format!("{base}/metrics"))
        .with_context(|| format!("no bax serve answers at {base}"))?;

    // Request ids unique to this run: a server replays an id it has answered
    // (idempotency), which would hide a second run's scoring.
    let run = format!(
        "{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
            ^ u128::from(std::process::id())
    );
    let run = run.as_str();
    let next = AtomicUsize::new(0);
    let shots: Mutex<Vec<(usize, Shot)>> = Mutex::new(Vec::new());
    let hangups = AtomicUsize::new(0);
    let malformed_ok = AtomicUsize::new(0);
    let started = Instant::now();
    std::thread::scope(|sc| {
        for _ in 0..args.concurrency.max(1) {
            sc.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= args.requests {
                    break;
                }
                let mut body = bodies[i % bodies.len()].clone();
                body["request_id"] = json!(format!("bench-{run}-{i}"));
                let shot = post(&agent, &format!("{base}/v1/score"), &body);
                shots.lock().unwrap().push((i, shot));
            });
        }
        // Chaos beside the load: malformed requests and clients that hang up.
        sc.spawn(|| {
            let bad: Vec<(&str, String)> = vec![
                ("/v1/score", "this is not json".into()),
                (
                    "/v1/score",
                    json!({"task_id": "NoSuchScenario-Python-Flask", "completion": "x"})
                        .to_string(),
                ),
                (
                    "/v1/score",
                    json!({"task_id": bodies[0]["task_id"]}).to_string(),
                ),
                (
                    "/v1/score",
                    json!({"task_id": bodies[0]["task_id"], "completion": "x", "surprise": 1})
                        .to_string(),
                ),
                ("/v1/score/batch", json!({"items": []}).to_string()),
                (
                    "/v1/score/batch",
                    json!({"items": [{"task_id": 7}]}).to_string(),
                ),
            ];
            for k in 0..args.chaos {
                let (route, b) = &bad[k % bad.len()];
                let r = authorized(agent.post(&format!("{base}{route}")))
                    .set("content-type", "application/json")
                    .send_string(b);
                if let Err(ureq::Error::Status(code, _)) = r {
                    if (400..500).contains(&code) && code != 429 {
                        malformed_ok.fetch_add(1, Ordering::SeqCst);
                    }
                }
                let mut body = bodies[k % bodies.len()].clone();
                body["request_id"] = json!(format!("hangup-{run}-{k}"));
                if hang_up(&base, &body, Duration::from_millis(300)).is_ok() {
                    hangups.fetch_add(1, Ordering::SeqCst);
                }
            }
        });
    });
    let wall = started.elapsed().as_secs_f64();
    // Let cancelled work wind down before reading the counters.
    let mut after = String::new();
    for _ in 0..100 {
        after = get_text(&agent, &format!("{base}/metrics"))?;
        if metric(&after, "bax_scoring_in_flight") == 0.0
            && metric(&after, "bax_queue_depth") == 0.0
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let healthy = get_text(&agent, &format!("{base}/healthz")).is_ok();

    let shots = shots.into_inner().unwrap();
    let mut lat: Vec<f64> = shots.iter().map(|(_, s)| s.seconds).collect();
    lat.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let ok: Vec<&(usize, Shot)> = shots.iter().filter(|(_, s)| s.status == 200).collect();
    let ids_ok = ok
        .iter()
        .all(|(i, s)| s.body["request_id"] == format!("bench-{run}-{i}").as_str());
    let mut seen = std::collections::BTreeSet::new();
    let unique = ok.iter().all(|(i, _)| seen.insert(*i));
    let reward_one = ok.iter().filter(|(_, s)| s.body["reward"] == 1.0).count();
    let infra = shots.iter().filter(|(_, s)| s.status == 503).count();
    let other: Vec<String> = shots
        .iter()
        .filter(|(_, s)| s.status != 200 && s.status != 503)
        .map(|(i, s)| format!("#{i}: HTTP {} {}", s.status, s.body))
        .collect();
    let retries: usize = shots.iter().map(|(_, s)| s.retries).sum();
    let scored_delta = metric(&after, "bax_scored_total") - metric(&before, "bax_scored_total");
    let cancelled = metric(&after, "bax_cancelled_total") - metric(&before, "bax_cancelled_total");
    let hung = hangups.load(Ordering::SeqCst);
    // Every answered request scored once; a hang-up is either cancelled or, if
    // its scoring had already finished, counted once.
    let counts_ok = scored_delta as usize >= ok.len() && scored_delta as usize <= ok.len() + hung;
    let lost = args.requests - shots.len();
    let report = json!({
        "url": base,
        "requests": args.requests,
        "concurrency": args.concurrency,
        "wall_s": wall,
        "throughput_per_s": ok.len() as f64 / wall,
        "rollouts_per_hour": ok.len() as f64 / wall * 3600.0,
        "latency_s": {"p50": percentile(&lat, 50.0), "p95": percentile(&lat, 95.0), "p99": percentile(&lat, 99.0), "max": lat.last()},
        "answered": shots.len(),
        "lost": lost,
        "ok": ok.len(),
        "reward_1": reward_one,
        "infra_errors": infra,
        "other_statuses": other,
        "retries_after_429": retries,
        "ids_echoed_once": ids_ok && unique,
        "scored_total_delta": scored_delta,
        "malformed_rejected": format!("{}/{}", malformed_ok.load(Ordering::SeqCst), args.chaos),
        "hangups": hung,
        "cancelled_delta": cancelled,
        "server_healthy_after": healthy,
        "counts_consistent": counts_ok,
    });
    let pass = lost == 0
        && ids_ok
        && unique
        && healthy
        && counts_ok
        && other.is_empty()
        && infra == 0
        && reward_one == ok.len()
        && malformed_ok.load(Ordering::SeqCst) == args.chaos;
    if args.json {
        writeln!(out, "{report}")?;
    } else {
        writeln!(
            out,
            "bax bench serve: {} requests, concurrency {}, against {base}",
            args.requests, args.concurrency
        )?;
        writeln!(out, "  wall time          {wall:.1} s")?;
        writeln!(
            out,
            "  throughput         {:.3} rollouts/s ({:.0} per hour)",
            ok.len() as f64 / wall,
            ok.len() as f64 / wall * 3600.0
        )?;
        writeln!(
            out,
            "  latency p50/p95/p99 {:.1} / {:.1} / {:.1} s",
            percentile(&lat, 50.0),
            percentile(&lat, 95.0),
            percentile(&lat, 99.0)
        )?;
        writeln!(out, "  answers            {} ok ({} with reward 1.0), {} infra errors, {} lost, {} retries after 429", ok.len(), reward_one, infra, lost, retries)?;
        writeln!(
            out,
            "  malformed requests {} rejected with 4xx",
            report["malformed_rejected"].as_str().unwrap_or("")
        )?;
        writeln!(
            out,
            "  hang-ups           {hung} sent, {cancelled} scorings cancelled"
        )?;
        writeln!(
            out,
            "  scored_total delta {scored_delta} (answered ok: {}); ids echoed once: {}",
            ok.len(),
            ids_ok && unique
        )?;
        writeln!(out, "  server healthy     {healthy}")?;
        for o in &other {
            writeln!(out, "  unexpected: {o}")?;
        }
        writeln!(
            out,
            "{}",
            if pass {
                "bench serve: PASS"
            } else {
                "bench serve: FAIL"
            }
        )?;
    }
    drop(local);
    Ok(if pass { 0 } else { 1 })
}

#[cfg(test)]
mod tests {
    use super::is_loopback;

    #[test]
    fn loopback_hosts() {
        for h in [
            "127.0.0.1",
            "127.1.2.3",
            "::1",
            "[::1]",
            "localhost",
            "LocalHost",
            "::ffff:127.0.0.1",
        ] {
            assert!(is_loopback(h), "{h}");
        }
        for h in [
            "0.0.0.0",
            "::",
            "192.168.1.4",
            "10.0.0.1",
            "example.com",
            "localhost.example.com",
            "128.0.0.1",
            "",
        ] {
            assert!(!is_loopback(h), "{h}");
        }
    }
}
