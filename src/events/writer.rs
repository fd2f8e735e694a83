//! The background writer of events that change nothing: a bounded queue, one thread, one
//! batch for everything queued since the last write (group commit through the store's own
//! flusher; never `flush_async`).
//!
//! After the first event of a batch the writer waits [`WINDOW`] before it writes, without
//! being woken per event: a busy verifier costs a few durable writes a second, not one per
//! verification (which made every verification pay for a flush on the other core). A sync
//! request (the indicators API, a graceful stop) cuts the wait short. So a `kill -9` loses
//! at most the events of the last window.

use std::thread::JoinHandle;

use tokio::sync::{mpsc, oneshot};

use super::{Event, EventError, key};
use crate::store::{Batch, Store, Tree};

/// Events waiting to be written, at most; beyond it `record` drops (and counts) them.
pub(super) const QUEUE: usize = 65_536;
/// Events written in one batch, at most.
const MAX_BATCH: usize = 4_096;
/// How long the writer gathers events before it writes them.
pub(super) const WINDOW: std::time::Duration = std::time::Duration::from_millis(200);

enum Msg {
    Event(Box<Event>),
    Sync(oneshot::Sender<Result<(), EventError>>),
}

pub(super) struct Writer {
    tx: mpsc::Sender<Msg>,
    /// Wakes the writer from its gathering wait: a sync is waiting.
    hurry: std::sync::Arc<tokio::sync::Notify>,
    thread: Option<JoinHandle<()>>,
}

impl Writer {
    pub(super) fn start(store: Store) -> Result<Self, EventError> {
        let (tx, rx) = mpsc::channel(QUEUE);
        let hurry = std::sync::Arc::new(tokio::sync::Notify::new());
        let woken = hurry.clone();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| EventError::Write(format!("cannot start the writer's runtime: {e}")))?;
        let thread = std::thread::Builder::new()
            .name("event-writer".into())
            .spawn(move || rt.block_on(run(store, rx, woken)))
            .map_err(|e| EventError::Write(format!("cannot start the writer thread: {e}")))?;
        Ok(Writer {
            tx,
            hurry,
            thread: Some(thread),
        })
    }

    /// Queues an event; false when the queue is full or the writer has stopped.
    pub(super) fn send(&self, e: Event) -> bool {
        self.tx.try_send(Msg::Event(Box::new(e))).is_ok()
    }

    pub(super) fn sync_request(
        &self,
    ) -> Result<oneshot::Receiver<Result<(), EventError>>, EventError> {
        let (done, rx) = oneshot::channel();
        // A sync may wait for room in a full queue: it is never on the verify path.
        let tx = self.tx.clone();
        let sent = match tx.try_send(Msg::Sync(done)) {
            Ok(()) => Ok(rx),
            Err(mpsc::error::TrySendError::Full(Msg::Sync(done))) => {
                std::thread::spawn(move || {
                    let _ = tx.blocking_send(Msg::Sync(done));
                });
                Ok(rx)
            }
            Err(_) => Err(EventError::WriterStopped),
        };
        self.hurry.notify_one();
        sent
    }

    /// Closes the queue and waits until everything in it is written.
    pub(super) fn finish(mut self) {
        let Writer { tx, hurry, thread } = &mut self;
        drop(std::mem::replace(tx, mpsc::channel(1).0));
        hurry.notify_one();
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

async fn run(
    store: Store,
    mut rx: mpsc::Receiver<Msg>,
    hurry: std::sync::Arc<tokio::sync::Notify>,
) {
    let mut syncs = Vec::new();
    while let Some(first) = rx.recv().await {
        if matches!(first, Msg::Event(_)) {
            // Gather: no wake-up per event while waiting; a sync or a stop ends the wait.
            tokio::select! {
                _ = tokio::time::sleep(WINDOW) => {}
                _ = hurry.notified() => {}
            }
        }
        let mut batch = Batch::default();
        let mut take = |m: Msg, batch: &mut Batch| match m {
            Msg::Event(e) => {
                batch.put(Tree::Events, &key(&e), &*e);
            }
            Msg::Sync(s) => syncs.push(s),
        };
        take(first, &mut batch);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(m) => take(m, &mut batch),
                Err(_) => break,
            }
        }
        let n = batch.len();
        let result = if batch.is_empty() {
            Ok(())
        } else {
            store.apply(batch).await
        };
        if let Err(e) = &result {
            tracing::error!(error = %e, events = n, "events not written");
        }
        for s in syncs.drain(..) {
            let _ = s.send(
                result
                    .as_ref()
                    .map(|_| ())
                    .map_err(|e| EventError::Write(e.to_string())),
            );
        }
    }
}
