//! kill -9 under a mixed write load (registrations, changes, bundles, filings, e-seals,
//! signings, invoices, tokens), then restart and check: nothing acknowledged is lost, no
//! invoice number is issued twice, no bundle is partial. CI kills 3 times; set
//! `ZT_CRASH_KILLS=100` for the long run (figures in RELIABILITY.md).

mod common;
mod mixed_load;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::*;

#[test]
fn kill_dash_nine_under_mixed_load_loses_nothing() {
    let kills: u64 = std::env::var("ZT_CRASH_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let port = free_port();
    let mut s = Server::start_on(port, tempfile::tempdir().unwrap(), None, "440100", &[], &[]);
    let admin = s.admin_token();
    let setup = mixed_load::setup(&s.base, &admin, 1);
    let mut all = mixed_load::Outcome::default();
    for round in 0..kills {
        let stop = Arc::new(AtomicBool::new(false));
        let load = {
            let (setup, stop) = (setup.clone(), stop.clone());
            std::thread::spawn(move || {
                mixed_load::run(
                    &setup,
                    16,
                    // Company numbers of each round never collide with another round's.
                    10_000 + round * 2_000_000,
                    Duration::from_secs(60),
                    Duration::from_secs(20),
                    stop,
                )
            })
        };
        // Let the load run a varying while (0.8–2.3 s), then crash the server mid-write.
        std::thread::sleep(Duration::from_millis(800 + (round * 577) % 1500));
        let dir = s.kill_keep_dir();
        stop.store(true, Ordering::Relaxed);
        let out = load.join().unwrap();
        assert_eq!(out.timeouts, 0, "{}", out.summary());
        println!("kill {}: {}", round + 1, out.summary());
        all.acks.extend(out.acks);
        all.bundles_tried.extend(out.bundles_tried);
        s = Server::start_on(port, dir, None, "440100", &[], &[]);
        let wrong = mixed_load::check(&setup, &all, &admin);
        assert!(wrong.is_empty(), "after kill {}: {wrong:#?}", round + 1);
    }
    println!(
        "{kills} kills: {} acknowledged writes all present, {} bundles tried, none partial",
        all.acks.len(),
        all.bundles_tried.len()
    );
}
