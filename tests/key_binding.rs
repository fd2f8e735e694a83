//! Key binding (issue 11, finding 4; RFC 9901 §7.3): a KB-JWT after the last '~' is checked
//! against the credential's `cnf.jwk` (signature, `sd_hash`, `iat` window, and the nonce
//! and aud the verifier gives); a bad one is TOTAL_FAILED with a reason that names what
//! failed; none is a bearer presentation, said so in the report. The wallet answers a
//! partner's challenge (`"format": "sd-jwt"`) with the chosen disclosures and a KB-JWT that
//! the TypeScript `@sd-jwt/sd-jwt-vc` accepts, and that library rejects a forged one.

mod common;

use std::path::PathBuf;
use std::process::{Command, Stdio};

use common::sdjwt_ts::ts_verify;
use common::*;
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
use serde_json::{Value, json};
use zhengtong::b64;

const NONCE: &str = "n-7f3a9c";
const AUD: &str = "https://bank.example/verifier";

struct Setup {
    s: Server,
    uscc: String,
    wallet: String,
    cid: String,
}

fn setup(n: u32) -> Setup {
    let s = Server::start();
    let auth = s.role_token("authority");
    let (uscc, wallet, cid) = s.register(&auth, &company(&uscc(n), NAME16));
    Setup {
        s,
        uscc,
        wallet,
        cid,
    }
}

impl Setup {
    /// The licence as issued (a bare SD-JWT with every disclosure).
    fn licence(&self) -> String {
        let w: Value = self
            .s
            .get(&format!("/v1/wallets/{}", self.uscc), Some(&self.wallet))
            .json()
            .unwrap();
        w["credentials"][0]["sd_jwt"].as_str().unwrap().to_string()
    }

    fn request(&self, body: &Value) -> reqwest::blocking::Response {
        self.s.post(
            &format!("/v1/wallets/{}/presentations", self.uscc),
            Some(&self.wallet),
            body,
        )
    }

    /// The wallet's answer to a challenge.
    fn present(&self, disclose: &[&str], nonce: &str, aud: &str) -> Value {
        let r = self.request(&json!({
            "credential_id": self.cid,
            "format": "sd-jwt",
            "disclose": disclose,
            "nonce": nonce,
            "aud": aud,
        }));
        assert_eq!(r.status(), 201, "{}", r.text().unwrap());
        r.json().unwrap()
    }

    fn verify(&self, token: &str, nonce: Option<&str>, aud: Option<&str>) -> Value {
        let mut body = json!({ "token": token });
        if let Some(n) = nonce {
            body["nonce"] = json!(n);
        }
        if let Some(a) = aud {
            body["aud"] = json!(a);
        }
        let r = self.s.post("/v1/verify", None, &body);
        assert_eq!(r.status(), 200, "{}", r.text().unwrap());
        r.json().unwrap()
    }
}

/// The `key_binding` check of a report, if any.
fn kb_check(report: &Value) -> Option<&Value> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "key_binding")
}

/// Asserts TOTAL_FAILED with `sub`, and a failed key_binding check whose reason contains `says`.
fn assert_kb_failed(report: &Value, sub: &str, says: &str) {
    assert_eq!(report["indication"], "TOTAL_FAILED", "{report:#}");
    assert_eq!(report["sub_indication"], sub, "{report:#}");
    let c = kb_check(report).unwrap_or_else(|| panic!("no key_binding check: {report:#}"));
    assert_eq!(c["result"], "FAILED", "{report:#}");
    let reason = c["reason"].as_str().unwrap();
    assert!(reason.contains(says), "{reason:?} does not say {says:?}");
}

/// The token up to and including the last '~' (what `sd_hash` covers).
fn without_kb(token: &str) -> &str {
    &token[..=token.rfind('~').unwrap()]
}

fn random_key() -> EcdsaKeyPair {
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
    EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap()
}

/// `presented` with a KB-JWT that is right in every claim but signed by a random key (made
/// here, not with the wallet's code, so that this test also runs against code without it).
fn forged(presented: &str) -> String {
    let presented = without_kb(presented);
    let sd_hash =
        b64::encode_url(ring::digest::digest(&ring::digest::SHA256, presented.as_bytes()).as_ref());
    let header = json!({"typ": "kb+jwt", "alg": "ES256"});
    let payload = json!({
        "iat": chrono::Utc::now().timestamp(), "aud": AUD, "nonce": NONCE, "sd_hash": sd_hash,
    });
    let input = format!(
        "{}.{}",
        b64::encode_url(header.to_string().as_bytes()),
        b64::encode_url(payload.to_string().as_bytes())
    );
    let sig = random_key()
        .sign(&SystemRandom::new(), input.as_bytes())
        .unwrap();
    format!("{presented}{input}.{}", b64::encode_url(sig.as_ref()))
}

/// The claim names of the disclosures in `token`, in order.
fn disclosure_names(token: &str) -> Vec<String> {
    let parts: Vec<&str> = token.split('~').collect();
    parts[1..parts.len() - 1]
        .iter()
        .map(|d| {
            let a: Vec<Value> = serde_json::from_slice(&b64::decode_url(d).unwrap()).unwrap();
            a[1].as_str().unwrap().to_string()
        })
        .collect()
}

