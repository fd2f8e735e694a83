//! A node with many companies: loads them through the library in bulk (the same
//! `prepare_registration` as `POST /v1/companies`, 1,000 per durable batch, signed on every
//! core), and at 1k, 10k, 100k and 1M companies measures verification and wallet latency
//! (in process, through the real Router), the process's RSS while under load, and the data
//! folder's size; at the end, how long the node takes to start on the full folder.
//!
//! cargo run --release --example scale [-- MAX_COMPANIES [DATA_DIR]]
//!
//! Prints one table row per checkpoint and writes `scale.json` (the rows) beside the data
//! folder; `--plot FILE.svg` as the last argument draws latency and RSS against companies
//! (`scale DIR/scale.json --plot FILE.svg` draws an earlier run's rows; `scale 0 DIR` only
//! opens an existing folder and prints the RSS that costs).

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "../tests/inproc/mod.rs"]
mod inproc;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use axum::Router;
use serde_json::{Value, json};
use zhengtong::domain::CompanyRecord;
use zhengtong::events::Channel;
use zhengtong::http::router;
use zhengtong::server::build_state;
use zhengtong::store::Batch;
use zhengtong::wallet::Wallet;

const BATCH: usize = 1_000;
/// Requests timed per figure at each checkpoint.
const SAMPLES: usize = 2_000;
/// One company in this many is kept as a sample to verify and to open the wallet of.
const SAMPLE_EVERY: u64 = 97;

fn record(i: u64) -> CompanyRecord {
    let uscc = zhengtong::domain::with_check_char(&format!("91440101MA{i:07}")).expect("uscc");
    serde_json::from_value(json!({
        "uscc": uscc, "name": format!("广州规模测试第{i}号科技有限公司"),
        "legal_representative": { "name": "张三", "id_number": "11010519491231002X" },
        "registered_capital_fen": 100_000_000, "address": "广州市天河区天河路1号",
        "business_scope": "软件开发", "established_on": "2024-03-01",
    }))
    .expect("record")
}

struct Sample {
    uscc: String,
    wallet_token: String,
    sd_jwt: String,
}

/// Registers companies `from..to` in durable batches of [`BATCH`], each batch prepared on
/// `threads` threads; keeps every [`SAMPLE_EVERY`]th company as a sample.
fn load(
    rt: &tokio::runtime::Runtime,
    wallet: &Wallet,
    from: u64,
    to: u64,
    threads: usize,
    samples: &mut Vec<Sample>,
) {
    let mut start = from;
    while start < to {
        let end = (start + BATCH as u64).min(to);
        let statuses = rt
            .block_on(wallet.status_claims((end - start) as usize))
            .expect("status entries");
        let now = wallet.clock.now();
        let per = (end - start).div_ceil(threads as u64);
        let parts: Vec<(Batch, Vec<Sample>)> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads as u64)
                .map(|t| {
                    let lo = start + t * per;
                    let hi = (lo + per).min(end);
                    let statuses = &statuses;
                    s.spawn(move || {
                        let mut batch = Batch::default();
                        let mut kept = Vec::new();
                        for i in lo..hi {
                            let status = statuses[(i - start) as usize].clone();
                            let (_, reg) = wallet
                                .prepare_registration(
                                    record(i),
                                    now,
                                    status,
                                    Channel::Stepwise,
                                    &mut batch,
                                )
                                .expect("registration");
                            if i % SAMPLE_EVERY == 0 {
                                kept.push(Sample {
                                    uscc: reg.credentials[0].uscc.to_string(),
                                    wallet_token: reg.wallet_token,
                                    sd_jwt: reg.credentials[0].sd_jwt.clone(),
                                });
                            }
                        }
                        (batch, kept)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("loader"))
                .collect()
        });
        for (batch, kept) in parts {
            rt.block_on(wallet.store().apply(batch))
                .expect("durable batch");
            samples.extend(kept);
        }
        start = end;
    }
}

/// The answer's status of one request through the Router (the body read and dropped).
async fn call(
    router: &Router,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Vec<u8>,
) -> u16 {
    inproc::call(router, method, path, token, body).await.0
}

/// p50 and p99 in microseconds of `SAMPLES` calls of `f` over random samples.
fn latency(rt: &tokio::runtime::Runtime, n: usize, mut f: impl FnMut(usize) -> u16) -> (f64, f64) {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut times: Vec<f64> = (0..SAMPLES)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let t = Instant::now();
            let status = f(seed as usize % n);
            assert_eq!(status, 200, "status");
            t.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    let _ = rt;
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], times[times.len() * 99 / 100])
}

