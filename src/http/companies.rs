//! Registration, change and deregistration.

use super::dto::{CompanyChanged, CompanyDeregistered, CompanyRegistered, CredentialRef};
use super::openapi::{E400, E401, E403, E404, E409, E413, E415, E422, E500};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use super::extract::{ApiJson, Caller, path_uscc};
use super::{AppState, Problem};
use crate::access::AccessRole;
use crate::domain::{CompanyRecord, CompanyRequest};
use crate::wallet::ChangeRequest;

/// `POST /v1/companies` (authority or admin): register and issue the licence in one call.
#[utoipa::path(post, path = "/v1/companies", operation_id = "registerCompany", tag = "companies", security(("bearer" = [])),
    request_body(content = CompanyRequest, example = super::examples::register_company),
    responses((status = 201, body = CompanyRegistered, description = "Registered: the licence credential, issued into the new wallet, and the wallet token (shown once)."), E400, E401, E403, E409, E413, E415, E422, E500))]
pub async fn register(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<CompanyRequest>,
) -> Result<(StatusCode, Json<CompanyRegistered>), Problem> {
    caller.require(&[AccessRole::Authority, AccessRole::Admin])?;
    let record = CompanyRecord::parse(&req, s.wallet.clock.now().date_naive())?;
    let warnings: Vec<String> = record
        .uscc
        .organisation_code_warning()
        .into_iter()
        .collect();
    let uscc = record.uscc.clone();
    let done = caller.acting(&s.wallet).register(record).await?;
    tracing::info!(%uscc, "company registered, licence issued");
    Ok((
        StatusCode::CREATED,
        Json(CompanyRegistered {
            uscc,
            wallet_token: done.wallet_token,
            credentials: done.credentials.iter().map(CredentialRef::from).collect(),
            warnings,
        }),
    ))
}

/// `POST /v1/companies/{uscc}/changes` (authority): 变更, a new licence version.
#[utoipa::path(post, path = "/v1/companies/{uscc}/changes", operation_id = "changeCompany", tag = "companies", security(("bearer" = [])),
    params(("uscc" = String, Path)), request_body(content = ChangeRequest, example = super::examples::change_company),
    responses((status = 201, body = CompanyChanged, description = "The new licence version; the previous licence is revoked."), E400, E401, E403, E404, E409, E413, E415, E422, E500))]
pub async fn change(
    State(s): State<AppState>,
    caller: Caller,
    Path(uscc): Path<String>,
    ApiJson(req): ApiJson<ChangeRequest>,
) -> Result<(StatusCode, Json<CompanyChanged>), Problem> {
    caller.require(&[AccessRole::Authority, AccessRole::Admin])?;
    let uscc = path_uscc(&uscc)?;
    let changed = caller.acting(&s.wallet).change(&uscc, req).await?;
    tracing::info!(%uscc, version = changed.version, "company changed, new licence issued");
    Ok((
        StatusCode::CREATED,
        Json(CompanyChanged {
            uscc,
            version: changed.version,
            credentials: vec![CredentialRef::from(&changed.licence)],
            revoked: changed.revoked,
        }),
    ))
}

/// `POST /v1/companies/{uscc}/deregistration` (authority): 注销.
#[utoipa::path(post, path = "/v1/companies/{uscc}/deregistration", operation_id = "deregisterCompany", tag = "companies", security(("bearer" = [])),
    params(("uscc" = String, Path)),
    responses((status = 200, body = CompanyDeregistered, description = "Deregistered: the licence and the e-seals are revoked."), E401, E403, E404, E409, E422, E500))]
pub async fn deregister(
    State(s): State<AppState>,
    caller: Caller,
    Path(uscc): Path<String>,
) -> Result<Json<CompanyDeregistered>, Problem> {
    caller.require(&[AccessRole::Authority, AccessRole::Admin])?;
    let uscc = path_uscc(&uscc)?;
    let revoked = crate::deregister::deregister(&caller.acting(&s.wallet), &uscc).await?;
    tracing::info!(%uscc, revoked = revoked.len(), "company deregistered");
    Ok(Json(CompanyDeregistered {
        uscc,
        company_status: crate::wallet::CompanyStatus::Deregistered,
        revoked,
    }))
}