#[test]
fn a_kb_jwt_signed_by_a_random_key_is_total_failed() {
    let t = setup(40);
    let check = |token: &str| {
        for (nonce, aud) in [(None, None), (Some(NONCE), Some(AUD))] {
            let r = t.verify(token, nonce, aud);
            assert_kb_failed(&r, "SIG_CRYPTO_FAILURE", "not signed by the holder key");
        }
    };
    // On the issued licence, and replacing the wallet's own KB-JWT.
    check(&forged(&t.licence()));
    let good = t.present(&["address"], NONCE, AUD)["sd_jwt"]
        .as_str()
        .unwrap()
        .to_string();
    check(&forged(&good));
}

#[test]
fn wrong_nonce_aud_stale_iat_or_changed_disclosures_fail_each_with_its_reason() {
    let t = setup(41);
    let p = t.present(&["address", "legal_representative.name"], NONCE, AUD);
    let token = p["sd_jwt"].as_str().unwrap();

    let r = t.verify(token, Some("another-nonce"), Some(AUD));
    assert_kb_failed(
        &r,
        "SIG_CONSTRAINTS_FAILURE",
        "not the nonce \"another-nonce\"",
    );
    let r = t.verify(token, Some(NONCE), Some("https://other.example"));
    assert_kb_failed(
        &r,
        "SIG_CONSTRAINTS_FAILURE",
        "not to \"https://other.example\"",
    );

    // A disclosure removed after the holder signed: still a valid SD-JWT, but not the one
    // the KB-JWT covers.
    let parts: Vec<&str> = token.split('~').collect();
    assert_eq!(parts.len(), 4, "jwt, 2 disclosures, kb-jwt");
    let cut = format!("{}~{}~{}", parts[0], parts[1], parts[3]);
    let r = t.verify(&cut, Some(NONCE), Some(AUD));
    assert_kb_failed(&r, "HASH_FAILURE", "sd_hash does not match");

    // A verifier that asked for proof and got a bare SD-JWT.
    let r = t.verify(&t.licence(), Some(NONCE), None);
    assert_kb_failed(&r, "SIG_CONSTRAINTS_FAILURE", "carries no key-binding JWT");
    // Or a QR presentation, which cannot answer a nonce.
    let qr = t.s.present(&t.uscc, &t.wallet, &t.cid, None);
    let r = t.verify(qr["token"].as_str().unwrap(), Some(NONCE), None);
    assert_kb_failed(
        &r,
        "SIG_CONSTRAINTS_FAILURE",
        "a QR presentation cannot give",
    );

    // Still good within 5 minutes, stale after.
    t.s.advance_clock(290.0);
    assert_eq!(
        t.verify(token, Some(NONCE), Some(AUD))["indication"],
        "TOTAL_PASSED"
    );
    t.s.advance_clock(20.0);
    let r = t.verify(token, Some(NONCE), Some(AUD));
    assert_kb_failed(&r, "EXPIRED", "at most 300 s old is accepted");
}

#[test]
fn a_good_presentation_passes_with_a_key_binding_line_and_exactly_the_chosen_disclosures() {
    let t = setup(42);
    let p = t.present(&["address", "name"], NONCE, AUD);
    // "name" is the last part of one path only: legal_representative.name.
    assert_eq!(
        p["disclosed"],
        json!(["legal_representative.name", "address"])
    );
    let token = p["sd_jwt"].as_str().unwrap();
    let mut names = disclosure_names(token);
    names.sort();
    assert_eq!(names, ["address", "name"]);
    assert!(!token.ends_with('~'), "a KB-JWT follows the last '~'");

    let r = t.verify(token, Some(NONCE), Some(AUD));
    assert_eq!(r["indication"], "TOTAL_PASSED", "{r:#}");
    let c = kb_check(&r).expect("a key_binding line");
    assert_eq!(c["result"], "PASSED");
    let reason = c["reason"].as_str().unwrap();
    assert!(reason.contains("holds the company's key"), "{reason}");
    assert!(reason.contains(NONCE) && reason.contains(AUD), "{reason}");
    let details = &r["summary"]["details"];
    assert_eq!(details["address"], "广州市天河区天河路1号");
    assert_eq!(details["legal_representative"]["name"], "张三");
    assert!(details["legal_representative"].get("id_number").is_none());

    // A verifier that gives no challenge still checks the KB-JWT it is shown.
    assert_eq!(t.verify(token, None, None)["indication"], "TOTAL_PASSED");
    // Nothing disclosed is a valid choice.
    let none = t.present(&[], NONCE, AUD);
    assert_eq!(none["disclosed"], json!([]));
    let r = t.verify(none["sd_jwt"].as_str().unwrap(), Some(NONCE), Some(AUD));
    assert_eq!(r["indication"], "TOTAL_PASSED", "{r:#}");
}

