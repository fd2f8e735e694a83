//! Reports a counter clerk can read: with `Accept-Language: zh-CN` every check's reason is
//! Chinese (and the machine-readable fields are those of the English report); without the
//! header the reasons are today's English; the CLI takes `--lang`.

mod common;

use common::*;
use serde_json::{Value, json};

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// Three ASCII words in a row: English prose (codes, kids, hashes and times are one word).
fn english_run(s: &str) -> Option<String> {
    let words: Vec<&str> = s
        .split(|c: char| c.is_whitespace() || !c.is_ascii())
        .map(|w| w.trim_matches(|c: char| c.is_ascii_punctuation()))
        .collect();
    words
        .windows(3)
        .find(|w| {
            w.iter()
                .all(|x| x.len() > 1 && x.chars().all(|c| c.is_ascii_alphabetic() || c == '\''))
        })
        .map(|w| w.join(" "))
}

/// POSTs `body` to `path` with `lang` as Accept-Language; (the report, Content-Language).
fn report(s: &Server, path: &str, body: &Value, lang: Option<&str>) -> (Value, String) {
    let mut req = reqwest::blocking::Client::new()
        .post(s.url(path))
        .json(body);
    if let Some(l) = lang {
        req = req.header("accept-language", l);
    }
    let r = req.send().unwrap();
    assert_eq!(r.status(), 200);
    let cl = r
        .headers()
        .get("content-language")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (r.json().unwrap(), cl)
}

/// Verifies in both languages; checks the Chinese one and returns the English one.
fn both(s: &Server, path: &str, body: &Value, want: &str, sub: Option<&str>) -> Value {
    let (zh, zh_cl) = report(s, path, body, Some("zh-CN,zh;q=0.9,en;q=0.8"));
    let (en, en_cl) = report(s, path, body, None);
    assert_eq!((zh_cl.as_str(), en_cl.as_str()), ("zh-CN", "en"));
    assert_eq!(zh["indication"], want, "{zh}");
    assert_eq!(
        zh["sub_indication"],
        sub.map_or(Value::Null, Value::from),
        "{zh}"
    );
    for k in ["indication", "sub_indication", "subject"] {
        assert_eq!(zh[k], en[k], "{k}");
    }
    let (zc, ec) = (
        zh["checks"].as_array().unwrap(),
        en["checks"].as_array().unwrap(),
    );
    assert_eq!(zc.len(), ec.len());
    assert!(!zc.is_empty());
    for (z, e) in zc.iter().zip(ec) {
        assert_eq!((&z["name"], &z["result"]), (&e["name"], &e["result"]));
        let reason = z["reason"].as_str().unwrap();
        assert!(has_cjk(reason), "{}: {reason}", z["name"]);
        assert!(
            english_run(reason).is_none(),
            "{}: English in {reason:?}",
            z["name"]
        );
        let en_reason = e["reason"].as_str().unwrap();
        // English: differs, and has English words.
        let words = en_reason
            .split_whitespace()
            .filter(|w| w.len() > 1 && w.chars().all(|c| c.is_ascii_alphabetic()))
            .count();
        assert!(
            en_reason != reason && words >= 2,
            "{}: {en_reason:?}",
            e["name"]
        );
    }
    en
}

fn reason<'a>(report: &'a Value, name: &str) -> &'a str {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .and_then(|c| c["reason"].as_str())
        .unwrap_or_else(|| panic!("no check {name} in {report}"))
}

