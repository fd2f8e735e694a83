//! Per-company wallets on the store: registration, credentials, tokens.

mod companies;
mod credentials;
mod issue;
mod lifecycle;
mod revoke;
mod sealed;
mod secrets;
mod status_entries;

pub use companies::{CompanyStatus, StoredCompany, registration_conflict};
pub use credentials::{CredentialStatus, StoredCredential};
pub use issue::Issue;
pub use lifecycle::{ChangeRequest, Changed};
pub use revoke::Revocations;

use std::sync::Arc;

use crate::access::tokens::{self, Authenticated, TokenError};
use crate::access::{AccessRole, TokenRecord};
use crate::credential::licence::LicenceClaims;
use crate::credential::{new_id, p256_jwk};
use crate::domain::{CompanyRecord, Uscc};
use crate::events::{Actor, Channel, Event, EventError, EventLog, What};
use crate::keystore::MasterKey;
use crate::node::RegionKeys;
use crate::status::StatusRef;
use crate::store::{Batch, Store, StoreError};
use chrono::{DateTime, Duration, Utc};
use rcgen::{KeyPair, PKCS_ECDSA_P256_SHA256};

#[derive(Debug, thiserror::Error)]
pub enum WalletError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Refused(String),
    /// A request field that breaks a rule (422 naming the field).
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("key generation failed: {0}")]
    KeyGeneration(String),
    #[error("issuing or reading a certificate failed: {0}")]
    Certificate(String),
    #[error("{0} is missing")]
    MissingSecret(String),
    #[error("opening a sealed secret failed: {0}")]
    Decrypt(String),
    #[error("loading a signing key failed: {0}")]
    SigningKey(String),
    #[error("serialising a record failed: {0}")]
    Serialisation(String),
    #[error("the region's timestamp authority: {0}")]
    Timestamp(#[from] crate::tsa::TsaError),
    #[error("a stored record is unreadable: {0}")]
    CorruptRecord(String),
    #[error("status index allocator: {0}")]
    StatusAllocator(String),
    #[error("status list full")]
    StatusListFull,
    #[error("status entries ran out")]
    StatusEntriesRanOut,
    #[error("invoice numbers exhausted: {0}")]
    InvoiceNumbers(String),
    #[error("invoice number or id {0} collided")]
    IdCollision(String),
    #[error("bundle builder stopped: {0}")]
    BundleBuilder(String),
    #[error("admin token file: {0}")]
    AdminFile(String),
    #[error(transparent)]
    Fault(#[from] crate::fault::FaultError),
    #[error(transparent)]
    Secret(#[from] crate::keystore::KeyError),
    #[error("event log: {0}")]
    Events(String),
}

impl From<EventError> for WalletError {
    fn from(e: EventError) -> Self {
        match e {
            EventError::Store(s) => WalletError::Store(s),
            other => WalletError::Events(other.to_string()),
        }
    }
}

impl From<crate::domain::DomainError> for WalletError {
    fn from(e: crate::domain::DomainError) -> Self {
        WalletError::Invalid {
            field: e.field,
            reason: e.reason,
        }
    }
}

impl WalletError {
    pub fn invalid(field: &str, reason: impl Into<String>) -> Self {
        WalletError::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// What registration returns to the authority.
pub struct Registered {
    pub wallet_token: String,
    pub credentials: Vec<StoredCredential>,
}

/// How long a licence credential stays valid before it must be reissued.
const LICENCE_YEARS: i64 = 3;

#[derive(Clone)]
pub struct Wallet {
    /// Reached through [`Wallet::store`] by the owners of other records; the wallet's own
    /// trees are written only by its submodules.
    store: Store,
    master: Arc<MasterKey>,
    /// The region's signing keys and certificates (read-only).
    pub keys: Arc<RegionKeys>,
    /// Serialises read-then-write sequences (filings superseding filings, revocations).
    write_lock: Arc<tokio::sync::Mutex<()>>,
    /// How other nodes reach this one (status list URIs), e.g. `http://127.0.0.1:8080`.
    public_url: Arc<String>,
    /// Test-only failure points (see [`crate::fault`]); empty in production.
    faults: crate::fault::Faults,
    /// What every service asks for "now" (see [`crate::clock`]).
    pub clock: crate::clock::Clock,
    /// Status-list entries reserved durably in blocks for bundles, handed out from memory.
    status_pool: Arc<std::sync::Mutex<std::ops::Range<u64>>>,
    /// The event log every service writes to (see [`crate::events`]).
    events: Arc<EventLog>,
    /// Who is acting through this handle ([`Wallet::acting`]): named in every event.
    actor: Actor,
}

/// Status-list entries reserved at once for bundles: one flush per block, not per bundle.
/// Entries left in the block when the process stops are never handed out (out of 131,072
/// per list, a restart burns at most this many).
pub(crate) const STATUS_BLOCK: u64 = 256;

impl Wallet {
    pub fn new(
        store: Store,
        master: MasterKey,
        keys: RegionKeys,
        public_url: &str,
    ) -> Result<Self, WalletError> {
        let events = Arc::new(EventLog::new(store.clone())?);
        Ok(Wallet {
            store,
            master: Arc::new(master),
            keys: Arc::new(keys),
            write_lock: Arc::new(tokio::sync::Mutex::new(())),
            public_url: Arc::new(public_url.trim_end_matches('/').to_string()),
            faults: crate::fault::Faults::from_env(),
            clock: crate::clock::Clock::from_env(),
            status_pool: Arc::new(std::sync::Mutex::new(0..0)),
            events,
            actor: Actor::public(),
        })
    }

    /// The same wallet, acting for `actor` (the caller of a request): cheap, reference counts.
    pub fn acting(&self, actor: Actor) -> Wallet {
        Wallet {
            actor,
            ..self.clone()
        }
    }

    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    pub fn events(&self) -> &EventLog {
        &self.events
    }

    /// An event of this node at `at`, by this handle's actor.
    pub fn event(&self, at: DateTime<Utc>, subject: Option<&str>, what: What) -> Event {
        Event {
            at,
            actor: self.actor.clone(),
            region: self.keys.region,
            subject: subject.map(str::to_string),
            what,
        }
    }

    /// Stages the issuance of `c` (through `channel`, asked for at `received_at`).
    pub fn log_issued(
        &self,
        batch: &mut Batch,
        c: &StoredCredential,
        channel: &str,
        received_at: DateTime<Utc>,
    ) {
        self.log(
            batch,
            c.issued_at,
            c.uscc.as_str(),
            What::CredentialIssued {
                credential_type: c.kind,
                credential_id: c.id.clone(),
                channel: channel.into(),
                received_at,
            },
        );
    }

    /// Stages the event in `batch`, with the change it describes.
    pub fn log(&self, batch: &mut Batch, at: DateTime<Utc>, subject: &str, what: What) {
        self.events
            .stage(batch, self.event(at, Some(subject), what));
    }

    /// Records an event that changes nothing, now (never waits for the disk).
    pub fn record(&self, subject: Option<&str>, what: What) {
        self.events
            .record(self.event(self.clock.now(), subject, what));
    }

    /// The store, for the owners of records kept outside the wallet (filings, e-seals,
    /// invoices): each knows its own trees and keys.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Serialises read-then-write sequences: hold the guard across the read and the write.
    pub async fn lock(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.write_lock.lock().await
    }

    /// How other nodes reach this one, e.g. `http://127.0.0.1:8080`.
    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    /// The test-only failure points (see [`crate::fault`]).
    pub fn faults(&self) -> &crate::fault::Faults {
        &self.faults
    }
}

impl Wallet {
    /// Registers a company and issues its licence into a new wallet, in one durable batch.
    pub async fn register(&self, record: CompanyRecord) -> Result<Registered, WalletError> {
        self.ensure_unregistered(&record.uscc)?;
        let status = self.status_claim().await?;
        let mut batch = Batch::default();
        let uscc = record.uscc.clone();
        let now = self.clock.now();
        let (_, registered) =
            self.prepare_registration(record, now, status, Channel::Stepwise, &mut batch)?;
        self.log(
            &mut batch,
            now,
            uscc.as_str(),
            What::CompanyRegistered {
                channel: Channel::Stepwise,
                received_at: now,
            },
        );
        for c in &registered.credentials {
            self.log_issued(&mut batch, c, "companies", now);
        }
        self.store
            .apply(batch)
            .await
            .map_err(|e| registration_conflict(e, &uscc))?;
        Ok(registered)
    }

    /// The registration, built and signed, added to `batch` and not yet written: the company
    /// record, its licence, holder key, wallet entry and wallet token. Reused by the start-up
    /// bundle, which writes it together with the seals and invoicing rights.
    pub fn prepare_registration(
        &self,
        record: CompanyRecord,
        now: DateTime<Utc>,
        status: (StatusRef, serde_json::Value),
        channel: Channel,
        batch: &mut Batch,
    ) -> Result<(StoredCompany, Registered), WalletError> {
        self.ensure_unregistered(&record.uscc)?;
        self.faults.check("licence.holder_key")?;
        let holder = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)
            .map_err(|e| WalletError::KeyGeneration(e.to_string()))?;
        let holder_jwk = p256_jwk(holder.public_key_raw());
        self.faults.check("licence.sign")?;
        let licence = self.issue_licence(&record, now, holder_jwk, status, 1)?;
        let company = StoredCompany {
            record: record.clone(),
            region: self.keys.region,
            status: CompanyStatus::Active,
            registered_at: now,
            licence_version: 1,
            deregistered_at: None,
            channel: Some(channel),
        };
        self.put_company(batch, &company, true)?;
        self.put_credential(batch, &licence, true)?;
        self.put_in_wallet(batch, &record.uscc, &licence.id);
        self.put_holder_key(batch, &record.uscc, holder.serialized_der())?;
        let (token, _) = tokens::new_wallet_token(batch, &record.uscc, now);
        Ok((
            company,
            Registered {
                wallet_token: token,
                credentials: vec![licence],
            },
        ))
    }

    fn issue_licence(
        &self,
        record: &CompanyRecord,
        now: DateTime<Utc>,
        holder_jwk: serde_json::Value,
        status: (StatusRef, serde_json::Value),
        version: u32,
    ) -> Result<StoredCredential, WalletError> {
        self.issue(
            Issue {
                id: new_id(),
                subject: &record.uscc,
                name: &record.name,
                issued_at: now,
                expires_at: now + Duration::days(365 * LICENCE_YEARS),
                status,
                holder_jwk: Some(holder_jwk),
            },
            &LicenceClaims::new(record, &self.keys.region, version),
        )
    }

    /// Creates a token for a role, valid for `ttl`; the token is returned once and stored
    /// as a hash.
    pub async fn create_token(
        &self,
        role: AccessRole,
        label: Option<String>,
        ttl: Duration,
    ) -> Result<(String, TokenRecord), WalletError> {
        Ok(tokens::create(&self.store, role, label, Some(ttl), self.clock.now()).await?)
    }

    pub fn authenticate(&self, token: &str) -> Result<Authenticated, WalletError> {
        Ok(tokens::authenticate(&self.store, token, self.clock.now())?)
    }

    /// Revokes the token `id` at once (durably).
    pub async fn revoke_token(&self, id: &str) -> Result<TokenRecord, WalletError> {
        let _guard = self.write_lock.lock().await;
        Ok(tokens::revoke(&self.store, id, self.clock.now()).await?)
    }

    /// A new wallet token for a registered company (also a deregistered one, whose wallet
    /// still holds its records); the old token stops working in the same write.
    pub async fn rotate_wallet_token(
        &self,
        uscc: &Uscc,
    ) -> Result<(String, TokenRecord, Option<String>), WalletError> {
        let _guard = self.write_lock.lock().await;
        self.registered_company(uscc)?;
        Ok(tokens::rotate_wallet(&self.store, uscc, self.clock.now()).await?)
    }

    /// Makes sure the admin token in `DATA/admin.token` exists and is the only admin token
    /// accepted (see [`tokens::ensure_admin`]).
    pub async fn ensure_admin_token(&self, path: &std::path::Path) -> Result<bool, WalletError> {
        Ok(tokens::ensure_admin(&self.store, path, self.clock.now()).await?)
    }
}

impl From<TokenError> for WalletError {
    fn from(e: TokenError) -> Self {
        match e {
            TokenError::Store(e) => WalletError::Store(e),
            TokenError::NotFound(m) => WalletError::NotFound(m),
            TokenError::Conflict(m) => WalletError::Conflict(m),
            TokenError::AdminFile(m) => WalletError::AdminFile(m),
        }
    }
}
