//! Sealed PDFs (PAdES baseline B-LT): the seal drawn on the page as the appearance of a
//! signature field, and a detached CMS signature added as an incremental update so that
//! earlier signatures stay valid; the signature timestamped by the region's TSA (B-T), and
//! the certificates and CRLs to validate it later in a Document Security Store, added in a
//! further incremental update (B-LT).
//!
//! * [`parse`]: untrusted bytes checked and parsed (never a panic), the page found.
//! * [`syntax`]: writing PDF objects.
//! * [`appearance`]: the filed seal template as PDF path operators, at physical size.
//! * [`glyphs`]: the seal's text as glyph outlines from a CJK font.
//! * [`cms`]: the CMS SignedData (signing-certificate-v2, no signing-time).
//! * [`update`]: the incremental updates: field, widget, /Sig dictionary, xref, trailer;
//!   then the /DSS.
//! * [`validate`]: every signature of a PDF checked against its byte range.

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
    #[error("the signature does not fit the space reserved for it")]
    SignatureTooLarge,
    #[error("the PDF could not be signed: {0}")]
    Sign(#[from] cms::SignError),
}

#[cfg(test)]
mod tests;
