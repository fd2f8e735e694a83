//! Reading untrusted PDF bytes strictly, for validation: every revision by its own
//! cross-reference section, every object where its entry says, within a budget. What
//! cannot be read exactly, is ambiguous or over budget is refused as a whole — never
//! skipped (a lenient reader and a viewer that disagree are how forgeries pass).
//!
//! * [`budget`]: what one document may cost.
//! * [`lexer`]: the object syntax.
//! * [`filter`]: FlateDecode and predictors, for object and cross-reference streams.
//! * [`xref`]: cross-reference tables and streams.
//! * [`document`]: the revisions and the objects each defines.
//! * [`object`]: the values read.

pub mod budget;
pub mod document;
pub mod filter;
pub mod lexer;
pub mod object;
pub mod xref;

pub use budget::Limits;
pub use document::Document;
pub use object::{Dict, Id, Object, Value};

/// Why a document was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReadError {
    #[error("malformed at byte {at}: {what}")]
    Malformed { at: usize, what: String },
    #[error("ambiguous: {0}")]
    Ambiguous(String),
    #[error("over the budget for {0}")]
    OverBudget(&'static str),
    #[error("encrypted")]
    Encrypted,
    #[error("unsupported: {0}")]
    Unsupported(String),
}
