//! Signed credentials: compact JWS, SD-JWT VC, and the claims of each credential type.

pub mod eseal;
pub mod invoice;
pub mod issue;
pub mod jws;
pub mod kb;
pub mod licence;
pub mod rights;
pub mod sdjwt;
pub mod vct;

use serde::{Deserialize, Serialize};

/// The kinds of credential a wallet holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CredentialType {
    BusinessLicense,
    ESeal,
    EInvoice,
    InvoicingRights,
}

impl CredentialType {
    pub const ALL: [CredentialType; 4] = [
        CredentialType::BusinessLicense,
        CredentialType::ESeal,
        CredentialType::EInvoice,
        CredentialType::InvoicingRights,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CredentialType::BusinessLicense => "business_license",
            CredentialType::ESeal => "e_seal",
            CredentialType::EInvoice => "e_invoice",
            CredentialType::InvoicingRights => "invoicing_rights",
        }
    }

    /// Two letters, to keep QR presentations small.
    pub fn short(self) -> &'static str {
        match self {
            CredentialType::BusinessLicense => "bl",
            CredentialType::ESeal => "es",
            CredentialType::EInvoice => "ei",
            CredentialType::InvoicingRights => "ir",
        }
    }

    pub fn from_short(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|t| t.short() == s || t.as_str() == s)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            CredentialType::BusinessLicense => "营业执照",
            CredentialType::ESeal => "电子印章",
            CredentialType::EInvoice => "数电票",
            CredentialType::InvoicingRights => "开票资格",
        }
    }
}

/// A fresh random identifier: 9 bytes (72 bits), base64url (12 characters). Short because
/// it travels in QR codes; stores refuse a duplicate instead of overwriting it.
pub fn new_id() -> String {
    use ring::rand::{SecureRandom, SystemRandom};
    let mut b = [0u8; 9];
    let _ = SystemRandom::new().fill(&mut b);
    crate::b64::encode_url(&b)
}

/// An EC P-256 public key (uncompressed point) as a JWK, for `cnf`.
pub fn p256_jwk(point: &[u8]) -> serde_json::Value {
    let (x, y) = if point.len() == 65 {
        (&point[1..33], &point[33..65])
    } else {
        (&[][..], &[][..])
    };
    serde_json::json!({
        "kty": "EC",
        "crv": "P-256",
        "x": crate::b64::encode_url(x),
        "y": crate::b64::encode_url(y),
    })
}

/// SHA-256 of an SD-JWT's issuer-signed JWT (the part before the first `~`): what the
/// issuing node knows a credential by, whatever disclosures are presented with it.
pub fn issuer_jwt_sha256(sd_jwt: &str) -> crate::domain::Sha256Hex {
    let jwt = sd_jwt.trim().split('~').next().unwrap_or_default();
    crate::domain::Sha256Hex::of(jwt.as_bytes())
}
