//! The region's RFC 3161 timestamp authority through the real server: openssl makes the
//! query and verifies the reply; our own verifier agrees; garbage is rejected, never a 500.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use zhengtong::pki::TrustStore;

fn openssl(args: &[&str], dir: &Path) -> (bool, String) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl is installed");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn post_query(s: &Server, body: Vec<u8>, content_type: &str) -> reqwest::blocking::Response {
    s.client
        .post(s.url("/v1/tsa"))
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .unwrap()
}

fn sha256(data: &[u8]) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, data)
        .as_ref()
        .to_vec()
}

#[test]
fn openssl_verifies_a_reply_and_our_verifier_agrees() {
    let s = Server::start();
    // A month ahead: the token's time is the server's clock, not the machine's.
    s.advance_clock(30.0 * 86400.0);
    let expected = chrono::Utc::now() + chrono::Duration::days(30);
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    let data = "合同 contract, page 1 of 1\n".repeat(50);
    std::fs::write(w.join("doc.txt"), &data).unwrap();
    let (ok, text) = openssl(
        &[
            "ts", "-query", "-data", "doc.txt", "-sha256", "-cert", "-out", "q.tsq",
        ],
        w,
    );
    assert!(ok, "{text}");
    let r = post_query(
        &s,
        std::fs::read(w.join("q.tsq")).unwrap(),
        "application/timestamp-query",
    );
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-type"].to_str().unwrap(),
        "application/timestamp-reply"
    );
    std::fs::write(w.join("reply.tsr"), r.bytes().unwrap()).unwrap();

    let certs = s.certs();
    let root = certs.join("root.crt");
    let ca = certs.join("440100/ca.crt");
    let verify = |data_file: &str| {
        openssl(
            &[
                "ts",
                "-verify",
                "-in",
                "reply.tsr",
                "-data",
                data_file,
                "-CAfile",
                root.to_str().unwrap(),
                "-untrusted",
                ca.to_str().unwrap(),
            ],
            w,
        )
    };
    let (ok, text) = verify("doc.txt");
    assert!(ok && text.contains("Verification: OK"), "{text}");
    // The query's nonce and imprint, checked against the query itself.
    let (ok, text) = openssl(
        &[
            "ts",
            "-verify",
            "-in",
            "reply.tsr",
            "-queryfile",
            "q.tsq",
            "-CAfile",
            root.to_str().unwrap(),
            "-untrusted",
            ca.to_str().unwrap(),
        ],
        w,
    );
    assert!(ok && text.contains("Verification: OK"), "{text}");

    let (ok, text) = openssl(&["ts", "-reply", "-in", "reply.tsr", "-text"], w);
    assert!(ok, "{text}");
    assert!(text.contains("Status: Granted."), "{text}");
    let reply_text = text.clone();
    assert!(text.contains("Policy OID: 1.3.6.1.4.1.59999.3.1"), "{text}");
    let stamped = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Time stamp: "))
        .unwrap_or_else(|| panic!("no time stamp in {text}"));
    let stamped = chrono::NaiveDateTime::parse_from_str(
        stamped.trim_end_matches(" GMT"),
        "%b %e %H:%M:%S %Y",
    )
    .unwrap_or_else(|e| panic!("{stamped:?}: {e}"))
    .and_utc();
    assert!(
        (stamped - expected).num_seconds().abs() <= 60,
        "{stamped} vs {expected}"
    );

    // A changed file: openssl refuses.
    let mut changed = data.clone().into_bytes();
    changed[0] ^= 1;
    std::fs::write(w.join("changed.txt"), &changed).unwrap();
    let (ok, text) = verify("changed.txt");
    assert!(!ok && !text.contains("Verification: OK"), "{text}");

    // Our verifier on the token: the same time, the same verdicts.
    let (ok, text) = openssl(
        &[
            "ts",
            "-reply",
            "-in",
            "reply.tsr",
            "-token_out",
            "-out",
            "token.der",
        ],
        w,
    );
    assert!(ok, "{text}");
    let token = std::fs::read(w.join("token.der")).unwrap();
    let trust = TrustStore::load(&certs).unwrap();
    let info = zhengtong::tsa::verify_token(&token, &sha256(data.as_bytes()), &trust)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(info.gen_time, stamped);
    assert!(
        info.tsa_subject.contains("时间戳服务"),
        "{}",
        info.tsa_subject
    );
    let err = zhengtong::tsa::verify_token(&token, &sha256(&changed), &trust).unwrap_err();
    assert!(
        matches!(err, zhengtong::tsa::TsaError::DigestMismatch),
        "{err}"
    );

    // Two replies: two serial numbers.
    let r2 = post_query(
        &s,
        std::fs::read(w.join("q.tsq")).unwrap(),
        "application/timestamp-query",
    );
    std::fs::write(w.join("reply2.tsr"), r2.bytes().unwrap()).unwrap();
    let (_, text2) = openssl(&["ts", "-reply", "-in", "reply2.tsr", "-text"], w);
    let serial = |t: &str| {
        t.lines()
            .find(|l| l.starts_with("Serial number:"))
            .map(str::to_string)
    };
    assert!(serial(&reply_text).is_some(), "{reply_text}");
    assert_ne!(serial(&reply_text), serial(&text2));
}

