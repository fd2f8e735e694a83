//! The request-body examples of the OpenAPI document (`example = examples::…` in the
//! handlers' `#[utoipa::path]` attributes): one company in Guangzhou, Tianhe, followed
//! from registration to invoicing, with the data a counter clerk would type. Money is in
//! fen; identifiers that the server draws (filing, credential, seal ids) are shown in
//! their real form. `tests/openapi.rs` checks every example against its schema and sends
//! the ones that need no earlier record to a fresh node, where they must be accepted.

use serde_json::{Value, json};

/// A valid USCC (check character `Y`), registered in Tianhe (440101).
pub const USCC: &str = "91440101MA5900001Y";
const NAME: &str = "广州天河示例智能科技研发有限公司";
/// Another Guangzhou company, the invoice's buyer.
const BUYER_USCC: &str = "91440101MA59000022";
/// Ids as the server draws them (9 random bytes, base64url).
const FILING_ID: &str = "q3Vb0RkT9xLm";
const CREDENTIAL_ID: &str = "mZ8cW1pHs4Nd";
/// The SHA-256 of a contract's PDF, hexadecimal.
const DOCUMENT_SHA256: &str = "5f2b8c1d9e0a47b3c6d8e1f20a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d";
/// The start of a compact JWS, as `POST …/sign` returns it (shortened).
const SEAL_SIGNATURE: &str = "eyJhbGciOiJFUzI1NiIsInR5cCI6Inp0LXNlYWwtc2lnbmF0dXJlK2p3dCIsImtpZCI6IjQ0MDEwMC1zZWFsIn0.eyJzZWFsX2lkIjoia1E3djJOcFhhOWJSIn0.c2lnbmF0dXJl";

fn company() -> Value {
    json!({
        "uscc": USCC,
        "name": NAME,
        "legal_representative": { "name": "张三", "id_number": "11010519491231002X" },
        "registered_capital_fen": 100_000_000,
        "address": "广州市天河区天河路385号太古汇一座28楼2801室",
        "business_scope": "软件开发；人工智能应用软件开发；信息技术咨询服务",
        "established_on": "2024-03-01"
    })
}

fn official_seal_template() -> Value {
    json!({
        "shape": "round", "width_mm": 42, "height_mm": 42, "border_mm": 1.2,
        "star": true, "arc_text": NAME, "seal_code": "4401060012345"
    })
}

/// `POST /v1/companies`.
pub fn register_company() -> Value {
    company()
}

/// `POST /v1/companies/{uscc}/changes`: a move and a capital increase.
pub fn change_company() -> Value {
    json!({
        "address": "广州市天河区珠江新城华夏路10号富力中心15楼",
        "registered_capital_fen": 200_000_000
    })
}

/// `POST /v1/establishments`: licence, official and finance seals, invoicing rights.
pub fn establish_company() -> Value {
    json!({
        "company": company(),
        "seals": [
            { "seal_type": "official", "template": official_seal_template(),
              "engraver": "广州市天河区示例刻章有限公司" },
            { "seal_type": "finance",
              "template": { "shape": "round", "width_mm": 38, "height_mm": 38, "border_mm": 1.0,
                "star": true, "arc_text": NAME, "bottom_text": "财务专用章",
                "seal_code": "4401060012346" } }
        ],
        "invoicing": true
    })
}

/// `POST /v1/police/seal-filings`.
pub fn file_seal() -> Value {
    json!({
        "uscc": USCC,
        "seal_type": "official",
        "template": official_seal_template(),
        "engraver": "广州市天河区示例刻章有限公司"
    })
}

/// `POST /v1/wallets/{uscc}/seals`.
pub fn issue_seal() -> Value {
    json!({ "filing_id": FILING_ID })
}

/// `POST /v1/wallets/{uscc}/seals/{seal_id}/sign` with a JSON body: the hash alone.
pub fn sign_hash() -> Value {
    json!({ "sha256": DOCUMENT_SHA256 })
}

/// `POST /v1/signatures/validate` with a JSON body.
pub fn validate_signature() -> Value {
    json!({ "document_sha256": DOCUMENT_SHA256, "signature": SEAL_SIGNATURE })
}

/// `POST /v1/tokens`: a token for a counter of the market regulator.
pub fn create_token() -> Value {
    json!({ "role": "authority", "label": "天河区政务服务中心 3号窗口", "ttl_days": 90 })
}

/// `POST /v1/tax/invoicing-rights`.
pub fn grant_invoicing_rights() -> Value {
    json!({ "uscc": USCC })
}

/// `POST /v1/tax/invoices`: two days of consulting at 5,000.00 yuan, 6 % VAT.
pub fn issue_invoice() -> Value {
    json!({
        "seller_uscc": USCC,
        "buyer": { "uscc": BUYER_USCC, "name": "广州越秀示例贸易有限公司" },
        "items": [{
            "name": "*信息技术服务*软件开发咨询", "spec": "现场", "unit": "天",
            "quantity": "2", "unit_price": "5000.00", "tax_rate": "6"
        }],
        "remarks": "合同编号 GZ-2024-0301",
        "total_amount_fen": 1_000_000,
        "total_tax_fen": 60_000,
        "total_with_tax_fen": 1_060_000
    })
}

/// `POST /v1/wallets/{uscc}/presentations`: the answer to a bank's challenge.
pub fn present_credential() -> Value {
    json!({
        "credential_id": CREDENTIAL_ID,
        "format": "sd-jwt",
        "disclose": ["address", "legal_representative.name"],
        "nonce": "b7Yq2xWf0kLs",
        "aud": "https://bank.example.cn/kyc"
    })
}

/// `POST /v1/verify`: a scanned QR presentation (shortened).
pub fn verify_token() -> Value {
    json!({
        "token": "eyJhbGciOiJFUzI1NiIsInR5cCI6Inp0LXFyK2p3dCIsImtpZCI6IjQ0MDEwMC1hdXRob3JpdHkifQ.eyJjaWQiOiJtWjhjVzFwSHM0TmQiLCJleHAiOjE3MDkyNzAwMDB9.c2lnbmF0dXJl"
    })
}
