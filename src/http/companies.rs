//! Registration, change and deregistration.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::extract::{ApiJson, Caller, path_uscc};
use super::{AppState, Problem};
use crate::access::AccessRole;
use crate::domain::{CompanyRecord, CompanyRequest};
use crate::wallet::ChangeRequest;

/// `POST /v1/companies` (authority or admin): register and issue the licence in one call.
pub async fn register(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<CompanyRequest>,
) -> Result<(StatusCode, Json<Value>), Problem> {
    caller.require(&[AccessRole::Authority, AccessRole::Admin])?;
    let received = s.wallet.clock.now();
    let record = CompanyRecord::parse(&req, s.wallet.clock.now().date_naive())?;
    let warnings: Vec<String> = record
        .uscc
        .organisation_code_warning()
        .into_iter()
        .collect();
    let uscc = record.uscc.clone();
    let done = s.wallet.register(record).await?;
    for c in &done.credentials {
        let region = &s.wallet.keys.region;
        s.metrics
            .issued(region, c.kind, "companies", received, s.wallet.clock.now());
    }
    tracing::info!(%uscc, "company registered, licence issued");
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "uscc": uscc,
            "wallet_token": done.wallet_token,
            "credentials": done.credentials.iter().map(|c| json!({"id": c.id, "type": c.kind})).collect::<Vec<_>>(),
            "warnings": warnings,
        })),
    ))
}

/// `POST /v1/companies/{uscc}/changes` (authority): 变更, a new licence version.
pub async fn change(
    State(s): State<AppState>,
    caller: Caller,
    Path(uscc): Path<String>,
    ApiJson(req): ApiJson<ChangeRequest>,
) -> Result<(StatusCode, Json<Value>), Problem> {
    caller.require(&[AccessRole::Authority, AccessRole::Admin])?;
    let uscc = path_uscc(&uscc)?;
    let changed = s.wallet.change(&uscc, req).await?;
    tracing::info!(%uscc, version = changed.version, "company changed, new licence issued");
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "uscc": uscc,
            "version": changed.version,
            "credentials": [{"id": changed.licence.id, "type": changed.licence.kind}],
            "revoked": changed.revoked,
        })),
    ))
}

/// `POST /v1/companies/{uscc}/deregistration` (authority): 注销.
pub async fn deregister(
    State(s): State<AppState>,
    caller: Caller,
    Path(uscc): Path<String>,
) -> Result<Json<Value>, Problem> {
    caller.require(&[AccessRole::Authority, AccessRole::Admin])?;
    let uscc = path_uscc(&uscc)?;
    let revoked = s.wallet.deregister(&uscc).await?;
    tracing::info!(%uscc, revoked = revoked.len(), "company deregistered");
    Ok(Json(
        json!({ "uscc": uscc, "company_status": "deregistered", "revoked": revoked }),
    ))
}
