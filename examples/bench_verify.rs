//! The in-process `POST /v1/verify` handler path (an http::Request with the JSON body through
//! the axum Router, report JSON bytes out, rate limit off) for a QR presentation, a licence
//! SD-JWT and an e-seal SD-JWT, and `POST /v1/signatures/validate` of a seal signature
//! (compact, and timestamped), against bare ring ECDSA P-256 SHA-256 verification, all on one core
//! (a current_thread runtime), in one run. Rates are calls per second of the thread's CPU
//! time, so other load on the machine does not skew the ratios.
//!
//! cargo run --release --example bench_verify [-- SECONDS_PER_FIGURE]  (split into 7 rounds)
//!
//! Targets (issue 10): presentation ≥ 0.85 of the ring floor, SD-JWT ≥ 0.75. A path that
//! checks N signatures (a seal signature: its own, the e-seal credential's, the police
//! filing's, and the timestamp's) is held against N ring verifications.

/// The allocator the server runs with (src/main.rs), counting this thread's allocations
/// while [`COUNTING`] is on: a figure that the host's noise cannot move, for the part of a
/// verification that is not the signature.
#[global_allocator]
static ALLOCATOR: Counting = Counting;

struct Counting;

static COUNTING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

thread_local! {
    static ALLOCATIONS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

fn count_one() {
    if COUNTING.load(std::sync::atomic::Ordering::Relaxed) {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
    }
}

// SAFETY: every call is passed to mimalloc unchanged; counting touches only a const-initialised
// thread-local cell (no allocation).
unsafe impl std::alloc::GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        count_one();
        unsafe { mimalloc::MiMalloc.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        count_one();
        unsafe { mimalloc::MiMalloc.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new: usize) -> *mut u8 {
        count_one();
        unsafe { mimalloc::MiMalloc.realloc(ptr, layout, new) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        unsafe { mimalloc::MiMalloc.dealloc(ptr, layout) }
    }
}

/// Allocations (and reallocations) this thread makes per call of `f`, over `n` calls.
fn allocations_per_call(n: u64, mut f: impl FnMut()) -> f64 {
    let before = ALLOCATIONS.with(|c| c.get());
    COUNTING.store(true, std::sync::atomic::Ordering::Relaxed);
    for _ in 0..n {
        f();
    }
    COUNTING.store(false, std::sync::atomic::Ordering::Relaxed);
    (ALLOCATIONS.with(|c| c.get()) - before) as f64 / n as f64
}

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

/// Calls in one batch of [`paired`]: a few milliseconds, so that each batch runs in its own
/// steady state (caches warm for it) while both see the host alike.
fn batch() -> u64 {
    std::env::var("ZT_BENCH_BATCH")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(64)
}

/// The floor and the path, alternating in batches (of [`batch`] calls) for about `secs` seconds of this
/// thread's CPU time in all; returns (floor, path) calls per CPU second. Alternating finely
/// makes both meet the same state of the shared host (a neighbour's load, a change of clock
/// speed), which slices of a second each did not: the ratio of one round then moved by ±0.1.
fn paired(secs: f64, mut floor: impl FnMut(), mut path: impl FnMut()) -> (f64, f64) {
    let (mut floor_time, mut path_time) = (Duration::ZERO, Duration::ZERO);
    let (mut n, batch) = (0u64, batch());
    while floor_time + path_time < Duration::from_secs_f64(secs) {
        let t0 = thread_cpu();
        for _ in 0..batch {
            floor();
        }
        let t1 = thread_cpu();
        for _ in 0..batch {
            path();
        }
        let t2 = thread_cpu();
        floor_time += t1 - t0;
        path_time += t2 - t1;
        n += batch;
    }
    (
        n as f64 / floor_time.as_secs_f64(),
        n as f64 / path_time.as_secs_f64(),
    )
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
    }

    /// Medians of the rounds, and the spread of the ratio.
    /// `signatures`: how many signatures the path checks; the floor is that many ring
    /// verifications.
    fn summary(mut self, signed_len: usize, signatures: u64) -> String {
        let n = signatures.max(1) as f64;
        self.ratios = self
            .floors
            .iter()
            .zip(&self.paths)
            .map(|(f, p)| p / (f / n))
            .collect();
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
            "{p:>6.0} /s against ring {f:>6.0} /s over {signed_len} signed bytes, {signatures} signature(s) = {r:.2} of {signatures} ring verification(s) (median of {} rounds, {:.2}..{:.2})",
            self.ratios.len(),
            self.ratios[0],
            self.ratios[self.ratios.len() - 1]
        )
    }
}

