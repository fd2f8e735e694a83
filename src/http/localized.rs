//! Reports in the client's language: `Accept-Language` picks zh-CN or English (the
//! default); the response says which in `Content-Language`.

use std::convert::Infallible;

use axum::body::Body;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::verify::{Lang, Report};

/// The language of `Accept-Language` (English when absent or unsupported).
pub fn lang_of(headers: &HeaderMap) -> Lang {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map_or(Lang::En, Lang::from_accept_language)
}

/// The request's preferred report language.
pub struct AcceptLanguage(pub Lang);

impl<S: Send + Sync> FromRequestParts<S> for AcceptLanguage {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(AcceptLanguage(lang_of(&parts.headers)))
    }
}

/// A report as JSON with its reasons in one language.
pub struct LocalizedReport(pub Report, pub Lang);

impl IntoResponse for LocalizedReport {
    fn into_response(self) -> Response {
        let LocalizedReport(report, lang) = self;
        // Room for a whole report at once (axum's `Json` starts at 128 bytes and regrows).
        let mut body = Vec::with_capacity(4096);
        // sonic-rs escapes strings with SIMD: a report is mostly text (its reasons, names
        // and disclosed claims), and serde_json's byte-at-a-time escaping was the largest
        // part of writing it.
        let mut resp = match sonic_rs::to_writer(&mut body, &report.localized(lang)) {
            Ok(()) => {
                let mut resp = Response::new(Body::from(body));
                resp.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
                resp
            }
            // As axum answers a value that does not serialise.
            Err(_) => axum::Json(report.localized(lang)).into_response(),
        };
        let h = resp.headers_mut();
        h.insert(
            header::CONTENT_LANGUAGE,
            HeaderValue::from_static(lang.tag()),
        );
        h.append(header::VARY, HeaderValue::from_static("accept-language"));
        resp
    }
}
