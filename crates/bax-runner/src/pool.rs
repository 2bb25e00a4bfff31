//! Many samples at once: [`for_each_concurrent`] runs a piece of work per item
//! on up to `jobs` threads and hands the results back in the items' order.
//!
//! The samples' builds and tests still go through the runner's [`Scheduler`]
//! (crate::Scheduler), which alone decides how much runs at once; these threads
//! only keep it fed, so that one sample's start-up wait or monitoring window
//! does not leave the machine idle.

use std::collections::{BTreeMap, VecDeque};
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Mutex};

/// Runs `work` on every item, on up to `jobs` threads, and calls `each` with
/// the results in the items' order (as soon as every earlier one is in). When
/// `each` breaks, no new item is started; the running ones finish and the
/// results not yet handed out are dropped.
pub fn for_each_concurrent<T: Send, R: Send>(
    items: Vec<T>,
    jobs: usize,
    work: impl Fn(T) -> R + Sync,
    mut each: impl FnMut(R) -> ControlFlow<()>,
) {
    let n = items.len();
    let queue = Mutex::new(items.into_iter().enumerate().collect::<VecDeque<_>>());
    let stopped = AtomicBool::new(false);
    std::thread::scope(|s| {
        let (tx, rx) = mpsc::channel::<(usize, R)>();
        for _ in 0..jobs.clamp(1, n.max(1)) {
            let tx = tx.clone();
            let (queue, stopped, work) = (&queue, &stopped, &work);
            s.spawn(move || loop {
                if stopped.load(Ordering::SeqCst) {
                    break;
                }
                let next = queue.lock().unwrap_or_else(|e| e.into_inner()).pop_front();
                let Some((i, item)) = next else { break };
                if tx.send((i, work(item))).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        let mut waiting = BTreeMap::new();
        let mut next = 0;
        for (i, r) in rx {
            if stopped.load(Ordering::SeqCst) {
                continue;
            }
            waiting.insert(i, r);
            while let Some(r) = waiting.remove(&next) {
                next += 1;
                if each(r).is_break() {
                    stopped.store(true, Ordering::SeqCst);
                    waiting.clear();
                    break;
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::time::Duration;

    #[test]
    fn results_come_back_in_order_and_work_overlaps() {
        let running = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        let mut seen = Vec::new();
        for_each_concurrent(
            (0..12).collect(),
            4,
            |i: u64| {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                // Later items finish first.
                std::thread::sleep(Duration::from_millis(5 * (12 - i)));
                running.fetch_sub(1, Ordering::SeqCst);
                i * 10
            },
            |r| {
                seen.push(r);
                ControlFlow::Continue(())
            },
        );
        assert_eq!(seen, (0..12).map(|i| i * 10).collect::<Vec<_>>());
        let most = most.load(Ordering::SeqCst);
        assert!(most > 1 && most <= 4, "{most}");
    }

    #[test]
    fn a_break_starts_nothing_new() {
        let started = AtomicUsize::new(0);
        let mut seen = Vec::new();
        for_each_concurrent(
            (0..100).collect(),
            2,
            |i: usize| {
                started.fetch_add(1, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(2));
                i
            },
            |r| {
                seen.push(r);
                if r == 3 {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            },
        );
        assert_eq!(seen, [0, 1, 2, 3]);
        assert!(started.load(Ordering::SeqCst) < 20);
        // No items: nothing runs, nothing is handed out.
        for_each_concurrent(Vec::<u8>::new(), 4, |_| (), |_| ControlFlow::Continue(()));
    }
}
