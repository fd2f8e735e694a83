//! Seals through the real server: police filing → e-seal → sealing → validation.

mod common;

use std::process::Command;

use common::*;
use serde_json::{Value, json};

const NAME: &str = "广州示例印章科技有限公司";

fn round(name: &str, bottom: Option<&str>, code: &str) -> Value {
    let mut t = json!({"shape": "round", "width_mm": 42, "height_mm": 42, "border_mm": 1.2, "star": true, "arc_text": name, "seal_code": code});
    if let Some(b) = bottom {
        t["width_mm"] = json!(40);
        t["height_mm"] = json!(40);
        t["bottom_text"] = json!(b);
    }
    t
}

fn invoice_oval(name: &str, uscc: &str, code: &str) -> Value {
    json!({"shape": "oval", "width_mm": 40, "height_mm": 30, "border_mm": 1, "star": false, "arc_text": name, "center_text": uscc, "bottom_text": "发票专用章", "seal_code": code})
}

struct Setup {
    s: Server,
    auth: String,
    police: String,
    uscc: String,
    wallet: String,
}

fn setup(n: u32) -> Setup {
    let s = Server::start();
    let auth = s.role_token("authority");
    let police = s.role_token("police");
    let (uscc, wallet, _) = s.register(&auth, &company(&uscc(n), NAME));
    Setup {
        s,
        auth,
        police,
        uscc,
        wallet,
    }
}

fn file(st: &Setup, seal_type: &str, template: &Value) -> reqwest::blocking::Response {
    st.s.post("/v1/police/seal-filings", Some(&st.police), &json!({"uscc": st.uscc, "seal_type": seal_type, "template": template, "engraver": "广州市某刻章店"}))
}

fn sign_bytes(st: &Setup, seal_id: &str, doc: &[u8]) -> Value {
    let r =
        st.s.client
            .post(st.s.url(&format!("/v1/wallets/{}/seals/{seal_id}/sign", st.uscc)))
            .bearer_auth(&st.wallet)
            .header("content-type", "application/octet-stream")
            .body(doc.to_vec())
            .send()
            .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().unwrap());
    r.json().unwrap()
}

/// Validates a (2 MiB) document sent as a multipart form, hashed by the server as it streams.
fn validate(st: &Setup, doc: &[u8], signature: &str) -> Value {
    let (ct, body) = multipart(&[("signature", signature.as_bytes()), ("document", doc)]);
    let r =
        st.s.client
            .post(st.s.url("/v1/signatures/validate"))
            .header("content-type", ct)
            .body(body)
            .send()
            .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().unwrap());
    r.json().unwrap()
}

/// A PDF-sized document (2 MiB) with a PDF header.
fn pdf() -> Vec<u8> {
    let mut d = b"%PDF-1.7\n".to_vec();
    d.extend((0..2 * 1024 * 1024u32).map(|i| (i.wrapping_mul(2654435761) >> 24) as u8));
    d
}

