//! Creating the development PKI (`zhengtong pki init`) and issuing under a regional CA.

use std::fs;
use std::path::{Path, PathBuf};

use rcgen::string::PrintableString;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, DnValue,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose,
    PKCS_ECDSA_P256_SHA256, SanType, SerialNumber,
};
use ring::rand::{SecureRandom, SystemRandom};
use time::{Duration, OffsetDateTime};

use super::files::{io_err, read_to_string, write_atomic};
use super::{PkiError, Role};
use crate::domain::RegionCode;

const ROOT_CN: &str = "证通国家根CA (开发)";

/// What `init` did, so the caller can say it.
#[derive(Debug, Default)]
pub struct InitReport {
    pub created: Vec<PathBuf>,
}

/// Creates whatever is missing: the root, the trust-list signer, each region's CA and
/// role certificates. Existing files are kept, so nodes of several regions can share
/// one folder.
pub fn init(dir: &Path, regions: &[RegionCode]) -> Result<InitReport, PkiError> {
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
    let tl = dir.join("trust-list-signer.crt");
    if !tl.exists() {
        issue_role_files(dir, &root, Role::TrustListSigner, None, "证通国家信任列表")?;
        report.created.push(tl);
    }
    for region in regions {
        let rdir = dir.join(region.as_str());
        fs::create_dir_all(&rdir).map_err(io_err(&rdir))?;
        let ca_crt = rdir.join("ca.crt");
        let ca_key = rdir.join("ca.key");
        if !ca_crt.exists() {
            let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
            let cn = format!("{} 区域CA {}", region.name(), region);
            let mut params =
                base_params(&key, &cn, &region.authority_name(), Some(region), 10 * 365)?;
            params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
            params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
            params.extended_key_usages = Role::ALL
                .iter()
                .map(|r| ExtendedKeyUsagePurpose::Other(r.oid_components()))
                .collect();
            let cert = params.signed_by(&key, &root)?;
            write_atomic(&ca_key, key.serialize_pem().as_bytes(), true)?;
            write_atomic(&ca_crt, cert.pem().as_bytes(), false)?;
            report.created.push(ca_crt.clone());
        }
        let ca = load_issuer(&ca_crt, &ca_key)?;
        for role in Role::REGIONAL {
            let crt = rdir.join(format!("{}.crt", role.file_stem()));
            if !crt.exists() {
                let org = organisation(role, region);
                issue_role_files(&rdir, &ca, role, Some(region), &org)?;
                report.created.push(crt);
            }
        }
    }
    Ok(report)
}

/// The organisation that holds a role's key in a region.
fn organisation(role: Role, region: &RegionCode) -> String {
    match role {
        Role::PoliceRegistry => format!("{}公安局", region.name()),
        Role::TaxIssuer => format!("国家税务总局{}税务局", region.name()),
        _ => region.authority_name(),
    }
}

fn issue_role_files(
    dir: &Path,
    issuer: &Issuer<'_, KeyPair>,
    role: Role,
    region: Option<&RegionCode>,
    org: &str,
) -> Result<(), PkiError> {
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
    let cn = format!("{org} {}", role.name_zh());
    let mut params = base_params(&key, &cn, org, region, 5 * 365)?;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::Other(role.oid_components())];
    if let Some(r) = region {
        params.subject_alt_names = vec![SanType::URI(issuer_uri(r).try_into()?)];
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

/// The `iss` of credentials from a region, also a URI SAN of its role certificates.
pub fn issuer_uri(region: &RegionCode) -> String {
    format!("https://zhengtong.example/regions/{region}")
}

fn base_params(
    key: &KeyPair,
    cn: &str,
    org: &str,
    region: Option<&RegionCode>,
    days: i64,
) -> Result<CertificateParams, PkiError> {
    let mut params = CertificateParams::default();
    // Subject Key Identifier by RFC 7093 method 1: the leftmost 160 bits of the SHA-256 of
    // the subjectPublicKey bits (linters recognise it; rcgen's own hashes the whole SPKI).
    let digest = ring::digest::digest(&ring::digest::SHA256, key.public_key_raw());
    params.key_identifier_method = KeyIdMethod::PreSpecified(digest.as_ref()[..20].to_vec());
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
fn push_country(dn: &mut DistinguishedName) {
    dn.push(
        DnType::CountryName,
        DnValue::PrintableString(PrintableString::try_from("CN").expect("CN is printable")),
    );
}

/// serialNumber (2.5.4.5) is a PrintableString too; a value that is not printable (never a
/// USCC) stays UTF-8 rather than being lost.
fn subject_value(t: &DnType, v: &str) -> DnValue {
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

fn load_issuer(crt: &Path, key: &Path) -> Result<Issuer<'static, KeyPair>, PkiError> {
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

/// A regional CA loaded with its key, to issue certificates at run time (company seals).
pub struct RegionCa {
    issuer: Issuer<'static, KeyPair>,
    pub region: RegionCode,
    pub ca_pem: String,
}

impl RegionCa {
    pub fn load(dir: &Path, region: &RegionCode) -> Result<Self, PkiError> {
        let rdir = dir.join(region.as_str());
        let crt = rdir.join("ca.crt");
        Ok(RegionCa {
            issuer: load_issuer(&crt, &rdir.join("ca.key"))?,
            region: *region,
            ca_pem: read_to_string(&crt)?,
        })
    }

    /// Issues a certificate for `role` to a public key generated elsewhere (a seal key).
    /// Returns the certificate PEM.
    pub fn issue(
        &self,
        role: Role,
        subject: &[(DnType, String)],
        public_key: &KeyPair,
        days: i64,
    ) -> Result<String, PkiError> {
        let mut params = base_params(public_key, "", "", Some(&self.region), days)?;
        let mut dn = DistinguishedName::new();
        push_country(&mut dn);
        dn.push(DnType::OrganizationalUnitName, self.region.as_str());
        for (t, v) in subject {
            dn.push(t.clone(), subject_value(t, v));
        }
        params.distinguished_name = dn;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::Other(role.oid_components())];
        Ok(params.signed_by(public_key, &self.issuer)?.pem())
    }
}

/// Rolls a region's role key over: the current certificate is kept as
/// `<role>.<kid>.crt` (still trusted, so what it signed keeps verifying until it expires),
/// its private key is deleted, and a new key and certificate take its place.
/// Returns the archived certificate's path.
pub fn rollover(dir: &Path, region: &RegionCode, role: Role) -> Result<PathBuf, PkiError> {
    let rdir = dir.join(region.as_str());
    let crt = rdir.join(format!("{}.crt", role.file_stem()));
    let key = rdir.join(format!("{}.key", role.file_stem()));
    let der = super::files::read_pem_der(&crt)?;
    let archived = rdir.join(format!("{}.{}.crt", role.file_stem(), super::kid_of(&der)));
    let ca = load_issuer(&rdir.join("ca.crt"), &rdir.join("ca.key"))?;
    fs::rename(&crt, &archived).map_err(io_err(&crt))?;
    fs::remove_file(&key).map_err(io_err(&key))?;
    issue_role_files(&rdir, &ca, role, Some(region), &organisation(role, region))?;
    Ok(archived)
}
