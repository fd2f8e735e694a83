//! Start-up bundles (licence + 3 e-seals with their police filings + invoicing rights) issued
//! per second, durably (the real sled store, flushed before each bundle is acknowledged),
//! against the cost of the bundle's signatures alone, measured in the same run.
//!
//! cargo run --release --example bench_bundles [-- SECONDS_PER_FIGURE]
//!
//! A bundle with 3 seals signs 11 times with ECDSA P-256 (licence SD-JWT; per seal the police
//! filing JWS, the seal certificate and the e-seal SD-JWT; the invoicing-rights SD-JWT) and
//! makes 4 P-256 key pairs (the holder key and one per seal).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use rcgen::{KeyPair, PKCS_ECDSA_P256_SHA256};
use serde_json::{Value, json};
use zhengtong::establish::{self, EstablishmentRequest};
use zhengtong::http::router;
use zhengtong::server::{ServeConfig, build_state};

const SIGNATURES_PER_BUNDLE: f64 = 11.0;
const KEYS_PER_BUNDLE: f64 = 4.0;

fn form(i: u64) -> Value {
    let uscc = zhengtong::domain::with_check_char(&format!("91440101MA{:07}", i % 10_000_000))
        .expect("uscc");
    let name = format!("广州基准测试第{i}号科技有限公司");
    let round = |code: String, bottom: Option<&str>| {
        let mut t = json!({"shape": "round", "width_mm": 40, "height_mm": 40, "border_mm": 1.2,
                           "star": true, "arc_text": name, "seal_code": code});
        if let Some(b) = bottom {
            t["bottom_text"] = json!(b);
        }
        t
    };
    json!({
        "company": {
            "uscc": uscc, "name": name,
            "legal_representative": {"name": "张三", "id_number": "11010519491231002X"},
            "registered_capital_fen": 100_000_000, "address": "广州市天河区天河路1号",
            "business_scope": "软件开发", "established_on": "2024-03-01",
        },
        "seals": [
            {"seal_type": "official", "template": round(format!("44{i:010}1"), None)},
            {"seal_type": "finance", "template": round(format!("44{i:010}2"), Some("财务专用章"))},
            {"seal_type": "invoice", "template": {"shape": "oval", "width_mm": 40, "height_mm": 30,
                "border_mm": 1, "star": false, "arc_text": name, "center_text": uscc,
                "bottom_text": "发票专用章", "seal_code": format!("44{i:010}3")}},
        ],
        "invoicing": true,
    })
}

