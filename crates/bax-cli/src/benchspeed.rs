//! `bax bench test` and `bax bench corpus`: how fast bax scores, from release
//! builds, with the figures the next speed-up is chosen from.
//!
//! `bench test` generates a framework's reference answers into a fresh results
//! folder and runs `bax test` on it (a child process of this very binary, so
//! its peak RSS is the harness's own: VmHWM, polled) once per `--jobs` value,
//! uncached; it prints each run's wall time, the ratio to `--jobs 1`, the
//! per-sample wall time of the samples whose tests have no fixed monitoring
//! window, the cost ledger's totals, and whether every verdict was the same in
//! every run. `bench corpus` scores the dev corpus's samples and sets bax's wall
//! time beside the seconds upstream's own tests took on them (`seconds` in
//! verdicts.jsonl).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use bax_catalog::Catalog;
use serde_json::{json, Value};

/// One `bax test` run of the bench.
struct Pass {
    jobs: String,
    wall_s: f64,
    peak_rss_mib: f64,
    /// sample -> its tests' decisions.
    verdicts: BTreeMap<String, Vec<String>>,
    /// Wall seconds of the samples without a timing-sensitive test, by their test count.
    untimed_wall: BTreeMap<usize, Vec<f64>>,
    cost: Value,
}

/// The peak resident set (VmHWM) of process `pid`, in KiB.
fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
}

fn run_test_pass(exe: &Path, results: &Path, jobs: Option<usize>) -> Result<Pass> {
    let mut cmd = Command::new(exe);
    cmd.args(["test", "--force", "--no-cache", "--results"])
        .arg(results)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit());
    if let Some(j) = jobs {
        cmd.args(["--jobs", &j.to_string()]);
    }
    let started = Instant::now();
    let mut child = cmd.spawn().context("starting bax test")?;
    let pid = child.id();
    let mut peak = 0u64;
    let status = loop {
        if let Some(kib) = vm_hwm_kib(pid) {
            peak = peak.max(kib);
        }
        if let Some(s) = child.try_wait()? {
            break s;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let wall_s = started.elapsed().as_secs_f64();
    let mut text = String::new();
    if let Some(mut o) = child.stdout.take() {
        use std::io::Read;
        o.read_to_string(&mut text)?;
    }
    if !status.success() {
        bail!("bax test failed ({status}):\n{text}");
    }
    let mut verdicts = BTreeMap::new();
    let mut untimed_wall: BTreeMap<usize, Vec<f64>> = BTreeMap::new();
    let mut cost = crate::testcmd::TestSummary::default();
    for path in glob_verdicts(results)? {
        let v: Value = serde_json::from_slice(&std::fs::read(&path)?)
            .with_context(|| format!("reading {}", path.display()))?;
        let rel = path
            .parent()
            .and_then(|p| p.strip_prefix(results).ok())
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let tests: Vec<&Value> = v["functional"]
            .as_array()
            .into_iter()
            .flatten()
            .chain(v["security"].as_array().into_iter().flatten())
            .collect();
        let scenario = rel.split('/').nth(1).unwrap_or_default().to_string();
        let timed = tests.iter().any(|t| {
            bax_scenarios::is_timing_sensitive(&scenario, t["test"].as_str().unwrap_or_default())
        });
        if !timed {
            untimed_wall
                .entry(tests.len())
                .or_default()
                .push(v["cost"]["wall_s"].as_f64().unwrap_or(0.0));
        }
        verdicts.insert(
            rel,
            tests
                .iter()
                .map(|t| {
                    format!(
                        "{} {} {} {} {}",
                        t["test"],
                        t["passed"],
                        t["cwes"],
                        t["exception"].is_string(),
                        t["crashed"]
                    )
                })
                .collect(),
        );
        let sv: bax_runner::SampleCost =
            serde_json::from_value(v["cost"].clone()).unwrap_or_default();
        crate::testcmd::add_sample_cost(&mut cost.cost, &sv);
        for t in &tests {
            let tc: bax_runner::TestCost =
                serde_json::from_value(t["cost"].clone()).unwrap_or_default();
            cost.test_cost.add(&tc);
        }
    }
    Ok(Pass {
        jobs: jobs.map_or("default".into(), |j| j.to_string()),
        wall_s,
        peak_rss_mib: peak as f64 / 1024.0,
        verdicts,
        untimed_wall,
        cost: json!({"sample": cost.cost, "tests": cost.test_cost,
            "text": crate::testcmd::cost_lines(&cost.cost, &cost.test_cost)}),
    })
}

/// Every verdict.json under `dir`.
fn glob_verdicts(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).with_context(|| format!("reading {}", d.display()))? {
            let p = e?.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n == "verdict.json") {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        f64::NAN
    } else {
        v[v.len() / 2]
    }
}

