//! Revocation: a credential's status and its status-list bit change in the same batch.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::{CredentialStatus, StoredCredential, Wallet, WalletError};
use crate::status::bits::StatusBits;
use crate::store::Batch;

/// Revocations gathered for one batch. Call under the wallet's lock ([`Wallet::lock`]): the lists are read,
/// changed and written back.
pub struct Revocations<'a> {
    wallet: &'a Wallet,
    at: DateTime<Utc>,
    lists: HashMap<u32, StatusBits>,
    pub revoked: Vec<String>,
}

impl<'a> Revocations<'a> {
    pub fn new(wallet: &'a Wallet, at: DateTime<Utc>) -> Self {
        Revocations {
            wallet,
            at,
            lists: HashMap::new(),
            revoked: vec![],
        }
    }

    /// When these revocations take effect.
    pub fn at(&self) -> DateTime<Utc> {
        self.at
    }

    /// Adds the revocation of `cred` (if still valid) to `batch`.
    pub fn revoke(
        &mut self,
        batch: &mut Batch,
        mut cred: StoredCredential,
    ) -> Result<(), WalletError> {
        if cred.status == CredentialStatus::Revoked {
            return Ok(());
        }
        cred.status = CredentialStatus::Revoked;
        cred.revoked_at = Some(self.at);
        if let Some(r) = cred.status_ref {
            let bits = match self.lists.entry(r.list) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(self.wallet.status_bits(r.list)?)
                }
            };
            bits.set(r.idx as usize, true)
                .map_err(|e| WalletError::CorruptRecord(format!("status list {}: {e}", r.list)))?;
        }
        self.wallet.put_credential(batch, &cred, false)?;
        self.wallet.log(
            batch,
            self.at,
            cred.uscc.as_str(),
            crate::events::What::Revoked {
                credential_type: cred.kind,
                credential_id: cred.id.clone(),
            },
        );
        self.revoked.push(cred.id);
        Ok(())
    }

    /// Writes the changed lists into `batch`.
    pub fn finish(self, batch: &mut Batch) -> Vec<String> {
        for (list, bits) in self.lists {
            super::status_entries::put_bits(batch, list, &bits);
        }
        self.revoked
    }
}
