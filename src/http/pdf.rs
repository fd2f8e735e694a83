//! PDF bodies on the sign and validate routes (`Content-Type: application/pdf`).

use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::openapi::{E413, E415, E422, E429, E500, E503};
use super::{AppState, Problem, VerifyState};
use crate::domain::Uscc;
use crate::pdf::service::{Level, NationalRevinfo, SealPdfError, extend_pdf, seal_pdf};
use crate::pdf::update::Position;
use crate::pdf::{MAX_PDF_BYTES, PdfError};
use crate::verify::Report;

pub fn is_pdf(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().to_ascii_lowercase().starts_with("application/pdf"))
}

impl From<PdfError> for Problem {
    fn from(e: PdfError) -> Self {
        let status = match e {
            PdfError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            // The seal's key or the region's TSA failed: not the client's PDF.
            PdfError::Sign(_) => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        };
        let field = match e {
            PdfError::NoSuchPage { .. } => "page",
            PdfError::Position(_) => "position",
            _ => "body",
        };
        Problem::field(status, field, e.to_string())
    }
}

impl From<SealPdfError> for Problem {
    fn from(e: SealPdfError) -> Self {
        match e {
            SealPdfError::Pdf(p) => p.into(),
            SealPdfError::Wallet(w) => w.into(),
        }
    }
}

/// `?level=B-T|B-LT|B-LTA` (default B-LTA).
fn level(query: Option<&str>) -> Result<Level, Problem> {
    match form_urlencoded::parse(query.unwrap_or("").as_bytes()).find(|(k, _)| k == "level") {
        None => Ok(Level::default()),
        Some((_, v)) => v
            .parse()
            .map_err(|e: String| Problem::field(StatusCode::UNPROCESSABLE_ENTITY, "level", e)),
    }
}

/// `?page=N&x_mm=..&y_mm=..` (the seal's centre from the page's left and top edges), or
/// `?position=bottom-right[&page=N]`; default bottom right of the last page.
fn position(query: Option<&str>) -> Result<Position, Problem> {
    let bad = |f: &str, r: String| Problem::field(StatusCode::UNPROCESSABLE_ENTITY, f, r);
    let (mut page, mut x, mut y, mut named) = (None, None, None, None);
    for (k, v) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        let num = |f: &str| {
            v.parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .ok_or_else(|| bad(f, format!("{f} must be a number, not {v:?}")))
        };
        match k.as_ref() {
            "page" => {
                page = Some(
                    v.parse::<u32>()
                        .ok()
                        .filter(|p| *p >= 1)
                        .ok_or_else(|| bad("page", format!("page must be 1 or more, not {v:?}")))?,
                )
            }
            "x_mm" => x = Some(num("x_mm")?),
            "y_mm" => y = Some(num("y_mm")?),
            "position" => named = Some(v.to_string()),
            _ => {}
        }
    }
    match (named.as_deref(), x, y) {
        (None | Some("bottom-right"), None, None) => Ok(Position::BottomRight { page }),
        (None, Some(x_mm), Some(y_mm)) => Ok(Position::At {
            page: page.unwrap_or(1),
            x_mm,
            y_mm,
        }),
        (Some(p), None, None) => Err(bad(
            "position",
            format!("unknown position {p:?}: use bottom-right, or x_mm and y_mm"),
        )),
        _ => Err(bad(
            "position",
            "give both x_mm and y_mm, or position, not both".into(),
        )),
    }
}

pub async fn seal(
    s: &AppState,
    wallet: &crate::wallet::Wallet,
    uscc: &Uscc,
    seal_id: &str,
    query: Option<&str>,
    body: &[u8],
) -> Result<Response, Problem> {
    let at = position(query)?;
    let level = level(query)?;
    if body.len() > MAX_PDF_BYTES {
        return Err(PdfError::TooLarge {
            size: body.len(),
            limit: MAX_PDF_BYTES,
        }
        .into());
    }
    let national = national(s);
    let (sealed, record) = seal_pdf(wallet, uscc, seal_id, body, at, level, &national).await?;
    tracing::info!(%uscc, seal = %record.seal_id, signing = %record.id, "PDF sealed");
    Ok((
        StatusCode::CREATED,
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::HeaderName::from_static("x-signing-id"),
                record.id.clone(),
            ),
        ],
        sealed,
    )
        .into_response())
}

