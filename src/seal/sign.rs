//! Sealing a document: a compact JWS by the e-seal's key over the document's SHA-256, the
//! signing time, the seal's facts and the e-seal credential, with the chain in `x5c`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::eseal::{self, SealStatus};
use super::records;
use crate::credential::{jws, new_id};
use crate::domain::Uscc;
use crate::pki::{Role, Signer};
use crate::wallet::{CredentialStatus, Wallet, WalletError};

pub const SEAL_TYP: &str = "zt-seal+jws";
/// Largest document accepted in a request body.
pub const MAX_DOCUMENT_BYTES: usize = 32 * 1024 * 1024;

/// The signed content of a seal signature.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SealPayload {
    /// Lowercase hex SHA-256 of the sealed document.
    pub doc_sha256: String,
    /// Signing time claimed by the signer; the region's timestamp on the signature
    /// ([`Sealing::timestamped`]) attests it.
    pub iat: i64,
    pub jti: String,
    pub uscc: String,
    pub name: String,
    pub seal: SealFacts,
    /// The e-seal credential (SD-JWT VC), so a validator needs nothing else.
    pub credential: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SealFacts {
    pub id: String,
    #[serde(rename = "type")]
    pub seal_type: String,
    pub code: String,
    pub image_sha256: String,
    pub filing_id: String,
    pub credential_id: String,
}

/// A signing, as recorded in the wallet.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SigningRecord {
    pub id: String,
    pub seal_id: String,
    pub doc_sha256: String,
    pub signed_at: DateTime<Utc>,
}

/// Parses a hex SHA-256 given by a client.
pub fn parse_sha256(s: &str) -> Option<String> {
    let s = s.trim().to_ascii_lowercase();
    (s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())).then_some(s)
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(ring::digest::digest(&ring::digest::SHA256, bytes))
}

/// An active e-seal whose credential is valid, with what signing needs: its company, its
/// credential, its private key (PKCS#8) and its certificate chain (seal, regional CA).
/// JWS seal signatures and sealed PDFs both start here.
pub struct UsableSeal {
    pub company: crate::wallet::StoredCompany,
    pub seal: eseal::ESeal,
    pub credential: crate::wallet::StoredCredential,
    pub pkcs8: Vec<u8>,
    pub chain: Vec<Vec<u8>>,
}

/// The e-seal `seal_id` of `uscc`, if it may seal now; a 422 naming `seal_id` if not.
pub fn usable_seal(wallet: &Wallet, uscc: &Uscc, seal_id: &str) -> Result<UsableSeal, WalletError> {
    let company = wallet.active_company(uscc, "uscc")?;
    let seal = eseal::get(wallet, uscc, seal_id)?;
    if seal.status != SealStatus::Active {
        return Err(WalletError::invalid(
            "seal_id",
            format!("e-seal {seal_id} was revoked and can no longer seal"),
        ));
    }
    let credential = wallet
        .credential(&seal.credential_id)?
        .filter(|c| c.status == CredentialStatus::Valid)
        .ok_or_else(|| {
            WalletError::invalid(
                "seal_id",
                format!("the credential of e-seal {seal_id} is not valid"),
            )
        })?;
    let pkcs8 = records::open_key(wallet, &seal)?;
    let cert = pem::parse(&seal.certificate_pem)
        .map_err(|e| WalletError::Certificate(e.to_string()))?
        .into_contents();
    let ca = pem::parse(&wallet.keys.ca.ca_pem)
        .map_err(|e| WalletError::Certificate(e.to_string()))?
        .into_contents();
    Ok(UsableSeal {
        company,
        seal,
        credential,
        pkcs8,
        chain: vec![cert, ca],
    })
}

/// A document sealed: the signature in both forms, and what the wallet records.
#[derive(Debug, Clone)]
pub struct Sealing {
    /// The compact JWS (B-B): what the signer claims, with its own `iat`.
    pub compact: String,
    /// The same JWS with the region's RFC 3161 timestamp on its signature (B-T; see
    /// [`super::jades`]): its signing time is attested by the region.
    pub timestamped: String,
    pub record: SigningRecord,
}

pub async fn sign(
    wallet: &Wallet,
    uscc: &Uscc,
    seal_id: &str,
    doc_sha256: &str,
) -> Result<Sealing, WalletError> {
    let UsableSeal {
        company,
        seal,
        credential,
        pkcs8,
        chain,
    } = usable_seal(wallet, uscc, seal_id)?;
    let signer = Signer::from_pkcs8(&pkcs8, chain, Role::SealSigner, Some(wallet.keys.region))
        .map_err(|e| WalletError::SigningKey(e.to_string()))?;
    let now = wallet.clock.now();
    let payload = SealPayload {
        doc_sha256: doc_sha256.to_string(),
        iat: now.timestamp(),
        jti: new_id(),
        uscc: uscc.to_string(),
        name: company.record.name.clone(),
        seal: SealFacts {
            id: seal.id.clone(),
            seal_type: seal.seal_type.as_str().into(),
            code: seal.seal_code.clone(),
            image_sha256: seal.image_sha256.clone(),
            filing_id: seal.filing_id.clone(),
            credential_id: seal.credential_id.clone(),
        },
        credential: credential.sd_jwt,
    };
    let header = crate::credential::jws::x5c_header(SEAL_TYP, &signer);
    let compact = jws::sign(
        header,
        &serde_json::to_vec(&payload).map_err(|e| WalletError::Serialisation(e.to_string()))?,
        &signer,
    );
    let token = crate::tsa::timestamp(
        &wallet.keys.tsa,
        super::jades::imprint(&compact),
        &wallet.clock,
    )?;
    let timestamped = super::jades::with_timestamp(&compact, &token);
    let record = SigningRecord {
        id: payload.jti.clone(),
        seal_id: seal.id.clone(),
        doc_sha256: doc_sha256.into(),
        signed_at: now,
    };
    records::record_signing(wallet, uscc, &record).await?;
    Ok(Sealing {
        compact,
        timestamped,
        record,
    })
}

pub use super::records::signings;
