//! Terminal tables.

use std::io::{self, Write};

use crate::metrics::{ConfigReport, Group, Metrics, Report};

/// A plain-text table: columns padded to their widest cell.
pub struct Table {
    headers: Vec<String>,
    /// Right-aligned columns (numbers).
    right: Vec<bool>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// Columns whose header starts with `<` are left-aligned (the `<` is dropped);
    /// the others are right-aligned.
    pub fn new(headers: &[&str]) -> Table {
        Table {
            right: headers.iter().map(|h| !h.starts_with('<')).collect(),
            headers: headers
                .iter()
                .map(|h| h.trim_start_matches('<').to_string())
                .collect(),
            rows: vec![],
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        debug_assert_eq!(cells.len(), self.headers.len());
        self.rows.push(cells);
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn render(&self, out: &mut dyn Write) -> io::Result<()> {
        let width = |s: &str| s.chars().count();
        let mut w: Vec<usize> = self.headers.iter().map(|h| width(h)).collect();
        for r in &self.rows {
            for (i, c) in r.iter().enumerate() {
                w[i] = w[i].max(width(c));
            }
        }
        let line = |cells: &[String], out: &mut dyn Write| -> io::Result<()> {
            let mut s = String::new();
            for (i, c) in cells.iter().enumerate() {
                let pad = " ".repeat(w[i] - width(c));
                if i > 0 {
                    s.push_str("  ");
                }
                if self.right[i] {
                    s.push_str(&pad);
                    s.push_str(c);
                } else {
                    s.push_str(c);
                    if i + 1 < cells.len() {
                        s.push_str(&pad);
                    }
                }
            }
            writeln!(out, "{}", s.trim_end())
        };
        line(&self.headers, out)?;
        let rule: Vec<String> = w.iter().map(|&n| "-".repeat(n)).collect();
        line(&rule, out)?;
        for r in &self.rows {
            line(r, out)?;
        }
        Ok(())
    }
}

/// `0.512`, or `-` when undefined.
pub fn num(x: Option<f64>) -> String {
    x.map_or_else(|| "-".into(), |v| format!("{v:.3}"))
}

/// `12.5%`, or `-`.
pub fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "-".into(), |v| format!("{:.1}%", v * 100.0))
}

/// `0.512 [0.431, 0.590]`.
pub fn with_ci(x: Option<f64>, ci: Option<[f64; 2]>) -> String {
    match (x, ci) {
        (Some(v), Some([lo, hi])) => format!("{v:.3} [{lo:.3}, {hi:.3}]"),
        (v, _) => num(v),
    }
}

fn opt1(x: Option<f64>) -> String {
    x.map_or_else(|| "-".into(), |v| format!("{v:.1}"))
}

/// A compact sparkline of values in 0..=1 (`-` where undefined).
pub fn sparkline(values: &[Option<f64>]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    values
        .iter()
        .map(|v| match v {
            Some(x) => BARS[((x.clamp(0.0, 1.0) * 7.0).round()) as usize],
            None => '·',
        })
        .collect()
}

fn metric_headers(ks: &[u32]) -> Vec<String> {
    let mut h = vec!["TASKS".to_string(), "N".to_string()];
    for k in ks {
        h.push(format!("pass@{k}"));
        h.push(format!("sec_pass@{k}"));
    }
    h.extend(["insec", "CWE%", "exc"].map(String::from));
    h
}

fn metric_cells(m: &Metrics, ks: &[u32]) -> Vec<String> {
    let mut c = vec![m.tasks.to_string(), m.samples.to_string()];
    for &k in ks {
        c.push(num(m.pass(k)));
        c.push(num(m.sec_pass(k)));
    }
    c.push(pct(m.insec));
    c.push(pct(m.cwe_rate));
    c.push(format!("{}/{}", m.exception_samples, m.samples));
    c
}

fn group_table(
    first: &[&str],
    groups: &[Group],
    ks: &[u32],
    lead: impl Fn(&Group) -> Vec<String>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut headers: Vec<String> = first.iter().map(|s| s.to_string()).collect();
    headers.extend(metric_headers(ks));
    let refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut t = Table::new(&refs);
    for g in groups {
        let mut cells = lead(g);
        cells.extend(metric_cells(&g.metrics, ks));
        t.row(cells);
    }
    t.render(out)
}

