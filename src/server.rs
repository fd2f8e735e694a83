//! Start-up: data directory, master key, PKI, store, admin token, then the HTTP server.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use crate::domain::RegionCode;
use crate::http::{AppState, router};
use crate::keystore::MasterKey;
use crate::node;
use crate::store::Store;
use crate::verify::Verifier;
use crate::wallet::Wallet;

pub struct ServeConfig {
    pub data: PathBuf,
    pub certs: PathBuf,
    pub listen: SocketAddr,
    pub region: RegionCode,
    /// The URL other nodes and verifiers use to reach this one (default `http://LISTEN`).
    pub public_url: Option<String>,
    /// Online checks of one invoice allowed per UTC day (查验 limit).
    pub invoice_checks_per_day: u32,
}

/// Everything the server needs, built from the configuration (also used by benchmarks).
pub async fn build_state(cfg: &ServeConfig) -> anyhow::Result<AppState> {
    std::fs::create_dir_all(&cfg.data)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&cfg.data, std::fs::Permissions::from_mode(0o700))?;
    }
    let master = MasterKey::load_or_create(&cfg.data)?;
    let (keys, trust) = node::load_or_create(&cfg.certs, &cfg.region)?;
    let store = Store::open(&cfg.data)?;
    let public_url = cfg
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", cfg.listen));
    let wallet = Wallet::new(store, master, keys, &public_url);
    let admin_path = cfg.data.join("admin.token");
    let created = wallet.ensure_admin_token(&admin_path).await?;
    tracing::info!(
        path = %admin_path.display(),
        created,
        "admin token file (mode 0600); use it as 'Authorization: Bearer <token>' to create role tokens"
    );
    let certs_pem = certs_bundle(cfg)?;
    Ok(AppState {
        wallet,
        verifier: Arc::new(Verifier::new(trust)),
        certs_pem: Arc::new(certs_pem),
        metrics: Arc::new(crate::metrics::Metrics::new()),
        invoice_checks: Arc::new(crate::invoice::check::CheckLimiter::new(
            cfg.invoice_checks_per_day,
        )),
    })
}

/// The national root, the region's CA and its role certificates, as one PEM file.
fn certs_bundle(cfg: &ServeConfig) -> anyhow::Result<String> {
    let mut out = std::fs::read_to_string(cfg.certs.join("root.crt"))?;
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
    let listener = tokio::net::TcpListener::bind(cfg.listen).await?;
    tracing::info!(
        listen = %listener.local_addr()?,
        region = %cfg.region,
        data = %cfg.data.display(),
        certs = %cfg.certs.display(),
        "zhengtong is serving"
    );
    axum::serve(listener, router(state))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