#[test]
fn file_issue_sign_validate() {
    let st = setup(40);
    let s = &st.s;
    let template = round(NAME, None, "4401000012345");
    let r = file(&st, "official", &template);
    assert_eq!(r.status(), 201);
    let filing: Value = r.json().unwrap();
    for k in [
        "id",
        "uscc",
        "seal_type",
        "template",
        "template_sha256",
        "image_sha256",
        "filed_at",
        "signature",
    ] {
        assert!(filing.get(k).is_some(), "filing lacks {k}");
    }
    let fid = filing["id"].as_str().unwrap();
    // One template, one image: the served SVG hashes to image_sha256.
    let svg = s
        .get(&format!("/v1/seal-filings/{fid}/image.svg"), None)
        .bytes()
        .unwrap();
    assert_eq!(
        zhengtong::seal::sign::sha256_hex(&svg),
        filing["image_sha256"]
    );
    assert!(roxmltree::Document::parse(std::str::from_utf8(&svg).unwrap()).is_ok());
    assert_eq!(
        s.get(&format!("/v1/seal-filings/{fid}"), None)
            .json::<Value>()
            .unwrap()["id"],
        fid
    );

    // A tampered template (one millimetre of border) is refused: 同章同模.
    let mut tampered = template.clone();
    tampered["border_mm"] = json!(1.3);
    let (st_code, p) = problem(s.post(
        &format!("/v1/wallets/{}/seals", st.uscc),
        Some(&st.auth),
        &json!({"filing_id": fid, "template": tampered}),
    ));
    assert_eq!((st_code, p["field"].as_str()), (422, Some("template")));
    assert!(p["detail"].as_str().unwrap().contains("同章同模"), "{p}");

    let r = s.post(
        &format!("/v1/wallets/{}/seals", st.uscc),
        Some(&st.auth),
        &json!({"filing_id": fid, "template": template}),
    );
    assert_eq!(r.status(), 201);
    let seal: Value = r.json().unwrap();
    let seal_id = seal["id"].as_str().unwrap();
    assert!(
        seal["certificate_pem"]
            .as_str()
            .unwrap()
            .contains("BEGIN CERTIFICATE")
    );
    assert!(seal.get("private_key").is_none());

    let doc = pdf();
    let signed = sign_bytes(&st, seal_id, &doc);
    let signature = signed["signature"].as_str().unwrap();
    assert_eq!(
        signed["document_sha256"],
        zhengtong::seal::sign::sha256_hex(&doc)
    );

    let report = validate(&st, &doc, signature);
    assert_eq!(report["indication"], "TOTAL_PASSED", "{report:#}");
    let d = &report["summary"]["details"];
    assert_eq!(d["matches_police_filing"], true);
    assert_eq!(d["seal_type"], "official");
    assert_eq!(
        zhengtong::seal::sign::sha256_hex(d["seal_image_svg"].as_str().unwrap().as_bytes()),
        filing["image_sha256"]
    );
    assert_eq!(report["summary"]["company_name"], NAME);

    // One byte of the document changed.
    let mut changed = doc.clone();
    changed[1000] ^= 1;
    let r = validate(&st, &changed, signature);
    assert_eq!(
        (r["indication"].as_str(), r["sub_indication"].as_str()),
        (Some("TOTAL_FAILED"), Some("HASH_FAILURE"))
    );
    // The signature altered (one character of its signature part).
    let mut chars: Vec<char> = signature.chars().collect();
    let i = chars.len() - 10;
    chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
    let altered: String = chars.into_iter().collect();
    let r = validate(&st, &doc, &altered);
    assert_eq!(
        (r["indication"].as_str(), r["sub_indication"].as_str()),
        (Some("TOTAL_FAILED"), Some("SIG_CRYPTO_FAILURE"))
    );

    // Offline, with the CLI.
    let dir = s.dir.path();
    std::fs::write(dir.join("contract.pdf"), &doc).unwrap();
    std::fs::write(dir.join("contract.sig"), signature).unwrap();
    std::fs::write(dir.join("changed.pdf"), &changed).unwrap();
    let certs = s.certs();
    let args = |d: &str| {
        vec![
            "seal".to_string(),
            "verify".into(),
            "--certs".into(),
            certs.to_str().unwrap().into(),
            "--document".into(),
            dir.join(d).to_str().unwrap().into(),
            "--signature".into(),
            dir.join("contract.sig").to_str().unwrap().into(),
        ]
    };
    let a = args("contract.pdf");
    let (code, out, _) = run_cli(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0, "{out}");
    let a = args("changed.pdf");
    assert_eq!(
        run_cli(&a.iter().map(String::as_str).collect::<Vec<_>>()).0,
        1
    );
    // Against another PKI's certificates: the chain does not reach a trusted CA.
    let other = tempfile::tempdir().unwrap();
    run_cli(&[
        "pki",
        "init",
        "--certs",
        other.path().to_str().unwrap(),
        "--regions",
        "440100",
    ]);
    let mut a = args("contract.pdf");
    a[3] = other.path().to_str().unwrap().into();
    let (code, out, _) = run_cli(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("NO_CERTIFICATE_CHAIN_FOUND"), "{out}");

    // Signing by hash gives an equivalent signature.
    let r = s.post(
        &format!("/v1/wallets/{}/seals/{seal_id}/sign", st.uscc),
        Some(&st.wallet),
        &json!({"sha256": zhengtong::seal::sign::sha256_hex(&doc)}),
    );
    assert_eq!(r.status(), 201);
    let by_hash = r.json::<Value>().unwrap()["signature"]
        .as_str()
        .unwrap()
        .to_string();
    let r = s.post(
        "/v1/signatures/validate",
        None,
        &json!({"document_sha256": zhengtong::seal::sign::sha256_hex(&doc), "signature": by_hash}),
    );
    assert_eq!(r.json::<Value>().unwrap()["indication"], "TOTAL_PASSED");
    // Every signing is recorded with its time.
    let listing: Value = s
        .get(&format!("/v1/wallets/{}/seals", st.uscc), Some(&st.wallet))
        .json()
        .unwrap();
    assert_eq!(listing["signings"].as_array().unwrap().len(), 2);

    // A QR presentation of the e-seal verifies and shows the seal image and filing.
    let p = s.present(
        &st.uscc,
        &st.wallet,
        seal["credential_id"].as_str().unwrap(),
        None,
    );
    let r = s.verify(p["token"].as_str().unwrap());
    assert_eq!(r["indication"], "TOTAL_PASSED", "{r:#}");
    assert_eq!(r["summary"]["credential_type"], "e_seal");
    assert_eq!(r["summary"]["details"]["police_filing_id"], fid, "{r:#}");
    assert!(
        r["summary"]["details"]["seal_image_svg"]
            .as_str()
            .unwrap()
            .contains("<svg")
    );

    // Revoked after sealing: the earlier signature stays valid; new signing is refused.
    // Signing times are whole seconds, and a revocation in the same second as a signing counts
    // as before it (the order cannot be known): revoke in a later second.
    st.s.advance_clock(1.1);
    let r = s.post(
        &format!("/v1/wallets/{}/seals/{seal_id}/revocation", st.uscc),
        Some(&st.auth),
        &json!({}),
    );
    assert_eq!(r.status(), 200);
    let report = validate(&st, &doc, signature);
    assert_eq!(report["indication"], "TOTAL_PASSED", "{report:#}");
    assert!(
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["result"] == "WARNING" && c["name"] == "credential_status")
    );
    let (code, p) = problem(s.post(
        &format!("/v1/wallets/{}/seals/{seal_id}/sign", st.uscc),
        Some(&st.wallet),
        &json!({"sha256": "00".repeat(32)}),
    ));
    assert_eq!((code, p["field"].as_str()), (422, Some("seal_id")));

    // Interop: openssl verifies the seal certificate chain; jwcrypto the signature.
    let seal_pem = dir.join("seal.crt");
    std::fs::write(&seal_pem, seal["certificate_pem"].as_str().unwrap()).unwrap();
    let out = Command::new("openssl")
        .arg("verify")
        .arg("-CAfile")
        .arg(certs.join("root.crt"))
        .arg("-untrusted")
        .arg(certs.join("440100/ca.crt"))
        .arg(&seal_pem)
        .output()
        .unwrap();
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).contains("OK"),
        "{out:?}"
    );
    let out = py_check("seal", &certs.join("root.crt"), signature);
    let verified: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        verified["doc_sha256"],
        zhengtong::seal::sign::sha256_hex(&doc)
    );

    // The seal's private key is nowhere in the data folder in plain PKCS#8.
    assert_no_plain_pkcs8(&s.data(), &certs);
}

