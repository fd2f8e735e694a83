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
pub struct LocalStatus<'a>(pub &'a Wallet);

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
            Ok(Some(c)) => StatusAnswer::Revoked {
                reason: "the issuing region has revoked it".into(),
                at: c.revoked_at,
            },
            Ok(None) => {
                StatusAnswer::Unknown("the issuing region has no record of this credential".into())
            }
            Err(e) => StatusAnswer::Unknown(e.to_string()),
        }
    }
}

fn run(s: &AppState, token: &str) -> Report {
    let mut report = s
        .verifier
        .verify(token, Utc::now(), Some(&LocalStatus(&s.wallet)));
    add_seal_image(s, &mut report);
    report
}

/// For a seal presentation, shows the filed seal image when this node holds the filing,
/// so the clerk can compare it with the paper seal.
fn add_seal_image(s: &AppState, report: &mut Report) {
    let Some(summary) = report.summary.as_mut() else {
        return;
    };
    let Some(fid) = summary
        .details
        .get("fid")
        .and_then(|v| v.as_str())
        .map(String::from)
    else {
        return;
    };
    if let Ok(Some(f)) = crate::seal::filing::get(&s.wallet, &fid) {
        summary
            .details
            .insert("seal_type_name".into(), f.seal_type.name_zh().into());
        summary
            .details
            .insert("seal_image_svg".into(), f.template.render_svg().into());
        summary.details.insert(
            "seal_image_url".into(),
            format!("/v1/seal-filings/{fid}/image.svg").into(),
        );
        summary
            .details
            .insert("police_filing_id".into(), fid.into());
        summary
            .details
            .insert("image_sha256".into(), f.image_sha256.into());
    }
}

/// `POST /v1/verify` `{"token"}` → 200 with the report, whatever the indication.
pub async fn verify_token(
    State(s): State<AppState>,
    ApiJson(req): ApiJson<VerifyRequest>,
) -> Result<Json<Report>, Problem> {
    let report = run(&s, &req.token);
    super::invoices::count_online_check(&s, &report)?;
    Ok(Json(report))
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
    let report = run(&s, &token);
    super::invoices::count_online_check(&s, &report)?;
    Ok(Json(report))
}
