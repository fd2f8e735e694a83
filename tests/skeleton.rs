//! The walking skeleton through the real server: register → wallet → presentation → QR →
//! verify, and the ways it must fail.

mod common;

use common::*;
use serde_json::{Value, json};
use zhengtong::b64;

#[test]
fn register_present_scan_verify() {
    let s = Server::start();
    let auth = s.role_token("authority");
    let (uscc, wallet, cid) = s.register(&auth, &company(&uscc(1), NAME16));

    let w: Value = s
        .get(&format!("/v1/wallets/{uscc}"), Some(&wallet))
        .json()
        .unwrap();
    assert_eq!(w["credentials"][0]["type"], "business_license");
    assert_eq!(w["credentials"][0]["status"], "valid");
    assert!(
        w["credentials"][0]["sd_jwt"]
            .as_str()
            .unwrap()
            .contains('~')
    );
    // An authority may read the wallet too.
    assert_eq!(
        s.get(&format!("/v1/wallets/{uscc}"), Some(&auth)).status(),
        200
    );

    let p = s.present(&uscc, &wallet, &cid, None);
    let token = p["token"].as_str().unwrap();
    // 16 Chinese characters of name fit in a version-15 QR code at level M.
    let version = p["qr_version"].as_i64().unwrap();
    assert!(
        version <= 15,
        "QR version {version} for a 16-character name"
    );
    let rendered = zhengtong::present::qr::render(token).unwrap();
    assert_eq!(rendered.version as i64, version);
    assert!(p["qr_svg"].as_str().unwrap().contains("<svg"));

    let png = b64::decode_std(p["qr_png_base64"].as_str().unwrap()).unwrap();
    assert_eq!(zhengtong::present::qr::decode_image(&png).unwrap(), token);

    let report = s.verify(token);
    assert_eq!(report["indication"], "TOTAL_PASSED", "{report:#}");
    assert_eq!(report["summary"]["company_name"], NAME16);
    assert_eq!(report["summary"]["uscc"], uscc);
    assert_eq!(report["summary"]["region_name"], "广州市");
    assert_eq!(
        report["summary"]["issuing_authority"],
        "广州市市场监督管理局"
    );
    let status_check = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "credential_status")
        .unwrap();
    assert_eq!(status_check["result"], "PASSED");

    // The same photo, uploaded.
    let r = s
        .client
        .post(s.url("/v1/verify/image"))
        .body(png.clone())
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().unwrap()["indication"], "TOTAL_PASSED");

    // Offline, from the PNG, with only the certificate folder.
    let png_path = s.dir.path().join("qr.png");
    std::fs::write(&png_path, &png).unwrap();
    let certs = s.certs();
    let (code, out, _) = run_cli(&[
        "verify",
        "--certs",
        certs.to_str().unwrap(),
        "--qr-image",
        png_path.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}");
    let offline: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(offline["indication"], "TOTAL_PASSED");
    let (code, text, _) = run_cli(&[
        "verify",
        "--certs",
        certs.to_str().unwrap(),
        "--format",
        "text",
        token,
    ]);
    assert_eq!(code, 0);
    assert!(
        text.contains("TOTAL_PASSED") && text.contains(NAME16),
        "{text}"
    );

    // The SD-JWT itself verifies as a credential, online.
    let sd = w["credentials"][0]["sd_jwt"].as_str().unwrap();
    let report = s.verify(sd);
    assert_eq!(report["indication"], "TOTAL_PASSED", "{report:#}");
    assert_eq!(
        report["summary"]["details"]["legal_representative"]["name"],
        "张三"
    );
}

#[test]
fn tampered_expired_and_foreign_tokens() {
    let s = Server::start();
    let auth = s.role_token("authority");
    let (u1, wallet, cid) = s.register(&auth, &company(&uscc(2), "广州示例贸易有限公司"));
    let token = s.present(&u1, &wallet, &cid, None)["token"]
        .as_str()
        .unwrap()
        .to_string();

    // Same header and signature, a different company name in the payload.
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims: Value = serde_json::from_slice(&b64::decode_url(parts[1]).unwrap()).unwrap();
    claims["n"] = json!("广州冒名顶替有限公司");
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        b64::encode_url(&serde_json::to_vec(&claims).unwrap()),
        parts[2]
    );
    let r = s.verify(&forged);
    assert_eq!(
        (r["indication"].as_str(), r["sub_indication"].as_str()),
        (Some("TOTAL_FAILED"), Some("SIG_CRYPTO_FAILURE"))
    );
    assert!(
        r.get("summary").is_none(),
        "a forged token's claims must not be shown as facts"
    );
    let certs = s.certs();
    let (code, _, _) = run_cli(&["verify", "--certs", certs.to_str().unwrap(), &forged]);
    assert_eq!(code, 1);

    let short = s.present(&u1, &wallet, &cid, Some(1))["token"]
        .as_str()
        .unwrap()
        .to_string();
    s.advance_clock(2.1);
    let r = s.verify(&short);
    assert_eq!(
        (r["indication"].as_str(), r["sub_indication"].as_str()),
        (Some("TOTAL_FAILED"), Some("EXPIRED"))
    );

    // A node under another national root: its tokens are not trusted here.
    let other = Server::start();
    let auth2 = other.role_token("authority");
    let (u2, w2, c2) = other.register(&auth2, &company(&uscc(3), "外部示例有限公司"));
    let foreign = other.present(&u2, &w2, &c2, None)["token"]
        .as_str()
        .unwrap()
        .to_string();
    let r = s.verify(&foreign);
    assert_eq!(
        (r["indication"].as_str(), r["sub_indication"].as_str()),
        (Some("INDETERMINATE"), Some("NO_CERTIFICATE_CHAIN_FOUND")),
        "{r:#}"
    );
    let (code, _, _) = run_cli(&["verify", "--certs", certs.to_str().unwrap(), &foreign]);
    assert_eq!(code, 2);
}

