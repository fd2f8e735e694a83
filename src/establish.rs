//! The one-step start-up bundle (电子大礼包): one standard form, and the licence, an e-seal
//! for every seal filed with the police and the invoicing rights come back together — all
//! of them, or none.
//!
//! How all-or-nothing is kept: the whole form is checked first; then every record and
//! credential is built and signed (registration, each police filing checked by the clerk's
//! rules against the record being registered, each e-seal, the invoicing rights, the
//! establishment record with its times) into ONE [`Batch`], which is applied once — one sled
//! transaction over every tree, flushed before it returns. Until that write nothing is
//! stored; if it fails, nothing is. The only state drawn before the write are status-list
//! entries (one reservation, one flush): a failed bundle leaves them unused, never reused.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::credential::CredentialType;
use crate::domain::{CompanyRecord, CompanyRequest, Uscc};
use crate::events::{Channel, What};
use crate::invoice::rights;
use crate::seal::eseal::{self, ESeal};
use crate::seal::filing::{self, Filing, FilingError};
use crate::seal::filings;
use crate::seal::template::SealTemplate;
use crate::store::{Batch, Tree};
use crate::wallet::{StoredCredential, Wallet, WalletError, registration_conflict};

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EstablishmentRequest {
    /// The body of `POST /v1/companies`.
    pub company: CompanyRequest,
    #[serde(default)]
    pub seals: Vec<BundleSeal>,
    #[serde(default)]
    pub invoicing: bool,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BundleSeal {
    pub seal_type: String,
    pub template: SealTemplate,
    #[serde(default)]
    pub engraver: Option<String>,
}

/// One credential of a bundle and when it was issued (signed).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IssuedCredential {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: CredentialType,
    pub issued_at: DateTime<Utc>,
}

/// The durable record of a start-up (tree `Establishments`, by USCC): every time measured.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Establishment {
    pub uscc: Uscc,
    pub region: crate::domain::RegionCode,
    /// When the application arrived.
    pub received_at: DateTime<Utc>,
    pub credentials: Vec<IssuedCredential>,
    pub filing_ids: Vec<String>,
    /// When the bundle was complete and handed to the store.
    pub completed_at: DateTime<Utc>,
}

pub struct Established {
    pub record: Establishment,
    pub wallet_token: String,
    pub credentials: Vec<StoredCredential>,
    pub filings: Vec<Filing>,
    pub seals: Vec<ESeal>,
    pub warnings: Vec<String>,
}

/// Seal-filing refusals inside a bundle name the seal: `seals[1].template.arc_text`.
fn seal_error(i: usize, e: FilingError) -> WalletError {
    match e {
        FilingError::Rule { field, reason } => {
            WalletError::invalid(&format!("seals[{i}].{field}"), reason)
        }
        FilingError::Wallet(w) => w,
    }
}

/// Issues the bundle. `received_at` is when the application arrived (for the metrics).
pub async fn establish(
    wallet: &Wallet,
    req: EstablishmentRequest,
    received_at: DateTime<Utc>,
) -> Result<Established, WalletError> {
    // 1. The whole form, checked before any work.
    let record =
        CompanyRecord::parse(&req.company, wallet.clock.now().date_naive()).map_err(|e| {
            let e = e.within("company");
            WalletError::invalid(&e.field, e.reason)
        })?;
    let warnings: Vec<String> = record
        .uscc
        .organisation_code_warning()
        .into_iter()
        .collect();
    if req.seals.len() > crate::seal::SealType::ALL.len() {
        return Err(WalletError::invalid(
            "seals",
            "at most one seal of each of the five types",
        ));
    }
    let mut seals: Vec<(crate::seal::SealType, BundleSeal)> = Vec::with_capacity(req.seals.len());
    for (i, s) in req.seals.into_iter().enumerate() {
        let t = filing::parse_seal_type(&s.seal_type).map_err(|e| seal_error(i, e))?;
        filing::check_engraver(s.engraver.as_deref()).map_err(|e| seal_error(i, e))?;
        for (j, (other, o)) in seals.iter().enumerate() {
            if *other == t {
                return Err(WalletError::invalid(
                    &format!("seals[{i}].seal_type"),
                    format!("seals[{j}] is already a {}: one of each type", t.name_zh()),
                ));
            }
            if o.template.seal_code == s.template.seal_code {
                return Err(WalletError::invalid(
                    &format!("seals[{i}].template.seal_code"),
                    format!(
                        "seals[{j}] has the same seal code {}; every physical seal has its own code",
                        s.template.seal_code
                    ),
                ));
            }
        }
        seals.push((t, s));
    }
    if wallet.company(&record.uscc)?.is_some() {
        return Err(WalletError::Conflict(format!(
            "company {} is already registered",
            record.uscc
        )));
    }

    let uscc = record.uscc.clone();
    let mut done = issue(wallet, record, seals, req.invoicing, received_at)
        .await
        .map_err(|e| match e {
            // Another application for the same company won the race, whichever step of this
            // one noticed it first (a seal code now on record, the company key): a conflict.
            WalletError::Conflict(_) => e,
            _ if matches!(wallet.company(&uscc), Ok(Some(_))) => {
                WalletError::Conflict(format!("company {uscc} is already registered"))
            }
            e => e,
        })?;
    done.warnings = warnings;
    Ok(done)
}

