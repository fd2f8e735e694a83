//! The region's RFC 3161 timestamp authority: timestamp tokens (CMS SignedData over a
//! TSTInfo) signed by the region's timestamping role certificate, the replies to
//! `application/timestamp-query` requests, and the verification of a token.
//!
//! The DER types are RustCrypto's (`cms`, `x509-tsp`, `x509-cert`); the ESS
//! signing-certificate-v2 attribute (RFC 5035) and the response's status are declared here.

mod ess;
mod oids;
mod reply;
mod status;
mod token;
mod verify;

pub use reply::{MAX_QUERY_BYTES, respond};
pub use token::{Imprint, timestamp, timestamp_imprint};
pub use verify::{TimestampInfo, verify_token};

use crate::pki::ChainError;

/// Why a token could not be made or is not valid.
#[derive(Debug, thiserror::Error)]
pub enum TsaError {
    #[error("malformed timestamp token: {0}")]
    Malformed(String),
    #[error("unsupported algorithm: {0}")]
    UnsupportedAlgorithm(String),
    #[error("the timestamp covers another digest than the data's")]
    DigestMismatch,
    #[error("the token's signed attributes are wrong: {0}")]
    SignedAttributes(String),
    #[error("the timestamp's signature does not verify")]
    BadSignature,
    #[error("the timestamp's signer is not a trusted timestamp authority: {0}")]
    Untrusted(ChainError),
    #[error("the timestamp's time lies outside the validity of its authority's certificate")]
    OutsideValidity,
    #[error("could not encode the token: {0}")]
    Encode(String),
}

impl From<der::Error> for TsaError {
    fn from(e: der::Error) -> Self {
        TsaError::Malformed(e.to_string())
    }
}

#[cfg(test)]
mod tests;
