//! What each subcommand does. Output goes to the given writer so tests can read
//! it; human-readable by default, JSON when asked.

use std::io::{Read, Write};

use anyhow::{bail, Context, Result};
use bax_catalog::{build_prompt, Catalog, SafetyPrompt, SpecType, Task};
use bax_parse::{parse, ParseOptions};
use serde_json::json;

use crate::cli::{MergeArgs, ParseArgs, PromptArgs, ResultsArgs, TasksArgs};

/// The JSON object `bax tasks --json` prints for a task.
pub fn task_json(t: &Task<'_>) -> serde_json::Value {
    let s = t.scenario;
    let f = t.framework;
    json!({
        "task_id": t.id(),
        "scenario_id": s.id,
        "env_id": f.env_id,
        "language": f.language,
        "framework": f.framework,
        "cwes": s.potential_cwes,
        "num_endpoints": s.num_endpoints,
        "needs_db": s.needs_db,
        "needs_secret": s.needs_secret,
        "is_multi_file": f.is_multi_file,
        "functional_tests": s.functional_tests,
        "security_tests": s.security_tests,
    })
}

/// The tasks a filter and a split side keep, with the split (computed over the
/// whole catalog, so filters never move a task from one side to the other).
pub fn select_split<'c>(
    catalog: &'c Catalog,
    filter: &crate::cli::FilterArgs,
    split: &crate::cli::SplitArgs,
) -> Result<(Vec<Task<'c>>, bax_catalog::Split)> {
    let sp = bax_catalog::Split::new(catalog, split.spec())?;
    let tasks = catalog
        .select(&filter.to_filter())?
        .into_iter()
        .filter(|t| sp.keeps(t, split.split))
        .collect();
    Ok((tasks, sp))
}

pub fn tasks(catalog: &Catalog, args: &TasksArgs, out: &mut dyn Write) -> Result<()> {
    let (tasks, sp) = select_split(catalog, &args.filter, &args.split)?;
    if args.json {
        for t in &tasks {
            let mut j = task_json(t);
            j["split"] = json!(sp.label(t));
            writeln!(out, "{j}")?;
        }
        return Ok(());
    }
    let width = tasks.iter().map(|t| t.id().len()).max().unwrap_or(7).max(7);
    writeln!(
        out,
        "{:<width$}  {:<10}  {:<8}  {:>9}  {:<5}  CWES",
        "TASK", "LANGUAGE", "FRAMEWORK", "ENDPOINTS", "SPLIT"
    )?;
    for t in &tasks {
        let cwes: Vec<String> = t
            .scenario
            .potential_cwes
            .iter()
            .map(|c| c.to_string())
            .collect();
        writeln!(
            out,
            "{:<width$}  {:<10}  {:<8}  {:>9}  {:<5}  {}",
            t.id(),
            t.framework.language,
            t.framework.framework,
            t.scenario.num_endpoints,
            sp.label(t),
            cwes.join(",")
        )?;
    }
    writeln!(out, "{} tasks", tasks.len())?;
    Ok(())
}

pub fn prompt(catalog: &Catalog, args: &PromptArgs, out: &mut dyn Write) -> Result<()> {
    if !args.all {
        let id = args.task.as_deref().context("a task id is required")?;
        let task = catalog.task(id)?;
        let p = build_prompt(
            task.scenario,
            task.framework,
            args.spec,
            args.safety,
            args.agent,
        );
        out.write_all(p.as_bytes())?;
        return Ok(());
    }
    let tasks = catalog.select(&args.filter.to_filter())?;
    for t in &tasks {
        for spec in SpecType::ALL {
            for safety in SafetyPrompt::ALL {
                for agent in [false, true] {
                    let p = build_prompt(t.scenario, t.framework, spec, safety, agent);
                    if args.jsonl {
                        let row = json!({
                            "task_id": t.id(),
                            "spec_type": spec.as_str(),
                            "safety_prompt": safety.as_str(),
                            "agent": agent,
                            "prompt": p,
                        });
                        writeln!(out, "{row}")?;
                    } else {
                        writeln!(
                            out,
                            "===== {} spec={} safety={} agent={}",
                            t.id(),
                            spec,
                            safety,
                            agent
                        )?;
                        out.write_all(p.as_bytes())?;
                        writeln!(out)?;
                    }
                }
            }
        }
    }
    Ok(())
}

