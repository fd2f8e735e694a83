//! The one issuing path: every credential, whatever its type, is built, signed and recorded
//! here ([`Wallet::issue`]); the common claims are written by [`crate::credential::issue`].

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{CredentialStatus, StoredCredential, Wallet, WalletError};
use crate::credential::issue::{Common, TypedClaims, claims};
use crate::credential::{CredentialType, sdjwt};
use crate::domain::Uscc;
use crate::pki::Signer;
use crate::status::StatusRef;

/// A credential to issue, besides its typed claims.
pub struct Issue<'a> {
    pub id: String,
    /// The company it is about.
    pub subject: &'a Uscc,
    /// The company's registered name (also what a counter clerk is shown).
    pub name: &'a str,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// Its status-list entry and the `status` claim pointing there.
    pub status: (StatusRef, Value),
    /// The holder's public key (JWK) for `cnf`, if the credential is bound to one.
    pub holder_jwk: Option<Value>,
}

impl Wallet {
    /// The key that signs credentials of `kind`: the registration authority's for licences
    /// and e-seals, the tax bureau's for invoices and invoicing rights.
    fn signer_for(&self, kind: CredentialType) -> &Signer {
        match kind {
            CredentialType::BusinessLicense | CredentialType::ESeal => &self.keys.licence,
            CredentialType::EInvoice | CredentialType::InvoicingRights => &self.keys.tax,
        }
    }

    /// Signs a credential of type `T` issued by this region: the common claims and `typed`.
    /// Not stored: the caller adds it to its batch.
    pub fn issue<T: TypedClaims>(
        &self,
        issue: Issue,
        typed: &T,
    ) -> Result<StoredCredential, WalletError> {
        let (status_ref, status) = issue.status;
        let signer = self.signer_for(T::TYPE);
        let input = claims(
            &Common {
                id: &issue.id,
                issuer: &signer.iss,
                public_url: self.public_url(),
                region: &self.keys.region,
                subject: issue.subject,
                name: issue.name,
                issued_at: issue.issued_at,
                expires_at: issue.expires_at,
                status,
                holder_jwk: issue.holder_jwk,
            },
            typed,
        )
        .map_err(|e| WalletError::Serialisation(e.to_string()))?;
        Ok(StoredCredential {
            sd_jwt: sdjwt::issue(input, signer),
            id: issue.id,
            uscc: issue.subject.clone(),
            kind: T::TYPE,
            status: CredentialStatus::Valid,
            issued_at: issue.issued_at,
            expires_at: issue.expires_at,
            display_name: issue.name.to_string(),
            revoked_at: None,
            status_ref: Some(status_ref),
        })
    }
}
