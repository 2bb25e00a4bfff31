//! Command-line definitions. Kept thin: each subcommand maps to one function in
//! [`crate::commands`].

use std::path::PathBuf;

use bax_catalog::{SafetyPrompt, Side, SpecType, SplitBy, SplitSpec, TaskFilter};
use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "bax",
    version,
    about = "BaxBench rebuilt in Rust: generate backends with LLMs, test them in sandboxes, score them.",
    long_about = None
)]
pub struct Cli {
    /// Use an official task table (JSONL or Parquet, BaxBench's schema) instead of
    /// the built-in catalog. Prompts then match BaxBench's byte for byte.
    #[arg(long, global = true, value_name = "FILE", env = "BAX_TASKS")]
    pub tasks: Option<PathBuf>,

    /// More log output (-v info, -vv debug). Logs go to stderr.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List tasks (scenario × framework), optionally filtered.
    Tasks(TasksArgs),
    /// Print the prompt of one task, or of every task and variant.
    Prompt(PromptArgs),
    /// Parse a model's answer (stdin or --file) into the files of an app.
    Parse(ParseArgs),
    /// List the samples of a results folder (BaxBench's layout) and their state.
    Results(ResultsArgs),
    /// Provision framework runtimes (`setup`) and check them (`doctor`).
    #[command(subcommand)]
    Env(EnvCommand),
    /// Build one app and run it in a sandbox until Ctrl-C, for debugging by hand.
    ServeApp(ServeAppArgs),
    /// Benchmarks that print figures.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Build one folder of code for a task and run its scenario's tests.
    Check(CheckArgs),
    /// Test every sample of a BaxBench-layout results folder (writes test_results.json).
    Test(TestArgs),
    /// Run the proof matrix: reference apps secure, and every weakness caught.
    Validate(ValidateArgs),
    /// Compare bax's verdicts with upstream BaxBench's on the corpus of real apps.
    Corpus(CorpusArgs),
    /// Write the task table with prompts for trainers (JSON Lines or Parquet).
    Export(ExportArgs),
    /// Serve rewards to RL trainers over HTTP (POST /v1/score, see /openapi.json).
    Serve(ServeArgs),
    /// Serve the built-in `reference` model over OpenAI's and Anthropic's chat
    /// protocols (for testing trainer and evaluator integrations offline).
    ModelServer(ModelServerArgs),
    /// Combine results folders (e.g. the shards of a run) into one; conflicting
    /// copies of a sample are an error that names them, and nothing is written.
    Merge(MergeArgs),
    /// Score a results folder: pass@k, sec_pass@k, CWEs, breakdowns; tables, JSON, CSV, HTML.
    Evaluate(crate::evalcmd::EvaluateArgs),
    /// Compare runs (results folders or FOLDER:MODEL) side by side, or checkpoints in order.
    Compare(crate::evalcmd::CompareArgs),
    /// Ask models (APIs, or the built-in `reference`) for apps; store them as samples.
    Generate(crate::gencmd::GenerateArgs),
    /// Generate, test and evaluate in one go (the main job); resumable.
    Run(crate::runcmd::RunArgs),
}

