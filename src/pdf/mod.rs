//! Sealed PDFs (PAdES baseline B-LTA): the seal drawn on the page as the appearance of a
//! signature field, and a detached CMS signature added as an incremental update so that
//! earlier signatures stay valid; the signature timestamped by the region's TSA (B-T), the
//! certificates and CRLs to validate it in a Document Security Store (B-LT), and a document
//! timestamp over all of it (B-LTA). And validating the signatures of any PDF, by the rules
//! of PDF signatures rather than by the shape of our own output.
//!
//! Making:
//! * [`parse`]: the PDF to seal, read strictly first, then with lopdf to find its page.
//! * [`syntax`]: writing PDF objects.
//! * [`appearance`]: the filed seal template as PDF path operators, at physical size.
//! * [`glyphs`]: the seal's text as glyph outlines from a CJK font.
//! * [`cms`]: the CMS SignedData we make (signing-certificate-v2, no signing-time).
//! * [`update`]: the incremental updates: field, widget, /Sig dictionary, xref, trailer;
//!   the /DSS; the document timestamp.
//! * [`service`]: sealing with a wallet's e-seal, and extending any signed PDF.
//!
//! Validating:
//! * [`read`]: untrusted bytes read strictly, revision by revision, within a budget.
//! * [`fields`]: the signature fields and their byte ranges.
//! * [`diff`]: what each later revision changed, and whether that is allowed.
//! * [`cms_check`]: anyone's CMS, checked by meaning.
//! * [`validate`]: a report per signature.

pub mod appearance;
pub mod cms;
pub mod cms_check;
pub mod diff;
pub mod fields;
pub mod glyphs;
pub mod parse;
pub mod read;
pub mod service;
pub mod syntax;
pub mod update;
pub mod validate;

/// Largest PDF accepted for sealing or validation.
pub const MAX_PDF_BYTES: usize = 20 * 1024 * 1024;
/// Bytes reserved for the DER CMS in /Contents: the seal certificate and its CA (~1.5 KiB)
/// and the timestamp token with the TSA certificate and its CA (~2.5 KiB), with room.
pub const CONTENTS_BYTES: usize = 16 * 1024;
/// Custom key in the signature dictionary (inside the signed byte range): the filing's
/// `image_sha256`, tying the drawn seal to the police filing.
pub const IMAGE_SHA256_KEY: &str = "ZT_ImageSHA256";
/// Custom key: the e-seal's id, so a validator can find the seal's status.
pub const SEAL_ID_KEY: &str = "ZT_SealID";

/// Why a PDF was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PdfError {
    #[error("the body is not a PDF (it does not start with %PDF-)")]
    NotPdf,
    #[error("the PDF is encrypted; send it decrypted")]
    Encrypted,
    #[error("the PDF is {size} bytes, over the limit of {limit}")]
    TooLarge { size: usize, limit: usize },
    #[error("the PDF is malformed: {0}")]
    Malformed(String),
    #[error("the PDF has {pages} page(s); page {asked} does not exist")]
    NoSuchPage { asked: u32, pages: u32 },
    #[error("the seal position is invalid: {0}")]
    Position(String),
    #[error(
        "the document carries a certification signature that allows no changes (DocMDP P=1): a seal added now would invalidate it"
    )]
    CertifiedNoChanges,
    #[error("the signature does not fit the space reserved for it")]
    SignatureTooLarge,
    #[error("the PDF could not be signed: {0}")]
    Sign(#[from] cms::SignError),
}

#[cfg(test)]
mod tests;
