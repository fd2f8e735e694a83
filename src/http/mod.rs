//! The HTTP API (axum): routes, authentication, problem details.

mod companies;
mod crl;
pub mod crl_cache;
mod deadline;
mod dto;
mod establishments;
mod examples;
mod extract;
mod indicators;
mod invoices;
pub mod limits;
mod localized;
mod openapi;
mod pages;
mod pdf;
mod problem;
mod ratelimit;
mod seals;
mod status;
mod streamed;
mod tokens;
mod tsa;
mod vct;
mod verification;
mod verify;
mod wallets;

pub use limits::Limits;
pub use problem::Problem;
pub use ratelimit::RateLimit;
pub use verification::{LocalRecords, Verification, VerifyState};

use std::sync::Arc;

use axum::body::to_bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Router};
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use crate::verify::Verifier;
use crate::wallet::Wallet;

/// JSON bodies larger than this are refused with 413.
pub const JSON_LIMIT: usize = 64 * 1024;
/// Uploaded images (photos of QR codes).
pub const IMAGE_LIMIT: usize = 8 * 1024 * 1024;
/// Documents sent to be sealed.
pub const DOCUMENT_LIMIT: usize = crate::seal::sign::MAX_DOCUMENT_BYTES;
/// A JSON validation request (`document_base64` of at most ~760 KiB, or better
/// `document_sha256`); larger documents come as `multipart/form-data`, hashed as they stream.
pub const VALIDATE_JSON_LIMIT: usize = 1024 * 1024;

/// The node's state, shared: every layer and extractor that takes the state clones it per
/// request, so a clone is one reference count, not one per field.
#[derive(Clone)]
pub struct AppState(Arc<NodeState>);

impl AppState {
    pub fn new(state: NodeState) -> Self {
        AppState(Arc::new(state))
    }
}

impl std::ops::Deref for AppState {
    type Target = NodeState;

    fn deref(&self) -> &NodeState {
        &self.0
    }
}

pub struct NodeState {
    pub wallet: Wallet,
    /// What the public verification endpoints use (shared with verifier-only nodes).
    pub verification: VerifyState,
    pub certs_pem: Arc<String>,
    /// The copy of the national root's CRL (`<certs>/root.crl`), served as it is.
    pub root_crl: std::path::PathBuf,
    pub metrics: Arc<crate::metrics::Metrics>,
    pub invoice_checks: Arc<crate::invoice::check::CheckLimiter>,
    /// How long verifiers may cache a status list (`ttl`, `Cache-Control: max-age`).
    pub status_ttl_s: u64,
    pub status_cache: Arc<status::StatusCache>,
    pub crl_cache: crl_cache::CrlCache,
}

impl NodeState {
    pub fn verifier(&self) -> Arc<Verifier> {
        self.verification.verifier()
    }
}

/// The API routes, each with its OpenAPI description; the document is what they add up to.
fn api(state: &AppState) -> OpenApiRouter<AppState> {
    let rate = || from_fn_with_state(state.verification.clone(), ratelimit::limit);
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(openapi::healthz))
        .routes(routes!(openapi::serve))
        .routes(routes!(tokens::create, tokens::list))
        .routes(routes!(tokens::revoke))
        .routes(routes!(companies::register))
        .routes(routes!(wallets::list))
        .routes(routes!(wallets::present))
        .routes(routes!(tokens::rotate_wallet))
        .merge(verification::routes(&state.verification))
        .routes(routes!(certs))
        .routes(
            routes!(tsa::timestamp)
                .layer(DefaultBodyLimit::max(crate::tsa::MAX_QUERY_BYTES))
                .layer(rate())
                .layer(from_fn(tsa_length_guard)),
        )
        .routes(routes!(crl::current).layer(rate()))
        .routes(routes!(crl::of_ca).layer(rate()))
        .routes(routes!(crl::ca_cert))
        .routes(routes!(companies::change))
        .routes(routes!(companies::deregister))
        .routes(routes!(status::get_list))
        .routes(routes!(vct::get))
        .routes(routes!(seals::file))
        .routes(routes!(seals::get_filing))
        .routes(routes!(seals::filing_image))
        .routes(routes!(seals::issue, seals::list))
        .routes(
            routes!(seals::sign_document)
                .layer(DefaultBodyLimit::max(DOCUMENT_LIMIT))
                .layer(from_fn(document_length_guard)),
        )
        .routes(
            routes!(pdf::extend)
                .layer(DefaultBodyLimit::max(crate::pdf::MAX_PDF_BYTES))
                .layer(rate()),
        )
        .routes(routes!(seals::revoke))
        .routes(routes!(establishments::establish))
        .routes(routes!(establishments::get))
        .routes(routes!(establishments::metrics))
        .routes(routes!(invoices::grant_rights))
        .routes(routes!(invoices::issue))
        .routes(routes!(invoices::list))
        .routes(routes!(indicators::get))
}

