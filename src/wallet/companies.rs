//! Company records (tree `Companies`, by USCC), the legal representative's ID number sealed
//! at rest; and the one check that a company is registered here and active.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::sealed::{from_value, open_at, seal_at, to_value};
use super::{Wallet, WalletError};
use crate::domain::{CompanyRecord, RegionCode, Uscc};
use crate::store::{Batch, StoreError, Tree};

const ID_NUMBER: &str = "/record/legal_representative/id_number";

fn company_context(uscc: &Uscc) -> String {
    format!("company/{uscc}/legal_representative.id_number")
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
    /// How it was set up (records from before the event log: unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<crate::events::Channel>,
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
    /// Adds the company record to `batch`, its ID number sealed; `new`: fails the batch if
    /// the company exists.
    pub fn put_company(
        &self,
        batch: &mut Batch,
        company: &StoredCompany,
        new: bool,
    ) -> Result<(), WalletError> {
        let uscc = &company.record.uscc;
        let mut v = to_value(company)?;
        seal_at(&self.master, &mut v, ID_NUMBER, &company_context(uscc))?;
        if new {
            batch.put_new(Tree::Companies, uscc.as_str(), &v);
        } else {
            batch.put(Tree::Companies, uscc.as_str(), &v);
        }
        Ok(())
    }

    pub fn company(&self, uscc: &Uscc) -> Result<Option<StoredCompany>, WalletError> {
        let Some(mut v) = self.store.get::<Value>(Tree::Companies, uscc.as_str())? else {
            return Ok(None);
        };
        open_at(&self.master, &mut v, ID_NUMBER, &company_context(uscc))?;
        from_value(v, uscc.as_str()).map(Some)
    }

    /// The company, or NotFound naming `uscc`.
    pub fn registered_company(&self, uscc: &Uscc) -> Result<StoredCompany, WalletError> {
        self.company(uscc)?
            .ok_or_else(|| WalletError::NotFound(format!("no company {uscc} is registered here")))
    }

    /// The one check that a company may act (be changed, file seals, be granted invoicing
    /// rights, invoice, present, seal): registered here and active. Either refusal is the
    /// same answer, [`WalletError::Invalid`] naming `field` (the request field that carries
    /// the USCC), which the HTTP edge answers with 422.
    pub fn active_company(&self, uscc: &Uscc, field: &str) -> Result<StoredCompany, WalletError> {
        match self.company(uscc)? {
            None => Err(WalletError::invalid(
                field,
                format!("company {uscc} is not registered here"),
            )),
            Some(c) if c.status != CompanyStatus::Active => Err(WalletError::invalid(
                field,
                format!("company {uscc} is deregistered; its wallet is read-only"),
            )),
            Some(c) => Ok(c),
        }
    }

    pub(super) fn ensure_unregistered(&self, uscc: &Uscc) -> Result<(), WalletError> {
        if self.company(uscc)?.is_some() {
            return Err(WalletError::Conflict(format!(
                "company {uscc} is already registered"
            )));
        }
        Ok(())
    }
}
