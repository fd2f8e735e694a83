//! Creating the development PKI (`zhengtong pki init`) and issuing under a regional CA.

use std::fs;
use std::path::{Path, PathBuf};

use rcgen::string::PrintableString;
use rcgen::{
    BasicConstraints, CertificateParams, CrlDistributionPoint, DistinguishedName, DnType, DnValue,
    IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256, PublicKeyData,
    SanType, SerialNumber,
};
use ring::rand::{SecureRandom, SystemRandom};
use time::{Duration, OffsetDateTime};

use super::crl::{self, DEV_PUBLIC_URL, ROOT_CRL_DAYS, ROOT_CRL_FILE};
use super::files::{io_err, read_pem_der, read_to_string, write_atomic};
use super::{PkiError, Role, kid_of};
use crate::domain::RegionCode;

const ROOT_CN: &str = "证通国家根CA (开发)";

/// What `init` did, so the caller can say it.
#[derive(Debug, Default)]
pub struct InitReport {
    pub created: Vec<PathBuf>,
}

/// [`init_at`] with the development public URL.
pub fn init(dir: &Path, regions: &[RegionCode]) -> Result<InitReport, PkiError> {
    init_at(dir, regions, DEV_PUBLIC_URL)
}

/// Creates whatever is missing: the root (with its empty CRL), the trust-list signer, each
/// region's CA and role certificates. Existing files are kept, so nodes of several regions
/// can share one folder. `public_url` is the node base named in CRL distribution points.
pub fn init_at(
    dir: &Path,
    regions: &[RegionCode],
    public_url: &str,
) -> Result<InitReport, PkiError> {
    let mut report = root_files(dir, public_url)?;
    let root = load_issuer(&dir.join("root.crt"), &dir.join("root.key"))?;
    for region in regions {
        let rdir = dir.join(region.as_str());
        fs::create_dir_all(&rdir).map_err(io_err(&rdir))?;
        let ca_crt = rdir.join("ca.crt");
        let ca_key = rdir.join("ca.key");
        if !ca_crt.exists() {
            let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
            let cert = region_ca_params(&key, region, public_url)?.signed_by(&key, &root)?;
            write_atomic(&ca_key, key.serialize_pem().as_bytes(), true)?;
            write_atomic(&ca_crt, cert.pem().as_bytes(), false)?;
            report.created.push(ca_crt.clone());
        }
        report.created.extend(role_files(dir, region, public_url)?);
    }
    Ok(report)
}

/// The root key and certificate, its empty CRL and the trust-list signer, if missing.
/// `public_url` is the node that serves (a copy of) the root's CRL, named in the
/// trust-list signer's CRL distribution point.
pub(super) fn root_files(dir: &Path, public_url: &str) -> Result<InitReport, PkiError> {
    fs::create_dir_all(dir).map_err(io_err(dir))?;
    let mut report = InitReport::default();
    let root_crt = dir.join("root.crt");
    let root_key = dir.join("root.key");
    if !root_crt.exists() {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
        let mut params = base_params(&key, ROOT_CN, "证通 zhengtong", None, 20 * 365)?;
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(1));
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let cert = params.self_signed(&key)?;
        write_atomic(&root_key, key.serialize_pem().as_bytes(), true)?;
        write_atomic(&root_crt, cert.pem().as_bytes(), false)?;
        report.created.push(root_crt.clone());
    }
    let root = load_issuer(&root_crt, &root_key)?;
    let root_crl = dir.join(ROOT_CRL_FILE);
    if !root_crl.exists() {
        // No regional CA is revoked yet: an empty CRL, so that `-crl_check_all` and
        // path validators that want a CRL for every CA find one.
        let der = crl::make_crl(
            &root,
            &read_pem_der(&root_crt)?,
            &[],
            OffsetDateTime::now_utc(),
            Duration::days(ROOT_CRL_DAYS),
        )?;
        write_atomic(&root_crl, crl::crl_pem(&der).as_bytes(), false)?;
        report.created.push(root_crl);
    }
    let tl = dir.join("trust-list-signer.crt");
    if !tl.exists() {
        issue_role_files(
            dir,
            &root,
            Role::TrustListSigner,
            None,
            "证通国家信任列表",
            &crl::root_crl_uri(public_url),
        )?;
        report.created.push(tl);
    }
    Ok(report)
}

