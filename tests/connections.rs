//! Connection slots under a hostile client (issue 28, item 4), against the real server with
//! raw sockets. The attacker connects from other loopback addresses (127.0.0.2 and up) so
//! that the per-address cap tells it apart from the client measuring `/healthz`.

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use common::pdf;
use common::*;

/// A connection to `server` from the loopback address `from` (any port).
async fn connect_from(from: Ipv4Addr, server: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(from.into(), 0))?;
    let stream = socket.connect(server).await?;
    let stream = stream.into_std()?;
    stream.set_nonblocking(false)?;
    Ok(stream)
}

/// Opens up to `n` connections from `from`, at most 3 s each; returns those that opened.
fn open_many(from: Ipv4Addr, server: SocketAddr, n: usize) -> Vec<TcpStream> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let tries = (0..n)
            .map(|_| tokio::time::timeout(Duration::from_secs(3), connect_from(from, server)));
        futures_util::future::join_all(tries)
            .await
            .into_iter()
            .filter_map(|r| r.ok().and_then(|r| r.ok()))
            .collect()
    })
}

/// Whether the server has closed `c` (EOF or reset), without waiting.
fn closed(c: &TcpStream) -> bool {
    c.set_nonblocking(true).unwrap();
    let mut buf = [0u8; 1024];
    let r = (&*c).read(&mut buf);
    c.set_nonblocking(false).unwrap();
    match r {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => e.kind() != ErrorKind::WouldBlock,
    }
}

/// `/healthz` on a fresh connection from 127.0.0.1; how long it took (an error past 5 s).
fn fresh_healthz(s: &Server) -> Result<Duration, String> {
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let t = Instant::now();
    match client.get(s.url("/healthz")).send() {
        Ok(r) if r.status() == 200 => Ok(t.elapsed()),
        Ok(r) => Err(format!("status {}", r.status())),
        Err(e) => Err(format!("after {:?}: {e}", t.elapsed())),
    }
}

/// Raises this process's soft limit on open files (the server inherits it) to `n`, or to
/// the hard limit if lower: the attacker here holds 10,000 sockets.
fn raise_open_files(n: u64) {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < n {
            lim.rlim_cur = n.min(lim.rlim_max);
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
}

/// Sockets the server process has open (its connections and its listener).
fn open_sockets(s: &Server) -> usize {
    std::fs::read_dir(format!("/proc/{}/fd", s.pid()))
        .unwrap()
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter(|target| target.to_string_lossy().starts_with("socket:"))
        .count()
}

fn server_addr(s: &Server) -> SocketAddr {
    s.addr().parse().unwrap()
}

#[test]
fn ten_thousand_idle_connections_from_one_address_do_not_delay_healthz() {
    raise_open_files(12_000);
    let s = Server::start();
    let attacker = Ipv4Addr::new(127, 0, 0, 2);
    let t = Instant::now();
    let held = open_many(attacker, server_addr(&s), 10_000);
    let opened = held.len();
    let opening = t.elapsed();
    // Some time for the server to get through its accept queue.
    std::thread::sleep(Duration::from_millis(500));
    let took = fresh_healthz(&s);
    std::thread::sleep(Duration::from_millis(500));
    let sockets = open_sockets(&s);
    eprintln!(
        "RELIABILITY: 10000 silent connections from one address ({opened} opened in {opening:?}; \
         the server holds {sockets} sockets): fresh /healthz {took:?}"
    );
    let took = took.unwrap_or_else(|e| panic!("/healthz under 10000 idle connections: {e}"));
    assert!(took < Duration::from_secs(1), "/healthz took {took:?}");
    // The cap per address (128 by default) holds: the rest were closed at once. (The
    // listener and a few connections of the test's own clients are sockets too.)
    assert!(sockets <= 128 + 8, "the server holds {sockets} sockets");
}

/// Sends one request on `c` and reads its whole answer (a small one), keeping `c` open.
fn request(c: &mut TcpStream, path: &str) -> String {
    c.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
        .unwrap();
    read_answer(c)
}

/// An answer head's Content-Length (0 without one).
fn content_length(head: &str) -> usize {
    head.lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0)
}

/// Reads one answer with a Content-Length (up to 5 s).
fn read_answer(c: &mut TcpStream) -> String {
    c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&got).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let len = content_length(&text[..end]);
            if got.len() >= end + 4 + len {
                return text;
            }
        }
        match c.read(&mut buf) {
            Ok(0) | Err(_) => return text,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
}