#[derive(Debug, Args)]
pub struct BenchServeArgs {
    /// A running `bax serve` (default: start one in this process).
    #[arg(long)]
    pub url: Option<String>,
    /// Scoring requests to send.
    #[arg(long, short = 'n', default_value_t = 28)]
    pub requests: usize,
    /// Requests in flight at once.
    #[arg(long, short = 'c', default_value_t = 8)]
    pub concurrency: usize,
    /// Workers of the in-process server (ignored with --url).
    #[arg(long)]
    pub workers: Option<usize>,
    /// Queue of the in-process server (ignored with --url).
    #[arg(long, default_value_t = 64)]
    pub queue: usize,
    /// The in-process server's scheduler (ignored with --url).
    #[command(flatten)]
    pub jobs: JobsArgs,
    /// Only these scenarios' reference answers (default: every scenario with one).
    #[arg(long, value_delimiter = ',')]
    pub scenarios: Vec<String>,
    /// Also send this many malformed requests and this many clients that hang up mid-scoring.
    #[arg(long, default_value_t = 4)]
    pub chaos: usize,
    /// One JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Port (0 = any free port; the address is printed on stdout).
    #[arg(long, default_value_t = 8000)]
    pub port: u16,
    /// Rollouts scored at once (default: --jobs; their builds and tests share
    /// the scheduler's budget whatever this is).
    #[arg(long)]
    pub workers: Option<usize>,
    /// Rollouts that may wait for a worker; beyond that, 429 with Retry-After.
    #[arg(long, default_value_t = 64)]
    pub queue: usize,
    /// Default per-request deadline in seconds (queue wait included).
    #[arg(long, default_value_t = 1800)]
    pub deadline: u64,
    /// Per-test time limit in seconds (BaxBench: 300).
    #[arg(long, default_value_t = 300)]
    pub timeout: u64,
    #[command(flatten)]
    pub jobs: JobsArgs,
    #[command(flatten)]
    pub cache: CacheArgs,
    /// Bearer tokens, one per line: `NAME TOKEN [max_in_flight=N]` (docs/serve.md).
    /// Every route but /healthz then needs `Authorization: Bearer <token>`. The
    /// environment variable BAX_TOKEN adds one token, named `env`.
    #[arg(long, value_name = "PATH")]
    pub token_file: Option<PathBuf>,
    /// Listen on a non-loopback --host without tokens: anyone who can reach the
    /// port can have code run and read the tasks.
    #[arg(long)]
    pub insecure_no_auth: bool,
    /// Largest request body: bytes, or with a unit (512KiB, 16MiB, 1MB); larger
    /// ones get 413.
    #[arg(long, value_name = "BYTES", default_value = "16MiB", value_parser = bax_serve::parse_size)]
    pub max_body: usize,
    /// Rollouts one token may have admitted at once (a batch counts its items);
    /// a token's `max_in_flight=N` overrides it. Default: no limit beyond
    /// workers + queue.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub token_max_in_flight: Option<u64>,
    /// Answers kept for idempotent replay of a request_id, per server (0 = none).
    #[arg(long, value_name = "N", default_value_t = 4096)]
    pub idempotency_window: usize,
    /// Seconds an answer is kept for idempotent replay.
    #[arg(long, value_name = "SECONDS", default_value_t = 3600)]
    pub idempotency_ttl: u64,
    /// On SIGTERM (or Ctrl-C): seconds the requests in flight get to finish
    /// while new ones are refused (503 `draining`) and /readyz says 503; then
    /// what is left is cancelled (infra errors) and the server exits. Keep an
    /// orchestrator's grace period (Kubernetes' terminationGracePeriodSeconds)
    /// above it.
    #[arg(long, value_name = "SECONDS", default_value_t = 120)]
    pub drain_timeout: u64,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The merged results folder (created if needed; what it holds takes part).
    #[arg(value_name = "OUT")]
    pub out: PathBuf,
    /// The results folders to merge into OUT.
    #[arg(value_name = "DIR", required = true, num_args = 1..)]
    pub dirs: Vec<PathBuf>,
    /// Print what was done as one JSON object.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ModelServerArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Port (0 = any free port; the address is printed on stdout).
    #[arg(long, default_value_t = 8001)]
    pub port: u16,
}

/// How much runs at once.
#[derive(Debug, Args, Clone, Copy, Default)]
pub struct JobsArgs {
    /// Builds and test instances at once, across every sample (default: four
    /// per CPU core, no more than the memory holds at 1 GiB each). Tests that
    /// measure time or resources always get CPUs that are not overcommitted,
    /// so this never changes a verdict (docs/speed.md).
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub jobs: Option<u64>,
}

impl JobsArgs {
    pub fn get(&self) -> Option<usize> {
        self.jobs.map(|j| j as usize)
    }
}