/// One path measured: a route, a body, and the message its (first) signature covers.
struct Path {
    label: &'static str,
    route: &'static str,
    /// The request body, held once: each call takes a reference to it, as hyper hands a
    /// handler the bytes it read.
    body: bytes::Bytes,
    /// The JWS signing input (header.payload) of the token's first signature: the floor
    /// verifies one signature over a message this long.
    signed: Vec<u8>,
    /// Signatures checked outside JWS (which `jws::verifications` counts): the RFC 3161
    /// token's CMS signature.
    other_signatures: u64,
    target: Option<f64>,
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
    let sealed = rt.block_on(inproc::sealed(&app));

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
        let jwt = jws.split('~').next().unwrap_or_default();
        let end = jwt.rfind('.').unwrap_or(jwt.len());
        jwt.as_bytes()[..end].to_vec()
    };
    let seal_signature: serde_json::Value = serde_json::from_slice(&sealed.validate_body)?;
    // A `POST /v1/verify` of one token, checking its one signature.
    let verify_path = |label, token: &str, target| Path {
        label,
        route: "/v1/verify",
        body: inproc::verify_body(token).into(),
        signed: signing_input(token),
        other_signatures: 0,
        target,
    };
    let paths = [
        verify_path(
            "POST /v1/verify presentation",
            &app.presentation,
            Some(0.85),
        ),
        verify_path("POST /v1/verify SD-JWT (licence)", &app.sd_jwt, Some(0.75)),
        verify_path(
            "POST /v1/verify SD-JWT (e-seal)",
            &sealed.eseal_sd_jwt,
            None,
        ),
        Path {
            label: "POST /v1/signatures/validate (compact JWS)",
            route: "/v1/signatures/validate",
            signed: signing_input(seal_signature["signature"].as_str().unwrap_or_default()),
            body: sealed.validate_body.clone().into(),
            other_signatures: 0,
            target: None,
        },
        Path {
            label: "POST /v1/signatures/validate (timestamped)",
            route: "/v1/signatures/validate",
            signed: signing_input(seal_signature["signature"].as_str().unwrap_or_default()),
            body: sealed.validate_timestamped_body.clone().into(),
            other_signatures: 1,
            target: None,
        },
    ];
    let signatures = paths
        .iter()
        .map(|p| {
            key.sign(&rng, &p.signed)
                .map_err(|_| anyhow::anyhow!("sign"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let verify_floor = |which: usize| {
        public
            .verify(
                std::hint::black_box(&paths[which].signed),
                signatures[which].as_ref(),
            )
            .expect("valid");
    };
    let floor = |which: usize, secs| rate(secs, || verify_floor(which));

    // (b) the handler path, bytes in, report bytes out.
    let post = |p: &Path| {
        rt.block_on(inproc::call(
            &app.router,
            "POST",
            p.route,
            None,
            p.body.clone(),
        ))
    };
    let call = |p: &Path| -> anyhow::Result<u64> {
        let before = zhengtong::credential::jws::verifications();
        let (st, out) = post(p);
        let jws_checks = zhengtong::credential::jws::verifications() - before;
        let v: serde_json::Value = serde_json::from_slice(&out)?;
        if std::env::var("ZT_BENCH_SHOW").is_ok() {
            eprintln!("{} request: {}", p.label, String::from_utf8_lossy(&p.body));
            eprintln!("{} report: {}", p.label, String::from_utf8_lossy(&out));
        }
        anyhow::ensure!(
            st == 200 && v["indication"] == "TOTAL_PASSED",
            "{}: {v}",
            p.label
        );
        Ok(jws_checks)
    };
    let once = |p: &Path| {
        let (st, out) = post(p);
        assert_eq!(st, 200);
        std::hint::black_box(out);
    };
    let path_rate = |p: &Path, secs: f64| rate(secs, || once(p));
    let mut jws_checks = Vec::new();
    let mut allocations = Vec::new();
    for p in &paths {
        jws_checks.push(call(p)?);
        allocations.push(allocations_per_call(200, || once(p)));
    }
    // `ZT_BENCH_ONLY=N` runs only path N (0: presentation, 1: SD-JWT, ...), for a profiler.
    if let Ok(only) = std::env::var("ZT_BENCH_ONLY") {
        if only == "parts" {
            return parts(&app, secs, &|w| floor(w, secs), &|w| {
                path_rate(&paths[w], secs)
            });
        }
        let p = &paths[only.parse::<usize>()?];
        // `ZT_BENCH_CALLS=N`: exactly N calls, for a counter (`perf stat -e instructions:u`,
        // less a run of 0 calls) that the host's noise does not move.
        if let Ok(calls) = std::env::var("ZT_BENCH_CALLS") {
            for _ in 0..calls.parse::<u64>()? {
                once(p);
            }
            return Ok(());
        }
        println!("{}: {:.0} /s", p.label, path_rate(p, secs));
        return Ok(());
    }
    // Rounds of floor and path (alternating in batches, see `paired`), one path after the
    // other, so that a change of CPU speed during the run (a shared machine) meets all
    // alike; the figure is the median ratio of the rounds.
    const ROUNDS: usize = 7;
    let slice = secs / ROUNDS as f64;
    let mut rows: Vec<Row> = paths.iter().map(|_| Row::default()).collect();
    for _ in 0..ROUNDS {
        for (which, row) in rows.iter_mut().enumerate() {
            let (f, p) = paired(2.0 * slice, || verify_floor(which), || once(&paths[which]));
            row.push(f, p);
        }
    }
    for (((p, row), jws), allocs) in paths.iter().zip(rows).zip(jws_checks).zip(allocations) {
        let target = p
            .target
            .map_or("no target".to_string(), |t| format!("target {t:.2}"));
        println!(
            "{:<43} {}; {target}; {allocs:.0} allocations per call",
            format!("{}:", p.label),
            row.summary(p.signed.len(), jws + p.other_signatures),
        );
    }
    Ok(())
}

/// `ZT_BENCH_ONLY=parts`: where an SD-JWT verification's time goes, outside HTTP and status.
fn parts(
    app: &inproc::App,
    secs: f64,
    floor: &dyn Fn(usize) -> f64,
    path_rate: &dyn Fn(usize) -> f64,
) -> anyhow::Result<()> {
    let trust = zhengtong::pki::TrustStore::load(&app._dir.path().join("certs"))?;
    let verifier = zhengtong::verify::Verifier::new(trust);
    let now = chrono::Utc::now();
    let t = app.sd_jwt.as_str();
    let per = |n: f64| format!("{:.1} µs", 1e6 / n);
    println!("ring floor (SD-JWT size): {}", per(floor(1)));
    println!("ring floor (presentation size): {}", per(floor(0)));
    println!(
        "sdjwt::decode: {}",
        per(rate(secs, || {
            std::hint::black_box(zhengtong::credential::sdjwt::decode(t).is_ok());
        }))
    );
    let payload =
        zhengtong::credential::jws::Parsed::parse(t.split('~').next().unwrap_or(t))?.payload;
    println!(
        "payload ({} bytes) into serde_json::Value: {}",
        payload.len(),
        per(rate(secs, || {
            std::hint::black_box(serde_json::from_slice::<serde_json::Value>(&payload).is_ok());
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
    // The fixed cost of the Router, its layers and this harness: a route that does nothing.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    println!(
        "HTTP GET /healthz (router, layers, harness): {}",
        per(rate(secs, || {
            let (st, out) = rt.block_on(inproc::call(&app.router, "GET", "/healthz", None, vec![]));
            assert_eq!(st, 200);
            std::hint::black_box(out);
        }))
    );
    println!("HTTP SD-JWT: {}", per(path_rate(1)));
    println!("HTTP presentation: {}", per(path_rate(0)));
    Ok(())
}
