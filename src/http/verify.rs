//! Public verification: a token, or a photo of a QR code.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use serde::Deserialize;

use super::extract::ApiJson;
use super::{AppState, Problem};
use crate::domain::RegionCode;
use crate::present::qr;
use crate::verify::{Report, StatusAnswer, StatusSource};
use crate::wallet::{CredentialStatus, Wallet};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    token: String,
}

/// The node's own wallet store answers for its region's credentials.
struct LocalStatus<'a>(&'a Wallet);

impl StatusSource for LocalStatus<'_> {
    fn status(&self, credential_id: &str, region: &RegionCode) -> StatusAnswer {
        if *region != self.0.keys.region {
            return StatusAnswer::Unknown(format!(
                "the status service of {} ({region}) is not reachable from this node",
                region.name()
            ));
        }
        match self.0.credential(credential_id) {
            Ok(Some(c)) if c.status == CredentialStatus::Valid => StatusAnswer::Valid,
            Ok(Some(_)) => StatusAnswer::Revoked("the issuing region has revoked it".into()),
            Ok(None) => {
                StatusAnswer::Unknown("the issuing region has no record of this credential".into())
            }
            Err(e) => StatusAnswer::Unknown(e.to_string()),
        }
    }
}

fn run(s: &AppState, token: &str) -> Report {
    s.verifier
        .verify(token, Utc::now(), Some(&LocalStatus(&s.wallet)))
}

/// `POST /v1/verify` `{"token"}` → 200 with the report, whatever the indication.
pub async fn verify_token(
    State(s): State<AppState>,
    ApiJson(req): ApiJson<VerifyRequest>,
) -> Json<Report> {
    Json(run(&s, &req.token))
}

/// `POST /v1/verify/image` with a PNG or JPEG body → 200 with the report.
pub async fn verify_image(State(s): State<AppState>, body: Bytes) -> Result<Json<Report>, Problem> {
    if body.is_empty() {
        return Err(Problem::field(
            StatusCode::UNPROCESSABLE_ENTITY,
            "body",
            "send the PNG or JPEG image as the request body",
        ));
    }
    let decoded = tokio::task::spawn_blocking(move || qr::decode_image(&body))
        .await
        .map_err(Problem::internal)?;
    let token = decoded
        .map_err(|e| Problem::field(StatusCode::UNPROCESSABLE_ENTITY, "body", e.to_string()))?;
    Ok(Json(run(&s, &token)))
}
