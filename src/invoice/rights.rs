//! Invoicing rights (开票资格): the electronic counterpart of the tax UKey, an SD-JWT VC of
//! type `invoicing_rights` signed by the region's tax key. A seller invoices only while it
//! holds a valid one.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use crate::credential::sdjwt::{self, SdJwtInput};
use crate::credential::{CredentialType, new_id};
use crate::domain::{RegionCode, Uscc};
use crate::pki::issuer_uri;
use crate::status::StatusRef;
use crate::store::{Batch, Tree};
use crate::wallet::{
    CredentialStatus, StoredCompany, StoredCredential, Wallet, WalletError, wallet_key,
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
    let Some(id) = wallet.store.get::<String>(Tree::Index, &rights_key(uscc))? else {
        return Ok(None);
    };
    Ok(wallet
        .credential(&id)?
        .filter(|c| c.status == CredentialStatus::Valid && c.expires_at > wallet.clock.now()))
}

/// Grants invoicing rights to a registered, active company (`POST /v1/tax/invoicing-rights`).
pub async fn grant(wallet: &Wallet, uscc: &Uscc) -> Result<StoredCredential, WalletError> {
    let _guard = wallet.write_lock.lock().await;
    let company = match wallet.company(uscc)? {
        None => {
            return Err(WalletError::invalid(
                "uscc",
                format!("no company {uscc} is registered here"),
            ));
        }
        Some(c) => c,
    };
    if company.status != crate::wallet::CompanyStatus::Active {
        return Err(WalletError::invalid(
            "uscc",
            format!("company {uscc} is deregistered"),
        ));
    }
    if let Some(c) = current(wallet, uscc)? {
        return Err(WalletError::Conflict(format!(
            "company {uscc} already holds invoicing rights (credential {}, valid until {})",
            c.id,
            c.expires_at.to_rfc3339()
        )));
    }
    let status = wallet.status_claim().await?;
    let mut batch = Batch::default();
    let cred = prepare(wallet, &company, wallet.clock.now(), status, &mut batch)?;
    wallet.store.apply(batch).await?;
    Ok(cred)
}

/// The signed invoicing-rights credential for `company`, added to `batch` (not written).
pub fn prepare(
    wallet: &Wallet,
    company: &StoredCompany,
    now: DateTime<Utc>,
    (status_ref, status): (StatusRef, Value),
    batch: &mut Batch,
) -> Result<StoredCredential, WalletError> {
    wallet.faults.check("invoicing_rights.sign")?;
    let uscc = &company.record.uscc;
    let region = wallet.keys.region;
    let id = new_id();
    let expires_at = now + Duration::days(365 * RIGHTS_YEARS);
    let t = CredentialType::InvoicingRights;
    let claims = json!({
        "iss": issuer_uri(&region),
        "vct": t.vct(),
        "jti": id,
        "iat": now.timestamp(),
        "nbf": now.timestamp(),
        "exp": expires_at.timestamp(),
        "sub": uscc,
        "credential_type": t.as_str(),
        "uscc": uscc,
        "name": company.record.name,
        "region": region,
        "tax_authority": tax_authority_name(&region),
        "invoice_kinds": ["数电票（普通发票）", "数电票（增值税专用发票）"],
        "status": status,
    });
    let cred = StoredCredential {
        id: id.clone(),
        uscc: uscc.clone(),
        kind: t,
        status: CredentialStatus::Valid,
        issued_at: now,
        expires_at,
        sd_jwt: sdjwt::issue(
            SdJwtInput {
                claims: claims.as_object().cloned().unwrap_or_default(),
                disclosable: vec![],
            },
            &wallet.keys.tax,
        ),
        display_name: company.record.name.clone(),
        revoked_at: None,
        status_ref: Some(status_ref),
    };
    wallet.put_credential(batch, &cred, true)?;
    batch
        .put(Tree::Wallets, &wallet_key(uscc, &id), &())
        .put(Tree::Index, &rights_key(uscc), &id);
    Ok(cred)
}
