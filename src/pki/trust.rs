//! What a verifier trusts: the national root(s), the regional CAs and their role
//! certificates found in a certificate folder. Chains are validated with rustls-webpki once,
//! at load; verification then only checks time windows and signatures.

use std::collections::HashMap;
use std::fs;
use std::path::Path;
use std::sync::Arc;

use ring::digest::{SHA256, digest};
use rustls_pki_types::{CertificateDer, UnixTime};
use webpki::{EndEntityCert, KeyUsage, anchor_from_trusted_cert};
use x509_parser::prelude::{FromDer, X509Certificate};

use super::files::read_pem_der;
use super::{PkiError, Role};
use crate::domain::RegionCode;

/// A short identifier of a certificate: base64url of the first 8 bytes of SHA-256(DER).
pub fn kid_of(der: &[u8]) -> String {
    crate::b64::encode_url(&digest(&SHA256, der).as_ref()[..8])
}

/// Why a certificate is not trusted for a role. `leaf`/`ca` are the certificates as a
/// person recognises them ([`CertInfo::describe`]). Shown in reports in both languages.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    #[error("not an X.509 certificate: {0}")]
    NotX509(String),
    #[error("no signing certificate in x5c")]
    NoSigningCertificate,
    #[error("the x5c certificate is unreadable")]
    UnreadableX5c,
    #[error("{leaf} carries no zhengtong role")]
    NoRole { leaf: String },
    #[error("no trusted CA issued {leaf}; it may come from outside the trusted regions")]
    NoTrustedIssuer { leaf: String },
    #[error("CA “{ca}” does not chain to the national root")]
    CaNotUnderRoot { ca: String },
    #[error("validity periods of {leaf} and its CA do not overlap")]
    NoCommonValidity { leaf: String },
    #[error("unreadable certificate: {0}")]
    Unreadable(String),
    #[error("chain of {leaf} does not validate for role {}: {why}", role.name_zh())]
    NotValidForRole {
        leaf: String,
        role: Role,
        why: String,
    },
    #[error("{leaf} lacks the digitalSignature key usage")]
    NoDigitalSignature { leaf: String },
    #[error("{leaf} claims role {} but was issued by “{issuer}”, which may not issue it: the national root issues only the trust-list signer, a regional CA only its region's roles", role.name_zh())]
    RoleNotForIssuer {
        leaf: String,
        role: Role,
        issuer: String,
    },
    #[error("{leaf} claims region {claimed} but was issued by the CA of {issuer_region}")]
    RegionMismatch {
        leaf: String,
        claimed: String,
        issuer_region: String,
    },
    #[error(
        "{leaf} is not in the trust list: a role certificate is trusted only when the list names it (a delisted or never listed key)"
    )]
    NotListed { leaf: String },
    #[error("{leaf} was issued by the CA of region {region}, which is not in the trust list")]
    RegionNotListed { leaf: String, region: RegionCode },
}

impl ChainError {
    /// The same, in Chinese (the webpki or parser detail, a code, stays as it is).
    pub fn zh(&self) -> String {
        use ChainError::*;
        match self {
            NotX509(e) => format!("不是 X.509 证书（{e}）"),
            NoSigningCertificate => "x5c 中没有签名证书".into(),
            UnreadableX5c => "x5c 中的证书无法读取".into(),
            NoRole { leaf } => format!("{leaf} 不带任何证通角色"),
            NoTrustedIssuer { leaf } => {
                format!("没有受信任的发证机构签发 {leaf}，它可能来自受信任地区以外")
            }
            CaNotUnderRoot { ca } => format!("发证机构“{ca}”不能追溯到国家根证书"),
            NoCommonValidity { leaf } => format!("{leaf} 与其发证机构的有效期没有重叠"),
            Unreadable(e) => format!("证书无法读取（{e}）"),
            NotValidForRole { leaf, role, why } => {
                format!("{leaf} 的证书链对角色“{}”无效（{why}）", role.name_zh())
            }
            NoDigitalSignature { leaf } => {
                format!("{leaf} 缺少数字签名（digitalSignature）密钥用途")
            }
            RoleNotForIssuer { leaf, role, issuer } => format!(
                "{leaf} 声称角色“{}”，但签发者“{issuer}”无权签发：国家根证书只签发信任列表签名证书，地区发证机构只签发本地区的角色",
                role.name_zh()
            ),
            RegionMismatch {
                leaf,
                claimed,
                issuer_region,
            } => format!("{leaf} 声称属于地区 {claimed}，却由 {issuer_region} 的发证机构签发"),
            NotListed { leaf } => format!(
                "{leaf} 不在信任列表中：角色证书只有被信任列表列出时才受信任（该密钥已被除名或从未列出）"
            ),
            RegionNotListed { leaf, region } => {
                format!("{leaf} 由地区 {region} 的发证机构签发，而该地区不在信任列表中")
            }
        }
    }
}

