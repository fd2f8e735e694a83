//! Invoicing rights (开票资格): the electronic counterpart of the tax UKey, an SD-JWT VC of
//! type `invoicing_rights` signed by the region's tax key. A seller invoices only while it
//! holds a valid one.

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

use crate::credential::rights::RightsClaims;
use crate::credential::{CredentialType, new_id};
use crate::domain::{RegionCode, Uscc};
use crate::events::{Channel, What};
use crate::status::StatusRef;
use crate::store::{Batch, Tree};
use crate::wallet::{
    CredentialStatus, Issue, StoredCompany, StoredCredential, Wallet, WalletError,
};

/// Invoicing rights are reviewed (and reissued) every three years.
const RIGHTS_YEARS: i64 = 3;

fn rights_key(uscc: &Uscc) -> String {
    format!("rights/{uscc}")
}

/// The tax bureau of a region: 国家税务总局广州市税务局.
pub fn tax_authority_name(region: &RegionCode) -> String {
    format!("国家税务总局{}税务局", region.name())
}

/// The company's invoicing-rights credential, if it holds a valid, unexpired one.
pub fn current(wallet: &Wallet, uscc: &Uscc) -> Result<Option<StoredCredential>, WalletError> {
    let Some(id) = wallet
        .store()
        .get::<String>(Tree::Index, &rights_key(uscc))?
    else {
        return Ok(None);
    };
    Ok(wallet
        .credential(&id)?
        .filter(|c| c.status == CredentialStatus::Valid && c.expires_at > wallet.clock.now()))
}

/// Grants invoicing rights to a registered, active company (`POST /v1/tax/invoicing-rights`).
pub async fn grant(wallet: &Wallet, uscc: &Uscc) -> Result<StoredCredential, WalletError> {
    let _guard = wallet.lock().await;
    let company = wallet.active_company(uscc, "uscc")?;
    if let Some(c) = current(wallet, uscc)? {
        return Err(WalletError::Conflict(format!(
            "company {uscc} already holds invoicing rights (credential {}, valid until {})",
            c.id,
            c.expires_at.to_rfc3339()
        )));
    }
    let status = wallet.status_claim().await?;
    let mut batch = Batch::default();
    let now = wallet.clock.now();
    let cred = prepare(wallet, &company, now, status, &mut batch)?;
    wallet.log_issued(&mut batch, &cred, "invoicing_rights", now);
    // A stepwise start-up is delivered with its first invoicing rights, the last step.
    let held = wallet.credentials(uscc)?;
    let first = !held
        .iter()
        .any(|c| c.kind == CredentialType::InvoicingRights);
    if first && company.channel == Some(Channel::Stepwise) {
        let seals = held
            .iter()
            .filter(|c| c.kind == CredentialType::ESeal)
            .count();
        wallet.log(
            &mut batch,
            now,
            uscc.as_str(),
            What::StartupDelivered {
                channel: Channel::Stepwise,
                received_at: company.registered_at,
                // Each e-seal's police filing and issuance, and this grant.
                human_steps: u32::try_from(2 * seals + 1).unwrap_or(u32::MAX),
            },
        );
    }
    wallet.store().apply(batch).await?;
    Ok(cred)
}

/// The signed invoicing-rights credential for `company`, added to `batch` (not written).
pub fn prepare(
    wallet: &Wallet,
    company: &StoredCompany,
    now: DateTime<Utc>,
    status: (StatusRef, Value),
    batch: &mut Batch,
) -> Result<StoredCredential, WalletError> {
    wallet.faults().check("invoicing_rights.sign")?;
    let uscc = &company.record.uscc;
    let id = new_id();
    let cred = wallet.issue(
        Issue {
            id: id.clone(),
            subject: uscc,
            name: &company.record.name,
            issued_at: now,
            expires_at: now + Duration::days(365 * RIGHTS_YEARS),
            status,
            holder_jwk: None,
        },
        &RightsClaims {
            tax_authority: tax_authority_name(&wallet.keys.region),
            invoice_kinds: vec![
                "数电票（普通发票）".into(),
                "数电票（增值税专用发票）".into(),
            ],
        },
    )?;
    wallet.put_credential(batch, &cred, true)?;
    wallet.put_in_wallet(batch, uscc, &id);
    batch.put(Tree::Index, &rights_key(uscc), &id);
    Ok(cred)
}
