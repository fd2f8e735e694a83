//! Claims of the electronic business licence (营业执照).

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::CredentialType;
use super::sdjwt::SdJwtInput;
use crate::domain::{CompanyRecord, RegionCode};

/// Personal data, disclosed only when the holder chooses.
pub const DISCLOSABLE: [&str; 3] = [
    "legal_representative.name",
    "legal_representative.id_number",
    "address",
];

pub fn licence_claims(
    id: &str,
    company: &CompanyRecord,
    region: &RegionCode,
    issued_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    holder_jwk: Value,
    extra: Map<String, Value>,
) -> SdJwtInput {
    let t = CredentialType::BusinessLicense;
    let mut claims = json!({
        "iss": crate::pki::issuer_uri(region),
        "vct": t.vct(),
        "jti": id,
        "iat": issued_at.timestamp(),
        "nbf": issued_at.timestamp(),
        "exp": expires_at.timestamp(),
        "sub": company.uscc.as_str(),
        "credential_type": t.as_str(),
        "uscc": company.uscc.as_str(),
        "name": company.name,
        "region": region.as_str(),
        "region_name": region.name(),
        "issuing_authority": region.authority_name(),
        "registered_capital_fen": company.registered_capital_fen,
        "business_scope": company.business_scope,
        "established_on": company.established_on.to_string(),
        "legal_representative": {
            "name": company.legal_representative.name,
            "id_number": company.legal_representative.id_number.as_str(),
        },
        "address": company.address,
        "cnf": { "jwk": holder_jwk },
    });
    if let Some(obj) = claims.as_object_mut() {
        obj.extend(extra);
    }
    SdJwtInput {
        claims: claims.as_object().cloned().unwrap_or_default(),
        disclosable: DISCLOSABLE.iter().map(|s| s.to_string()).collect(),
    }
}
