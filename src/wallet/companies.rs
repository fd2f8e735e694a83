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

    pub(super) fn ensure_unregistered(&self, uscc: &Uscc) -> Result<(), WalletError> {
        if self.company(uscc)?.is_some() {
            return Err(WalletError::Conflict(format!(
                "company {uscc} is already registered"
            )));
        }
        Ok(())
    }
}