#[test]
fn a_bare_sd_jwt_is_reported_as_a_bearer_presentation() {
    let t = setup(43);
    let r = t.verify(&t.licence(), None, None);
    assert_eq!(r["indication"], "TOTAL_PASSED", "{r:#}");
    let c = kb_check(&r).expect("a key_binding line");
    assert_eq!(c["result"], "WARNING");
    assert!(
        c["reason"]
            .as_str()
            .unwrap()
            .contains("bearer presentation"),
        "{c}"
    );
}

#[test]
fn the_presentation_request_is_checked_field_by_field() {
    let t = setup(44);
    let base = json!({
        "credential_id": t.cid, "format": "sd-jwt", "disclose": ["address"],
        "nonce": NONCE, "aud": AUD,
    });
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    let without = |k: &str| {
        let mut b = base.clone();
        b.as_object_mut().unwrap().remove(k);
        b
    };
    for (body, field, says) in [
        (
            with("disclose", json!(["address", "shoe_size"])),
            "disclose",
            "\"shoe_size\"",
        ),
        (without("nonce"), "nonce", "required"),
        (without("aud"), "aud", "required"),
        (with("nonce", json!("")), "nonce", "empty"),
        (with("ttl_s", json!(60)), "ttl_s", "QR"),
        (with("format", json!("qr")), "disclose", "sd-jwt"),
    ] {
        let (status, p) = problem(t.request(&body));
        assert_eq!(status, 422, "{body}: {p}");
        assert_eq!(p["field"], field, "{body}: {p}");
        assert!(p["detail"].as_str().unwrap().contains(says), "{p}");
    }
    let (status, _) = problem(t.request(&with("format", json!("mdoc"))));
    assert_eq!(status, 422);
    // Without a format (or "qr") it is today's QR presentation.
    let r = t.request(&json!({ "credential_id": t.cid }));
    assert_eq!(r.status(), 201);
    assert!(r.json::<Value>().unwrap()["qr_svg"].is_string());
    // Wallet token auth as for QR presentations: another company's token is refused.
    let other =
        t.s.register(&t.s.role_token("authority"), &company(&uscc(45), NAME16));
    let r = t.s.post(
        &format!("/v1/wallets/{}/presentations", t.uscc),
        Some(&other.1),
        &base,
    );
    assert_eq!(r.status(), 403);
    let r = t.s.post(
        &format!("/v1/wallets/{}/presentations", t.uscc),
        None,
        &base,
    );
    assert_eq!(r.status(), 401);
}

#[test]
fn the_cli_verifies_the_key_binding_with_nonce_and_aud() {
    let t = setup(46);
    let token = t.present(&["address"], NONCE, AUD)["sd_jwt"]
        .as_str()
        .unwrap()
        .to_string();
    let certs = t.s.certs();
    let certs = certs.to_str().unwrap();
    let run = |nonce: &str| {
        run_cli(&[
            "verify", "--certs", certs, "--format", "json", "--nonce", nonce, "--aud", AUD, &token,
        ])
    };
    let (code, out, err) = run(NONCE);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, _) = run("stale-nonce");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("key_binding"), "{out}");
}

#[test]
fn the_typescript_library_accepts_the_wallets_presentation_and_rejects_a_forged_one() {
    let t = setup(47);
    let root = t.s.certs().join("root.crt");
    let token = t.present(&["address"], NONCE, AUD)["sd_jwt"]
        .as_str()
        .unwrap()
        .to_string();
    let (code, out) = ts_verify(&[root.to_str().unwrap(), NONCE, AUD], &token);
    assert_eq!(code, 0, "{out}");
    let v: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["claims"]["address"], "广州市天河区天河路1号");
    assert!(v["claims"]["legal_representative"].get("name").is_none());
    assert_eq!(v["kb"]["nonce"], NONCE);
    assert_eq!(v["kb"]["aud"], AUD);

    let (code, out) = ts_verify(&[root.to_str().unwrap(), NONCE, AUD], &forged(&token));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("Invalid JWT Signature"), "{out}");
}

#[test]
fn the_python_reference_library_verifies_it_too() {
    let t = setup(48);
    let root = t.s.certs().join("root.crt");
    let token = t.present(&["address"], NONCE, AUD)["sd_jwt"]
        .as_str()
        .unwrap()
        .to_string();
    let check = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/interop/check.py");
    let out = run_with_stdin(
        Command::new(python())
            .arg(&check)
            .arg("sdjwt-kb")
            .arg(&root)
            .args([NONCE, AUD]),
        &token,
    );
    let payload: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(payload["address"], "广州市天河区天河路1号");
    // A forged KB-JWT, or another nonce: refused.
    for (token, nonce) in [(forged(&token), NONCE), (token.clone(), "another")] {
        let out = Command::new(python())
            .arg(&check)
            .arg("sdjwt-kb")
            .arg(&root)
            .args([nonce, AUD])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .and_then(|mut c| {
                use std::io::Write;
                c.stdin.take().unwrap().write_all(token.as_bytes())?;
                c.wait()
            })
            .unwrap();
        assert!(!out.success(), "accepted with nonce {nonce}");
    }
}
