//! A stateless verifier node (`serve --verifier-only`), for scaling verification out: no
//! data folder, no database, no private key. It trusts the national root it is given, takes
//! the signed trust list from its source (refreshed; the newest wins), and asks every
//! region's status list, its own region's included, for status (cached for the list's ttl).
//! It serves the public verification endpoints and the verifier's page; nothing else.

use std::net::SocketAddr;
use std::path::PathBuf;

use super::{Refresh, fetch_verified, spawn_trust_list_refresh, verification};
use crate::clock::Clock;
use crate::http::{Limits, VerifyState, verifier_router};
use crate::pki::TrustStore;
use crate::trustlist::TrustListSource;
use crate::verify::Verifier;

pub struct VerifierConfig {
    pub listen: SocketAddr,
    /// The national root certificate (PEM) that anchors the trust list.
    pub root: PathBuf,
    /// The signed trust list (a file or an http(s) URL).
    pub trust_list: TrustListSource,
    pub trust_list_refresh_s: u64,
    /// How long an expired trust list is still used before verification says INDETERMINATE.
    pub trust_list_grace_s: u64,
    pub limits: Limits,
}

/// The verifier-only state: the root, the trust list from its source (there is no copy to
/// fall back on: a source that cannot be read at start-up is an error).
pub async fn build_verifier_state(cfg: &VerifierConfig) -> anyhow::Result<(VerifyState, Refresh)> {
    let base = TrustStore::from_root_file(&cfg.root)?;
    let state = fetch_verified(&cfg.trust_list, &base)
        .await
        .map_err(|why| anyhow::anyhow!("trust list {}: {why}", cfg.trust_list))?;
    tracing::info!(source = %cfg.trust_list, sequence = state.list.sequence, regions = state.list.regions.len(), expires = %state.list.expires_at().map_or_else(|e| e.to_string(), |t| t.to_rfc3339()), "trust list loaded");
    let grace_s = cfg.trust_list_grace_s as i64;
    let verifier = Verifier::from_trust_list(&state.list, &base, grace_s);
    let v = verification(Clock::from_env(), verifier, Some(state), &cfg.limits, None)?;
    let refresh = Refresh {
        source: cfg.trust_list.clone(),
        every: std::time::Duration::from_secs(cfg.trust_list_refresh_s.max(1)),
        grace_s,
        base,
        copy: None,
    };
    Ok((v, refresh))
}

pub async fn serve_verifier(cfg: VerifierConfig) -> anyhow::Result<()> {
    let (state, refresh) = build_verifier_state(&cfg).await?;
    spawn_trust_list_refresh(state.clone(), refresh);
    let listener = tokio::net::TcpListener::bind(cfg.listen).await?;
    tracing::info!(
        listen = %listener.local_addr()?,
        root = %cfg.root.display(),
        trust_list = %cfg.trust_list,
        limits = ?cfg.limits,
        "zhengtong is serving as a verifier-only node (no data folder, no keys)"
    );
    crate::listen::serve(listener, verifier_router(state), &cfg.limits, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}