/// What a report needs to say about a certificate, in names, not only fingerprints.
#[derive(Debug, Clone)]
pub struct CertInfo {
    pub kid: String,
    pub der: Vec<u8>,
    pub subject_cn: String,
    pub organisation: String,
    pub region: Option<RegionCode>,
    pub roles: Vec<Role>,
    pub not_before: i64,
    pub not_after: i64,
    pub digital_signature: bool,
    /// Uncompressed EC point of the subject public key.
    pub public_key: Vec<u8>,
    /// The URI SANs: a role certificate's issuer URI, the `iss` of what its key signs.
    pub uris: Vec<String>,
    pub sha256_hex: String,
}

impl CertInfo {
    /// Parses untrusted DER; never panics.
    pub fn parse(der: &[u8]) -> Result<CertInfo, ChainError> {
        let (_, cert) =
            X509Certificate::from_der(der).map_err(|e| ChainError::NotX509(e.to_string()))?;
        let subject = cert.subject();
        let first = |it: &mut dyn Iterator<Item = &x509_parser::x509::AttributeTypeAndValue>| {
            it.next()
                .and_then(|a| a.as_str().ok())
                .unwrap_or("")
                .to_string()
        };
        let subject_cn = first(&mut subject.iter_common_name());
        let organisation = first(&mut subject.iter_organization());
        let ou = first(&mut subject.iter_organizational_unit());
        let roles = match cert.extended_key_usage() {
            Ok(Some(eku)) => {
                let mut roles: Vec<Role> = eku
                    .value
                    .other
                    .iter()
                    .filter_map(|o| Role::from_oid_string(&o.to_id_string()))
                    .collect();
                // x509-parser reads the standard purposes into flags, not `other`.
                if eku.value.time_stamping {
                    roles.push(Role::TimeStamping);
                }
                roles
            }
            _ => vec![],
        };
        let digital_signature =
            matches!(cert.key_usage(), Ok(Some(ku)) if ku.value.digital_signature());
        Ok(CertInfo {
            kid: kid_of(der),
            der: der.to_vec(),
            subject_cn,
            organisation,
            region: RegionCode::parse(&ou).ok(),
            roles,
            not_before: cert.validity().not_before.timestamp(),
            not_after: cert.validity().not_after.timestamp(),
            digital_signature,
            public_key: cert.public_key().subject_public_key.data.to_vec(),
            uris: uris_of(&cert),
            sha256_hex: hex::encode(digest(&SHA256, der)),
        })
    }

    /// "广州市市场监督管理局 亮照出示签名 (kid …)": how a person recognises the certificate.
    pub fn describe(&self) -> String {
        format!("“{}” (kid {})", self.subject_cn, self.kid)
    }
}

/// The URI SANs of a certificate (none when it is unreadable).
pub(super) fn san_uris(der: &[u8]) -> Vec<String> {
    X509Certificate::from_der(der)
        .map(|(_, c)| uris_of(&c))
        .unwrap_or_default()
}

fn uris_of(cert: &X509Certificate<'_>) -> Vec<String> {
    use x509_parser::extensions::GeneralName;
    match cert.subject_alternative_name() {
        Ok(Some(san)) => san
            .value
            .general_names
            .iter()
            .filter_map(|n| match n {
                GeneralName::URI(u) => Some(u.to_string()),
                _ => None,
            })
            .collect(),
        _ => vec![],
    }
}

/// A role certificate whose chain to a trusted root has been validated.
#[derive(Debug, Clone)]
pub struct TrustedCert {
    pub info: CertInfo,
    pub ca: CertInfo,
    /// Intersection of the leaf's, the CA's and the root's validity.
    pub window: (i64, i64),
}

