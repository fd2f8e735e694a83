//! SD-JWT VC type metadata (issue 27, item 13): every credential names in `vct` a URL this
//! node serves, publicly, with display names and claim labels in zh-CN and en; its
//! `vct#integrity` is the SRI digest of exactly the bytes served; the labels describe the
//! claims actually issued (every path exists, `sd` says truly whether it is a disclosure);
//! the TypeScript `@sd-jwt/sd-jwt-vc` verifies with type-metadata loading on; and a
//! credential issued with the old `vct` value still verifies.

mod common;

use common::sdjwt_ts::ts_verify;
use common::*;
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
use serde_json::{Value, json};
use zhengtong::b64;
use zhengtong::credential::sdjwt;
use zhengtong::verify::PROTOCOL_CLAIMS;

struct Issued {
    s: Server,
    /// (credential_type, sd_jwt) for each type issued.
    credentials: Vec<(&'static str, String)>,
}

/// A licence, an e-seal, invoicing rights and an invoice (with every optional claim).
fn issue_all(n: u32) -> Issued {
    let s = Server::start();
    let auth = s.role_token("authority");
    let police = s.role_token("police");
    let tax = s.role_token("tax");
    let (seller, wallet, _) = s.register(&auth, &company(&uscc(n), NAME16));
    let (buyer, _, _) = s.register(&auth, &company(&uscc(n + 1), "广州买方示例贸易有限公司"));
    let w: Value = s
        .get(&format!("/v1/wallets/{seller}"), Some(&wallet))
        .json()
        .unwrap();
    let licence = w["credentials"][0]["sd_jwt"].as_str().unwrap().to_string();
    let (_, seal) = s.official_seal(&police, &auth, &seller, NAME16, "4401000012345");
    let r = s.post(
        "/v1/tax/invoicing-rights",
        Some(&tax),
        &json!({"uscc": seller}),
    );
    assert_eq!(r.status(), 201, "{}", r.text().unwrap());
    let rights: Value = r.json().unwrap();
    let r = s.post(
        "/v1/tax/invoices",
        Some(&tax),
        &json!({"seller_uscc": seller, "buyer": {"uscc": buyer, "name": "广州买方示例贸易有限公司"},
            "items": [{"name": "办公电脑", "spec": "ThinkPad X1", "unit": "台", "quantity": "2",
                "unit_price": "4999.99", "tax_rate": "13"}],
            "remarks": "合同号 HT-2026-001"}),
    );
    assert_eq!(r.status(), 201, "{}", r.text().unwrap());
    let invoice: Value = r.json().unwrap();
    let sd = |v: &Value| v["sd_jwt"].as_str().unwrap().to_string();
    Issued {
        credentials: vec![
            ("business_license", licence),
            ("e_seal", sd(&seal)),
            ("invoicing_rights", sd(&rights)),
            ("e_invoice", sd(&invoice)),
        ],
        s,
    }
}

/// The issuer-signed payload of an SD-JWT.
fn signed_payload(sd_jwt: &str) -> Value {
    let jwt = sd_jwt.split('~').next().unwrap();
    serde_json::from_slice(&b64::decode_url(jwt.split('.').nth(1).unwrap()).unwrap()).unwrap()
}

/// The values at a claim path (`null` = every element of an array); empty if it leads nowhere.
fn at<'a>(v: &'a Value, path: &[Value]) -> Vec<&'a Value> {
    let Some((first, rest)) = path.split_first() else {
        return vec![v];
    };
    match (first, v) {
        (Value::String(k), Value::Object(o)) => o.get(k).map(|c| at(c, rest)).unwrap_or_default(),
        (Value::Null, Value::Array(a)) => a.iter().flat_map(|e| at(e, rest)).collect(),
        _ => vec![],
    }
}

fn dotted(path: &[Value]) -> String {
    path.iter()
        .map(|p| p.as_str().unwrap_or("[]"))
        .collect::<Vec<_>>()
        .join(".")
}

