//! A stateless verifier (`serve --verifier-only`): started in an empty folder with only the
//! national root and the trust list's URL, it verifies what a Guangzhou node issued, sees a
//! revocation through the status list once its ttl has passed, follows a newer trust list,
//! serves nothing but verification, and writes nothing to its folder.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::*;
use serde_json::{Value, json};

const TTL: &str = "2";

fn sign_trust_list(certs: &Path, gz: u16, out: &Path) {
    let (code, out, err) = run_cli(&[
        "trust-list",
        "sign",
        "--certs",
        certs.to_str().unwrap(),
        "--endpoint",
        &format!("440100=http://127.0.0.1:{gz}"),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}{err}");
}

fn indication(r: &Value) -> (String, String) {
    (
        r["indication"].as_str().unwrap_or("").into(),
        r["sub_indication"].as_str().unwrap_or("").into(),
    )
}

fn check<'a>(r: &'a Value, name: &str) -> &'a Value {
    r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no check {name} in {r:#}"))
}

/// The verifier-only node, run in `cwd` (which must stay empty); its log, test clock and
/// state live in `Server::dir`, outside it.
fn verifier(cwd: &Path, root: &Path, trust_list: &str) -> Server {
    Server::start_verifier_only(tempfile::tempdir().unwrap(), cwd, root, trust_list)
}

/// Every file and folder under `dir`.
fn contents(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        out.push(e.path().display().to_string());
        if e.path().is_dir() {
            out.extend(contents(&e.path()));
        }
    }
    out
}