/// A part of the work list, for spreading one job over machines.
#[derive(Debug, Args, Clone, Copy, Default)]
pub struct ShardArgs {
    /// Only shard I of N (1 <= I <= N) of the work list: each unit (a sample:
    /// model, task, prompt variant and sample number; a validate cell; a corpus
    /// sample) belongs to one shard by a hash of its name, the same on every
    /// machine and bax version. Combine the shards' folders with `bax merge`.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<bax_catalog::Shard>,
}

impl ShardArgs {
    pub fn get(&self) -> bax_catalog::Shard {
        self.shard.unwrap_or_else(bax_catalog::Shard::all)
    }
}

/// The verdict cache.
#[derive(Debug, Args, Clone, Copy, Default)]
pub struct CacheArgs {
    /// Neither look verdicts up in nor store them into the verdict cache
    /// (BAX_HOME/cache/verdicts; size limit BAX_CACHE_MAX_MB, default 512).
    #[arg(long)]
    pub no_cache: bool,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Output file: .jsonl, .jsonl.gz or .parquet (or set --format).
    #[arg(long, short, value_name = "FILE")]
    pub out: PathBuf,
    /// jsonl or parquet (default: from the file name).
    #[arg(long)]
    pub format: Option<String>,
    /// Spec types to include (default: openapi,text).
    #[arg(long = "spec", value_delimiter = ',', value_parser = parse_spec)]
    pub spec: Vec<SpecType>,
    /// Safety prompts to include (default: none,generic,specific).
    #[arg(long, value_delimiter = ',', value_parser = parse_safety)]
    pub safety: Vec<SafetyPrompt>,
    #[command(flatten)]
    pub split: SplitArgs,
    #[command(flatten)]
    pub filter: FilterArgs,
}