#[test]
fn reports_in_chinese_and_english() {
    let s = Server::start();
    let auth = s.role_token("authority");
    let police = s.role_token("police");
    let id = uscc(71);
    let (uscc, wallet, cred) = s.register(&auth, &company(&id, NAME16));
    let token = s.present(&uscc, &wallet, &cred, Some(120))["token"]
        .as_str()
        .unwrap()
        .to_string();
    let verify = |t: &str| json!({ "token": t });

    // A valid presentation: English is today's text.
    let en = both(&s, "/v1/verify", &verify(&token), "TOTAL_PASSED", None);
    assert_eq!(
        reason(&en, "signature"),
        "The ES256 signature is valid: the content is exactly what the region signed."
    );
    assert_eq!(
        reason(&en, "credential_status"),
        // Says where the status came from, and so how fresh it is (issue 11).
        "The issuing region's own records show the credential as not revoked (read at the time of this check)."
    );
    // English is also what a client preferring it, or an unsupported language, gets.
    for lang in ["en-US", "fr-FR", "zh-CN;q=0.1, en;q=0.9", "*"] {
        let (r, cl) = report(&s, "/v1/verify", &verify(&token), Some(lang));
        assert_eq!((cl.as_str(), &r["checks"]), ("en", &en["checks"]), "{lang}");
    }

    // An SD-JWT credential.
    let w: Value = s
        .get(&format!("/v1/wallets/{uscc}"), Some(&wallet))
        .json()
        .unwrap();
    let sd = w["credentials"][0]["sd_jwt"].as_str().unwrap();
    both(&s, "/v1/verify", &verify(sd), "TOTAL_PASSED", None);

    // Tampered: the last signature character changed.
    // The signature's first character changed (still valid base64url).
    let at = token.rfind('.').unwrap() + 1;
    let mut tampered = token.clone();
    let first = if &token[at..at + 1] == "A" { "B" } else { "A" };
    tampered.replace_range(at..at + 1, first);
    let en = both(
        &s,
        "/v1/verify",
        &verify(&tampered),
        "TOTAL_FAILED",
        Some("SIG_CRYPTO_FAILURE"),
    );
    assert!(reason(&en, "signature").starts_with("The signature does not match the content"));

    // Garbage, and an SD-JWT that is not one.
    let en = both(
        &s,
        "/v1/verify",
        &verify("garbage"),
        "TOTAL_FAILED",
        Some("FORMAT_FAILURE"),
    );
    assert!(reason(&en, "format").starts_with("This is not a zhengtong QR presentation: "));
    both(
        &s,
        "/v1/verify",
        &verify("a~b~"),
        "TOTAL_FAILED",
        Some("FORMAT_FAILURE"),
    );

    // A kid this verifier does not trust (same payload and signature, another kid).
    let parts: Vec<&str> = token.split('.').collect();
    let header = zhengtong::b64::encode_url(br#"{"alg":"ES256","kid":"AAAAAAAAAAA"}"#);
    let foreign = format!("{header}.{}.{}", parts[1], parts[2]);
    let en = both(
        &s,
        "/v1/verify",
        &verify(&foreign),
        "INDETERMINATE",
        Some("NO_CERTIFICATE_CHAIN_FOUND"),
    );
    assert!(reason(&en, "signing_certificate").contains("(kid \"AAAAAAAAAAA\")"));

    // A QR code made "in the future" (this server's clock set back), then expired.
    s.advance_clock(-600.0);
    both(
        &s,
        "/v1/verify",
        &verify(&token),
        "TOTAL_FAILED",
        Some("NOT_YET_VALID"),
    );
    s.advance_clock(600.0 + 121.0);
    let en = both(
        &s,
        "/v1/verify",
        &verify(&token),
        "TOTAL_FAILED",
        Some("EXPIRED"),
    );
    assert!(reason(&en, "validity_period").starts_with("The QR code expired at "));

    // A sealed document: valid, then another document (HASH_FAILURE).
    let (_, seal) = s.official_seal(&police, &auth, &uscc, NAME16, "4401000000711");
    let digest = zhengtong::seal::sign::sha256_hex(b"contract");
    let r = s.post(
        &format!(
            "/v1/wallets/{uscc}/seals/{}/sign",
            seal["id"].as_str().unwrap()
        ),
        Some(&wallet),
        &json!({ "sha256": digest }),
    );
    assert_eq!(r.status(), 201);
    let signature = r.json::<Value>().unwrap()["signature"]
        .as_str()
        .unwrap()
        .to_string();
    let validate = |d: &str| json!({ "document_sha256": d, "signature": signature });
    both(
        &s,
        "/v1/signatures/validate",
        &validate(&digest),
        "TOTAL_PASSED",
        None,
    );
    let other = zhengtong::seal::sign::sha256_hex(b"another contract");
    both(
        &s,
        "/v1/signatures/validate",
        &validate(&other),
        "TOTAL_FAILED",
        Some("HASH_FAILURE"),
    );

    // Deregistered: the licence is revoked (a fresh presentation made before).
    let fresh = s.present(&uscc, &wallet, &cred, Some(600))["token"]
        .as_str()
        .unwrap()
        .to_string();
    let r = s.post(
        &format!("/v1/companies/{uscc}/deregistration"),
        Some(&auth),
        &json!({}),
    );
    assert_eq!(r.status(), 200, "{}", r.text().unwrap());
    let en = both(
        &s,
        "/v1/verify",
        &verify(&fresh),
        "TOTAL_FAILED",
        Some("REVOKED"),
    );
    assert!(reason(&en, "credential_status").starts_with("The credential was revoked at "));
}

#[test]
fn cli_lang() {
    let s = Server::start();
    let auth = s.role_token("authority");
    let (uscc, wallet, cred) = s.register(&auth, &company(&uscc(72), NAME16));
    let token = s.present(&uscc, &wallet, &cred, None)["token"]
        .as_str()
        .unwrap()
        .to_string();
    let certs = s.certs();
    let c = certs.to_str().unwrap();
    let (code, out, err) = run_cli(&["verify", "--certs", c, "--lang", "zh-CN", &token]);
    assert_eq!(code, 0, "{out}{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["indication"], "TOTAL_PASSED");
    for c in v["checks"].as_array().unwrap() {
        let r = c["reason"].as_str().unwrap();
        assert!(has_cjk(r) && english_run(r).is_none(), "{r}");
    }
    assert_eq!(
        reason(&v, "credential_status"),
        "离线查验：未检查吊销状态。如需确认该凭证是否已被吊销，请联网查验。"
    );
    let (code, text, _) = run_cli(&[
        "verify", "--certs", c, "--lang", "zh-CN", "--format", "text", &token,
    ]);
    assert_eq!(code, 0);
    assert!(
        text.contains("结论：TOTAL_PASSED  有效") && text.contains("[通过] 签名（signature）"),
        "{text}"
    );
    assert!(english_run(&text).is_none(), "{text}");
    let (_, text, _) = run_cli(&[
        "verify", "--certs", c, "--lang", "en", "--format", "text", &token,
    ]);
    assert!(
        text.contains("Result: TOTAL_PASSED  valid")
            && text.contains("[ok  ] signature: The ES256"),
        "{text}"
    );
    // The default follows the locale; --lang wins over it.
    let run = |args: &[&str], lang: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_zhengtong"))
            .args(args)
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .env("LANG", lang)
            .output()
            .unwrap();
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    let zh = run(&["verify", "--certs", c, &token], "zh_CN.UTF-8");
    assert!(has_cjk(reason(&zh, "signature")), "{zh}");
    let en = run(&["verify", "--certs", c, &token], "C.UTF-8");
    assert!(reason(&en, "signature").starts_with("The ES256"), "{en}");
    let en = run(
        &["verify", "--certs", c, "--lang", "en", &token],
        "zh_CN.UTF-8",
    );
    assert!(reason(&en, "signature").starts_with("The ES256"), "{en}");
    let (code, _, err) = run_cli(&["verify", "--certs", c, "--lang", "fr", &token]);
    assert_eq!(code, 64, "{err}");
    assert!(err.contains("zh-CN or en"), "{err}");
}