/// The overall table: one row per run configuration.
pub fn overall_table(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let ks = &report.ks;
    let mut headers: Vec<String> = ["<MODEL", "T", "<SPEC", "<SAFETY", "TASKS", "N"]
        .map(String::from)
        .to_vec();
    headers.push("pass@1 [95% CI]".into());
    headers.push("sec_pass@1 [95% CI]".into());
    for &k in ks.iter().filter(|&&k| k != 1) {
        headers.push(format!("pass@{k}"));
        headers.push(format!("sec_pass@{k}"));
    }
    headers.extend(
        [
            "insec", "CWE%", "ft_pass", "exc", "no_code", "out_tok", "trunc", "gen_s", "test_s",
        ]
        .map(String::from),
    );
    let refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut t = Table::new(&refs);
    for c in &report.configs {
        let m = &c.overall;
        let mut cells = vec![
            c.config.model.clone(),
            bax_store::python_float_repr(c.config.temperature),
            c.config.spec.to_string(),
            c.config.safety.to_string(),
            m.tasks.to_string(),
            m.samples.to_string(),
            with_ci(overall_at_1(c, false), m.pass_at_1_ci),
            with_ci(overall_at_1(c, true), m.sec_pass_at_1_ci),
        ];
        for &k in ks.iter().filter(|&&k| k != 1) {
            cells.push(num(m.pass(k)));
            cells.push(num(m.sec_pass(k)));
        }
        cells.extend([
            pct(m.insec),
            pct(m.cwe_rate),
            pct(m.functional_test_pass_rate),
            format!("{}/{}", m.exception_samples, m.samples),
            m.no_code.to_string(),
            opt1(m.mean_output_tokens),
            pct(m.truncation_rate),
            opt1(m.mean_generation_s),
            opt1(m.mean_test_s),
        ]);
        t.row(cells);
    }
    t.render(out)
}

/// pass@1 (or sec_pass@1) of a configuration, whether or not 1 is in the ks.
pub fn overall_at_1(c: &ConfigReport, secure: bool) -> Option<f64> {
    let tasks: Vec<_> = c.tasks.iter().collect();
    if secure {
        crate::metrics::task_mean(&tasks, true, crate::TaskResult::sec_pass_at_1)
    } else {
        crate::metrics::task_mean(&tasks, true, crate::TaskResult::pass_at_1)
    }
}

/// Everything `bax evaluate` prints.
pub fn print_report(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let t = &report.totals;
    writeln!(
        out,
        "bax evaluate{}: {} samples ({} tested, {} untested), {} model(s), {} run configuration(s)",
        report
            .results_dir
            .as_deref()
            .map(|d| format!(" {d}"))
            .unwrap_or_default(),
        t.samples,
        t.tested,
        t.untested,
        t.models,
        t.configs
    )?;
    writeln!(
        out,
        "pass@k as BaxBench computes it (unbiased estimator per task, mean over frameworks of the mean over scenarios); \
         correct = all functional tests pass, secure = correct and no CWE; \
         [..] = {:.0}% bootstrap interval over tasks ({} resamples, seed {:#x})",
        report.bootstrap.confidence * 100.0,
        report.bootstrap.resamples,
        report.bootstrap.seed
    )?;
    if report.configs.is_empty() {
        writeln!(out, "\nno samples found")?;
        return print_warnings(report, out);
    }
    writeln!(out, "\n== Overall")?;
    overall_table(report, out)?;

    if report.safety.iter().any(|s| s.cells.len() > 1) {
        writeln!(out, "\n== Safety prompts (pass@1 / sec_pass@1)")?;
        let mut t = Table::new(&["<MODEL", "T", "<SPEC", "none", "generic", "specific"]);
        for s in &report.safety {
            let cell = |name: &str| {
                s.cells
                    .iter()
                    .find(|c| c.safety.as_str() == name)
                    .map_or_else(
                        || "-".to_string(),
                        |c| format!("{} / {}", num(c.pass_at_1), num(c.sec_pass_at_1)),
                    )
            };
            t.row(vec![
                s.model.clone(),
                bax_store::python_float_repr(s.temperature),
                s.spec.to_string(),
                cell("none"),
                cell("generic"),
                cell("specific"),
            ]);
        }
        t.render(out)?;
    }

    for c in &report.configs {
        print_config(c, &report.ks, out)?;
    }
    print_cost(report, out)?;
    print_warnings(report, out)
}