#[test]
fn a_verifier_only_node_verifies_and_sees_revocations_without_state() {
    let shared = tempfile::tempdir().unwrap();
    let certs = shared.path().join("certs");
    init_pki(&certs, "440100");
    let gz_port = free_port();
    let tl = shared.path().join("trust-list.jwt");
    sign_trust_list(&certs, gz_port, &tl);
    let gz = Server::start_on(
        gz_port,
        tempfile::tempdir().unwrap(),
        Some(&certs),
        "440100",
        &[
            "--status-ttl-s",
            TTL,
            "--trust-list",
            tl.to_str().unwrap(),
            "--trust-list-refresh-s",
            "1",
        ],
        &[],
    );

    // The verifier gets the root alone, in its own otherwise empty place.
    let root_dir = tempfile::tempdir().unwrap();
    let root = root_dir.path().join("root.crt");
    std::fs::copy(certs.join("root.crt"), &root).unwrap();
    let cwd = tempfile::tempdir().unwrap();
    let v = verifier(cwd.path(), &root, &gz.url("/v1/trust-list"));

    // Issued in Guangzhou: a licence (as a QR presentation and as the SD-JWT) and a seal.
    let auth = gz.role_token("authority");
    let police = gz.role_token("police");
    let name = "广州无状态核验示例有限公司";
    let (uscc, wallet, cid) = gz.register(&auth, &company(&uscc(71), name));
    let (_, seal) = gz.official_seal(&police, &auth, &uscc, name, "4401007171");
    let doc = b"%PDF-1.7 verified by a stateless node".to_vec();
    let signature = gz.seal_document(&uscc, &wallet, seal["id"].as_str().unwrap(), &doc);
    let qr = gz.present(&uscc, &wallet, &cid, Some(3600))["token"]
        .as_str()
        .unwrap()
        .to_string();
    let stored: Value = gz
        .get(&format!("/v1/wallets/{uscc}"), Some(&wallet))
        .json()
        .unwrap();
    let sd_jwt = stored["credentials"][0]["sd_jwt"].as_str().unwrap();

    let r = v.verify(&qr);
    assert_eq!(indication(&r), ("TOTAL_PASSED".into(), "".into()), "{r:#}");
    assert_eq!(r["summary"]["uscc"], uscc.as_str(), "{r:#}");
    // Its status came from Guangzhou's status list, not from records it does not have.
    let status = check(&r, "credential_status");
    assert_eq!(status["result"], "PASSED", "{status}");
    assert_eq!(indication(&v.verify(sd_jwt)).0, "TOTAL_PASSED");
    let validated: Value = v
        .post(
            "/v1/signatures/validate",
            None,
            &json!({"document_base64": zhengtong::b64::encode_std(&doc), "signature": signature}),
        )
        .json()
        .unwrap();
    assert_eq!(indication(&validated).0, "TOTAL_PASSED", "{validated:#}");
    // A photo of the QR code, as the verifier's page sends it.
    let png = zhengtong::present::qr::render(&qr).unwrap().png.unwrap();
    let r = v.post_raw("/v1/verify/image", "image/png", png);
    assert_eq!(r.status(), 200);
    assert_eq!(indication(&r.json::<Value>().unwrap()).0, "TOTAL_PASSED");

    // Guangzhou changes the company's address: the old licence is revoked. Once the status
    // list's ttl has passed (both clocks moved on, not slept), the verifier fetches the list
    // again and sees it.
    let changed = gz.post(
        &format!("/v1/companies/{uscc}/changes"),
        Some(&auth),
        &json!({"address": "广州市黄埔区新址2号"}),
    );
    assert_eq!(changed.status(), 201, "{}", changed.text().unwrap());
    let secs = TTL.parse::<f64>().unwrap() + 1.0;
    gz.advance_clock(secs);
    v.advance_clock(secs);
    let r = v.verify(&qr);
    assert_eq!(
        indication(&r),
        ("TOTAL_FAILED".into(), "REVOKED".into()),
        "the verifier-only node did not see the revocation once the ttl had passed: {r:#}"
    );
    assert_eq!(
        indication(&v.verify(sd_jwt)),
        ("TOTAL_FAILED".into(), "REVOKED".into())
    );

    // Only verification is served; everything else is a 404 problem that says why.
    for (method, path) in [
        ("POST", "/v1/companies"),
        ("GET", &format!("/v1/wallets/{uscc}") as &str),
        ("POST", &format!("/v1/wallets/{uscc}/presentations")),
        ("GET", "/v1/tokens"),
        ("POST", "/v1/tsa"),
        ("GET", "/v1/certs"),
        ("GET", "/wallet"),
        ("GET", "/"),
    ] {
        let req = match method {
            "GET" => v.client.get(v.url(path)),
            _ => v.client.post(v.url(path)).json(&json!({})),
        };
        let (status, p) = problem(req.bearer_auth("anything").send().unwrap());
        assert_eq!(status, 404, "{method} {path}");
        assert!(
            p["detail"].as_str().unwrap().contains("verifier-only"),
            "{method} {path}: {p}"
        );
    }
    assert_eq!(v.get("/verify", None).status(), 200);
    let doc: Value = v.get("/v1/openapi.json", None).json().unwrap();
    let mut paths: Vec<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "/healthz",
            "/v1/openapi.json",
            "/v1/signatures/validate",
            "/v1/trust-list",
            "/v1/verify",
            "/v1/verify/image"
        ]
    );

    // A newer trust list, published at the source, replaces the one in use.
    let before = v.get("/v1/trust-list", None).text().unwrap();
    assert_eq!(before.trim(), std::fs::read_to_string(&tl).unwrap().trim());
    sign_trust_list(&certs, gz_port, &tl);
    let newer = std::fs::read_to_string(&tl).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let now = v.get("/v1/trust-list", None).text().unwrap();
        if now.trim() == newer.trim() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the verifier kept the older trust list; log:\n{}",
            v.log()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(
        indication(&v.verify(&qr)),
        ("TOTAL_FAILED".into(), "REVOKED".into())
    );

    // Nothing was written where it runs: no data folder, no database, no key (what it
    // must not go back from is in its --state folder, elsewhere).
    assert_eq!(contents(cwd.path()), Vec::<String>::new());
    eprintln!(
        "verifier-only RSS after {} verifications: {} KiB",
        8,
        v.rss_kib()
    );
}

#[test]
fn verifier_only_needs_its_root_and_trust_list() {
    let cwd = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .current_dir(cwd.path())
        .args(["serve", "--verifier-only", "--trust-list", "x.jwt"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(64));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--root"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A data folder belongs to an issuing node.
    let out = Command::new(BIN)
        .current_dir(cwd.path())
        .args([
            "serve",
            "--verifier-only",
            "--root",
            "root.crt",
            "--trust-list",
            "x.jwt",
            "--data",
            "data",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(64));
    // The root file is missing: it fails, and writes nothing.
    let out = Command::new(BIN)
        .current_dir(cwd.path())
        .args([
            "serve",
            "--verifier-only",
            "--root",
            "root.crt",
            "--trust-list",
            "x.jwt",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("root.crt"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(contents(cwd.path()), Vec::<String>::new());
}
