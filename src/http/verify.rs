//! Public verification: a token, or a photo of a QR code. Status comes from this node's
//! own records for its region, and from other regions' status lists (fetched, cached).

use axum::Json;
use axum::extract::{FromRequest, Request, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::extract::{ApiBytes, ApiJson};
use super::{AppState, Problem};
use crate::present::qr;
use crate::status::list_uri;
use crate::verify::{RemoteStatus, Report, StatusAnswer, StatusQuery, StatusSource, Verifier};
use crate::wallet::{CredentialStatus, Wallet};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    token: String,
}

/// How this node answers status questions.
struct NodeStatus<'a> {
    wallet: &'a Wallet,
    remote: &'a RemoteStatus,
    endpoints: Vec<(crate::domain::RegionCode, String)>,
}

impl NodeStatus<'_> {
    /// The status list URI for a query about another region, if the trust list allows it.
    fn remote_uri(&self, q: &StatusQuery) -> Result<(String, u32), String> {
        let entry = q
            .entry
            .as_ref()
            .ok_or("the credential names no status entry")?;
        let base = self
            .endpoints
            .iter()
            .find(|(r, _)| *r == q.region)
            .map(|(_, u)| u.as_str())
            .ok_or_else(|| format!("no status endpoint is known for {} ({}): this node has no trust list entry for it", q.region.name(), q.region))?;
        let uri = match (&entry.uri, entry.list) {
            (_, Some(list)) => list_uri(base, list),
            (Some(u), None) if u.starts_with(&format!("{}/", base.trim_end_matches('/'))) => {
                u.clone()
            }
            (Some(u), None) => {
                return Err(format!(
                    "status URI {u} is not under the endpoint the trust list gives for {}",
                    q.region
                ));
            }
            (None, None) => return Err("the credential names no status list".into()),
        };
        Ok((uri, entry.idx))
    }
}

impl StatusSource for NodeStatus<'_> {
    fn status(&self, q: &StatusQuery) -> StatusAnswer {
        if q.region != self.wallet.keys.region {
            return match self.remote_uri(q) {
                Ok((uri, idx)) => self.remote.lookup(&uri, idx),
                Err(why) => StatusAnswer::Unknown(why),
            };
        }
        match self.wallet.credential(&q.credential_id) {
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

/// Records what a verification would ask, so the lists can be fetched before the real run.
#[derive(Default)]
struct Recorder(std::sync::Mutex<Vec<StatusQuery>>);

impl StatusSource for Recorder {
    fn status(&self, q: &StatusQuery) -> StatusAnswer {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(q.clone());
        StatusAnswer::Unknown("not yet asked".into())
    }
}

/// Runs `f` with this node's status source, fetching other regions' lists first.
pub async fn with_status(
    s: &AppState,
    f: impl Fn(&Verifier, DateTime<Utc>, Option<&dyn StatusSource>) -> Report,
) -> Report {
    let verifier = s.verifier();
    let endpoints = s
        .trust_list
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .as_ref()
        .map(|t| {
            t.list
                .regions
                .iter()
                .map(|r| (r.code, r.status_endpoint.clone()))
                .collect()
        })
        .unwrap_or_default();
    let node = NodeStatus {
        wallet: &s.wallet,
        remote: &s.remote_status,
        endpoints,
    };
    let now = s.wallet.clock.now();
    let recorder = Recorder::default();
    f(&verifier, now, Some(&recorder));
    let queries = recorder.0.into_inner().unwrap_or_default();
    for q in queries.iter().filter(|q| q.region != s.wallet.keys.region) {
        if let Ok((uri, _)) = node.remote_uri(q)
            && let Err(why) = s.remote_status.prefetch(&uri, q.region, &verifier).await
        {
            tracing::warn!(%why, "status list not available");
        }
    }
    f(&verifier, now, Some(&node))
}

async fn run(s: &AppState, token: &str) -> Report {
    let mut report = with_status(s, |v, now, status| v.verify(token, now, status)).await;
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
    let report = run(&s, &req.token).await;
    super::invoices::count_online_check(&s, &report).await?;
    Ok(Json(report))
}

/// `POST /v1/verify/image` with a PNG or JPEG body → 200 with the report. At most
/// `--image-decodes` run at once (in the blocking pool); 8 times as many may wait.
pub async fn verify_image(
    State(s): State<AppState>,
    req: Request,
) -> Result<Json<Report>, Problem> {
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
    let report = run(&s, &token).await;
    super::invoices::count_online_check(&s, &report).await?;
    Ok(Json(report))
}

/// `GET /v1/trust-list`: the signed trust list this node uses.
pub async fn trust_list(State(s): State<AppState>) -> Result<impl IntoResponse, Problem> {
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
