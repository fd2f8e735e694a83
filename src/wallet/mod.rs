//! Per-company wallets on the store: registration, credentials, tokens.

mod lifecycle;
mod revoke;
mod sealed;

pub use lifecycle::{ChangeRequest, Changed};
pub use revoke::Revocations;

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use rcgen::{KeyPair, PKCS_ECDSA_P256_SHA256};
use serde::{Deserialize, Serialize};

use crate::access::tokens::{self, Authenticated, TokenError};
use crate::access::{AccessRole, TokenRecord};
use crate::credential::{CredentialType, licence_claims, new_id, p256_jwk, sdjwt};
use crate::domain::{CompanyRecord, RegionCode, Uscc};
use crate::keystore::MasterKey;
use crate::node::RegionKeys;
use crate::status::bits::IndexAllocator;
use crate::status::{LIST_SIZE, StatusRef};
use crate::store::{Batch, Store, StoreError, Tree};

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CompanyStatus {
    Active,
    Deregistered,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredCompany {
    pub record: CompanyRecord,
    pub region: RegionCode,
    pub status: CompanyStatus,
    pub registered_at: DateTime<Utc>,
    /// 1 for the licence issued at registration, then one more per change.
    #[serde(default)]
    pub licence_version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deregistered_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CredentialStatus {
    Valid,
    Revoked,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredCredential {
    pub id: String,
    pub uscc: Uscc,
    #[serde(rename = "type")]
    pub kind: CredentialType,
    pub status: CredentialStatus,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub sd_jwt: String,
    /// What a counter clerk is shown: the company's name, or the seal's or invoice's.
    pub display_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<DateTime<Utc>>,
    /// Its entry in the region's status lists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_ref: Option<StatusRef>,
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
    pub store: Store,
    pub master: Arc<MasterKey>,
    pub keys: Arc<RegionKeys>,
    /// Serialises read-then-write sequences (filings superseding filings, revocations).
    pub write_lock: Arc<tokio::sync::Mutex<()>>,
    /// How other nodes reach this one (status list URIs), e.g. `http://127.0.0.1:8080`.
    pub public_url: Arc<String>,
    /// Test-only failure points (see [`crate::fault`]); empty in production.
    pub faults: crate::fault::Faults,
    /// What every service asks for "now" (see [`crate::clock`]).
    pub clock: crate::clock::Clock,
    /// Status-list entries reserved durably in blocks for bundles, handed out from memory.
    status_pool: Arc<std::sync::Mutex<std::ops::Range<u64>>>,
}

/// Status-list entries reserved at once for bundles: one flush per block, not per bundle.
/// Entries left in the block when the process stops are never handed out (out of 131,072
/// per list, a restart burns at most this many).
const STATUS_BLOCK: u64 = 256;

impl Wallet {
    pub fn new(store: Store, master: MasterKey, keys: RegionKeys, public_url: &str) -> Self {
        Wallet {
            store,
            master: Arc::new(master),
            keys: Arc::new(keys),
            write_lock: Arc::new(tokio::sync::Mutex::new(())),
            public_url: Arc::new(public_url.trim_end_matches('/').to_string()),
            faults: crate::fault::Faults::from_env(),
            clock: crate::clock::Clock::from_env(),
            status_pool: Arc::new(std::sync::Mutex::new(0..0)),
        }
    }

    /// A fresh status-list entry for a new credential. Entries are handed out in a keyed
    /// pseudo-random order, so neighbouring indices say nothing about who holds them; the
    /// counter is durable before it is used, so an entry is never handed out twice.
    pub async fn allocate_status(&self) -> Result<StatusRef, WalletError> {
        let n = self.store.next_counter("status-entries").await? - 1;
        self.status_ref(n)
    }

    /// The `n`-th status-list entry (0-based) in the keyed pseudo-random order.
    fn status_ref(&self, n: u64) -> Result<StatusRef, WalletError> {
        let list = (n / LIST_SIZE as u64) as u32 + 1;
        let allocator = IndexAllocator::new(
            self.master.derive(&format!("status-list/{list}")),
            LIST_SIZE,
        )
        .map_err(|e| WalletError::StatusAllocator(e.to_string()))?;
        let idx = allocator
            .index_for(n % LIST_SIZE as u64)
            .ok_or_else(|| WalletError::StatusListFull)?;
        Ok(StatusRef { list, idx })
    }

    /// `n` status claims at once (a bundle's credentials), from a block reserved durably
    /// beforehand. Entries drawn for a bundle that then fails stay unused: like a torn-off
    /// ticket, never handed out again.
    pub async fn status_claims(
        &self,
        n: usize,
    ) -> Result<Vec<(StatusRef, serde_json::Value)>, WalletError> {
        let n = n as u64;
        let take = |pool: &mut std::ops::Range<u64>| {
            (pool.end - pool.start >= n).then(|| {
                let first = pool.start;
                pool.start += n;
                first
            })
        };
        let pooled = take(&mut self.status_pool.lock().unwrap_or_else(|p| p.into_inner()));
        let first = match pooled {
            Some(first) => first,
            None => {
                // A fresh block, durable before use; what was left of the old one is burnt.
                let block = STATUS_BLOCK.max(n);
                let start = self.store.reserve_counter("status-entries", block).await? - 1;
                let mut pool = self.status_pool.lock().unwrap_or_else(|p| p.into_inner());
                *pool = start..start + block;
                take(&mut pool).unwrap_or(start)
            }
        };
        (first..first + n)
            .map(|i| {
                let r = self.status_ref(i)?;
                Ok((r, r.claim(&self.public_url)))
            })
            .collect()
    }

    /// The `status` claim for a new credential, and where it points.
    pub async fn status_claim(&self) -> Result<(StatusRef, serde_json::Value), WalletError> {
        let r = self.allocate_status().await?;
        Ok((r, r.claim(&self.public_url)))
    }

    /// The company, or NotFound naming `uscc`.
    pub fn registered_company(&self, uscc: &Uscc) -> Result<StoredCompany, WalletError> {
        self.company(uscc)?
            .ok_or_else(|| WalletError::NotFound(format!("no company {uscc} is registered here")))
    }

    /// The company, if registered here and active; otherwise why not, naming `uscc`.
    pub fn active_company(&self, uscc: &Uscc) -> Result<StoredCompany, WalletError> {
        let c = self.registered_company(uscc)?;
        if c.status != CompanyStatus::Active {
            return Err(WalletError::Refused(format!(
                "company {uscc} is deregistered; its wallet is read-only"
            )));
        }
        Ok(c)
    }
}

/// The key of a credential in a company's wallet (the `Wallets` tree).
pub fn wallet_key(uscc: &Uscc, id: &str) -> String {
    format!("{uscc}/{id}")
}

/// A registration's batch refused because the company key exists: registered meanwhile.
pub fn registration_conflict(e: StoreError, uscc: &Uscc) -> WalletError {
    match e {
        StoreError::Exists(k) if k == uscc.as_str() => {
            WalletError::Conflict(format!("company {uscc} is already registered"))
        }
        other => other.into(),
    }
}

impl Wallet {
    /// Registers a company and issues its licence into a new wallet, in one durable batch.
    pub async fn register(&self, record: CompanyRecord) -> Result<Registered, WalletError> {
        self.ensure_unregistered(&record.uscc)?;
        let status = self.status_claim().await?;
        let mut batch = Batch::default();
        let uscc = record.uscc.clone();
        let (_, registered) =
            self.prepare_registration(record, self.clock.now(), status, &mut batch)?;
        self.store
            .apply(batch)
            .await
            .map_err(|e| registration_conflict(e, &uscc))?;
        Ok(registered)
    }

    fn ensure_unregistered(&self, uscc: &Uscc) -> Result<(), WalletError> {
        if self.company(uscc)?.is_some() {
            return Err(WalletError::Conflict(format!(
                "company {uscc} is already registered"
            )));
        }
        Ok(())
    }

    /// The registration, built and signed, added to `batch` and not yet written: the company
    /// record, its licence, holder key, wallet entry and wallet token. Reused by the start-up
    /// bundle, which writes it together with the seals and invoicing rights.
    pub fn prepare_registration(
        &self,
        record: CompanyRecord,
        now: DateTime<Utc>,
        status: (StatusRef, serde_json::Value),
        batch: &mut Batch,
    ) -> Result<(StoredCompany, Registered), WalletError> {
        self.ensure_unregistered(&record.uscc)?;
        self.faults.check("licence.holder_key")?;
        let holder = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)
            .map_err(|e| WalletError::KeyGeneration(e.to_string()))?;
        let holder_jwk = p256_jwk(holder.public_key_raw());
        self.faults.check("licence.sign")?;
        let licence = self.issue_licence(&record, now, holder_jwk, status, 1);
        let company = StoredCompany {
            record: record.clone(),
            region: self.keys.region,
            status: CompanyStatus::Active,
            registered_at: now,
            licence_version: 1,
            deregistered_at: None,
        };
        let holder_ref = format!("holder/{}", record.uscc);
        self.put_company(batch, &company, true)?;
        self.put_credential(batch, &licence, true)?;
        batch
            .put(Tree::Wallets, &wallet_key(&record.uscc, &licence.id), &())
            .put_raw(
                Tree::Secrets,
                &holder_ref,
                self.master.seal(holder.serialized_der(), &holder_ref)?,
            );
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
        (status_ref, status): (StatusRef, serde_json::Value),
        version: u32,
    ) -> StoredCredential {
        let id = new_id();
        let expires_at = now + Duration::days(365 * LICENCE_YEARS);
        let mut extra = serde_json::Map::new();
        extra.insert("status".into(), status);
        extra.insert("version".into(), version.into());
        let input = licence_claims(
            &id,
            record,
            &self.keys.region,
            now,
            expires_at,
            holder_jwk,
            extra,
        );
        StoredCredential {
            id,
            uscc: record.uscc.clone(),
            kind: CredentialType::BusinessLicense,
            status: CredentialStatus::Valid,
            issued_at: now,
            expires_at,
            sd_jwt: sdjwt::issue(input, &self.keys.licence),
            display_name: record.name.clone(),
            revoked_at: None,
            status_ref: Some(status_ref),
        }
    }

    /// Whether the credential is in the company's wallet (its own, or an invoice it received).
    pub fn holds(&self, uscc: &Uscc, id: &str) -> bool {
        matches!(
            self.store.get_raw(Tree::Wallets, &wallet_key(uscc, id)),
            Ok(Some(_))
        )
    }

    /// Every credential in a company's wallet, oldest first.
    pub fn credentials(&self, uscc: &Uscc) -> Result<Vec<StoredCredential>, WalletError> {
        let mut out = Vec::new();
        for key in self
            .store
            .keys_with_prefix(Tree::Wallets, &format!("{uscc}/"))?
        {
            let id = key.rsplit('/').next().unwrap_or_default();
            if let Some(c) = self.credential(id)? {
                out.push(c);
            }
        }
        out.sort_by_key(|c| c.issued_at);
        Ok(out)
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