#[derive(Debug, Default, Clone)]
pub struct TrustStore {
    roots: Vec<Vec<u8>>,
    root_infos: Vec<CertInfo>,
    cas: Vec<CertInfo>,
    /// The regions whose CAs are listed (each CA is listed under its region's code).
    regions: Vec<RegionCode>,
    by_kid: HashMap<String, Arc<TrustedCert>>,
    /// Each listed certificate's DER as standard base64, by kid: the form it takes in an
    /// `x5c` header, so the usual signer is recognised without decoding or hashing `x5c`.
    x5c_by_kid: HashMap<String, String>,
    /// Certificates found but not trusted, with the reason (shown at start-up).
    pub rejected: Vec<(String, String)>,
}

impl TrustStore {
    /// Loads `root.crt`, every `<region>/ca.crt` and every role certificate (a node without
    /// a trust list trusts its own certificate folder; the folder names the region).
    pub fn load(dir: &Path) -> Result<Self, PkiError> {
        let root_path = dir.join("root.crt");
        if !root_path.exists() {
            return Err(PkiError::Missing {
                what: "root.crt".into(),
                dir: dir.to_path_buf(),
            });
        }
        let mut store = TrustStore::default();
        store.add_root(read_pem_der(&root_path)?);
        let mut leaves = Vec::new();
        let tl = dir.join("trust-list-signer.crt");
        if tl.exists() {
            leaves.push(read_pem_der(&tl)?);
        }
        let mut entries: Vec<_> = fs::read_dir(dir)
            .map_err(super::files::io_err(dir))?
            .filter_map(Result::ok)
            .filter_map(|e| {
                let region = RegionCode::parse(&e.file_name().to_string_lossy()).ok()?;
                Some((e.path(), region))
            })
            .collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        for (rdir, region) in entries {
            // `ca*.crt` are regional CAs; every other `.crt` is a role certificate, current
            // or rolled over (`<role>.<kid>.crt`, still trusted for what it signed).
            let mut files: Vec<_> = fs::read_dir(&rdir)
                .map_err(super::files::io_err(&rdir))?
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".crt"))
                .collect();
            files.sort();
            for name in files {
                let der = read_pem_der(&rdir.join(&name))?;
                if name.starts_with("ca") {
                    store.add_region_ca(region, der);
                } else {
                    leaves.push(der);
                }
            }
        }
        for der in leaves {
            store.add_leaf(der);
        }
        Ok(store)
    }

    /// A store of one national root, from its PEM file: what a verifier-only node checks
    /// the trust list against (everything else it trusts comes from the list).
    pub fn from_root_file(path: &Path) -> Result<Self, PkiError> {
        let der = read_pem_der(path)?;
        CertInfo::parse(&der).map_err(|e| {
            PkiError::Refused(format!("{} is not a root certificate: {e}", path.display()))
        })?;
        let mut store = TrustStore::default();
        store.add_root(der);
        Ok(store)
    }

    pub fn add_root(&mut self, der: Vec<u8>) {
        if let Ok(info) = CertInfo::parse(&der) {
            self.root_infos.push(info);
            self.roots.push(der);
        }
    }

    /// Adds a regional CA listed under `region`: refused (in `rejected`) when the CA's own
    /// region differs, so a certificate's region is always the region its CA is listed for.
    pub fn add_region_ca(&mut self, region: RegionCode, der: Vec<u8>) {
        match CertInfo::parse(&der) {
            Ok(info) if info.region == Some(region) => {
                self.cas.push(info);
                if !self.regions.contains(&region) {
                    self.regions.push(region);
                }
            }
            Ok(info) => self.rejected.push((
                info.subject_cn.clone(),
                format!(
                    "CA {} is listed under region {region} but names region {}",
                    info.describe(),
                    info.region
                        .map_or_else(|| "(none)".into(), |r| r.to_string())
                ),
            )),
            Err(e) => self.rejected.push(("CA certificate".into(), e.to_string())),
        }
    }

    /// A store of the national root(s) alone: what a trust list is checked against.
    pub fn roots_only(&self) -> TrustStore {
        let mut store = TrustStore::default();
        for root in &self.roots {
            store.add_root(root.clone());
        }
        store
    }

    /// The signer of a token, from its `x5c`, when it is not a listed certificate (those
    /// the caller finds by kid): a per-seal certificate must chain to a listed regional CA
    /// (nothing else in `x5c` counts); any other role is trusted only when listed. The rest
    /// of `x5c` serves only to say why not, e.g. that the issuing region is not listed.
    pub fn validate_signer(&self, x5c: &[Vec<u8>], role: Role) -> Result<TrustedCert, ChainError> {
        let leaf = x5c
            .first()
            .ok_or(ChainError::NoSigningCertificate)
            .and_then(|d| CertInfo::parse(d).map_err(|_| ChainError::UnreadableX5c))?;
        match self.validate_chain(&leaf, role) {
            Ok(t) if !role.listed_individually() => Ok(t),
            Ok(_) => Err(ChainError::NotListed {
                leaf: leaf.describe(),
            }),
            Err(e @ ChainError::NoTrustedIssuer { .. }) => {
                Err(self.unlisted_region(&leaf, &x5c[1..]).unwrap_or(e))
            }
            Err(e) => Err(e),
        }
    }

    /// The region of a CA in `candidates` that issued `leaf`, is issued by a root, and is
    /// not listed.
    fn unlisted_region(&self, leaf: &CertInfo, candidates: &[Vec<u8>]) -> Option<ChainError> {
        candidates
            .iter()
            .filter_map(|d| CertInfo::parse(d).ok())
            .filter(|ca| self.issued_by(leaf, ca))
            .filter(|ca| self.root_infos.iter().any(|r| self.issued_by(ca, r)))
            .find_map(|ca| ca.region.filter(|r| !self.regions.contains(r)))
            .map(|region| ChainError::RegionNotListed {
                leaf: leaf.describe(),
                region,
            })
    }

    /// Adds a role certificate if its chain validates for one of its roles.
    pub fn add_leaf(&mut self, der: Vec<u8>) {
        let info = match CertInfo::parse(&der) {
            Ok(i) => i,
            Err(e) => {
                return self
                    .rejected
                    .push(("role certificate".into(), e.to_string()));
            }
        };
        let Some(&role) = info.roles.first() else {
            let e = ChainError::NoRole {
                leaf: info.describe(),
            };
            return self.rejected.push((info.subject_cn.clone(), e.to_string()));
        };
        match self.validate_chain(&info, role) {
            Ok(trusted) => {
                self.x5c_by_kid
                    .insert(info.kid.clone(), crate::b64::encode_std(&info.der));
                self.by_kid.insert(info.kid.clone(), Arc::new(trusted));
            }
            Err(e) => self.rejected.push((info.subject_cn.clone(), e.to_string())),
        }
    }

    /// Validates `leaf` → a known CA → a root with rustls-webpki, requiring `role` as EKU,
    /// at a moment inside every certificate's validity (time is checked separately).
    /// Only the store's CAs are intermediates: none are taken from a token.
    pub fn validate_chain(&self, leaf: &CertInfo, role: Role) -> Result<TrustedCert, ChainError> {
        let ca = self
            .cas
            .iter()
            .chain(self.root_infos.iter())
            .find(|ca| self.issued_by(leaf, ca))
            .ok_or_else(|| ChainError::NoTrustedIssuer {
                leaf: leaf.describe(),
            })?;
        let root = self
            .root_infos
            .iter()
            .find(|r| r.sha256_hex == ca.sha256_hex || self.issued_by(ca, r))
            .ok_or_else(|| ChainError::CaNotUnderRoot {
                ca: ca.subject_cn.clone(),
            })?;
        // Who may issue what: the root issues the trust-list signer (and regional CAs), a
        // regional CA only regional roles, and only for its own region. A certificate's
        // region is its issuing CA's; one that claims another is refused.
        let by_root = ca.sha256_hex == root.sha256_hex;
        if by_root != (role == Role::TrustListSigner) {
            return Err(ChainError::RoleNotForIssuer {
                leaf: leaf.describe(),
                role,
                issuer: ca.subject_cn.clone(),
            });
        }
        if !by_root && leaf.region != ca.region {
            let name =
                |r: Option<RegionCode>| r.map_or_else(|| "(none)".to_string(), |r| r.to_string());
            return Err(ChainError::RegionMismatch {
                leaf: leaf.describe(),
                claimed: name(leaf.region),
                issuer_region: name(ca.region),
            });
        }
        let start = leaf.not_before.max(ca.not_before).max(root.not_before);
        let end = leaf.not_after.min(ca.not_after).min(root.not_after);
        if start >= end {
            return Err(ChainError::NoCommonValidity {
                leaf: leaf.describe(),
            });
        }
        let anchors_der: Vec<CertificateDer<'_>> = self
            .roots
            .iter()
            .map(|d| CertificateDer::from(d.as_slice()))
            .collect();
        let anchors: Vec<_> = anchors_der
            .iter()
            .filter_map(|c| anchor_from_trusted_cert(c).ok())
            .collect();
        let intermediates: Vec<CertificateDer<'_>> = self
            .cas
            .iter()
            .map(|c| CertificateDer::from(c.der.as_slice()))
            .collect();
        let leaf_der = CertificateDer::from(leaf.der.as_slice());
        let ee = EndEntityCert::try_from(&leaf_der)
            .map_err(|e| ChainError::Unreadable(format!("{e:?}")))?;
        let at =
            UnixTime::since_unix_epoch(std::time::Duration::from_secs((start + 1).max(0) as u64));
        ee.verify_for_usage(
            &[webpki::ring::ECDSA_P256_SHA256],
            &anchors,
            &intermediates,
            at,
            KeyUsage::required(role.oid_der()),
            None,
            None,
        )
        .map_err(|e| ChainError::NotValidForRole {
            leaf: leaf.describe(),
            role,
            why: webpki_in_words(&e),
        })?;
        if !leaf.digital_signature {
            return Err(ChainError::NoDigitalSignature {
                leaf: leaf.describe(),
            });
        }
        Ok(TrustedCert {
            info: leaf.clone(),
            ca: ca.clone(),
            window: (start, end),
        })
    }

    fn issued_by(&self, cert: &CertInfo, ca: &CertInfo) -> bool {
        let (Ok((_, c)), Ok((_, i))) = (
            X509Certificate::from_der(&cert.der),
            X509Certificate::from_der(&ca.der),
        ) else {
            return false;
        };
        c.issuer() == i.subject() && c.verify_signature(Some(i.public_key())).is_ok()
    }

    pub fn by_kid(&self, kid: &str) -> Option<Arc<TrustedCert>> {
        self.by_kid.get(kid).cloned()
    }

    /// The listed certificate of `kid` when `x5c_leaf` (an `x5c` entry, as sent) is exactly
    /// its DER in standard base64; `None` sends the caller to decode `x5c`.
    pub fn listed_by_x5c(&self, kid: &str, x5c_leaf: &str) -> Option<Arc<TrustedCert>> {
        if self.x5c_by_kid.get(kid)? != x5c_leaf {
            return None;
        }
        self.by_kid(kid)
    }

    pub fn trusted(&self) -> impl Iterator<Item = &Arc<TrustedCert>> {
        self.by_kid.values()
    }

    /// The regions whose CAs this store holds.
    pub fn regions(&self) -> &[RegionCode] {
        &self.regions
    }

    pub fn cas(&self) -> &[CertInfo] {
        &self.cas
    }

    pub fn roots(&self) -> &[CertInfo] {
        &self.root_infos
    }
}

