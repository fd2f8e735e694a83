//! Change, deregistration and status lists on one node.

mod common;

use common::*;
use serde_json::{Value, json};
use zhengtong::b64;
use zhengtong::status::bits::StatusBits;

/// Fetches and decodes a status list named by a credential's `status.status_list`.
fn status_bit(s: &Server, uri: &str, idx: u64) -> bool {
    let r = s.client.get(uri).send().unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/statuslist+jwt");
    assert!(
        r.headers()["cache-control"]
            .to_str()
            .unwrap()
            .starts_with("public, max-age=")
    );
    let token = r.text().unwrap();
    let header: Value =
        serde_json::from_slice(&b64::decode_url(token.split('.').next().unwrap()).unwrap())
            .unwrap();
    assert_eq!(header["typ"], "statuslist+jwt");
    let payload: Value =
        serde_json::from_slice(&b64::decode_url(token.split('.').nth(1).unwrap()).unwrap())
            .unwrap();
    assert_eq!(payload["sub"], uri);
    assert!(payload["exp"].as_i64().unwrap() > payload["iat"].as_i64().unwrap());
    assert_eq!(payload["ttl"], 300);
    let bits =
        StatusBits::decode_lst(payload["status_list"]["lst"].as_str().unwrap(), None).unwrap();
    assert_eq!(bits.len(), 131_072);
    bits.get(idx as usize).unwrap()
}

fn status_of(sd_jwt: &str) -> (String, u64) {
    let d = zhengtong::credential::sdjwt::decode(sd_jwt).unwrap();
    let sl = &d.claims["status"]["status_list"];
    (
        sl["uri"].as_str().unwrap().to_string(),
        sl["idx"].as_u64().unwrap(),
    )
}

#[test]
fn change_then_deregister() {
    let s = Server::start();
    let auth = s.role_token("authority");
    let (uscc, wallet, cid) = s.register(&auth, &company(&uscc(50), "广州变更示例有限公司"));
    let w: Value = s
        .get(&format!("/v1/wallets/{uscc}"), Some(&wallet))
        .json()
        .unwrap();
    let old_sd = w["credentials"][0]["sd_jwt"].as_str().unwrap().to_string();
    let (uri, idx) = status_of(&old_sd);
    assert!(uri.ends_with("/v1/status-lists/1"), "{uri}");
    assert!(!status_bit(&s, &uri, idx));
    let old_qr = s.present(&uscc, &wallet, &cid, Some(3600))["token"]
        .as_str()
        .unwrap()
        .to_string();

    // 变更: a new address → a new licence version; the old one is revoked.
    let r = s.post(
        &format!("/v1/companies/{uscc}/changes"),
        Some(&auth),
        &json!({"address": "广州市越秀区新地址8号"}),
    );
    assert_eq!(r.status(), 201);
    let changed: Value = r.json().unwrap();
    assert_eq!(changed["version"], 2);
    assert_eq!(changed["revoked"], json!([cid]));
    let new_id = changed["credentials"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(status_bit(&s, &uri, idx), "the old licence's bit is set");
    let r = s.verify(&old_qr);
    assert_eq!(
        (r["indication"].as_str(), r["sub_indication"].as_str()),
        (Some("TOTAL_FAILED"), Some("REVOKED")),
        "{r:#}"
    );
    assert_eq!(s.verify(&old_sd)["sub_indication"], "REVOKED");
    let w: Value = s
        .get(&format!("/v1/wallets/{uscc}"), Some(&wallet))
        .json()
        .unwrap();
    assert_eq!(
        w["credentials"].as_array().unwrap().len(),
        2,
        "the wallet keeps the history"
    );
    let new_sd = w["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == new_id.as_str())
        .unwrap()["sd_jwt"]
        .as_str()
        .unwrap()
        .to_string();
    let d = zhengtong::credential::sdjwt::decode(&new_sd).unwrap();
    assert_eq!(d.claims["address"], "广州市越秀区新地址8号");
    assert_eq!(d.claims["version"], 2);
    assert_eq!(s.verify(&new_sd)["indication"], "TOTAL_PASSED");
    // A change that changes nothing, and a bad field, are refused.
    let (code, p) = problem(s.post(
        &format!("/v1/companies/{uscc}/changes"),
        Some(&auth),
        &json!({"address": "广州市越秀区新地址8号"}),
    ));
    assert_eq!(code, 422, "{p}");
    let (code, p) = problem(s.post(
        &format!("/v1/companies/{uscc}/changes"),
        Some(&auth),
        &json!({"registered_capital_fen": -5}),
    ));
    assert_eq!(
        (code, p["field"].as_str()),
        (422, Some("registered_capital_fen"))
    );

    // 注销: everything revoked, the wallet read-only.
    let new_qr = s.present(&uscc, &wallet, &new_id, Some(3600))["token"]
        .as_str()
        .unwrap()
        .to_string();
    let r = s.post(
        &format!("/v1/companies/{uscc}/deregistration"),
        Some(&auth),
        &json!({}),
    );
    assert_eq!(r.status(), 200);
    assert_eq!(s.verify(&new_qr)["sub_indication"], "REVOKED");
    assert_eq!(s.verify(&new_sd)["sub_indication"], "REVOKED");
    let (code, p) = problem(s.post(
        &format!("/v1/wallets/{uscc}/presentations"),
        Some(&wallet),
        &json!({"credential_id": new_id}),
    ));
    // One answer for "not registered and active" (422 naming the field); was 409 here only.
    assert_eq!((code, p["field"].as_str()), (422, Some("uscc")));
    assert!(
        p["detail"].as_str().unwrap().contains("deregistered"),
        "{p}"
    );
    assert_eq!(
        problem(s.post(
            &format!("/v1/companies/{uscc}/deregistration"),
            Some(&auth),
            &json!({})
        ))
        .0,
        409
    );
    let w: Value = s
        .get(&format!("/v1/wallets/{uscc}"), Some(&wallet))
        .json()
        .unwrap();
    assert_eq!(w["company_status"], "deregistered");
    assert!(
        w["credentials"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["status"] == "revoked")
    );
    let (uri2, idx2) = status_of(&new_sd);
    assert!(status_bit(&s, &uri2, idx2));
    assert_eq!(problem(s.get("/v1/status-lists/0", None)).0, 404);
    assert_eq!(problem(s.get("/v1/status-lists/99", None)).0, 404);
}

#[test]
fn status_list_etag_is_stable_until_a_change() {
    let s = Server::start();
    let auth = s.role_token("authority");
    let (uscc, _, _) = s.register(&auth, &company(&uscc(51), "广州缓存示例有限公司"));
    let r1 = s.get("/v1/status-lists/1", None);
    let etag = r1.headers()["etag"].to_str().unwrap().to_string();
    let body1 = r1.text().unwrap();
    let r = s
        .client
        .get(s.url("/v1/status-lists/1"))
        .header("if-none-match", &etag)
        .send()
        .unwrap();
    assert_eq!(r.status(), 304);
    s.post(
        &format!("/v1/companies/{uscc}/deregistration"),
        Some(&auth),
        &json!({}),
    );
    let r2 = s.get("/v1/status-lists/1", None);
    assert_ne!(r2.headers()["etag"].to_str().unwrap(), etag);
    assert_ne!(r2.text().unwrap(), body1);
}
