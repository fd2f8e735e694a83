//! Certificates: the national root, one CA per region, role certificates under each region.
//!
//! Layout of a certificate folder (made by `zhengtong pki init`):
//! ```text
//! root.crt root.key                      national root CA
//! trust-list-signer.crt .key             national trust-list signer (under the root)
//! <region>/ca.crt ca.key                 regional CA, e.g. 440100/
//! <region>/<role>.crt <role>.key         role certificates of that region
//! ```
//! Keys are PKCS#8 PEM files written with mode 0600.

mod create;
mod files;
mod role;
mod signer;
mod trust;

pub use create::{InitReport, RegionCa, init, issuer_uri, rollover};
pub use role::Role;
pub use signer::Signer;
pub use trust::{CertInfo, ChainError, TrustStore, TrustedCert, kid_of};

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("certificate generation failed: {0}")]
    Rcgen(#[from] rcgen::Error),
    #[error("{path}: {reason}")]
    Invalid { path: PathBuf, reason: String },
    #[error("no {what} in {dir}: run `zhengtong pki init --certs {dir} --regions <codes>`")]
    Missing { what: String, dir: PathBuf },
}

#[cfg(test)]
mod tests;