/// The national roots this node trusts and its copy of the root's CRL.
fn national(s: &AppState) -> NationalRevinfo {
    NationalRevinfo {
        roots: s
            .verifier()
            .trust
            .roots()
            .iter()
            .map(|r| r.der.clone())
            .collect(),
        root_crl: root_crl_der(&s.root_crl),
    }
}

/// `POST /v1/pdf/extend` (anyone; rate-limited): the signed PDF back with fresh validation
/// data in its DSS and an archive timestamp by this region's TSA (PAdES B-LTA). Nothing
/// signed changes; every signature validates as before.
#[utoipa::path(post, path = "/v1/pdf/extend", operation_id = "extendPdf", security(), tag = "seals",
    request_body(content((Vec<u8> = "application/pdf")), description = "A signed PDF (at most 20 MiB)."),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>, description = "The PDF with a new DSS update and a document timestamp."), E413, E415, E422, E429, E500, E503))]
pub async fn extend(
    axum::extract::State(s): axum::extract::State<AppState>,
    req: Request,
) -> Result<Response, Problem> {
    if !is_pdf(req.headers()) {
        return Err(Problem::field(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "content-type",
            "send the PDF itself with Content-Type: application/pdf",
        ));
    }
    let (body, _slot) = gated_body(&s.verification.pdf_gate, req).await?;
    let national = national(&s);
    let state = s.clone();
    let extended = tokio::task::spawn_blocking(move || extend_pdf(&state.wallet, &body, &national))
        .await
        .map_err(Problem::internal)??;
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/pdf")],
        extended,
    )
        .into_response())
}

/// A place in `gate`'s queue (503 when full, before the body is read), the PDF body (at most
/// [`MAX_PDF_BYTES`]), then a work slot: the body and the slot to hold while working on it.
async fn gated_body(
    gate: &super::limits::ImageGate,
    req: Request,
) -> Result<(axum::body::Bytes, tokio::sync::OwnedSemaphorePermit), Problem> {
    let _place = gate.enter()?;
    let body = axum::body::to_bytes(req.into_body(), MAX_PDF_BYTES)
        .await
        .map_err(|_| {
            Problem::from(PdfError::TooLarge {
                size: MAX_PDF_BYTES + 1,
                limit: MAX_PDF_BYTES,
            })
        })?;
    Ok((body, gate.decode_slot().await?))
}

/// The node's copy of the root's CRL (PEM file) as DER; `None` (logged) when it has none.
fn root_crl_der(path: &std::path::Path) -> Option<Vec<u8>> {
    let read = std::fs::read_to_string(path)
        .map_err(|e| e.to_string())
        .and_then(|t| pem::parse(t).map_err(|e| e.to_string()));
    match read {
        Ok(p) => Some(p.into_contents()),
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "no root CRL for the DSS of a sealed PDF");
            None
        }
    }
}

/// Reads the PDF body (at most [`MAX_PDF_BYTES`]) and validates every signature in it, on a
/// blocking thread behind the PDF gate (503 when its queue is full, before the body is read).
pub async fn validate(s: &VerifyState, req: Request) -> Result<Vec<Report>, Problem> {
    let (body, _slot) = gated_body(&s.pdf_gate, req).await?;
    let verifier = s.verifier();
    let now = s.clock.now();
    let wallet = s.wallet().cloned();
    tokio::task::spawn_blocking(move || {
        crate::pdf::validate::validate_at(&body, &verifier, now, wallet.as_ref())
    })
    .await
    .map_err(Problem::internal)
}

/// `{"signatures": [report, ...]}` with the reasons in `lang`.
pub fn reports_response(reports: &[Report], lang: crate::verify::Lang) -> Response {
    let list: Vec<_> = reports.iter().map(|r| r.localized(lang)).collect();
    let mut resp = axum::Json(serde_json::json!({ "signatures": list })).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_LANGUAGE,
        header::HeaderValue::from_static(lang.tag()),
    );
    h.append(
        header::VARY,
        header::HeaderValue::from_static("accept-language"),
    );
    resp
}
