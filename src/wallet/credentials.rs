//! Credentials (tree `Credentials`, by id, the SD-JWT sealed at rest) and which wallet
//! holds which (tree `Wallets`, `<uscc>/<credential id>`).
//!
//! The issuer JWT's header (`typ`, `alg`, `kid` and the `x5c` certificate chain: some 3 KB,
//! the same in every credential one key signs) is kept once, in `Meta` under
//! `jws-header/<its SHA-256>`, and the stored SD-JWT names it: `hdr:<sha256>.<payload>...`.
//! Records written before that hold the whole SD-JWT and are read as they are.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::sealed::{from_value, open_at, seal_at, to_value};
use super::{Wallet, WalletError};
use crate::credential::CredentialType;
use crate::domain::{Sha256Hex, Uscc};
use crate::status::StatusRef;
use crate::store::{Batch, Tree};

const SD_JWT: &str = "/sd_jwt";

/// How a stored SD-JWT names its shared header (never the start of a base64url JWS).
const HEADER_REF: &str = "hdr:";

fn header_key(digest: &Sha256Hex) -> String {
    format!("jws-header/{digest}")
}

fn credential_context(id: &str) -> String {
    format!("credential/{id}/sd_jwt")
}

/// The key of a credential in a company's wallet.
fn wallet_key(uscc: &Uscc, id: &str) -> String {
    format!("{uscc}/{id}")
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

/// Beside the sealed SD-JWT in a record: SHA-256 of its issuer-signed JWT, so the node can
/// tell its own credential from a forgery reusing its id without opening the record.
const JWT_SHA256: &str = "jwt_sha256";

/// The status fields of a stored credential record; also kept on their own in
/// `Tree::CredentialStatus` (records written before that are read whole).
#[derive(Debug, Serialize, Deserialize)]
pub struct StatusFields {
    pub status: CredentialStatus,
    #[serde(default)]
    pub revoked_at: Option<DateTime<Utc>>,
    /// Absent in records written before it was kept.
    #[serde(default)]
    pub jwt_sha256: Option<Sha256Hex>,
    /// The signature (base64url, as in the token) of the issuer-signed JWT. Kept in the
    /// status records only; records without it are recognised by `jwt_sha256`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwt_signature: Option<String>,
}

/// The signature part of a compact JWS (after its last '.').
fn signature_part(jwt: &str) -> &str {
    jwt.rsplit('.').next().unwrap_or_default()
}

impl Wallet {
    /// Adds the credential to `batch`, its SD-JWT sealed; `new`: fails the batch if the id
    /// exists.
    pub fn put_credential(
        &self,
        batch: &mut Batch,
        cred: &StoredCredential,
        new: bool,
    ) -> Result<(), WalletError> {
        let mut v = to_value(cred)?;
        if let Some(header) = cred.sd_jwt.trim().split('.').next()
            && !header.contains('~')
        {
            let hdr = Sha256Hex::of(header.as_bytes());
            let key = header_key(&hdr);
            if self.store.get_raw(Tree::Meta, &key)?.is_none() {
                batch.put_raw(Tree::Meta, &key, header.as_bytes().to_vec());
            }
            let rest = &cred.sd_jwt.trim()[header.len()..];
            v["sd_jwt"] = Value::from(format!("{HEADER_REF}{hdr}{rest}"));
        }
        let digest = crate::credential::issuer_jwt_sha256(&cred.sd_jwt);
        if let Value::Object(m) = &mut v {
            m.insert(JWT_SHA256.into(), Value::from(digest.as_str()));
        }
        seal_at(&self.master, &mut v, SD_JWT, &credential_context(&cred.id))?;
        if new {
            batch.put_new(Tree::Credentials, &cred.id, &v);
        } else {
            batch.put(Tree::Credentials, &cred.id, &v);
        }
        let issuer_jwt = cred.sd_jwt.trim().split('~').next().unwrap_or_default();
        let status = StatusFields {
            status: cred.status,
            revoked_at: cred.revoked_at,
            jwt_sha256: Some(digest),
            jwt_signature: Some(signature_part(issuer_jwt).to_string()),
        };
        batch.put(Tree::CredentialStatus, &cred.id, &status);
        Ok(())
    }

    pub fn credential(&self, id: &str) -> Result<Option<StoredCredential>, WalletError> {
        let Some(mut v) = self.store.get::<Value>(Tree::Credentials, id)? else {
            return Ok(None);
        };
        open_at(&self.master, &mut v, SD_JWT, &credential_context(id))?;
        let mut cred: StoredCredential = from_value(v, id)?;
        if let Some(named) = cred.sd_jwt.strip_prefix(HEADER_REF) {
            let (hdr, rest) = named.split_at(named.find('.').unwrap_or(named.len()));
            let header = Sha256Hex::parse(hdr)
                .ok()
                .and_then(|d| self.store.get_raw(Tree::Meta, &header_key(&d)).transpose())
                .transpose()?
                .and_then(|h| String::from_utf8(h).ok())
                .ok_or_else(|| {
                    WalletError::CorruptRecord(format!(
                        "credential {id}: its JWS header {hdr} is not on record"
                    ))
                })?;
            cred.sd_jwt = format!("{header}{rest}");
        }
        Ok(Some(cred))
    }

    /// A credential's status and when it was revoked, read without opening its sealed
    /// SD-JWT or building the whole record: what every online verification asks.
    /// Shared: the status records are kept decoded in memory after their first read, and
    /// every write of one through the store forgets it (`store::cache`).
    pub fn credential_status(&self, id: &str) -> Result<Option<Arc<StatusFields>>, WalletError> {
        if let Some(fields) = self
            .store
            .get_shared::<StatusFields>(Tree::CredentialStatus, id)?
        {
            return Ok(Some(fields));
        }
        Ok(self
            .store
            .get::<StatusFields>(Tree::Credentials, id)?
            .map(Arc::new))
    }

    /// Whether `presented_jwt` (an issuer-signed JWT) is the one this node issued as the
    /// credential `id`, whose status fields are `fields`.
    ///
    /// Asked only once its signature has verified under this region's issuer key. Then
    /// the same signature as the one issued means the same JWT: an ECDSA signature valid
    /// under a key fixes the hash of what it signs, so any other JWT with that signature
    /// would be a SHA-256 preimage. Comparing 86 characters instead of hashing the 4 KB JWT
    /// was a tenth of an SD-JWT verification. Records without the signature compare the
    /// SHA-256 of the whole JWT (computed from the stored SD-JWT if the record has no
    /// digest either).
    pub fn issued_as(
        &self,
        id: &str,
        fields: &StatusFields,
        presented_jwt: &str,
    ) -> Result<bool, WalletError> {
        if let Some(signature) = &fields.jwt_signature {
            return Ok(signature == signature_part(presented_jwt));
        }
        let stored = match &fields.jwt_sha256 {
            Some(d) => d.clone(),
            None => match self.credential(id)? {
                Some(c) => crate::credential::issuer_jwt_sha256(&c.sd_jwt),
                None => return Ok(false),
            },
        };
        Ok(stored == crate::credential::issuer_jwt_sha256(presented_jwt))
    }

    /// Adds credential `id` to the wallet of `uscc` (its own, or an invoice it received).
    pub fn put_in_wallet(&self, batch: &mut Batch, uscc: &Uscc, id: &str) {
        batch.put(Tree::Wallets, &wallet_key(uscc, id), &());
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
}