fn print_config(c: &ConfigReport, ks: &[u32], out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "\n== {}", c.label)?;
    writeln!(out, "-- per framework")?;
    group_table(
        &["<FRAMEWORK", "<LANGUAGE"],
        &c.by_framework,
        ks,
        |g| vec![g.key.clone(), g.language.clone().unwrap_or_default()],
        out,
    )?;
    writeln!(out, "-- per language")?;
    group_table(
        &["<LANGUAGE"],
        &c.by_language,
        ks,
        |g| vec![g.key.clone()],
        out,
    )?;
    writeln!(out, "-- per scenario complexity (endpoints)")?;
    group_table(
        &["ENDPOINTS"],
        &c.by_complexity,
        ks,
        |g| vec![g.key.clone()],
        out,
    )?;
    writeln!(out, "-- per scenario")?;
    group_table(
        &["<SCENARIO", "ENDPOINTS"],
        &c.by_scenario,
        ks,
        |g| {
            vec![
                g.key.clone(),
                g.num_endpoints
                    .map_or_else(|| "-".into(), |n| n.to_string()),
            ]
        },
        out,
    )?;
    writeln!(out, "-- CWEs")?;
    if c.cwes.is_empty() {
        writeln!(out, "no CWE found")?;
    } else {
        let mut t = Table::new(&[
            "<CWE",
            "<NAME",
            "SAMPLES",
            "% SAMPLES",
            "CORRECT",
            "% CORRECT",
            "TASKS",
        ]);
        for r in &c.cwes {
            t.row(vec![
                format!("CWE-{}", r.num),
                r.name.clone(),
                r.samples.to_string(),
                pct(Some(r.rate)),
                r.correct_samples.to_string(),
                pct(r.rate_correct),
                r.tasks.to_string(),
            ]);
        }
        t.render(out)?;
    }
    Ok(())
}

/// The cost ledger's totals: where bax's scoring time went.
fn print_cost(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let Some(c) = &report.totals.cost else {
        return Ok(());
    };
    writeln!(
        out,
        "\n== Where the scoring time went ({} samples with a cost ledger)",
        c.samples
    )?;
    writeln!(
        out,
        "builds {:.1} s (queued {:.1} s; {} shared, {} from the verdict cache); tests {} run, {} from the verdict cache",
        c.build_s, c.build_queue_s, c.builds_shared, c.builds_cached, c.tests_run, c.tests_cached
    )?;
    writeln!(
        out,
        "test instances: queued {:.1} s, start-up {:.1} s, test bodies {:.1} s, teardown {:.1} s; samples' wall time summed {:.1} s",
        c.test_queue_s, c.startup_s, c.body_s, c.teardown_s, c.wall_s
    )
}

fn print_warnings(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    const MAX: usize = 20;
    if !report.warnings.is_empty() {
        writeln!(out)?;
        for w in report.warnings.iter().take(MAX) {
            writeln!(out, "warning: {w}")?;
        }
        if report.warnings.len() > MAX {
            writeln!(out, "warning: ... and {} more", report.warnings.len() - MAX)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_and_sparklines_scale() {
        let mut t = Table::new(&["<NAME", "VALUE"]);
        t.row(vec!["a".into(), "1".into()]);
        t.row(vec!["long name".into(), "0.125".into()]);
        let mut out = Vec::new();
        t.render(&mut out).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert_eq!(
            s,
            "NAME       VALUE\n---------  -----\na              1\nlong name  0.125\n"
        );
        assert_eq!(sparkline(&[Some(0.0), Some(0.5), Some(1.0), None]), "▁▅█·");
    }
}
