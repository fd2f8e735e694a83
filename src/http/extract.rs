//! Request extractors whose rejections are problem details naming the field.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::AppState;
use super::problem::Problem;
use crate::access::tokens::Authenticated;
use crate::access::{AccessRole, TokenRecord};
use crate::domain::Uscc;

/// A JSON body; a type error names the path of the field (`legal_representative.name`).
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json_type = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json") || v.ends_with("+json"));
        let ApiBytes(bytes) = ApiBytes::from_request(req, state).await?;
        if !json_type {
            return Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "send the body as JSON with Content-Type: application/json",
            ));
        }
        // The plain parse first; only a body that fails is parsed again with its path
        // tracked, to name the field (tracking every body cost the verify path).
        let refused = match crate::json::from_slice::<T>(&bytes) {
            Ok(v) => return refuse_bidi(&bytes).map(|()| ApiJson(v)),
            Err(e) => e,
        };
        let de = &mut serde_json::Deserializer::from_slice(&bytes);
        let (path, inner) = match serde_path_to_error::deserialize::<_, T>(de) {
            Err(e) => (e.path().to_string(), e.into_inner()),
            // The value itself reads, so what was refused comes after it (trailing data,
            // which only a whole-body parse sees): the plain parse's error stands.
            Ok(_) => (String::new(), refused),
        };
        Err(if inner.is_syntax() || inner.is_eof() {
            Problem::new(
                StatusCode::BAD_REQUEST,
                format!("the body is not valid JSON: {inner}"),
            )
        } else {
            value_problem(&path, &inner.to_string(), "body")
        })
    }
}

/// 422 naming the field when a string of the body holds a bidi control character (they
/// would reorder names, addresses and remarks wherever these are shown). Only a body the
/// byte scan flags is parsed again.
fn refuse_bidi(bytes: &[u8]) -> Result<(), Problem> {
    if !crate::domain::json_may_hold_bidi(bytes) {
        return Ok(());
    }
    let Ok(v) = crate::json::from_slice::<serde_json::Value>(bytes) else {
        return Ok(());
    };
    match crate::domain::bidi_in_json(&v) {
        None => Ok(()),
        Some((field, c)) => Err(Problem::field(
            StatusCode::UNPROCESSABLE_ENTITY,
            field,
            crate::domain::bidi_reason(c),
        )),
    }
}

/// A query string; a parameter that does not parse is named (`limit`), with the reason.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Problem> {
        let query = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(ApiQuery)
            .map_err(|e| value_problem(&e.path().to_string(), &e.into_inner().to_string(), "query"))
    }
}

/// A value that did not deserialise, as a 422 naming its field. serde reports missing and
/// unknown fields at the level of their object (path "."), naming them in backticks.
fn value_problem(path: &str, msg: &str, whole: &str) -> Problem {
    let field = if path == "." {
        msg.split('`').nth(1).unwrap_or(whole).to_string()
    } else {
        path.to_string()
    };
    Problem::field(StatusCode::UNPROCESSABLE_ENTITY, field, msg)
}

/// The raw body, within the route's `DefaultBodyLimit`: 413 over it, 408 when it did not
/// arrive within the body timeout.
pub struct ApiBytes(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for ApiBytes {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        Bytes::from_request(req, state)
            .await
            .map(ApiBytes)
            .map_err(|e| body_problem(e.status(), &e, e.body_text()))
    }
}

/// A failure to read a body as a problem: 408 when the body deadline passed.
pub fn body_problem(
    status: StatusCode,
    err: &(dyn std::error::Error + 'static),
    text: String,
) -> Problem {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cause {
        if e.is::<super::deadline::BodyDeadlinePassed>() {
            return Problem::new(
                StatusCode::REQUEST_TIMEOUT,
                "the request body did not arrive within the body timeout",
            );
        }
        cause = e.source();
    }
    Problem::new(status, text)
}

/// The caller, from `Authorization: Bearer <token>`.
pub struct Caller(pub TokenRecord);

impl FromRequestParts<AppState> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| Problem::unauthorized("missing Authorization: Bearer <token>"))?;
        let token = header.strip_prefix("Bearer ").ok_or_else(|| {
            Problem::unauthorized("the Authorization header must be 'Bearer <token>'")
        })?;
        match state.wallet.authenticate(token)? {
            Authenticated::Valid(rec) => Ok(Caller(rec)),
            Authenticated::Refused(why) => Err(Problem::unauthorized(&why)),
            Authenticated::Unknown => Err(Problem::unauthorized("the token is not valid")),
        }
    }
}

impl Caller {
    /// Who acts, for the event log: the role and the token's id (never the token).
    pub fn actor(&self) -> crate::events::Actor {
        crate::events::Actor::token(self.0.role, &self.0.id)
    }

    /// The wallet, acting for this caller (named in the events it writes).
    pub fn acting(&self, wallet: &crate::wallet::Wallet) -> crate::wallet::Wallet {
        wallet.acting(self.actor())
    }

    pub fn require(&self, roles: &[AccessRole]) -> Result<(), Problem> {
        if roles.contains(&self.0.role) {
            Ok(())
        } else {
            Err(Problem::forbidden(format!(
                "this needs a token of role {}",
                roles
                    .iter()
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>()
                    .join(" or ")
            )))
        }
    }

    /// The company itself, or (when `authorities` is true) an authority or admin.
    pub fn require_company(&self, uscc: &Uscc, authorities: bool) -> Result<(), Problem> {
        let ok = match self.0.role {
            AccessRole::Company => self.0.uscc.as_ref() == Some(uscc),
            AccessRole::Admin | AccessRole::Authority => authorities,
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            Err(Problem::forbidden(format!(
                "this token may not act on the wallet of {uscc}"
            )))
        }
    }
}

/// A USCC from the path, 422 naming `uscc` when it is not one.
pub fn path_uscc(s: &str) -> Result<Uscc, Problem> {
    Uscc::parse(s).map_err(Problem::from)
}