/// Parse options for a task's framework: its format, file name, language and
/// the manifest files it provides itself.
pub fn parse_options(task: &Task<'_>) -> ParseOptions {
    bax_runner::parse_options(task)
}

/// Returns the process exit code: 0 when the answer yields an app, 1 when not.
pub fn parse_answer(
    catalog: &Catalog,
    args: &ParseArgs,
    input: &mut dyn Read,
    out: &mut dyn Write,
) -> Result<i32> {
    let task = catalog.task(&args.task)?;
    let mut bytes = Vec::new();
    match &args.file {
        Some(p) => {
            bytes = std::fs::read(p).with_context(|| format!("reading {}", p.display()))?;
        }
        None => {
            input.read_to_end(&mut bytes).context("reading stdin")?;
        }
    }
    let Ok(answer) = String::from_utf8(bytes) else {
        bail!("the answer is not valid UTF-8");
    };
    let result = parse(&answer, &parse_options(&task));
    if args.json {
        let v = match &result {
            Ok(p) => json!({"ok": true, "task_id": task.id(), "format": p.format,
                            "files": p.files, "rejected": p.rejected, "notes": p.notes}),
            Err(e) => {
                json!({"ok": false, "task_id": task.id(), "error": e.to_string(), "detail": e})
            }
        };
        writeln!(out, "{v}")?;
    } else {
        match &result {
            Ok(p) => {
                for f in &p.files {
                    writeln!(out, "==> {} ({} bytes)", f.path, f.content.len())?;
                    out.write_all(f.content.as_bytes())?;
                }
                for r in &p.rejected {
                    writeln!(out, "left out: {}: {}", r.path, r.reason)?;
                }
                for n in &p.notes {
                    writeln!(out, "note: {n}")?;
                }
                writeln!(out, "{} file(s), format {:?}", p.files.len(), p.format)?;
            }
            Err(e) => writeln!(out, "error: {e}")?,
        }
    }
    Ok(if result.is_ok() { 0 } else { 1 })
}

/// `bax merge OUT DIR…`.
pub fn merge(args: &MergeArgs, out: &mut dyn Write) -> Result<()> {
    let sum = bax_store::merge(&args.out, &args.dirs)
        .with_context(|| format!("merging into {}", args.out.display()))?;
    if args.json {
        writeln!(
            out,
            "{}",
            json!({"out": args.out, "inputs": args.dirs, "copied": sum.copied,
                   "duplicates": sum.duplicates, "replaced_untested": sum.replaced_untested,
                   "total": sum.total})
        )?;
    } else {
        writeln!(
            out,
            "merged {} folder(s) into {}: {} samples copied, {} duplicates agreed, {} untested \
             copies replaced by tested ones; it holds {} samples (evaluate it with `bax evaluate \
             --results {}`)",
            args.dirs.len(),
            args.out.display(),
            sum.copied,
            sum.duplicates,
            sum.replaced_untested,
            sum.total,
            args.out.display()
        )?;
    }
    Ok(())
}