#[test]
fn idle_keep_alive_connections_make_room_when_slots_run_short() {
    let s = Server::start_args(&["--max-connections", "8"]);
    let addr = server_addr(&s);
    // Seven clients (one address each) keep their connection open after one request...
    let mut idle: Vec<TcpStream> = (2..9)
        .map(|i| {
            let mut c = open_many(Ipv4Addr::new(127, 0, 0, i), addr, 1).remove(0);
            let answer = request(&mut c, "/healthz");
            assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
            c
        })
        .collect();
    // ... and an eighth is in the middle of sending its request head.
    let mut busy = open_many(Ipv4Addr::new(127, 0, 0, 9), addr, 1).remove(0);
    busy.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));

    let took = fresh_healthz(&s);
    let closed_idle = idle.iter().filter(|c| closed(c)).count();
    eprintln!(
        "RELIABILITY: 8 slots held (7 idle keep-alive, 1 mid-request): fresh /healthz {took:?}, \
         {closed_idle} idle connection(s) closed"
    );
    let took = took.unwrap_or_else(|e| panic!("/healthz with every slot held: {e}"));
    assert!(took < Duration::from_secs(1), "/healthz took {took:?}");
    assert!(closed_idle >= 1, "no idle connection was closed");
    // The connection in the middle of a request was left alone and is answered.
    busy.write_all(b"\r\n").unwrap();
    let answer = read_answer(&mut busy);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer:?}");
    // An idle connection still open is still usable.
    if let Some(c) = idle.iter_mut().find(|c| !closed(c)) {
        let answer = request(c, "/healthz");
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer:?}");
    }
}

#[test]
fn one_address_gets_at_most_its_share_of_connections() {
    let s = Server::start_args(&["--max-connections-per-address", "4"]);
    let addr = server_addr(&s);
    let from = Ipv4Addr::new(127, 0, 0, 3);
    let held = open_many(from, addr, 6);
    std::thread::sleep(Duration::from_millis(300));
    let open = held.iter().filter(|c| !closed(c)).count();
    assert_eq!(open, 4, "connections still open from one address");
    // Another address is not affected, and a closed slot is given again.
    let mut other = open_many(Ipv4Addr::new(127, 0, 0, 4), addr, 1).remove(0);
    assert!(request(&mut other, "/healthz").starts_with("HTTP/1.1 200"));
    drop(held);
    std::thread::sleep(Duration::from_millis(300));
    let mut again = open_many(from, addr, 1).remove(0);
    assert!(request(&mut again, "/healthz").starts_with("HTTP/1.1 200"));
}

