//! The national trust list: one document, signed by the national trust-list signer, that
//! lists each region's CA and role certificates, the credential types it may issue and its
//! endpoints. Verifiers in every region trust what it lists, under the national root.

mod source;

pub use source::{TrustListSource, TrustListState};

use std::collections::HashMap;
use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::b64;
use crate::credential::CredentialType;
use crate::credential::jws::{self, Parsed};
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
    #[error("{0}")]
    Invalid(String),
}

fn b64_files(dir: &Path, pick: impl Fn(&str) -> bool) -> Result<Vec<String>, TrustListError> {
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| TrustListError::Invalid(format!("{}: {e}", dir.display())))?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".crt") && pick(n))
        .collect();
    names.sort();
    names
        .iter()
        .map(|n| {
            let text = std::fs::read_to_string(dir.join(n))
                .map_err(|e| TrustListError::Invalid(format!("{n}: {e}")))?;
            let der = pem::parse(text).map_err(|e| TrustListError::Invalid(format!("{n}: {e}")))?;
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
            return Err(TrustListError::Invalid(format!(
                "--endpoint {code}: no CA for region {code} in {}",
                certs.display()
            )));
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
    Ok(jws::sign(
        header,
        &serde_json::to_vec(&list).unwrap_or_default(),
        &signer,
    ))
}

/// Checks a trust list's signature against the national root(s) in `base`. Expiry is
/// checked by the caller, who decides what a stale list means.
pub fn verify(token: &str, base: &TrustStore) -> Result<TrustList, TrustListError> {
    let bad = |m: String| TrustListError::Invalid(m);
    let parsed = Parsed::parse(token.trim()).map_err(|e| bad(format!("not a trust list: {e}")))?;
    if parsed.header_str("typ") != Some(TYP) {
        return Err(bad(format!("typ is not {TYP}")));
    }
    let x5c = parsed.x5c();
    let leaf = x5c
        .first()
        .and_then(|d| crate::pki::CertInfo::parse(d).ok())
        .ok_or_else(|| bad("the trust list carries no signer certificate".into()))?;
    let trusted = base
        .validate_chain(&leaf, Role::TrustListSigner)
        .map_err(|e| bad(format!("the trust list's signer is not trusted: {e}")))?;
    if !parsed.verify(&trusted.info.public_key) {
        return Err(bad("the trust list's signature is not valid".into()));
    }
    serde_json::from_slice(&parsed.payload)
        .map_err(|e| bad(format!("the trust list is malformed: {e}")))
}

impl TrustList {
    pub fn expires_at(&self) -> DateTime<Utc> {
        DateTime::from_timestamp(self.exp, 0).unwrap_or_default()
    }

    /// The verifier's trust store: the national root(s) of `base` plus every listed
    /// certificate whose chain validates.
    pub fn trust_store(&self, base: &TrustStore) -> TrustStore {
        let mut store = TrustStore::default();
        for root in base.roots() {
            store.add_root(root.der.clone());
        }
        for r in &self.regions {
            for ca in r.ca_certificates.iter().filter_map(|c| b64::decode_std(c)) {
                store.add_ca(ca);
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
