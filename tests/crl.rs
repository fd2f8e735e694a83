//! The regional CRL is served from a cache that a revocation invalidates at once, and the
//! CRL routes are rate-limited per client (issue 28, item 6). Before, each request read every
//! e-seal on record and signed a new CRL, for anyone, as often as asked.

mod common;

use std::process::Command;

use common::*;
use serde_json::json;

/// How many certificates the CRL (DER) lists, as openssl reads it.
fn revoked_count(der: &[u8]) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("region.crl");
    std::fs::write(&path, der).unwrap();
    let out = Command::new("openssl")
        .args(["crl", "-inform", "DER", "-noout", "-text", "-in"])
        .arg(&path)
        .output()
        .expect("openssl");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .matches("Serial Number:")
        .count()
}

#[test]
fn the_crl_is_cached_until_a_revocation_and_rate_limited() {
    let s = Server::start_args(&["--rate-limit", "60", "--rate-burst", "12"]);
    let crl = || {
        let r = s.get("/v1/crl/440100", None);
        assert_eq!(r.status(), 200);
        r.bytes().unwrap().to_vec()
    };
    let auth = s.role_token("authority");
    let police = s.role_token("police");
    let name = "广州吊销列表示例有限公司";
    let (uscc, _, _) = s.register(&auth, &company(&uscc(83), name));
    let (_, seal) = s.official_seal(&police, &auth, &uscc, name, "4401008383");

    // Ten minutes later the same CRL (same thisUpdate, same signature) is served again.
    let t = std::time::Instant::now();
    let first = crl();
    let built = t.elapsed();
    assert_eq!(revoked_count(&first), 0);
    s.advance_clock(600.0);
    let t = std::time::Instant::now();
    let again = crl();
    eprintln!(
        "CRL: first GET {built:?}, ten minutes later {:?}",
        t.elapsed()
    );
    assert_eq!(again, first, "the CRL was rebuilt without a revocation");

    // A revocation shows in the very next fetch.
    let revoked = s.post(
        &format!(
            "/v1/wallets/{uscc}/seals/{}/revocation",
            seal["id"].as_str().unwrap()
        ),
        Some(&auth),
        &json!({}),
    );
    assert_eq!(revoked.status(), 200, "{}", revoked.text().unwrap());
    let after = crl();
    assert_eq!(revoked_count(&after), 1);
    assert_eq!(crl(), after);
    // An hour on, it is rebuilt (a recent thisUpdate), still listing the seal.
    s.advance_clock(3600.0);
    let later = crl();
    assert_ne!(later, after);
    assert_eq!(revoked_count(&later), 1);
    // An unknown CA kid is a 404 and builds nothing.
    assert_eq!(s.get("/v1/crl/440100/no-such-kid", None).status(), 404);

    // The client's allowance (burst 12) runs out: 429 with Retry-After; other routes answer.
    let statuses: Vec<u16> = (0..12)
        .map(|_| s.get("/v1/crl/440100", None).status().as_u16())
        .collect();
    assert!(statuses.contains(&429), "never limited: {statuses:?}");
    let r = s.get("/v1/crl/440100", None);
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    assert_eq!(s.get("/v1/certs", None).status(), 200);
}
