//! Idempotent scoring: a rollout sent again with the same `request_id` gets
//! the answer it already got, byte for byte, without being scored again.
//!
//! Keys are `(token name, request_id)`: two tokens never see each other's
//! answers. Each key remembers a SHA-256 fingerprint of the rollout (task,
//! completion or files, spec type, safety prompt), so a `request_id` reused for
//! a different rollout is a conflict rather than a wrong answer.
//!
//! Only `status: ok` answers are kept. While a key is being scored, a second
//! request for it waits for that answer; if the first gives up (its client
//! left, or bax failed: infra errors are never kept), the waiter claims the key
//! and scores the rollout itself.
//!
//! The store is bounded: at most `capacity` answers, each for at most `ttl`,
//! whichever evicts first (oldest first). Keys being scored are not counted;
//! there are never more of them than rollouts admitted (workers + queue).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use bax_catalog::{SafetyPrompt, SpecType};
use sha2::{Digest, Sha256};
use tokio::sync::watch;

use crate::score::ScoreRequest;

/// SHA-256 over what makes a rollout the rollout it is.
pub type Fingerprint = [u8; 32];

/// The fingerprint of a scoring request: task id, completion or files, spec
/// type and safety prompt (as answered: absent = the default). The deadline
/// and the request id are not part of it.
pub fn fingerprint(req: &ScoreRequest) -> Fingerprint {
    let mut h = Sha256::new();
    // Every field is length-prefixed, so no two requests share a byte stream.
    let mut field = |b: &[u8]| {
        h.update((b.len() as u64).to_le_bytes());
        h.update(b);
    };
    field(b"bax-idempotency-v1");
    field(req.task_id.as_bytes());
    match (&req.completion, &req.files) {
        (Some(c), _) => {
            field(b"completion");
            field(c.as_bytes());
        }
        (None, Some(files)) => {
            field(b"files");
            field(&(files.len() as u64).to_le_bytes());
            for (path, content) in files {
                field(path.as_bytes());
                field(content.as_bytes());
            }
        }
        (None, None) => field(b"nothing"),
    }
    field(
        req.spec_type
            .unwrap_or(SpecType::Openapi)
            .as_str()
            .as_bytes(),
    );
    field(
        req.safety_prompt
            .unwrap_or(SafetyPrompt::None)
            .as_str()
            .as_bytes(),
    );
    h.finalize().into()
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
struct Key {
    scope: Arc<str>,
    id: String,
}

enum Slot {
    /// Being scored; waiters subscribe to `done`.
    Running {
        fingerprint: Fingerprint,
        generation: u64,
        done: watch::Sender<Option<Bytes>>,
    },
    /// Answered with `status: ok` at `at`.
    Done {
        fingerprint: Fingerprint,
        body: Bytes,
        generation: u64,
    },
}

#[derive(Default)]
struct Inner {
    slots: HashMap<Key, Slot>,
    /// Answers kept, oldest first: (key, stored at, generation).
    order: VecDeque<(Key, Instant, u64)>,
    next_generation: u64,
    /// Bytes of answers (and their keys) kept.
    bytes: usize,
}

impl Inner {
    fn forget_oldest(&mut self) {
        if let Some((key, _, generation)) = self.order.pop_front() {
            if matches!(self.slots.get(&key), Some(Slot::Done { generation: g, .. }) if *g == generation)
            {
                if let Some(Slot::Done { body, .. }) = self.slots.remove(&key) {
                    self.bytes -= body.len() + key.id.len();
                }
            }
        }
    }

    fn expire(&mut self, now: Instant, ttl: Duration) {
        while self
            .order
            .front()
            .is_some_and(|(_, at, _)| now.saturating_duration_since(*at) >= ttl)
        {
            self.forget_oldest();
        }
    }
}

/// The answers kept for replay, and the keys being scored.
pub struct Store {
    inner: Mutex<Inner>,
    capacity: usize,
    ttl: Duration,
}

/// What to do with a request that carries a `request_id`.
pub enum Claim {
    /// Nobody has it: score it, then [`Ticket::finish`].
    Fresh(Ticket),
    /// Already answered: send these bytes again.
    Replay(Bytes),
    /// Being scored for another request: wait for its answer.
    Wait(Waiter),
    /// The id is taken by a different rollout.
    Conflict,
}

/// The right to score a key. Dropped without [`Ticket::finish`] (client gone,
/// infra error), it frees the key and wakes the waiters, who claim it again.
pub struct Ticket {
    store: Arc<Store>,
    key: Key,
    generation: u64,
    finished: bool,
}

/// A request waiting for another's answer to the same key.
pub struct Waiter(watch::Receiver<Option<Bytes>>);

impl Waiter {
    /// The answer, or `None` when the scoring request gave up without one
    /// (then claim the key again).
    pub async fn wait(mut self) -> Option<Bytes> {
        match self.0.wait_for(Option::is_some).await {
            Ok(v) => v.clone(),
            Err(_) => None,
        }
    }
}

impl Store {
    pub fn new(capacity: usize, ttl: Duration) -> Arc<Store> {
        Arc::new(Store {
            inner: Mutex::default(),
            capacity,
            ttl,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Looks `id` up in `scope` for a rollout with `fp`.
    pub fn claim(self: &Arc<Self>, scope: &Arc<str>, id: &str, fp: Fingerprint) -> Claim {
        self.claim_at(scope, id, fp, Instant::now())
    }

    fn claim_at(
        self: &Arc<Self>,
        scope: &Arc<str>,
        id: &str,
        fp: Fingerprint,
        now: Instant,
    ) -> Claim {
        let mut inner = self.lock();
        inner.expire(now, self.ttl);
        let key = Key {
            scope: scope.clone(),
            id: id.to_string(),
        };
        match inner.slots.get(&key) {
            Some(Slot::Done {
                fingerprint, body, ..
            }) => {
                if *fingerprint == fp {
                    Claim::Replay(body.clone())
                } else {
                    Claim::Conflict
                }
            }
            Some(Slot::Running {
                fingerprint, done, ..
            }) => {
                if *fingerprint == fp {
                    Claim::Wait(Waiter(done.subscribe()))
                } else {
                    Claim::Conflict
                }
            }
            None => {
                let generation = inner.next_generation;
                inner.next_generation += 1;
                let (done, _) = watch::channel(None);
                inner.slots.insert(
                    key.clone(),
                    Slot::Running {
                        fingerprint: fp,
                        generation,
                        done,
                    },
                );
                Claim::Fresh(Ticket {
                    store: self.clone(),
                    key,
                    generation,
                    finished: false,
                })
            }
        }
    }

    /// Answers kept now.
    pub fn entries(&self) -> usize {
        self.lock().order.len()
    }

    /// Bytes of the answers kept now.
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }

    fn keep_at(&self, t: &Ticket, body: Bytes, now: Instant) {
        let mut inner = self.lock();
        let ours = matches!(inner.slots.get(&t.key), Some(Slot::Running { generation, .. }) if *generation == t.generation);
        if !ours {
            return;
        }
        let Some(Slot::Running {
            fingerprint, done, ..
        }) = inner.slots.remove(&t.key)
        else {
            return;
        };
        // Waiters get the answer even when it is not kept (capacity 0).
        done.send_replace(Some(body.clone()));
        inner.bytes += body.len() + t.key.id.len();
        inner.slots.insert(
            t.key.clone(),
            Slot::Done {
                fingerprint,
                body,
                generation: t.generation,
            },
        );
        inner.order.push_back((t.key.clone(), now, t.generation));
        while inner.order.len() > self.capacity {
            inner.forget_oldest();
        }
        inner.expire(now, self.ttl);
    }

    fn abandon(&self, t: &Ticket) {
        let mut inner = self.lock();
        if matches!(inner.slots.get(&t.key), Some(Slot::Running { generation, .. }) if *generation == t.generation)
        {
            // Dropping the sender wakes every waiter with "no answer".
            inner.slots.remove(&t.key);
        }
    }
}

impl Ticket {
    /// Keeps `body` (a `status: ok` answer) for replay and hands it to the
    /// waiters.
    pub fn finish(self, body: Bytes) {
        self.finish_at(body, Instant::now());
    }

    fn finish_at(mut self, body: Bytes, now: Instant) {
        self.finished = true;
        self.store.keep_at(&self, body, now);
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        if !self.finished {
            self.store.abandon(self);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(completion: &str) -> ScoreRequest {
        serde_json::from_value(serde_json::json!({
            "task_id": "Calculator-Python-Flask",
            "completion": completion,
        }))
        .unwrap()
    }

    fn scope(s: &str) -> Arc<str> {
        s.into()
    }

    fn fresh(c: Claim) -> Ticket {
        match c {
            Claim::Fresh(t) => t,
            _ => panic!("expected a fresh claim"),
        }
    }

    fn replay(c: Claim) -> Bytes {
        match c {
            Claim::Replay(b) => b,
            _ => panic!("expected a replay"),
        }
    }

    #[test]
    fn fingerprints_tell_rollouts_apart() {
        let a = req("x");
        assert_eq!(fingerprint(&a), fingerprint(&req("x")));
        assert_ne!(fingerprint(&a), fingerprint(&req("y")));
        let mut b = a.clone();
        b.task_id = "Calculator-Go-Gin".into();
        assert_ne!(fingerprint(&a), fingerprint(&b));
        let mut c = a.clone();
        c.spec_type = Some(SpecType::Text);
        assert_ne!(fingerprint(&a), fingerprint(&c));
        let mut d = a.clone();
        d.safety_prompt = Some(SafetyPrompt::Specific);
        assert_ne!(fingerprint(&a), fingerprint(&d));
        // The defaults are what an absent field means.
        let mut e = a.clone();
        e.spec_type = Some(SpecType::Openapi);
        e.safety_prompt = Some(SafetyPrompt::None);
        assert_eq!(fingerprint(&a), fingerprint(&e));
        // The deadline and the id are not the rollout.
        let mut f = a.clone();
        f.deadline_s = Some(5.0);
        f.request_id = Some("r".into());
        assert_eq!(fingerprint(&a), fingerprint(&f));
        // Files, and where one file ends and the next begins.
        let files = |pairs: &[(&str, &str)]| {
            let mut r = a.clone();
            r.completion = None;
            r.files = Some(
                pairs
                    .iter()
                    .map(|(p, c)| (p.to_string(), c.to_string()))
                    .collect(),
            );
            r
        };
        assert_ne!(
            fingerprint(&files(&[("app.py", "ab")])),
            fingerprint(&files(&[("app.pya", "b")]))
        );
        assert_ne!(fingerprint(&files(&[("x", "")])), fingerprint(&req("x")));
    }

    #[test]
    fn replays_the_same_bytes_and_conflicts_on_another_rollout() {
        let s = Store::new(10, Duration::from_secs(60));
        let (fa, fb) = (fingerprint(&req("a")), fingerprint(&req("b")));
        let t = fresh(s.claim(&scope("alice"), "r1", fa));
        assert!(matches!(
            s.claim(&scope("alice"), "r1", fb),
            Claim::Conflict
        ));
        t.finish(Bytes::from_static(b"{\"ok\":1}"));
        assert_eq!(
            &replay(s.claim(&scope("alice"), "r1", fa))[..],
            b"{\"ok\":1}"
        );
        assert!(matches!(
            s.claim(&scope("alice"), "r1", fb),
            Claim::Conflict
        ));
        // Another token's namespace is its own.
        drop(fresh(s.claim(&scope("bob"), "r1", fb)));
        assert_eq!(s.entries(), 1);
        assert_eq!(s.bytes(), 8 + 2);
    }

    #[test]
    fn an_abandoned_claim_is_scored_afresh() {
        let s = Store::new(10, Duration::from_secs(60));
        let f = fingerprint(&req("a"));
        let t = fresh(s.claim(&scope("a"), "r", f));
        drop(t);
        let t = fresh(s.claim(&scope("a"), "r", f));
        // Another rollout may take a freed id.
        drop(t);
        drop(fresh(s.claim(&scope("a"), "r", fingerprint(&req("b")))));
        assert_eq!(s.entries(), 0);
    }

    #[test]
    fn evicts_by_count_oldest_first() {
        let s = Store::new(2, Duration::from_secs(60));
        let f = fingerprint(&req("a"));
        let sc = scope("a");
        for id in ["1", "2", "3"] {
            fresh(s.claim(&sc, id, f)).finish(Bytes::from(id.to_string()));
        }
        assert_eq!(s.entries(), 2);
        assert_eq!(s.bytes(), 4);
        drop(fresh(s.claim(&sc, "1", f)));
        assert_eq!(&replay(s.claim(&sc, "2", f))[..], b"2");
        assert_eq!(&replay(s.claim(&sc, "3", f))[..], b"3");
        // Capacity 0: nothing is kept.
        let none = Store::new(0, Duration::from_secs(60));
        fresh(none.claim(&sc, "1", f)).finish(Bytes::from_static(b"x"));
        assert_eq!(none.entries(), 0);
        drop(fresh(none.claim(&sc, "1", f)));
    }

    #[test]
    fn evicts_by_age() {
        let ttl = Duration::from_secs(10);
        let s = Store::new(100, ttl);
        let f = fingerprint(&req("a"));
        let sc = scope("a");
        let t0 = Instant::now();
        fresh(s.claim_at(&sc, "old", f, t0)).finish_at(Bytes::from_static(b"old"), t0);
        fresh(s.claim_at(&sc, "new", f, t0))
            .finish_at(Bytes::from_static(b"new"), t0 + Duration::from_secs(5));
        assert!(matches!(
            s.claim_at(&sc, "old", f, t0 + Duration::from_secs(9)),
            Claim::Replay(_)
        ));
        // At 10 s the first is gone (scored afresh, even for another rollout)...
        let other = fingerprint(&req("b"));
        drop(fresh(s.claim_at(&sc, "old", other, t0 + ttl)));
        // ...and the second lives until 15 s.
        assert!(matches!(
            s.claim_at(&sc, "new", f, t0 + Duration::from_secs(14)),
            Claim::Replay(_)
        ));
        assert_eq!(s.entries(), 1);
        drop(fresh(s.claim_at(
            &sc,
            "new",
            f,
            t0 + Duration::from_secs(15),
        )));
        assert_eq!((s.entries(), s.bytes()), (0, 0));
    }

    #[tokio::test]
    async fn waiters_get_the_answer_or_take_over() {
        let s = Store::new(10, Duration::from_secs(60));
        let f = fingerprint(&req("a"));
        let sc = scope("a");
        let t = fresh(s.claim(&sc, "r", f));
        let Claim::Wait(w1) = s.claim(&sc, "r", f) else {
            panic!("expected to wait")
        };
        let Claim::Wait(w2) = s.claim(&sc, "r", f) else {
            panic!("expected to wait")
        };
        let h1 = tokio::spawn(w1.wait());
        let h2 = tokio::spawn(w2.wait());
        tokio::task::yield_now().await;
        t.finish(Bytes::from_static(b"answer"));
        assert_eq!(h1.await.unwrap().as_deref(), Some(&b"answer"[..]));
        assert_eq!(h2.await.unwrap().as_deref(), Some(&b"answer"[..]));

        // The first gives up: the waiter hears "no answer" and claims it.
        let t = fresh(s.claim(&sc, "q", f));
        let Claim::Wait(w) = s.claim(&sc, "q", f) else {
            panic!("expected to wait")
        };
        let h = tokio::spawn(w.wait());
        tokio::task::yield_now().await;
        drop(t);
        assert_eq!(h.await.unwrap(), None);
        drop(fresh(s.claim(&sc, "q", f)));
    }
}