/// What the root puts in a regional CA certificate, whoever made the key: only the public
/// key and the region come from the requester. The EKUs stay on the CA (every role, and
/// the seal's standard purposes) because rustls-webpki, openssl and NSS read a CA's EKU as
/// a limit on what it certifies.
pub(super) fn region_ca_params(
    key: &impl PublicKeyData,
    region: &RegionCode,
    public_url: &str,
) -> Result<CertificateParams, PkiError> {
    let cn = format!("{} 区域CA {}", region.name(), region);
    let mut params = base_params(key, &cn, &region.authority_name(), Some(region), 10 * 365)?;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params.extended_key_usages = super::ext::ca_purposes();
    params.crl_distribution_points = vec![CrlDistributionPoint {
        uris: vec![crl::root_crl_uri(public_url)],
    }];
    Ok(params)
}

/// The region's role certificates under its current CA (`<region>/ca.crt` and `ca.key`),
/// those that are missing. Returns the files made.
pub(super) fn role_files(
    dir: &Path,
    region: &RegionCode,
    public_url: &str,
) -> Result<Vec<PathBuf>, PkiError> {
    let rdir = dir.join(region.as_str());
    let ca_crt = rdir.join("ca.crt");
    let ca = load_issuer(&ca_crt, &rdir.join("ca.key"))?;
    let cdp = crl::region_crl_uri(public_url, region, &kid_of(&read_pem_der(&ca_crt)?));
    let mut made = Vec::new();
    for role in Role::REGIONAL {
        let crt = rdir.join(format!("{}.crt", role.file_stem()));
        if !crt.exists() {
            let org = organisation(role, region);
            let iss = issuer_uri(public_url, region, role);
            issue_role_files(&rdir, &ca, role, Some((region, &iss)), &org, &cdp)?;
            made.push(crt);
        }
    }
    Ok(made)
}

/// The organisation that holds a role's key in a region.
fn organisation(role: Role, region: &RegionCode) -> String {
    match role {
        Role::PoliceRegistry => format!("{}公安局", region.name()),
        Role::TaxIssuer => format!("国家税务总局{}税务局", region.name()),
        _ => region.authority_name(),
    }
}

/// Issues a role certificate and writes it with its new key. `regional` is the region and
/// the issuer URI (a URI SAN; `iss` of what the key signs) of a regional role, `None` for
/// the national trust-list signer; `cdp` is its issuer's CRL.
fn issue_role_files(
    dir: &Path,
    issuer: &Issuer<'_, KeyPair>,
    role: Role,
    regional: Option<(&RegionCode, &str)>,
    org: &str,
    cdp: &str,
) -> Result<(), PkiError> {
    let region = regional.map(|(r, _)| r);
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
    let cn = format!("{org} {}", role.name_zh());
    let mut params = base_params(&key, &cn, org, region, 5 * 365)?;
    if role == Role::TimeStamping {
        // RFC 3161 §2.3: id-kp-timeStamping alone, critical; nonRepudiation as linters want
        // of a key whose signatures attest a fact (the time) to third parties.
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::ContentCommitment,
        ];
        params
            .custom_extensions
            .push(super::ext::critical_eku(&role.oid_components()));
    } else {
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = super::ext::purposes(role);
    }
    params.crl_distribution_points = vec![CrlDistributionPoint {
        uris: vec![cdp.to_string()],
    }];
    if let Some((_, iss)) = regional {
        params.subject_alt_names = vec![SanType::URI(iss.try_into()?)];
    }
    let cert = params.signed_by(&key, issuer)?;
    write_atomic(
        &dir.join(format!("{}.key", role.file_stem())),
        key.serialize_pem().as_bytes(),
        true,
    )?;
    write_atomic(
        &dir.join(format!("{}.crt", role.file_stem())),
        cert.pem().as_bytes(),
        false,
    )
}

/// The issuer URI of a region's role, served by the region's node at `public_url`: a URI
/// SAN of the role's certificates, and the `iss` of what its key signs (a verifier finds it
/// in the signing certificate). One per region and role, so that a relying party tells the
/// licence authority from the tax bureau by `iss` alone. Certificates made before it named
/// the region alone (`https://zhengtong.example/regions/<region>`); they keep that name.
pub fn issuer_uri(public_url: &str, region: &RegionCode, role: Role) -> String {
    format!(
        "{}/v1/issuers/{region}/{}",
        public_url.trim_end_matches('/'),
        role.file_stem()
    )
}

/// Subject Key Identifier by RFC 7093 method 1: the leftmost 160 bits of the SHA-256 of
/// the subjectPublicKey bits (linters recognise it; rcgen's own hashes the whole SPKI).
pub(super) fn key_id(subject_public_key: &[u8]) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, subject_public_key).as_ref()[..20].to_vec()
}

