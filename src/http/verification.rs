//! What the public verification endpoints need, apart from the rest of the node: the same
//! handlers serve a full node (whose records answer for its own region) and a verifier-only
//! node (no store, no keys: every region's status from its status lists).

use std::ops::Deref;
use std::sync::{Arc, RwLock};

use axum::extract::{DefaultBodyLimit, FromRef};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{MethodRouter, get, post};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use super::limits::{Gate, ImageGate};
use super::{AppState, IMAGE_LIMIT, Limits, RateLimit, VALIDATE_JSON_LIMIT};
use super::{openapi, ratelimit, seals, verify};
use crate::clock::Clock;
use crate::domain::RegionCode;
use crate::invoice::check::CheckLimiter;
use crate::pki::TrustStore;
use crate::trustlist::{Replace, TrustListError, TrustListState};
use crate::verify::{Local, Online, RemoteStatus, Verifier};
use crate::wallet::Wallet;

/// The verification state, shared (a clone is one reference count).
#[derive(Clone)]
pub struct VerifyState(Arc<Verification>);

/// The region a caller verifies for (`X-Verifier-Region`), and whether a partner token
/// vouched for it: anyone can send the header, so an unvouched one is counted apart.
#[derive(Debug, Clone, Copy)]
pub struct CallerRegion {
    pub region: RegionCode,
    pub vouched: bool,
}

impl VerifyState {
    pub fn new(v: Verification) -> Self {
        VerifyState(Arc::new(v))
    }
}

impl Deref for VerifyState {
    type Target = Verification;

    fn deref(&self) -> &Verification {
        &self.0
    }
}

impl FromRef<AppState> for VerifyState {
    fn from_ref(s: &AppState) -> Self {
        s.verification.clone()
    }
}

pub struct Verification {
    pub clock: Clock,
    /// Replaced when a new trust list arrives; each request takes the current one.
    pub verifier: RwLock<Arc<Verifier>>,
    pub trust_list: RwLock<Option<TrustListState>>,
    pub remote_status: RemoteStatus,
    pub limits: Limits,
    /// `None` when the rate limit is off (`--rate-limit 0`).
    pub rate_limit: Option<Arc<RateLimit>>,
    pub image_gate: ImageGate,
    /// PDF signature validations: off the async workers, a few at a time.
    pub pdf_gate: ImageGate,
    /// JSON validations reading their (up to 1 MiB) body at once.
    pub validate_json: Gate,
    /// The issuing node's records; `None` on a verifier-only node.
    pub local: Option<LocalRecords>,
}

/// An issuing node's own records, as online verification consults them.
pub struct LocalRecords {
    pub wallet: Wallet,
    pub invoice_checks: Arc<CheckLimiter>,
}

impl Verification {
    pub fn verifier(&self) -> Arc<Verifier> {
        self.verifier
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The wallet whose records answer for its region (`None` on a verifier-only node).
    pub fn wallet(&self) -> Option<&Wallet> {
        self.local.as_ref().map(|l| &l.wallet)
    }

    /// The online verifier over this state (with the current trust list's verifier);
    /// `caller`: the region the caller says it verifies for (the event log's cross-region
    /// figure), this node's when it says none.
    pub fn online<'a>(
        &'a self,
        verifier: &'a Verifier,
        caller: Option<CallerRegion>,
    ) -> Online<'a> {
        Online {
            clock: &self.clock,
            verifier,
            remote: &self.remote_status,
            local: self.local.as_ref().map(|l| Local {
                wallet: &l.wallet,
                invoice_checks: &l.invoice_checks,
                verifying_region: caller.map_or(l.wallet.keys.region, |c| c.region),
                region_claimed: caller.is_some_and(|c| !c.vouched),
            }),
        }
    }

    /// Puts a freshly fetched trust list in use if it is newer than the one in use (the
    /// newest wins; an older or reused sequence is refused). `Ok(false)`: the same list.
    pub fn install_trust_list(
        &self,
        new: TrustListState,
        base: &TrustStore,
        grace_s: i64,
    ) -> Result<bool, TrustListError> {
        let mut current = self.trust_list.write().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = current.as_ref()
            && new.replaces(c)? == Replace::Same
        {
            return Ok(false);
        }
        let v = Verifier::from_trust_list(&new.list, base, grace_s);
        *self.verifier.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(v);
        // Lists verified under the old trust list are checked again under the new.
        self.remote_status.invalidate();
        *current = Some(new);
        Ok(true)
    }
}

/// The public verification routes, each with its OpenAPI description, for a full node's
/// router or a verifier-only one.
pub fn routes<S>(v: &VerifyState) -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    VerifyState: FromRef<S>,
{
    let rate = || from_fn_with_state(v.clone(), ratelimit::limit);
    // Without a rate limit (`--rate-limit 0`, fixed for the node's life) the layer would
    // only pass each request on.
    let limited = |r: MethodRouter<S>| match v.rate_limit {
        Some(_) => r.layer(rate()),
        None => r,
    };
    // A handler in `verify.rs` with its description in `openapi.rs`.
    let described =
        |(schemas, paths, _): UtoipaMethodRouter<S>, real: MethodRouter<S>| (schemas, paths, real);
    OpenApiRouter::new()
        .routes(described(
            routes!(openapi::verify_token),
            limited(post(verify::verify_token)),
        ))
        .routes(described(
            routes!(openapi::verify_image),
            limited(post(verify::verify_image).layer(DefaultBodyLimit::max(IMAGE_LIMIT)))
                .layer(from_fn(super::image_length_guard)),
        ))
        .routes(described(
            routes!(openapi::trust_list),
            get(verify::trust_list),
        ))
        .routes(
            routes!(seals::validate)
                .layer(DefaultBodyLimit::max(VALIDATE_JSON_LIMIT))
                .layer(rate())
                .layer(from_fn(super::validate_length_guard)),
        )
}