/// Lists every sample of a results folder: failed to parse, untested, or tested
/// (with its functional pass count and CWEs).
pub fn results(args: &ResultsArgs, out: &mut dyn Write) -> Result<()> {
    if !args.results.is_dir() {
        bail!("no results folder at {}", args.results.display());
    }
    let store = bax_store::ResultsStore::open(&args.results)
        .with_context(|| format!("opening {}", args.results.display()))?;
    let models = (!args.models.is_empty()).then_some(args.models.as_slice());
    let keys = store.list_samples(models)?;
    let (mut failed, mut untested, mut tested) = (0, 0, 0);
    for key in &keys {
        let c = &key.config;
        let results = store.read_test_results(key)?;
        let state = if store.is_failed(key) {
            failed += 1;
            "no_code"
        } else if results.is_some() {
            tested += 1;
            "tested"
        } else {
            untested += 1;
            "untested"
        };
        let folder = store.sample_dir(key);
        if args.json {
            let v = json!({
                "model": c.model, "scenario_id": c.scenario_id, "env_id": c.env_id,
                "temperature": c.temperature, "spec_type": c.spec_type, "safety_prompt": c.safety,
                "sample": key.sample, "state": state, "path": folder, "test_results": results,
            });
            writeln!(out, "{v}")?;
        } else {
            let detail = match &results {
                Some(r) => format!(
                    "ft {}/{} cwes {:?}",
                    r.num_passed_ft, r.num_total_ft, r.cwes
                ),
                None => String::new(),
            };
            writeln!(
                out,
                "{:<9} {} {}",
                state,
                folder
                    .strip_prefix(&args.results)
                    .unwrap_or(&folder)
                    .display(),
                detail
            )?;
        }
    }
    if !args.json {
        writeln!(
            out,
            "{} samples: {tested} tested, {untested} untested, {failed} without code",
            keys.len()
        )?;
    }
    Ok(())
}

/// `bax export`: the task table with prompts, one row per task and prompt
/// variant, for trainers (JSON Lines, optionally gzipped, or Parquet).
pub fn export(catalog: &Catalog, args: &crate::cli::ExportArgs, out: &mut dyn Write) -> Result<()> {
    let (tasks, sp) = select_split(catalog, &args.filter, &args.split)?;
    let specs = if args.spec.is_empty() {
        vec![SpecType::Openapi, SpecType::Text]
    } else {
        args.spec.clone()
    };
    let safeties = if args.safety.is_empty() {
        vec![
            SafetyPrompt::None,
            SafetyPrompt::Generic,
            SafetyPrompt::Specific,
        ]
    } else {
        args.safety.clone()
    };
    let name = args.out.to_string_lossy().to_ascii_lowercase();
    let format = match args.format.as_deref() {
        Some(f) => f.to_ascii_lowercase(),
        None if name.ends_with(".parquet") => "parquet".into(),
        None if name.ends_with(".jsonl") || name.ends_with(".jsonl.gz") => "jsonl".into(),
        None => bail!(
            "cannot tell the format of {}: name it .jsonl, .jsonl.gz or .parquet, or pass --format",
            args.out.display()
        ),
    };
    let mut rows = Vec::new();
    for t in &tasks {
        for &spec in &specs {
            for &safety in &safeties {
                rows.push(json!({
                    "task_id": t.id(),
                    "scenario_id": t.scenario.id,
                    "env_id": t.framework.env_id,
                    "split": sp.label(t),
                    "prompt": build_prompt(t.scenario, t.framework, spec, safety, false),
                    "spec_type": spec.as_str(),
                    "safety_prompt": safety.as_str(),
                }));
            }
        }
    }
    if rows.is_empty() {
        bail!("no tasks match the filters and split");
    }
    // Written beside the target and renamed into place: readers never see half a file.
    let dir = match args.out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".bax-export-")
        .tempfile_in(&dir)
        .with_context(|| format!("creating a file in {}", dir.display()))?;
    match format.as_str() {
        "parquet" => bax_catalog::table::write_parquet(&rows, tmp.path())?,
        "jsonl" => {
            let mut text = Vec::new();
            for r in &rows {
                serde_json::to_writer(&mut text, r)?;
                text.push(b'\n');
            }
            if name.ends_with(".gz") {
                let mut gz =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                gz.write_all(&text)?;
                text = gz.finish()?;
            }
            std::fs::write(tmp.path(), text)?;
        }
        other => bail!("unknown format {other:?}; expected jsonl or parquet"),
    }
    tmp.as_file().sync_all()?;
    tmp.persist(&args.out)
        .with_context(|| format!("writing {}", args.out.display()))?;
    writeln!(
        out,
        "wrote {} rows ({} tasks × {} prompt variants, split {}) to {}",
        rows.len(),
        tasks.len(),
        specs.len() * safeties.len(),
        sp.spec().split_by.as_str(),
        args.out.display()
    )?;
    Ok(())
}