#[test]
fn every_vct_is_served_publicly_and_matches_its_integrity_and_the_claims_issued() {
    let t = issue_all(60);
    let anonymous = reqwest::blocking::Client::new();
    for (kind, sd_jwt) in &t.credentials {
        let payload = signed_payload(sd_jwt);
        assert_eq!(payload["credential_type"], *kind);
        let vct = payload["vct"].as_str().unwrap();
        assert_eq!(vct, t.s.url(&format!("/v1/vct/{kind}")));
        let integrity = payload["vct#integrity"].as_str().expect("vct#integrity");

        // Served without a token, as JSON, cacheable.
        let r = anonymous.get(vct).send().unwrap();
        assert_eq!(r.status(), 200, "{vct}");
        let h = r.headers().clone();
        assert_eq!(h["content-type"], "application/json");
        assert!(
            h["cache-control"]
                .to_str()
                .unwrap()
                .contains("max-age=86400")
        );
        let etag = h["etag"].to_str().unwrap().to_string();
        let body = r.bytes().unwrap();
        let digest = ring::digest::digest(&ring::digest::SHA256, &body);
        assert_eq!(
            integrity,
            format!("sha256-{}", b64::encode_std(digest.as_ref())),
            "{vct}"
        );
        let r = anonymous
            .get(vct)
            .header("if-none-match", &etag)
            .send()
            .unwrap();
        assert_eq!(r.status(), 304);

        let doc: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(doc["vct"], vct);
        let locales = |v: &Value, key: &str| -> Vec<(String, String)> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|d| {
                    (
                        d["locale"].as_str().unwrap().to_string(),
                        d[key].as_str().unwrap().to_string(),
                    )
                })
                .collect()
        };
        let display = locales(&doc["display"], "name");
        assert_eq!(display[0].0, "zh-CN");
        assert_eq!(display[1].0, "en");

        // The labels describe what was issued.
        let decoded = sdjwt::decode(sd_jwt).unwrap();
        let claims = Value::from(decoded.claims.clone());
        let mut labelled = vec![];
        for c in doc["claims"].as_array().unwrap() {
            let path = c["path"].as_array().unwrap();
            let name = dotted(path);
            let labels = locales(&c["display"], "label");
            assert_eq!(labels.len(), 2, "{kind} {name}");
            assert!(labels.iter().all(|(_, l)| !l.is_empty()));
            assert!(
                !at(&claims, path).is_empty(),
                "{kind}: {name} is labelled but not issued"
            );
            match c["sd"].as_str() {
                Some("always") => assert!(decoded.paths.contains(&name), "{kind}: {name}"),
                Some("never") => {
                    assert!(!decoded.paths.contains(&name), "{kind}: {name}");
                    assert!(!at(&payload, path).is_empty(), "{kind}: {name} not signed");
                }
                None => {}
                other => panic!("{kind}: {name}: sd {other:?}"),
            }
            if path.len() == 1 {
                labelled.push(name);
            }
        }
        for k in claims.as_object().unwrap().keys() {
            if !PROTOCOL_CLAIMS.contains(&k.as_str()) {
                assert!(labelled.contains(k), "{kind}: claim {k} has no label");
            }
        }
    }

    // An unknown type is a 404 problem; the metadata is also in the API document.
    let (status, p) = problem(t.s.get("/v1/vct/driving_licence", None));
    assert_eq!(status, 404, "{p}");
    assert!(p["detail"].as_str().unwrap().contains("business_license"));
    let doc: Value = t.s.get("/v1/openapi.json", None).json().unwrap();
    let op = &doc["paths"]["/v1/vct/{type}"]["get"];
    assert_eq!(op["operationId"], "getTypeMetadata");
    assert_eq!(op["security"], json!([]));
}

#[test]
fn the_typescript_library_verifies_with_type_metadata_loading() {
    let t = issue_all(62);
    let root = t.s.certs().join("root.crt");
    let root = root.to_str().unwrap();
    for (kind, sd_jwt) in &t.credentials {
        let (code, out) = ts_verify(&["--type-metadata", root], sd_jwt);
        assert_eq!(code, 0, "{kind}: {out}");
        let v: Value = serde_json::from_str(out.trim()).unwrap();
        let meta = &v["typeMetadata"];
        assert_eq!(meta["vct"], t.s.url(&format!("/v1/vct/{kind}")));
        assert_eq!(meta["display"][0]["locale"], "zh-CN");
        assert_eq!(v["claims"]["credential_type"], *kind);
    }
    // A credential whose integrity does not match what is served: the metadata is refused.
    let (_, licence) = &t.credentials[0];
    let mut payload = signed_payload(licence);
    payload["vct#integrity"] = json!(format!("sha256-{}", b64::encode_std(&[7u8; 32])));
    let forged = resign(&t.s, licence, &payload);
    let (code, out) = ts_verify(&["--type-metadata", root], &forged);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("integrity of"), "{out}");
}

/// `sd_jwt` with its payload replaced and signed again with the licence issuer's key (read
/// from the node's folder): what the node would have issued with that payload.
fn resign(s: &Server, sd_jwt: &str, payload: &Value) -> String {
    let (jwt, rest) = sd_jwt.split_once('~').unwrap();
    let header = jwt.split('.').next().unwrap();
    let key = std::fs::read_to_string(s.certs().join("440100/licence-issuer.key")).unwrap();
    let der = pem::parse(key).unwrap().into_contents();
    let rng = SystemRandom::new();
    let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &der, &rng).unwrap();
    let input = format!(
        "{header}.{}",
        b64::encode_url(payload.to_string().as_bytes())
    );
    let sig = key.sign(&rng, input.as_bytes()).unwrap();
    format!("{input}.{}~{rest}", b64::encode_url(sig.as_ref()))
}

#[test]
fn a_credential_with_the_old_vct_and_no_integrity_still_verifies() {
    let t = issue_all(64);
    let (_, licence) = &t.credentials[0];
    let r = t.s.verify(licence);
    assert_eq!(r["indication"], "TOTAL_PASSED", "{r:#}");
    // The digest is a protocol field, not one of the claims shown.
    assert!(
        r["summary"]["details"].get("vct#integrity").is_none(),
        "{r:#}"
    );
    assert!(r["summary"]["details"].get("vct").is_none(), "{r:#}");

    // Issued before the metadata was served (signed again here with the issuer's key; the
    // node knows the bytes it issued, so this is checked with the offline verifier, which
    // still asks the node for the credential's status).
    let mut payload = signed_payload(licence);
    payload["vct"] = json!("https://zhengtong.example/vct/business_license/v1");
    payload.as_object_mut().unwrap().remove("vct#integrity");
    let old = resign(&t.s, licence, &payload);
    let certs = t.s.certs();
    let verify = |token: &str| {
        let (code, out, err) = run_cli(&[
            "verify",
            "--certs",
            certs.to_str().unwrap(),
            "--format",
            "json",
            token,
        ]);
        (code, format!("{out}{err}"))
    };
    let (code, out) = verify(&old);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("TOTAL_PASSED"), "{out}");
    // The re-signing is real: the same payload under the issued signature is refused.
    let (jwt, rest) = licence.split_once('~').unwrap();
    let parts: Vec<&str> = jwt.split('.').collect();
    let mixed = format!(
        "{}.{}.{}~{rest}",
        parts[0],
        old.split('.').nth(1).unwrap(),
        parts[2]
    );
    let (code, out) = verify(&mixed);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("SIG_CRYPTO_FAILURE"), "{out}");
}