/// The routes of a verifier-only node: verification, its page, health and this document.
fn verifier_api() -> OpenApiRouter<VerifyState> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(openapi::healthz))
        .routes(routes!(openapi::serve))
}

/// The OpenAPI document of the API, as `GET /v1/openapi.json` serves it.
pub fn openapi_document(state: &AppState) -> utoipa::openapi::OpenApi {
    api(state).into_openapi()
}

/// The full node's router.
pub fn router(state: AppState) -> Router {
    let limits = state.verification.limits.clone();
    finish(
        api(&state),
        pages::routes(pages::Pages::All),
        "no such endpoint; see /v1/openapi.json",
        &limits,
        Some(Arc::new(state.wallet.clone())),
    )
    .with_state(state)
}

/// A verifier-only node's router: every other route answers 404 with a problem saying so.
pub fn verifier_router(state: VerifyState) -> Router {
    let limits = state.limits.clone();
    finish(
        verifier_api().merge(verification::routes(&state)),
        pages::routes(pages::Pages::VerifierOnly),
        "no such endpoint: this is a verifier-only node (POST /v1/verify, POST /v1/verify/image, POST /v1/signatures/validate, GET /v1/trust-list, the pages /verify and /api); see /v1/openapi.json",
        &limits,
        None,
    )
    .with_state(state)
}

/// The routes with their pages, the OpenAPI document they add up to, and the layers every
/// request passes (body limit, deadlines, problem details, tracing); `events`: the wallet
/// whose event log records refusals (`None` on a verifier-only node, which keeps no log).
fn finish<S: Clone + Send + Sync + 'static>(
    api: OpenApiRouter<S>,
    pages: Router<S>,
    not_found: &'static str,
    limits: &Limits,
    events: Option<Arc<Wallet>>,
) -> Router<S> {
    let (api, doc) = api.split_for_parts();
    let served = openapi::Served(Arc::new(doc.to_json().unwrap_or_else(|e| {
        // The document is built from types alone: failing to serialise it is a bug.
        panic!("the OpenAPI document does not serialise: {e}")
    })));
    // One stack, outermost first, applied in one `layer` call: each `Router::layer` boxes
    // every route's service once more, and axum clones that chain of boxes per request.
    let layers = tower::ServiceBuilder::new()
        // Method and path only: a query string may carry what must not be logged.
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &axum::extract::Request| {
                tracing::debug_span!("request", method = %req.method(), path = %req.uri().path())
            }),
        )
        .layer(from_fn_with_state(events, finish_response))
        .layer(deadline::RequestDeadlineLayer {
            timeout: limits.request_timeout,
            status: StatusCode::SERVICE_UNAVAILABLE,
        })
        .layer(deadline::BodyDeadlineLayer {
            timeout: limits.body_timeout,
        })
        .layer(DefaultBodyLimit::max(JSON_LIMIT))
        .layer(Extension(served));
    api.merge(pages)
        .fallback(move || async move { Problem::not_found(not_found) })
        .layer(layers)
}

/// `GET /v1/certs`: this region's certificates.
#[utoipa::path(get, path = "/v1/certs", operation_id = "getCertificates", security(), tag = "public",
    responses((status = 200, description = "The region's root and issuing certificates.", content_type = "application/pem-certificate-chain", body = String)))]
async fn certs(State(s): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/pem-certificate-chain")],
        s.certs_pem.as_str().to_owned(),
    )
}

async fn image_length_guard(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    length_guard(req, next, IMAGE_LIMIT).await
}

async fn tsa_length_guard(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    length_guard(req, next, crate::tsa::MAX_QUERY_BYTES).await
}

async fn document_length_guard(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    length_guard(req, next, DOCUMENT_LIMIT).await
}