/// The DER prefix every unencrypted P-256 PKCS#8 key shares: the two algorithm OIDs
/// followed by the OCTET STRING of the ECPrivateKey (a certificate's SPKI has a BIT STRING there).
const PKCS8_P256: [u8; 29] = [
    0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d,
    0x03, 0x01, 0x07, 0x04, 0x6d, 0x30, 0x6b, 0x02, 0x01, 0x01, 0x04, 0x20, 0x00,
];

fn contains_pkcs8(bytes: &[u8]) -> bool {
    bytes.windows(28).any(|w| w == &PKCS8_P256[..28])
}

fn assert_no_plain_pkcs8(data: &std::path::Path, certs: &std::path::Path) {
    // The pattern does find a real key (so this check can fail).
    let key_pem = std::fs::read_to_string(certs.join("440100/licence-issuer.key")).unwrap();
    assert!(contains_pkcs8(pem::parse(key_pem).unwrap().contents()));
    let mut files = vec![data.to_path_buf()];
    let mut scanned = 0;
    while let Some(p) = files.pop() {
        if p.is_dir() {
            files.extend(std::fs::read_dir(&p).unwrap().flatten().map(|e| e.path()));
        } else {
            let bytes = std::fs::read(&p).unwrap();
            assert!(
                !contains_pkcs8(&bytes),
                "plain PKCS#8 key bytes in {}",
                p.display()
            );
            assert!(
                !String::from_utf8_lossy(&bytes).contains("PRIVATE KEY"),
                "PEM key in {}",
                p.display()
            );
            scanned += 1;
        }
    }
    assert!(scanned > 3);
}

