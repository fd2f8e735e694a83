//! Start-up: data directory, master key, PKI, store, admin token, then the HTTP server.
//! A verifier-only node ([`verifier_only`]) has none of these.

pub mod marks;
pub mod verifier_only;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use crate::clock::Clock;
use crate::domain::RegionCode;
use crate::http::limits::{Gate, ImageGate, VALIDATE_JSON_AT_ONCE};
use crate::http::{
    AppState, Limits, LocalRecords, NodeState, RateLimit, Verification, VerifyState, router,
};
use crate::keystore::MasterKey;
use crate::node;
use crate::pki::TrustStore;
use crate::store::Store;
use crate::trustlist::{TrustListError, TrustListSource, TrustListState};
use crate::verify::Verifier;
use crate::wallet::Wallet;

pub struct ServeConfig {
    pub data: PathBuf,
    pub certs: PathBuf,
    pub listen: SocketAddr,
    pub region: RegionCode,
    /// The URL other nodes and verifiers use to reach this one (default `http://LISTEN`).
    pub public_url: Option<String>,
    pub status_ttl_s: u64,
    /// A trust list file or URL; without one the node trusts its certificate folder.
    pub trust_list: Option<TrustListSource>,
    pub trust_list_refresh_s: u64,
    /// How long an expired trust list is still used before verification says INDETERMINATE.
    pub trust_list_grace_s: u64,
    /// Online checks of one invoice allowed per UTC day (查验 limit).
    pub invoice_checks_per_day: u32,
    /// Timeouts, connection cap, image decodes, rate limit.
    pub limits: Limits,
}

/// The last good trust list is kept here, for when the source is down at start-up.
const TRUST_LIST_COPY: &str = "trust-list.jwt";

/// Everything the server needs, built from the configuration (also used by benchmarks).
pub async fn build_state(cfg: &ServeConfig) -> anyhow::Result<AppState> {
    std::fs::create_dir_all(&cfg.data)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&cfg.data, std::fs::Permissions::from_mode(0o700))?;
    }
    let master = MasterKey::load_or_create(&cfg.data)?;
    let public_url = cfg
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", cfg.listen));
    let (keys, trust) = node::load_or_create_at(&cfg.certs, &cfg.region, &public_url)?;
    let store = Store::open(&cfg.data)?;
    let wallet = Wallet::new(store, master, keys, &public_url)?;
    let admin_path = cfg.data.join("admin.token");
    let created = wallet.ensure_admin_token(&admin_path).await?;
    tracing::info!(
        path = %admin_path.display(),
        created,
        "admin token file (mode 0600); use it as 'Authorization: Bearer <token>' to create role tokens"
    );
    let certs_pem = certs_bundle(cfg)?;
    let (verifier, list) = match &cfg.trust_list {
        None => (Verifier::new(trust), None),
        Some(source) => {
            let copy = cfg.data.join(TRUST_LIST_COPY);
            let state = initial_trust_list(&copy, source, &trust).await?;
            let mut v =
                Verifier::from_trust_list(&state.list, &trust, cfg.trust_list_grace_s as i64);
            v.trust_list_first_on_record = state.first_on_record;
            (v, Some(state))
        }
    };
    // Every counter of /v1/metrics comes from the event log: the log so far, then each event.
    let metrics = Arc::new(crate::metrics::Metrics::new());
    let primed = metrics.prime(wallet.events().all())?;
    tracing::info!(events = primed, "metrics primed from the event log");
    let m = metrics.clone();
    wallet.events().observe(move |e| m.observe(e));
    let invoice_checks = Arc::new(crate::invoice::check::CheckLimiter::new(
        wallet.store().clone(),
        cfg.invoice_checks_per_day,
    ));
    let local = LocalRecords {
        wallet: wallet.clone(),
        invoice_checks: invoice_checks.clone(),
    };
    // What the node has seen of other regions' status lists outlives a restart.
    let marks = marks::StoreMarks(wallet.store().clone());
    let remote =
        crate::verify::RemoteStatus::keeping(Arc::new(marks)).map_err(|e| anyhow::anyhow!(e))?;
    let verification = verification(
        wallet.clock.clone(),
        verifier,
        list,
        &cfg.limits,
        Some(local),
        remote,
    );
    Ok(AppState::new(NodeState {
        wallet,
        verification,
        certs_pem: Arc::new(certs_pem),
        root_crl: cfg.certs.join(crate::pki::crl::ROOT_CRL_FILE),
        status_ttl_s: cfg.status_ttl_s,
        status_cache: Default::default(),
        crl_cache: Default::default(),
        metrics,
        invoice_checks,
    }))
}

