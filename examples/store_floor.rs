//! The store's own durable-write floor: small atomic batches, each acknowledged only after
//! a flush, at 1, 8 and 64 concurrent writers (group commit lets one flush serve many).
//! The HTTP write figures in README.md are quoted against these, measured in the same run.
//!
//! `cargo run --release --example store_floor [SECONDS per level, default 3]`

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use zhengtong::store::{Batch, Store, Tree};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let secs: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path())?;
    println!("{:>8} {:>14} {:>12}", "writers", "durable/s", "p99 ms");
    for writers in [1u64, 8, 64] {
        let done = Arc::new(AtomicU64::new(0));
        let deadline = Instant::now() + Duration::from_secs(secs);
        let tasks: Vec<_> = (0..writers)
            .map(|w| {
                let (store, done) = (store.clone(), done.clone());
                tokio::spawn(async move {
                    let mut lat = Vec::new();
                    let mut i = 0u64;
                    while Instant::now() < deadline {
                        let mut b = Batch::default();
                        // About the size of a company record.
                        b.put(
                            Tree::Meta,
                            &format!("floor/{writers}/{w}/{i}"),
                            &"x".repeat(600),
                        );
                        let t = Instant::now();
                        store.apply(b).await.expect("durable write");
                        lat.push(t.elapsed());
                        done.fetch_add(1, Ordering::Relaxed);
                        i += 1;
                    }
                    lat
                })
            })
            .collect();
        let mut lat = Vec::new();
        for t in tasks {
            lat.extend(t.await?);
        }
        lat.sort();
        let p99 = lat.get(lat.len() * 99 / 100).copied().unwrap_or_default();
        println!(
            "{writers:>8} {:>14.0} {:>12.2}",
            done.load(Ordering::Relaxed) as f64 / secs as f64,
            p99.as_secs_f64() * 1e3
        );
    }
    Ok(())
}
