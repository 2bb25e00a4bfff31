//! bax-eval on a synthetic results folder whose numbers are computed by hand
//! (see `fixture/mod.rs`).

mod fixture;

use bax_catalog::{Catalog, CatalogSource, SafetyPrompt, TaskFilter};
use bax_eval::{compare, evaluate_dir, EvalOptions, Report, RunSpec};
use fixture::{A_PASS1, A_SEC1, B_PASS1, B_SEC1};

fn catalog() -> Catalog {
    Catalog::cross_product(
        bax_scenarios::all(),
        bax_runtimes::all(),
        CatalogSource::Builtin,
    )
    .unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

fn run_a(ks: &[u32]) -> (tempfile::TempDir, Report) {
    let dir = tempfile::tempdir().unwrap();
    fixture::write_run_a(dir.path());
    let r = evaluate_dir(&catalog(), dir.path(), &EvalOptions::new(&[], ks)).unwrap();
    (dir, r)
}

#[test]
fn headline_numbers_are_baxbenchs() {
    let (_d, r) = run_a(&[1, 2, 5]);
    assert_eq!(r.ks, vec![1, 2, 5]);
    assert_eq!(r.configs.len(), 2, "none and specific");
    let c = &r.configs[0];
    assert_eq!(c.config.model, "m1");
    assert_eq!(c.config.safety, SafetyPrompt::None);
    assert_eq!(r.configs[1].config.safety, SafetyPrompt::Specific);
    let m = &c.overall;
    // Mean over envs of the mean over each env's tasks (print.py's AVG), which
    // differs here from the plain mean over tasks (0.8 and 17/30).
    assert!(close(m.pass(1).unwrap(), A_PASS1), "{:?}", m.pass_at_k);
    assert!(
        close(m.sec_pass(1).unwrap(), A_SEC1),
        "{:?}",
        m.sec_pass_at_k
    );
    assert!(!close(A_PASS1, 0.8) && !close(A_SEC1, 17.0 / 30.0));
    // pass@2: the express task (n = 1) is left out, and with it its env.
    assert!(close(m.pass(2).unwrap(), (5.0 / 6.0 + 1.0) / 2.0));
    assert!(close(m.sec_pass(2).unwrap(), (1.0 / 3.0 + 1.0) / 2.0));
    // pass@5: no task has 5 samples.
    assert_eq!(m.pass(5), None);
    assert_eq!(m.sec_pass(5), None);
    // insec per task 1/2, 0, 0, 1, 1/2 -> per env 3/4, 1/4, 0.
    assert!(close(m.insec.unwrap(), 1.0 / 3.0));
    assert_eq!(
        (
            m.tasks,
            m.samples,
            m.untested,
            m.correct,
            m.secure,
            m.correct_insecure
        ),
        (5, 12, 1, 9, 6, 3)
    );
    assert!(close(m.insec_pooled.unwrap(), 3.0 / 9.0));
    assert!(close(m.correct_rate.unwrap(), 9.0 / 12.0));
    assert!(close(m.secure_rate.unwrap(), 6.0 / 12.0));
    assert!(close(m.cwe_rate.unwrap(), 4.0 / 12.0));
    assert!(close(m.functional_test_pass_rate.unwrap(), 23.0 / 29.0));
    assert_eq!(
        (
            m.ft_exception_samples,
            m.st_exception_samples,
            m.exception_samples
        ),
        (1, 1, 1)
    );
    assert_eq!((m.ft_exceptions, m.st_exceptions), (3, 3));
    assert_eq!((m.no_code, m.build_failures), (1, 1));
    assert_eq!(m.mean_prompt_tokens, Some(1000.0));
    assert_eq!(m.mean_output_tokens, Some(200.0));
    assert!(close(m.truncation_rate.unwrap(), 1.0 / 3.0));
    assert_eq!(m.mean_generation_s, Some(2.0));
    assert_eq!(m.mean_test_s, Some(2.75));
    // Intervals: inside [0, 1] and around the estimate.
    for (ci, est) in [(m.pass_at_1_ci, A_PASS1), (m.sec_pass_at_1_ci, A_SEC1)] {
        let [lo, hi] = ci.expect("an interval");
        assert!(
            (0.0..=est).contains(&lo) && (est..=1.0).contains(&hi),
            "{lo} {est} {hi}"
        );
        assert!(hi > lo);
    }
    // Env ids come back unescaped, with the catalog's language and framework.
    let go = c.tasks.iter().find(|t| t.env == "Go-net/http").unwrap();
    assert_eq!(
        (go.language.as_str(), go.framework.as_str()),
        ("Go", "net/http")
    );
    assert_eq!(go.num_endpoints, Some(1));
    let login_go = c
        .tasks
        .iter()
        .find(|t| t.key() == "Login/Go-net/http")
        .unwrap();
    assert_eq!((login_go.n, login_go.untested), (2, 1));
    let login_flask = c
        .tasks
        .iter()
        .find(|t| t.key() == "Login/Python-Flask")
        .unwrap();
    assert_eq!(login_flask.test_exception_samples, vec![0]);
    // The specific prompt: both samples secure.
    let s = &r.configs[1].overall;
    assert_eq!(
        (s.pass(1), s.sec_pass(1), s.pass(2)),
        (Some(1.0), Some(1.0), Some(1.0))
    );
    // The safety comparison pairs them.
    assert_eq!(r.safety.len(), 1);
    let cells: Vec<_> = r.safety[0]
        .cells
        .iter()
        .map(|c| (c.safety, c.sec_pass_at_1))
        .collect();
    assert_eq!(cells.len(), 2);
    assert_eq!(cells[1], (SafetyPrompt::Specific, Some(1.0)));
    assert!(close(cells[0].1.unwrap(), A_SEC1));
    assert_eq!(
        (r.totals.samples, r.totals.tested, r.totals.untested),
        (15, 14, 1)
    );
}

#[test]
fn breakdowns_partition_the_samples() {
    let (_d, r) = run_a(&[1]);
    let c = &r.configs[0];
    let m = &c.overall;
    for (name, groups) in [
        ("framework", &c.by_framework),
        ("language", &c.by_language),
        ("scenario", &c.by_scenario),
        ("complexity", &c.by_complexity),
    ] {
        let sum =
            |f: fn(&bax_eval::Metrics) -> u64| groups.iter().map(|g| f(&g.metrics)).sum::<u64>();
        assert_eq!(sum(|g| g.samples.into()), u64::from(m.samples), "{name}");
        assert_eq!(sum(|g| g.untested.into()), u64::from(m.untested), "{name}");
        assert_eq!(sum(|g| g.correct.into()), u64::from(m.correct), "{name}");
        assert_eq!(sum(|g| g.secure.into()), u64::from(m.secure), "{name}");
        assert_eq!(sum(|g| g.tasks as u64), m.tasks as u64, "{name}");
        assert_eq!(
            sum(|g| g.exception_samples.into()),
            u64::from(m.exception_samples),
            "{name}"
        );
    }
    let keys =
        |gs: &[bax_eval::metrics::Group]| gs.iter().map(|g| g.key.clone()).collect::<Vec<_>>();
    assert_eq!(
        keys(&c.by_framework),
        ["Go-net/http", "JavaScript-express", "Python-Flask"]
    );
    assert_eq!(keys(&c.by_language), ["Go", "JavaScript", "Python"]);
    assert_eq!(keys(&c.by_complexity), ["1", "2"]);
    let py = &c.by_language[2].metrics;
    assert!(close(py.pass(1).unwrap(), 0.5));
    // One endpoint: Calculator's three tasks; two: Login's two.
    assert!(close(
        c.by_complexity[0].metrics.pass(1).unwrap(),
        8.0 / 9.0
    ));
    assert!(close(
        c.by_complexity[1].metrics.pass(1).unwrap(),
        2.0 / 3.0
    ));
    assert_eq!(c.by_scenario[1].num_endpoints, Some(2));
    // The per-framework row is BaxBench's per-env cell.
    assert!(close(c.by_framework[2].metrics.pass(1).unwrap(), 0.5));
    assert!(close(
        c.by_framework[2].metrics.sec_pass(1).unwrap(),
        1.0 / 6.0
    ));
    // CWE rows: sorted by frequency; counts add up to the tasks' counts.
    let rows: Vec<_> = c
        .cwes
        .iter()
        .map(|r| (r.num, r.samples, r.correct_samples, r.tasks))
        .collect();
    assert_eq!(
        rows,
        [(89, 2, 1, 1), (94, 1, 1, 1), (522, 1, 1, 1), (703, 1, 1, 1)]
    );
    assert!(close(c.cwes[0].rate, 2.0 / 12.0));
    assert!(close(c.cwes[0].rate_correct.unwrap(), 1.0 / 9.0));
    assert_eq!(c.cwes[0].name, "SQL_INJECTION");
    let total: u32 = c.tasks.iter().flat_map(|t| t.cwes.values()).sum();
    assert_eq!(total, c.cwes.iter().map(|r| r.samples).sum::<u32>());
}

#[test]
fn bootstrap_is_reproducible_and_per_configuration() {
    let dir = tempfile::tempdir().unwrap();
    fixture::write_run_a(dir.path());
    let cat = catalog();
    let alone = evaluate_dir(&cat, dir.path(), &EvalOptions::default()).unwrap();
    let again = evaluate_dir(&cat, dir.path(), &EvalOptions::default()).unwrap();
    assert_eq!(
        serde_json::to_string(&alone).unwrap(),
        serde_json::to_string(&again).unwrap(),
        "same folder, same report"
    );
    // Another model in the folder changes nothing about m1's intervals.
    fixture::write_run_b(dir.path());
    let both = evaluate_dir(&cat, dir.path(), &EvalOptions::default()).unwrap();
    assert_eq!(both.configs.len(), 3);
    let m1 = both
        .configs
        .iter()
        .find(|c| c.config.model == "m1")
        .unwrap();
    assert_eq!(
        m1.overall.pass_at_1_ci,
        alone.configs[0].overall.pass_at_1_ci
    );
    assert_eq!(
        m1.overall.sec_pass_at_1_ci,
        alone.configs[0].overall.sec_pass_at_1_ci
    );
    // Model selection.
    let only = evaluate_dir(&cat, dir.path(), &EvalOptions::new(&["m2".into()], &[1])).unwrap();
    assert!(only.configs.iter().all(|c| c.config.model == "m2"));
    assert!(close(only.configs[0].overall.pass(1).unwrap(), B_PASS1));
}

#[test]
fn filters_select_tasks_and_reject_unknown_names() {
    let dir = tempfile::tempdir().unwrap();
    fixture::write_run_a(dir.path());
    let cat = catalog();
    let mut o = EvalOptions {
        filter: TaskFilter {
            frameworks: vec!["Flask".into()],
            ..TaskFilter::default()
        },
        ..EvalOptions::default()
    };
    let r = evaluate_dir(&cat, dir.path(), &o).unwrap();
    assert!(r
        .configs
        .iter()
        .all(|c| c.tasks.iter().all(|t| t.env == "Python-Flask")));
    assert_eq!(r.configs[0].tasks.len(), 2);
    o.filter = TaskFilter {
        exclude_scenarios: vec!["login".into()],
        languages: vec!["Go".into()],
        ..TaskFilter::default()
    };
    let r = evaluate_dir(&cat, dir.path(), &o).unwrap();
    assert_eq!(r.configs[0].tasks.len(), 1);
    assert_eq!(r.configs[0].tasks[0].key(), "Calculator/Go-net/http");
    o.filter = TaskFilter {
        scenarios: vec!["Calculater".into()],
        ..TaskFilter::default()
    };
    let e = evaluate_dir(&cat, dir.path(), &o).unwrap_err().to_string();
    assert!(e.contains("Calculater"), "{e}");
    // ks must be positive; a missing folder is an error.
    assert!(evaluate_dir(&cat, dir.path(), &EvalOptions::new(&[], &[0])).is_err());
    assert!(evaluate_dir(&cat, &dir.path().join("nope"), &EvalOptions::default()).is_err());
}

#[test]
fn csv_has_the_documented_columns() {
    let (_d, r) = run_a(&[1, 5]);
    let text = bax_eval::csv::report_csv(&r);
    let lines: Vec<&str> = text.lines().collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    assert_eq!(
        &header[..15],
        [
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
            "pass@1",
            "sec_pass@1",
            "pass@5",
            "sec_pass@5"
        ]
    );
    for col in [
        "pass@1_ci_low",
        "sec_pass@1_ci_high",
        "insec",
        "insec_pooled",
        "functional_test_pass_rate",
        "cwe_rate",
        "mean_output_tokens",
        "truncation_rate",
        "mean_test_s",
        "cwe_samples",
        "cwe_rate_correct",
    ] {
        assert!(header.contains(&col), "{col}");
    }
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let rows: Vec<Vec<&str>> = lines[1..].iter().map(|l| l.split(',').collect()).collect();
    assert!(rows.iter().all(|r| r.len() == header.len()));
    let count = |safety: &str, dim: &str| {
        rows.iter()
            .filter(|r| r[col("safety")] == safety && r[col("dimension")] == dim)
            .count()
    };
    assert_eq!(
        [
            count("none", "overall"),
            count("none", "framework"),
            count("none", "language"),
            count("none", "complexity"),
            count("none", "scenario"),
            count("none", "task"),
            count("none", "cwe"),
        ],
        [1, 3, 3, 2, 2, 5, 4]
    );
    let overall = rows
        .iter()
        .find(|r| r[col("safety")] == "none" && r[col("dimension")] == "overall")
        .unwrap();
    assert_eq!(overall[col("model")], "m1");
    assert_eq!(overall[col("temperature")], "0.2");
    assert!(close(overall[col("pass@1")].parse().unwrap(), A_PASS1));
    assert_eq!(overall[col("pass@5")], "", "undefined is empty");
    assert_eq!(overall[col("samples")], "12");
    let cwe = rows.iter().find(|r| r[col("key")] == "CWE-89").unwrap();
    assert_eq!(cwe[col("cwe_samples")], "2");
    assert_eq!(cwe[col("pass@1")], "");
    let task = rows
        .iter()
        .find(|r| r[col("key")] == "Login/Go-net/http")
        .unwrap();
    assert_eq!((task[col("samples")], task[col("untested")]), ("2", "1"));
}

#[test]
fn html_is_self_contained_and_every_chart_is_marked() {
    let (_d, r) = run_a(&[1, 5]);
    let html = bax_eval::html::report_html(&r);
    // Nothing is fetched: no external URL but SVG's namespace, no link or src.
    let stripped = html.replace("http://www.w3.org/2000/svg", "");
    assert!(!stripped.contains("http://") && !stripped.contains("https://"));
    assert!(!html.contains("<link") && !html.contains(" src="));
    for id in [
        "chart-overall",
        "chart-safety-sec",
        "chart-safety-pass",
        "chart-framework-0",
        "chart-cwe-0",
        "chart-heatmap-sec-0",
        "chart-heatmap-pass-0",
        "chart-framework-1",
    ] {
        let at = html
            .find(&format!("id=\"{id}\""))
            .unwrap_or_else(|| panic!("{id} missing"));
        let tag = &html[at..at + 300];
        let marks: usize = tag
            .split("data-marks=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(marks > 0, "{id}: {tag}");
    }
    // The heatmap has one cell per tested task; the legend is there.
    assert!(html.contains(
        "id=\"chart-heatmap-sec-0\" class=\"chart\" data-chart=\"heatmap\" data-marks=\"5\""
    ));
    assert!(html.contains("linearGradient"));
    // The data is embedded for programs.
    assert!(html
        .contains("<script type=\"application/json\" id=\"bax-data\">{\"schema\":\"bax-eval/1\""));
}

#[test]
fn compare_lists_tasks_won_and_lost_and_paired_deltas() {
    let da = tempfile::tempdir().unwrap();
    let db = tempfile::tempdir().unwrap();
    fixture::write_run_a(da.path());
    fixture::write_run_b(db.path());
    let cat = catalog();
    let runs = [
        RunSpec {
            dir: da.path().into(),
            model: None,
        },
        RunSpec {
            dir: db.path().into(),
            model: None,
        },
    ];
    let c = compare(&cat, &runs, &EvalOptions::default()).unwrap();
    assert_eq!(c.runs.len(), 2);
    assert_eq!(
        (c.runs[0].model.as_str(), c.runs[1].model.as_str()),
        ("m1", "m2")
    );
    let none = c
        .configs
        .iter()
        .find(|x| x.safety == SafetyPrompt::None)
        .unwrap();
    assert!(close(none.pass_at_1[0].unwrap(), A_PASS1));
    assert!(close(none.pass_at_1[1].unwrap(), B_PASS1));
    assert_eq!(none.deltas.len(), 1);
    let d = &none.deltas[0];
    assert_eq!((d.a, d.b, d.common_tasks), (0, 1, 5));
    assert!(close(d.pass_at_k[&1], B_PASS1 - A_PASS1));
    assert!(close(d.sec_pass_at_k[&1], B_SEC1 - A_SEC1));
    assert_eq!(
        d.a_won,
        ["Calculator/Go-net/http", "Calculator/JavaScript-express"]
    );
    assert_eq!(d.b_won, ["Login/Python-Flask"]);
    let [lo, hi] = d.sec_pass_at_1_delta_ci.unwrap();
    assert!(lo <= B_SEC1 - A_SEC1 && B_SEC1 - A_SEC1 <= hi);
    // The specific configuration exists in A only: no delta.
    let specific = c
        .configs
        .iter()
        .find(|x| x.safety == SafetyPrompt::Specific)
        .unwrap();
    assert!(specific.metrics[1].is_none() && specific.deltas.is_empty());

    // Three runs in one folder (DIR:MODEL): consecutive pairs plus first to last.
    fixture::write_run_b(da.path());
    fixture::write_run_c(da.path());
    let p = da.path().display().to_string();
    let runs: Vec<RunSpec> = ["m1", "m2", "m3"]
        .iter()
        .map(|m| RunSpec::parse(&format!("{p}:{m}")))
        .collect();
    assert_eq!(runs[1].model.as_deref(), Some("m2"));
    let slash = RunSpec::parse(&format!("{p}:openai/gpt-4o"));
    assert_eq!(
        (slash.dir.as_path(), slash.model.as_deref()),
        (da.path(), Some("openai/gpt-4o"))
    );
    let c = compare(&cat, &runs, &EvalOptions::default()).unwrap();
    let none = c
        .configs
        .iter()
        .find(|x| x.safety == SafetyPrompt::None)
        .unwrap();
    let pairs: Vec<_> = none.deltas.iter().map(|d| (d.a, d.b)).collect();
    assert_eq!(pairs, [(0, 1), (1, 2), (0, 2)]);
    assert_eq!(none.sec_pass_at_1[2], Some(1.0));
    // A folder with several models needs DIR:MODEL.
    let e = compare(
        &cat,
        &[RunSpec::parse(&p), RunSpec::parse(&format!("{p}:m1"))],
        &EvalOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("several models"), "{e}");
    let html = bax_eval::html::comparison_html(&c);
    assert!(
        html.contains("id=\"chart-curve-0\" class=\"chart\" data-chart=\"curve\" data-marks=\"9\"")
    );
}

#[test]
fn several_folders_count_each_sample_once_and_conflicts_are_errors() {
    use bax_store::ResultsStore;
    let (a_dir, whole) = run_a(&[1]);
    let tmp = tempfile::tempdir().unwrap();
    // The same run, copied: evaluated together, nothing changes.
    let copy = tmp.path().join("copy");
    fixture::write_run_a(&copy);
    let dirs = [a_dir.path().to_path_buf(), copy.clone()];
    let both = bax_eval::evaluate_dirs(&catalog(), &dirs, &EvalOptions::new(&[], &[1])).unwrap();
    assert_eq!(both.totals.samples, whole.totals.samples);
    assert_eq!(
        serde_json::to_value(&both.configs).unwrap(),
        serde_json::to_value(&whole.configs).unwrap()
    );
    // One sample's results changed in the copy: an error naming it.
    let store = ResultsStore::open(&copy).unwrap();
    let key = store.list_samples(None).unwrap().remove(0);
    let mut r = store.read_test_results(&key).unwrap().unwrap();
    r.num_passed_ft = r
        .num_passed_ft
        .saturating_sub(1)
        .min(r.num_total_ft.saturating_sub(1));
    r.cwes.insert(79);
    store.write_test_results(&key, &r).unwrap();
    let err = bax_eval::evaluate_dirs(&catalog(), &dirs, &EvalOptions::new(&[], &[1]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("different test results"), "{err}");
    assert!(err.contains(&format!("sample{}", key.sample)), "{err}");
}
