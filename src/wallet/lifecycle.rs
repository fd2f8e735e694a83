//! Change (变更) and deregistration (注销) of a registered company.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{CompanyStatus, Revocations, StoredCompany, StoredCredential, Wallet, WalletError};
use crate::credential::CredentialType;
use crate::domain::{CompanyRecord, CompanyRequest, LegalRepresentativeRequest, Uscc};
use crate::events::What;
use crate::store::{Batch, Tree};

/// The registration fields that change; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeRequest {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub legal_representative: Option<LegalRepresentativeRequest>,
    #[serde(default)]
    pub registered_capital_fen: Option<i64>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub business_scope: Option<String>,
}

pub struct Changed {
    pub licence: StoredCredential,
    pub version: u32,
    pub revoked: Vec<String>,
}

#[derive(Serialize)]
struct ChangeEvent<'a> {
    at: DateTime<Utc>,
    version: u32,
    changes: &'a ChangeRequest,
}

impl Wallet {
    /// Records a change: a new licence version; the previous licence is revoked. E-seals stay
    /// valid until new seals are issued from new filings (as on paper).
    pub async fn change(&self, uscc: &Uscc, req: ChangeRequest) -> Result<Changed, WalletError> {
        let _guard = self.write_lock.lock().await;
        let mut company = self.active_company(uscc, "uscc")?;
        let old = &company.record;
        let merged = CompanyRequest {
            uscc: old.uscc.to_string(),
            name: req.name.clone().unwrap_or_else(|| old.name.clone()),
            legal_representative: req.legal_representative.clone().unwrap_or_else(|| {
                LegalRepresentativeRequest {
                    name: old.legal_representative.name.clone(),
                    id_number: old.legal_representative.id_number.to_string(),
                }
            }),
            registered_capital_fen: req
                .registered_capital_fen
                .unwrap_or(old.registered_capital_fen),
            address: req.address.clone().unwrap_or_else(|| old.address.clone()),
            business_scope: req
                .business_scope
                .clone()
                .unwrap_or_else(|| old.business_scope.clone()),
            established_on: old.established_on.to_string(),
        };
        let record = CompanyRecord::parse(&merged, self.clock.now().date_naive())?;
        if &record == old {
            return Err(WalletError::invalid(
                "body",
                "nothing changes: give at least one field with a new value",
            ));
        }
        let now = self.clock.now();
        let version = company.licence_version.max(1) + 1;
        let status = self.status_claim().await?;
        let licence = self.issue_licence(&record, now, self.holder_jwk(uscc)?, status, version)?;
        let mut batch = Batch::default();
        let mut revs = Revocations::new(self, now);
        for c in self
            .credentials(uscc)?
            .into_iter()
            .filter(|c| c.kind == CredentialType::BusinessLicense)
        {
            revs.revoke(&mut batch, c)?;
        }
        let revoked = revs.finish(&mut batch);
        company.record = record;
        company.licence_version = version;
        self.put_company(&mut batch, &company, false)?;
        self.put_credential(&mut batch, &licence, true)?;
        let event_key = format!("change/{uscc}/{}", now.format("%Y%m%dT%H%M%S%.6fZ"));
        let mut event = serde_json::to_value(ChangeEvent {
            at: now,
            version,
            changes: &req,
        })
        .map_err(|e| WalletError::Serialisation(e.to_string()))?;
        super::sealed::seal_at(
            &self.master,
            &mut event,
            "/changes/legal_representative/id_number",
            &format!("event/{event_key}/id_number"),
        )?;
        self.put_in_wallet(&mut batch, uscc, &licence.id);
        batch.put(Tree::Events, &event_key, &event);
        self.log(&mut batch, now, uscc.as_str(), What::Changed { version });
        self.log_issued(&mut batch, &licence, "changes", now);
        self.store.apply(batch).await?;
        Ok(Changed {
            licence,
            version,
            revoked,
        })
    }

    /// The company, if it can be deregistered: registered here and not yet deregistered.
    pub fn deregistrable(&self, uscc: &Uscc) -> Result<StoredCompany, WalletError> {
        let company = self.registered_company(uscc)?;
        if company.status == CompanyStatus::Deregistered {
            return Err(WalletError::Conflict(format!(
                "company {uscc} is already deregistered"
            )));
        }
        Ok(company)
    }

    /// Deregistration (注销), the wallet's part, added to `batch`: every licence,
    /// invoicing-rights and e-seal credential is revoked (except `handled`, revoked by the
    /// layer above with their e-seals) and the company marked deregistered, its wallet
    /// read-only. Invoices already issued stay as they are. Call under the write lock.
    pub fn deregister_into(
        &self,
        batch: &mut Batch,
        revs: &mut Revocations,
        mut company: StoredCompany,
        handled: &[String],
    ) -> Result<(), WalletError> {
        let uscc = company.record.uscc.clone();
        for c in self.credentials(&uscc)?.into_iter().filter(|c| {
            matches!(
                c.kind,
                CredentialType::BusinessLicense
                    | CredentialType::InvoicingRights
                    | CredentialType::ESeal
            ) && !handled.contains(&c.id)
        }) {
            revs.revoke(batch, c)?;
        }
        company.status = CompanyStatus::Deregistered;
        company.deregistered_at = Some(revs.at());
        self.log(batch, revs.at(), uscc.as_str(), What::Deregistered);
        self.put_company(batch, &company, false)
    }
}