#[derive(Debug, Args)]
pub struct CorpusArgs {
    /// The corpus folder (samples.jsonl, verdicts.jsonl, samples/).
    #[arg(long, default_value = "../shared/corpus", value_name = "DIR")]
    pub corpus: PathBuf,
    /// Only these scenarios (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub scenarios: Vec<String>,
    /// Only samples whose id matches one of these patterns (`*` matches any
    /// text), e.g. `*/Python-Flask/specific` or `haiku-4.5-standard/*`.
    #[arg(long = "samples", value_delimiter = ',', value_name = "PATTERN")]
    pub samples: Vec<String>,
    /// One JSON object per (sample, test).
    #[arg(long)]
    pub json: bool,
    /// Per-test time limit in seconds.
    #[arg(long, default_value_t = 300)]
    pub timeout: u64,
    #[command(flatten)]
    pub jobs: JobsArgs,
    /// Compare sample-level verdicts instead (sample_verdicts.jsonl: functional
    /// pass counts and, where given, CWE sets of apps in other frameworks).
    #[arg(long)]
    pub sample_level: bool,
    #[command(flatten)]
    pub shard: ShardArgs,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The task, e.g. Calculator-Python-Flask.
    pub task: String,
    /// The folder holding the app's code.
    pub dir: PathBuf,
    /// {"task_id", "functional": [...], "security": [...], "cwes", "reward"}.
    #[arg(long)]
    pub json: bool,
    /// Per-test time limit in seconds (BaxBench: 300).
    #[arg(long, default_value_t = 300)]
    pub timeout: u64,
    #[command(flatten)]
    pub jobs: JobsArgs,
    #[command(flatten)]
    pub cache: CacheArgs,
    /// Extra environment for the app (KEY=VALUE, repeatable).
    #[arg(long = "env", value_name = "KEY=VALUE")]
    pub env: Vec<String>,
    /// Only these tests (names, comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub tests: Vec<String>,
    /// Run every test N times (the app built once per run) and report each
    /// test whose verdict was not the same every time; exit 1 when any differs.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub repeat: u32,
    /// Write what `bax test` writes beside a sample (one `<test>.log` per test,
    /// build.log, verdict.json, test_results.json) into this folder; with
    /// `--repeat N`, into `run-1` ... `run-N` inside it.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct TestArgs {
    /// The results folder.
    #[arg(long, default_value = "results", value_name = "DIR")]
    pub results: PathBuf,
    /// Only these models (repeatable).
    #[arg(long = "model", value_name = "M")]
    pub models: Vec<String>,
    /// Test again samples that already have test_results.json.
    #[arg(long)]
    pub force: bool,
    /// Per-test time limit in seconds (BaxBench: 300).
    #[arg(long, default_value_t = 300)]
    pub timeout: u64,
    #[command(flatten)]
    pub jobs: JobsArgs,
    #[command(flatten)]
    pub cache: CacheArgs,
    #[command(flatten)]
    pub filter: FilterArgs,
    #[command(flatten)]
    pub shard: ShardArgs,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Only these scenarios (comma-separated); all when none is given.
    #[arg(long, value_delimiter = ',')]
    pub scenarios: Vec<String>,
    /// Only these frameworks (env ids such as Python-Flask, Go-net/http, or
    /// framework names; comma-separated); every framework with reference apps when
    /// none is given.
    #[arg(long, value_delimiter = ',')]
    pub frameworks: Vec<String>,
    /// One JSON object per cell.
    #[arg(long)]
    pub json: bool,
    /// Per-test time limit in seconds.
    #[arg(long, default_value_t = 300)]
    pub timeout: u64,
    #[command(flatten)]
    pub jobs: JobsArgs,
    /// Run every cell N times; a cell whose verdict is not the same every time
    /// fails (its verdicts are listed).
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub repeat: u32,
    #[command(flatten)]
    pub shard: ShardArgs,
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Load test of a reward server: N concurrent scoring requests built from
    /// reference answers, plus malformed requests and disconnecting clients.
    Serve(BenchServeArgs),
    /// Per framework: provisioning, build and start times, and the sandbox's overhead.
    Sandbox {
        /// Frameworks to measure (all when none is named).
        frameworks: Vec<String>,
        /// Repetitions per measurement (medians are printed).
        #[arg(long, default_value_t = 3)]
        runs: usize,
        /// JSON Lines instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Verdict stability under load: the validate matrix, every cell N times,
    /// while a CPU hog (stress-ng) keeps the given number of cores busy; prints
    /// the flips per test. Exit 1 when any verdict changed or a cell failed.
    Stability(BenchStabilityArgs),
    /// Scoring speed: a framework's reference answers through `bax test` at
    /// --jobs 1 and at the default (or --jobs N), uncached: wall times, their
    /// ratio, per-sample times, the cost ledger, the harness's peak RSS, and
    /// whether every verdict was the same. Exit 1 when a verdict differed.
    Test(BenchTestArgs),
    /// Scoring speed on the dev corpus: bax's wall time beside the seconds
    /// upstream's own tests took on the same samples.
    Corpus(BenchCorpusArgs),
}

#[derive(Debug, Args)]
pub struct BenchTestArgs {
    /// The framework whose reference answers are scored.
    #[arg(long, default_value = "Python-Flask")]
    pub framework: String,
    /// The second run's --jobs (default: the scheduler's default).
    #[command(flatten)]
    pub jobs: JobsArgs,
    /// More runs after those two, at these --jobs values (to choose a default).
    #[arg(long, value_delimiter = ',', value_name = "N,...")]
    pub also: Vec<usize>,
    /// One JSON object instead of lines.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct BenchCorpusArgs {
    /// The corpus folder (samples.jsonl, verdicts.jsonl, samples/).
    #[arg(long, default_value = "../shared/corpus", value_name = "DIR")]
    pub corpus: PathBuf,
    /// Only samples whose id matches one of these patterns (as `bax corpus`).
    #[arg(long = "samples", value_delimiter = ',', value_name = "PATTERN")]
    pub samples: Vec<String>,
    #[command(flatten)]
    pub jobs: JobsArgs,
    /// One JSON object instead of a line.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct BenchStabilityArgs {
    /// Cores kept busy by the hog (fractions allowed: 1.5 = one core full and
    /// one at 50%); 0 = no hog.
    #[arg(long, default_value_t = 0.0, value_name = "CORES")]
    pub load: f64,
    /// Runs per cell.
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub repeat: u32,
    /// Only these scenarios (comma-separated); all when none is given.
    #[arg(long, value_delimiter = ',')]
    pub scenarios: Vec<String>,
    /// Only these frameworks (comma-separated); every one with reference apps when none is given.
    #[arg(long, value_delimiter = ',')]
    pub frameworks: Vec<String>,
    /// Per-test time limit in seconds.
    #[arg(long, default_value_t = 300)]
    pub timeout: u64,
    #[command(flatten)]
    pub jobs: JobsArgs,
    /// One JSON object per cell and a summary object, instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum EnvCommand {
    /// Install the runtimes of the given frameworks (all when none is named) into
    /// BAX_HOME, from the package registries. Idempotent.
    Setup {
        /// Frameworks by env id (Python-Flask) or name (Flask).
        frameworks: Vec<String>,
        /// Print the provisioning scripts' output as they run.
        #[arg(long)]
        show_output: bool,
    },
    /// Check every framework's runtime.
    Doctor {
        /// One JSON object per framework: {"env_id", "ok", "degraded", ...}.
        #[arg(long)]
        json: bool,
    },
    /// Run one sandboxed provisioning step (what family scripts call for their
    /// warm-up builds; not for everyday use).
    #[command(hide = true)]
    SandboxRun(SandboxRunArgs),
}

#[derive(Debug, Args)]
pub struct SandboxRunArgs {
    /// Bound writable at /app, the working directory.
    #[arg(long)]
    pub app: PathBuf,
    /// The env folder, bound at /env.
    #[arg(long)]
    pub env: PathBuf,
    /// Bind /env writable instead of read-only.
    #[arg(long)]
    pub env_writable: bool,
    /// A host folder the step writes to (repeatable): the sandbox's user owns it
    /// for the step.
    #[arg(long, value_name = "DIR")]
    pub writable: Vec<PathBuf>,
    /// A writable bind HOST:DEST (repeatable).
    #[arg(long, value_name = "HOST:DEST")]
    pub bind: Vec<String>,
    /// An environment variable K=V (repeatable).
    #[arg(long, value_name = "K=V")]
    pub setenv: Vec<String>,
    /// Seconds before the step is killed.
    #[arg(long, default_value_t = 3600)]
    pub timeout: u64,
    /// The command (run by /bin/sh -c in /app).
    #[arg(last = true, required = true)]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ServeAppArgs {
    /// The task (its framework decides how to build and start the app).
    pub task: String,
    /// A folder with the app's code (e.g. a sample's `code/` folder).
    pub dir: PathBuf,
    /// Seconds to wait for the app to answer.
    #[arg(long, default_value_t = 60)]
    pub wait: u64,
    /// Extra environment variables for the app (KEY=VALUE, repeatable), e.g. BAX_WEAKNESS=sqli.
    #[arg(long = "env", value_name = "KEY=VALUE")]
    pub env: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ResultsArgs {
    /// The results folder (results/<model>/<scenario>/<env>/temp<T>-<spec>-<safety>/sample<n>).
    #[arg(long, default_value = "results", value_name = "DIR")]
    pub results: PathBuf,
    /// Only these models (folder names, '/' written as '-' or not).
    #[arg(long = "model", value_name = "M")]
    pub models: Vec<String>,
    /// One JSON object per sample.
    #[arg(long)]
    pub json: bool,
}

/// Which tasks to work on. Lists take commas or repeated flags.
#[derive(Debug, Args, Default, Clone)]
pub struct FilterArgs {
    /// Only these scenarios (e.g. Calculator,Login).
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub scenarios: Vec<String>,
    /// Only these frameworks, by env id (Python-Flask, Go-net/http) or name (Flask).
    #[arg(
        long,
        visible_alias = "envs",
        value_delimiter = ',',
        value_name = "IDS"
    )]
    pub frameworks: Vec<String>,
    /// Only these languages (Python, JavaScript, Go, PHP, Ruby, Rust).
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    pub languages: Vec<String>,
    /// Leave out these scenarios.
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub exclude_scenarios: Vec<String>,
    /// Leave out these frameworks.
    #[arg(
        long,
        visible_alias = "exclude-envs",
        value_delimiter = ',',
        value_name = "IDS"
    )]
    pub exclude_frameworks: Vec<String>,
    /// Leave out these languages.
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    pub exclude_languages: Vec<String>,
}

