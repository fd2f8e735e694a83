//! Claims of the electronic business licence (营业执照).

use serde::Serialize;

use super::CredentialType;
use super::issue::TypedClaims;
use crate::domain::{CompanyRecord, RegionCode};

/// Personal data, disclosed only when the holder chooses.
pub const DISCLOSABLE: [&str; 3] = [
    "legal_representative.name",
    "legal_representative.id_number",
    "address",
];

#[derive(Debug, Clone, Serialize)]
pub struct LicenceClaims {
    pub region_name: String,
    pub issuing_authority: String,
    pub registered_capital_fen: i64,
    pub business_scope: String,
    pub established_on: String,
    pub legal_representative: LegalRepresentativeClaims,
    pub address: String,
    /// 1 for the licence issued at registration, then one more per change.
    pub version: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct LegalRepresentativeClaims {
    pub name: String,
    pub id_number: String,
}

impl LicenceClaims {
    pub fn new(company: &CompanyRecord, region: &RegionCode, version: u32) -> Self {
        LicenceClaims {
            region_name: region.name().into_owned(),
            issuing_authority: region.authority_name(),
            registered_capital_fen: company.registered_capital_fen,
            business_scope: company.business_scope.clone(),
            established_on: company.established_on.to_string(),
            legal_representative: LegalRepresentativeClaims {
                name: company.legal_representative.name.clone(),
                id_number: company.legal_representative.id_number.as_str().to_string(),
            },
            address: company.address.clone(),
            version,
        }
    }
}

impl TypedClaims for LicenceClaims {
    const TYPE: CredentialType = CredentialType::BusinessLicense;

    fn disclosable(&self) -> Vec<String> {
        DISCLOSABLE.iter().map(|s| s.to_string()).collect()
    }
}
