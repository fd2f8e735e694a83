//! Limits that hold under abuse (issue 9): image pixels and decodes, slow clients,
//! connection cap, large validation bodies, rate limit, Cache-Control, against the real server.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::*;
use serde_json::{Value, json};

/// An 8000×8000 white PNG (64 megapixels, about 200 KiB).
fn huge_png() -> Vec<u8> {
    use image::ImageEncoder;
    use image::codecs::png::{CompressionType, FilterType, PngEncoder};
    let (w, h) = (8000u32, 8000u32);
    let pixels = vec![255u8; (w * h) as usize];
    let mut out = Vec::new();
    PngEncoder::new_with_quality(&mut out, CompressionType::Best, FilterType::Up)
        .write_image(&pixels, w, h, image::ExtendedColorType::L8)
        .unwrap();
    out
}

fn post_image(s: &Server, png: Vec<u8>) -> reqwest::blocking::Response {
    s.client
        .post(s.url("/v1/verify/image"))
        .header("content-type", "image/png")
        .body(png)
        .send()
        .unwrap()
}

#[test]
fn huge_images_are_refused_from_their_header_and_memory_stays_bounded() {
    let s = Server::start();
    let png = huge_png();
    assert!(png.len() < 2 * 1024 * 1024, "{} bytes", png.len());
    let t = Instant::now();
    let (status, p) = problem(post_image(&s, png.clone()));
    let took = t.elapsed();
    assert_eq!((status, p["field"].as_str()), (413, Some("body")), "{p}");
    let detail = p["detail"].as_str().unwrap();
    assert!(
        detail.contains("8000×8000") && detail.contains("16 megapixels"),
        "{detail}"
    );
    assert!(took < Duration::from_secs(1), "took {took:?}");

    // 32 at once: every one refused (413) or turned away (503), the server stays small.
    let before = s.rss_kib();
    let peak = std::sync::atomic::AtomicU64::new(before);
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                peak.fetch_max(s.rss_kib(), std::sync::atomic::Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(10));
            }
        });
        let uploads: Vec<_> = (0..32)
            .map(|_| scope.spawn(|| post_image(&s, png.clone()).status().as_u16()))
            .collect();
        for u in uploads {
            let code = u.join().unwrap();
            assert!(code == 413 || code == 503, "{code}");
        }
        done.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    let peak = peak.into_inner();
    eprintln!("RSS {before} KiB before, peak {peak} KiB with 32 concurrent 8000×8000 PNGs");
    assert!(peak < 300 * 1024, "peak RSS {peak} KiB");
    assert_eq!(s.get("/healthz", None).status(), 200);
}

/// Reads until the server closes the connection (or `limit` passes), sending `line` every
/// `every`; returns how long the connection lived.
fn lifetime(c: &mut TcpStream, line: &[u8], every: Duration, limit: Duration) -> Option<Duration> {
    let t = Instant::now();
    c.set_read_timeout(Some(every)).unwrap();
    let mut buf = [0u8; 4096];
    while t.elapsed() < limit {
        if !line.is_empty() && c.write_all(line).is_err() {
            return Some(t.elapsed());
        }
        match c.read(&mut buf) {
            Ok(0) => return Some(t.elapsed()),
            Ok(_) => {}
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(_) => return Some(t.elapsed()),
        }
    }
    None
}

#[test]
fn slowloris_and_silent_connections_are_closed() {
    let s = Server::start_args(&["--header-timeout", "2"]);
    // A header line a second: never a whole request head.
    let mut c = TcpStream::connect(s.addr()).unwrap();
    c.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let lived = lifetime(
        &mut c,
        b"X-Slow: yes\r\n",
        Duration::from_secs(1),
        Duration::from_secs(10),
    );
    let lived = lived.expect("the slowloris connection was still open after 10 s");
    assert!(lived < Duration::from_secs(5), "lived {lived:?}");
    // A connection that sends nothing at all.
    let mut c = TcpStream::connect(s.addr()).unwrap();
    let lived = lifetime(
        &mut c,
        b"",
        Duration::from_millis(500),
        Duration::from_secs(10),
    );
    let lived = lived.expect("the silent connection was still open after 10 s");
    assert!(lived < Duration::from_secs(5), "lived {lived:?}");
    assert_eq!(s.get("/healthz", None).status(), 200);
}

