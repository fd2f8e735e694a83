//! The OpenAPI 3.1 document, derived from the handlers' `#[utoipa::path]` attributes and the
//! request and response types; served at `GET /v1/openapi.json`.

use std::collections::BTreeMap;

use std::sync::Arc;

use axum::Extension;
use axum::http::header;
use axum::response::IntoResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder, response::Response};
use utoipa::{Modify, OpenApi};

use super::problem::Problem;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "zhengtong (政通) wallet and verification API",
        description = "Issues SD-JWT VC business licences, e-seals and e-invoices into company wallets, and verifies QR presentations, credentials and sealed documents. Errors are RFC 9457 problem details (`application/problem+json`) naming the field at fault."
    ),
    // Relative: the node that serves the document answers its operations.
    servers((url = "/", description = "This node (本节点)")),
    components(schemas(Problem)),
    modifiers(&Bearer),
    tags(
        (name = "tokens", description = "令牌 · Tokens: role tokens for the regulator's, police's, tax bureau's and partners' clients (admin), and wallet tokens."),
        (name = "companies", description = "企业登记 · Company registration, change (变更) and deregistration (注销) by the market regulator; each issues the licence (照)."),
        (name = "wallets", description = "企业钱包 · The company's wallet: its credentials, QR presentations (亮照亮证) and answers to partners' challenges."),
        (name = "verification", description = "核验 · Public verification of QR presentations, SD-JWT credentials and sealed documents; no token, rate-limited."),
        (name = "seals", description = "印章 · Seal templates filed with the police (备案), e-seals issued from them (章), and sealing documents."),
        (name = "invoices", description = "发票 · Invoicing rights and fully digital invoices (数电票) by the tax bureau."),
        (name = "establishments", description = "开办 · One-step company start-up: licence, seals and invoicing rights in one call (电子大礼包)."),
        (name = "indicators", description = "指标 · The platform's performance indicators, measured from the event log."),
        (name = "public", description = "公开 · Certificates, CRLs, status lists, credential type metadata (SD-JWT VC), the trust list, timestamps (RFC 3161), metrics and this document; no token.")
    )
)]
pub struct ApiDoc;

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some(
                "`Authorization: Bearer <token>`: the admin token, a role token from `POST /v1/tokens`, or a company's wallet token. A missing or unknown token is 401; a token of the wrong role, or another company's wallet token, is 403.",
            ))
            .build();
        if let Some(c) = openapi.components.as_mut() {
            c.add_security_scheme("bearer", SecurityScheme::Http(scheme));
        }
        // utoipa copies Cargo's `license`, which is unset: an empty licence name is invalid.
        if let Some(l) = &openapi.info.license
            && l.name.is_empty()
        {
            openapi.info.license = None;
        }
    }
}

/// The document, serialised once when the router is built.
#[derive(Clone)]
pub struct Served(pub Arc<String>);

/// `GET /v1/openapi.json`: this document.
#[utoipa::path(get, path = "/v1/openapi.json", operation_id = "getOpenApiDocument", security(), tag = "public",
    responses((status = 200, description = "This document (OpenAPI 3.1).", body = Object)))]
pub async fn serve(Extension(doc): Extension<Served>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        doc.0.as_str().to_owned(),
    )
}

fn problem_response(description: &str) -> RefOr<Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            super::problem::CONTENT_TYPE,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
        .into()
}

/// One problem-details response per error status, for the handlers' `responses(...)` lists.
macro_rules! problems {
    ($($name:ident = $code:literal, $desc:literal;)*) => {$(
        #[doc = $desc]
        pub struct $name;
        impl utoipa::IntoResponses for $name {
            fn responses() -> BTreeMap<String, RefOr<Response>> {
                BTreeMap::from([($code.to_string(), problem_response($desc))])
            }
        }
    )*};
}

