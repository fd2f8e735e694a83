//! Chains made by `init` validate with rustls-webpki for their role, and only for it.

use super::*;
use crate::domain::RegionCode;

#[test]
fn every_role_certificate_chains_for_its_role_only() {
    let dir = tempfile::tempdir().unwrap();
    let regions = [
        RegionCode::parse("440100").unwrap(),
        RegionCode::parse("310000").unwrap(),
    ];
    init(dir.path(), &regions).unwrap();
    let trust = TrustStore::load(dir.path()).unwrap();
    assert!(trust.rejected.is_empty(), "{:?}", trust.rejected);
    assert_eq!(trust.trusted().count(), 2 * Role::REGIONAL.len() + 1);
    for region in &regions {
        for role in Role::REGIONAL {
            let signer = Signer::load(dir.path(), Some(region), role).unwrap();
            let t = trust.by_kid(&signer.kid).expect("trusted");
            assert_eq!(t.info.region, Some(*region));
            assert!(t.info.digital_signature);
            let other = if role == Role::TaxIssuer {
                Role::LicenceIssuer
            } else {
                Role::TaxIssuer
            };
            assert!(
                trust.validate_chain(&t.info, other).is_err(),
                "{role:?} must not pass as {other:?}"
            );
            assert!(trust.validate_chain(&t.info, role).is_ok());
        }
    }
}

/// RFC 3161 §2.3: the TSA certificate's only EKU is id-kp-timeStamping, and critical.
#[test]
fn the_tsa_certificate_has_one_critical_timestamping_eku() {
    use x509_parser::prelude::{FromDer, X509Certificate};
    let dir = tempfile::tempdir().unwrap();
    let gz = RegionCode::parse("440100").unwrap();
    init(dir.path(), &[gz]).unwrap();
    let signer = Signer::load(dir.path(), Some(&gz), Role::TimeStamping).unwrap();
    let (_, cert) = X509Certificate::from_der(&signer.chain[0]).unwrap();
    let eku = cert.extended_key_usage().unwrap().unwrap();
    assert!(eku.critical);
    assert!(eku.value.time_stamping && eku.value.other.is_empty());
    assert!(!(eku.value.any || eku.value.server_auth || eku.value.code_signing));
    let ku = cert.key_usage().unwrap().unwrap().value;
    assert!(ku.digital_signature() && ku.non_repudiation());
    let info = CertInfo::parse(&signer.chain[0]).unwrap();
    assert_eq!(info.roles, [Role::TimeStamping]);
}

