//! Tokens: role tokens created, listed and revoked by the admin; a company's wallet token
//! rotated. The token itself is shown once, at creation; listings never show it.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::Duration;
use serde::Deserialize;

use super::dto::{TokenCreated, TokenInfo, TokenList, WalletTokenRotated};
use super::openapi::{E400, E401, E403, E404, E409, E413, E415, E422, E500};

use super::extract::{ApiJson, Caller, path_uscc};
use super::{AppState, Problem};
use crate::access::{AccessRole, DEFAULT_TTL_DAYS, GrantableRole, MAX_TTL_DAYS};

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// `authority`, `police`, `tax` or `partner`.
    #[schema(value_type = String, pattern = "^(authority|police|tax|partner)$")]
    role: GrantableRole,
    #[serde(default)]
    label: Option<String>,
    /// Validity in days (default 90, at most 365).
    #[serde(default)]
    ttl_days: Option<i64>,
    /// Validity in seconds, for short-lived tokens (scripts, tests); instead of `ttl_days`.
    #[serde(default)]
    ttl_s: Option<i64>,
}

fn unprocessable(field: &str, reason: impl Into<String>) -> Problem {
    Problem::field(StatusCode::UNPROCESSABLE_ENTITY, field, reason)
}

impl TokenRequest {
    fn ttl(&self) -> Result<Duration, Problem> {
        let max_s = MAX_TTL_DAYS * 86_400;
        match (self.ttl_days, self.ttl_s) {
            (Some(_), Some(_)) => Err(unprocessable("ttl_s", "give ttl_days or ttl_s, not both")),
            (Some(d), None) if !(1..=MAX_TTL_DAYS).contains(&d) => Err(unprocessable(
                "ttl_days",
                format!("must be from 1 to {MAX_TTL_DAYS}"),
            )),
            (Some(d), None) => Ok(Duration::days(d)),
            (None, Some(s)) if !(1..=max_s).contains(&s) => {
                Err(unprocessable("ttl_s", format!("must be from 1 to {max_s}")))
            }
            (None, Some(s)) => Ok(Duration::seconds(s)),
            (None, None) => Ok(Duration::days(DEFAULT_TTL_DAYS)),
        }
    }
}

/// `POST /v1/tokens` (admin): a token for an authority, police, tax or partner client.
#[utoipa::path(post, path = "/v1/tokens", operation_id = "createToken", tag = "tokens", security(("bearer" = [])),
    request_body(content = TokenRequest, example = super::examples::create_token),
    responses((status = 201, body = TokenCreated, description = "The token (shown once) and its record."), E400, E401, E403, E413, E415, E422, E500))]
pub async fn create(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<TokenRequest>,
) -> Result<(StatusCode, Json<TokenCreated>), Problem> {
    caller.require(&[AccessRole::Admin])?;
    let role = req.role.role();
    if req.label.as_ref().is_some_and(|l| l.chars().count() > 100) {
        return Err(unprocessable("label", "at most 100 characters"));
    }
    let ttl = req.ttl()?;
    let (token, rec) = s.wallet.create_token(role, req.label, ttl).await?;
    tracing::info!(id = %rec.id, role = ?rec.role, "token created");
    Ok((
        StatusCode::CREATED,
        Json(TokenCreated {
            token,
            id: rec.id,
            role: rec.role,
            label: rec.label,
            created_at: rec.created_at,
            expires_at: rec.expires_at,
        }),
    ))
}

/// `GET /v1/tokens` (admin): every token record, oldest first.
#[utoipa::path(get, path = "/v1/tokens", operation_id = "listTokens", tag = "tokens", security(("bearer" = [])),
    responses((status = 200, body = TokenList, description = "Every token record, oldest first; no secrets."), E401, E403, E500))]
pub async fn list(State(s): State<AppState>, caller: Caller) -> Result<Json<TokenList>, Problem> {
    caller.require(&[AccessRole::Admin])?;
    let all =
        crate::access::tokens::list(s.wallet.store()).map_err(crate::wallet::WalletError::from)?;
    Ok(Json(TokenList {
        tokens: all.iter().map(TokenInfo::from).collect(),
    }))
}

/// `DELETE /v1/tokens/{id}` (admin): revoked at once; 200 with the record.
#[utoipa::path(delete, path = "/v1/tokens/{id}", operation_id = "revokeToken", tag = "tokens", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = TokenInfo, description = "The token's record, now revoked."), E401, E403, E404, E409, E500))]
pub async fn revoke(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<TokenInfo>, Problem> {
    caller.require(&[AccessRole::Admin])?;
    let rec = s.wallet.revoke_token(&id).await?;
    tracing::info!(id = %rec.id, "token revoked");
    Ok(Json(TokenInfo::from(&rec)))
}

/// `POST /v1/wallets/{uscc}/token` (the company, an authority or admin): a new wallet
/// token; the old one stops working at once.
#[utoipa::path(post, path = "/v1/wallets/{uscc}/token", operation_id = "rotateWalletToken", tag = "tokens", security(("bearer" = [])),
    params(("uscc" = String, Path)),
    responses((status = 201, body = WalletTokenRotated, description = "The new wallet token (shown once)."), E401, E403, E404, E422, E500))]
pub async fn rotate_wallet(
    State(s): State<AppState>,
    caller: Caller,
    Path(uscc): Path<String>,
) -> Result<(StatusCode, Json<WalletTokenRotated>), Problem> {
    let uscc = path_uscc(&uscc)?;
    caller.require_company(&uscc, true)?;
    let (token, rec, old) = s.wallet.rotate_wallet_token(&uscc).await?;
    tracing::info!(%uscc, id = %rec.id, "wallet token rotated");
    Ok((
        StatusCode::CREATED,
        Json(WalletTokenRotated {
            uscc,
            wallet_token: token,
            id: rec.id,
            created_at: rec.created_at,
            revoked: old,
        }),
    ))
}