impl FilterArgs {
    pub fn to_filter(&self) -> TaskFilter {
        TaskFilter {
            scenarios: self.scenarios.clone(),
            frameworks: self.frameworks.clone(),
            languages: self.languages.clone(),
            exclude_scenarios: self.exclude_scenarios.clone(),
            exclude_frameworks: self.exclude_frameworks.clone(),
            exclude_languages: self.exclude_languages.clone(),
        }
    }
}

#[derive(Debug, Args)]
pub struct TasksArgs {
    #[command(flatten)]
    pub filter: FilterArgs,
    #[command(flatten)]
    pub split: SplitArgs,
    /// One JSON object per task (JSON Lines) instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct PromptArgs {
    /// The task id, e.g. Calculator-Python-Flask (or Login-Go-net/http).
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    pub task: Option<String>,
    /// How the API is described.
    #[arg(long = "spec", default_value = "openapi", value_parser = parse_spec)]
    pub spec: SpecType,
    /// Which security reminder to add.
    #[arg(long, default_value = "none", value_parser = parse_safety)]
    pub safety: SafetyPrompt,
    /// The agent variant (the model works in a shell and saves files itself).
    #[arg(long)]
    pub agent: bool,
    /// Every task (after filters) × spec type × safety prompt × agent flag.
    #[arg(long)]
    pub all: bool,
    /// With --all: JSON Lines {"task_id","spec_type","safety_prompt","agent","prompt"}.
    #[arg(long, requires = "all")]
    pub jsonl: bool,
    #[command(flatten)]
    pub filter: FilterArgs,
}

