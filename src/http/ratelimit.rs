//! Per-client rate limit of the public verification endpoints (governor, keyed by address).

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use super::{Problem, VerifyState};

pub struct RateLimit {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
    trust_forwarded_for: bool,
}

impl RateLimit {
    /// `None` when `per_minute` is 0 (no limit).
    pub fn new(per_minute: u32, burst: u32, trust_forwarded_for: bool) -> Option<Arc<Self>> {
        let rate = NonZeroU32::new(per_minute)?;
        let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
        let limiter = DefaultKeyedRateLimiter::keyed(Quota::per_minute(rate).allow_burst(burst));
        let me = Arc::new(RateLimit {
            limiter,
            trust_forwarded_for,
        });
        // Forget clients whose bucket is full again, so the table does not grow forever.
        let weak = Arc::downgrade(&me);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(60)).await;
                let Some(me) = weak.upgrade() else { return };
                me.limiter.retain_recent();
                me.limiter.shrink_to_fit();
            }
        });
        Some(me)
    }

    /// `Err(seconds to wait)` when the client has used its burst.
    fn check(&self, client: IpAddr) -> Result<(), u64> {
        self.limiter.check_key(&client).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }

    /// The TCP peer, or with `--trust-forwarded-for` the last `X-Forwarded-For` entry
    /// (the one the proxy in front of this node added).
    fn client(&self, peer: Option<SocketAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        if self.trust_forwarded_for
            && let Some(ip) = headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .filter_map(|s| s.trim().parse::<IpAddr>().ok())
                .next_back()
        {
            return Some(ip);
        }
        peer.map(|p| p.ip())
    }
}

/// Middleware: 429 with Retry-After once a client has used its burst.
pub async fn limit(State(s): State<VerifyState>, req: Request, next: Next) -> Response {
    let Some(rate) = s.rate_limit.as_ref() else {
        return next.run(req).await;
    };
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    // Without a peer address (a server not started by `serve`) there is nothing to key on.
    if let Some(client) = rate.client(peer, req.headers())
        && let Err(wait) = rate.check(client)
    {
        tracing::debug!(%client, wait, "rate limited");
        return Problem::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "too many verification requests from {client}; at most {} a minute (burst {}) are accepted; retry in {wait} s",
                s.limits.rate_per_minute, s.limits.rate_burst
            ),
        )
        .with_retry_after(wait.max(1))
        .into_response();
    }
    next.run(req).await
}
