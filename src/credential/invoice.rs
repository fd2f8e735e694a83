//! Claims of the 数电票 credential.

use serde::{Deserialize, Serialize};

use super::CredentialType;
use super::issue::TypedClaims;
use crate::domain::Uscc;

/// A seller or buyer, as an invoice names it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Party {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uscc: Option<Uscc>,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct InvoiceClaims {
    pub invoice_number: String,
    /// The date printed on the invoice (Beijing time), `YYYY-MM-DD`.
    pub issued_on: String,
    pub tax_authority: String,
    pub seller: Party,
    pub buyer: Party,
    pub items: Vec<ItemClaims>,
    pub total_amount_fen: i64,
    pub total_tax_fen: i64,
    pub total_with_tax_fen: i64,
    pub total_in_words: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remarks: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ItemClaims {
    pub name: String,
    pub spec: Option<String>,
    pub unit: Option<String>,
    pub quantity: String,
    pub unit_price: String,
    pub amount_fen: i64,
    pub tax_rate: String,
    pub tax_rate_label: String,
    pub tax_fen: i64,
}

impl TypedClaims for InvoiceClaims {
    const TYPE: CredentialType = CredentialType::EInvoice;

    /// The buyer may be a person: who bought is shown only when the holder chooses.
    fn disclosable(&self) -> Vec<String> {
        vec!["buyer".into()]
    }
}