#[test]
fn every_filing_rule_has_its_own_message() {
    let st = setup(41);
    let s = &st.s;
    let cases: Vec<(&str, Value, &str, &str)> = vec![
        (
            "official",
            round("别的公司", None, "4401000020001"),
            "template.arc_text",
            "registered name",
        ),
        (
            "official",
            json!({"shape": "round", "width_mm": 36, "height_mm": 36, "border_mm": 1, "star": true, "arc_text": NAME, "seal_code": "4401000020002"}),
            "template.width_mm",
            "40-42",
        ),
        (
            "official",
            json!({"shape": "round", "width_mm": 42, "height_mm": 42, "border_mm": 1, "star": false, "arc_text": NAME, "seal_code": "4401000020003"}),
            "template.star",
            "star",
        ),
        (
            "invoice",
            json!({"shape": "oval", "width_mm": 42, "height_mm": 30, "border_mm": 1, "star": false, "arc_text": NAME, "center_text": st.uscc, "bottom_text": "发票专用章", "seal_code": "4401000020004"}),
            "template.shape",
            "40 × 30",
        ),
        (
            "invoice",
            invoice_oval(NAME, &uscc(99), "4401000020005"),
            "template.center_text",
            "taxpayer ID",
        ),
        (
            "finance",
            round(NAME, Some("合同专用章"), "4401000020006"),
            "template.bottom_text",
            "财务专用章",
        ),
        (
            "official",
            round(NAME, None, "12"),
            "template.seal_code",
            "3",
        ),
        (
            "official",
            round(NAME, None, "12a45"),
            "template.seal_code",
            "digits",
        ),
        (
            "stamp",
            round(NAME, None, "4401000020007"),
            "seal_type",
            "not one of",
        ),
        (
            "legal_representative",
            json!({"shape": "round", "width_mm": 20, "height_mm": 20, "border_mm": 1, "star": false, "arc_text": "李四", "seal_code": "4401000020008"}),
            "template.arc_text",
            "legal representative",
        ),
    ];
    for (seal_type, template, field, words) in cases {
        let (code, p) = problem(file(&st, seal_type, &template));
        assert_eq!(
            (code, p["field"].as_str()),
            (422, Some(field)),
            "{seal_type} {template}: {p}"
        );
        assert!(p["detail"].as_str().unwrap().contains(words), "{p}");
    }
    // The company must be registered.
    let (code, p) = problem(s.post("/v1/police/seal-filings", Some(&st.police), &json!({"uscc": uscc(98), "seal_type": "official", "template": round(NAME, None, "4401000020009")})));
    assert_eq!((code, p["field"].as_str()), (422, Some("uscc")));
    assert!(p["detail"].as_str().unwrap().contains("not registered"));
    // Only the police may file.
    assert_eq!(problem(s.post("/v1/police/seal-filings", Some(&st.wallet), &json!({"uscc": st.uscc, "seal_type": "official", "template": round(NAME, None, "4401000020010")}))).0, 403);

    // Good filings: a legal representative seal, and an invoice seal.
    assert_eq!(file(&st, "legal_representative", &json!({"shape": "round", "width_mm": 20, "height_mm": 20, "border_mm": 1, "star": false, "arc_text": "张三", "seal_code": "4401000020011"})).status(), 201);
    assert_eq!(
        file(
            &st,
            "invoice",
            &invoice_oval(NAME, &st.uscc, "4401000020012")
        )
        .status(),
        201
    );
    // The seal code is unique.
    let (code, p) = problem(file(&st, "official", &round(NAME, None, "4401000020012")));
    assert_eq!(
        (code, p["field"].as_str()),
        (422, Some("template.seal_code"))
    );
    assert!(p["detail"].as_str().unwrap().contains("already on record"));

    // One active filing per company and type: a new one supersedes the old, which stays.
    let first: Value = file(&st, "official", &round(NAME, None, "4401000020013"))
        .json()
        .unwrap();
    let second: Value = file(&st, "official", &round(NAME, None, "4401000020014"))
        .json()
        .unwrap();
    let old: Value = s
        .get(
            &format!("/v1/seal-filings/{}", first["id"].as_str().unwrap()),
            None,
        )
        .json()
        .unwrap();
    assert_eq!(old["status"], "superseded");
    assert_eq!(old["superseded_by"], second["id"]);
    let (code, p) = problem(s.post(
        &format!("/v1/wallets/{}/seals", st.uscc),
        Some(&st.auth),
        &json!({"filing_id": first["id"]}),
    ));
    assert_eq!((code, p["field"].as_str()), (422, Some("filing_id")));
    assert!(p["detail"].as_str().unwrap().contains("superseded"));
    // No filing, and another company's filing.
    let (code, p) = problem(s.post(
        &format!("/v1/wallets/{}/seals", st.uscc),
        Some(&st.auth),
        &json!({"filing_id": "nope"}),
    ));
    assert_eq!((code, p["field"].as_str()), (422, Some("filing_id")));
    let (other, _, _) = s.register(&st.auth, &company(&uscc(42), "另一家公司"));
    let (code, p) = problem(s.post(
        &format!("/v1/wallets/{other}/seals"),
        Some(&st.auth),
        &json!({"filing_id": second["id"]}),
    ));
    assert_eq!((code, p["field"].as_str()), (422, Some("filing_id")));
    assert!(p["detail"].as_str().unwrap().contains("belongs to company"));
}

