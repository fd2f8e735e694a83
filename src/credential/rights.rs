//! Claims of invoicing rights (开票资格).

use serde::Serialize;

use super::CredentialType;
use super::issue::TypedClaims;

#[derive(Debug, Clone, Serialize)]
pub struct RightsClaims {
    pub tax_authority: String,
    pub invoice_kinds: Vec<String>,
}

impl TypedClaims for RightsClaims {
    const TYPE: CredentialType = CredentialType::InvoicingRights;
}
