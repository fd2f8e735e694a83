//! Public verification: a token, or a photo of a QR code. The policy (where status comes
//! from, seal images, invoice check quotas) is `verify::Online`'s.

use axum::extract::{FromRef, FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use serde::Deserialize;

use super::extract::{ApiBytes, ApiJson};
use super::localized::{AcceptLanguage, LocalizedReport, lang_of};
use super::verification::CallerRegion;
use super::{Problem, VerifyState};
use crate::access::AccessRole;
use crate::access::tokens::Authenticated;
use crate::domain::RegionCode;
use crate::present::qr;
use crate::verify::{Challenge, CheckRefused, Lang};

/// The body of `POST /v1/verify`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    /// A QR presentation token, or an SD-JWT credential (it contains `~`), with or without
    /// a key-binding JWT after the last `~`.
    token: String,
    /// The nonce this verifier gave the holder: the key-binding JWT must answer it (an
    /// SD-JWT without one, or a QR presentation, then fails).
    #[serde(default)]
    nonce: Option<String>,
    /// This verifier's identifier: the key-binding JWT's `aud` must be it.
    #[serde(default)]
    aud: Option<String>,
}

/// The header in which a verifier elsewhere (a counter of another region using this node)
/// names its region, for the cross-region indicator; without it, this node's region.
pub const VERIFIER_REGION: &str = "x-verifier-region";

/// The verifying region the `X-Verifier-Region` header names, if any; 422 naming the
/// header when it is not a region code.
fn verifying_region(headers: &HeaderMap) -> Result<Option<RegionCode>, Problem> {
    match headers.get(VERIFIER_REGION) {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .ok()
            .and_then(|v| RegionCode::parse(v.trim()).ok())
            .map(Some)
            .ok_or_else(|| {
                Problem::field(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "X-Verifier-Region",
                    "a region code of six digits, e.g. 310000",
                )
            }),
    }
}

/// The caller's region, vouched for when the request also bears a valid partner token
/// (anyone can send the header; only a partner's is counted as a cross-region verification).
fn caller_region(s: &VerifyState, headers: &HeaderMap) -> Result<Option<CallerRegion>, Problem> {
    let Some(region) = verifying_region(headers)? else {
        return Ok(None);
    };
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let vouched = match (s.wallet(), token) {
        (Some(wallet), Some(token)) => matches!(
            wallet.authenticate(token).map_err(Problem::internal)?,
            Authenticated::Valid(ref t) if t.role == AccessRole::Partner
        ),
        _ => false,
    };
    Ok(Some(CallerRegion { region, vouched }))
}

/// The `X-Verifier-Region` header (and the partner token vouching for it) as an
/// extractor: read in place (a `HeaderMap` extractor would copy every header of every
/// verification).
pub struct VerifierRegion(Option<CallerRegion>);

impl<S: Send + Sync> FromRequestParts<S> for VerifierRegion
where
    VerifyState: FromRef<S>,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, s: &S) -> Result<Self, Problem> {
        caller_region(&VerifyState::from_ref(s), &parts.headers).map(VerifierRegion)
    }
}

async fn run(
    s: &VerifyState,
    token: &str,
    challenge: &Challenge,
    lang: Lang,
    region: Option<CallerRegion>,
) -> Result<LocalizedReport, Problem> {
    let verifier = s.verifier();
    match s.online(&verifier, region).verify(token, challenge).await {
        Ok(report) => Ok(LocalizedReport(report, lang)),
        Err(e @ CheckRefused::Limit { retry_after, .. }) => {
            let mut p = Problem::new(StatusCode::TOO_MANY_REQUESTS, e.to_string());
            p.retry_after = Some(retry_after);
            Err(p)
        }
        Err(CheckRefused::Store(e)) => Err(Problem::internal(e)),
    }
}

/// `POST /v1/verify` `{"token", "nonce"?, "aud"?}` → 200 with the report, whatever the
/// indication.
pub async fn verify_token(
    State(s): State<VerifyState>,
    AcceptLanguage(lang): AcceptLanguage,
    VerifierRegion(region): VerifierRegion,
    ApiJson(req): ApiJson<VerifyRequest>,
) -> Result<LocalizedReport, Problem> {
    let challenge = Challenge {
        nonce: req.nonce,
        aud: req.aud,
    };
    run(&s, &req.token, &challenge, lang, region).await
}

/// `POST /v1/verify/image` with a PNG or JPEG body → 200 with the report. At most
/// `--image-decodes` run at once (in the blocking pool); 8 times as many may wait.
pub async fn verify_image(
    State(s): State<VerifyState>,
    req: Request,
) -> Result<LocalizedReport, Problem> {
    let lang = lang_of(req.headers());
    let region = caller_region(&s, req.headers())?;
    let _waiting = s.image_gate.enter()?;
    let ApiBytes(body) = ApiBytes::from_request(req, &s).await?;
    if body.is_empty() {
        return Err(Problem::field(
            StatusCode::UNPROCESSABLE_ENTITY,
            "body",
            "send the PNG or JPEG image as the request body",
        ));
    }
    let slot = s.image_gate.decode_slot().await?;
    let decoded = tokio::task::spawn_blocking(move || {
        let _slot = slot;
        qr::decode_image(&body)
    })
    .await
    .map_err(Problem::internal)?;
    let token = decoded.map_err(|e| {
        let status = match e {
            qr::QrError::TooLarge(..) => StatusCode::PAYLOAD_TOO_LARGE,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        };
        Problem::field(status, "body", e.to_string())
    })?;
    run(&s, &token, &Challenge::default(), lang, region).await
}

/// `GET /v1/trust-list`: the signed trust list this node uses.
pub async fn trust_list(State(s): State<VerifyState>) -> Result<impl IntoResponse, Problem> {
    let token = s
        .trust_list
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .as_ref()
        .map(|t| t.token.clone())
        .ok_or_else(|| {
            Problem::not_found("this node runs without a trust list (start it with --trust-list)")
        })?;
    Ok(([(header::CONTENT_TYPE, "application/jwt")], token))
}