#[test]
fn a_certificate_from_another_root_is_not_trusted() {
    let ours = tempfile::tempdir().unwrap();
    let theirs = tempfile::tempdir().unwrap();
    let gz = [RegionCode::parse("440100").unwrap()];
    init(ours.path(), &gz).unwrap();
    init(theirs.path(), &gz).unwrap();
    let trust = TrustStore::load(ours.path()).unwrap();
    let foreign = Signer::load(theirs.path(), Some(&gz[0]), Role::LicenceIssuer).unwrap();
    assert!(trust.by_kid(&foreign.kid).is_none());
    let info = CertInfo::parse(&foreign.chain[0]).unwrap();
    let err = trust
        .validate_chain(&info, Role::LicenceIssuer)
        .unwrap_err();
    assert!(
        matches!(err, super::ChainError::NoTrustedIssuer { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("no trusted CA"), "{err}");
    assert!(err.zh().contains("没有受信任的发证机构"), "{}", err.zh());
}

#[test]
fn hostile_certificate_bytes_are_errors() {
    for bytes in [&b""[..], b"\x30\x82\xff\xff", &[0x30; 100]] {
        assert!(CertInfo::parse(bytes).is_err());
    }
}

/// A regional CA can issue neither the national trust-list signer nor another region's
/// certificates: what it issues outside its remit is refused, with the reason.
#[test]
fn a_regional_ca_cannot_speak_for_the_nation_or_another_region() {
    let dir = tempfile::tempdir().unwrap();
    let (gz, sh) = (
        RegionCode::parse("440100").unwrap(),
        RegionCode::parse("310000").unwrap(),
    );
    init(dir.path(), &[gz, sh]).unwrap();
    let trust = TrustStore::load(dir.path()).unwrap();
    let shanghai = RegionCa::load(dir.path(), &sh).unwrap();
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let leaf = |role: Role, ou: &str| {
        let pem = shanghai
            .issue(
                role,
                &[
                    (rcgen::DnType::OrganizationalUnitName, ou.to_string()),
                    (rcgen::DnType::CommonName, "forged".to_string()),
                ],
                &key,
                30,
            )
            .unwrap();
        CertInfo::parse(pem::parse(pem).unwrap().contents()).unwrap()
    };
    let err = trust
        .validate_chain(
            &leaf(Role::TrustListSigner, "310000"),
            Role::TrustListSigner,
        )
        .unwrap_err();
    assert!(matches!(err, ChainError::RoleNotForIssuer { .. }), "{err}");
    let err = trust
        .validate_chain(&leaf(Role::LicenceIssuer, "440100"), Role::LicenceIssuer)
        .unwrap_err();
    assert!(matches!(err, ChainError::RegionMismatch { .. }), "{err}");
    assert!(err.zh().contains("440100"), "{}", err.zh());
    // Within its remit it issues fine.
    let ok = leaf(Role::LicenceIssuer, "310000");
    assert_eq!(ok.region, Some(sh));
    assert!(trust.validate_chain(&ok, Role::LicenceIssuer).is_ok());
}

#[test]
fn a_ca_listed_under_another_region_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let (gz, sh) = (
        RegionCode::parse("440100").unwrap(),
        RegionCode::parse("310000").unwrap(),
    );
    init(dir.path(), &[gz, sh]).unwrap();
    let ca = files::read_pem_der(&dir.path().join("310000/ca.crt")).unwrap();
    let mut store = TrustStore::default();
    store.add_region_ca(gz, ca.clone());
    assert!(store.cas().is_empty() && store.regions().is_empty());
    assert!(
        store.rejected[0].1.contains("listed under region 440100"),
        "{:?}",
        store.rejected
    );
    store.add_region_ca(sh, ca);
    assert_eq!(store.regions(), &[sh]);
}

#[test]
fn only_listed_role_certificates_and_seal_keys_under_a_listed_ca_are_signers() {
    let dir = tempfile::tempdir().unwrap();
    let gz = RegionCode::parse("440100").unwrap();
    init(dir.path(), &[gz]).unwrap();
    let licence = Signer::load(dir.path(), Some(&gz), Role::LicenceIssuer).unwrap();
    let root = files::read_pem_der(&dir.path().join("root.crt")).unwrap();
    let mut store = TrustStore::default();
    store.add_root(root);
    store.add_region_ca(gz, licence.chain[1].clone());
    // Chains to the listed CA, but is not itself listed.
    let err = store
        .validate_signer(&licence.chain, Role::LicenceIssuer)
        .unwrap_err();
    assert!(matches!(err, ChainError::NotListed { .. }), "{err}");
    // Without the CA listed: the region is named as not in the list.
    let mut bare = store.roots_only();
    let err = bare
        .validate_signer(&licence.chain, Role::LicenceIssuer)
        .unwrap_err();
    assert!(
        matches!(err, ChainError::RegionNotListed { region, .. } if region == gz),
        "{err}"
    );
    // With the leaf only, nothing says which region: no trusted issuer.
    let err = bare
        .validate_signer(&licence.chain[..1], Role::LicenceIssuer)
        .unwrap_err();
    assert!(matches!(err, ChainError::NoTrustedIssuer { .. }), "{err}");
    bare.add_leaf(licence.chain[0].clone());
    assert!(
        bare.by_kid(&licence.kid).is_none(),
        "a leaf whose CA is not listed"
    );
}

/// The EKUs of `der` as dotted OIDs (x509-parser reads the standard ones into flags), and
/// whether the extension is critical.
fn ekus(der: &[u8]) -> (Vec<String>, bool) {
    use x509_parser::prelude::{FromDer, X509Certificate};
    let (_, cert) = X509Certificate::from_der(der).unwrap();
    let eku = cert.extended_key_usage().unwrap().expect("an EKU");
    let mut out: Vec<String> = eku.value.other.iter().map(|o| o.to_id_string()).collect();
    for (flag, oid) in [
        (eku.value.email_protection, "1.3.6.1.5.5.7.3.4"),
        (eku.value.time_stamping, "1.3.6.1.5.5.7.3.8"),
        (eku.value.server_auth, "1.3.6.1.5.5.7.3.1"),
        (eku.value.client_auth, "1.3.6.1.5.5.7.3.2"),
        (eku.value.code_signing, "1.3.6.1.5.5.7.3.3"),
        (eku.value.any, "2.5.29.37.0"),
    ] {
        if flag {
            out.push(oid.to_string());
        }
    }
    out.sort();
    (out, eku.critical)
}

fn dotted(components: &[u64]) -> String {
    components
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

/// A seal certificate for `region`'s current CA, as `RegionCa::issue` makes it.
fn seal_certificate(dir: &std::path::Path, region: &RegionCode) -> Vec<u8> {
    let ca = RegionCa::load(dir, region).unwrap();
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let subject = [
        (
            rcgen::DnType::OrganizationName,
            "广州示例有限公司".to_string(),
        ),
        (
            rcgen::DnType::CommonName,
            "广州示例有限公司 公章".to_string(),
        ),
    ];
    let pem = ca.issue(Role::SealSigner, &subject, &key, 30).unwrap();
    pem::parse(pem).unwrap().into_contents()
}

/// A seal certificate carries, beside our seal role, RFC 9336 document signing and
/// emailProtection (what NSS and openssl's smimesign want of a document signer), with
/// digitalSignature and contentCommitment; its regional CA carries all of them, so that
/// validators reading a CA's EKU as a limit accept the seal. Other role certificates carry
/// their role alone, and our validator still requires the seal role of a seal.
#[test]
fn a_seal_certificate_carries_the_standard_document_signing_purposes() {
    use x509_parser::prelude::{FromDer, X509Certificate};
    let dir = tempfile::tempdir().unwrap();
    let gz = RegionCode::parse("440100").unwrap();
    init(dir.path(), &[gz]).unwrap();
    let der = seal_certificate(dir.path(), &gz);
    let seal_role = dotted(&Role::SealSigner.oid_components());
    let standard = ["1.3.6.1.5.5.7.3.36", "1.3.6.1.5.5.7.3.4"];
    let mut want = vec![seal_role.clone(), standard[0].into(), standard[1].into()];
    want.sort();
    assert_eq!(ekus(&der), (want, false));
    let (_, cert) = X509Certificate::from_der(&der).unwrap();
    let ku = cert.key_usage().unwrap().unwrap().value;
    assert!(ku.digital_signature() && ku.non_repudiation() && !ku.key_cert_sign());

    let ca = files::read_pem_der(&dir.path().join("440100/ca.crt")).unwrap();
    let (ca_ekus, critical) = ekus(&ca);
    assert!(!critical);
    for role in Role::ALL {
        assert!(
            ca_ekus.contains(&dotted(&role.oid_components())),
            "{role:?}"
        );
    }
    for oid in standard {
        assert!(ca_ekus.contains(&oid.to_string()), "CA lacks {oid}");
    }
    // Nothing for TLS or any purpose.
    for oid in ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2", "2.5.29.37.0"] {
        assert!(!ca_ekus.contains(&oid.to_string()), "CA has {oid}");
    }

    for role in Role::REGIONAL {
        if role == Role::TimeStamping {
            continue;
        }
        let signer = Signer::load(dir.path(), Some(&gz), role).unwrap();
        assert_eq!(
            ekus(&signer.chain[0]),
            (vec![dotted(&role.oid_components())], false),
            "{role:?}"
        );
    }

    let trust = TrustStore::load(dir.path()).unwrap();
    let info = CertInfo::parse(&der).unwrap();
    assert_eq!(info.roles, [Role::SealSigner]);
    assert!(trust.validate_chain(&info, Role::SealSigner).is_ok());
    assert!(trust.validate_chain(&info, Role::LicenceIssuer).is_err());
    // A certificate with only the standard purposes is no seal of ours.
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let region_ca = create::load_issuer(
        &dir.path().join("440100/ca.crt"),
        &dir.path().join("440100/ca.key"),
    )
    .unwrap();
    let mut params = create::base_params(&key, "standard only", "x", Some(&gz), 30).unwrap();
    params.key_usages = vec![rcgen::KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![
        rcgen::ExtendedKeyUsagePurpose::EmailProtection,
        rcgen::ExtendedKeyUsagePurpose::Other(ext::DOCUMENT_SIGNING.to_vec()),
    ];
    let foreign = params.signed_by(&key, &region_ca).unwrap();
    let info = CertInfo::parse(foreign.der()).unwrap();
    assert!(info.roles.is_empty());
    let err = trust.validate_chain(&info, Role::SealSigner).unwrap_err();
    assert!(matches!(err, ChainError::NotValidForRole { .. }), "{err}");
}

/// Every regional role certificate names its own issuer URI (region and role), which its
/// signer uses as `iss`; the national trust-list signer names the root's CRL.
#[test]
fn each_region_and_role_has_its_own_issuer_uri() {
    let dir = tempfile::tempdir().unwrap();
    let regions = [
        RegionCode::parse("440100").unwrap(),
        RegionCode::parse("310000").unwrap(),
    ];
    init_at(dir.path(), &regions, "https://gz.example/").unwrap();
    let mut seen = std::collections::HashSet::new();
    for region in &regions {
        for role in Role::REGIONAL {
            let signer = Signer::load(dir.path(), Some(region), role).unwrap();
            let want = format!(
                "https://gz.example/v1/issuers/{region}/{}",
                role.file_stem()
            );
            assert_eq!(signer.iss, want);
            assert_eq!(CertInfo::parse(&signer.chain[0]).unwrap().uris, [want]);
            assert!(seen.insert(signer.iss.clone()), "{} twice", signer.iss);
        }
    }
    let tl = Signer::load(dir.path(), None, Role::TrustListSigner).unwrap();
    assert_eq!(tl.iss, "");
    assert_eq!(
        crl::cdp_uris(&tl.chain[0]),
        ["https://gz.example/v1/crl/root"]
    );
    // A role key rolled over keeps its issuer URI.
    rollover(dir.path(), &regions[0], Role::TaxIssuer).unwrap();
    let tax = Signer::load(dir.path(), Some(&regions[0]), Role::TaxIssuer).unwrap();
    assert_eq!(tax.iss, "https://gz.example/v1/issuers/440100/tax-issuer");
}

/// Rewrites a region's CA and licence-issuer certificates as the code before the standard
/// EKUs and per-role issuer URIs made them (same keys, same issuers): role EKUs alone on
/// the CA, the region's URI on the role certificate. Returns the old-style seal
/// certificate's DER too (the seal role alone), issued under the old-style CA.
fn make_old_style(dir: &std::path::Path, region: &RegionCode) -> Vec<u8> {
    use rcgen::{ExtendedKeyUsagePurpose, KeyPair, SanType};
    let rdir = dir.join(region.as_str());
    let root = create::load_issuer(&dir.join("root.crt"), &dir.join("root.key")).unwrap();
    let ca_key = KeyPair::from_pem(&std::fs::read_to_string(rdir.join("ca.key")).unwrap()).unwrap();
    let mut params = create::region_ca_params(&ca_key, region, DEV_PUBLIC_URL).unwrap();
    params.extended_key_usages = Role::ALL
        .iter()
        .map(|r| ExtendedKeyUsagePurpose::Other(r.oid_components()))
        .collect();
    let ca = params.signed_by(&ca_key, &root).unwrap();
    std::fs::write(rdir.join("ca.crt"), ca.pem()).unwrap();
    let ca = create::load_issuer(&rdir.join("ca.crt"), &rdir.join("ca.key")).unwrap();
    let leaf = rdir.join("licence-issuer.crt");
    let key = KeyPair::from_pem(&std::fs::read_to_string(rdir.join("licence-issuer.key")).unwrap())
        .unwrap();
    let org = region.authority_name();
    let cn = format!("{org} {}", Role::LicenceIssuer.name_zh());
    let mut params = create::base_params(&key, &cn, &org, Some(region), 365).unwrap();
    params.key_usages = vec![rcgen::KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::Other(
        Role::LicenceIssuer.oid_components(),
    )];
    let legacy = format!("https://zhengtong.example/regions/{region}");
    params.subject_alt_names = vec![SanType::URI(legacy.try_into().unwrap())];
    std::fs::write(&leaf, params.signed_by(&key, &ca).unwrap().pem()).unwrap();
    let seal_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let mut params =
        create::base_params(&seal_key, "旧式公章", "旧式公司", Some(region), 30).unwrap();
    params.key_usages = vec![
        rcgen::KeyUsagePurpose::DigitalSignature,
        rcgen::KeyUsagePurpose::ContentCommitment,
    ];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::Other(
        Role::SealSigner.oid_components(),
    )];
    params.signed_by(&seal_key, &ca).unwrap().der().to_vec()
}

/// Rollover, not a flag day: a folder made by the earlier code (role EKUs alone on the CA
/// and seals, the region's URI as issuer) still loads and validates, its signers keep their
/// `iss`, and seals issued now under its CA (with the new EKUs) validate too.
#[test]
fn a_folder_made_before_keeps_validating() {
    let dir = tempfile::tempdir().unwrap();
    let gz = RegionCode::parse("440100").unwrap();
    init(dir.path(), &[gz]).unwrap();
    let old_seal = make_old_style(dir.path(), &gz);
    let trust = TrustStore::load(dir.path()).unwrap();
    assert!(trust.rejected.is_empty(), "{:?}", trust.rejected);
    assert_eq!(trust.trusted().count(), Role::REGIONAL.len() + 1);
    let licence = Signer::load(dir.path(), Some(&gz), Role::LicenceIssuer).unwrap();
    assert_eq!(licence.iss, "https://zhengtong.example/regions/440100");
    let t = trust
        .by_kid(&licence.kid)
        .expect("the old-style licence issuer is trusted");
    assert_eq!(t.info.uris, std::slice::from_ref(&licence.iss));
    for role in Role::REGIONAL {
        let signer = Signer::load(dir.path(), Some(&gz), role).unwrap();
        let info = CertInfo::parse(&signer.chain[0]).unwrap();
        assert!(trust.validate_chain(&info, role).is_ok(), "{role:?}");
    }
    let old = CertInfo::parse(&old_seal).unwrap();
    assert!(trust.validate_chain(&old, Role::SealSigner).is_ok());
    let new = CertInfo::parse(&seal_certificate(dir.path(), &gz)).unwrap();
    assert!(trust.validate_chain(&new, Role::SealSigner).is_ok());
    assert!(trust.validate_chain(&new, Role::LicenceIssuer).is_err());
}