fn rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .expect("VmRSS");
    kb / 1024.0
}

fn dir_bytes(p: &Path) -> u64 {
    std::fs::read_dir(p)
        .map(|rd| {
            rd.flatten()
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => dir_bytes(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let plot = args
        .iter()
        .position(|a| a == "--plot")
        .map(|i| PathBuf::from(&args[i + 1]));
    let positional: Vec<&String> = args.iter().take_while(|a| *a != "--plot").collect();
    // `scale RUN/scale.json --plot FILE.svg`: draws an earlier run's rows again.
    if let (Some(json), Some(svg)) = (positional.first().filter(|p| p.ends_with(".json")), &plot) {
        let out: Value = serde_json::from_slice(&std::fs::read(json)?)?;
        let rows = out["rows"]
            .as_array()
            .cloned()
            .ok_or_else(|| anyhow::anyhow!("{json}: no \"rows\" array"))?;
        draw(&rows, svg)?;
        println!("plot: {}", svg.display());
        return Ok(());
    }
    // `scale store DIR`: only open the store of an existing folder (sled alone, none of the
    // node's start-up work), to tell sled's own memory from the node's.
    if let (Some("store"), Some(dir)) = (positional.first().map(|s| s.as_str()), positional.get(1))
    {
        let store = zhengtong::store::Store::open(&PathBuf::from(dir).join("data"))?;
        println!("RSS with the store open: {:.0} MB", rss_mb());
        drop(store);
        return Ok(());
    }
    let max: u64 = positional.first().map_or(Ok(1_000_000), |s| s.parse())?;
    let tmp = tempfile::tempdir()?;
    let base = positional
        .get(1)
        .map_or_else(|| tmp.path().to_path_buf(), PathBuf::from);
    std::fs::create_dir_all(&base)?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let state = rt.block_on(build_state(&inproc::config(&base)))?;
    let wallet = state.wallet.clone();
    let app = router(state);

    println!(
        "RSS with the node started, before loading: {:.0} MB",
        rss_mb()
    );
    if max == 0 {
        // `scale 0 DIR`: only open an existing folder (what sled's start costs).
        return Ok(());
    }
    println!(
        "| companies | loaded/s | verify p50 µs | verify p99 µs | wallet p50 µs | wallet p99 µs | RSS MB | data MB | bytes/company |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    let mut rows = Vec::new();
    let mut samples = Vec::new();
    let mut loaded = 0u64;
    for checkpoint in [1_000u64, 10_000, 100_000, 1_000_000] {
        let target = checkpoint.min(max);
        if target <= loaded {
            break;
        }
        let t = Instant::now();
        load(&rt, &wallet, loaded, target, threads, &mut samples);
        let per_s = (target - loaded) as f64 / t.elapsed().as_secs_f64();
        loaded = target;

        let n = samples.len();
        let verify = latency(&rt, n, |k| {
            let body = serde_json::to_vec(&json!({ "token": samples[k].sd_jwt })).expect("json");
            rt.block_on(call(&app, "POST", "/v1/verify", None, body))
        });
        let open = latency(&rt, n, |k| {
            let s = &samples[k];
            let path = format!("/v1/wallets/{}", s.uscc);
            rt.block_on(call(&app, "GET", &path, Some(&s.wallet_token), vec![]))
        });
        // RSS under load: two clients verifying while it is read.
        let busy = std::sync::atomic::AtomicBool::new(true);
        let rss = std::thread::scope(|sc| {
            for c in 0..2 {
                let (app, samples, busy, rt) = (&app, &samples, &busy, &rt);
                sc.spawn(move || {
                    let mut k = c;
                    while busy.load(std::sync::atomic::Ordering::Relaxed) {
                        let body = serde_json::to_vec(&json!({ "token": samples[k % n].sd_jwt }))
                            .expect("json");
                        rt.block_on(call(app, "POST", "/v1/verify", None, body));
                        k += 7;
                    }
                });
            }
            std::thread::sleep(Duration::from_secs(2));
            let rss = rss_mb();
            busy.store(false, std::sync::atomic::Ordering::Relaxed);
            rss
        });
        let bytes = dir_bytes(&base.join("data"));
        println!(
            "| {loaded} | {per_s:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {rss:.0} | {:.0} | {:.0} |",
            verify.0,
            verify.1,
            open.0,
            open.1,
            bytes as f64 / 1e6,
            bytes as f64 / loaded as f64
        );
        rows.push(json!({
            "companies": loaded, "loaded_per_s": per_s,
            "verify_p50_us": verify.0, "verify_p99_us": verify.1,
            "wallet_p50_us": open.0, "wallet_p99_us": open.1,
            "rss_mb": rss, "data_bytes": bytes,
        }));
    }

    // Where the bytes are: records and their sizes per tree, per company.
    println!("| tree | records/company | bytes/company |");
    println!("|---|---|---|");
    for (name, n, bytes) in wallet.store().sizes()? {
        if n > 0 {
            println!(
                "| {name} | {:.2} | {:.0} |",
                n as f64 / loaded as f64,
                bytes as f64 / loaded as f64
            );
        }
    }

    // Start-up on the full folder: everything closed, then opened again.
    drop(app);
    drop(wallet);
    let t = Instant::now();
    let state = rt.block_on(build_state(&inproc::config(&base)))?;
    let startup = t.elapsed();
    let app = router(state);
    let first = Instant::now();
    let body = serde_json::to_vec(&json!({ "token": samples[0].sd_jwt }))?;
    let status = rt.block_on(call(&app, "POST", "/v1/verify", None, body));
    println!(
        "start-up at {loaded} companies: {:.2} s; first verification after it: {:.1} ms (HTTP {status}); RSS {:.0} MB",
        startup.as_secs_f64(),
        first.elapsed().as_secs_f64() * 1e3,
        rss_mb()
    );
    let out = json!({ "rows": rows, "startup_s": startup.as_secs_f64() });
    std::fs::write(base.join("scale.json"), serde_json::to_vec_pretty(&out)?)?;
    if let Some(svg) = plot {
        draw(&rows, &svg)?;
        println!("plot: {}", svg.display());
    }
    Ok(())
}

/// Latency (p50, p99 of verification and wallet) and RSS against companies, log x axis.
fn draw(rows: &[Value], path: &Path) -> anyhow::Result<()> {
    use plotters::prelude::*;
    let get = |k: &str| -> Vec<(f64, f64)> {
        rows.iter()
            .map(|r| {
                (
                    r["companies"].as_f64().unwrap_or(0.0),
                    r[k].as_f64().unwrap_or(0.0),
                )
            })
            .collect()
    };
    let xmax = rows
        .last()
        .and_then(|r| r["companies"].as_f64())
        .unwrap_or(1e6);
    let root = SVGBackend::new(path, (900, 420)).into_drawing_area();
    root.fill(&WHITE)?;
    let (left, right) = root.split_horizontally(450);
    let series = [
        ("verify p50", "verify_p50_us", RED),
        ("verify p99", "verify_p99_us", MAGENTA),
        ("wallet p50", "wallet_p50_us", BLUE),
        ("wallet p99", "wallet_p99_us", CYAN),
    ];
    let ymax = series
        .iter()
        .flat_map(|(_, k, _)| get(k))
        .map(|(_, y)| y)
        .fold(1.0, f64::max);
    let mut chart = ChartBuilder::on(&left)
        .caption("latency (µs, log) against companies", ("sans-serif", 18))
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(50)
        .build_cartesian_2d(
            (500f64..xmax * 2.0).log_scale(),
            (10f64..ymax * 2.0).log_scale(),
        )?;
    chart.configure_mesh().draw()?;
    for (name, key, colour) in series {
        chart
            .draw_series(LineSeries::new(get(key), colour.stroke_width(2)))?
            .label(name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], colour));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE)
        .border_style(BLACK)
        .draw()?;
    let rss = get("rss_mb");
    let rmax = rss.iter().map(|(_, y)| *y).fold(1.0, f64::max);
    let mut chart = ChartBuilder::on(&right)
        .caption("RSS (MB) against companies", ("sans-serif", 18))
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(50)
        .build_cartesian_2d(
            (500f64..xmax * 2.0).log_scale(),
            0f64..(rmax * 1.2).max(300.0),
        )?;
    chart.configure_mesh().draw()?;
    chart.draw_series(LineSeries::new(rss, BLACK.stroke_width(2)))?;
    chart.draw_series(LineSeries::new(
        vec![(500.0, 256.0), (xmax * 2.0, 256.0)],
        RED.stroke_width(1),
    ))?;
    root.present()?;
    Ok(())
}
