//! `GET /v1/indicators` (authority, admin): every indicator for a period and region, from
//! the event log, as JSON or CSV.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::extract::{ApiQuery, Caller};
use super::openapi::{E401, E403, E422, E500};
use super::{AppState, Problem};
use crate::access::AccessRole;
use crate::indicators::{self, Indicators, Period};

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct IndicatorsQuery {
    /// Start of the period (RFC 3339, inclusive); default: 30 days before `to`.
    #[serde(default)]
    #[param(format = DateTime)]
    from: Option<String>,
    /// End of the period (RFC 3339, exclusive); default: now.
    #[serde(default)]
    #[param(format = DateTime)]
    to: Option<String>,
    /// Only events of this region (six digits); default: all.
    #[serde(default)]
    #[param(pattern = "^[0-9]{6}$")]
    region: Option<String>,
    /// `json` (default) or `csv`; `Accept: text/csv` also asks for CSV.
    #[serde(default)]
    #[param(pattern = "^(json|csv)$")]
    format: Option<String>,
}

pub const CSV_TYPE: &str = "text/csv; charset=utf-8";

/// `GET /v1/indicators?from=&to=&region=&format=` (authority, admin).
#[utoipa::path(get, path = "/v1/indicators", operation_id = "getIndicators", tag = "indicators", security(("bearer" = [])),
    params(IndicatorsQuery),
    responses(
        (status = 200, description = "Every indicator for the period. As CSV (`?format=csv` or `Accept: text/csv`): `indicator,key,value` rows, one per number.",
            content(
                (Indicators = "application/json"),
                (String = "text/csv; charset=utf-8")
            )),
        E401, E403, E422, E500))]
pub async fn get(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    query: Result<ApiQuery<IndicatorsQuery>, Problem>,
) -> Result<Response, Problem> {
    caller.require(&[AccessRole::Authority, AccessRole::Admin])?;
    let ApiQuery(q) = query?;
    let csv = match q.format.as_deref() {
        Some("csv") => true,
        Some("json") => false,
        Some(_) => {
            return Err(Problem::field(
                StatusCode::UNPROCESSABLE_ENTITY,
                "format",
                "json or csv",
            ));
        }
        None => headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').any(|t| t.trim().starts_with("text/csv"))),
    };
    let period = Period::parse(
        q.from.as_deref(),
        q.to.as_deref(),
        q.region.as_deref(),
        s.wallet.clock.now(),
    )
    .map_err(|e| Problem::field(StatusCode::UNPROCESSABLE_ENTITY, e.field, e.reason))?;
    let out = compute(&s, period).await?;
    if csv {
        return Ok(([(header::CONTENT_TYPE, CSV_TYPE)], indicators::to_csv(&out)).into_response());
    }
    Ok(Json(out).into_response())
}

/// The indicators, once every event recorded so far is written (read-your-writes).
pub async fn compute(s: &AppState, period: Period) -> Result<Indicators, Problem> {
    s.wallet.events().sync().await.map_err(Problem::internal)?;
    let wallet = s.wallet.clone();
    tokio::task::spawn_blocking(move || indicators::compute(wallet.events(), &period))
        .await
        .map_err(Problem::internal)?
        .map_err(Problem::internal)
}
