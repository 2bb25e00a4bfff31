use std::io::Write;
use std::process::ExitCode;

use bax::cli::{BenchCommand, Cli, Command, EnvCommand};
use bax::{commands, registry};
use clap::Parser;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let level = match cli.verbose {
        // Rollout lines of `bax serve` are its output: shown by default.
        0 => "warn,bax_serve::rollout=info",
        1 => "info",
        _ => "debug",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("BAX_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level)),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            // A closed pipe (`bax prompt --all | head`) is not an error.
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("bax: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<u8> {
    let catalog = registry::load(cli.tasks.as_deref())?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let code = match &cli.command {
        Command::Tasks(a) => commands::tasks(&catalog, a, &mut out).map(|_| 0)?,
        Command::Export(a) => commands::export(&catalog, a, &mut out).map(|_| 0)?,
        Command::Serve(a) => bax::servecmd::serve(catalog, a)? as u8,
        Command::ModelServer(a) => bax::modelserver::run(&catalog, a)? as u8,
        Command::Merge(a) => commands::merge(a, &mut out).map(|_| 0)?,
        Command::Bench(BenchCommand::Serve(a)) => bax::servecmd::bench(catalog, a, &mut out)? as u8,
        Command::Prompt(a) => commands::prompt(&catalog, a, &mut out).map(|_| 0)?,
        Command::Evaluate(a) => bax::evalcmd::evaluate(&catalog, a, &mut out)?,
        Command::Compare(a) => bax::evalcmd::compare(&catalog, a, &mut out)?,
        Command::Generate(a) => bax::gencmd::run(&catalog, a, cli.verbose, &mut out)?,
        Command::Run(a) => bax::runcmd::run(&catalog, a, cli.verbose, &mut out)?,
        Command::Parse(a) => {
            commands::parse_answer(&catalog, a, &mut std::io::stdin().lock(), &mut out)? as u8
        }
        Command::Results(a) => commands::results(a, &mut out).map(|_| 0)?,
        Command::Env(EnvCommand::Setup {
            frameworks,
            show_output,
        }) => bax::envcmd::setup(frameworks, *show_output, &mut out)? as u8,
        Command::Env(EnvCommand::Doctor { json }) => bax::envcmd::doctor(*json, &mut out)? as u8,
        Command::Env(EnvCommand::SandboxRun(a)) => bax::envcmd::sandbox_run(a)? as u8,
        Command::Bench(BenchCommand::Sandbox {
            frameworks,
            runs,
            json,
        }) => bax::bench::sandbox(frameworks, *runs, *json, &mut out)? as u8,
        Command::Bench(BenchCommand::Stability(a)) => {
            bax::bench::stability(&catalog, a, &mut out)? as u8
        }
        Command::Bench(BenchCommand::Test(a)) => bax::benchspeed::test(a, &mut out)? as u8,
        Command::Bench(BenchCommand::Corpus(a)) => {
            bax::benchspeed::corpus(&catalog, a, &mut out)? as u8
        }
        Command::Check(a) => bax::testcmd::check(&catalog, a, &mut out)? as u8,
        Command::Test(a) => bax::testcmd::test_results(
            &catalog,
            &a.results,
            &bax::testcmd::SamplePick {
                models: &a.models,
                filter: &a.filter.to_filter(),
                shard: a.shard.get(),
            },
            a.force,
            &bax::testcmd::Sched {
                timeout: a.timeout,
                jobs: a.jobs.get(),
                cache: !a.cache.no_cache,
            },
            &mut out,
        )? as u8,
        Command::Validate(a) => bax::testcmd::validate(
            &catalog,
            &bax::testcmd::ValidateOptions {
                scenarios: a.scenarios.clone(),
                frameworks: a.frameworks.clone(),
                json: a.json,
                timeout: a.timeout,
                repeat: a.repeat,
                jobs: a.jobs.get(),
                shard: a.shard.get(),
            },
            &mut out,
        )? as u8,
        Command::Corpus(a) if a.sample_level => bax::testcmd::corpus_sample_level(
            &catalog,
            &a.corpus,
            &bax::testcmd::CorpusPick {
                scenarios: &a.scenarios,
                patterns: &a.samples,
                shard: a.shard.get(),
            },
            a.json,
            &bax::testcmd::Sched {
                timeout: a.timeout,
                jobs: a.jobs.get(),
                cache: false,
            },
            &mut out,
        )? as u8,
        Command::Corpus(a) => bax::testcmd::corpus(
            &catalog,
            &a.corpus,
            &bax::testcmd::CorpusPick {
                scenarios: &a.scenarios,
                patterns: &a.samples,
                shard: a.shard.get(),
            },
            a.json,
            &bax::testcmd::Sched {
                timeout: a.timeout,
                jobs: a.jobs.get(),
                cache: false,
            },
            &mut out,
        )? as u8,
        Command::ServeApp(a) => {
            out.flush()?;
            bax::envcmd::serve_app(&catalog, &a.task, &a.dir, a.wait, &a.env)? as u8
        }
    };
    out.flush()?;
    Ok(code)
}
