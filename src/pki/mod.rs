//! Certificates: the national root, one CA per region, role certificates under each region.
//!
//! Layout of a certificate folder (made by `zhengtong pki init`):
//! ```text
//! root.crt root.key                      national root CA
//! trust-list-signer.crt .key             national trust-list signer (under the root)
//! <region>/ca.crt ca.key                 regional CA, e.g. 440100/
//! <region>/<role>.crt <role>.key         role certificates of that region (tsa.crt: its
//!                                        RFC 3161 timestamp authority)
//! root.crl                               the root's CRL (revoked regional CAs)
//! <region>/ca.<kid>.crt ca.<kid>.key     an earlier CA of the region (after a CA rollover;
//!                                        its key signs only its CRL)
//! <region>/<role>.<kid>.crt              a rolled-over role certificate (still trusted)
//! ```
//! The PKI ceremony (`pki root init`, `pki region request|sign|install|rollover`, see
//! [`ceremony`]) makes the same layout in separate folders: the root folder never holds a
//! regional key, a region folder never holds the root key.
//! Keys are PKCS#8 PEM files written with mode 0600.

mod ceremony;
mod create;
pub mod crl;
mod ext;
mod files;
mod region_ca;
mod role;
mod signer;
mod trust;

pub use ceremony::{RegionRequest, region_install, region_request, region_sign, root_init};
pub use create::{InitReport, init, init_at, issuer_uri, rollover};
pub use crl::DEV_PUBLIC_URL;
pub use ext::TSA_POLICY;
pub use region_ca::{RegionCa, ca_cert_uri};
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
    /// A ceremony step that would do the wrong thing (a CSR that is not a CA request, for
    /// another region, a certificate for another key).
    #[error("refused: {0}")]
    Refused(String),
    #[error("no {what} in {dir}: run `zhengtong pki init --certs {dir} --regions <codes>`")]
    Missing { what: String, dir: PathBuf },
}

#[cfg(test)]
mod ceremony_tests;
#[cfg(test)]
mod tests;
