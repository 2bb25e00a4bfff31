//! Terminal helpers of the long-running commands: the progress bar, Ctrl-C, and
//! `bax generate`'s summary.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use indicatif::ProgressStyle;

use crate::gencmd::GenSummary;

/// The progress bar the commands report on (`ProgressBar::hidden()` for none).
pub use indicatif::ProgressBar;

/// Prints the summary: one line of counts, the skipped tasks (all of them with
/// `verbose`, else a count per model and reason), and the errors.
pub fn print_summary(s: &GenSummary, verbose: bool, out: &mut dyn Write) -> Result<()> {
    writeln!(
        out,
        "generated {} sample(s): {} with code, {} unparseable (written as failed), {} API error(s){}; \
         skipped {} existing{}",
        s.generated + s.failed_to_parse,
        s.generated,
        s.failed_to_parse,
        s.api_errors,
        if s.not_sent > 0 {
            format!(" and {} not sent", s.not_sent)
        } else {
            String::new()
        },
        s.skipped_existing,
        if s.skipped_failed > 0 {
            format!(" and {} failed", s.skipped_failed)
        } else {
            String::new()
        },
    )?;
    writeln!(
        out,
        "tokens: {} prompt, {} output; {} answer(s) cut off at the token limit",
        s.prompt_tokens, s.output_tokens, s.truncated
    )?;
    let mut by_model: BTreeMap<&str, usize> = BTreeMap::new();
    for u in &s.unsupported {
        *by_model.entry(&u.model).or_default() += 1;
    }
    for (model, n) in &by_model {
        let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
        for u in s.unsupported.iter().filter(|u| u.model == *model) {
            // Group "no reference app for <env>" lines into one.
            let r = if u.reason.starts_with("no reference app for ") {
                "no reference app in their framework".to_string()
            } else {
                u.reason.clone()
            };
            *reasons.entry(r).or_default() += 1;
        }
        let why: Vec<String> = reasons.iter().map(|(r, k)| format!("{k}: {r}")).collect();
        writeln!(
            out,
            "{model}: skipped {n} task(s) it cannot answer ({}){}",
            why.join("; "),
            if verbose { "" } else { " (-v lists them)" }
        )?;
        if verbose {
            for u in s.unsupported.iter().filter(|u| u.model == *model) {
                writeln!(out, "  skipped {}: {}", u.task_id, u.reason)?;
            }
        }
    }
    const SHOWN: usize = 20;
    for e in s
        .errors
        .iter()
        .take(if verbose { usize::MAX } else { SHOWN })
    {
        writeln!(
            out,
            "  error {} {} {} sample{}: {}",
            e.model,
            e.task_id,
            e.config_dir(),
            e.key.sample,
            e.error
        )?;
    }
    if !verbose && s.errors.len() > SHOWN {
        writeln!(
            out,
            "  … and {} more errors (-v lists them)",
            s.errors.len() - SHOWN
        )?;
    }
    if s.api_errors + s.not_sent > 0 {
        writeln!(
            out,
            "samples that could not be generated were not written; run again to retry them"
        )?;
    }
    if s.interrupted {
        writeln!(
            out,
            "stopped before the end; run the same command again to resume"
        )?;
    }
    Ok(())
}

/// A progress bar on stderr when it is a terminal, else a hidden one.
pub fn progress_bar() -> ProgressBar {
    if !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(0);
    pb.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} (ETA {eta}) {msg}",
        )
        .expect("a valid template"),
    );
    pb.enable_steady_tick(Duration::from_millis(200));
    pb
}

/// Sets `stop` on Ctrl-C (a second Ctrl-C exits at once; samples are still
/// whole, since they are renamed into place). Only the first call in a process
/// installs the handler.
pub fn stop_on_ctrl_c() -> Arc<AtomicBool> {
    static FLAG: std::sync::OnceLock<Arc<AtomicBool>> = std::sync::OnceLock::new();
    FLAG.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        let f = flag.clone();
        if let Err(e) = ctrlc::set_handler(move || {
            if f.swap(true, Ordering::SeqCst) {
                std::process::exit(130);
            }
            eprintln!(
                "\nbax: stopping (samples in flight are dropped; Ctrl-C again to quit at once)"
            );
        }) {
            tracing::warn!("cannot catch Ctrl-C: {e}");
        }
        flag
    })
    .clone()
}