#[test]
fn bad_requests_are_problems_naming_the_field() {
    let s = Server::start();
    let auth = s.role_token("authority");
    let (uscc_a, wallet_a, cid_a) = s.register(&auth, &company(&uscc(4), "甲公司"));
    let (uscc_b, _, _) = s.register(&auth, &company(&uscc(5), "乙公司"));

    let (st, p) = problem(s.post(
        "/v1/companies",
        Some(&auth),
        &company("91440101MA5000004X", "丙公司"),
    ));
    assert_eq!((st, p["field"].as_str()), (422, Some("uscc")));
    let mut bad_id = company(&uscc(6), "丁公司");
    bad_id["legal_representative"]["id_number"] = json!("110105194912310021");
    let (st, p) = problem(s.post("/v1/companies", Some(&auth), &bad_id));
    assert_eq!(
        (st, p["field"].as_str()),
        (422, Some("legal_representative.id_number"))
    );
    let mut missing = company(&uscc(6), "丁公司");
    missing.as_object_mut().unwrap().remove("address");
    let (st, p) = problem(s.post("/v1/companies", Some(&auth), &missing));
    assert_eq!((st, p["field"].as_str()), (422, Some("address")), "{p}");
    let mut wrong_type = company(&uscc(6), "丁公司");
    wrong_type["registered_capital_fen"] = json!("lots");
    let (st, p) = problem(s.post("/v1/companies", Some(&auth), &wrong_type));
    assert_eq!(
        (st, p["field"].as_str()),
        (422, Some("registered_capital_fen")),
        "{p}"
    );

    assert_eq!(
        problem(s.post("/v1/companies", None, &company(&uscc(6), "丁公司"))).0,
        401
    );
    assert_eq!(
        problem(s.post(
            "/v1/companies",
            Some("zt_nope"),
            &company(&uscc(6), "丁公司")
        ))
        .0,
        401
    );
    let partner = s.role_token("partner");
    assert_eq!(
        problem(s.post(
            "/v1/companies",
            Some(&partner),
            &company(&uscc(6), "丁公司")
        ))
        .0,
        403
    );
    assert_eq!(
        problem(s.get(&format!("/v1/wallets/{uscc_b}"), Some(&wallet_a))).0,
        403
    );
    assert_eq!(
        problem(s.post(
            &format!("/v1/wallets/{uscc_b}/presentations"),
            Some(&wallet_a),
            &json!({"credential_id": cid_a})
        ))
        .0,
        403
    );
    let (st, p) = problem(s.post("/v1/companies", Some(&auth), &company(&uscc_a, "甲公司")));
    assert_eq!(st, 409, "{p}");
    assert_eq!(
        problem(s.get(&format!("/v1/wallets/{}", uscc(7)), Some(&auth))).0,
        404
    );
    let (st, p) = problem(s.post(
        &format!("/v1/wallets/{uscc_a}/presentations"),
        Some(&wallet_a),
        &json!({"credential_id": cid_a, "ttl_s": 86401}),
    ));
    assert_eq!((st, p["field"].as_str()), (422, Some("ttl_s")));
    let (st, p) = problem(s.post(
        "/v1/tokens",
        Some(&s.admin_token()),
        &json!({"role": "emperor"}),
    ));
    assert_eq!((st, p["field"].as_str()), (422, Some("role")));

    let huge = json!({ "token": "a".repeat(100 * 1024) });
    assert_eq!(problem(s.post("/v1/verify", None, &huge)).0, 413);
    // The server answers 413 from the declared length, before reading a byte of the body.
    let head = raw_request(
        &s,
        "POST /v1/verify/image HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: 9437184\r\nConnection: close\r\n\r\n",
    );
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");
    assert!(head.contains("application/problem+json"), "{head}");
    // A document over 32 MiB to be sealed: refused the same way.
    let head = raw_request(
        &s,
        &format!(
            "POST /v1/wallets/{uscc_a}/seals/x/sign HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {wallet_a}\r\nContent-Type: application/pdf\r\nContent-Length: 40000000\r\nConnection: close\r\n\r\n"
        ),
    );
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");
    let r = s
        .client
        .post(s.url("/v1/companies"))
        .bearer_auth(&auth)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .unwrap();
    assert_eq!(problem(r).0, 400);
    // A whole JSON value with something after it is not a JSON body either (it was taken as
    // the value alone once).
    for body in [r#"{"token":"a"} trailing"#, r#"{"token":"a"}{}"#] {
        let (st, p) = problem(s.post_raw("/v1/verify", "application/json", body));
        assert_eq!(st, 400, "{body}: {p}");
        assert!(p["detail"].as_str().unwrap().contains("trailing"), "{p}");
    }
    assert_eq!(problem(s.get("/v1/nowhere", None)).0, 404);

    // Nothing stored was disturbed.
    let w: Value = s
        .get(&format!("/v1/wallets/{uscc_a}"), Some(&wallet_a))
        .json()
        .unwrap();
    assert_eq!(w["credentials"].as_array().unwrap().len(), 1);
}

