//! The PKI ceremony: the national root and each region make their keys in their own folders
//! and exchange only certificates, CSRs and CRLs.
//!
//! ```text
//! root:   pki root init --out ROOT              root.key root.crt root.crl trust-list-signer.*
//! region: pki region request --region R --out D D/R/ca.key D/R/ca.csr
//! root:   pki region sign --root ROOT --region R --csr ca.csr --out ca.crt
//! region: pki region install --region-dir D --region R --cert ca.crt --root-cert root.crt
//!                                                D/root.crt D/R/ca.crt, role certificates
//! region: pki region rollover --region-dir D --region R
//!                                                D/R/ca-next.key ca-next.csr; after signing,
//!                                                `install` archives the old CA as ca.<kid>.*
//! ```
//! A region folder is then what `serve --certs D --region R` expects, and the root, given
//! each region's `*.crt` in `ROOT/<region>/`, signs the trust list (`trust-list sign`).

use std::fs;
use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, CertificateSigningRequestParams, DistinguishedName,
    DnType, DnValue, IsCa, KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256,
};
use x509_parser::prelude::{FromDer, X509Certificate};

use super::create::{self, InitReport, load_issuer, push_country, region_ca_params};
use super::crl::ROOT_CRL_FILE;
use super::files::{io_err, read_pem_der, read_to_string, write_atomic};
use super::{PkiError, Role, kid_of};
use crate::domain::RegionCode;

/// `pki root init`: the national root (key, certificate, empty CRL) and the trust-list
/// signer directly under it. Nothing regional. `public_url` names where the root's CRL is
/// served, in the trust-list signer's CRL distribution point.
pub fn root_init(dir: &Path, public_url: &str) -> Result<InitReport, PkiError> {
    create::root_files(dir, public_url)
}

/// What `region request` (or `region rollover`) wrote.
#[derive(Debug)]
pub struct RegionRequest {
    pub key: PathBuf,
    pub csr: PathBuf,
}

fn refused(reason: impl Into<String>) -> PkiError {
    PkiError::Refused(reason.into())
}

/// `pki region request` (`rollover: false`) or `pki region rollover` (`true`): a new regional
/// CA key, kept in `<dir>/<region>/`, and a CSR for the root. Never overwrites a key.
pub fn region_request(
    dir: &Path,
    region: &RegionCode,
    rollover: bool,
) -> Result<RegionRequest, PkiError> {
    let rdir = dir.join(region.as_str());
    let has_ca = rdir.join("ca.crt").exists();
    let stem = match (rollover, has_ca) {
        (false, false) => "ca",
        (true, true) => "ca-next",
        (false, true) => {
            return Err(refused(format!(
                "{} already has a CA certificate; use `pki region rollover` for a new CA",
                rdir.display()
            )));
        }
        (true, false) => {
            return Err(refused(format!(
                "{} has no installed CA to roll over; use `pki region request`",
                rdir.display()
            )));
        }
    };
    let key_path = rdir.join(format!("{stem}.key"));
    if key_path.exists() {
        return Err(refused(format!(
            "{} exists: a request is pending; send {} to the root, then `pki region install`",
            key_path.display(),
            rdir.join(format!("{stem}.csr")).display()
        )));
    }
    fs::create_dir_all(&rdir).map_err(io_err(&rdir))?;
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    push_country(&mut dn);
    dn.push(DnType::OrganizationName, region.authority_name());
    dn.push(DnType::OrganizationalUnitName, region.as_str());
    dn.push(
        DnType::CommonName,
        format!("{} 区域CA {}", region.name(), region),
    );
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let csr = params.serialize_request(&key)?;
    let csr_path = rdir.join(format!("{stem}.csr"));
    write_atomic(&key_path, key.serialize_pem().as_bytes(), true)?;
    write_atomic(&csr_path, csr.pem()?.as_bytes(), false)?;
    Ok(RegionRequest {
        key: key_path,
        csr: csr_path,
    })
}

fn dn_text(v: &DnValue) -> Option<String> {
    match v {
        DnValue::Utf8String(s) => Some(s.clone()),
        DnValue::PrintableString(s) => Some(s.as_str().to_string()),
        _ => None,
    }
}

/// `pki region sign`: the root signs a region's CA request. Refused unless the CSR's
/// signature verifies, it asks for a CA, names region `expected` and has a P-256 key. Only the
/// public key and the region are taken from the CSR; the rest is the root's profile.
/// `public_url` is where the region's node serves (a copy of) the root's CRL.
pub fn region_sign(
    root_dir: &Path,
    csr_pem: &str,
    expected: &RegionCode,
    public_url: &str,
) -> Result<String, PkiError> {
    let csr = CertificateSigningRequestParams::from_pem(csr_pem).map_err(|e| {
        refused(format!(
            "not a certificate signing request we can sign ({e}): make it with `pki region request`"
        ))
    })?;
    if !matches!(csr.params.is_ca, IsCa::Ca(_)) {
        return Err(refused(
            "the request is not for a CA (no basicConstraints cA=true): the root signs only regional CAs",
        ));
    }
    if !csr
        .params
        .key_usages
        .contains(&KeyUsagePurpose::KeyCertSign)
    {
        return Err(refused(
            "the request does not ask for keyCertSign: not a CA request",
        ));
    }
    let ou = csr
        .params
        .distinguished_name
        .get(&DnType::OrganizationalUnitName)
        .and_then(dn_text)
        .ok_or_else(|| refused("the request names no region (no OU in its subject)"))?;
    let region = RegionCode::parse(&ou).map_err(|e| {
        refused(format!(
            "the request's region {ou:?} is not a region code: {e}"
        ))
    })?;
    if &region != expected {
        return Err(refused(format!(
            "the request is for region {region}, not {expected}: refusing to sign"
        )));
    }
    if csr.public_key.algorithm() != &PKCS_ECDSA_P256_SHA256 {
        return Err(refused("the request's key is not ECDSA P-256"));
    }
    let root = load_issuer(&root_dir.join("root.crt"), &root_dir.join("root.key"))?;
    let cert = region_ca_params(&csr.public_key, &region, public_url)?
        .signed_by(&csr.public_key, &root)?;
    Ok(cert.pem())
}

