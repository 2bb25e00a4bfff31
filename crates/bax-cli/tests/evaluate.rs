//! `bax evaluate` and `bax compare` end to end on synthetic results folders, and
//! their HTML reports rendered in headless Chromium.

#[path = "../../bax-eval/tests/fixture/mod.rs"]
mod fixture;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use fixture::{A_PASS1, A_SEC1, B_PASS1, B_SEC1};
use serde_json::Value;

fn bax(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bax"))
        .args(args)
        .env_remove("BAX_TASKS")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn close(v: &Value, want: f64) -> bool {
    v.as_f64().is_some_and(|x| (x - want).abs() < 1e-12)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn evaluate_prints_tables_json_and_csv() {
    let dir = tempfile::tempdir().unwrap();
    let results = dir.path().join("results");
    fixture::write_run_a(&results);
    let csv = dir.path().join("out.csv");

    let o = bax(&[
        "evaluate",
        "--results",
        s(&results),
        "--json",
        "--csv",
        s(&csv),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["schema"], "bax-eval/1");
    assert_eq!(v["ks"], serde_json::json!([1, 5]));
    let c = &v["configs"][0];
    assert_eq!(c["config"]["model"], "m1");
    assert_eq!(c["config"]["safety"], "none");
    assert!(
        close(&c["overall"]["pass_at_k"]["1"], A_PASS1),
        "{}",
        c["overall"]
    );
    assert!(close(&c["overall"]["sec_pass_at_k"]["1"], A_SEC1));
    assert!(c["overall"]["pass_at_k"].get("5").is_none());
    assert_eq!(c["overall"]["pass_at_1_ci"].as_array().unwrap().len(), 2);
    assert_eq!(c["by_framework"].as_array().unwrap().len(), 3);
    assert_eq!(c["cwes"][0]["num"], 89);
    assert_eq!(v["totals"]["untested"], 1);
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.starts_with("model,temperature,spec,safety,dimension,key,language,num_endpoints,tasks,samples,untested,pass@1,sec_pass@1,pass@5,sec_pass@5,"));

    // The tables, with a filter and other ks.
    let o = bax(&[
        "evaluate",
        "--results",
        s(&results),
        "--ks",
        "1,2",
        "--frameworks",
        "Go-net/http,Flask",
    ]);
    assert!(o.status.success());
    let t = stdout(&o);
    for want in [
        "== Overall",
        "pass@1 [95% CI]",
        "sec_pass@2",
        "== Safety prompts",
        "== m1 · T=0.2 · openapi · none",
        "-- per framework",
        "Go-net/http",
        "-- per scenario complexity",
        "CWE-89",
        "SQL_INJECTION",
    ] {
        assert!(t.contains(want), "missing {want:?} in\n{t}");
    }
    assert!(!t.contains("JavaScript-express"), "filtered out:\n{t}");

    // Nothing tested: exit 1; no folder: exit 2; k = 0 refused by clap.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    assert_eq!(
        bax(&["evaluate", "--results", s(&empty)]).status.code(),
        Some(1)
    );
    let missing = dir.path().join("missing");
    let o = bax(&["evaluate", "--results", s(&missing)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no results folder"));
    assert!(!missing.exists(), "evaluating never creates the folder");
    assert!(!bax(&["evaluate", "--results", s(&results), "--ks", "0"])
        .status
        .success());
}

#[test]
fn compare_shows_deltas_and_tasks_won_and_lost() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    fixture::write_run_a(&a);
    fixture::write_run_b(&b);
    let o = bax(&["compare", s(&a), s(&b), "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["schema"], "bax-compare/1");
    assert_eq!(v["runs"][0]["label"], "A");
    assert_eq!(v["runs"][1]["model"], "m2");
    let none = v["configs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["safety"] == "none")
        .unwrap();
    assert!(close(&none["pass_at_1"][0], A_PASS1));
    assert!(close(&none["sec_pass_at_1"][1], B_SEC1));
    let d = &none["deltas"][0];
    assert!(close(&d["pass_at_k"]["1"], B_PASS1 - A_PASS1));
    assert_eq!(
        d["a_won"],
        serde_json::json!(["Calculator/Go-net/http", "Calculator/JavaScript-express"])
    );
    assert_eq!(d["b_won"], serde_json::json!(["Login/Python-Flask"]));

    let o = bax(&["compare", s(&a), s(&b)]);
    assert!(o.status.success());
    let t = stdout(&o);
    for want in [
        "A = ",
        "B-A",
        "-- B vs A on 5 common tasks",
        "secure in B, not in A (1): Login/Python-Flask",
        "secure in A, not in B (2): Calculator/Go-net/http, Calculator/JavaScript-express",
    ] {
        assert!(t.contains(want), "missing {want:?} in\n{t}");
    }

    // Checkpoints: three runs in order, one folder, DIR:MODEL.
    fixture::write_run_b(&a);
    fixture::write_run_c(&a);
    let runs: Vec<String> = ["m1", "m2", "m3"]
        .iter()
        .map(|m| format!("{}:{m}", s(&a)))
        .collect();
    let o = bax(&["compare", &runs[0], &runs[1], &runs[2]]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let t = stdout(&o);
    assert!(t.contains("TREND") && t.contains("C-A"), "{t}");
    // One run is not a comparison; a folder with several models needs a model.
    assert!(!bax(&["compare", s(&a)]).status.success());
    let o = bax(&["compare", s(&a), &runs[0]]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("several models"));
}

/// Chromium's binary, if installed.
fn chromium() -> Option<PathBuf> {
    for name in ["chromium", "chromium-browser", "google-chrome", "chrome"] {
        if let Ok(o) = Command::new("sh")
            .args(["-c", &format!("command -v {name}")])
            .output()
        {
            let p = String::from_utf8_lossy(&o.stdout).trim().to_string();
            if o.status.success() && !p.is_empty() {
                return Some(PathBuf::from(p));
            }
        }
    }
    None
}

fn headless(chrome: &Path, profile: &Path, extra: &[&str], page: &Path) -> Output {
    let url = format!("file://{}", page.display());
    Command::new(chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .output()
        .unwrap()
}

/// The attributes of every `<svg ... data-chart=...>` start tag in a DOM dump.
fn charts(dom: &str) -> Vec<(String, usize, usize)> {
    let mut out = Vec::new();
    for part in dom.split("<svg ").skip(1) {
        let tag = &part[..part.find('>').unwrap()];
        let attr = |name: &str| {
            tag.split(&format!("{name}=\""))
                .nth(1)
                .map(|r| r[..r.find('"').unwrap()].to_string())
        };
        if attr("data-chart").is_none() {
            continue;
        }
        let num = |name: &str| attr(name).and_then(|v| v.parse().ok()).unwrap_or(0);
        out.push((
            attr("id").unwrap_or_default(),
            num("data-marks"),
            num("data-rendered-marks"),
        ));
    }
    out
}

/// Decodes an 8-bit RGB(A) PNG (what Chromium writes) into its distinct colors
/// and the share of pixels that are not the most common color.
fn png_stats(bytes: &[u8]) -> (usize, f64) {
    use std::io::Read;
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let (mut pos, mut idat) = (8, Vec::new());
    let (mut w, mut h, mut channels) = (0usize, 0usize, 0usize);
    while pos + 8 <= bytes.len() {
        let len = u32::from_be_bytes(bytes[pos..pos + 4].try_into().unwrap()) as usize;
        let kind = &bytes[pos + 4..pos + 8];
        let data = &bytes[pos + 8..pos + 8 + len];
        match kind {
            b"IHDR" => {
                w = u32::from_be_bytes(data[0..4].try_into().unwrap()) as usize;
                h = u32::from_be_bytes(data[4..8].try_into().unwrap()) as usize;
                assert_eq!(data[8], 8, "8-bit");
                channels = match data[9] {
                    2 => 3,
                    6 => 4,
                    t => panic!("color type {t}"),
                };
                assert_eq!(data[12], 0, "not interlaced");
            }
            b"IDAT" => idat.extend_from_slice(data),
            _ => {}
        }
        pos += 12 + len;
    }
    let mut raw = Vec::new();
    flate2::read::ZlibDecoder::new(&idat[..])
        .read_to_end(&mut raw)
        .unwrap();
    let stride = w * channels;
    let mut img = vec![0u8; h * stride];
    for y in 0..h {
        let filter = raw[y * (stride + 1)];
        let line = &raw[y * (stride + 1) + 1..(y + 1) * (stride + 1)];
        for x in 0..stride {
            let a = if x >= channels {
                img[y * stride + x - channels]
            } else {
                0
            };
            let b = if y > 0 { img[(y - 1) * stride + x] } else { 0 };
            let c = if y > 0 && x >= channels {
                img[(y - 1) * stride + x - channels]
            } else {
                0
            };
            let v = line[x];
            img[y * stride + x] = match filter {
                0 => v,
                1 => v.wrapping_add(a),
                2 => v.wrapping_add(b),
                3 => v.wrapping_add(((u16::from(a) + u16::from(b)) / 2) as u8),
                4 => {
                    let p = i16::from(a) + i16::from(b) - i16::from(c);
                    let (pa, pb, pc) = (
                        (p - i16::from(a)).abs(),
                        (p - i16::from(b)).abs(),
                        (p - i16::from(c)).abs(),
                    );
                    let pred = if pa <= pb && pa <= pc {
                        a
                    } else if pb <= pc {
                        b
                    } else {
                        c
                    };
                    v.wrapping_add(pred)
                }
                f => panic!("filter {f}"),
            };
        }
    }
    let mut counts = std::collections::HashMap::new();
    for px in img.chunks(channels) {
        *counts.entry(px[..3].to_vec()).or_insert(0usize) += 1;
    }
    let top = counts.values().max().copied().unwrap_or(0);
    (counts.len(), 1.0 - top as f64 / (w * h) as f64)
}

/// Renders both HTML reports in headless Chromium and checks, on the DOM after
/// the page's script ran, that every chart exists, has marks, and that the
/// browser laid out every mark with a non-empty box; then that a screenshot is
/// not blank. Skips without Chromium, except under CI=1 where it fails.
#[test]
fn html_reports_render_in_chromium() {
    let Some(chrome) = chromium() else {
        if std::env::var("CI").is_ok_and(|v| v == "1" || v == "true") {
            panic!(
                "chromium is not installed (crates/bax-runtimes/provision/system.sh installs it)"
            );
        }
        eprintln!("skipping html_reports_render_in_chromium: chromium is not installed (apt-get install chromium)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    fixture::write_run_a(&a);
    fixture::write_run_b(&b);
    fixture::write_run_c(&b);
    let eval_html = dir.path().join("report.html");
    let o = bax(&["evaluate", "--results", s(&a), "--html", s(&eval_html)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let cmp_html = dir.path().join("compare.html");
    let (rb, rc) = (format!("{}:m2", s(&b)), format!("{}:m3", s(&b)));
    let o = bax(&["compare", s(&a), &rb, &rc, "--html", s(&cmp_html)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let profile = dir.path().join("profile");
    for (page, expected) in [
        (
            &eval_html,
            &[
                "chart-overall",
                "chart-safety-sec",
                "chart-safety-pass",
                "chart-framework-0",
                "chart-cwe-0",
                "chart-heatmap-sec-0",
                "chart-heatmap-pass-0",
                "chart-framework-1",
                "chart-heatmap-sec-1",
            ][..],
        ),
        (&cmp_html, &["chart-compare-0", "chart-curve-0"][..]),
    ] {
        let o = headless(
            &chrome,
            &profile,
            &["--dump-dom", "--virtual-time-budget=5000"],
            page,
        );
        let dom = String::from_utf8_lossy(&o.stdout);
        assert!(
            o.status.success() && dom.contains("<svg"),
            "chromium failed on {}: {}",
            page.display(),
            String::from_utf8_lossy(&o.stderr)
        );
        let ready: usize = dom
            .split("data-bax-ready=\"")
            .nth(1)
            .and_then(|r| r[..r.find('"')?].parse().ok())
            .unwrap_or_else(|| {
                panic!(
                    "the page's script did not run: {}",
                    &dom[..dom.len().min(400)]
                )
            });
        let found = charts(&dom);
        assert_eq!(ready, found.len(), "every chart was visited");
        for id in expected {
            let (_, marks, rendered) = found
                .iter()
                .find(|(i, _, _)| i == id)
                .unwrap_or_else(|| panic!("{id} missing in {}", page.display()));
            assert!(*marks > 0, "{id} has no marks");
            assert_eq!(
                rendered, marks,
                "{id}: {rendered} of {marks} marks laid out"
            );
        }
        let shot = dir.path().join("shot.png");
        let _ = std::fs::remove_file(&shot);
        let o = headless(
            &chrome,
            &profile,
            &[
                &format!("--screenshot={}", shot.display()),
                "--window-size=1280,1600",
            ],
            page,
        );
        let png = std::fs::read(&shot)
            .unwrap_or_else(|_| panic!("no screenshot: {}", String::from_utf8_lossy(&o.stderr)));
        let (colors, ink) = png_stats(&png);
        assert!(
            colors > 20 && ink > 0.02,
            "{}: screenshot looks blank ({colors} colors, {ink:.3} ink)",
            page.display()
        );
    }
}
