//! Request threads: models that answer over a network are asked from
//! `concurrency` threads at once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};

use bax_gen::{Completion, GenError, Model, Request, TaskRef};

/// One request for a worker.
pub(crate) struct Work {
    pub job: usize,
    pub model: usize,
    pub client: Arc<dyn Model>,
    pub task_id: String,
    pub scenario_id: String,
    pub env_id: String,
    pub prompt: Arc<str>,
}

pub(crate) enum Outcome {
    Done(usize, Box<Result<Completion, GenError>>),
    /// Left out: the model refused an earlier request for good.
    NotSent,
}

/// Sends the requests from `concurrency` threads; the outcomes arrive on the
/// returned channel (parsing and writing stay with the caller, so each sample is
/// written by one thread, whole). The threads end when the work is done, when
/// `stop` is set, or when the receiver is dropped.
pub(crate) fn start_workers(
    work: Vec<Work>,
    models: usize,
    concurrency: usize,
    stop: &Arc<AtomicBool>,
) -> mpsc::Receiver<Outcome> {
    let threads = concurrency.min(work.len());
    let (work_tx, work_rx) = mpsc::channel::<Work>();
    for w in work {
        let _ = work_tx.send(w);
    }
    drop(work_tx);
    let work_rx = Arc::new(Mutex::new(work_rx));
    let doomed: Arc<Vec<AtomicBool>> =
        Arc::new((0..models).map(|_| AtomicBool::new(false)).collect());
    let (done_tx, done_rx) = mpsc::channel::<Outcome>();
    for _ in 0..threads {
        let work_rx = work_rx.clone();
        let done_tx = done_tx.clone();
        let stop = stop.clone();
        let doomed = doomed.clone();
        std::thread::spawn(move || loop {
            if stop.load(Ordering::SeqCst) {
                return;
            }
            let next = work_rx.lock().map(|rx| rx.recv());
            let Ok(Ok(w)) = next else { return };
            let outcome = if doomed[w.model].load(Ordering::SeqCst) {
                Outcome::NotSent
            } else {
                let request = Request {
                    task: TaskRef {
                        task_id: &w.task_id,
                        scenario_id: &w.scenario_id,
                        env_id: &w.env_id,
                    },
                    prompt: &w.prompt,
                };
                let r = w.client.answer(&request, &stop);
                if r.as_ref().is_err_and(GenError::dooms_model) {
                    // Before taking the next job, so that no more is sent.
                    doomed[w.model].store(true, Ordering::SeqCst);
                }
                Outcome::Done(w.job, Box::new(r))
            };
            if done_tx.send(outcome).is_err() {
                return;
            }
        });
    }
    done_rx
}
