//! Personal data encrypted at rest under the master key (AES-256-GCM, as the private keys):
//! the legal representative's ID number in company records and change events, and the
//! SD-JWT of every stored credential (a licence's disclosures carry the ID number in
//! base64url). A sealed field is stored as `{"sealed": "<base64url nonce‖ciphertext‖tag>"}`,
//! bound by its associated data to its place (record key and field), so it cannot be
//! moved to another record. A plain string there (written before this) is still read.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use chrono::{DateTime, Utc};

use super::{CredentialStatus, StoredCompany, StoredCredential, Wallet, WalletError};
use crate::domain::Uscc;
use crate::keystore::MasterKey;
use crate::store::{Batch, Tree};

const ID_NUMBER: &str = "/record/legal_representative/id_number";
const SD_JWT: &str = "/sd_jwt";

fn to_value<T: Serialize>(v: &T) -> Result<Value, WalletError> {
    serde_json::to_value(v).map_err(|e| WalletError::Serialisation(e.to_string()))
}

/// Replaces the string at `pointer` (if any) by its sealed form.
pub fn seal_at(
    master: &MasterKey,
    v: &mut Value,
    pointer: &str,
    context: &str,
) -> Result<(), WalletError> {
    if let Some(slot) = v.pointer_mut(pointer)
        && let Some(plain) = slot.as_str()
    {
        let sealed = master.seal(plain.as_bytes(), context)?;
        *slot = json!({ "sealed": crate::b64::encode_url(&sealed) });
    }
    Ok(())
}

/// Replaces the sealed form at `pointer` (if any) by the string it holds.
pub fn open_at(
    master: &MasterKey,
    v: &mut Value,
    pointer: &str,
    context: &str,
) -> Result<(), WalletError> {
    let Some(slot) = v.pointer_mut(pointer) else {
        return Ok(());
    };
    let Some(sealed) = slot.get("sealed").and_then(Value::as_str) else {
        return Ok(());
    };
    let bad = |why: String| WalletError::Decrypt(format!("{context}: {why}"));
    let bytes = crate::b64::decode_url(sealed).ok_or_else(|| bad("not base64url".into()))?;
    let plain = master
        .open(&bytes, context)
        .map_err(|e| bad(e.to_string()))?;
    *slot = Value::String(String::from_utf8(plain).map_err(|e| bad(e.to_string()))?);
    Ok(())
}

fn company_context(uscc: &Uscc) -> String {
    format!("company/{uscc}/legal_representative.id_number")
}

fn credential_context(id: &str) -> String {
    format!("credential/{id}/sd_jwt")
}

fn from_value<T: DeserializeOwned>(v: Value, key: &str) -> Result<T, WalletError> {
    serde_json::from_value(v).map_err(|e| WalletError::CorruptRecord(format!("{key}: {e}")))
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

    /// Adds the credential to `batch`, its SD-JWT sealed; `new`: fails the batch if the id
    /// exists.
    pub fn put_credential(
        &self,
        batch: &mut Batch,
        cred: &StoredCredential,
        new: bool,
    ) -> Result<(), WalletError> {
        let mut v = to_value(cred)?;
        seal_at(&self.master, &mut v, SD_JWT, &credential_context(&cred.id))?;
        if new {
            batch.put_new(Tree::Credentials, &cred.id, &v);
        } else {
            batch.put(Tree::Credentials, &cred.id, &v);
        }
        Ok(())
    }

    pub fn credential(&self, id: &str) -> Result<Option<StoredCredential>, WalletError> {
        let Some(mut v) = self.store.get::<Value>(Tree::Credentials, id)? else {
            return Ok(None);
        };
        open_at(&self.master, &mut v, SD_JWT, &credential_context(id))?;
        from_value(v, id).map(Some)
    }

    /// A credential's status and when it was revoked, read without opening its sealed
    /// SD-JWT or building the whole record: what every online verification asks.
    pub fn credential_status(&self, id: &str) -> Result<Option<StatusFields>, WalletError> {
        Ok(self.store.get::<StatusFields>(Tree::Credentials, id)?)
    }
}

/// The status fields of a stored credential record.
#[derive(Debug, serde::Deserialize)]
pub struct StatusFields {
    pub status: CredentialStatus,
    #[serde(default)]
    pub revoked_at: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_in_place_bound_to_its_context() {
        let k = MasterKey::from_bytes(&[3u8; 32]).unwrap();
        let mut v = json!({"a": {"b": "11010519491231002X"}});
        seal_at(&k, &mut v, "/a/b", "x").unwrap();
        assert!(!v.to_string().contains("1101051949"));
        let mut moved = v.clone();
        assert!(open_at(&k, &mut moved, "/a/b", "y").is_err());
        open_at(&k, &mut v, "/a/b", "x").unwrap();
        assert_eq!(v, json!({"a": {"b": "11010519491231002X"}}));
        // A plain value (written before sealing) is read as it is.
        open_at(&k, &mut v, "/a/b", "x").unwrap();
        assert_eq!(v["a"]["b"], "11010519491231002X");
    }
}
