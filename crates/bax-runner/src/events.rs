//! The runner's event stream: what happens while a sample is checked, in order,
//! for reporters (printing, progress bars, matrices, servers) to consume — the
//! runner decides verdicts, reporters only show them.
//!
//! Every event names its sample (a label the caller chose, unique within a run)
//! and task, so events of samples checked at the same time can be interleaved
//! and still told apart. Each sample's stream is `BuildStarted, BuildFinished`,
//! then the tests' events, then `SampleFinished`; or it ends early in
//! `SampleFailed` (a harness failure or a stop: no verdict). A sample's tests
//! run at once: a test's `TestStarted` (when its instance is admitted) comes
//! before its `TestFinished`, other tests' events may come between, and the
//! `TestFinished` events come in the declared order (functional, then
//! security). A test that did not run (the app does not build, or its verdict
//! came from the verdict cache) has a `TestFinished` without a `TestStarted`.

use crate::verdict::{Kind, SampleVerdict, TestVerdict};
use crate::RunnerError;

/// One step of checking a sample.
#[derive(Debug, Clone, Copy)]
pub enum RunEvent<'a> {
    BuildStarted {
        sample: &'a str,
        task: &'a str,
    },
    BuildFinished {
        sample: &'a str,
        task: &'a str,
        ok: bool,
        seconds: f64,
    },
    TestStarted {
        sample: &'a str,
        task: &'a str,
        test: &'a str,
        kind: Kind,
    },
    TestFinished {
        sample: &'a str,
        task: &'a str,
        verdict: &'a TestVerdict,
    },
    SampleFinished {
        sample: &'a str,
        task: &'a str,
        verdict: &'a SampleVerdict,
    },
    /// The check ended without a verdict (the error is also returned).
    SampleFailed {
        sample: &'a str,
        task: &'a str,
        error: &'a RunnerError,
    },
}

impl<'a> RunEvent<'a> {
    /// The caller's label of the sample this event belongs to.
    pub fn sample(&self) -> &'a str {
        match *self {
            RunEvent::BuildStarted { sample, .. }
            | RunEvent::BuildFinished { sample, .. }
            | RunEvent::TestStarted { sample, .. }
            | RunEvent::TestFinished { sample, .. }
            | RunEvent::SampleFinished { sample, .. }
            | RunEvent::SampleFailed { sample, .. } => sample,
        }
    }

    /// The task id (`<Scenario>-<env id>`) of the sample.
    pub fn task(&self) -> &'a str {
        match *self {
            RunEvent::BuildStarted { task, .. }
            | RunEvent::BuildFinished { task, .. }
            | RunEvent::TestStarted { task, .. }
            | RunEvent::TestFinished { task, .. }
            | RunEvent::SampleFinished { task, .. }
            | RunEvent::SampleFailed { task, .. } => task,
        }
    }
}

/// Receives the events of a run. Any `FnMut(&RunEvent)` is one; [`Quiet`]
/// ignores everything. A scheduler that runs samples in parallel takes
/// `&mut (dyn Reporter + Send)` and serializes the calls.
pub trait Reporter {
    fn report(&mut self, event: &RunEvent<'_>);
}

impl<F: FnMut(&RunEvent<'_>)> Reporter for F {
    fn report(&mut self, event: &RunEvent<'_>) {
        self(event)
    }
}

/// A reporter that shows nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct Quiet;

impl Reporter for Quiet {
    fn report(&mut self, _: &RunEvent<'_>) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A parallel scheduler shares one runner between threads and hands events
    /// from its workers to one reporter.
    #[test]
    fn runners_and_events_can_cross_threads() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<RunEvent<'static>>();
        send_sync::<crate::Runner>();
        send_sync::<crate::Stop>();
        fn reporter<R: Reporter + Send>(_: &R) {}
        let mut seen = Vec::new();
        let mut record =
            |e: &RunEvent<'_>| seen.push((e.sample().to_string(), e.task().to_string()));
        reporter(&record);
        record.report(&RunEvent::BuildStarted {
            sample: "a/sample0",
            task: "T-E",
        });
        Quiet.report(&RunEvent::BuildStarted {
            sample: "b",
            task: "T-E",
        });
        assert_eq!(seen, [("a/sample0".to_string(), "T-E".to_string())]);
    }
}
