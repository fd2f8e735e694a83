//! `POST /v1/tsa`: the region's RFC 3161 timestamp authority over HTTP (RFC 3161 §3.4).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{AppState, Problem};

pub const QUERY_TYPE: &str = "application/timestamp-query";
pub const REPLY_TYPE: &str = "application/timestamp-reply";

/// Answers a DER TimeStampReq with a DER TimeStampResp: granted with a token signed by the
/// region's timestamping certificate, or rejected (status 2) with a failInfo.
#[utoipa::path(post, path = "/v1/tsa", operation_id = "requestTimestamp", security(), tag = "public",
    request_body(content = String, content_type = "application/timestamp-query", description = "A DER TimeStampReq (RFC 3161 §2.4.1), e.g. from `openssl ts -query -sha256 -cert`."),
    responses((status = 200, description = "A DER TimeStampResp: granted with a token, or rejected with a failInfo (badAlg, badRequest, badDataFormat, unacceptedPolicy, unacceptedExtension).", content_type = "application/timestamp-reply", body = String),
        super::openapi::E413, super::openapi::E429, (status = 415, description = "The body is not sent as `application/timestamp-query`."), super::openapi::E500))]
pub async fn timestamp(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    if content_type.as_deref() != Some(QUERY_TYPE) {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("send the DER TimeStampReq as {QUERY_TYPE}"),
        ));
    }
    let reply = crate::tsa::respond(&body, &s.wallet.keys.tsa, &s.wallet.clock);
    Ok(([(header::CONTENT_TYPE, REPLY_TYPE)], reply).into_response())
}