problems! {
    E400 = "400", "The body is not valid JSON.";
    E401 = "401", "No token, a malformed `Authorization` header, or a token that is not valid: unknown, revoked or expired (the `detail` says which).";
    E403 = "403", "The token's role may not do this, or it is another company's wallet token.";
    E404 = "404", "No such record (the `detail` says which).";
    E408 = "408", "The request body did not arrive within the body timeout.";
    E409 = "409", "The request conflicts with the records (already registered, deregistered, revoked).";
    E413 = "413", "The body is larger than this endpoint accepts.";
    E415 = "415", "The body is not sent as `application/json`.";
    E422 = "422", "A field is missing, of the wrong type or breaks a rule; `field` names it.";
    E429 = "429", "Too many requests (rate limit, or an invoice's daily online checks); see `Retry-After`.";
    E500 = "500", "The server failed; the request may be retried.";
    E503 = "503", "The request was not answered within the request timeout, or the server is busy; see `Retry-After`.";
}

/// The language of a report's reasons (`checks[].reason`): `zh-CN` when the client
/// prefers Chinese (`zh`, `zh-CN`, … with the highest q-value), else English. Indications,
/// sub-indications and check names are the same in both.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct AcceptLanguage {
    /// For example `zh-CN`, or `en-US,en;q=0.9,zh;q=0.8`.
    #[param(rename = "Accept-Language")]
    accept_language: Option<String>,
}

/// The verifier's region, when it is not this node's (a counter of another region using
/// this node): counted in the indicators' verifying regions and cross-region verifications.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct VerifierRegion {
    /// Six digits (`310000`); default: this node's region. Anything else is 422.
    #[param(rename = "X-Verifier-Region", pattern = "^[0-9]{6}$")]
    x_verifier_region: Option<String>,
}

// Descriptions of the handlers in `verify.rs`; the router pairs each with its handler.

/// Verify a QR presentation token or an SD-JWT credential: 200 with the report, whatever the
/// indication. With a `nonce` or an `aud`, proof that the presenter holds the company's key
/// is required: an SD-JWT with a key-binding JWT answering them; 429 for an invoice checked online too often today, or past the rate limit.
#[utoipa::path(post, path = "/v1/verify", operation_id = "verifyToken", security(), tag = "verification", request_body(content = super::verify::VerifyRequest, example = super::examples::verify_token),
    params(AcceptLanguage, VerifierRegion),
    responses((status = 200, body = crate::verify::Report, description = "The verification report, whatever its indication.", headers(("Content-Language" = String, description = "The language of the reasons: `zh-CN` or `en`."))), E400, E408, E413, E415, E422, E429, E500, E503))]
#[allow(dead_code)]
pub async fn verify_token() {}

/// Verify a photo of a QR code (PNG or JPEG as the body): 200 with the report.
#[utoipa::path(post, path = "/v1/verify/image", operation_id = "verifyQrImage", security(), tag = "verification",
    request_body(content = Vec<u8>, content_type = "image/png"),
    params(AcceptLanguage, VerifierRegion),
    responses((status = 200, body = crate::verify::Report, description = "The verification report, whatever its indication.", headers(("Content-Language" = String, description = "The language of the reasons: `zh-CN` or `en`."))), E408, E413, E422, E429, E500, E503))]
#[allow(dead_code)]
pub async fn verify_image() {}

/// The signed trust list this node uses.
#[utoipa::path(get, path = "/v1/trust-list", operation_id = "getTrustList", security(), tag = "public",
    responses((status = 200, description = "The trust list, a signed JWT.", content_type = "application/jwt", body = String), E404))]
#[allow(dead_code)]
pub async fn trust_list() {}

/// Liveness.
#[utoipa::path(get, path = "/healthz", operation_id = "checkHealth", security(), tag = "public",
    responses((status = 200, description = "`ok`", content_type = "text/plain; charset=utf-8", body = String)))]
pub async fn healthz() -> &'static str {
    "ok"
}
