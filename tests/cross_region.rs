//! Two nodes, Guangzhou (440100) and Shanghai (310000), under one national root and one
//! signed trust list: verification across regions, revocation through status lists, an
//! unreachable issuer, deregistration.

mod common;

use std::path::Path;

use common::*;
use serde_json::{Value, json};

const TTL: &str = "2";

fn sign_trust_list(certs: &Path, gz: u16, sh: u16, out: &Path, extra: &[&str]) {
    let mut args = vec![
        "trust-list".to_string(),
        "sign".into(),
        "--certs".into(),
        certs.to_str().unwrap().into(),
        "--endpoint".into(),
        format!("440100=http://127.0.0.1:{gz}"),
        "--endpoint".into(),
        format!("310000=http://127.0.0.1:{sh}"),
        "--out".into(),
        out.to_str().unwrap().into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let (code, out, err) = run_cli(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0, "{out}{err}");
}

fn node(
    port: u16,
    certs: &Path,
    region: &str,
    trust_list: &Path,
    dir: Option<tempfile::TempDir>,
) -> Server {
    let dir = dir.unwrap_or_else(|| tempfile::tempdir().unwrap());
    Server::start_on(
        port,
        dir,
        Some(certs),
        region,
        &[
            "--status-ttl-s",
            TTL,
            "--trust-list",
            trust_list.to_str().unwrap(),
            "--trust-list-refresh-s",
            "1",
        ],
        &[],
    )
}

fn indication(r: &Value) -> (String, String) {
    (
        r["indication"].as_str().unwrap_or("").into(),
        r["sub_indication"].as_str().unwrap_or("").into(),
    )
}

/// Lets the status ttl pass on both nodes at once (their clocks stay in step, so
/// each accepts the other's freshly signed lists), without sleeping.
fn let_ttl_pass(clocks: &[&Path]) {
    let secs = TTL.parse::<f64>().unwrap() + 1.0;
    for c in clocks {
        advance_clock_file(c, secs);
    }
}

#[test]
fn guangzhou_credentials_verify_in_shanghai() {
    let shared = tempfile::tempdir().unwrap();
    let certs = shared.path().join("certs");
    init_pki(&certs, "440100,310000");
    let (gz_port, sh_port) = (free_port(), free_port());
    let tl = shared.path().join("trust-list.jwt");
    sign_trust_list(&certs, gz_port, sh_port, &tl, &[]);
    let gz = node(gz_port, &certs, "440100", &tl, None);
    let sh = node(sh_port, &certs, "310000", &tl, None);
    assert_eq!(sh.get("/v1/trust-list", None).status(), 200);

    // Register in Guangzhou, with an e-seal; present; verify in Shanghai.
    let auth = gz.role_token("authority");
    let police = gz.role_token("police");
    let name = "广州跨域示例有限公司";
    let (uscc, wallet, cid) = gz.register(&auth, &company(&uscc(60), name));
    let (_, seal) = gz.official_seal(&police, &auth, &uscc, name, "4401006060");
    let seal_id = seal["id"].as_str().unwrap();
    let doc = b"%PDF-1.7 cross-region contract".to_vec();
    let signature = gz.seal_document(&uscc, &wallet, seal_id, &doc);
    let validate = |s: &Server| -> Value {
        s.post(
            "/v1/signatures/validate",
            None,
            &json!({"document_base64": zhengtong::b64::encode_std(&doc), "signature": signature}),
        )
        .json()
        .unwrap()
    };

    let licence_qr = gz.present(&uscc, &wallet, &cid, Some(3600))["token"]
        .as_str()
        .unwrap()
        .to_string();
    let seal_qr = gz.present(
        &uscc,
        &wallet,
        seal["credential_id"].as_str().unwrap(),
        Some(3600),
    )["token"]
        .as_str()
        .unwrap()
        .to_string();
    let r = sh.verify(&licence_qr);
    assert_eq!(indication(&r).0, "TOTAL_PASSED", "{r:#}");
    assert_eq!(r["summary"]["region_name"], "广州市");
    let status = r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "credential_status")
        .unwrap();
    assert_eq!(
        status["result"], "PASSED",
        "Shanghai checked Guangzhou's status list: {status}"
    );
    assert_eq!(indication(&sh.verify(&seal_qr)).0, "TOTAL_PASSED");
    assert_eq!(
        indication(&validate(&sh)).0,
        "TOTAL_PASSED",
        "{:#}",
        validate(&sh)
    );
    let sd: Value = gz
        .get(&format!("/v1/wallets/{uscc}"), Some(&wallet))
        .json()
        .unwrap();
    let licence_sd = sd["credentials"][0]["sd_jwt"].as_str().unwrap().to_string();
    assert_eq!(indication(&sh.verify(&licence_sd)).0, "TOTAL_PASSED");
    // Offline, in Shanghai, from the trust list alone.
    let (code, out, _) = run_cli(&[
        "verify",
        "--certs",
        certs.to_str().unwrap(),
        "--trust-list",
        tl.to_str().unwrap(),
        &licence_qr,
    ]);
    assert_eq!(code, 0, "{out}");

    // Change the address in Guangzhou: the old licence is REVOKED in Shanghai within the ttl.
    let changed: Value = gz
        .post(
            &format!("/v1/companies/{uscc}/changes"),
            Some(&auth),
            &json!({"address": "广州市黄埔区新址1号"}),
        )
        .json()
        .unwrap();
    let new_cid = changed["credentials"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Within the ttl Shanghai may still answer from its cached copy; once it has passed,
    // Shanghai must fetch the new list and see the revocation.
    let gz_clock = gz.dir.path().join("clock");
    let sh_clock = sh.dir.path().join("clock");
    let_ttl_pass(&[&gz_clock, &sh_clock]);
    assert_eq!(
        indication(&sh.verify(&licence_qr)),
        ("TOTAL_FAILED".into(), "REVOKED".into()),
        "old licence not REVOKED in Shanghai once the ttl passed"
    );
    let new_qr = gz.present(&uscc, &wallet, &new_cid, Some(3600))["token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(indication(&sh.verify(&new_qr)).0, "TOTAL_PASSED");

    // Guangzhou goes down: once Shanghai's copy is stale, TRY_LATER, never PASSED or REVOKED.
    let gz_dir = {
        let mut gz = gz;
        gz.stop();
        std::mem::replace(&mut gz.dir, tempfile::tempdir().unwrap())
    };
    let gz_clock = gz_dir.path().join("clock");
    let_ttl_pass(&[&gz_clock, &sh_clock]);
    let r = sh.verify(&new_qr);
    assert_eq!(
        indication(&r),
        ("INDETERMINATE".into(), "TRY_LATER".into()),
        "{r:#}"
    );
    assert_eq!(
        indication(&validate(&sh)),
        ("INDETERMINATE".into(), "TRY_LATER".into())
    );

    // Guangzhou is back; the company is deregistered: everything REVOKED in Shanghai.
    let gz = node(gz_port, &certs, "440100", &tl, Some(gz_dir));
    let r = gz.post(
        &format!("/v1/companies/{uscc}/deregistration"),
        Some(&auth),
        &json!({}),
    );
    assert_eq!(r.status(), 200);
    let_ttl_pass(&[&gz.dir.path().join("clock"), &sh_clock]);
    assert_eq!(indication(&sh.verify(&new_qr)).1, "REVOKED");
    assert_eq!(indication(&sh.verify(&seal_qr)).1, "REVOKED");
    assert_eq!(indication(&validate(&sh)).1, "REVOKED");
    drop(gz);
}

#[test]
fn trust_list_rules_types_expiry_and_rollover() {
    let shared = tempfile::tempdir().unwrap();
    let certs = shared.path().join("certs");
    init_pki(&certs, "440100,310000");
    let (gz_port, sh_port) = (free_port(), free_port());
    let tl = shared.path().join("tl.jwt");
    sign_trust_list(&certs, gz_port, sh_port, &tl, &[]);
    let gz = node(gz_port, &certs, "440100", &tl, None);
    let auth = gz.role_token("authority");
    let (uscc, wallet, cid) = gz.register(&auth, &company(&uscc(61), "广州信任列表示例有限公司"));
    let old_qr = gz.present(&uscc, &wallet, &cid, Some(86_400))["token"]
        .as_str()
        .unwrap()
        .to_string();
    let c = certs.to_str().unwrap();

    // A region may issue only the types its entry lists.
    let narrow = shared.path().join("narrow.jwt");
    sign_trust_list(
        &certs,
        gz_port,
        sh_port,
        &narrow,
        &["--types", "440100=e_seal"],
    );
    let (code, out, _) = run_cli(&[
        "verify",
        "--certs",
        c,
        "--trust-list",
        narrow.to_str().unwrap(),
        &old_qr,
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("credential_type"), "{out}");

    // An expired trust list, past its grace period: INDETERMINATE with that reason.
    let short = shared.path().join("short.jwt");
    sign_trust_list(&certs, gz_port, sh_port, &short, &["--valid-for-s", "1"]);
    // The CLI runs 2 s later than the wall clock.
    let later = shared.path().join("later-clock");
    advance_clock_file(&later, 2.0);
    let later_env = [("ZT_TEST_CLOCK_FILE", later.as_path())];
    let (code, out, _) = run_cli_env(
        &[
            "verify",
            "--certs",
            c,
            "--trust-list",
            short.to_str().unwrap(),
            "--trust-list-grace-s",
            "0",
            &old_qr,
        ],
        &later_env,
    );
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("TRY_LATER") && out.contains("trust list expired"),
        "{out}"
    );
    // Within the grace period it still works, with a warning.
    let (code, out, _) = run_cli_env(
        &[
            "verify",
            "--certs",
            c,
            "--trust-list",
            short.to_str().unwrap(),
            &old_qr,
        ],
        &later_env,
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("WARNING"), "{out}");
    // A tampered trust list is refused outright.
    let tampered = shared.path().join("tampered.jwt");
    let t = std::fs::read_to_string(&tl).unwrap();
    std::fs::write(&tampered, format!("{}x", t.trim())).unwrap();
    assert_eq!(
        run_cli(&[
            "verify",
            "--certs",
            c,
            "--trust-list",
            tampered.to_str().unwrap(),
            &old_qr
        ])
        .0,
        64
    );

    // Key rollover: the old presentation key's tokens keep verifying; new tokens use the new key.
    let mut gz = gz;
    gz.stop();
    let kept = std::mem::replace(&mut gz.dir, tempfile::tempdir().unwrap());
    drop(gz);
    let (code, out, err) = run_cli(&[
        "pki",
        "rollover",
        "--certs",
        c,
        "--region",
        "440100",
        "--role",
        "presentation-signer",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let rolled = shared.path().join("rolled.jwt");
    // Signed into another file than `tl`, so its default sequence would be the clock's
    // second alone, which `tl` may share (the node would then rightly refuse it).
    let tl_payload = zhengtong::b64::decode_url(
        std::fs::read_to_string(&tl)
            .unwrap()
            .split('.')
            .nth(1)
            .unwrap(),
    )
    .unwrap();
    let tl_sequence = serde_json::from_slice::<Value>(&tl_payload).unwrap()["sequence"]
        .as_u64()
        .unwrap();
    let next = (tl_sequence + 1).to_string();
    sign_trust_list(&certs, gz_port, sh_port, &rolled, &["--sequence", &next]);
    let gz = node(gz_port, &certs, "440100", &rolled, Some(kept));
    let new_qr = gz.present(&uscc, &wallet, &cid, None)["token"]
        .as_str()
        .unwrap()
        .to_string();
    let kid = |t: &str| -> Value {
        serde_json::from_slice(&zhengtong::b64::decode_url(t.split('.').next().unwrap()).unwrap())
            .unwrap()
    };
    assert_ne!(kid(&old_qr)["kid"], kid(&new_qr)["kid"]);
    for t in [&old_qr, &new_qr] {
        assert_eq!(indication(&gz.verify(t)).0, "TOTAL_PASSED");
        let (code, out, _) = run_cli(&[
            "verify",
            "--certs",
            c,
            "--trust-list",
            rolled.to_str().unwrap(),
            t,
        ]);
        assert_eq!(code, 0, "{out}");
    }
}
