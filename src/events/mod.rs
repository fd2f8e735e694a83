//! The event log: one durable record per action (a company registered, a seal filed, a
//! credential issued, a verification, a refusal…), with its time (from the injected clock),
//! its actor (role and token id, never the token), its region and its subject. The log owns
//! its keys in the store's `Events` tree: `log/<time>/<random>`, so a period is one range
//! of keys in time order (`log/` keys never meet the tree's older `change/` and `sign/`
//! records).
//!
//! Two ways in:
//! * [`EventLog::stage`]: an event describing a change goes into the SAME [`Batch`] as the
//!   change; both are on disk, or neither.
//! * [`EventLog::record`]: an event that changes nothing (a verification, a refusal, a
//!   presentation) is handed to a background writer by a channel send that never waits;
//!   the writer writes what has queued in one batch (group commit), so the verify path
//!   never waits for the disk. What is queued when the process is killed (`kill -9`) is
//!   lost: at most the events of the last batch window (those recorded since the writer's
//!   last write began). A graceful stop drains the queue ([`EventLog::close`]).
//!
//! Observers (the Prometheus counters) learn of each event once: a staged one when its batch
//! is durable, a recorded one when it is recorded.

mod writer;

use std::borrow::Cow;
use std::sync::{Arc, Mutex, RwLock};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::access::AccessRole;
use crate::credential::CredentialType;
use crate::domain::RegionCode;
use crate::store::{Batch, Store, StoreError, Tree};

/// Who acted: the role and the id of the token used (`None` for a public call without one).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<AccessRole>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_id: Option<String>,
}

impl Actor {
    /// A public caller (no token).
    pub fn public() -> Self {
        Actor::default()
    }

    pub fn token(role: AccessRole, token_id: &str) -> Self {
        Actor {
            role: Some(role),
            token_id: Some(token_id.to_string()),
        }
    }
}

/// How a company came to be set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// One application, everything issued in one write (电子大礼包).
    Bundle,
    /// Registration first; the police filing, e-seals and invoicing rights as separate
    /// steps by the officers concerned.
    Stepwise,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Bundle => "bundle",
            Channel::Stepwise => "stepwise",
        }
    }
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum What {
    /// An application arrived at `received_at` and the company was registered.
    CompanyRegistered {
        channel: Channel,
        received_at: DateTime<Utc>,
    },
    /// A start-up delivered: the bundle written, or (stepwise) the invoicing rights, the last
    /// step, issued. `human_steps`: separate officer actions after the application.
    StartupDelivered {
        channel: Channel,
        received_at: DateTime<Utc>,
        human_steps: u32,
    },
    SealFiled {
        seal_type: String,
        filing_id: String,
    },
    CredentialIssued {
        credential_type: CredentialType,
        credential_id: String,
        /// The endpoint it came through (`establishment`, `companies`, `seals`, …).
        channel: String,
        /// When the request asking for it arrived.
        received_at: DateTime<Utc>,
    },
    Changed {
        version: u32,
    },
    Deregistered,
    Revoked {
        credential_type: CredentialType,
        credential_id: String,
    },
    PresentationMinted {
        credential_type: CredentialType,
        format: String,
    },
    /// The names are `Cow`s: a verification records static names without allocating (its
    /// event is freed on the writer's thread, and memory crossing threads is slow to reuse).
    Verified {
        indication: Cow<'static, str>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sub_indication: Option<Cow<'static, str>>,
        verifying_region: RegionCode,
        /// The credential's issuing region, when the token could be read.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        issuing_region: Option<RegionCode>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        credential_type: Option<Cow<'static, str>>,
        /// The verifying region is only what the caller's `X-Verifier-Region` said, not
        /// vouched for by a partner token: counted apart from cross-region verifications.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        region_claimed: bool,
    },
    InvoiceCheckRefused {
        credential_id: String,
    },
    SealSigned {
        seal_id: String,
    },
    InvoiceIssued {
        number: String,
        total_fen: i64,
    },
    /// A request refused (4xx) or failed (5xx), with a reason from a small fixed set.
    Refused {
        route: String,
        status: u16,
        reason: String,
    },
}

impl What {
    /// The event's kind, as in JSON.
    pub fn kind(&self) -> &'static str {
        match self {
            What::CompanyRegistered { .. } => "company_registered",
            What::StartupDelivered { .. } => "startup_delivered",
            What::SealFiled { .. } => "seal_filed",
            What::CredentialIssued { .. } => "credential_issued",
            What::Changed { .. } => "changed",
            What::Deregistered => "deregistered",
            What::Revoked { .. } => "revoked",
            What::PresentationMinted { .. } => "presentation_minted",
            What::Verified { .. } => "verified",
            What::InvoiceCheckRefused { .. } => "invoice_check_refused",
            What::SealSigned { .. } => "seal_signed",
            What::InvoiceIssued { .. } => "invoice_issued",
            What::Refused { .. } => "refused",
        }
    }
}

/// One action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub at: DateTime<Utc>,
    pub actor: Actor,
    /// The region of the node where it happened.
    pub region: RegionCode,
    /// The company (USCC), or what else the action was about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(flatten)]
    pub what: What,
}

#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the event writer has stopped")]
    WriterStopped,
    #[error("the event writer could not write: {0}")]
    Write(String),
}

const PREFIX: &str = "log/";

/// A time as it appears in keys: fixed width, so key order is time order.
fn key_time(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%S%.6fZ").to_string()
}