/// JSON up to [`VALIDATE_JSON_LIMIT`]; a multipart form up to the document limit.
async fn validate_length_guard(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if streamed::is_multipart(req.headers()) {
        return length_guard(req, next, streamed::FORM_LIMIT as usize).await;
    }
    if pdf::is_pdf(req.headers()) {
        return length_guard(req, next, crate::pdf::MAX_PDF_BYTES).await;
    }
    if declared_length(&req).is_some_and(|n| n > VALIDATE_JSON_LIMIT) {
        return Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "JSON bodies of at most {VALIDATE_JSON_LIMIT} bytes are accepted here: send document_sha256, or the document as multipart/form-data (parts signature and document)"
            ),
        )
        .into_response();
    }
    next.run(req).await
}

fn declared_length(req: &axum::extract::Request) -> Option<usize> {
    req.headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
}

/// Every response on its way out: an error that is not yet problem details becomes one
/// ([`as_problem`]), and `Cache-Control: no-store` goes on every `/v1/` response that does
/// not set its own caching: wallets, credentials, presentations, verification reports carry
/// personal data. Public documents that may be cached (status lists, seal images) say so
/// themselves. One layer for both: each layer costs every request.
async fn finish_response(
    // Behind an `Arc`: the layer clones its state for every request, and a `Wallet` is a
    // dozen reference counts.
    State(events): State<Option<Arc<Wallet>>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let api = req.uri().path().starts_with("/v1/");
    // What a refusal's event needs, taken cheaply before the request moves on.
    let route = (api && events.is_some())
        .then(|| {
            req.extensions()
                .get::<axum::extract::MatchedPath>()
                .cloned()
        })
        .flatten()
        .map(|p| {
            (
                req.method().clone(),
                p,
                req.headers().get(header::AUTHORIZATION).cloned(),
            )
        });
    let mut resp = as_problem(next.run(req).await).await;
    if let Some((method, path, auth)) = route
        && let Some(wallet) = &events
        && resp.status().as_u16() >= 400
    {
        record_refusal(wallet, &method, path.as_str(), auth.as_ref(), resp.status());
    }
    if api && !resp.headers().contains_key(header::CACHE_CONTROL) {
        resp.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}

/// A refused (4xx) or failed (5xx) request of an API route, into the event log (a channel
/// send): its reason is the problem type (`forbidden`, `unprocessable-entity`, …), a small
/// fixed set; the actor the token's role and id when the token is known.
fn record_refusal(
    wallet: &Wallet,
    method: &axum::http::Method,
    route: &str,
    auth: Option<&HeaderValue>,
    status: StatusCode,
) {
    let actor = auth
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .and_then(|t| match wallet.authenticate(t) {
            Ok(crate::access::tokens::Authenticated::Valid(rec)) => {
                Some(crate::events::Actor::token(rec.role, &rec.id))
            }
            _ => None,
        })
        .unwrap_or_else(crate::events::Actor::public);
    let reason = problem::slug(status.canonical_reason().unwrap_or("error"));
    wallet.acting(actor).record(
        None,
        crate::events::What::Refused {
            route: format!("{method} {route}"),
            status: status.as_u16(),
            reason,
        },
    );
}

/// Refuses an oversized upload from its Content-Length, before reading a byte of it.
async fn length_guard(
    req: axum::extract::Request,
    next: axum::middleware::Next,
    limit: usize,
) -> Response {
    if declared_length(&req).is_some_and(|n| n > limit) {
        return Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("bodies of at most {limit} bytes are accepted here"),
        )
        .into_response();
    }
    next.run(req).await
}

/// Turns any error response that is not yet a problem (axum's own rejections, 405s)
/// into one, so clients meet a single error format.
async fn as_problem(resp: Response) -> Response {
    let status = resp.status();
    let is_problem = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == problem::CONTENT_TYPE.as_bytes());
    if status.as_u16() < 400 || is_problem {
        return resp;
    }
    // The rejection's own text, when it can be read; otherwise the status's reason.
    let mut detail = match to_bytes(resp.into_body(), 64 * 1024).await {
        Ok(body) => String::from_utf8_lossy(&body).trim().to_string(),
        Err(_) => String::new(),
    };
    if detail.is_empty() && status == StatusCode::SERVICE_UNAVAILABLE {
        detail = "the request was not answered within the request timeout".into();
    } else if detail.is_empty() {
        detail = status.canonical_reason().unwrap_or("error").to_string();
    }
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        detail = format!("{detail}: the body is larger than this endpoint accepts");
    }
    let mut p = Problem::new(status, detail);
    if status == StatusCode::SERVICE_UNAVAILABLE {
        p = p.with_retry_after(1);
    }
    p.into_response()
}
