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
    /// Higher than every earlier list's: a node refuses a list whose sequence is lower than
    /// the one it holds (a replayed older list), or equal with other contents.
    pub sequence: u64,
    /// When the national operator will publish the next list (Unix seconds).
    pub next_update: i64,
    /// Where the current list can be fetched, if the operator publishes it at a URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distribution_point: Option<String>,
    pub regions: Vec<RegionEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RegionEntry {
    pub code: RegionCode,
    pub name: String,
    /// Regional CA certificates (base64 DER); more than one during a CA rollover.
    pub ca_certificates: Vec<String>,
    /// Each listed CA's kid and validity, as its certificate says: during a rollover a
    /// partner sees until when the old CA (and what it issued) stays in use.
    #[serde(default)]
    pub ca_validity: Vec<CaValidity>,
    /// Role certificates (base64 DER), current and rolled-over ones still in use.
    pub role_certificates: Vec<String>,
    pub credential_types: Vec<CredentialType>,
    /// Base URL of the region's node: status lists at `<base>/v1/status-lists/<n>`.
    pub status_endpoint: String,
    /// Where the region's certificates can be fetched (PEM).
    pub certificate_endpoint: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CaValidity {
    pub kid: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
}

impl CaValidity {
    fn of(b64_der: &str) -> Result<Self, TrustListError> {
        let der = b64::decode_std(b64_der).ok_or(TrustListError::UnreadableCa)?;
        let info = crate::pki::CertInfo::parse(&der).map_err(|_| TrustListError::UnreadableCa)?;
        let at = |t| DateTime::from_timestamp(t, 0).ok_or(TrustListError::UnreadableCa);
        Ok(CaValidity {
            kid: info.kid.clone(),
            not_before: at(info.not_before)?,
            not_after: at(info.not_after)?,
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TrustListError {
    #[error("a regional CA certificate in the folder cannot be read")]
    UnreadableCa,
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
    #[error("{url}: {source}")]
    Body {
        url: String,
        source: crate::bounded_fetch::BodyError,
    },
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
    #[error(
        "refused: this trust list has sequence {offered}, older than the list {current} already accepted (a replayed older list)"
    )]
    Rollback { offered: u64, current: u64 },
    #[error(
        "refused: this trust list has the same sequence {sequence} as the list already accepted, but other contents"
    )]
    SequenceReused { sequence: u64 },
}

/// What to do with a newly fetched list, given the one in use.
#[derive(Debug, PartialEq, Eq)]
pub enum Replace {
    /// The same list as the one in use: nothing to do.
    Same,
    /// A newer list: use it from now on.
    Newer,
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

/// What the national operator decides when signing a list (`trust-list sign`).
#[derive(Debug, Clone)]
pub struct SignOptions {
    pub endpoints: Vec<(RegionCode, String)>,
    pub types: HashMap<RegionCode, Vec<CredentialType>>,
    pub valid_for_s: i64,
    /// Seconds until the next list is due (at most `valid_for_s`).
    pub next_update_s: i64,
    pub sequence: u64,
    pub distribution_point: Option<String>,
}

/// The sequence a new list gets unless the operator names one: higher than the list
/// already at `previous` (read, not verified: it only has to be exceeded) and than the
/// clock in seconds, so lists signed one after another always increase.
pub fn next_sequence(previous: Option<&str>, now: DateTime<Utc>) -> u64 {
    let previous = previous
        .and_then(|t| Parsed::parse(t.trim()).ok())
        .and_then(|p| serde_json::from_slice::<TrustList>(&p.payload).ok())
        .map_or(0, |l| l.sequence.saturating_add(1));
    previous.max(u64::try_from(now.timestamp()).unwrap_or(0))
}

/// Builds and signs a trust list from a certificate folder (`trust-list sign`).
pub fn sign(
    certs: &Path,
    opts: &SignOptions,
    now: DateTime<Utc>,
) -> Result<String, TrustListError> {
    let SignOptions {
        endpoints,
        types,
        valid_for_s,
        ..
    } = opts;
    let valid_for_s = *valid_for_s;
    let signer = Signer::load(certs, None, Role::TrustListSigner)?;
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
        let ca_certificates = b64_files(&dir, |n| n.starts_with("ca"))?;
        regions.push(RegionEntry {
            code: *code,
            name: code.name().into_owned(),
            ca_validity: ca_certificates
                .iter()
                .map(|c| CaValidity::of(c))
                .collect::<Result<_, _>>()?,
            ca_certificates,
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
        sequence: opts.sequence,
        next_update: (now + Duration::seconds(opts.next_update_s.clamp(1, valid_for_s)))
            .timestamp(),
        distribution_point: opts.distribution_point.clone(),
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
    /// Whether `self`, just fetched, may replace `current`, the list in use (`token` and
    /// `current_token` are their signed forms).
    pub fn replaces(
        &self,
        token: &str,
        current: &TrustList,
        current_token: &str,
    ) -> Result<Replace, TrustListError> {
        use std::cmp::Ordering::*;
        match self.sequence.cmp(&current.sequence) {
            Greater => Ok(Replace::Newer),
            Equal if token.trim() == current_token.trim() => Ok(Replace::Same),
            Equal => Err(TrustListError::SequenceReused {
                sequence: self.sequence,
            }),
            Less => Err(TrustListError::Rollback {
                offered: self.sequence,
                current: current.sequence,
            }),
        }
    }

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::init;

    fn signed(certs: &Path, sequence: u64, now: DateTime<Utc>) -> TrustListState {
        let gz = RegionCode::parse("440100").unwrap();
        let opts = SignOptions {
            endpoints: vec![(gz, "http://gz.example".into())],
            types: HashMap::new(),
            valid_for_s: 3600,
            next_update_s: 600,
            sequence,
            distribution_point: Some("http://nation.example/trust-list.jwt".into()),
        };
        let token = sign(certs, &opts, now).unwrap();
        TrustListState::verified(token, &TrustStore::load(certs).unwrap()).unwrap()
    }

    #[test]
    fn a_list_replaces_the_one_in_use_only_with_a_higher_sequence() {
        let dir = tempfile::tempdir().unwrap();
        init(dir.path(), &[RegionCode::parse("440100").unwrap()]).unwrap();
        let now = Utc::now();
        let five = signed(dir.path(), 5, now);
        assert_eq!(five.list.sequence, 5);
        assert_eq!(five.list.next_update, now.timestamp() + 600);
        let ca = &five.list.regions[0].ca_validity;
        assert_eq!(ca.len(), 1);
        assert!(ca[0].not_before < ca[0].not_after && !ca[0].kid.is_empty());
        let six = signed(dir.path(), 6, now);
        let other_five = signed(dir.path(), 5, now + Duration::seconds(1));

        assert_eq!(six.replaces(&five).unwrap(), Replace::Newer);
        assert_eq!(five.replaces(&five).unwrap(), Replace::Same);
        assert!(matches!(
            five.replaces(&six),
            Err(TrustListError::Rollback {
                offered: 5,
                current: 6
            })
        ));
        assert!(matches!(
            other_five.replaces(&five),
            Err(TrustListError::SequenceReused { sequence: 5 })
        ));
    }

    #[test]
    fn the_default_sequence_exceeds_the_previous_list_and_the_clock() {
        let dir = tempfile::tempdir().unwrap();
        init(dir.path(), &[RegionCode::parse("440100").unwrap()]).unwrap();
        let now = Utc::now();
        let clock = now.timestamp() as u64;
        assert_eq!(next_sequence(None, now), clock);
        assert_eq!(next_sequence(Some("not a list"), now), clock);
        let ahead = signed(dir.path(), clock + 100, now);
        assert_eq!(next_sequence(Some(&ahead.token), now), clock + 101);
    }
}
