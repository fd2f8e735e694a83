//! `verify_token` accepts what `timestamp` makes and nothing else.

use chrono::{DateTime, Utc};
use ring::digest::{SHA256, digest};

use super::*;
use crate::clock::Clock;
use crate::domain::RegionCode;
use crate::pki::{Role, Signer, TrustStore, init};

fn sha256(data: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(digest(&SHA256, data).as_ref());
    out
}

fn pki() -> (tempfile::TempDir, RegionCode, TrustStore) {
    let dir = tempfile::tempdir().unwrap();
    let gz = RegionCode::parse("440100").unwrap();
    init(dir.path(), &[gz]).unwrap();
    let trust = TrustStore::load(dir.path()).unwrap();
    (dir, gz, trust)
}

fn at() -> DateTime<Utc> {
    // Inside the certificates' validity: they are made now, valid for years.
    Utc::now() + chrono::Duration::days(10)
}

#[test]
fn a_token_verifies_with_the_clock_time_and_only_for_its_digest() {
    let (dir, gz, trust) = pki();
    let tsa = Signer::load(dir.path(), Some(&gz), Role::TimeStamping).unwrap();
    let when = at();
    let token = timestamp(&tsa, sha256(b"contract"), &Clock::fixed(when)).unwrap();
    let info = verify_token(&token, &sha256(b"contract"), &trust).unwrap();
    assert!((info.gen_time - when).num_seconds().abs() <= 1, "{info:?}");
    assert_eq!(info.tsa_kid, tsa.kid);
    assert_eq!(info.policy, "1.3.6.1.4.1.59999.3.1");
    let err = verify_token(&token, &sha256(b"contract!"), &trust).unwrap_err();
    assert!(matches!(err, TsaError::DigestMismatch), "{err}");
}

#[test]
fn a_token_signed_by_another_role_or_another_pki_is_not_trusted() {
    let (dir, gz, trust) = pki();
    let licence = Signer::load(dir.path(), Some(&gz), Role::LicenceIssuer).unwrap();
    let token = timestamp(&licence, sha256(b"x"), &Clock::fixed(at())).unwrap();
    let err = verify_token(&token, &sha256(b"x"), &trust).unwrap_err();
    assert!(matches!(err, TsaError::Untrusted(_)), "{err}");

    let (other_dir, _, _) = pki();
    let foreign = Signer::load(other_dir.path(), Some(&gz), Role::TimeStamping).unwrap();
    let token = timestamp(&foreign, sha256(b"x"), &Clock::fixed(at())).unwrap();
    let err = verify_token(&token, &sha256(b"x"), &trust).unwrap_err();
    assert!(matches!(err, TsaError::Untrusted(_)), "{err}");
}

/// Every changed byte of a token is refused (or, in DER slack such as a certificate's
/// unused field the signature does not cover, still verifies), and nothing panics.
#[test]
fn a_changed_token_never_verifies_wrongly_and_never_panics() {
    let (dir, gz, trust) = pki();
    let tsa = Signer::load(dir.path(), Some(&gz), Role::TimeStamping).unwrap();
    let good = timestamp(&tsa, sha256(b"d"), &Clock::fixed(at())).unwrap();
    let want = verify_token(&good, &sha256(b"d"), &trust).unwrap();
    for i in 0..good.len() {
        let mut t = good.clone();
        t[i] ^= 0x01;
        if let Ok(info) = verify_token(&t, &sha256(b"d"), &trust) {
            // Only the unsigned parts may change: the carried certificates (found by hash).
            assert_eq!(info.gen_time, want.gen_time, "byte {i}");
            assert_eq!(info.serial, want.serial, "byte {i}");
        }
        let _ = verify_token(&good[..i], &sha256(b"d"), &trust);
    }
}

/// Without `certReq` the token carries no certificate: the trust store's is found by the
/// signing-certificate-v2 hash.
#[test]
fn a_token_without_certificates_verifies_from_the_trust_store() {
    use der::Encode;
    let (dir, gz, trust) = pki();
    let tsa = Signer::load(dir.path(), Some(&gz), Role::TimeStamping).unwrap();
    let token = timestamp_imprint(
        &tsa,
        Imprint::sha256(sha256(b"q")),
        None,
        false,
        &Clock::fixed(at()),
    )
    .unwrap()
    .to_der()
    .unwrap();
    let info = verify_token(&token, &sha256(b"q"), &trust).unwrap();
    assert_eq!(info.tsa_kid, tsa.kid);
    let empty = TrustStore::default();
    assert!(verify_token(&token, &sha256(b"q"), &empty).is_err());
}
