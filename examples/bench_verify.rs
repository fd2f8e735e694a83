//! The in-process `POST /v1/verify` handler path (an http::Request with the JSON body through
//! the axum Router, report JSON bytes out, rate limit off) for a QR presentation and an
//! SD-JWT, against bare ring ECDSA P-256 SHA-256 verification, all on one core
//! (a current_thread runtime), in one run. Rates are calls per second of the thread's CPU
//! time, so other load on the machine does not skew the ratios.
//!
//! cargo run --release --example bench_verify [-- SECONDS_PER_FIGURE]
//!
//! Targets: presentation ≥ 0.85 of the ring floor, SD-JWT ≥ 0.75.

#[path = "../tests/inproc/mod.rs"]
mod inproc;

use std::time::Duration;

use ring::rand::SystemRandom;
use ring::signature::{
    ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair,
    UnparsedPublicKey,
};

/// CPU time this thread has used. Everything measured runs on this thread (a current_thread
/// runtime; the verify path uses no blocking pool), so CPU time per call is its whole cost,
/// whatever else the shared machine is running.
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec into the valid pointer it is given.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Runs `f` for about `secs` seconds of this thread's CPU time; returns calls per CPU second.
fn rate(secs: f64, mut f: impl FnMut()) -> f64 {
    let start = thread_cpu();
    let mut n = 0u64;
    while thread_cpu() - start < Duration::from_secs_f64(secs) {
        for _ in 0..16 {
            f();
        }
        n += 16;
    }
    n as f64 / (thread_cpu() - start).as_secs_f64()
}

fn main() -> anyhow::Result<()> {
    let secs: f64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(3.0);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let app = rt.block_on(inproc::app());

    // (a) bare ring verification of one ES256 signature over a message of a token's size.
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
        .map_err(|_| anyhow::anyhow!("keygen"))?;
    let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
        .map_err(|_| anyhow::anyhow!("key"))?;
    let msg = app.presentation.as_bytes().to_vec();
    let sig = key.sign(&rng, &msg).map_err(|_| anyhow::anyhow!("sign"))?;
    let public =
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, key.public_key().as_ref().to_vec());
    let floor = rate(secs, || {
        public
            .verify(std::hint::black_box(&msg), sig.as_ref())
            .expect("valid");
    });

    // (b) the handler path, bytes in, report bytes out.
    let path = |token: &str, label: &str| -> anyhow::Result<f64> {
        let body = inproc::verify_body(token);
        let (st, out) = rt.block_on(inproc::call(
            &app.router,
            "POST",
            "/v1/verify",
            None,
            body.clone(),
        ));
        let v: serde_json::Value = serde_json::from_slice(&out)?;
        anyhow::ensure!(
            st == 200 && v["indication"] == "TOTAL_PASSED",
            "{label}: {v}"
        );
        Ok(rate(secs, || {
            let (st, out) = rt.block_on(inproc::call(
                &app.router,
                "POST",
                "/v1/verify",
                None,
                body.clone(),
            ));
            assert_eq!(st, 200);
            std::hint::black_box(out);
        }))
    };
    let presentation = path(&app.presentation, "presentation")?;
    let sd_jwt = path(&app.sd_jwt, "SD-JWT")?;
    println!("ring ECDSA P-256 verify:      {floor:>9.0} /s (one core, per CPU second)");
    println!(
        "POST /v1/verify presentation: {presentation:>9.0} /s  = {:.2} of ring (target 0.85)",
        presentation / floor
    );
    println!(
        "POST /v1/verify SD-JWT:       {sd_jwt:>9.0} /s  = {:.2} of ring (target 0.75)",
        sd_jwt / floor
    );
    Ok(())
}
