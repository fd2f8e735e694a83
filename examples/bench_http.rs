//! `POST /v1/verify` over loopback TCP against the 2-core ring floor, in one run: the real
//! Router served by axum on a multi-thread runtime (one worker per core), loaded by `wrk`
//! (Debian's, a closed loop of 32 connections: the throughput) and then by an open-loop
//! generator here at half that throughput (the latency a counter sees: p50, p99).
//!
//! cargo run --release --example bench_http [-- SECONDS_PER_FIGURE]
//!
//! Targets (issue 12): presentation ≥ 0.50 of the 2-core floor, SD-JWT ≥ 0.40, p99 < 5 ms at
//! half the rate. The load generators run on the same two cores as the server, so the
//! figures include their cost.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "../tests/inproc/mod.rs"]
mod inproc;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use ring::rand::SystemRandom;
use ring::signature::{
    ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair,
    UnparsedPublicKey,
};

/// Bare ring verifications per second on `threads` threads over a message of `len` bytes.
fn ring_floor(threads: usize, len: usize, secs: f64) -> f64 {
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
    let key =
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap();
    let msg = vec![b'e'; len];
    let sig = key.sign(&rng, &msg).unwrap();
    let public =
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, key.public_key().as_ref().to_vec());
    let n = AtomicU64::new(0);
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                while start.elapsed().as_secs_f64() < secs {
                    for _ in 0..32 {
                        public
                            .verify(std::hint::black_box(&msg), sig.as_ref())
                            .unwrap();
                    }
                    n.fetch_add(32, Ordering::Relaxed);
                }
            });
        }
    });
    n.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
}

/// CPU seconds (user and system) this process has used: the server, not wrk.
fn process_cpu() -> f64 {
    // SAFETY: getrusage writes one rusage into the valid pointer it is given.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    assert_eq!(rc, 0, "getrusage");
    let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    t(ru.ru_utime) + t(ru.ru_stime)
}

/// wrk's requests/s for POSTing `body` to `/v1/verify`.
fn wrk(addr: SocketAddr, body: &[u8], secs: f64) -> anyhow::Result<f64> {
    let dir = tempfile::tempdir()?;
    let lua = dir.path().join("post.lua");
    let body_file = dir.path().join("body.json");
    std::fs::write(&body_file, body)?;
    std::fs::write(
        &lua,
        format!(
            "local f = io.open({:?}, 'rb'); wrk.body = f:read('*a'); f:close()\n\
             wrk.method = 'POST'; wrk.headers['Content-Type'] = 'application/json'\n",
            body_file.display().to_string()
        ),
    )?;
    // ZT_WRK="-t1 -c32" by default: wrk's threads and connections.
    let shape = std::env::var("ZT_WRK").unwrap_or_else(|_| "-t1 -c32".into());
    let out = Command::new("wrk")
        .args(shape.split_whitespace())
        .args([&format!("-d{}s", secs.ceil() as u64), "-s"])
        .arg(&lua)
        .arg(format!("http://{addr}/v1/verify"))
        .output()
        .map_err(|e| anyhow::anyhow!("wrk (apt-get install wrk): {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    anyhow::ensure!(
        !text.contains("Non-2xx"),
        "wrk saw errors or non-2xx answers:\n{text}"
    );
    text.lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no Requests/sec in wrk's output:\n{text}"))
}

/// One HTTP/1.1 request on a kept-alive connection; returns when the whole answer is read.
fn post(conn: &mut TcpStream, request: &[u8], buf: &mut Vec<u8>) -> anyhow::Result<()> {
    conn.write_all(request)?;
    buf.clear();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        let n = conn.read(&mut chunk)?;
        anyhow::ensure!(n > 0, "connection closed");
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            anyhow::ensure!(head.starts_with("http/1.1 200"), "answer: {head}");
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .ok_or_else(|| anyhow::anyhow!("no content-length"))?;
            if buf.len() >= end + 4 + len {
                return Ok(());
            }
        }
    }
}

