//! Many writers at once: 64 threads of mixed writes (registrations, changes, bundles,
//! filings, e-seals, signings, invoices, tokens) against the real server for a bounded
//! time. No request may hang, a fresh write right after must answer within seconds, and
//! everything acknowledged must be there. (sled 0.34.7's concurrent `flush_async` hung
//! every write within a second of such a load.)

mod common;
mod mixed_load;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use common::*;

#[test]
fn sixty_four_mixed_writers_never_hang_and_lose_nothing() {
    let s = Server::start();
    let admin = s.admin_token();
    let setup = mixed_load::setup(&s.base, &admin, 1);
    let out = mixed_load::run(
        &setup,
        64,
        1_000,
        Duration::from_secs(8),
        Duration::from_secs(20),
        Arc::new(AtomicBool::new(false)),
    );
    println!("{}", out.summary());
    assert_eq!(out.timeouts, 0, "writes hung: {}", out.summary());
    assert_eq!(out.connection_errors, 0, "{}", out.summary());
    for kind in [
        "company", "change", "bundle", "filing", "seal", "signing", "invoice", "token",
    ] {
        assert!(
            out.count(kind) > 0,
            "no {kind} acknowledged: {}",
            out.summary()
        );
    }
    // A fresh write right after the load answers within a few seconds.
    let started = Instant::now();
    let fresh = uscc(999_001);
    let r = s.post(
        "/v1/companies",
        Some(&setup.authority),
        &company(&fresh, "广州事后示例有限公司"),
    );
    assert_eq!(r.status(), 201);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let wrong = mixed_load::check(&setup, &out, &admin);
    assert!(wrong.is_empty(), "{wrong:#?}");
    // Nothing lost across a restart either (every acknowledged write was flushed).
    let dir = s.kill_keep_dir();
    let s = Server::start_with(dir, None, "440100", &[]);
    let wrong = mixed_load::check(&setup_on(&setup, &s.base), &out, &admin);
    assert!(wrong.is_empty(), "after a kill -9: {wrong:#?}");
    let r = s.get(&format!("/v1/wallets/{fresh}"), Some(&setup.authority));
    assert_eq!(r.status(), 200);
}

fn setup_on(s: &mixed_load::Setup, base: &str) -> mixed_load::Setup {
    mixed_load::Setup {
        base: base.to_string(),
        ..s.clone()
    }
}