/// The status of a TimeStampResp as openssl reads it.
fn status_of(s: &Server, body: Vec<u8>) -> String {
    let r = post_query(s, body, "application/timestamp-query");
    assert_eq!(
        r.status(),
        200,
        "a garbage query is answered with a rejection, not an error"
    );
    let work = tempfile::tempdir().unwrap();
    std::fs::write(work.path().join("r.tsr"), r.bytes().unwrap()).unwrap();
    let (ok, text) = openssl(&["ts", "-reply", "-in", "r.tsr", "-text"], work.path());
    assert!(ok, "{text}");
    text
}

#[test]
fn bad_queries_are_rejected_never_a_500() {
    let s = Server::start();
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    std::fs::write(w.join("doc.txt"), "x").unwrap();
    let (ok, text) = openssl(
        &[
            "ts", "-query", "-data", "doc.txt", "-sha1", "-out", "sha1.tsq",
        ],
        w,
    );
    assert!(ok, "{text}");
    let text = status_of(&s, std::fs::read(w.join("sha1.tsq")).unwrap());
    assert!(
        text.contains("Status: Rejected") && text.contains("unrecognized or unsupported algorithm"),
        "{text}"
    );

    // SHA-512 imprints are granted too, and verify.
    let (ok, text) = openssl(
        &[
            "ts", "-query", "-data", "doc.txt", "-sha512", "-cert", "-out", "512.tsq",
        ],
        w,
    );
    assert!(ok, "{text}");
    let r = post_query(
        &s,
        std::fs::read(w.join("512.tsq")).unwrap(),
        "application/timestamp-query",
    );
    std::fs::write(w.join("512.tsr"), r.bytes().unwrap()).unwrap();
    let certs = s.certs();
    let (ok, text) = openssl(
        &[
            "ts",
            "-verify",
            "-in",
            "512.tsr",
            "-queryfile",
            "512.tsq",
            "-CAfile",
            certs.join("root.crt").to_str().unwrap(),
            "-untrusted",
            certs.join("440100/ca.crt").to_str().unwrap(),
        ],
        w,
    );
    assert!(ok && text.contains("Verification: OK"), "{text}");

    let (ok, text) = openssl(
        &[
            "ts",
            "-query",
            "-data",
            "doc.txt",
            "-sha256",
            "-tspolicy",
            "1.2.3.4",
            "-out",
            "pol.tsq",
        ],
        w,
    );
    assert!(ok, "{text}");
    let text = status_of(&s, std::fs::read(w.join("pol.tsq")).unwrap());
    assert!(text.contains("Status: Rejected"), "{text}");

    let good = {
        openssl(
            &[
                "ts", "-query", "-data", "doc.txt", "-sha256", "-out", "g.tsq",
            ],
            w,
        );
        std::fs::read(w.join("g.tsq")).unwrap()
    };
    let mut bodies: Vec<Vec<u8>> = vec![
        vec![],
        b"not DER at all".to_vec(),
        vec![0x30, 0x84, 0xff, 0xff, 0xff, 0xff],
        good[..good.len() / 2].to_vec(),
    ];
    // Every truncation and a flipped byte at every position of a real query.
    for i in 0..good.len() {
        bodies.push(good[..i].to_vec());
        let mut b = good.clone();
        b[i] ^= 0xff;
        bodies.push(b);
    }
    for body in bodies {
        let r = post_query(&s, body.clone(), "application/timestamp-query");
        assert_eq!(r.status(), 200, "{body:02x?}");
        let reply = r.bytes().unwrap();
        // Either granted (a flip openssl's parser and ours both accept, e.g. in the digest)
        // or a rejection: never an empty or non-DER body.
        assert!(
            reply.len() > 4 && reply[0] == 0x30,
            "{body:02x?} → {reply:02x?}"
        );
    }
    let text = status_of(&s, b"not DER at all".to_vec());
    assert!(
        text.contains("Status: Rejected")
            && text.contains("the data submitted has the wrong format"),
        "{text}"
    );

    // A wrong content type is a 415 problem; an oversized body a 413.
    let r = post_query(&s, good.clone(), "application/json");
    let (status, p) = problem(r);
    assert_eq!(status, 415, "{p}");
    let r = post_query(&s, vec![0u8; 20_000], "application/timestamp-query");
    assert_eq!(r.status(), 413);
    assert!(!s.log().contains("panicked"), "{}", s.log());
}
