//! The app in process: the real state and Router, driven with `tower::ServiceExt::oneshot`
//! (no socket). Shared by tests/verify_count.rs and examples/bench_verify.rs.
#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;
use zhengtong::access::AccessRole;
use zhengtong::http::router;
use zhengtong::server::{ServeConfig, build_state};

pub struct App {
    pub router: Router,
    pub _dir: tempfile::TempDir,
    /// A QR presentation of the licence, and the licence SD-JWT.
    pub presentation: String,
    pub sd_jwt: String,
    /// An authority's token, for setting up more (see [`sealed`]).
    pub authority: String,
}

/// A company set up with an official seal (`POST /v1/establishments`): its e-seal SD-JWT,
/// and a seal signature over a document digest with the `POST /v1/signatures/validate`
/// body that checks it.
pub struct Sealed {
    pub eseal_sd_jwt: String,
    /// `{"document_sha256", "signature"}`: the compact JWS (one signature).
    pub validate_body: Vec<u8>,
    /// The same with the timestamped JWS (JAdES, the region's RFC 3161 token on it).
    pub validate_timestamped_body: Vec<u8>,
}

pub async fn call(
    router: &Router,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: impl Into<Body>,
) -> (u16, Vec<u8>) {
    let mut req = axum::http::Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json");
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let resp = router
        .clone()
        .oneshot(req.body(body.into()).expect("request"))
        .await
        .expect("infallible");
    let status = resp.status().as_u16();
    let bytes = resp.into_body().collect().await.expect("body").to_bytes();
    (status, bytes.to_vec())
}

pub fn verify_body(token: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({ "token": token })).expect("json")
}

/// A development node's configuration in `base` (data and certs folders), rate limit off.
pub fn config(base: &std::path::Path) -> ServeConfig {
    ServeConfig {
        data: base.join("data"),
        certs: base.join("certs"),
        listen: "127.0.0.1:0".parse().expect("addr"),
        region: "440100".parse().expect("region"),
        public_url: None,
        status_ttl_s: 300,
        trust_list: None,
        trust_list_refresh_s: 300,
        trust_list_grace_s: 86_400,
        invoice_checks_per_day: 5,
        limits: zhengtong::http::Limits {
            rate_per_minute: 0,
            ..Default::default()
        },
    }
}

/// A node with one registered company, rate limit off.
pub async fn app() -> App {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = build_state(&config(dir.path())).await.expect("state");
    let authority = state
        .wallet
        .create_token(AccessRole::Authority, None, chrono::Duration::days(1))
        .await
        .expect("token")
        .0;
    let router = router(state);
    let uscc = zhengtong::domain::with_check_char("91440101MA0000001").expect("uscc");
    let company = json!({
        "uscc": uscc, "name": "广州天河示例智能科技研发有限公司",
        "legal_representative": { "name": "张三", "id_number": "11010519491231002X" },
        "registered_capital_fen": 100_000_000, "address": "广州市天河区天河路1号",
        "business_scope": "软件开发", "established_on": "2024-03-01",
    });
    let (st, b) = call(
        &router,
        "POST",
        "/v1/companies",
        Some(&authority),
        serde_json::to_vec(&company).unwrap(),
    )
    .await;
    assert_eq!(st, 201, "{}", String::from_utf8_lossy(&b));
    let v: Value = serde_json::from_slice(&b).unwrap();
    let wallet = v["wallet_token"].as_str().unwrap().to_string();
    let cid = v["credentials"][0]["id"].as_str().unwrap().to_string();
    let (st, b) = call(
        &router,
        "GET",
        &format!("/v1/wallets/{uscc}"),
        Some(&wallet),
        vec![],
    )
    .await;
    assert_eq!(st, 200, "{}", String::from_utf8_lossy(&b));
    let w: Value = serde_json::from_slice(&b).unwrap();
    let sd_jwt = w["credentials"][0]["sd_jwt"]
        .as_str()
        .expect("the licence SD-JWT")
        .to_string();
    let body = serde_json::to_vec(&json!({ "credential_id": cid })).unwrap();
    let (st, b) = call(
        &router,
        "POST",
        &format!("/v1/wallets/{uscc}/presentations"),
        Some(&wallet),
        body,
    )
    .await;
    assert_eq!(st, 201, "{}", String::from_utf8_lossy(&b));
    let p: Value = serde_json::from_slice(&b).unwrap();
    App {
        router,
        _dir: dir,
        presentation: p["token"].as_str().unwrap().to_string(),
        sd_jwt,
        authority,
    }
}

/// Sets up a second company with an official seal and signs a document digest with it.
pub async fn sealed(app: &App) -> Sealed {
    let uscc = zhengtong::domain::with_check_char("91440101MA0000002").expect("uscc");
    let name = "广州天河示例印章科技有限公司";
    let form = json!({
        "company": {
            "uscc": uscc, "name": name,
            "legal_representative": { "name": "李四", "id_number": "11010519491231002X" },
            "registered_capital_fen": 100_000_000, "address": "广州市天河区天河路2号",
            "business_scope": "软件开发", "established_on": "2024-03-01",
        },
        "seals": [{"seal_type": "official", "template": {
            "shape": "round", "width_mm": 40, "height_mm": 40, "border_mm": 1.2, "star": true,
            "arc_text": name, "seal_code": "4401000099001"}}],
        "invoicing": false,
    });
    let (st, b) = call(
        &app.router,
        "POST",
        "/v1/establishments",
        Some(&app.authority),
        serde_json::to_vec(&form).unwrap(),
    )
    .await;
    assert_eq!(st, 201, "{}", String::from_utf8_lossy(&b));
    let done: Value = serde_json::from_slice(&b).unwrap();
    let wallet = done["wallet_token"].as_str().unwrap();
    let seal_id = done["seals"][0]["id"].as_str().unwrap();
    let (st, b) = call(
        &app.router,
        "GET",
        &format!("/v1/wallets/{uscc}"),
        Some(wallet),
        vec![],
    )
    .await;
    assert_eq!(st, 200, "{}", String::from_utf8_lossy(&b));
    let listing: Value = serde_json::from_slice(&b).unwrap();
    let eseal = listing["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "e_seal")
        .expect("an e-seal credential")
        .clone();
    let digest = "ab".repeat(32);
    let (st, b) = call(
        &app.router,
        "POST",
        &format!("/v1/wallets/{uscc}/seals/{seal_id}/sign"),
        Some(wallet),
        serde_json::to_vec(&json!({ "sha256": digest })).unwrap(),
    )
    .await;
    assert_eq!(st, 201, "{}", String::from_utf8_lossy(&b));
    let sig: Value = serde_json::from_slice(&b).unwrap();
    let body = |which: &str| {
        serde_json::to_vec(&json!({"document_sha256": digest, "signature": sig[which]})).unwrap()
    };
    Sealed {
        eseal_sd_jwt: eseal["sd_jwt"].as_str().expect("sd_jwt").to_string(),
        validate_body: body("signature"),
        validate_timestamped_body: body("timestamped_signature"),
    }
}
