//! The in-process `POST /v1/verify` handler path (an http::Request with the JSON body through
//! the axum Router, report JSON bytes out, rate limit off) for a QR presentation and an
//! SD-JWT, against bare ring ECDSA P-256 SHA-256 verification, all on one core
//! (a current_thread runtime), in one run. Rates are calls per second of the thread's CPU
//! time, so other load on the machine does not skew the ratios.
//!
//! cargo run --release --example bench_verify [-- SECONDS_PER_FIGURE]  (split into 7 rounds)
//!
//! Targets: presentation ≥ 0.85 of the ring floor, SD-JWT ≥ 0.75.

/// The allocator the server runs with (src/main.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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

/// One path's rounds: the ring floor and the handler path, calls per CPU second.
#[derive(Default)]
struct Row {
    floors: Vec<f64>,
    paths: Vec<f64>,
    ratios: Vec<f64>,
}

impl Row {
    fn push(&mut self, floor: f64, path: f64) {
        self.floors.push(floor);
        self.paths.push(path);
        self.ratios.push(path / floor);
    }

    /// Medians of the rounds, and the spread of the ratio.
    fn summary(mut self, signed_len: usize) -> String {
        let median = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let (f, p, r) = (
            median(&mut self.floors),
            median(&mut self.paths),
            median(&mut self.ratios),
        );
        format!(
            "{p:>6.0} /s against ring {f:>6.0} /s over {signed_len} signed bytes = {r:.2} of ring (median of {} rounds, {:.2}..{:.2})",
            self.ratios.len(),
            self.ratios[0],
            self.ratios[self.ratios.len() - 1]
        )
    }
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

    // (a) bare ring verification of one ES256 signature over a message as long as the one
    // the token's signature covers (a JWS signing input: header.payload), one floor per
    // token: the SD-JWT's issuer JWT carries its certificate chain and is ten times longer
    // than a QR presentation, and hashing it is part of verifying its signature.
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
        .map_err(|_| anyhow::anyhow!("keygen"))?;
    let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
        .map_err(|_| anyhow::anyhow!("key"))?;
    let public =
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, key.public_key().as_ref().to_vec());
    let signing_input = |jws: &str| -> Vec<u8> {
        let end = jws.rfind('.').unwrap_or(jws.len());
        jws.as_bytes()[..end].to_vec()
    };
    let issuer_jwt = app.sd_jwt.split('~').next().unwrap_or_default();
    let messages = [signing_input(&app.presentation), signing_input(issuer_jwt)];
    let signatures = messages
        .iter()
        .map(|m| key.sign(&rng, m).map_err(|_| anyhow::anyhow!("sign")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let floor = |which: usize, secs| {
        rate(secs, || {
            public
                .verify(
                    std::hint::black_box(&messages[which]),
                    signatures[which].as_ref(),
                )
                .expect("valid");
        })
    };

    // (b) the handler path, bytes in, report bytes out.
    let call = |body: &[u8], label: &str| -> anyhow::Result<()> {
        let (st, out) = rt.block_on(inproc::call(
            &app.router,
            "POST",
            "/v1/verify",
            None,
            body.to_vec(),
        ));
        let v: serde_json::Value = serde_json::from_slice(&out)?;
        if std::env::var("ZT_BENCH_SHOW").is_ok() {
            eprintln!("{label}: {}", String::from_utf8_lossy(&out));
        }
        anyhow::ensure!(
            st == 200 && v["indication"] == "TOTAL_PASSED",
            "{label}: {v}"
        );
        Ok(())
    };
    let path_rate = |body: &[u8], secs: f64| {
        rate(secs, || {
            let (st, out) = rt.block_on(inproc::call(
                &app.router,
                "POST",
                "/v1/verify",
                None,
                body.to_vec(),
            ));
            assert_eq!(st, 200);
            std::hint::black_box(out);
        })
    };
    let presentation = inproc::verify_body(&app.presentation);
    let sd_jwt = inproc::verify_body(&app.sd_jwt);
    call(&presentation, "presentation")?;
    call(&sd_jwt, "SD-JWT")?;
    // `ZT_BENCH_ONLY=presentation|sd-jwt` runs only that path (for a profiler).
    match std::env::var("ZT_BENCH_ONLY").as_deref() {
        Ok("presentation") => {
            println!("presentation: {:.0} /s", path_rate(&presentation, secs));
            return Ok(());
        }
        Ok("sd-jwt") => {
            println!("SD-JWT: {:.0} /s", path_rate(&sd_jwt, secs));
            return Ok(());
        }
        Ok("parts") => {
            // Where an SD-JWT verification's time goes, outside HTTP and status.
            let trust = zhengtong::pki::TrustStore::load(&app._dir.path().join("certs"))?;
            let verifier = zhengtong::verify::Verifier::new(trust);
            let now = chrono::Utc::now();
            let t = app.sd_jwt.as_str();
            let per = |n: f64| format!("{:.1} µs", 1e6 / n);
            println!("ring floor (SD-JWT size): {}", per(floor(1, secs)));
            println!("ring floor (presentation size): {}", per(floor(0, secs)));
            println!(
                "sdjwt::decode: {}",
                per(rate(secs, || {
                    std::hint::black_box(zhengtong::credential::sdjwt::decode(t).is_ok());
                }))
            );
            println!(
                "issuer_jwt_sha256: {}",
                per(rate(secs, || {
                    std::hint::black_box(zhengtong::credential::issuer_jwt_sha256(t));
                }))
            );
            println!(
                "check_credential (no status): {}",
                per(rate(secs, || {
                    std::hint::black_box(verifier.check_credential(t, now));
                }))
            );
            println!(
                "check_presentation (no status): {}",
                per(rate(secs, || {
                    std::hint::black_box(verifier.check_presentation(&app.presentation, now));
                }))
            );
            println!("HTTP SD-JWT: {}", per(path_rate(&sd_jwt, secs)));
            println!("HTTP presentation: {}", per(path_rate(&presentation, secs)));
            return Ok(());
        }
        _ => {}
    }
    // Rounds of floor, presentation, SD-JWT, one after the other, so that a change of CPU
    // speed during the run (a shared machine) meets all three alike; the figure is the
    // median ratio of the rounds.
    const ROUNDS: usize = 7;
    let slice = secs / ROUNDS as f64;
    let mut rows = [Row::default(), Row::default()];
    for _ in 0..ROUNDS {
        for (which, body) in [&presentation, &sd_jwt].into_iter().enumerate() {
            let f = floor(which, slice);
            let p = path_rate(body, slice);
            rows[which].push(f, p);
        }
    }
    let [p, s] = rows;
    println!(
        "POST /v1/verify presentation: {}; target 0.85",
        p.summary(messages[0].len())
    );
    println!(
        "POST /v1/verify SD-JWT:       {}; target 0.75",
        s.summary(messages[1].len())
    );
    Ok(())
}
