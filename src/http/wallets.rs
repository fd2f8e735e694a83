//! A company's wallet: listing, QR presentations and SD-JWT presentations with key binding.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Map, json};

use super::dto::{Presentation, PresentationMade, SdJwtPresentation, WalletCredential, WalletView};
use super::openapi::{E400, E401, E403, E404, E409, E413, E415, E422, E500};

use super::extract::{ApiJson, Caller, path_uscc};
use super::{AppState, Problem};
use crate::credential::kb::{self, KbError};
use crate::present::{self, DEFAULT_TTL_S, MAX_TTL_S, qr};
use crate::wallet::CredentialStatus;

/// `GET /v1/wallets/{uscc}` (the company, or an authority).
#[utoipa::path(get, path = "/v1/wallets/{uscc}", operation_id = "listWalletCredentials", tag = "wallets", security(("bearer" = [])),
    params(("uscc" = String, Path)),
    responses((status = 200, body = WalletView, description = "The wallet: every credential with its SD-JWT and status."), E401, E403, E404, E422, E500))]
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

/// What a presentation is made as.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
pub enum PresentFormat {
    /// A QR presentation (a short-lived JWS signed by the region).
    #[default]
    #[serde(rename = "qr")]
    Qr,
    /// The SD-JWT with the chosen disclosures and a key-binding JWT signed with the
    /// company's holder key, answering the partner's `nonce` and `aud`.
    #[serde(rename = "sd-jwt")]
    SdJwt,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PresentRequest {
    credential_id: String,
    /// `qr` (the default) or `sd-jwt`.
    #[serde(default)]
    format: Option<PresentFormat>,
    /// Seconds the QR stays valid (default 300; `qr` only).
    #[serde(default)]
    ttl_s: Option<i64>,
    /// `qr` only: the QR images wanted with the token: `none` (the client draws the code
    /// from the token: the cheapest mint), `svg`, `png` or `both` (the default).
    #[serde(default)]
    images: Option<qr::Images>,
    /// `sd-jwt` only: the claims to disclose, as paths (`address`,
    /// `legal_representative.name`) or a path's last part when only one path ends so
    /// (`id_number`). Absent or empty: none.
    #[serde(default)]
    disclose: Option<Vec<String>>,
    /// `sd-jwt` only (required): the partner's challenge, signed into the key-binding JWT.
    #[serde(default)]
    nonce: Option<String>,
    /// `sd-jwt` only (required): the partner (verifier) the presentation is for.
    #[serde(default)]
    aud: Option<String>,
}

/// Longest `nonce` or `aud` accepted.
const MAX_CHALLENGE_LEN: usize = 512;

/// `POST /v1/wallets/{uscc}/presentations` (the company): a QR presentation of one
/// credential, or (`"format": "sd-jwt"`) the answer to a partner's challenge.
#[utoipa::path(post, path = "/v1/wallets/{uscc}/presentations", operation_id = "createPresentation", tag = "wallets", security(("bearer" = [])),
    params(("uscc" = String, Path)), request_body(content = PresentRequest, example = super::examples::present_credential),
    responses((status = 201, body = PresentationMade, description = "The QR presentation (token and images), or the SD-JWT with its key-binding JWT."), E400, E401, E403, E404, E409, E413, E415, E422, E500))]
