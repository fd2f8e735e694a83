//! `GET /v1/vct/{type}`: the SD-JWT VC type metadata of each credential type, at the URL
//! the credentials name in `vct` (see [`crate::credential::vct`]).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{AppState, Problem};
use crate::credential::{CredentialType, vct};

/// `GET /v1/vct/{type}`
#[utoipa::path(get, path = "/v1/vct/{type}", operation_id = "getTypeMetadata", security(), tag = "public",
    description = "SD-JWT VC type metadata (draft-ietf-oauth-sd-jwt-vc) of a credential type: its display name and description, and a label for each claim, in zh-CN and en. Credentials name this URL in `vct`; their `vct#integrity` is `sha256-` and the base64 SHA-256 of the bytes served here.",
    params(("type" = CredentialType, Path, description = "The credential type, as in `credential_type`.")),
    responses((status = 200, description = "The type metadata document.", content_type = "application/json", body = Object,
            headers(("ETag" = String, description = "The document's `vct#integrity`, quoted."), ("Cache-Control" = String, description = "`public, max-age=86400`."))),
        (status = 304, description = "Not modified (`If-None-Match`)."),
        super::openapi::E404))]
pub async fn get(
    State(s): State<AppState>,
    Path(kind): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let kind = CredentialType::from_vct_segment(&kind).ok_or_else(|| {
        Problem::not_found(format!(
            "no credential type {kind:?}; the types are {}",
            CredentialType::ALL.map(|t| t.as_str()).join(", ")
        ))
    })?;
    let body = vct::document(kind, s.wallet.public_url());
    let etag = format!("\"{}\"", vct::integrity(&body));
    let mut resp = if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(etag.as_str())
    {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(header::CONTENT_TYPE, "application/json")], body).into_response()
    };
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    // Wallets in a browser fetch it from another origin.
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    Ok(resp)
}