fn check<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no {name} check in {report:#}"))
}

/// The sealing's timestamped form (JAdES-style `sigTst`): the region's TSA attests the
/// signing time; openssl verifies the token over the JWS signature and jwcrypto the JWS; a
/// token moved from another signature is a HASH_FAILURE; the compact form says its time is
/// only claimed.
#[test]
fn a_timestamped_seal_signature_is_attested_by_the_region() {
    let st = setup(41);
    let r = file(
        &st,
        "contract",
        &round(NAME, Some("合同专用章"), "4401000012346"),
    );
    assert_eq!(r.status(), 201);
    let filing: Value = r.json().unwrap();
    let r = st.s.post(
        &format!("/v1/wallets/{}/seals", st.uscc),
        Some(&st.auth),
        &json!({"filing_id": filing["id"]}),
    );
    assert_eq!(r.status(), 201);
    let seal: Value = r.json().unwrap();
    let seal_id = seal["id"].as_str().unwrap();
    let doc = b"a contract between two companies".to_vec();
    let signed = sign_bytes(&st, seal_id, &doc);
    let compact = signed["signature"].as_str().unwrap();
    let stamped = signed["timestamped_signature"].as_str().unwrap();
    let json_form: Value = serde_json::from_str(stamped).unwrap();
    assert_eq!(
        format!(
            "{}.{}.{}",
            json_form["protected"].as_str().unwrap(),
            json_form["payload"].as_str().unwrap(),
            json_form["signature"].as_str().unwrap()
        ),
        compact
    );

    let report = validate(&st, &doc, stamped);
    assert_eq!(report["indication"], "TOTAL_PASSED", "{report:#}");
    let ts = check(&report, "signature_timestamp");
    assert_eq!(ts["result"], "PASSED", "{report:#}");
    let details = &report["summary"]["details"];
    assert_eq!(details["signing_time_attested"], true);
    assert_eq!(
        check(&report, "certificate_validity")["reason"]
            .as_str()
            .map(|r| r.contains("timestamp")),
        Some(true),
        "{report:#}"
    );

    let report = validate(&st, &doc, compact);
    assert_eq!(report["indication"], "TOTAL_PASSED", "{report:#}");
    assert_eq!(check(&report, "signature_timestamp")["result"], "SKIPPED");
    assert_eq!(report["summary"]["details"]["signing_time_attested"], false);

    // The document changed: the timestamp does not save it.
    let report = validate(&st, b"another contract", stamped);
    assert_eq!(report["sub_indication"], "HASH_FAILURE", "{report:#}");

    // A genuine token of another sealing moved onto this signature.
    let other = sign_bytes(&st, seal_id, b"another contract");
    let other: Value =
        serde_json::from_str(other["timestamped_signature"].as_str().unwrap()).unwrap();
    let mut moved = json_form.clone();
    moved["header"] = other["header"].clone();
    let report = validate(&st, &doc, &moved.to_string());
    assert_eq!(
        (
            report["indication"].as_str(),
            report["sub_indication"].as_str(),
            check(&report, "signature_timestamp")["result"].as_str()
        ),
        (Some("TOTAL_FAILED"), Some("HASH_FAILURE"), Some("FAILED")),
        "{report:#}"
    );
    // Damaged JSON forms: a format failure naming the problem, never a panic.
    for bad in ["{", r#"{"protected":"a"}"#] {
        let report = validate(&st, &doc, bad);
        assert_eq!(report["sub_indication"], "FORMAT_FAILURE", "{report:#}");
    }

    // Other people's tools: openssl checks the token over the JWS signature's text,
    // jwcrypto the JWS in its JSON form.
    let dir = st.s.dir.path();
    let certs = st.s.certs();
    let token = json_form["header"]["etsiU"][0]["sigTst"]["tstTokens"][0]["val"]
        .as_str()
        .unwrap();
    let der = zhengtong::b64::decode_std(token).unwrap();
    std::fs::write(dir.join("seal.tst"), der).unwrap();
    let imprint =
        zhengtong::seal::sign::sha256_hex(json_form["signature"].as_str().unwrap().as_bytes());
    let verify = |digest: &str| {
        Command::new("openssl")
            .args(["ts", "-verify", "-token_in", "-in"])
            .arg(dir.join("seal.tst"))
            .args(["-digest", digest, "-CAfile"])
            .arg(certs.join("root.crt"))
            .arg("-untrusted")
            .arg(certs.join("440100/ca.crt"))
            .output()
            .unwrap()
    };
    let out = verify(&imprint);
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).contains("Verification: OK"),
        "{out:?}"
    );
    let out = verify(&"00".repeat(32));
    assert!(!out.status.success(), "openssl accepted another digest");
    // Offline, with the CLI: the JSON form read from a file.
    std::fs::write(dir.join("stamped.sig"), stamped).unwrap();
    std::fs::write(dir.join("contract.txt"), &doc).unwrap();
    let (code, out, err) = run_cli(&[
        "seal",
        "verify",
        "--certs",
        certs.to_str().unwrap(),
        "--document",
        dir.join("contract.txt").to_str().unwrap(),
        "--signature",
        dir.join("stamped.sig").to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let cli: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        check(&cli, "signature_timestamp")["result"],
        "PASSED",
        "{out}"
    );
    let out = py_check("seal", &certs.join("root.crt"), stamped);
    let verified: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        verified["doc_sha256"],
        zhengtong::seal::sign::sha256_hex(&doc)
    );
}
