//! Seals over HTTP: police filings, e-seal issuance, sealing and validating documents.

use axum::Json;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use serde::Deserialize;

use super::dto::{ESealIssued, ESealView, FilingView, SealSignature, SigningView, WalletSeals};
use super::openapi::{E400, E401, E403, E404, E408, E409, E413, E415, E422, E429, E500, E503};

use super::extract::{ApiBytes, ApiJson, Caller, path_uscc};
use super::streamed;
use super::{AppState, Problem, VerifyState};
use crate::access::AccessRole;
use crate::domain::Sha256Hex;
use crate::seal::filing::{self, FilingError, FilingRequest};
use crate::seal::sign::{self, sha256_hex};
use crate::seal::{eseal, eseal::IssueRequest};
use crate::verify::Report;

impl From<FilingError> for Problem {
    fn from(e: FilingError) -> Self {
        match e {
            FilingError::Rule { field, reason } => {
                Problem::field(StatusCode::UNPROCESSABLE_ENTITY, field, reason)
            }
            FilingError::Wallet(w) => w.into(),
        }
    }
}

/// `POST /v1/police/seal-filings` (police): file a seal template.
#[utoipa::path(post, path = "/v1/police/seal-filings", operation_id = "fileSeal", tag = "seals", security(("bearer" = [])),
    request_body(content = FilingRequest, example = super::examples::file_seal),
    responses((status = 201, body = FilingView, description = "The filing, signed by the police seal registry."), E400, E401, E403, E413, E415, E422, E500))]
pub async fn file(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<FilingRequest>,
) -> Result<(StatusCode, Json<FilingView>), Problem> {
    caller.require(&[AccessRole::Police, AccessRole::Admin])?;
    let f = filing::file(&caller.acting(&s.wallet), req).await?;
    tracing::info!(filing = %f.id, uscc = %f.uscc, seal_type = f.seal_type.as_str(), "seal filed");
    Ok((StatusCode::CREATED, Json(f.into())))
}

/// `GET /v1/seal-filings/{id}`: the filing, public so that anyone can compare seals.
#[utoipa::path(get, path = "/v1/seal-filings/{id}", operation_id = "getSealFiling", security(), tag = "seals", params(("id" = String, Path)),
    responses((status = 200, body = FilingView, description = "The filing, signed by the police seal registry."), E404, E500))]
pub async fn get_filing(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<FilingView>, Problem> {
    let f = filing::get(&s.wallet, &id)?
        .ok_or_else(|| Problem::not_found(format!("no seal filing {id:?}")))?;
    Ok(Json(f.into()))
}

/// `GET /v1/seal-filings/{id}/image.svg`: the canonical image; its SHA-256 is `image_sha256`.
#[utoipa::path(get, path = "/v1/seal-filings/{id}/image.svg", operation_id = "getSealFilingImage", security(), tag = "seals", params(("id" = String, Path)),
    responses((status = 200, description = "The canonical SVG.", content_type = "image/svg+xml; charset=utf-8", body = String), E404, E500))]
pub async fn filing_image(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, Problem> {
    let f = filing::get(&s.wallet, &id)?
        .ok_or_else(|| Problem::not_found(format!("no seal filing {id:?}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400, immutable"),
        ],
        f.template.render_svg(),
    ))
}

/// `POST /v1/wallets/{uscc}/seals` (authority): issue an e-seal from a police filing.
#[utoipa::path(post, path = "/v1/wallets/{uscc}/seals", operation_id = "issueSeal", tag = "seals", security(("bearer" = [])),
    params(("uscc" = String, Path)), request_body(content = IssueRequest, example = super::examples::issue_seal),
    responses((status = 201, body = ESealIssued, description = "The e-seal with its certificate, in the company's wallet."), E400, E401, E403, E404, E409, E413, E415, E422, E500))]
pub async fn issue(
    State(s): State<AppState>,
    caller: Caller,
    Path(uscc): Path<String>,
    ApiJson(req): ApiJson<IssueRequest>,
) -> Result<(StatusCode, Json<ESealIssued>), Problem> {
    caller.require(&[AccessRole::Authority, AccessRole::Admin])?;
    let uscc = path_uscc(&uscc)?;
    let (seal, cred) = eseal::issue(&caller.acting(&s.wallet), &uscc, req).await?;
    tracing::info!(%uscc, seal = %seal.id, "e-seal issued");
    Ok((
        StatusCode::CREATED,
        Json(ESealIssued {
            id: seal.id,
            credential_id: cred.id,
            certificate_pem: seal.certificate_pem,
            seal_type: seal.seal_type,
            seal_code: seal.seal_code,
            filing_id: seal.filing_id,
            image_sha256: seal.image_sha256,
            sd_jwt: cred.sd_jwt,
        }),
    ))
}