pub async fn present(
    State(s): State<AppState>,
    caller: Caller,
    Path(uscc): Path<String>,
    ApiJson(req): ApiJson<PresentRequest>,
) -> Result<(StatusCode, Json<PresentationMade>), Problem> {
    let uscc = path_uscc(&uscc)?;
    caller.require_company(&uscc, false)?;
    let format = req.format.unwrap_or_default();
    let only_sd_jwt = [
        ("disclose", req.disclose.is_some()),
        ("nonce", req.nonce.is_some()),
        ("aud", req.aud.is_some()),
    ];
    match format {
        PresentFormat::Qr => {
            if let Some((field, _)) = only_sd_jwt.iter().find(|(_, given)| *given) {
                return Err(Problem::field(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    *field,
                    "applies only to \"format\": \"sd-jwt\"",
                ));
            }
        }
        PresentFormat::SdJwt => {
            if req.ttl_s.is_some() {
                return Err(Problem::field(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "ttl_s",
                    "applies only to QR presentations; an SD-JWT presentation's freshness is its key-binding JWT's iat",
                ));
            }
            if req.images.is_some() {
                return Err(Problem::field(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "images",
                    "applies only to QR presentations",
                ));
            }
        }
    }
    let nonce = challenge_field("nonce", req.nonce.as_deref(), format)?;
    let aud = challenge_field("aud", req.aud.as_deref(), format)?;
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
    let minted_event = |format: &str| {
        caller.acting(&s.wallet).record(
            Some(uscc.as_str()),
            crate::events::What::PresentationMinted {
                credential_type: cred.kind,
                format: format.into(),
            },
        );
    };
    if format == PresentFormat::SdJwt {
        let made = present_sd_jwt(
            &s,
            &uscc,
            &cred.sd_jwt,
            req.disclose.as_deref().unwrap_or(&[]),
            (nonce, aud),
        )?;
        minted_event("sd-jwt");
        return Ok((StatusCode::CREATED, Json(PresentationMade::SdJwt(made))));
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
    let rendered =
        qr::render_as(&minted.token, req.images.unwrap_or_default()).map_err(Problem::internal)?;
    minted_event("qr");
    Ok((
        StatusCode::CREATED,
        Json(PresentationMade::Qr(Presentation {
            token: minted.token,
            expires_at: minted.expires_at,
            qr_version: rendered.version,
            qr_svg: rendered.svg,
            qr_png_base64: rendered.png.as_deref().map(crate::b64::encode_std),
        })),
    ))
}

/// A `nonce` or `aud`: required (non-empty, not too long) for `sd-jwt`, else absent.
fn challenge_field<'a>(
    field: &str,
    value: Option<&'a str>,
    format: PresentFormat,
) -> Result<&'a str, Problem> {
    let bad = |why: String| Problem::field(StatusCode::UNPROCESSABLE_ENTITY, field, why);
    match (format, value) {
        (PresentFormat::Qr, _) => Ok(""),
        (PresentFormat::SdJwt, None) => Err(bad(
            "is required for \"format\": \"sd-jwt\" (the partner's challenge)".into(),
        )),
        (PresentFormat::SdJwt, Some(v)) if v.trim().is_empty() => Err(bad("is empty".into())),
        (PresentFormat::SdJwt, Some(v)) if v.len() > MAX_CHALLENGE_LEN => Err(bad(format!(
            "is {} bytes long; at most {MAX_CHALLENGE_LEN} are accepted",
            v.len()
        ))),
        (PresentFormat::SdJwt, Some(v)) => Ok(v),
    }
}

/// The stored SD-JWT with only the chosen disclosures and a KB-JWT by the holder key.
fn present_sd_jwt(
    s: &AppState,
    uscc: &crate::domain::Uscc,
    sd_jwt: &str,
    disclose: &[String],
    (nonce, aud): (&str, &str),
) -> Result<SdJwtPresentation, Problem> {
    let key = s.wallet.holder_key(uscc)?;
    let iat = s.wallet.clock.now().timestamp();
    match kb::present(sd_jwt, disclose, nonce, aud, iat, &key) {
        Ok(p) => Ok(SdJwtPresentation {
            sd_jwt: p.sd_jwt,
            disclosed: p.disclosed,
        }),
        Err(e @ (KbError::UnknownDisclosure { .. } | KbError::Ambiguous { .. })) => Err(
            Problem::field(StatusCode::UNPROCESSABLE_ENTITY, "disclose", e.to_string()),
        ),
        Err(e @ KbError::NotBound) => Err(Problem::field(
            StatusCode::UNPROCESSABLE_ENTITY,
            "credential_id",
            e.to_string(),
        )),
        Err(e @ (KbError::SdJwt(_) | KbError::Sign)) => Err(Problem::internal(e)),
    }
}
