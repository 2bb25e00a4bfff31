//! The CSV: one long table for spreadsheets and data frames.
//!
//! One row per (run configuration, dimension, key), `dimension` one of
//! `overall`, `framework`, `language`, `complexity`, `scenario`, `task`, `cwe`.
//! Metric columns are empty where undefined; the `cwe_*` columns are filled on
//! `cwe` rows only (whose metric columns are empty).

use crate::metrics::{ConfigReport, Metrics, Report};

/// The header, for the report's ks.
pub fn header(ks: &[u32]) -> Vec<String> {
    let mut h: Vec<String> = [
        "model",
        "temperature",
        "spec",
        "safety",
        "dimension",
        "key",
        "language",
        "num_endpoints",
        "tasks",
        "samples",
        "untested",
    ]
    .map(String::from)
    .to_vec();
    for k in ks {
        h.push(format!("pass@{k}"));
        h.push(format!("sec_pass@{k}"));
    }
    h.extend(
        [
            "pass@1_ci_low",
            "pass@1_ci_high",
            "sec_pass@1_ci_low",
            "sec_pass@1_ci_high",
            "insec",
            "insec_pooled",
            "correct_rate",
            "secure_rate",
            "functional_test_pass_rate",
            "cwe_rate",
            "ft_exception_samples",
            "st_exception_samples",
            "exception_samples",
            "no_code",
            "build_failures",
            "mean_prompt_tokens",
            "mean_output_tokens",
            "truncation_rate",
            "mean_generation_s",
            "mean_test_s",
            "cwe_samples",
            "cwe_rate_samples",
            "cwe_correct_samples",
            "cwe_rate_correct",
        ]
        .map(String::from),
    );
    h
}

/// Quotes a field when it holds a comma, quote or line break (RFC 4180).
pub fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn f(x: Option<f64>) -> String {
    x.map_or_else(String::new, |v| format!("{v}"))
}

fn metric_fields(m: &Metrics, ks: &[u32]) -> Vec<String> {
    let mut c = vec![
        m.tasks.to_string(),
        m.samples.to_string(),
        m.untested.to_string(),
    ];
    for &k in ks {
        c.push(f(m.pass(k)));
        c.push(f(m.sec_pass(k)));
    }
    let ci = |x: Option<[f64; 2]>, i: usize| f(x.map(|v| v[i]));
    c.extend([
        ci(m.pass_at_1_ci, 0),
        ci(m.pass_at_1_ci, 1),
        ci(m.sec_pass_at_1_ci, 0),
        ci(m.sec_pass_at_1_ci, 1),
        f(m.insec),
        f(m.insec_pooled),
        f(m.correct_rate),
        f(m.secure_rate),
        f(m.functional_test_pass_rate),
        f(m.cwe_rate),
        m.ft_exception_samples.to_string(),
        m.st_exception_samples.to_string(),
        m.exception_samples.to_string(),
        m.no_code.to_string(),
        m.build_failures.to_string(),
        f(m.mean_prompt_tokens),
        f(m.mean_output_tokens),
        f(m.truncation_rate),
        f(m.mean_generation_s),
        f(m.mean_test_s),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
    ]);
    c
}

fn lead(
    c: &ConfigReport,
    dimension: &str,
    key: &str,
    lang: &str,
    endpoints: Option<usize>,
) -> Vec<String> {
    vec![
        c.config.model.clone(),
        bax_store::python_float_repr(c.config.temperature),
        c.config.spec.to_string(),
        c.config.safety.to_string(),
        dimension.into(),
        key.into(),
        lang.into(),
        endpoints.map_or_else(String::new, |n| n.to_string()),
    ]
}

/// The whole CSV text.
pub fn report_csv(report: &Report) -> String {
    let ks = &report.ks;
    let header = header(ks);
    let mut rows: Vec<Vec<String>> = vec![header.clone()];
    for c in &report.configs {
        let mut push = |mut lead: Vec<String>, m: &Metrics| {
            lead.extend(metric_fields(m, ks));
            rows.push(lead);
        };
        push(lead(c, "overall", "all", "", None), &c.overall);
        for g in &c.by_framework {
            push(
                lead(
                    c,
                    "framework",
                    &g.key,
                    g.language.as_deref().unwrap_or(""),
                    None,
                ),
                &g.metrics,
            );
        }
        for g in &c.by_language {
            push(lead(c, "language", &g.key, &g.key, None), &g.metrics);
        }
        for g in &c.by_complexity {
            push(
                lead(c, "complexity", &g.key, "", g.num_endpoints),
                &g.metrics,
            );
        }
        for g in &c.by_scenario {
            push(lead(c, "scenario", &g.key, "", g.num_endpoints), &g.metrics);
        }
        for t in &c.tasks {
            let m = Metrics::of(&[t], ks, false);
            push(lead(c, "task", &t.key(), &t.language, t.num_endpoints), &m);
        }
        for r in &c.cwes {
            let mut row = lead(c, "cwe", &format!("CWE-{}", r.num), "", None);
            row.resize(header.len() - 4, String::new());
            row.extend([
                r.samples.to_string(),
                format!("{}", r.rate),
                r.correct_samples.to_string(),
                f(r.rate_correct),
            ]);
            rows.push(row);
        }
    }
    let mut out = String::new();
    for r in rows {
        debug_assert_eq!(r.len(), header.len());
        let line: Vec<String> = r.iter().map(|s| field(s)).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_only_when_needed() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
    }
}