/// The state of the public verification endpoints (a full node's, with its records, or a
/// verifier-only node's, without).
fn verification(
    clock: Clock,
    verifier: Verifier,
    list: Option<TrustListState>,
    limits: &Limits,
    local: Option<LocalRecords>,
    remote_status: crate::verify::RemoteStatus,
) -> VerifyState {
    VerifyState::new(Verification {
        clock,
        verifier: RwLock::new(Arc::new(verifier)),
        trust_list: RwLock::new(list),
        remote_status,
        limits: limits.clone(),
        rate_limit: RateLimit::new(
            limits.rate_per_minute,
            limits.rate_burst,
            limits.trust_forwarded_for,
        ),
        image_gate: ImageGate::new(limits.image_decodes),
        pdf_gate: ImageGate::for_work(pdf_slots(), "PDFs are being validated"),
        validate_json: Gate::new(VALIDATE_JSON_AT_ONCE, "JSON validations"),
        local,
    })
}

/// PDF validations at once: half the cores (at least one), so that hostile PDFs leave the
/// other half to everything else.
fn pdf_slots() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get() / 2)
}

/// The trust list from its source, or else the last good copy at `copy_path` (in a full
/// node's data folder, or a verifier-only node's state folder). The copy also guards
/// against rollback, across restarts: a source that offers an older list than the copy
/// (by sequence) is refused, and the copy is used.
async fn initial_trust_list(
    copy_path: &Path,
    source: &TrustListSource,
    base: &TrustStore,
) -> anyhow::Result<TrustListState> {
    let copy = match std::fs::read_to_string(copy_path) {
        Ok(token) => match TrustListState::verified(token, base) {
            Ok(state) => Some(state),
            Err(e) => {
                tracing::warn!(copy = %copy_path.display(), error = %e, "ignoring the last copy of the trust list");
                None
            }
        },
        Err(_) => None,
    };
    let fetched = fetch_verified(source, base).await;
    let state = match (fetched, copy) {
        (Ok(new), Some(copy)) => match new.replaces(&copy) {
            Ok(_) => new,
            Err(why) => {
                tracing::error!(%source, %why, "trust list from the source refused: using the last good copy");
                return Ok(copy);
            }
        },
        (Ok(new), None) => {
            tracing::warn!(%source, copy = %copy_path.display(), sequence = new.list.sequence, "no earlier trust list on record (a new or lost state): this one is taken as it comes, and kept as the one to never go back from");
            TrustListState {
                first_on_record: true,
                ..new
            }
        }
        (Err(why), Some(copy)) => {
            tracing::warn!(%source, %why, "trust list source unavailable: using the last good copy");
            return Ok(copy);
        }
        (Err(why), None) => anyhow::bail!(
            "trust list {source}: {why}; and no last good copy in {}",
            copy_path.display()
        ),
    };
    crate::fsutil::write_atomic(copy_path, state.token.as_bytes(), false)?;
    tracing::info!(%source, sequence = state.list.sequence, regions = state.list.regions.len(), expires = %state.list.expires_at().map_or_else(|e| e.to_string(), |t| t.to_rfc3339()), "trust list loaded");
    Ok(state)
}

async fn fetch_verified(
    source: &TrustListSource,
    base: &TrustStore,
) -> Result<TrustListState, TrustListError> {
    TrustListState::verified(source.fetch().await?, base)
}