/// Runs `f` on `threads` threads for about `secs` seconds; returns operations per second.
fn rate(secs: f64, threads: usize, f: impl Fn() + Sync) -> f64 {
    let n = AtomicU64::new(0);
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                while start.elapsed() < Duration::from_secs_f64(secs) {
                    f();
                    n.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    n.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
}

fn main() -> anyhow::Result<()> {
    let secs: f64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(5.0);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let dir = tempfile::tempdir()?;
    let rt = tokio::runtime::Runtime::new()?;
    let state = rt.block_on(build_state(&ServeConfig {
        data: dir.path().join("data"),
        certs: dir.path().join("certs"),
        listen: "127.0.0.1:0".parse()?,
        region: "440100".parse()?,
        public_url: None,
        status_ttl_s: 300,
        trust_list: None,
        trust_list_refresh_s: 300,
        trust_list_grace_s: 86_400,
        invoice_checks_per_day: 5,
        limits: Default::default(),
    }))?;
    let wallet = state.wallet.clone();
    let next = AtomicU64::new(1);

    // 1. The library call, one bundle at a time, and with 4 in flight (2 tokio workers).
    let one = |w: &zhengtong::wallet::Wallet| {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let req: EstablishmentRequest = serde_json::from_value(form(i)).expect("form");
        rt.block_on(establish::establish(w, req, Utc::now()))
            .expect("bundle");
    };
    one(&wallet);
    let seq = rate(secs, 1, || one(&wallet));
    let par = rate(secs, 4, || one(&wallet));

    // 2. Through HTTP on loopback: the real server, 4 clients.
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let addr = listener.local_addr()?;
    rt.spawn(async move { axum::serve(listener, router(state)).await });
    let token = Arc::new(
        rt.block_on(wallet.create_token(
            zhengtong::access::AccessRole::Authority,
            None,
            chrono::Duration::days(1),
        ))?
        .0,
    );
    let client = reqwest::blocking::Client::new();
    let url = format!("http://{addr}/v1/establishments");
    let http = rate(secs, 4, || {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let r = client
            .post(&url)
            .bearer_auth(token.as_str())
            .json(&form(i))
            .send()
            .expect("post");
        assert_eq!(r.status(), 201);
    });

    // 3. The crypto alone, in the same run: ES256 signatures and P-256 key generation.
    let signer = &wallet.keys.licence;
    let msg = vec![7u8; 900]; // about the size of a signing input
    let sig1 = rate(secs.min(3.0), 1, || {
        std::hint::black_box(signer.sign(std::hint::black_box(&msg)));
    });
    let sig_n = rate(secs.min(3.0), cores, || {
        std::hint::black_box(signer.sign(std::hint::black_box(&msg)));
    });
    let keys1 = rate(secs.min(3.0), 1, || {
        std::hint::black_box(KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("key"));
    });
    // And the durable write alone: one small update, flushed (sled's fsync on this disk).
    let flushes = rate(secs.min(3.0), 1, || {
        rt.block_on(wallet.store().reserve_counter("bench-flush", 1))
            .expect("flush");
    });
    let bound = |sigs: f64| sigs / SIGNATURES_PER_BUNDLE;
    let crypto =
        |sigs: f64, keys: f64| 1.0 / (SIGNATURES_PER_BUNDLE / sigs + KEYS_PER_BUNDLE / keys);
    let issued = next.load(Ordering::Relaxed) - 1;

    println!("machine: {cores} cores; {issued} bundles issued in this run, each flushed to disk");
    println!("bundle = licence + 3 e-seals (3 police filings) + invoicing rights: 5 credentials,");
    println!(
        "         {SIGNATURES_PER_BUNDLE} ECDSA P-256 signatures, {KEYS_PER_BUNDLE} P-256 key pairs"
    );
    println!();
    println!("bundles/s, library, 1 at a time:                {seq:>9.1}");
    println!("bundles/s, library, 4 in flight:                {par:>9.1}");
    println!("bundles/s, HTTP on loopback, 4 clients:         {http:>9.1}");
    println!();
    println!("ES256 signatures/s, 1 thread:                   {sig1:>9.0}");
    println!("ES256 signatures/s, {cores} threads:                  {sig_n:>9.0}");
    println!("P-256 key pairs/s, 1 thread:                    {keys1:>9.0}");
    println!(
        "signatures alone, bundles/s, 1 thread:          {:>9.1}",
        bound(sig1)
    );
    println!(
        "signatures + keys alone, bundles/s, 1 thread:   {:>9.1}",
        crypto(sig1, keys1)
    );
    println!("flushed writes/s, 1 at a time (a bundle needs 1): {flushes:>8.0}");
    println!();
    println!(
        "ratio 1 at a time / signatures alone (1 thread):    {:>5.2}",
        seq / bound(sig1)
    );
    println!(
        "ratio 4 in flight / signatures alone ({cores} threads):   {:>5.2}",
        par / bound(sig_n)
    );
    println!(
        "ratio HTTP / signatures alone ({cores} threads):          {:>5.2}",
        http / bound(sig_n)
    );
    println!(
        "ratio 1 at a time / signatures + keys (1 thread):   {:>5.2}",
        seq / crypto(sig1, keys1)
    );
    println!(
        "ratio 1 at a time / flushed writes alone:            {:>5.2}",
        seq / flushes
    );
    Ok(())
}
