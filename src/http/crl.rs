//! CRLs (RFC 5280 §5) as `application/pkix-crl` DER: the region's CA CRLs, built from the
//! e-seals on record and cached until the next revocation (`crl_cache`), and a copy of the
//! national root's CRL. The routes are rate-limited per client, like verification.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{AppState, Problem};
use crate::seal::eseal::CRL_VALID_S;

pub const CONTENT_TYPE: &str = "application/pkix-crl";

/// `GET /v1/crl/{region}`: the CRL of the region's current CA; `root`: the national root's.
#[utoipa::path(get, path = "/v1/crl/{region}", operation_id = "getCurrentCrl", security(), tag = "public", params(("region" = String, Path, description = "This node's region code, or `root`.")),
    responses((status = 200, description = "The signed CRL (DER).", content_type = "application/pkix-crl", body = String),
        super::openapi::E404, super::openapi::E429, super::openapi::E500))]
pub async fn current(
    State(s): State<AppState>,
    Path(region): Path<String>,
) -> Result<Response, Problem> {
    if region == "root" {
        return root(&s);
    }
    regional(&s, &region, None)
}

/// `GET /v1/crl/{region}/{ca_kid}`: the CRL of one of the region's CAs (current or earlier),
/// as named in the CRL distribution point of the certificates it issued.
#[utoipa::path(get, path = "/v1/crl/{region}/{ca_kid}", operation_id = "getCaCrl", security(), tag = "public", params(("region" = String, Path), ("ca_kid" = String, Path, description = "The kid of the regional CA.")),
    responses((status = 200, description = "The signed CRL (DER).", content_type = "application/pkix-crl", body = String),
        super::openapi::E404, super::openapi::E429, super::openapi::E500))]
pub async fn of_ca(
    State(s): State<AppState>,
    Path((region, kid)): Path<(String, String)>,
) -> Result<Response, Problem> {
    regional(&s, &region, Some(&kid))
}

/// `GET /v1/ca/{region}/{ca_kid}`: a CA certificate of the region (DER), as named in the
/// caIssuers access description of the seal certificates it issued.
#[utoipa::path(get, path = "/v1/ca/{region}/{ca_kid}", operation_id = "getCaCertificate", security(), tag = "public", params(("region" = String, Path), ("ca_kid" = String, Path, description = "The kid of the regional CA.")),
    responses((status = 200, description = "The CA certificate (DER).", content_type = "application/pkix-cert", body = String),
        super::openapi::E404))]
pub async fn ca_cert(
    State(s): State<AppState>,
    Path((region, kid)): Path<(String, String)>,
) -> Result<Response, Problem> {
    let ca = &s.wallet.keys.ca;
    let der = (region == ca.region.as_str())
        .then(|| ca.ca_der(&kid))
        .flatten()
        .ok_or_else(|| Problem::not_found(format!("no CA {kid:?} of region {region:?} here")))?;
    let mut resp = (
        [(header::CONTENT_TYPE, "application/pkix-cert")],
        der.to_vec(),
    )
        .into_response();
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    Ok(resp)
}

fn regional(s: &AppState, region: &str, kid: Option<&str>) -> Result<Response, Problem> {
    let ca = &s.wallet.keys.ca;
    if region != ca.region.as_str() {
        return Err(Problem::not_found(format!(
            "this node serves the CRLs of region {}, not {region:?}",
            ca.region
        )));
    }
    let der = s
        .crl_cache
        .get(&s.wallet, kid)
        .map_err(|e| Problem::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
        .ok_or_else(|| {
            Problem::not_found(format!(
                "region {region} has no CA with kid {:?}",
                kid.unwrap_or("")
            ))
        })?;
    Ok(crl_response(der, CRL_VALID_S.min(s.status_ttl_s as i64)))
}

fn root(s: &AppState) -> Result<Response, Problem> {
    let path = &s.root_crl;
    let text = std::fs::read_to_string(path).map_err(|_| {
        Problem::not_found(format!(
            "this node holds no copy of the root's CRL ({} is missing)",
            path.display()
        ))
    })?;
    let der = pem::parse(text).map(|p| p.into_contents()).map_err(|e| {
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("{} is not a PEM CRL: {e}", path.display()),
        )
    })?;
    Ok(crl_response(der, 3600))
}

fn crl_response(der: Vec<u8>, max_age: i64) -> Response {
    let mut resp = ([(header::CONTENT_TYPE, CONTENT_TYPE)], der).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("public, max-age={max_age}")) {
        resp.headers_mut().insert(header::CACHE_CONTROL, v);
    }
    resp
}
