//! Group commit: one thread calls sled's blocking `flush()`; every writer whose
//! transaction committed before a flush began returns when that flush ends.
//!
//! A writer takes a ticket (a generation number) after its transaction commits. The
//! flusher reads the highest ticket, flushes, and publishes that generation as durable.
//! Tickets taken while a flush runs are covered by the next one, so under load one flush
//! serves many writers, and there is never more than one flush at a time (concurrent
//! `flush_async` calls deadlock in sled 0.34.7, #1308).

use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

use tokio::sync::watch;

use super::StoreError;

/// The newest generation that a flush has finished, and how that flush went.
#[derive(Clone, Debug)]
struct Flushed {
    generation: u64,
    error: Option<String>,
}

#[derive(Default)]
struct Requests {
    /// The highest ticket handed out.
    requested: u64,
    /// Set when the store is dropped: the thread flushes what is pending and ends.
    closing: bool,
}

struct Shared {
    requests: Mutex<Requests>,
    wake: Condvar,
    flushed: watch::Sender<Flushed>,
}

pub(super) struct Flusher {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Flusher {
    pub(super) fn start(db: sled::Db) -> Result<Self, StoreError> {
        let (flushed, _) = watch::channel(Flushed {
            generation: 0,
            error: None,
        });
        let shared = Arc::new(Shared {
            requests: Mutex::new(Requests::default()),
            wake: Condvar::new(),
            flushed,
        });
        let for_thread = shared.clone();
        let thread = std::thread::Builder::new()
            .name("store-flusher".into())
            .spawn(move || run(db, &for_thread))
            .map_err(|e| StoreError::Task(format!("cannot start the flusher thread: {e}")))?;
        Ok(Flusher {
            shared,
            thread: Some(thread),
        })
    }

    /// Returns once everything committed before this call is on disk.
    pub(super) async fn durable(&self) -> Result<(), StoreError> {
        let ticket = {
            let mut r = self.shared.lock();
            r.requested += 1;
            r.requested
        };
        self.shared.wake.notify_one();
        let mut rx = self.shared.flushed.subscribe();
        let done = rx
            .wait_for(|f| f.generation >= ticket)
            .await
            .map_err(|_| StoreError::Flush("the flusher thread has stopped".into()))?;
        match &done.error {
            None => Ok(()),
            Some(e) => Err(StoreError::Flush(e.clone())),
        }
    }
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Requests> {
        // The flusher holds this lock only to read or bump a counter: never poisoned by it.
        self.requests.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn run(db: sled::Db, shared: &Shared) {
    let mut done = 0u64;
    loop {
        let target = {
            let mut r = shared.lock();
            while r.requested <= done && !r.closing {
                r = shared.wake.wait(r).unwrap_or_else(|p| p.into_inner());
            }
            if r.requested <= done {
                break; // closing, nothing pending
            }
            r.requested
        };
        let error = db.flush().err().map(|e| {
            tracing::error!(error = %e, "store flush failed");
            e.to_string()
        });
        done = target;
        shared.flushed.send_replace(Flushed {
            generation: target,
            error,
        });
    }
}

impl Drop for Flusher {
    fn drop(&mut self) {
        self.shared.lock().closing = true;
        self.shared.wake.notify_one();
        if let Some(t) = self.thread.take() {
            // The thread owns a handle on the database: wait until it has let go, so that
            // the folder can be opened again in this process.
            let _ = t.join();
        }
    }
}