/// Why rustls-webpki refused a chain, in words a person acts on (its Debug text names
/// internal types and raw OIDs).
fn webpki_in_words(e: &webpki::Error) -> String {
    use webpki::Error as E;
    match e {
        E::RequiredEkuNotFoundContext(_) => {
            "a certificate of the chain does not carry this role's extended key usage".into()
        }
        E::CertExpired { .. } => "a certificate of the chain had expired".into(),
        E::CertNotValidYet { .. } => "a certificate of the chain was not valid yet".into(),
        E::UnknownIssuer => "its issuer is not a trusted CA".into(),
        E::CertRevoked => "a certificate of the chain is revoked".into(),
        E::InvalidSignatureForPublicKey => {
            "a certificate's signature does not verify with its issuer's key".into()
        }
        E::CaUsedAsEndEntity => "a CA certificate is used to sign".into(),
        E::EndEntityUsedAsCa => "an end-entity certificate is used as a CA".into(),
        E::PathLenConstraintViolated | E::MaximumPathDepthExceeded => {
            "the chain is longer than its CAs allow".into()
        }
        E::UnsupportedSignatureAlgorithmContext(_)
        | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => {
            "a certificate is signed with an algorithm not accepted here".into()
        }
        _ => "the certificate chain does not validate".into(),
    }
}
