//! Status lists (draft-ietf-oauth-status-list) as `statuslist+jwt`, with HTTP caching.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::{AppState, Problem};
use crate::credential::jws;
use crate::status::list_uri;

/// Signed lists, reissued only when their bits change or half their ttl has passed, so
/// that ETags stay stable between changes.
#[derive(Default)]
pub struct StatusCache {
    lists: Mutex<HashMap<u32, Cached>>,
}

#[derive(Clone)]
struct Cached {
    bits_digest: Vec<u8>,
    issued_at: i64,
    token: String,
    etag: String,
}

pub const CONTENT_TYPE: &str = "application/statuslist+jwt";
/// How long a list stays valid at all (`exp`); verifiers refresh it every `ttl`.
const EXP_S: i64 = 24 * 3600;

/// `GET /v1/status-lists/{id}`
#[utoipa::path(get, path = "/v1/status-lists/{id}", operation_id = "getStatusList", security(), tag = "public", params(("id" = String, Path)),
    responses((status = 200, description = "The signed status list.", content_type = "application/statuslist+jwt", body = String),
        (status = 304, description = "Not modified (`If-None-Match`)."),
        super::openapi::E404, super::openapi::E500))]
pub async fn get_list(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let list: u32 = id.parse().ok().filter(|n| *n >= 1).ok_or_else(|| {
        Problem::not_found(format!(
            "status list {id:?} does not exist: lists are numbered from 1"
        ))
    })?;
    if list > s.wallet.status_list_count()? {
        return Err(Problem::not_found(format!(
            "status list {list} does not exist yet"
        )));
    }
    let bits = s.wallet.status_bits(list)?;
    let digest = ring::digest::digest(&ring::digest::SHA256, &bits.to_bytes())
        .as_ref()
        .to_vec();
    let now = s.wallet.clock.now().timestamp();
    let ttl = s.status_ttl_s as i64;
    let cached = {
        let lists = s
            .status_cache
            .lists
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        lists
            .get(&list)
            .filter(|c| c.bits_digest == digest && now - c.issued_at < ttl / 2)
            .cloned()
    };
    let cached = match cached {
        Some(c) => c,
        None => {
            let keys = &s.wallet.keys;
            let header = crate::credential::jws::x5c_header("statuslist+jwt", &keys.status);
            let payload = json!({
                "sub": list_uri(s.wallet.public_url(), list),
                "iss": keys.status.iss,
                "iat": now,
                "exp": now + EXP_S,
                "ttl": ttl,
                "status_list": { "bits": 1, "lst": bits.encode_lst() },
            });
            // A `Value` always serialises (its Display is infallible).
            let token = jws::sign(header, payload.to_string().as_bytes(), &keys.status);
            let etag = format!(
                "\"{}\"",
                &crate::seal::sign::sha256_hex(token.as_bytes())[..32]
            );
            let c = Cached {
                bits_digest: digest,
                issued_at: now,
                token,
                etag,
            };
            s.status_cache
                .lists
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(list, c.clone());
            c
        }
    };
    let max_age = (ttl - (now - cached.issued_at)).max(0);
    let mut resp = if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(cached.etag.as_str())
    {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(header::CONTENT_TYPE, CONTENT_TYPE)], cached.token.clone()).into_response()
    };
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&cached.etag) {
        h.insert(header::ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("public, max-age={max_age}")) {
        h.insert(header::CACHE_CONTROL, v);
    }
    Ok(resp)
}
