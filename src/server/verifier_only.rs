//! A verifier node (`serve --verifier-only`), for scaling verification out: no data folder,
//! no database, no private key. It trusts the national root it is given, takes the signed
//! trust list from its source (refreshed; the newest wins), and asks every region's status
//! list, its own region's included, for status (cached for the list's ttl). It serves the
//! public verification endpoints and the verifier's page; nothing else.
//!
//! Its only state is what it must never go back from, in its `--state` folder: the last
//! trust list it accepted (so a restarted node refuses an older one) and the newest `iat`
//! of each status list it has seen (so a replayed list cannot hide a revocation).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use super::marks::{FileMarks, MARKS_FILE};
use super::{Refresh, TRUST_LIST_COPY, initial_trust_list, spawn_trust_list_refresh, verification};
use crate::clock::Clock;
use crate::http::{Limits, VerifyState, verifier_router};
use crate::pki::TrustStore;
use crate::trustlist::TrustListSource;
use crate::verify::{RemoteStatus, Verifier};

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
    /// Where the node keeps what it must not go back from (created if missing).
    pub state: PathBuf,
}

/// The verifier-only state: the root, the trust list from its source or else the copy in
/// the state folder (never one older than that copy), and the status-list marks kept there.
pub async fn build_verifier_state(cfg: &VerifierConfig) -> anyhow::Result<(VerifyState, Refresh)> {
    let base = TrustStore::from_root_file(&cfg.root)?;
    std::fs::create_dir_all(&cfg.state)
        .map_err(|e| anyhow::anyhow!("--state {}: {e}", cfg.state.display()))?;
    let copy = cfg.state.join(TRUST_LIST_COPY);
    let state = initial_trust_list(&copy, &cfg.trust_list, &base).await?;
    let grace_s = cfg.trust_list_grace_s as i64;
    let mut verifier = Verifier::from_trust_list(&state.list, &base, grace_s);
    verifier.trust_list_first_on_record = state.first_on_record;
    let marks = FileMarks(cfg.state.join(MARKS_FILE));
    let remote = RemoteStatus::keeping(Arc::new(marks)).map_err(|e| anyhow::anyhow!(e))?;
    let v = verification(
        Clock::from_env(),
        verifier,
        Some(state),
        &cfg.limits,
        None,
        remote,
    );
    let refresh = Refresh {
        source: cfg.trust_list.clone(),
        every: std::time::Duration::from_secs(cfg.trust_list_refresh_s.max(1)),
        grace_s,
        base,
        copy: Some(copy),
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
        state = %cfg.state.display(),
        limits = ?cfg.limits,
        "zhengtong is serving as a verifier-only node (no data folder, no keys; what it must not go back from in its state folder)"
    );
    crate::listen::serve(listener, verifier_router(state), &cfg.limits, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}