#[test]
fn a_slow_body_is_cut_with_408() {
    let s = Server::start_args(&["--body-timeout", "2"]);
    let mut c = TcpStream::connect(s.addr()).unwrap();
    c.write_all(
        b"POST /v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"token\": \"",
    )
    .unwrap();
    c.set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let t = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while t.elapsed() < Duration::from_secs(10) {
        let _ = c.write_all(b"a");
        match c.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                got.extend_from_slice(&buf[..n]);
                if got.windows(4).any(|w| w == b"\r\n\r\n") {
                    break;
                }
            }
            Err(_) => {}
        }
    }
    let head = String::from_utf8_lossy(&got);
    assert!(
        head.starts_with("HTTP/1.1 408"),
        "after {:?}: {head}",
        t.elapsed()
    );
    assert!(head.contains("application/problem+json"), "{head}");
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
}

#[test]
fn connections_beyond_the_cap_wait_until_others_close() {
    let s = Server::start_args(&["--max-connections", "4", "--header-timeout", "30"]);
    // Four connections, each in the middle of a request head.
    let held: Vec<TcpStream> = (0..4)
        .map(|_| {
            let mut c = TcpStream::connect(s.addr()).unwrap();
            c.write_all(b"GET /healthz HTTP/1.1\r\n").unwrap();
            c
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let quick = reqwest::blocking::Client::builder()
        .timeout(Duration::from_millis(1500))
        .build()
        .unwrap();
    let r = quick.get(s.url("/healthz")).send();
    assert!(r.is_err(), "a fifth connection was served: {r:?}");
    drop(held);
    let t = Instant::now();
    let r = quick.get(s.url("/healthz")).send().unwrap();
    assert_eq!(r.status(), 200);
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
}

#[test]
fn verification_is_rate_limited_per_client() {
    let s = Server::start_args(&["--rate-limit", "6", "--rate-burst", "3"]);
    let verify = |xff: &str| {
        s.client
            .post(s.url("/v1/verify"))
            .header("x-forwarded-for", xff)
            .json(&json!({"token": "a.b.c"}))
            .send()
            .unwrap()
    };
    for i in 0..3 {
        assert_eq!(verify(&format!("10.0.0.{i}")).status(), 200);
    }
    // X-Forwarded-For is not trusted without --trust-forwarded-for: same client.
    let r = verify("10.0.0.99");
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=10).contains(&retry), "Retry-After {retry}");
    let (status, p) = problem(r);
    assert_eq!(status, 429, "{p}");
    // The three endpoints share the client's allowance; other routes are not limited.
    let r = s.post(
        "/v1/signatures/validate",
        None,
        &json!({"document_sha256": "00".repeat(32), "signature": "a.b.c"}),
    );
    assert_eq!(r.status(), 429);
    assert_eq!(post_image(&s, vec![1, 2, 3]).status(), 429);
    assert_eq!(s.get("/healthz", None).status(), 200);
    assert_eq!(s.get("/v1/certs", None).status(), 200);
}

