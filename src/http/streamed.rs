//! `multipart/form-data` with a `signature` and a `document` part: the document is hashed
//! (SHA-256) as its chunks arrive, never held whole.

use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode, header};
use multer::{Constraints, Multipart, SizeLimit};

use super::Problem;
use super::extract::body_problem;
use crate::seal::sign::MAX_DOCUMENT_BYTES;

/// The `signature` part (a compact JWS with its certificate chain) is small.
pub const SIGNATURE_LIMIT: u64 = 64 * 1024;
/// The whole form: the document, the signature and the part headers.
pub const FORM_LIMIT: u64 = MAX_DOCUMENT_BYTES as u64 + SIGNATURE_LIMIT + 16 * 1024;

pub struct SignedDocument {
    pub signature: String,
    pub sha256: String,
}

pub fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"))
}

/// Reads the form: `signature` (text) and `document` (any bytes, at most 32 MiB).
pub async fn read_signed_document(req: Request) -> Result<SignedDocument, Problem> {
    let boundary = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| multer::parse_boundary(v).ok())
        .ok_or_else(|| {
            Problem::field(
                StatusCode::BAD_REQUEST,
                "Content-Type",
                "multipart/form-data needs a boundary parameter",
            )
        })?;
    let limits = SizeLimit::new()
        .whole_stream(FORM_LIMIT)
        .for_field("signature", SIGNATURE_LIMIT)
        .for_field("document", MAX_DOCUMENT_BYTES as u64);
    let constraints = Constraints::new()
        .allowed_fields(vec!["signature", "document"])
        .size_limit(limits);
    let mut form =
        Multipart::with_constraints(req.into_body().into_data_stream(), boundary, constraints);
    let (mut signature, mut digest) = (None, None);
    while let Some(mut part) = form.next_field().await.map_err(form_problem)? {
        let Some(name) = part.name().map(str::to_string) else {
            return Err(Problem::field(
                StatusCode::UNPROCESSABLE_ENTITY,
                "body",
                "a form part has no name (expected \"signature\" and \"document\")",
            ));
        };
        let seen = match name.as_str() {
            "signature" => signature.is_some(),
            _ => digest.is_some(),
        };
        if seen {
            return Err(Problem::field(
                StatusCode::UNPROCESSABLE_ENTITY,
                name,
                "given more than once",
            ));
        }
        if name == "signature" {
            let text = part.text().await.map_err(form_problem)?;
            signature = Some(text.trim().to_string());
            continue;
        }
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
        let mut size = 0u64;
        while let Some(chunk) = part.chunk().await.map_err(form_problem)? {
            size += chunk.len() as u64;
            ctx.update(&chunk);
        }
        digest = Some((hex::encode(ctx.finish()), size));
    }
    let signature = signature.ok_or_else(|| missing("signature"))?;
    let (sha256, size) = digest.ok_or_else(|| missing("document"))?;
    if size == 0 {
        return Err(Problem::field(
            StatusCode::UNPROCESSABLE_ENTITY,
            "document",
            "the document is empty",
        ));
    }
    tracing::debug!(size, "document hashed as it streamed");
    Ok(SignedDocument { signature, sha256 })
}

fn missing(part: &str) -> Problem {
    Problem::field(
        StatusCode::UNPROCESSABLE_ENTITY,
        part,
        "missing: send the parts signature and document",
    )
}

fn form_problem(e: multer::Error) -> Problem {
    use multer::Error as E;
    match e {
        E::FieldSizeExceeded { limit, field_name } => Problem::field(
            StatusCode::PAYLOAD_TOO_LARGE,
            field_name.unwrap_or_else(|| "document".into()),
            format!("larger than {limit} bytes"),
        ),
        E::StreamSizeExceeded { limit } => Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the form is larger than {limit} bytes"),
        ),
        E::UnknownField { field_name } => Problem::field(
            StatusCode::UNPROCESSABLE_ENTITY,
            field_name.unwrap_or_else(|| "form".into()),
            "not a part of this form: send only signature and document",
        ),
        E::StreamReadFailed(inner) => {
            body_problem(StatusCode::BAD_REQUEST, &*inner, inner.to_string())
        }
        other => Problem::field(
            StatusCode::BAD_REQUEST,
            "body",
            format!("not a readable multipart/form-data body: {other}"),
        ),
    }
}
