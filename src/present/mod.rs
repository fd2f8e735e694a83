//! QR presentations: a short-lived compact JWS for one credential, with only what a counter
//! clerk needs to see, signed by the region's presentation signer.

pub mod qr;
pub mod svg;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::credential::{jws, new_id};
use crate::pki::Signer;
use crate::wallet::StoredCredential;

pub const DEFAULT_TTL_S: i64 = 300;
pub const MAX_TTL_S: i64 = 86_400;

/// The payload of a presentation, with short claim names so the QR stays small.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
///
/// The issuing region is not repeated here: it is in the signing certificate (`kid`), which
/// the verifier must find in its trust list anyway. Those bytes carry the status reference.
pub struct PresentationClaims {
    /// The company's USCC.
    pub sub: String,
    /// The name shown: the company's (licence) or the seal's or invoice's.
    pub n: String,
    /// Credential type, short code (`bl`, `es`, `ei`, `ir`).
    pub t: String,
    /// Credential id.
    pub cid: String,
    pub jti: String,
    pub iat: i64,
    pub exp: i64,
    /// The credential's own expiry ("valid until").
    pub vu: i64,
    /// The credential's status entry, `[list, idx]`: the list is
    /// `<region status endpoint>/v1/status-lists/<list>`, the same one the credential's
    /// `status.status_list.uri` names (the full claim does not fit a small QR code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s: Option<(u32, u32)>,
    /// Type-specific extras (seal image digest, invoice total), short names.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

pub struct Minted {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

pub fn mint(
    credential: &StoredCredential,
    ttl_s: i64,
    extra: Map<String, Value>,
    signer: &Signer,
    now: DateTime<Utc>,
) -> Result<Minted, serde_json::Error> {
    let expires_at = now + Duration::seconds(ttl_s);
    let claims = PresentationClaims {
        sub: credential.uscc.to_string(),
        n: credential.display_name.clone(),
        t: credential.kind.short().to_string(),
        cid: credential.id.clone(),
        jti: new_id(),
        iat: now.timestamp(),
        exp: expires_at.timestamp(),
        vu: credential.expires_at.timestamp(),
        s: credential.status_ref.map(|r| (r.list, r.idx)),
        extra,
    };
    // No `typ` header: every byte counts in a QR code, and the claims identify the token.
    let mut header = Map::new();
    header.insert("kid".into(), Value::from(signer.kid.clone()));
    let payload = serde_json::to_vec(&claims)?;
    Ok(Minted {
        token: jws::sign(header, &payload, signer),
        expires_at,
    })
}
