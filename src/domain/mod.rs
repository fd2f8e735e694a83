//! Validated domain values. Each is built only by parsing, so a value that exists is valid.

mod bidi;
mod company;
mod digest;
mod id_number;
mod region;
mod uscc;

pub use bidi::{bidi_in_json, find_bidi_control, is_bidi_control, json_may_hold_bidi};
pub use company::{
    CompanyRecord, CompanyRequest, LegalRepresentative, LegalRepresentativeRequest, bidi_reason,
};
pub use digest::Sha256Hex;
pub use id_number::IdNumber;
pub use region::RegionCode;
pub use uscc::{Uscc, with_check_char};

/// A value that failed to parse: which field, and why, in words a clerk can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct DomainError {
    pub field: String,
    pub reason: String,
}

impl DomainError {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        DomainError {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// The same error, reported under an enclosing field (`legal_representative.name`).
    pub fn within(mut self, parent: &str) -> Self {
        self.field = format!("{parent}.{}", self.field);
        self
    }
}
