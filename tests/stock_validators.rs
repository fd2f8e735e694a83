//! Stock validators accept our certificates for what they are, each by its own default
//! rules for the purpose: a company's e-seal certificate for signing documents (openssl's
//! `smimesign` purpose, NSS's email-signer usage as pdfsig asks it, Python `cryptography`
//! with RFC 9336 document signing required) and the region's timestamp authority for
//! timestamps (openssl's `timestampsign`, `cryptography` with RFC 3161's critical EKU).
//! The trust-list signer is published with the other certificates.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

const SEAL_ROLE: &str = "1.3.6.1.4.1.59999.1.6";
const DOCUMENT_SIGNING: &str = "1.3.6.1.5.5.7.3.36";
const EMAIL_PROTECTION: &str = "1.3.6.1.5.5.7.3.4";

/// `openssl verify -x509_strict -purpose PURPOSE` of `leaf` under the region's CA and the
/// root (the only trusted certificate).
fn openssl_verify(certs: &Path, purpose: &str, leaf: &Path) -> (bool, String) {
    let (ok, text) = run(Command::new("openssl")
        .args(["verify", "-x509_strict", "-purpose", purpose, "-CAfile"])
        .arg(certs.join("root.crt"))
        .arg("-untrusted")
        .arg(certs.join("440100/ca.crt"))
        .arg(leaf));
    (ok && text.contains(": OK"), text)
}

/// `certutil -V -u USAGE` in an NSS database that trusts the root alone (the regional CA
/// and the leaf are imported without trust, as pdfsig finds them in a signature).
fn nss_verify(db: &str, usage: &str) -> (bool, String) {
    let (ok, text) =
        run(Command::new("certutil").args(["-V", "-u", usage, "-n", "leaf", "-d", db]));
    (ok && text.contains("certificate is valid"), text)
}

fn import_untrusted(db: &str, nick: &str, pem: &Path) {
    let (ok, out) = run(Command::new("certutil")
        .args(["-A", "-d", db, "-n", nick, "-t", ",,", "-i"])
        .arg(pem));
    assert!(ok, "{out}");
}

fn check_py(args: &[&Path]) -> (bool, String) {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/interop/check.py");
    let (ok, text) = run(Command::new(python()).arg(script).args(args));
    (ok && text.trim_end().ends_with("OK"), text)
}

#[test]
fn stock_validators_accept_the_seal_and_timestamp_chains_for_their_purpose() {
    let s = Server::start();
    let auth = s.role_token("authority");
    let police = s.role_token("police");
    let name = "广州通用验证示例有限公司";
    let (uscc, _, _) = s.register(&auth, &company(&uscc(66), name));
    let (_, seal) = s.official_seal(&police, &auth, &uscc, name, "4401006666");
    let out = tempfile::tempdir().unwrap();
    let seal_pem = out.path().join("seal.crt");
    std::fs::write(&seal_pem, seal["certificate_pem"].as_str().unwrap()).unwrap();
    let certs = s.certs();
    let (root, ca, tsa) = (
        certs.join("root.crt"),
        certs.join("440100/ca.crt"),
        certs.join("440100/tsa.crt"),
    );

    let mut wrong = Vec::new();
    // openssl: each chain for its purpose, and not for the other's.
    let (ok, text) = openssl_verify(&certs, "smimesign", &seal_pem);
    want(&mut wrong, true, ok, "openssl smimesign, seal", &text);
    let (ok, text) = openssl_verify(&certs, "timestampsign", &tsa);
    want(&mut wrong, true, ok, "openssl timestampsign, TSA", &text);
    let (ok, text) = openssl_verify(&certs, "timestampsign", &seal_pem);
    want(&mut wrong, false, ok, "openssl timestampsign, seal", &text);
    let (ok, text) = openssl_verify(&certs, "sslserver", &seal_pem);
    want(&mut wrong, false, ok, "openssl sslserver, seal", &text);

    // NSS (what pdfsig runs): the seal as an email (document) signer, with the root alone
    // trusted; not as a TLS server.
    let db = nss_db(&out.path().join("nss"), &root);
    import_untrusted(&db, "ca", &ca);
    import_untrusted(&db, "leaf", &seal_pem);
    let (ok, text) = nss_verify(&db, "S");
    want(&mut wrong, true, ok, "certutil -V -u S, seal", &text);
    let (ok, text) = nss_verify(&db, "V");
    want(&mut wrong, false, ok, "certutil -V -u V, seal", &text);

    // Python `cryptography`'s path validator: document signing (RFC 9336) or email
    // protection required on the seal; the TSA with its critical timestamping EKU alone.
    for eku in [DOCUMENT_SIGNING, EMAIL_PROTECTION, SEAL_ROLE] {
        let (ok, text) = check_py(&[Path::new("path"), &root, Path::new(eku), &seal_pem, &ca]);
        want(
            &mut wrong,
            true,
            ok,
            &format!("cryptography, seal for {eku}"),
            &text,
        );
    }
    let (ok, text) = check_py(&[Path::new("tsa-path"), &root, &tsa, &ca]);
    want(&mut wrong, true, ok, "cryptography, TSA", &text);
    let (ok, text) = check_py(&[Path::new("tsa-path"), &root, &seal_pem, &ca]);
    want(&mut wrong, false, ok, "cryptography tsa-path, seal", &text);
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
}

/// `GET /v1/certs` serves the national trust-list signer with the others, and it names the
/// root's CRL as its distribution point, served by the node; openssl accepts it with that
/// CRL checked.
#[test]
fn the_trust_list_signer_is_published_with_a_crl_distribution_point() {
    let s = Server::start();
    let bundle = s.get("/v1/certs", None).text().unwrap();
    let signer = std::fs::read_to_string(s.certs().join("trust-list-signer.crt")).unwrap();
    assert!(bundle.contains(signer.trim()), "{bundle}");
    let out = tempfile::tempdir().unwrap();
    let (ok, text) = run(Command::new("openssl")
        .args(["x509", "-noout", "-ext", "crlDistributionPoints", "-in"])
        .arg(s.certs().join("trust-list-signer.crt")));
    let named = format!("{}/v1/crl/root", s.url("").trim_end_matches('/'));
    assert!(ok && text.contains(&named), "{named} not in {text}");
    let r = s.get("/v1/crl/root", None);
    assert_eq!(r.status(), 200);
    let crl = out.path().join("root.crl");
    let pem = pem::encode(&pem::Pem::new("X509 CRL", r.bytes().unwrap().to_vec()));
    std::fs::write(&crl, pem).unwrap();
    let (ok, text) = run(Command::new("openssl")
        .args(["verify", "-x509_strict", "-crl_check", "-CAfile"])
        .arg(s.certs().join("root.crt"))
        .arg("-CRLfile")
        .arg(&crl)
        .arg(s.certs().join("trust-list-signer.crt")));
    assert!(ok && text.contains(": OK"), "{text}");
}

/// Notes a result that is not the expected one (every check runs, so that one run shows
/// what each validator says).
fn want(wrong: &mut Vec<String>, expected: bool, got: bool, what: &str, text: &str) {
    if expected != got {
        let verb = if expected { "refused" } else { "accepted" };
        wrong.push(format!("{what}: {verb}: {text}"));
    }
}