/// Latencies (µs) of requests sent at `rate`/s in total, open loop, from `clients`
/// connections, each sending on its own schedule (a late request is timed from when it
/// should have been sent, so queueing shows).
fn open_loop(addr: SocketAddr, body: &[u8], rate: f64, secs: f64, clients: usize) -> Vec<f64> {
    let request = [
        format!(
            "POST /v1/verify HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes(),
        body.to_vec(),
    ]
    .concat();
    let gap = Duration::from_secs_f64(clients as f64 / rate);
    let per_client = (secs / gap.as_secs_f64()) as usize + 2;
    // Every client connects, warms up and has its memory in hand before the clock starts:
    // sixteen new threads faulting in their allocator's first (huge) pages showed as a
    // 40 ms stall at the start of the run, the generator's cost and not the server's.
    let ready = std::sync::Barrier::new(clients);
    let start = std::sync::OnceLock::new();
    let mut all = Vec::new();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..clients)
            .map(|c| {
                let (request, ready, start) = (&request, &ready, &start);
                s.spawn(move || {
                    let mut conn = TcpStream::connect(addr).expect("connect");
                    conn.set_nodelay(true).expect("nodelay");
                    let mut buf = Vec::new();
                    for _ in 0..20 {
                        post(&mut conn, request, &mut buf).expect("warm-up request");
                    }
                    let mut times = vec![f64::NAN; per_client];
                    ready.wait();
                    let start: Instant = *start.get_or_init(|| Instant::now() + gap);
                    let start = start + gap.mul_f64(c as f64 / clients as f64);
                    let mut k = 0usize;
                    while k < per_client {
                        let due = start + gap * k as u32;
                        if due.duration_since(start).as_secs_f64() > secs {
                            break;
                        }
                        if let Some(wait) = due.checked_duration_since(Instant::now()) {
                            std::thread::sleep(wait);
                        }
                        post(&mut conn, request, &mut buf).expect("request");
                        times[k] = Instant::now().duration_since(due).as_secs_f64() * 1e6;
                        k += 1;
                    }
                    times.truncate(k);
                    times
                })
            })
            .collect();
        for h in handles {
            all.extend(h.join().expect("client"));
        }
    });
    all.sort_by(f64::total_cmp);
    all
}

fn main() -> anyhow::Result<()> {
    let secs: f64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(8.0);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cores)
        .enable_all()
        .build()?;
    let app = rt.block_on(inproc::app());
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let addr = listener.local_addr()?;
    let router = app.router.clone();
    rt.spawn(async move { axum::serve(listener, router).await });

    let signed_len = |jws: &str| jws.rfind('.').unwrap_or(jws.len());
    let issuer_jwt = app.sd_jwt.split('~').next().unwrap_or_default();
    let shape = std::env::var("ZT_WRK").unwrap_or_else(|_| "-t1 -c32".into());
    println!("cores: {cores}; {secs} s per figure; wrk {shape} for throughput");
    println!(
        "| token | ring floor, 1 thread /s | ring floor, {cores} threads /s | HTTP /s | ratio to {cores}-thread floor | target | p50 µs at half rate | p99 µs at half rate | server CPU µs/request | server's share of the cores | requests per server CPU second / 1-thread floor |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for (name, token, len, target) in [
        (
            "presentation",
            &app.presentation,
            signed_len(&app.presentation),
            0.50,
        ),
        ("SD-JWT", &app.sd_jwt, signed_len(issuer_jwt), 0.40),
    ] {
        let body = inproc::verify_body(token);
        let floor1 = ring_floor(1, len, secs / 2.0);
        let floor_n = ring_floor(cores, len, secs / 2.0);
        let (cpu0, t0) = (process_cpu(), Instant::now());
        let http = wrk(addr, &body, secs)?;
        let (cpu, wall) = (process_cpu() - cpu0, t0.elapsed().as_secs_f64());
        // What the server spends per request, and how much of the machine it got: the
        // rest went to wrk (and the kernel's work in wrk's name).
        let per_request = cpu / (http * wall);
        let share = cpu / (wall * cores as f64);
        // ZT_CLIENTS: the open-loop generator's connections (a thread each), 16 by default.
        let clients = std::env::var("ZT_CLIENTS")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(16);
        let lat = open_loop(addr, &body, http / 2.0, secs, clients);
        let pct = |p: f64| lat[((lat.len() - 1) as f64 * p) as usize];
        println!(
            "| {name} | {floor1:.0} | {floor_n:.0} | {http:.0} | {:.2} | ≥ {target:.2} | {:.0} | {:.0} | {:.0} | {:.2} | {:.2} |",
            http / floor_n,
            pct(0.50),
            pct(0.99),
            per_request * 1e6,
            share,
            1.0 / per_request / floor1,
        );
    }
    Ok(())
}