/// `GET /v1/wallets/{uscc}/seals` (the company or an authority).
#[utoipa::path(get, path = "/v1/wallets/{uscc}/seals", operation_id = "listWalletSeals", tag = "seals", security(("bearer" = [])),
    params(("uscc" = String, Path)),
    responses((status = 200, body = WalletSeals, description = "The company's e-seals, current and revoked."), E401, E403, E404, E422, E500))]
pub async fn list(
    State(s): State<AppState>,
    caller: Caller,
    Path(uscc): Path<String>,
) -> Result<Json<WalletSeals>, Problem> {
    let uscc = path_uscc(&uscc)?;
    caller.require_company(&uscc, true)?;
    s.wallet.registered_company(&uscc)?;
    let seals = eseal::seals(&s.wallet, &uscc)?;
    let signings = sign::signings(&s.wallet, &uscc)?;
    Ok(Json(WalletSeals {
        uscc,
        seals: seals.into_iter().map(ESealView::from).collect(),
        signings: signings.into_iter().map(SigningView::from).collect(),
    }))
}

/// `POST /v1/wallets/{uscc}/seals/{seal_id}/revocation` (authority): a lost or compromised seal.
#[utoipa::path(post, path = "/v1/wallets/{uscc}/seals/{seal_id}/revocation", operation_id = "revokeSeal", tag = "seals", security(("bearer" = [])),
    params(("uscc" = String, Path), ("seal_id" = String, Path)),
    responses((status = 200, body = ESealView, description = "The e-seal, now revoked."), E401, E403, E404, E409, E422, E500))]
pub async fn revoke(
    State(s): State<AppState>,
    caller: Caller,
    Path((uscc, seal_id)): Path<(String, String)>,
) -> Result<Json<ESealView>, Problem> {
    caller.require(&[AccessRole::Authority, AccessRole::Admin])?;
    let uscc = path_uscc(&uscc)?;
    let seal = eseal::revoke(&caller.acting(&s.wallet), &uscc, &seal_id).await?;
    Ok(Json(seal.into()))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct HashOnly {
    /// The document's SHA-256, 64 hexadecimal characters.
    #[schema(value_type = String, pattern = "^[0-9a-fA-F]{64}$")]
    sha256: Sha256Hex,
}

/// `POST /v1/wallets/{uscc}/seals/{seal_id}/sign` (the company): the document as the raw
/// body (any bytes, up to 32 MiB), or `{"sha256"}` with `Content-Type: application/json`.
#[utoipa::path(post, path = "/v1/wallets/{uscc}/seals/{seal_id}/sign", operation_id = "signDocument", tag = "seals", security(("bearer" = [])),
    params(("uscc" = String, Path), ("seal_id" = String, Path),
        ("level" = Option<String>, Query, description = "PDF only: the PAdES level, `B-T`, `B-LT` or `B-LTA` (default: the document timestamped over its validation data)."),
        ("page" = Option<u32>, Query, description = "PDF only: the page the seal goes on (1-based; default the last)."),
        ("x_mm" = Option<f64>, Query, description = "PDF only: the seal's centre, millimetres from the page's left edge (with y_mm)."),
        ("y_mm" = Option<f64>, Query, description = "PDF only: the seal's centre, millimetres from the page's top edge (with x_mm)."),
        ("position" = Option<String>, Query, description = "PDF only: `bottom-right` (the default), 15 mm in from the edges.")),
    request_body(content((HashOnly = "application/json", example = super::examples::sign_hash), (Vec<u8> = "application/octet-stream"), (Vec<u8> = "application/pdf"))),
    responses((status = 201, body = SealSignature, description = "The seal signature; for an application/pdf body, the sealed PDF (application/pdf)."), E401, E403, E404, E408, E409, E413, E422, E500))]