/// `multi_page_pdf` grown to about `size` bytes by an incompressible stream it refers to.
fn big_pdf(size: usize) -> Vec<u8> {
    use lopdf::{Document, Object, Stream, dictionary};
    let mut doc = Document::load_mem(&pdf::multi_page_pdf()).unwrap();
    let mut x = 0x2545_f491_4f6c_dd1du64;
    let filler: Vec<u8> = (0..size)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    let id = doc.add_object(Stream::new(dictionary! {}, filler));
    let root = doc.trailer.get(b"Root").unwrap().as_reference().unwrap();
    if let Ok(Object::Dictionary(catalog)) = doc.get_object_mut(root) {
        catalog.set("ZtFiller", id);
    }
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

/// What a slow reader saw: the answer's status line and length, how much of it arrived, and
/// when the server ended the connection (None: not within the test's bounds).
struct SlowRead {
    status: String,
    length: usize,
    received: usize,
    ended_after: Option<Duration>,
}

/// Posts `body` to `path` on a connection with a small receive buffer, reads the answer at
/// `rate` bytes a second for `slow_for`, then as fast as it comes (at most 30 s more).
fn slow_read(
    s: &Server,
    path: &str,
    token: &str,
    body: &[u8],
    rate: usize,
    slow_for: Duration,
) -> SlowRead {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut c = rt
        .block_on(async {
            let socket = tokio::net::TcpSocket::new_v4()?;
            // A small window, so that the kernel does not take the whole answer off the server.
            socket.set_recv_buffer_size(16 * 1024)?;
            socket.connect(server_addr(s)).await?.into_std()
        })
        .unwrap();
    c.set_nonblocking(false).unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: application/pdf\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    c.write_all(head.as_bytes()).unwrap();
    c.write_all(body).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut got = Vec::new();
    let mut buf = vec![0u8; 4096];
    // The head (the sealing itself may take a while in a debug build).
    let end = loop {
        match c.read(&mut buf) {
            Ok(0) | Err(_) => panic!("no answer head: {}", String::from_utf8_lossy(&got)),
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
        if let Some(i) = got.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
    };
    let text = String::from_utf8_lossy(&got[..end]).into_owned();
    let status = text.lines().next().unwrap_or_default().to_string();
    let length = content_length(&text);
    let mut received = got.len() - end - 4;
    let t = Instant::now();
    let chunk = (rate / 8).max(1).min(buf.len());
    let mut ended_after = None;
    c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    while received < length && t.elapsed() < slow_for + Duration::from_secs(30) {
        let want = if t.elapsed() < slow_for {
            chunk
        } else {
            buf.len()
        };
        match c.read(&mut buf[..want]) {
            Ok(0) | Err(_) => {
                ended_after = Some(t.elapsed());
                break;
            }
            Ok(n) => received += n,
        }
        if t.elapsed() < slow_for {
            std::thread::sleep(Duration::from_millis(125));
        }
    }
    SlowRead {
        status,
        length,
        received,
        ended_after,
    }
}

/// Six readers at 32 KB/s of a sealed 8 MiB PDF, for `slow_for`, then at full speed; with
/// how many more sockets than before they started the server holds at `look_at`.
fn six_slow_readers(s: &Server, slow_for: Duration, look_at: Duration) -> (Vec<SlowRead>, usize) {
    let auth = s.role_token("authority");
    let police = s.role_token("police");
    let (uscc, wallet, seal) = pdf::setup_company(
        s,
        &auth,
        &police,
        71,
        "广州慢读示例有限公司",
        "4401000071001",
    );
    let doc = big_pdf(8 * 1024 * 1024);
    let path = format!("/v1/wallets/{uscc}/seals/{seal}/sign");
    let before = s.rss_kib();
    let sockets_before = open_sockets(s);
    let peak = std::sync::atomic::AtomicU64::new(before);
    let done = std::sync::atomic::AtomicBool::new(false);
    let t = Instant::now();
    let (reads, (sockets, rss)) = std::thread::scope(|scope| {
        scope.spawn(|| {
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                peak.fetch_max(s.rss_kib(), std::sync::atomic::Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(50));
            }
        });
        let look = scope.spawn(|| {
            std::thread::sleep(look_at);
            (open_sockets(s).saturating_sub(sockets_before), s.rss_kib())
        });
        let readers: Vec<_> = (0..6)
            .map(|_| scope.spawn(|| slow_read(s, &path, &wallet, &doc, 32 * 1024, slow_for)))
            .collect();
        let reads: Vec<SlowRead> = readers.into_iter().map(|r| r.join().unwrap()).collect();
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        (reads, look.join().unwrap())
    });
    let after = s.rss_kib();
    let peak = peak.into_inner();
    for r in &reads {
        eprintln!(
            "RELIABILITY: slow reader: {}, {} of {} bytes, EOF after {:?} of reading",
            r.status, r.received, r.length, r.ended_after
        );
        assert!(r.status.starts_with("HTTP/1.1 201"), "{}", r.status);
        assert!(r.length > 8 * 1024 * 1024, "{}", r.length);
    }
    eprintln!(
        "RELIABILITY: 6 slow readers of an 8 MiB sealed PDF: RSS {before} KiB before, peak {peak} KiB, \
         {rss} KiB and {sockets} more server sockets at {look_at:?}, {after} KiB after ({:?})",
        t.elapsed()
    );
    (reads, sockets)
}

#[test]
fn slow_readers_of_a_sealed_pdf_are_cut_at_the_request_timeout() {
    let s = Server::start_args(&["--request-timeout", "5"]);
    // 32 KB/s for 14 s (the whole answer would take over 4 minutes); the server looked at
    // 12 s: each answer is ready within 5 s, and must be out 5 s later.
    let (reads, sockets) = six_slow_readers(&s, Duration::from_secs(14), Duration::from_secs(12));
    // None of the six connections is left.
    assert_eq!(sockets, 0, "sockets the server still holds for the readers");
    for r in &reads {
        // Cut: the rest never came, even once read at full speed.
        assert!(
            r.received < r.length,
            "a slow reader got all {} bytes",
            r.length
        );
        assert!(r.ended_after.is_some(), "the connection was never ended");
    }
    assert_eq!(s.get("/healthz", None).status(), 200);
}

#[test]
fn answers_to_slow_readers_hold_at_most_their_memory_budget() {
    let s = Server::start_args(&["--answer-memory-mb", "20"]);
    // Slow for 8 s, well within the send timeout (120 s): only the budget cuts. It holds
    // two answers of 8 MiB, so a third one ends the oldest's connection.
    let (reads, _) = six_slow_readers(&s, Duration::from_secs(8), Duration::from_secs(6));
    let whole = reads.iter().filter(|r| r.received == r.length).count();
    assert!(
        (1..=2).contains(&whole),
        "{whole} slow readers got the whole answer"
    );
    assert_eq!(s.get("/healthz", None).status(), 200);
}