/// How the trust list is kept fresh.
#[derive(Clone)]
pub struct Refresh {
    source: TrustListSource,
    every: std::time::Duration,
    grace_s: i64,
    /// The anchor the list is checked against.
    base: TrustStore,
    /// Where the last good copy is kept (none on a verifier-only node).
    copy: Option<PathBuf>,
}

/// Refreshes the trust list every `every`: a newer list (by sequence) replaces the one in
/// use; an older one is refused; a failed refresh keeps the one in use (and says so in the
/// log). Expiry is the verifier's to judge (with its grace period) at each verification.
fn spawn_trust_list_refresh(state: VerifyState, r: Refresh) {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(r.every).await;
            let source = &r.source;
            match fetch_verified(source, &r.base).await {
                Ok(new) => {
                    let token = new.token.clone();
                    let (sequence, expires) = (new.list.sequence, new.list.expires_at());
                    match state.install_trust_list(new, &r.base, r.grace_s) {
                        Ok(false) => {}
                        Ok(true) => {
                            if let Some(copy) = &r.copy
                                && let Err(e) =
                                    crate::fsutil::write_atomic(copy, token.as_bytes(), false)
                            {
                                tracing::warn!(error = %e, "could not keep a copy of the trust list");
                            }
                            tracing::info!(%source, sequence, expires = %expires.map_or_else(|e| e.to_string(), |t| t.to_rfc3339()), "trust list refreshed");
                        }
                        Err(why) => {
                            tracing::error!(%source, %why, "trust list refused: keeping the one in use")
                        }
                    }
                }
                Err(why) => {
                    tracing::warn!(%source, %why, "trust list refresh failed: keeping the one in use")
                }
            }
        }
    });
}

/// Ctrl-C (SIGINT) or SIGTERM: stop taking connections, finish, drain the event log.
async fn stop_signal() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(t) => t,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for SIGTERM; Ctrl-C only");
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// What `GET /v1/certs` serves: the root, the national trust-list signer (what the trust
/// list is checked with), the region's CA and its role certificates.
fn certs_bundle(cfg: &ServeConfig) -> anyhow::Result<String> {
    let mut out = std::fs::read_to_string(cfg.certs.join("root.crt"))?;
    let tl = cfg.certs.join("trust-list-signer.crt");
    if tl.exists() {
        out.push_str(&std::fs::read_to_string(tl)?);
    }
    let rdir = cfg.certs.join(cfg.region.as_str());
    out.push_str(&std::fs::read_to_string(rdir.join("ca.crt"))?);
    for role in crate::pki::Role::REGIONAL {
        let p = rdir.join(format!("{}.crt", role.file_stem()));
        if p.exists() {
            out.push_str(&std::fs::read_to_string(p)?);
        }
    }
    Ok(out)
}

pub async fn serve(cfg: ServeConfig) -> anyhow::Result<()> {
    let state = build_state(&cfg).await?;
    if let Some(source) = cfg.trust_list.clone() {
        let refresh = Refresh {
            source,
            every: std::time::Duration::from_secs(cfg.trust_list_refresh_s.max(1)),
            grace_s: cfg.trust_list_grace_s as i64,
            base: TrustStore::load(&cfg.certs)?,
            copy: Some(cfg.data.join(TRUST_LIST_COPY)),
        };
        spawn_trust_list_refresh(state.verification.clone(), refresh);
    }
    let listener = tokio::net::TcpListener::bind(cfg.listen).await?;
    tracing::info!(
        listen = %listener.local_addr()?,
        region = %cfg.region,
        data = %cfg.data.display(),
        certs = %cfg.certs.display(),
        limits = ?cfg.limits,
        "zhengtong is serving"
    );
    crate::listen::serve(listener, router(state.clone()), &cfg.limits, stop_signal()).await?;
    // Verifications and refusals still queued for the log are written before the end.
    let events = state.wallet.events();
    let left = events.dropped();
    tokio::task::block_in_place(|| events.close());
    tracing::info!(dropped = left, "event log drained; stopped");
    Ok(())
}