/// `pki region install`: puts the root-signed CA certificate in the region folder, with the
/// root certificate (and its CRL), and makes the role certificates under it. When the
/// certificate is for a pending rollover key (`ca-next.key`), the current CA is archived as
/// `ca.<kid>.crt|key` (still trusted; its key signs only its CRL from now on), the role
/// certificates are archived as `<role>.<kid>.crt` (their keys deleted) and issued anew.
pub fn region_install(
    dir: &Path,
    region: &RegionCode,
    cert_pem: &str,
    root_pem: &str,
    root_crl_pem: Option<&str>,
    public_url: &str,
) -> Result<InitReport, PkiError> {
    let rdir = dir.join(region.as_str());
    let cert_der = pem_der(cert_pem, "the CA certificate")?;
    let root_der = pem_der(root_pem, "the root certificate")?;
    let (_, cert) = X509Certificate::from_der(&cert_der)
        .map_err(|e| refused(format!("the CA certificate does not parse: {e}")))?;
    let (_, root) = X509Certificate::from_der(&root_der)
        .map_err(|e| refused(format!("the root certificate does not parse: {e}")))?;
    if cert.issuer() != root.subject() || cert.verify_signature(Some(root.public_key())).is_err() {
        return Err(refused("the CA certificate was not signed by this root"));
    }
    let info = super::CertInfo::parse(&cert_der).map_err(|e| refused(e.to_string()))?;
    if info.region.as_ref() != Some(region) || !cert.is_ca() {
        return Err(refused(format!(
            "the certificate is not a CA certificate for region {region}"
        )));
    }
    let existing_root = dir.join("root.crt");
    if existing_root.exists() && read_pem_der(&existing_root)? != root_der {
        return Err(refused(format!(
            "{} holds another root certificate",
            existing_root.display()
        )));
    }
    let spk = cert.public_key().subject_public_key.data.to_vec();
    let key_matches = |name: &str| -> Result<bool, PkiError> {
        let path = rdir.join(name);
        if !path.exists() {
            return Ok(false);
        }
        let kp = KeyPair::from_pem(&read_to_string(&path)?).map_err(|e| PkiError::Invalid {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        Ok(kp.public_key_raw() == spk.as_slice())
    };
    let rollover = key_matches("ca-next.key")?;
    let first = key_matches("ca.key")? && !rdir.join("ca.crt").exists();
    if !rollover && !first {
        return Err(refused(format!(
            "the certificate is not for the pending key in {} (ca.key without ca.crt, or ca-next.key)",
            rdir.display()
        )));
    }
    let mut report = InitReport::default();
    write_atomic(&existing_root, root_pem.as_bytes(), false)?;
    if let Some(crl) = root_crl_pem {
        write_atomic(&dir.join(ROOT_CRL_FILE), crl.as_bytes(), false)?;
    }
    if rollover {
        archive_current(&rdir)?;
        let next = rdir.join("ca-next.key");
        fs::rename(&next, rdir.join("ca.key")).map_err(io_err(&next))?;
        let _ = fs::remove_file(rdir.join("ca-next.csr"));
    } else {
        let _ = fs::remove_file(rdir.join("ca.csr"));
    }
    let ca_crt = rdir.join("ca.crt");
    write_atomic(&ca_crt, cert_pem.as_bytes(), false)?;
    report.created.push(ca_crt);
    report
        .created
        .extend(create::role_files(dir, region, public_url)?);
    Ok(report)
}

/// Archives the current CA (`ca.<kid>.crt|key`) and its role certificates
/// (`<role>.<kid>.crt`, keys deleted), so that new ones can be issued under the next CA.
fn archive_current(rdir: &Path) -> Result<(), PkiError> {
    let crt = rdir.join("ca.crt");
    let kid = kid_of(&read_pem_der(&crt)?);
    for ext in ["crt", "key"] {
        let from = rdir.join(format!("ca.{ext}"));
        fs::rename(&from, rdir.join(format!("ca.{kid}.{ext}"))).map_err(io_err(&from))?;
    }
    for role in Role::REGIONAL {
        let crt = rdir.join(format!("{}.crt", role.file_stem()));
        if !crt.exists() {
            continue;
        }
        let role_kid = kid_of(&read_pem_der(&crt)?);
        fs::rename(
            &crt,
            rdir.join(format!("{}.{role_kid}.crt", role.file_stem())),
        )
        .map_err(io_err(&crt))?;
        let key = rdir.join(format!("{}.key", role.file_stem()));
        fs::remove_file(&key).map_err(io_err(&key))?;
    }
    Ok(())
}

fn pem_der(text: &str, what: &str) -> Result<Vec<u8>, PkiError> {
    pem::parse(text)
        .map(|p| p.into_contents())
        .map_err(|e| refused(format!("{what} is not PEM: {e}")))
}
