//! The national trust list: one document, signed by the national trust-list signer, that
//! lists each region's CA and role certificates, the credential types it may issue and its
//! endpoints. Verifiers in every region trust what it lists, under the national root.

mod source;

pub use source::{TrustListSource, TrustListState};

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::b64;
use crate::credential::CredentialType;
use crate::credential::jws::{self, JwsError, Parsed};
use crate::domain::RegionCode;
use crate::pki::{PkiError, Role, Signer, TrustStore};

pub const TYP: &str = "zt-trust-list+jwt";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrustList {
    pub iss: String,
    pub iat: i64,
    pub exp: i64,
    pub regions: Vec<RegionEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RegionEntry {
    pub code: RegionCode,
    pub name: String,
    /// Regional CA certificates (base64 DER); more than one during a CA rollover.
    pub ca_certificates: Vec<String>,
    /// Role certificates (base64 DER), current and rolled-over ones still in use.
    pub role_certificates: Vec<String>,
    pub credential_types: Vec<CredentialType>,
    /// Base URL of the region's node: status lists at `<base>/v1/status-lists/<n>`.
    pub status_endpoint: String,
    /// Where the region's certificates can be fetched (PEM).
    pub certificate_endpoint: String,
}

#[derive(Debug, thiserror::Error)]
pub enum TrustListError {
    #[error(transparent)]
    Pki(#[from] PkiError),
    #[error("{}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: not a PEM certificate: {source}", path.display())]
    Pem {
        path: PathBuf,
        source: pem::PemError,
    },
    #[error("--endpoint {region}: no CA for region {region} in {}", certs.display())]
    NoRegionCa { region: RegionCode, certs: PathBuf },
    #[error("{url}: {source}")]
    Fetch { url: String, source: reqwest::Error },
    #[error("{url}: HTTP {status}")]
    FetchStatus {
        url: String,
        status: reqwest::StatusCode,
    },
    #[error("not a trust list: {0}")]
    NotAToken(#[source] JwsError),
    #[error("typ is not {TYP}")]
    WrongType,
    #[error("the trust list carries no signer certificate")]
    NoSigner,
    #[error("the trust list's signer is not trusted: {0}")]
    UntrustedSigner(#[source] crate::pki::ChainError),
    #[error("the trust list's signature is not valid")]
    BadSignature,
    #[error("the trust list is malformed: {0}")]
    Malformed(#[source] serde_json::Error),
    #[error("the trust list's expiry {0} is not a representable time")]
    BadExpiry(i64),
    #[error("the trust list could not be serialised: {0}")]
    Serialise(#[source] serde_json::Error),
}

fn b64_files(dir: &Path, pick: impl Fn(&str) -> bool) -> Result<Vec<String>, TrustListError> {
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .map_err(|source| TrustListError::Read {
            path: dir.to_path_buf(),
            source,
        })?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".crt") && pick(n))
        .collect();
    names.sort();
    names
        .iter()
        .map(|n| {
            let path = dir.join(n);
            let text = std::fs::read_to_string(&path).map_err(|source| TrustListError::Read {
                path: path.clone(),
                source,
            })?;
            let der = pem::parse(text).map_err(|source| TrustListError::Pem { path, source })?;
            Ok(b64::encode_std(der.contents()))
        })
        .collect()
}

/// Builds and signs a trust list from a certificate folder (`trust-list sign`).
pub fn sign(
    certs: &Path,
    endpoints: &[(RegionCode, String)],
    types: &HashMap<RegionCode, Vec<CredentialType>>,
    valid_for_s: i64,
) -> Result<String, TrustListError> {
    let signer = Signer::load(certs, None, Role::TrustListSigner)?;
    let now = Utc::now();
    let mut regions = Vec::new();
    for (code, url) in endpoints {
        let dir = certs.join(code.as_str());
        if !dir.join("ca.crt").exists() {
            return Err(TrustListError::NoRegionCa {
                region: *code,
                certs: certs.to_path_buf(),
            });
        }
        let base = url.trim_end_matches('/').to_string();
        regions.push(RegionEntry {
            code: *code,
            name: code.name(),
            ca_certificates: b64_files(&dir, |n| n.starts_with("ca"))?,
            role_certificates: b64_files(&dir, |n| !n.starts_with("ca"))?,
            credential_types: types
                .get(code)
                .cloned()
                .unwrap_or_else(|| CredentialType::ALL.to_vec()),
            certificate_endpoint: format!("{base}/v1/certs"),
            status_endpoint: base,
        });
    }
    let list = TrustList {
        iss: "证通国家信任列表".into(),
        iat: now.timestamp(),
        exp: (now + Duration::seconds(valid_for_s)).timestamp(),
        regions,
    };
    let header = crate::credential::jws::x5c_header(TYP, &signer);
    let payload = serde_json::to_vec(&list).map_err(TrustListError::Serialise)?;
    Ok(jws::sign(header, &payload, &signer))
}

/// Checks a trust list's signature against the national root(s) in `base` alone (a
/// regional CA cannot vouch for a trust-list signer). Expiry is checked by the caller, who
/// decides what a stale list means.
pub fn verify(token: &str, base: &TrustStore) -> Result<TrustList, TrustListError> {
    let parsed = Parsed::parse(token.trim()).map_err(TrustListError::NotAToken)?;
    if parsed.header_str("typ") != Some(TYP) {
        return Err(TrustListError::WrongType);
    }
    let x5c = parsed.x5c();
    let leaf = x5c
        .first()
        .and_then(|d| crate::pki::CertInfo::parse(d).ok())
        .ok_or(TrustListError::NoSigner)?;
    let trusted = base
        .roots_only()
        .validate_chain(&leaf, Role::TrustListSigner)
        .map_err(TrustListError::UntrustedSigner)?;
    if !parsed.verify(&trusted.info.public_key) {
        return Err(TrustListError::BadSignature);
    }
    let list: TrustList =
        serde_json::from_slice(&parsed.payload).map_err(TrustListError::Malformed)?;
    // An expiry no calendar can show would otherwise become "1970" downstream.
    list.expires_at()?;
    Ok(list)
}

impl TrustList {
    pub fn expires_at(&self) -> Result<DateTime<Utc>, TrustListError> {
        DateTime::from_timestamp(self.exp, 0).ok_or(TrustListError::BadExpiry(self.exp))
    }

    /// The verifier's trust store: the national root(s) of `base` plus every listed
    /// certificate whose chain validates; each CA under the region it is listed for.
    pub fn trust_store(&self, base: &TrustStore) -> TrustStore {
        let mut store = TrustStore::default();
        for root in base.roots() {
            store.add_root(root.der.clone());
        }
        for r in &self.regions {
            for ca in r.ca_certificates.iter().filter_map(|c| b64::decode_std(c)) {
                store.add_region_ca(r.code, ca);
            }
        }
        for r in &self.regions {
            for leaf in r
                .role_certificates
                .iter()
                .filter_map(|c| b64::decode_std(c))
            {
                store.add_leaf(leaf);
            }
        }
        store
    }

    pub fn allowed_types(&self) -> HashMap<RegionCode, Vec<CredentialType>> {
        self.regions
            .iter()
            .map(|r| (r.code, r.credential_types.clone()))
            .collect()
    }

    pub fn status_endpoint(&self, region: &RegionCode) -> Option<&str> {
        self.regions
            .iter()
            .find(|r| &r.code == region)
            .map(|r| r.status_endpoint.as_str())
    }
}