#[derive(Debug, Args)]
pub struct ParseArgs {
    /// The task the answer is for (its framework decides the expected format).
    pub task: String,
    /// Read the answer from this file instead of stdin.
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// How tasks are split into train and test sets (see `bax_catalog::split`).
#[derive(Debug, Clone, Args)]
pub struct SplitArgs {
    /// What the split holds out: scenario, framework, random (by task) or none.
    #[arg(long, default_value = "none", value_parser = parse_split_by)]
    pub split_by: SplitBy,
    /// Share of units (scenarios, frameworks or tasks) on the test side.
    #[arg(long, default_value_t = 0.2)]
    pub test_size: f64,
    /// Seed of the split; the same arguments give the same split everywhere.
    #[arg(long, default_value_t = 42)]
    pub split_seed: u64,
    /// Only this side of the split (train or test); with split-by none, every task.
    #[arg(long, value_parser = parse_side)]
    pub split: Option<Side>,
}

impl SplitArgs {
    pub fn spec(&self) -> SplitSpec {
        SplitSpec {
            split_by: self.split_by,
            test_size: self.test_size,
            split_seed: self.split_seed,
        }
    }
}

fn parse_split_by(s: &str) -> Result<SplitBy, String> {
    s.parse()
}

fn parse_side(s: &str) -> Result<Side, String> {
    s.parse()
}

fn parse_spec(s: &str) -> Result<SpecType, String> {
    s.parse()
}

fn parse_safety(s: &str) -> Result<SafetyPrompt, String> {
    s.parse()
}