#[test]
fn validate_refuses_big_json_and_streams_big_documents() {
    let s = Server::start();
    let auth = s.role_token("authority");
    let police = s.role_token("police");
    let name = "广州限额示例科技有限公司";
    let (uscc, wallet, _) = s.register(&auth, &company(&uscc(90), name));
    let (_, seal) = s.official_seal(&police, &auth, &uscc, name, "4401000099901");
    let seal_id = seal["id"].as_str().unwrap();
    // An 8 MiB document, sealed.
    let doc: Vec<u8> = (0..8 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 24) as u8)
        .collect();
    let signature = s.seal_document(&uscc, &wallet, seal_id, &doc);

    // In base64 inside JSON (11 MiB): refused, and the detail says what to send instead.
    let body = json!({"document_base64": zhengtong::b64::encode_std(&doc), "signature": signature});
    // The server answers 413 from the Content-Length and closes without reading the body, so
    // the client can hit a broken pipe before it reads the answer (a race of early replies
    // under load): a few tries, and whichever answer arrives must be the 413.
    let answer = (0..5)
        .find_map(|_| {
            s.client
                .post(s.url("/v1/signatures/validate"))
                .json(&body)
                .send()
                .ok()
        })
        .expect("an answer to the big JSON in five tries");
    let (status, p) = problem(answer);
    assert_eq!(status, 413, "{p}");
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("multipart/form-data"),
        "{p}"
    );

    // As a multipart form: hashed as it streams, and it passes.
    let validate = |doc: &[u8]| -> Value {
        let (ct, body) = multipart(&[("signature", signature.as_bytes()), ("document", doc)]);
        let r = s
            .client
            .post(s.url("/v1/signatures/validate"))
            .header("content-type", ct)
            .body(body)
            .send()
            .unwrap();
        assert_eq!(r.status(), 200);
        r.json().unwrap()
    };
    let report = validate(&doc);
    assert_eq!(report["indication"], "TOTAL_PASSED", "{report:#}");
    let mut changed = doc.clone();
    changed[5_000_000] ^= 1;
    assert_eq!(validate(&changed)["sub_indication"], "HASH_FAILURE");
    // document_sha256 stays the small way.
    let r = s.post(
        "/v1/signatures/validate",
        None,
        &json!({"document_sha256": zhengtong::seal::sign::sha256_hex(&doc), "signature": signature}),
    );
    assert_eq!(r.json::<Value>().unwrap()["indication"], "TOTAL_PASSED");

    // A form without its document, and one with a stray part, name the part.
    let (ct, body) = multipart(&[("signature", signature.as_bytes())]);
    let r = s
        .client
        .post(s.url("/v1/signatures/validate"))
        .header("content-type", ct)
        .body(body)
        .send()
        .unwrap();
    let (status, p) = problem(r);
    assert_eq!(
        (status, p["field"].as_str()),
        (422, Some("document")),
        "{p}"
    );
    let (ct, body) = multipart(&[("signature", b"x"), ("document", b"y"), ("extra", b"z")]);
    let r = s
        .client
        .post(s.url("/v1/signatures/validate"))
        .header("content-type", ct)
        .body(body)
        .send()
        .unwrap();
    assert_eq!(problem(r).0, 422);
    // A form declared larger than 32 MiB is refused before a byte of it is read.
    let head = raw_head(
        &s,
        b"POST /v1/signatures/validate HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 40000000\r\nConnection: close\r\n\r\n",
    );
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");
}

/// Sends `request` on a new connection; returns the response as far as it came.
fn raw_head(s: &Server, request: &[u8]) -> String {
    let mut c = TcpStream::connect(s.addr()).unwrap();
    c.write_all(request).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut got = Vec::new();
    let _ = c.read_to_end(&mut got);
    String::from_utf8_lossy(&got).into_owned()
}

#[test]
fn personal_data_is_not_cached_public_lists_may_be() {
    let s = Server::start();
    let auth = s.role_token("authority");
    let (uscc, wallet, cid) = s.register(&auth, &company(&uscc(91), "广州缓存示例有限公司"));
    let cache = |r: &reqwest::blocking::Response| {
        r.headers()
            .get("cache-control")
            .map(|v| v.to_str().unwrap().to_string())
    };
    let r = s.get(&format!("/v1/wallets/{uscc}"), Some(&wallet));
    assert_eq!(r.status(), 200);
    assert_eq!(cache(&r).as_deref(), Some("no-store"));
    let r = s.post(
        &format!("/v1/wallets/{uscc}/presentations"),
        Some(&wallet),
        &json!({"credential_id": cid}),
    );
    assert_eq!(cache(&r).as_deref(), Some("no-store"));
    let token = r.json::<Value>().unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let r = s.post("/v1/verify", None, &json!({"token": token}));
    assert_eq!(cache(&r).as_deref(), Some("no-store"));
    let r = s.post(
        "/v1/companies",
        Some(&auth),
        &company(&common::uscc(92), "广州缓存示例二有限公司"),
    );
    assert_eq!(cache(&r).as_deref(), Some("no-store"));
    // An error carries no-store too (it may echo what was sent).
    assert_eq!(
        cache(&s.get(&format!("/v1/wallets/{uscc}"), None)).as_deref(),
        Some("no-store")
    );

    let r = s.get("/v1/status-lists/1", None);
    assert_eq!(r.status(), 200);
    let cc = cache(&r).unwrap_or_default();
    assert!(!cc.contains("no-store") && cc.contains("max-age"), "{cc}");
}
