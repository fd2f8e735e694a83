//! A hostile endpoint answering a huge body costs a node at most the fetch's size limit:
//! a status list and a trust list are read streamed and refused once past their limit
//! (issue 28, item 3). The stub counts what it managed to send before the node hung up.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use common::*;
use serde_json::Value;

/// What the stub sends at most, when the node keeps reading (on a node without a limit).
const HUGE: u64 = 256 << 20;
/// What a node with a 4 MiB limit may have taken, socket buffers included.
const TAKEN_AT_MOST: u64 = 16 << 20;

/// An endpoint on `port`: answers with `body` while it is `Some`, else with a huge body
/// (declaring its length if `declare`), keeping the most it could send on one connection.
struct Stub {
    body: Arc<Mutex<Option<String>>>,
    sent: Arc<AtomicU64>,
}

impl Stub {
    fn start(port: u16, body: Option<String>, declare: bool) -> Stub {
        let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
        let stub = Stub {
            body: Arc::new(Mutex::new(body)),
            sent: Arc::new(AtomicU64::new(0)),
        };
        let (body, sent) = (stub.body.clone(), stub.sent.clone());
        std::thread::spawn(move || {
            for mut conn in listener.incoming().flatten() {
                let mut buf = [0u8; 4096];
                let _ = conn.read(&mut buf);
                if let Some(b) = body.lock().unwrap().clone() {
                    let _ = write!(
                        conn,
                        "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{b}",
                        b.len()
                    );
                    continue;
                }
                let length = if declare {
                    format!("content-length: {}\r\n", 2u64 << 30)
                } else {
                    String::new()
                };
                let head = format!("HTTP/1.1 200 OK\r\n{length}connection: close\r\n\r\n");
                if conn.write_all(head.as_bytes()).is_err() {
                    continue;
                }
                let chunk = vec![b'A'; 64 << 10];
                let mut n = 0;
                while n < HUGE && conn.write_all(&chunk).is_ok() {
                    n += chunk.len() as u64;
                }
                sent.fetch_max(n, Ordering::Relaxed);
            }
        });
        stub
    }

    fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }
}

fn sign_trust_list(certs: &Path, endpoints: &[String], out: &Path) -> String {
    let mut args = vec!["trust-list", "sign", "--certs", certs.to_str().unwrap()];
    for e in endpoints {
        args.extend(["--endpoint", e]);
    }
    args.extend(["--out", out.to_str().unwrap()]);
    let (code, stdout, err) = run_cli(&args);
    assert_eq!(code, 0, "{stdout}{err}");
    std::fs::read_to_string(out).unwrap()
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / f64::from(1 << 20)
}

#[test]
fn a_huge_status_list_body_is_refused_at_its_limit() {
    let shared = tempfile::tempdir().unwrap();
    let certs = shared.path().join("certs");
    init_pki(&certs, "440100,310000");
    let (gz_port, sh_port) = (free_port(), free_port());
    let tl = shared.path().join("trust-list.jwt");
    let endpoints = [
        format!("440100=http://127.0.0.1:{gz_port}"),
        format!("310000=http://127.0.0.1:{sh_port}"),
    ];
    sign_trust_list(&certs, &endpoints, &tl);
    let flags = ["--status-ttl-s", "2", "--trust-list", tl.to_str().unwrap()];
    let dir = || tempfile::tempdir().unwrap();
    let mut gz = Server::start_on(gz_port, dir(), Some(&certs), "440100", &flags, &[]);
    let sh = Server::start_on(sh_port, dir(), Some(&certs), "310000", &flags, &[]);

    let auth = gz.role_token("authority");
    let (uscc, wallet, cid) = gz.register(&auth, &company(&uscc(81), "广州有界读取示例有限公司"));
    let qr = gz.present(&uscc, &wallet, &cid, Some(3600))["token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(sh.verify(&qr)["indication"], "TOTAL_PASSED");

    // Guangzhou's status endpoint now answers an endless body without a Content-Length.
    gz.stop();
    let stub = Stub::start(gz_port, None, false);
    let hwm_before = sh.hwm_kib().unwrap_or(0);
    sh.advance_clock(3.0);
    let r = sh.verify(&qr);
    let hwm_after = sh.hwm_kib().unwrap_or(0);
    eprintln!(
        "status list: stub sent {:.1} MiB; node peak RSS {} -> {} KiB",
        mib(stub.sent()),
        hwm_before,
        hwm_after
    );
    assert_eq!(
        (&r["indication"], &r["sub_indication"]),
        (&Value::from("INDETERMINATE"), &Value::from("TRY_LATER")),
        "{r:#}"
    );
    assert!(
        r.to_string().contains("larger than") || sh.log().contains("larger than"),
        "the refusal names the size limit: {r:#}\n{}",
        sh.log()
    );
    assert!(
        stub.sent() < TAKEN_AT_MOST,
        "the node read {:.1} MiB of a status list",
        mib(stub.sent())
    );
}

#[test]
fn a_huge_trust_list_body_is_refused_at_its_limit_and_the_node_keeps_its_list() {
    let shared = tempfile::tempdir().unwrap();
    let certs = shared.path().join("certs");
    init_pki(&certs, "440100");
    let (node_port, stub_port) = (free_port(), free_port());
    let tl = shared.path().join("trust-list.jwt");
    let token = sign_trust_list(
        &certs,
        &[format!("440100=http://127.0.0.1:{node_port}")],
        &tl,
    );
    let stub = Stub::start(stub_port, Some(token.clone()), true);
    let url = format!("http://127.0.0.1:{stub_port}/trust-list");
    let flags = ["--trust-list", &url, "--trust-list-refresh-s", "1"];
    let mut node = Server::start_on(
        node_port,
        tempfile::tempdir().unwrap(),
        Some(&certs),
        "440100",
        &flags,
        &[],
    );
    let hwm_before = node.hwm_kib().unwrap_or(0);

    // The trust-list URL now declares a 2 GiB body and sends it as fast as it is read.
    *stub.body.lock().unwrap() = None;
    node.wait_for_log("trust list refresh failed");
    std::thread::sleep(std::time::Duration::from_secs(3));
    let hwm_after = node.hwm_kib().unwrap_or(0);
    eprintln!(
        "trust list: stub sent at most {:.1} MiB per refresh; node peak RSS {} -> {} KiB",
        mib(stub.sent()),
        hwm_before,
        hwm_after
    );
    let log = node.log();
    assert!(log.contains("larger than"), "{log}");
    assert!(node.alive(), "{log}");
    assert!(
        stub.sent() < TAKEN_AT_MOST,
        "the node read {:.1} MiB of a trust list",
        mib(stub.sent())
    );
    let served = node.get("/v1/trust-list", None).text().unwrap();
    assert_eq!(served.trim(), token.trim(), "the list in use is kept");
}
