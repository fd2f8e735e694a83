//! Invoices over HTTP: invoicing rights, issuing 数电票, wallets' invoice lists, and the
//! daily limit on online checks of one invoice.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::dto::{InvoiceIssued, InvoicePage, InvoicingRightsGranted, WalletInvoice};
use super::openapi::{E400, E401, E403, E404, E409, E413, E415, E422, E500};

use super::extract::{ApiJson, ApiQuery, Caller, path_uscc};
use super::{AppState, Problem};
use crate::access::AccessRole;
use crate::domain::Uscc;
use crate::invoice::calc::InvoiceNumber;
use crate::invoice::rights;
use crate::invoice::service::{self, Direction, InvoiceRequest};

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RightsRequest {
    #[schema(value_type = String)]
    uscc: Uscc,
}

/// `POST /v1/tax/invoicing-rights` (tax): the electronic tax UKey, into the company's wallet.
#[utoipa::path(post, path = "/v1/tax/invoicing-rights", operation_id = "grantInvoicingRights", tag = "invoices", security(("bearer" = [])),
    request_body(content = RightsRequest, example = super::examples::grant_invoicing_rights),
    responses((status = 201, body = InvoicingRightsGranted, description = "The invoicing-rights credential (the electronic tax UKey), in the company's wallet."), E400, E401, E403, E404, E409, E413, E415, E422, E500))]
pub async fn grant_rights(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<RightsRequest>,
) -> Result<(StatusCode, Json<InvoicingRightsGranted>), Problem> {
    caller.require(&[AccessRole::Tax, AccessRole::Admin])?;
    let uscc = req.uscc;
    let cred = rights::grant(&caller.acting(&s.wallet), &uscc).await?;
    tracing::info!(%uscc, credential = %cred.id, "invoicing rights granted");
    Ok((
        StatusCode::CREATED,
        Json(InvoicingRightsGranted {
            uscc,
            credential_id: cred.id,
            kind: cred.kind,
            issued_at: cred.issued_at,
            expires_at: cred.expires_at,
            sd_jwt: cred.sd_jwt,
        }),
    ))
}

/// `POST /v1/tax/invoices` (tax): issue a 数电票 into the seller's (and buyer's) wallet.
#[utoipa::path(post, path = "/v1/tax/invoices", operation_id = "issueInvoice", tag = "invoices", security(("bearer" = [])),
    request_body(content = InvoiceRequest, example = super::examples::issue_invoice),
    responses((status = 201, body = InvoiceIssued, description = "The invoice with its number and every amount computed, in the seller's (and the buyer's) wallet."), E400, E401, E403, E404, E409, E413, E415, E422, E500))]
pub async fn issue(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<InvoiceRequest>,
) -> Result<(StatusCode, Json<InvoiceIssued>), Problem> {
    caller.require(&[AccessRole::Tax, AccessRole::Admin])?;
    let (inv, cred) = service::issue(&caller.acting(&s.wallet), req).await?;
    tracing::info!(number = %inv.number, seller = ?inv.seller.uscc, "invoice issued");
    let delivered_to = std::iter::once(inv.seller.uscc.clone())
        .chain(inv.buyer_wallet.then(|| inv.buyer.uscc.clone()))
        .flatten()
        .collect();
    let body = InvoiceIssued::new(&inv, cred.sd_jwt, delivered_to);
    Ok((StatusCode::CREATED, Json(body)))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// 1-100, default 20.
    #[serde(default)]
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    limit: Option<PageLimit>,
    /// The `next_cursor` of the previous page.
    #[serde(default)]
    #[param(value_type = Option<String>, pattern = "^[0-9]{20}$")]
    cursor: Option<InvoiceNumber>,
    /// `issued` or `received`.
    #[serde(default)]
    #[param(value_type = Option<String>, pattern = "^(issued|received)$")]
    direction: Option<Direction>,
}

pub const DEFAULT_PAGE: usize = 20;
pub const MAX_PAGE: usize = 100;

/// How many items a page holds: 1 to [`MAX_PAGE`].
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(try_from = "String")]
pub struct PageLimit(usize);

impl TryFrom<String> for PageLimit {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_PAGE).contains(n))
            .map(PageLimit)
            .ok_or_else(|| format!("a whole number from 1 to {MAX_PAGE}, got {s:.40?}"))
    }
}

/// `GET /v1/wallets/{uscc}/invoices?limit=&cursor=&direction=` (the company, an authority, the
/// tax bureau): invoices issued and received, newest first. `limit` 1-100 (default 20);
/// `cursor` is the `next_cursor` of the previous page (the last number it showed);
/// `direction` is `issued` or `received`.
#[utoipa::path(get, path = "/v1/wallets/{uscc}/invoices", operation_id = "listWalletInvoices", tag = "invoices", security(("bearer" = [])),
    params(("uscc" = String, Path), ListQuery),
    responses((status = 200, body = InvoicePage, description = "One page of the wallet's invoices, newest first."), E401, E403, E404, E422, E500))]
pub async fn list(
    State(s): State<AppState>,
    caller: Caller,
    Path(uscc): Path<String>,
    query: Result<ApiQuery<ListQuery>, Problem>,
) -> Result<Json<InvoicePage>, Problem> {
    let uscc = path_uscc(&uscc)?;
    if caller.0.role != AccessRole::Tax {
        caller.require_company(&uscc, true)?;
    }
    // The query is judged after the caller: a stranger learns nothing from a 422.
    let ApiQuery(q) = query?;
    let limit = q.limit.map_or(DEFAULT_PAGE, |l| l.0);
    let (cursor, direction) = (q.cursor, q.direction);
    s.wallet.registered_company(&uscc)?;
    let page = service::list(&s.wallet, &uscc, direction, limit, cursor.as_ref())?;
    let invoices = page
        .invoices
        .iter()
        .map(|(d, inv, c)| WalletInvoice::new(inv, *d, c.status, c.sd_jwt.clone()))
        .collect();
    Ok(Json(InvoicePage {
        uscc,
        invoices,
        next_cursor: page.next_cursor,
    }))
}

/// Short extras for an invoice's QR presentation: `no` number, `tt` total with tax in fen.
pub fn presentation_extras(
    s: &AppState,
    credential_id: &str,
) -> Result<serde_json::Map<String, Value>, Problem> {
    let mut extra = serde_json::Map::new();
    if let Some(inv) = service::by_credential(&s.wallet, credential_id)? {
        extra.insert("no".into(), json!(inv.number));
        extra.insert("tt".into(), json!(inv.total_with_tax_fen));
    }
    Ok(extra)
}
