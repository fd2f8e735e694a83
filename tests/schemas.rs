//! The JSON Schemas in `schemas/` describe what we actually issue.

mod common;

use common::*;
use serde_json::Value;

fn schema(name: &str) -> jsonschema::Validator {
    let path = format!("{}/schemas/{name}", env!("CARGO_MANIFEST_DIR"));
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::validator_for(&v).unwrap()
}

fn assert_valid(validator: &jsonschema::Validator, instance: &Value) {
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}\n{instance:#}");
}

#[test]
fn issued_claims_match_their_schemas() {
    let s = Server::start();
    let auth = s.role_token("authority");
    let (uscc, wallet, cid) = s.register(&auth, &company(&uscc(30), NAME16));
    let w: Value = s
        .get(&format!("/v1/wallets/{uscc}"), Some(&wallet))
        .json()
        .unwrap();
    let sd = w["credentials"][0]["sd_jwt"].as_str().unwrap();
    let decoded = zhengtong::credential::sdjwt::decode(sd).unwrap();
    let licence = schema("business_license.schema.json");
    assert_valid(&licence, &Value::from(decoded.claims.clone()));
    let mut broken = decoded.claims.clone();
    broken.insert("uscc".into(), Value::from("not-a-uscc"));
    assert!(
        !licence.is_valid(&Value::from(broken)),
        "the schema must be able to fail"
    );

    // An e-seal, through the police filing.
    let police = s.role_token("police");
    let (_, seal) = s.official_seal(&police, &auth, &uscc, NAME16, "440100300");
    let claims = zhengtong::credential::sdjwt::decode(seal["sd_jwt"].as_str().unwrap())
        .unwrap()
        .claims;
    let e_seal = schema("e_seal.schema.json");
    assert_valid(&e_seal, &Value::from(claims.clone()));
    let mut broken = claims;
    broken["seal"]["image_sha256"] = Value::from("XYZ");
    assert!(!e_seal.is_valid(&Value::from(broken)));

    let token = s.present(&uscc, &wallet, &cid, None)["token"]
        .as_str()
        .unwrap()
        .to_string();
    let payload = zhengtong::b64::decode_url(token.split('.').nth(1).unwrap()).unwrap();
    assert_valid(
        &schema("presentation.schema.json"),
        &serde_json::from_slice(&payload).unwrap(),
    );
}