#[test]
fn hostile_tokens_and_images_never_crash_the_server() {
    let s = Server::start();
    let tokens = [
        String::new(),
        "a.b".into(),
        "a.b.c".into(),
        "....".into(),
        "eyJhbGciOiJub25lIn0.e30.".into(),
        "eyJhbGciOiJFUzI1NiJ9.e30.AAAA".into(),
        "eyJ".repeat(20_000),
        "x~y~z~".into(),
        "eyJhbGciOiJFUzI1NiIsInR5cCI6ImRjK3NkLWp3dCJ9.e30.AA~WyJhIl0~".into(),
        "😀.😀.😀".into(),
    ];
    for t in &tokens {
        let r = s.verify(t);
        assert_ne!(r["indication"], "TOTAL_PASSED", "{t}");
    }
    let images: Vec<Vec<u8>> = vec![
        vec![],
        b"GIF89a".to_vec(),
        vec![
            0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, b'I', b'H', b'D', b'R',
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 8, 0, 0, 0, 0,
        ],
        vec![0xff, 0xd8, 0xff, 0xe0, 0, 16],
        (0..100_000u32).map(|i| (i * 7919 % 251) as u8).collect(),
    ];
    for img in images {
        let r = s
            .client
            .post(s.url("/v1/verify/image"))
            .body(img)
            .send()
            .unwrap();
        assert!(r.status().is_client_error(), "{}", r.status());
    }
    // A real PNG without a QR code.
    let blank = image::GrayImage::from_pixel(200, 200, image::Luma([255]));
    let mut png = Vec::new();
    blank
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let (st, p) = problem(
        s.client
            .post(s.url("/v1/verify/image"))
            .body(png)
            .send()
            .unwrap(),
    );
    assert_eq!(st, 422);
    assert!(p["detail"].as_str().unwrap().contains("no QR code"), "{p}");
    assert_eq!(s.get("/healthz", None).status(), 200);
}

#[test]
fn restart_keeps_wallets_and_admin_token() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    let mut s = Server::start_with(dir, None, "440100", &[]);
    let auth = s.role_token("authority");
    let (uscc, wallet, cid) = s.register(&auth, &company(&uscc(8), "重启示例有限公司"));
    let admin = s.admin_token();
    s.stop();
    let kept = std::mem::replace(&mut s.dir, tempfile::tempdir().unwrap());
    drop(s);
    assert!(path.join("data/admin.token").exists());
    let s = Server::start_with(kept, None, "440100", &[]);
    assert_eq!(s.admin_token(), admin);
    let p = s.present(&uscc, &wallet, &cid, None);
    assert_eq!(
        s.verify(p["token"].as_str().unwrap())["indication"],
        "TOTAL_PASSED"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&s.data().join("admin.token")), 0o600);
        assert_eq!(mode(&s.certs().join("440100/licence-issuer.key")), 0o600);
        assert_eq!(mode(&s.certs().join("root.key")), 0o600);
    }
}

#[test]
fn cli_bad_usage_exits_64() {
    assert_eq!(run_cli(&["verify"]).0, 64);
    assert_eq!(run_cli(&["frobnicate"]).0, 64);
    assert_eq!(run_cli(&["verify", "--qr-image", "/nonexistent.png"]).0, 64);
    assert_eq!(run_cli(&["pki", "init", "--regions", "99"]).0, 64);
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = run_cli(&["verify", "--certs", dir.path().to_str().unwrap(), "x.y.z"]);
    assert_eq!(code, 64, "{err}");
    assert!(err.contains("pki init"), "{err}");
}

fn raw_request(s: &Server, request: &str) -> String {
    use std::io::{Read, Write};
    let addr = s.base.trim_start_matches("http://");
    let mut c = std::net::TcpStream::connect(addr).unwrap();
    c.write_all(request.as_bytes()).unwrap();
    c.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let mut buf = vec![0u8; 4096];
    let n = c.read(&mut buf).unwrap();
    String::from_utf8_lossy(&buf[..n]).into_owned()
}