fn key(e: &Event) -> String {
    format!("{PREFIX}{}/{}", key_time(e.at), crate::credential::new_id())
}

type Observer = Arc<dyn Fn(&Event) + Send + Sync>;

#[derive(Default)]
struct Observers(RwLock<Vec<Observer>>);

impl Observers {
    fn tell(&self, e: &Event) {
        for o in self.0.read().unwrap_or_else(|p| p.into_inner()).iter() {
            o(e);
        }
    }
}

pub struct EventLog {
    store: Store,
    observers: Arc<Observers>,
    writer: Mutex<Option<writer::Writer>>,
    /// Events not recorded because the writer's queue was full.
    dropped: std::sync::atomic::AtomicU64,
}

impl EventLog {
    /// The log on `store`, with its background writer started.
    pub fn new(store: Store) -> Result<Self, EventError> {
        let w = writer::Writer::start(store.clone())?;
        Ok(EventLog {
            store,
            observers: Default::default(),
            writer: Mutex::new(Some(w)),
            dropped: Default::default(),
        })
    }

    /// Calls `f` for every event from now on (once each).
    pub fn observe(&self, f: impl Fn(&Event) + Send + Sync + 'static) {
        self.observers
            .0
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .push(Arc::new(f));
    }

    /// Adds `event` to `batch`: written with the change it describes, or not at all.
    pub fn stage(&self, batch: &mut Batch, event: Event) {
        batch.put(Tree::Events, &key(&event), &event);
        let observers = self.observers.clone();
        batch.on_commit(move || observers.tell(&event));
    }

    /// Hands an event that changes nothing to the background writer; never waits. When its
    /// queue is full the event is counted in [`EventLog::dropped`] and not written.
    pub fn record(&self, event: Event) {
        self.observers.tell(&event);
        let sent = self
            .writer
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .is_some_and(|w| w.send(event));
        if !sent {
            self.dropped
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// Events recorded but never written (the queue was full, or the writer had stopped).
    pub fn dropped(&self) -> u64 {
        self.dropped.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Returns once every event recorded before this call is on disk.
    pub async fn sync(&self) -> Result<(), EventError> {
        let rx = {
            let guard = self.writer.lock().unwrap_or_else(|p| p.into_inner());
            match guard.as_ref() {
                Some(w) => w.sync_request()?,
                None => return Ok(()),
            }
        };
        rx.await.map_err(|_| EventError::WriterStopped)?
    }

    /// Stops the writer after it has written everything queued (graceful shutdown).
    pub fn close(&self) {
        let w = self.writer.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(w) = w {
            w.finish();
        }
    }

    /// The events with `from <= at < to`, in time order, read one at a time.
    pub fn between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> impl Iterator<Item = Result<Event, StoreError>> + use<> {
        let start = format!("{PREFIX}{}", key_time(from));
        let end = format!("{PREFIX}{}", key_time(to));
        // Keys carry microseconds: an event in the last microsecond before `to` but after
        // it (sub-microsecond) cannot exist, clock readings are whole nanoseconds rounded
        // down in the key. The time itself is checked too.
        self.store
            .values_in_range::<Event>(Tree::Events, &start, &end)
            .filter(move |e| !matches!(e, Ok(e) if e.at < from || e.at >= to))
    }

    /// Every event, in time order (priming in-memory counters at start-up).
    pub fn all(&self) -> impl Iterator<Item = Result<Event, StoreError>> + use<> {
        self.store
            .values_in_range::<Event>(Tree::Events, PREFIX, "log0")
    }
}

impl Drop for EventLog {
    fn drop(&mut self) {
        self.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(at: DateTime<Utc>, what: What) -> Event {
        Event {
            at,
            actor: Actor::public(),
            region: RegionCode::parse("440100").unwrap(),
            subject: None,
            what,
        }
    }

    #[tokio::test]
    async fn staged_and_recorded_events_survive_a_reopen_in_time_order() {
        let dir = tempfile::tempdir().unwrap();
        let t0: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
        {
            let store = Store::open(dir.path()).unwrap();
            let log = EventLog::new(store.clone()).unwrap();
            let seen = Arc::new(std::sync::atomic::AtomicUsize::new(0));
            let s2 = seen.clone();
            log.observe(move |_| {
                s2.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            });
            let mut b = Batch::default();
            log.stage(
                &mut b,
                ev(t0 + chrono::Duration::seconds(2), What::Deregistered),
            );
            assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 0);
            store.apply(b).await.unwrap();
            assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 1);
            for i in 0..100 {
                log.record(ev(
                    t0 + chrono::Duration::milliseconds(i),
                    What::SealSigned {
                        seal_id: format!("s{i}"),
                    },
                ));
            }
            log.sync().await.unwrap();
            log.record(ev(t0 + chrono::Duration::seconds(5), What::Deregistered));
            log.close();
        }
        let store = Store::open(dir.path()).unwrap();
        let log = EventLog::new(store).unwrap();
        let all: Vec<Event> = log.all().collect::<Result<_, _>>().unwrap();
        assert_eq!(all.len(), 102, "closing drained the queue");
        assert!(all.windows(2).all(|w| w[0].at <= w[1].at));
        let some: Vec<Event> = log
            .between(
                t0 + chrono::Duration::milliseconds(10),
                t0 + chrono::Duration::seconds(2),
            )
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            some.len(),
            90,
            "10..100 ms; the one at 2 s is outside the period"
        );
    }
}
