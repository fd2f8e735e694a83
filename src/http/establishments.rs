//! The start-up bundle over HTTP, and the metrics it feeds.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;

use super::dto::{
    BundleFiling, BundleSealIssued, Established, EstablishmentView, IssuedCredential,
};
use super::openapi::{E400, E401, E403, E404, E409, E413, E415, E422, E500};

use super::extract::{ApiJson, Caller, path_uscc};
use super::{AppState, Problem};
use crate::access::AccessRole;
use crate::establish::{self, EstablishmentRequest};

/// `POST /v1/establishments` (authority): licence, seals and invoicing rights in one call.
#[utoipa::path(post, path = "/v1/establishments", operation_id = "establishCompany", tag = "establishments", security(("bearer" = [])),
    request_body(content = EstablishmentRequest, example = super::examples::establish_company),
    responses((status = 201, body = Established, description = "The whole bundle: licence, seal filings and e-seals, invoicing rights, and the wallet token (shown once)."), E400, E401, E403, E409, E413, E415, E422, E500))]
pub async fn establish(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<EstablishmentRequest>,
) -> Result<(StatusCode, Json<Established>), Problem> {
    caller.require(&[AccessRole::Authority, AccessRole::Admin])?;
    let received = s.wallet.clock.now();
    // The metrics count the bundle from its events (issued), or from the refusal.
    let done = establish::establish(&caller.acting(&s.wallet), req, received).await?;
    let delivered = s.wallet.clock.now();
    tracing::info!(
        uscc = %done.record.uscc,
        credentials = done.credentials.len(),
        ms = (delivered - received).num_milliseconds(),
        "start-up bundle issued"
    );
    Ok((StatusCode::CREATED, Json(established(done, delivered))))
}

/// `GET /v1/establishments/{uscc}` (the company, an authority): when the application came and
/// when each credential was issued.
#[utoipa::path(get, path = "/v1/establishments/{uscc}", operation_id = "getEstablishment", tag = "establishments", security(("bearer" = [])),
    params(("uscc" = String, Path)),
    responses((status = 200, body = EstablishmentView, description = "When the application arrived and when each credential was issued."), E401, E403, E404, E422, E500))]
pub async fn get(
    State(s): State<AppState>,
    caller: Caller,
    Path(uscc): Path<String>,
) -> Result<Json<EstablishmentView>, Problem> {
    let uscc = path_uscc(&uscc)?;
    caller.require_company(&uscc, true)?;
    let rec = establish::get(&s.wallet, &uscc)?.ok_or_else(|| {
        Problem::not_found(format!(
            "company {uscc} was not set up through a bundle here"
        ))
    })?;
    Ok(Json(rec.into()))
}

/// `GET /v1/metrics`: OpenMetrics text (Prometheus reads it).
#[utoipa::path(get, path = "/v1/metrics", operation_id = "getMetrics", security(), tag = "public",
    responses((status = 200, description = "OpenMetrics text.", content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8", body = String),
        E500))]
pub async fn metrics(State(s): State<AppState>) -> Result<impl IntoResponse, Problem> {
    let text = s.metrics.render().map_err(Problem::internal)?;
    Ok(([(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)], text))
}

fn established(
    done: establish::Established,
    delivered: chrono::DateTime<chrono::Utc>,
) -> Established {
    Established {
        uscc: done.record.uscc,
        wallet_token: done.wallet_token,
        credentials: done
            .credentials
            .iter()
            .map(|c| IssuedCredential {
                id: c.id.clone(),
                kind: c.kind,
                issued_at: c.issued_at,
            })
            .collect(),
        filings: done
            .filings
            .into_iter()
            .map(|f| BundleFiling {
                id: f.id,
                seal_type: f.seal_type,
                seal_code: f.template.seal_code,
            })
            .collect(),
        seals: done
            .seals
            .into_iter()
            .map(|e| BundleSealIssued {
                id: e.id,
                credential_id: e.credential_id,
                seal_type: e.seal_type,
                filing_id: e.filing_id,
            })
            .collect(),
        received_at: done.record.received_at,
        delivered_at: delivered,
        warnings: done.warnings,
    }
}
