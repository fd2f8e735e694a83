//! Limits that hold under abuse: timeouts, connection cap, image decodes, rate limit.
//! The defaults are documented in the README ("Limits") and are `serve` flags.

use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::Problem;

#[derive(Clone, Debug)]
pub struct Limits {
    /// A request head (request line and headers) must arrive within this; else the
    /// connection is closed. Also bounds how long a new connection may stay silent.
    pub header_timeout: Duration,
    /// A request body must arrive whole within this (408 otherwise).
    pub body_timeout: Duration,
    /// A request must be answered within this (503 otherwise), and the answer then sent
    /// within this again (else the connection is closed).
    pub request_timeout: Duration,
    /// Connections served at once; more wait until one closes (an idle one is closed early
    /// for them).
    pub max_connections: usize,
    /// Connections one client address (an IPv6 /64) may hold at once; more are closed at
    /// once. Not applied with `trust_forwarded_for` (every connection is the proxy's).
    pub max_connections_per_address: usize,
    /// MiB that answers of 1 MiB or more (sealed PDFs) may hold while they are sent; a new
    /// one beyond it ends the connections of the oldest ones still sending.
    pub answer_memory_mb: usize,
    /// QR images decoded at once; 8 times as many may wait, more are refused with 503.
    pub image_decodes: usize,
    /// Public verification requests (`/v1/verify`, `/v1/verify/image`,
    /// `/v1/signatures/validate`) per client address per minute; 0 turns the limit off.
    pub rate_per_minute: u32,
    /// How many of those a client may send at once before the per-minute rate applies.
    pub rate_burst: u32,
    /// Take the client address from the last `X-Forwarded-For` entry (behind a proxy).
    pub trust_forwarded_for: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(60),
            request_timeout: Duration::from_secs(120),
            max_connections: 512,
            // A quarter of the slots: one client cannot take them all, and loopback load
            // tests (64 writers plus their set-up client) stay under it.
            max_connections_per_address: 128,
            answer_memory_mb: 256,
            image_decodes: 4,
            rate_per_minute: 600,
            rate_burst: 300,
            trust_forwarded_for: false,
        }
    }
}

/// How many requests wait for a work slot (an image decode, a PDF validation), per slot.
const QUEUE_PER_SLOT: usize = 8;

/// Bounds the memory and CPU heavy uploads can take (QR images, PDFs to validate): at most
/// `queue` uploads held (each within its route's body limit) and `decode` of them worked on
/// at once; the rest get 503 with Retry-After before their body is read.
pub struct ImageGate {
    queue: Arc<Semaphore>,
    decode: Arc<Semaphore>,
    what: &'static str,
}

impl ImageGate {
    pub fn new(decodes: usize) -> Self {
        Self::for_work(decodes, "images are being decoded")
    }

    /// `slots` at work at once, `what` named in the 503 ("… at once; try again shortly").
    pub fn for_work(slots: usize, what: &'static str) -> Self {
        let slots = slots.max(1);
        ImageGate {
            queue: Arc::new(Semaphore::new(slots * QUEUE_PER_SLOT)),
            decode: Arc::new(Semaphore::new(slots)),
            what,
        }
    }

    /// A place in the queue, taken before the upload is read; 503 when the queue is full.
    pub fn enter(&self) -> Result<OwnedSemaphorePermit, Problem> {
        self.queue.clone().try_acquire_owned().map_err(|_| {
            Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("too many {} at once; try again shortly", self.what),
            )
            .with_retry_after(1)
        })
    }

    /// A decode slot; waits for one (the queue place bounds how many wait).
    pub async fn decode_slot(&self) -> Result<OwnedSemaphorePermit, Problem> {
        self.decode
            .clone()
            .acquire_owned()
            .await
            .map_err(Problem::internal)
    }
}

/// At most this many `document_base64` validations read their body at once (the rest: 503).
pub const VALIDATE_JSON_AT_ONCE: usize = 32;

/// A small pool of permits whose exhaustion answers 503 with Retry-After.
pub struct Gate(Arc<Semaphore>, &'static str);

impl Gate {
    pub fn new(n: usize, what: &'static str) -> Self {
        Gate(Arc::new(Semaphore::new(n.max(1))), what)
    }

    pub fn enter(&self) -> Result<OwnedSemaphorePermit, Problem> {
        self.0.clone().try_acquire_owned().map_err(|_| {
            Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("too many {} at once; try again shortly", self.1),
            )
            .with_retry_after(1)
        })
    }
}
