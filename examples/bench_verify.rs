//! The in-process `POST /v1/verify` handler path (an http::Request with the JSON body through
//! the axum Router, report JSON bytes out, rate limit off) for a QR presentation and an
//! SD-JWT, against bare ring ECDSA P-256 SHA-256 verification, all on one core
//! (a current_thread runtime), in one run.
//!
//! cargo run --release --example bench_verify [-- SECONDS_PER_FIGURE]
//!
//! Targets: presentation ≥ 0.85 of the ring floor, SD-JWT ≥ 0.75.

#[path = "../tests/inproc/mod.rs"]
mod inproc;

use std::time::{Duration, Instant};

use ring::rand::SystemRandom;
use ring::signature::{
    ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair,
    UnparsedPublicKey,
};

/// Runs `f` for about `secs` seconds; returns calls per second.
fn rate(secs: f64, mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < Duration::from_secs_f64(secs) {
        for _ in 0..16 {
            f();
        }
        n += 16;
    }
    n as f64 / start.elapsed().as_secs_f64()
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
    println!("ring ECDSA P-256 verify:      {floor:>9.0} /s (one core)");
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
