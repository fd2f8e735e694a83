//! Claims of the e-seal credential (电子印章): the seal, its police filing and certificate.

use serde::Serialize;
use serde_json::Value;

use super::CredentialType;
use super::issue::TypedClaims;

#[derive(Debug, Clone, Serialize)]
pub struct ESealClaims {
    pub seal: SealClaims,
    pub police_filing: FilingClaims,
    pub seal_certificate: CertificateClaims,
}

#[derive(Debug, Clone, Serialize)]
pub struct SealClaims {
    pub id: String,
    #[serde(rename = "type")]
    pub seal_type: String,
    pub type_name: String,
    pub code: String,
    /// The filed seal template, as filed.
    pub template: Value,
    pub template_sha256: String,
    pub image_sha256: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct FilingClaims {
    pub id: String,
    /// Seconds since the epoch.
    pub filed_at: i64,
    /// The police seal registry's JWS over the filing's facts.
    pub signature: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CertificateClaims {
    pub kid: String,
    /// Lowercase hex SHA-256 of the certificate (DER).
    pub sha256: String,
}

impl TypedClaims for ESealClaims {
    const TYPE: CredentialType = CredentialType::ESeal;
}
