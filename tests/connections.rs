//! Connection slots under a hostile client (issue 28, item 4), against the real server with
//! raw sockets. The attacker connects from other loopback addresses (127.0.0.2 and up) so
//! that the per-address cap tells it apart from the client measuring `/healthz`.

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

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
    // The cap per address (64 by default) holds: the rest were closed at once. (The
    // listener and a few connections of the test's own clients are sockets too.)
    assert!(sockets <= 64 + 8, "the server holds {sockets} sockets");
}

/// Sends one request on `c` and reads its whole answer (a small one), keeping `c` open.
fn request(c: &mut TcpStream, path: &str) -> String {
    c.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
        .unwrap();
    read_answer(c)
}

/// Reads one answer with a Content-Length (up to 5 s).
fn read_answer(c: &mut TcpStream) -> String {
    c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&got).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let len = text[..end]
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
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
