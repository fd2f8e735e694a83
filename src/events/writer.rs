//! The background writer of events that change nothing: a bounded queue and one thread,
//! which writes the events of each short [`TICK`] (each its own record: a transaction of
//! many would hold sled's global write lock and make every read wait) and makes them
//! durable together, once per [`WINDOW`] (one flush through the store's group-commit
//! flusher; never `flush_async`). Writing per tick spreads the work: a busy verifier's
//! events written all at once every window took a core for milliseconds and showed in its
//! p99; woken per event, the writer cost more than it wrote.
//!
//! A sync request (the indicators API, a graceful stop) makes everything written so far
//! durable at once. So a `kill -9` loses at most the events of the last window.

use std::thread::JoinHandle;

use tokio::sync::{mpsc, oneshot};

use super::{Event, EventError, key};
use crate::store::{Batch, Store, Tree};

/// Events waiting to be written, at most; beyond it `record` drops (and counts) them.
pub(super) const QUEUE: usize = 65_536;
/// How long the writer lets events gather before it writes them: short, so that each write
/// is small (a few hundred events at most on a busy verifier) and no core is taken for long.
const TICK: std::time::Duration = std::time::Duration::from_millis(10);
/// Events written in one go, at most.
const MAX_WRITE: usize = 4_096;
/// How long written events may wait to be made durable.
pub(super) const WINDOW: std::time::Duration = std::time::Duration::from_millis(200);

enum Msg {
    /// By value: a box would be one more allocation made here and freed on the writer's
    /// thread for every verification.
    Event(Event),
    Sync(oneshot::Sender<Result<(), EventError>>),
}

pub(super) struct Writer {
    tx: mpsc::Sender<Msg>,
    thread: Option<JoinHandle<()>>,
}

impl Writer {
    pub(super) fn start(store: Store) -> Result<Self, EventError> {
        let (tx, rx) = mpsc::channel(QUEUE);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| EventError::Write(format!("cannot start the writer's runtime: {e}")))?;
        let thread = std::thread::Builder::new()
            .name("event-writer".into())
            .spawn(move || rt.block_on(run(store, rx)))
            .map_err(|e| EventError::Write(format!("cannot start the writer thread: {e}")))?;
        Ok(Writer {
            tx,
            thread: Some(thread),
        })
    }

    /// Queues an event; false when the queue is full or the writer has stopped.
    pub(super) fn send(&self, e: Event) -> bool {
        self.tx.try_send(Msg::Event(e)).is_ok()
    }

    pub(super) fn sync_request(
        &self,
    ) -> Result<oneshot::Receiver<Result<(), EventError>>, EventError> {
        let (done, rx) = oneshot::channel();
        // A sync may wait for room in a full queue: it is never on the verify path.
        let tx = self.tx.clone();
        match tx.try_send(Msg::Sync(done)) {
            Ok(()) => Ok(rx),
            Err(mpsc::error::TrySendError::Full(Msg::Sync(done))) => {
                std::thread::spawn(move || {
                    let _ = tx.blocking_send(Msg::Sync(done));
                });
                Ok(rx)
            }
            Err(_) => Err(EventError::WriterStopped),
        }
    }

    /// Closes the queue and waits until everything in it is written.
    pub(super) fn finish(mut self) {
        let Writer { tx, thread } = &mut self;
        drop(std::mem::replace(tx, mpsc::channel(1).0));
        if let Some(t) = thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        // `finish` has joined; a writer dropped without it (a panic) just lets the thread
        // drain and end on its own once the queue is closed.
        let _ = self.thread.take();
    }
}

async fn run(store: Store, mut rx: mpsc::Receiver<Msg>) {
    // Written since the last flush: when the oldest of them must be durable, and the first
    // write error since (answered to the syncs, and logged).
    let mut due: Option<tokio::time::Instant> = None;
    let mut failed: Option<String> = None;
    let mut syncs = Vec::new();
    loop {
        let first = match due {
            None => rx.recv().await,
            Some(at) => tokio::select! {
                biased;
                _ = tokio::time::sleep_until(at) => {
                    make_durable(&store, &mut due, &mut failed, &mut syncs).await;
                    continue;
                }
                m = rx.recv() => m,
            },
        };
        let Some(first) = first else { break };
        if matches!(first, Msg::Event(_)) {
            // Let a tick's events gather: the writer wakes once per tick, not per event
            // (a wake-up per verification cost the verifier's cores more than the write).
            tokio::time::sleep(TICK).await;
        }
        let mut batch = Batch::default();
        let mut take = |m: Msg, batch: &mut Batch| match m {
            Msg::Event(e) => {
                batch.put(Tree::Events, &key(&e), &e);
            }
            Msg::Sync(s) => syncs.push(s),
        };
        take(first, &mut batch);
        while batch.len() < MAX_WRITE {
            match rx.try_recv() {
                Ok(m) => take(m, &mut batch),
                Err(_) => break,
            }
        }
        if !batch.is_empty() {
            let n = batch.len();
            // This thread is the writer's own: writing here blocks no one.
            if let Err(e) = store.write_each(batch) {
                tracing::error!(error = %e, events = n, "events not written");
                failed.get_or_insert(e.to_string());
            }
            due.get_or_insert_with(|| tokio::time::Instant::now() + WINDOW);
        }
        let overdue = due.is_some_and(|at| at <= tokio::time::Instant::now());
        if overdue || !syncs.is_empty() {
            make_durable(&store, &mut due, &mut failed, &mut syncs).await;
        }
    }
    // The queue is closed (a graceful stop): what was written becomes durable.
    make_durable(&store, &mut due, &mut failed, &mut syncs).await;
}

/// Flushes what was written (if anything) and answers the waiting syncs.
async fn make_durable(
    store: &Store,
    due: &mut Option<tokio::time::Instant>,
    failed: &mut Option<String>,
    syncs: &mut Vec<oneshot::Sender<Result<(), EventError>>>,
) {
    let flushed = match due.take() {
        Some(_) => store.durable().await.map_err(|e| e.to_string()),
        None => Ok(()),
    };
    if let Err(e) = &flushed {
        tracing::error!(error = %e, "events not made durable");
    }
    let result = match (failed.take(), flushed) {
        (Some(e), _) | (None, Err(e)) => Err(e),
        (None, Ok(())) => Ok(()),
    };
    for s in syncs.drain(..) {
        let _ = s.send(result.clone().map_err(EventError::Write));
    }
}