/// Steps 2-4: status entries, everything built into one batch, one write.
async fn issue(
    wallet: &Wallet,
    record: CompanyRecord,
    seals: Vec<(crate::seal::SealType, BundleSeal)>,
    invoicing: bool,
    received_at: DateTime<Utc>,
) -> Result<Established, WalletError> {
    // 2. Status entries for every credential, drawn at once.
    let n = 1 + seals.len() + usize::from(invoicing);
    let statuses = wallet.status_claims(n).await?;

    // 3. Everything built and signed into one batch (CPU-bound: off the async workers).
    let w = wallet.clone();
    let built = tokio::task::spawn_blocking(move || {
        build(&w, record, seals, invoicing, statuses, received_at)
    })
    .await
    .map_err(|e| WalletError::BundleBuilder(e.to_string()))?;
    let (batch, done) = built?;

    // 4. One write: all of it, or nothing.
    let uscc = done.record.uscc.clone();
    let codes: Vec<String> = done
        .filings
        .iter()
        .map(|f| f.template.seal_code.clone())
        .collect();
    wallet.store().apply(batch).await.map_err(|e| {
        if let Some(code) = filings::conflicting_code(&e) {
            let i = codes.iter().position(|c| c == code).unwrap_or(0);
            return WalletError::invalid(
                &format!("seals[{i}].template.seal_code"),
                format!("seal code {code} is already on record"),
            );
        }
        registration_conflict(e, &uscc)
    })?;
    Ok(done)
}

type Prepared = (Batch, Established);

fn build(
    wallet: &Wallet,
    record: CompanyRecord,
    seals: Vec<(crate::seal::SealType, BundleSeal)>,
    invoicing: bool,
    statuses: Vec<(crate::status::StatusRef, serde_json::Value)>,
    received_at: DateTime<Utc>,
) -> Result<Prepared, WalletError> {
    let mut statuses = statuses.into_iter();
    let mut next_status = || {
        statuses
            .next()
            .ok_or_else(|| WalletError::StatusEntriesRanOut)
    };
    let mut batch = Batch::default();
    let (company, registered) = wallet.prepare_registration(
        record,
        wallet.clock.now(),
        next_status()?,
        Channel::Bundle,
        &mut batch,
    )?;
    let mut credentials = registered.credentials;
    let (mut filings, mut issued_seals) = (Vec::new(), Vec::new());
    for (i, (seal_type, s)) in seals.into_iter().enumerate() {
        let f = filing::prepare(
            wallet,
            &company,
            seal_type,
            s.template,
            s.engraver,
            wallet.clock.now(),
            &mut batch,
        )
        .map_err(|e| seal_error(i, e))?;
        let (seal, cred) = eseal::prepare(
            wallet,
            &company,
            &f,
            wallet.clock.now(),
            next_status()?,
            &mut batch,
        )?;
        filings.push(f);
        issued_seals.push(seal);
        credentials.push(cred);
    }
    if invoicing {
        credentials.push(rights::prepare(
            wallet,
            &company,
            wallet.clock.now(),
            next_status()?,
            &mut batch,
        )?);
    }
    let uscc = company.record.uscc.clone();
    let record = Establishment {
        uscc: uscc.clone(),
        region: company.region,
        received_at,
        credentials: credentials
            .iter()
            .map(|c| IssuedCredential {
                id: c.id.clone(),
                kind: c.kind,
                issued_at: c.issued_at,
            })
            .collect(),
        filing_ids: filings.iter().map(|f| f.id.clone()).collect(),
        completed_at: wallet.clock.now(),
    };
    batch.put_new(Tree::Establishments, uscc.as_str(), &record);
    wallet.log(
        &mut batch,
        company.registered_at,
        uscc.as_str(),
        What::CompanyRegistered {
            channel: Channel::Bundle,
            received_at,
        },
    );
    for c in &credentials {
        wallet.log_issued(&mut batch, c, "establishment", received_at);
    }
    wallet.log(
        &mut batch,
        record.completed_at,
        uscc.as_str(),
        What::StartupDelivered {
            channel: Channel::Bundle,
            received_at,
            human_steps: 0,
        },
    );
    if wallet.faults().hit("bundle.write") {
        // The same new key twice, last in the batch: the transaction aborts after staging
        // every other write of the bundle, as a write failing half-way would.
        tracing::warn!("injected fault at bundle.write");
        batch
            .put_new(Tree::Meta, "fault/bundle.write", &())
            .put_new(Tree::Meta, "fault/bundle.write", &());
    }
    Ok((
        batch,
        Established {
            record,
            wallet_token: registered.wallet_token,
            credentials,
            filings,
            seals: issued_seals,
            warnings: vec![],
        },
    ))
}

/// The record of a company's start-up, if it came through a bundle.
pub fn get(wallet: &Wallet, uscc: &Uscc) -> Result<Option<Establishment>, WalletError> {
    Ok(wallet.store().get(Tree::Establishments, uscc.as_str())?)
}