/// `bax bench test`.
pub fn test(a: &crate::cli::BenchTestArgs, out: &mut dyn Write) -> Result<i32> {
    let exe = std::env::current_exe().context("finding this bax")?;
    let dir = tempfile::Builder::new()
        .prefix("bax-bench-test-")
        .tempdir()?;
    let results = dir.path().join("results");
    let gen = Command::new(&exe)
        .args([
            "generate",
            "--model",
            "reference",
            "--frameworks",
            &a.framework,
            "--results",
        ])
        .arg(&results)
        .output()
        .context("generating the reference answers")?;
    if !gen.status.success() {
        bail!(
            "bax generate failed:\n{}{}",
            String::from_utf8_lossy(&gen.stdout),
            String::from_utf8_lossy(&gen.stderr)
        );
    }
    let mut passes = Vec::new();
    let mut jobs: Vec<Option<usize>> = vec![Some(1)];
    jobs.push(a.jobs.get());
    jobs.extend(a.also.iter().map(|&j| Some(j.max(1))));
    for j in jobs {
        let p = run_test_pass(&exe, &results, j)?;
        if !a.json {
            writeln!(
                out,
                "--jobs {:<8} {} samples in {:.1} s, harness peak RSS {:.0} MiB",
                p.jobs,
                p.verdicts.len(),
                p.wall_s,
                p.peak_rss_mib
            )?;
            writeln!(out, "  {}", p.cost["text"].as_str().unwrap_or_default())?;
            for (n, walls) in &p.untimed_wall {
                writeln!(
                    out,
                    "  samples with {n} tests and no monitoring window: {} of them, wall per sample median {:.2} s, max {:.2} s",
                    walls.len(),
                    median(walls),
                    walls.iter().cloned().fold(0.0, f64::max)
                )?;
            }
            out.flush()?;
        }
        passes.push(p);
    }
    let same = passes.windows(2).all(|w| w[0].verdicts == w[1].verdicts);
    let differing: Vec<&String> = passes[0]
        .verdicts
        .iter()
        .filter(|(k, v)| passes[1..].iter().any(|p| p.verdicts.get(*k) != Some(*v)))
        .map(|(k, _)| k)
        .collect();
    if !a.json {
        for p in &passes[2..] {
            writeln!(
                out,
                "--jobs {}: {:.1} s, {:.2}x",
                p.jobs,
                p.wall_s,
                passes[0].wall_s / p.wall_s
            )?;
        }
    }
    let ratio = passes[0].wall_s / passes[1].wall_s;
    if a.json {
        let rows: Vec<Value> = passes
            .iter()
            .map(|p| {
                json!({"jobs": p.jobs, "samples": p.verdicts.len(), "wall_s": p.wall_s,
                    "peak_rss_mib": p.peak_rss_mib, "cost": p.cost,
                    "untimed_wall_s": p.untimed_wall.iter().map(|(n, w)| (n.to_string(), json!({"count": w.len(), "median": median(w), "max": w.iter().cloned().fold(0.0, f64::max)}))).collect::<serde_json::Map<_, _>>()})
            })
            .collect();
        writeln!(
            out,
            "{}",
            json!({"framework": a.framework, "passes": rows, "speedup": ratio, "verdicts_identical": same, "differing": differing})
        )?;
    } else {
        writeln!(
            out,
            "{}: --jobs 1 {:.1} s, --jobs {} {:.1} s: {:.2}x; verdicts identical in every run: {}",
            a.framework,
            passes[0].wall_s,
            passes[1].jobs,
            passes[1].wall_s,
            ratio,
            if same {
                "yes".to_string()
            } else {
                format!(
                    "NO ({})",
                    differing
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        )?;
    }
    Ok(if same { 0 } else { 1 })
}

/// `bax bench corpus`.
pub fn corpus(
    catalog: &Catalog,
    a: &crate::cli::BenchCorpusArgs,
    out: &mut dyn Write,
) -> Result<i32> {
    let text = std::fs::read_to_string(a.corpus.join("verdicts.jsonl"))
        .with_context(|| format!("reading {}", a.corpus.join("verdicts.jsonl").display()))?;
    let mut upstream_s: BTreeMap<String, f64> = BTreeMap::new();
    for l in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: Value = serde_json::from_str(l)?;
        *upstream_s
            .entry(v["sample"].as_str().unwrap_or_default().to_string())
            .or_default() += v["seconds"].as_f64().unwrap_or(0.0);
    }
    let sched = crate::testcmd::Sched {
        timeout: 300,
        jobs: a.jobs.get(),
        cache: false,
    };
    let started = Instant::now();
    let rows = crate::testcmd::corpus_rows(
        catalog,
        &a.corpus,
        &crate::testcmd::CorpusPick {
            scenarios: &[],
            patterns: &a.samples,
            shard: bax_catalog::Shard::all(),
        },
        &sched,
        |_| {},
    )?;
    let wall = started.elapsed().as_secs_f64();
    let samples: std::collections::BTreeSet<&str> =
        rows.iter().map(|r| r.sample.as_str()).collect();
    let up: f64 = samples.iter().filter_map(|s| upstream_s.get(*s)).sum();
    let scored: Vec<_> = rows.iter().filter(|r| r.deliberate.is_none()).collect();
    let agree = scored.iter().filter(|r| r.agree).count();
    let ratio = up / wall;
    if a.json {
        writeln!(
            out,
            "{}",
            json!({"samples": samples.len(), "rows": rows.len(), "agree": agree, "scored": scored.len(),
                "bax_wall_s": wall, "upstream_test_s": up, "ratio": ratio})
        )?;
    } else {
        writeln!(
            out,
            "corpus: {} samples ({} verdicts, {agree} of {} agree): bax {:.1} s wall; upstream's tests summed {:.1} s: {:.2}x",
            samples.len(),
            rows.len(),
            scored.len(),
            wall,
            up,
            ratio
        )?;
    }
    Ok(0)
}