pub async fn sign_document(
    State(s): State<AppState>,
    caller: Caller,
    Path((uscc, seal_id)): Path<(String, String)>,
    headers: HeaderMap,
    query: axum::extract::RawQuery,
    ApiBytes(body): ApiBytes,
) -> Result<axum::response::Response, Problem> {
    let uscc = path_uscc(&uscc)?;
    caller.require_company(&uscc, false)?;
    if super::pdf::is_pdf(&headers) {
        return super::pdf::seal(
            &s,
            &caller.acting(&s.wallet),
            &uscc,
            &seal_id,
            query.0.as_deref(),
            &body,
        )
        .await;
    }
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let (digest, size) = if is_json {
        let h: HashOnly = serde_json::from_slice(&body)
            .map_err(|e| Problem::field(StatusCode::UNPROCESSABLE_ENTITY, "sha256", format!("send {{\"sha256\": \"<64 hex>\"}} or the document itself as application/octet-stream: {e}")))?;
        (h.sha256.to_string(), None)
    } else {
        if body.is_empty() {
            return Err(Problem::field(
                StatusCode::UNPROCESSABLE_ENTITY,
                "body",
                "the document is empty",
            ));
        }
        (sha256_hex(&body), Some(body.len()))
    };
    let sign::Sealing {
        compact,
        timestamped,
        record,
    } = sign::sign(&caller.acting(&s.wallet), &uscc, &seal_id, &digest).await?;
    Ok((
        StatusCode::CREATED,
        Json(SealSignature {
            signature: compact,
            timestamped_signature: timestamped,
            signing_id: record.id,
            seal_id: record.seal_id,
            document_sha256: record.doc_sha256,
            document_size: size,
            signed_at: record.signed_at,
        }),
    )
        .into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValidateRequest {
    #[serde(default)]
    document_base64: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, pattern = "^[0-9a-fA-F]{64}$")]
    document_sha256: Option<Sha256Hex>,
    signature: String,
}

/// `POST /v1/signatures/validate` → 200 with the report, whatever the indication.
/// JSON `{document_sha256 | document_base64, signature}` (at most
/// [`super::VALIDATE_JSON_LIMIT`] bytes), or `multipart/form-data` with the parts
/// `signature` and `document` (up to 32 MiB, hashed as it streams).
#[utoipa::path(post, path = "/v1/signatures/validate", operation_id = "validateSignatures", security(), tag = "verification",
    request_body(content((ValidateRequest = "application/json", example = super::examples::validate_signature), (Object = "multipart/form-data"))),
    params(super::openapi::AcceptLanguage),
    responses((status = 200, body = Report, description = "The validation report, whatever its indication.", headers(("Content-Language" = String, description = "The language of the reasons: `zh-CN` or `en`."))), E400, E408, E413, E415, E422, E429, E500, E503))]
pub async fn validate(
    State(s): State<VerifyState>,
    req: Request,
) -> Result<axum::response::Response, Problem> {
    let lang = super::localized::lang_of(req.headers());
    if super::pdf::is_pdf(req.headers()) {
        let reports = super::pdf::validate(&s, req).await?;
        return Ok(super::pdf::reports_response(&reports, lang));
    }
    let (signature, digest) = if streamed::is_multipart(req.headers()) {
        let form = streamed::read_signed_document(req).await?;
        (form.signature, form.sha256)
    } else {
        let _slot = s.validate_json.enter()?;
        let ApiJson(req) = ApiJson::<ValidateRequest>::from_request(req, &s).await?;
        let digest = json_digest(&req)?;
        (req.signature, digest)
    };
    let verifier = s.verifier();
    let report = s
        .online(&verifier, None)
        .validate_sealed(&signature, &digest)
        .await;
    Ok(super::localized::LocalizedReport(report, lang).into_response())
}

fn json_digest(req: &ValidateRequest) -> Result<String, Problem> {
    match (&req.document_base64, &req.document_sha256) {
        (Some(b), None) => {
            let bytes = crate::b64::decode_std(b).ok_or_else(|| {
                Problem::field(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "document_base64",
                    "not standard base64",
                )
            })?;
            Ok(sha256_hex(&bytes))
        }
        (None, Some(h)) => Ok(h.to_string()),
        _ => Err(Problem::field(
            StatusCode::UNPROCESSABLE_ENTITY,
            "document_base64",
            "give exactly one of document_base64 and document_sha256",
        )),
    }
}
