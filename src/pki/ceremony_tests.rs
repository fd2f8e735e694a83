//! The ceremony refuses what would do the wrong thing, and a rollover keeps both CAs.

use super::*;
use crate::domain::RegionCode;

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn read(p: &std::path::Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

#[test]
fn install_takes_only_a_certificate_for_the_pending_key_from_this_root() {
    let (root, other_root, region) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    root_init(root.path(), DEV_PUBLIC_URL).unwrap();
    root_init(other_root.path(), DEV_PUBLIC_URL).unwrap();
    let gz = code("440100");
    let req = region_request(region.path(), &gz, false).unwrap();
    // A second request would overwrite the pending key: refused.
    let err = region_request(region.path(), &gz, false).unwrap_err();
    assert!(err.to_string().contains("pending"), "{err}");
    // No installed CA, no rollover.
    assert!(region_request(region.path(), &gz, true).is_err());
    let csr = read(&req.csr);
    let err = region_sign(root.path(), &csr, &code("310000"), DEV_PUBLIC_URL).unwrap_err();
    assert!(err.to_string().contains("not 310000"), "{err}");
    assert!(region_sign(root.path(), "not a CSR", &gz, DEV_PUBLIC_URL).is_err());
    let signed = region_sign(root.path(), &csr, &gz, DEV_PUBLIC_URL).unwrap();
    let root_pem = read(&root.path().join("root.crt"));
    // The certificate under another root, or for another key, is refused.
    let other = region_sign(other_root.path(), &csr, &gz, DEV_PUBLIC_URL).unwrap();
    let err =
        region_install(region.path(), &gz, &other, &root_pem, None, DEV_PUBLIC_URL).unwrap_err();
    assert!(err.to_string().contains("not signed by this root"), "{err}");
    let stranger = tempfile::tempdir().unwrap();
    let req2 = region_request(stranger.path(), &gz, false).unwrap();
    let for_stranger = region_sign(root.path(), &read(&req2.csr), &gz, DEV_PUBLIC_URL).unwrap();
    let err = region_install(
        region.path(),
        &gz,
        &for_stranger,
        &root_pem,
        None,
        DEV_PUBLIC_URL,
    )
    .unwrap_err();
    assert!(err.to_string().contains("pending key"), "{err}");
    region_install(region.path(), &gz, &signed, &root_pem, None, DEV_PUBLIC_URL).unwrap();
    let trust = TrustStore::load(region.path()).unwrap();
    assert!(trust.rejected.is_empty(), "{:?}", trust.rejected);
    assert_eq!(trust.trusted().count(), Role::REGIONAL.len());
    assert!(!region.path().join("root.key").exists());

    // Rollover: both CAs are trusted, old and new role certificates too.
    let next = region_request(region.path(), &gz, true).unwrap();
    let signed = region_sign(root.path(), &read(&next.csr), &gz, DEV_PUBLIC_URL).unwrap();
    region_install(region.path(), &gz, &signed, &root_pem, None, DEV_PUBLIC_URL).unwrap();
    let trust = TrustStore::load(region.path()).unwrap();
    assert!(trust.rejected.is_empty(), "{:?}", trust.rejected);
    assert_eq!(trust.cas().len(), 2);
    assert_eq!(trust.trusted().count(), 2 * Role::REGIONAL.len());
    // The old CA can still sign its CRL; the new one issues.
    let ca = RegionCa::load(region.path(), &gz).unwrap();
    let old_kid = trust
        .cas()
        .iter()
        .map(|c| c.kid.clone())
        .find(|k| k != ca.kid())
        .unwrap();
    let now = time::OffsetDateTime::now_utc();
    let day = time::Duration::days(1);
    assert!(ca.crl(Some(&old_kid), &[], now, day).unwrap().is_ok());
    assert!(ca.crl(Some("unknown"), &[], now, day).is_none());
}