pub(super) fn base_params(
    key: &impl PublicKeyData,
    cn: &str,
    org: &str,
    region: Option<&RegionCode>,
    days: i64,
) -> Result<CertificateParams, PkiError> {
    let mut params = CertificateParams::default();
    params.key_identifier_method = KeyIdMethod::PreSpecified(key_id(key.der_bytes()));
    let mut dn = DistinguishedName::new();
    push_country(&mut dn);
    dn.push(DnType::OrganizationName, org);
    if let Some(r) = region {
        dn.push(DnType::OrganizationalUnitName, r.as_str());
    }
    dn.push(DnType::CommonName, cn);
    params.distinguished_name = dn;
    // Valid from the second it is made (X.509 times have whole seconds), not backdated.
    let now = OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or(OffsetDateTime::now_utc());
    params.not_before = now;
    params.not_after = now + Duration::days(days);
    params.serial_number = Some(random_serial());
    params.use_authority_key_identifier_extension = true;
    // An end entity unless the caller makes it a CA: an explicit `cA = false` and a Subject
    // Key Identifier (RFC 5280 4.2.1.2), which rcgen writes only when told.
    params.is_ca = IsCa::ExplicitNoCa;
    Ok(params)
}

/// RFC 5280 (appendix A) wants countryName as a PrintableString.
pub(super) fn push_country(dn: &mut DistinguishedName) {
    dn.push(
        DnType::CountryName,
        DnValue::PrintableString(PrintableString::try_from("CN").expect("CN is printable")),
    );
}

/// serialNumber (2.5.4.5) is a PrintableString too; a value that is not printable (never a
/// USCC) stays UTF-8 rather than being lost.
pub(super) fn subject_value(t: &DnType, v: &str) -> DnValue {
    let is_serial = matches!(t, DnType::CustomDnType(oid) if oid == &[2, 5, 4, 5]);
    match PrintableString::try_from(v) {
        Ok(p) if is_serial => DnValue::PrintableString(p),
        _ => DnValue::Utf8String(v.to_string()),
    }
}

fn random_serial() -> SerialNumber {
    let mut b = [0u8; 16];
    // SystemRandom fails only if the OS has no randomness; a fixed serial is then still valid.
    let _ = SystemRandom::new().fill(&mut b);
    b[0] &= 0x7f;
    b[0] |= 0x01;
    SerialNumber::from_slice(&b)
}

pub(super) fn load_issuer(crt: &Path, key: &Path) -> Result<Issuer<'static, KeyPair>, PkiError> {
    let key_pem = read_to_string(key)?;
    let kp = KeyPair::from_pem(&key_pem).map_err(|e| PkiError::Invalid {
        path: key.to_path_buf(),
        reason: e.to_string(),
    })?;
    Issuer::from_ca_cert_pem(&read_to_string(crt)?, kp).map_err(|e| PkiError::Invalid {
        path: crt.to_path_buf(),
        reason: e.to_string(),
    })
}

/// Rolls a region's role key over: the current certificate is kept as
/// `<role>.<kid>.crt` (still trusted, so what it signed keeps verifying until it expires),
/// its private key is deleted, and a new key and certificate take its place.
/// Returns the archived certificate's path.
pub fn rollover(dir: &Path, region: &RegionCode, role: Role) -> Result<PathBuf, PkiError> {
    let rdir = dir.join(region.as_str());
    let crt = rdir.join(format!("{}.crt", role.file_stem()));
    let key = rdir.join(format!("{}.key", role.file_stem()));
    let der = read_pem_der(&crt)?;
    let archived = rdir.join(format!("{}.{}.crt", role.file_stem(), kid_of(&der)));
    let ca = load_issuer(&rdir.join("ca.crt"), &rdir.join("ca.key"))?;
    // The new certificate keeps the old one's CRL distribution point (same CA, same node),
    // and takes its issuer URI from that node.
    let cdp = crl::cdp_uris(&der)
        .into_iter()
        .next()
        .ok_or_else(|| PkiError::Invalid {
            path: crt.clone(),
            reason: "no CRL distribution point to keep".into(),
        })?;
    let iss = issuer_uri(crl::node_base(&cdp), region, role);
    fs::rename(&crt, &archived).map_err(io_err(&crt))?;
    fs::remove_file(&key).map_err(io_err(&key))?;
    issue_role_files(
        &rdir,
        &ca,
        role,
        Some((region, &iss)),
        &organisation(role, region),
        &cdp,
    )?;
    Ok(archived)
}
