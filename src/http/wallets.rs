//! A company's wallet: listing and QR presentations.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Map, json};

use super::dto::{Presentation, WalletCredential, WalletView};
use super::openapi::{E400, E401, E403, E404, E409, E413, E415, E422, E500};

use super::extract::{ApiJson, Caller, path_uscc};
use super::{AppState, Problem};
use crate::present::{self, DEFAULT_TTL_S, MAX_TTL_S, qr};
use crate::wallet::CredentialStatus;

/// `GET /v1/wallets/{uscc}` (the company, or an authority).
#[utoipa::path(get, path = "/v1/wallets/{uscc}", tag = "wallets", security(("bearer" = [])),
    params(("uscc" = String, Path)),
    responses((status = 200, body = WalletView), E401, E403, E404, E422, E500))]
pub async fn list(
    State(s): State<AppState>,
    caller: Caller,
    Path(uscc): Path<String>,
) -> Result<Json<WalletView>, Problem> {
    let uscc = path_uscc(&uscc)?;
    caller.require_company(&uscc, true)?;
    let company = s.wallet.registered_company(&uscc)?;
    let creds = s.wallet.credentials(&uscc)?;
    Ok(Json(WalletView {
        uscc,
        name: company.record.name,
        company_status: company.status,
        credentials: creds.iter().map(WalletCredential::from).collect(),
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PresentRequest {
    credential_id: String,
    /// Seconds the QR stays valid (default 300).
    #[serde(default)]
    ttl_s: Option<i64>,
}

/// `POST /v1/wallets/{uscc}/presentations` (the company): a QR presentation of one credential.
#[utoipa::path(post, path = "/v1/wallets/{uscc}/presentations", tag = "wallets", security(("bearer" = [])),
    params(("uscc" = String, Path)), request_body = PresentRequest,
    responses((status = 201, body = Presentation), E400, E401, E403, E404, E409, E413, E415, E422, E500))]
pub async fn present(
    State(s): State<AppState>,
    caller: Caller,
    Path(uscc): Path<String>,
    ApiJson(req): ApiJson<PresentRequest>,
) -> Result<(StatusCode, Json<Presentation>), Problem> {
    let uscc = path_uscc(&uscc)?;
    caller.require_company(&uscc, false)?;
    let ttl = req.ttl_s.unwrap_or(DEFAULT_TTL_S);
    if !(1..=MAX_TTL_S).contains(&ttl) {
        return Err(Problem::field(
            StatusCode::UNPROCESSABLE_ENTITY,
            "ttl_s",
            format!("must be between 1 and {MAX_TTL_S} seconds, got {ttl}"),
        ));
    }
    s.wallet.active_company(&uscc, "uscc")?;
    let cred = s
        .wallet
        .credential(&req.credential_id)?
        .filter(|c| c.uscc == uscc || s.wallet.holds(&uscc, &c.id))
        .ok_or_else(|| {
            let mut p = Problem::not_found(format!(
                "credential {:?} is not in this wallet",
                req.credential_id
            ));
            p.field = Some("credential_id".into());
            p
        })?;
    if cred.status == CredentialStatus::Revoked {
        return Err(Problem::field(
            StatusCode::CONFLICT,
            "credential_id",
            "the credential has been revoked and cannot be shown",
        ));
    }
    let mut extra = Map::new();
    if let Some(seal) = crate::seal::eseal::by_credential(&s.wallet, &uscc, &cred.id)? {
        // Short names: the QR must stay small. `sl` seal type, `fid` police filing id.
        extra.insert("sl".into(), json!(seal.seal_type));
        extra.insert("fid".into(), json!(seal.filing_id));
    }
    if cred.kind == crate::credential::CredentialType::EInvoice {
        extra.extend(super::invoices::presentation_extras(&s, &cred.id)?);
    }
    let minted = present::mint(
        &cred,
        ttl,
        extra,
        &s.wallet.keys.presentation,
        s.wallet.clock.now(),
    )
    .map_err(Problem::internal)?;
    let rendered = qr::render(&minted.token).map_err(Problem::internal)?;
    Ok((
        StatusCode::CREATED,
        Json(Presentation {
            token: minted.token,
            expires_at: minted.expires_at,
            qr_version: rendered.version,
            qr_svg: rendered.svg,
            qr_png_base64: crate::b64::encode_std(&rendered.png),
        }),
    ))
}
