//! Nothing rolled back passes: a node refuses a trust list older (by sequence) than the one
//! it holds, across restarts, and a status list older (by `iat`) than one it has seen, so a
//! replayed list cannot hide a revocation.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::{Arc, Mutex};

use common::*;
use serde_json::{Value, json};

fn sign(certs: &Path, gz: u16, sh: u16, out: &Path, extra: &[&str]) -> String {
    let (gz, sh) = (
        format!("440100=http://127.0.0.1:{gz}"),
        format!("310000=http://127.0.0.1:{sh}"),
    );
    let mut args = vec![
        "trust-list",
        "sign",
        "--certs",
        certs.to_str().unwrap(),
        "--endpoint",
        &gz,
        "--endpoint",
        &sh,
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend(extra);
    let (code, stdout, err) = run_cli(&args);
    assert_eq!(code, 0, "{stdout}{err}");
    std::fs::read_to_string(out).unwrap()
}

fn node(
    port: u16,
    certs: &Path,
    region: &str,
    tl: &Path,
    dir: Option<tempfile::TempDir>,
) -> Server {
    Server::start_on(
        port,
        dir.unwrap_or_else(|| tempfile::tempdir().unwrap()),
        Some(certs),
        region,
        &[
            "--status-ttl-s",
            "2",
            "--trust-list",
            tl.to_str().unwrap(),
            "--trust-list-refresh-s",
            "1",
        ],
        &[],
    )
}

fn indication(r: &Value) -> (String, String) {
    (
        r["indication"].as_str().unwrap_or("").into(),
        r["sub_indication"].as_str().unwrap_or("").into(),
    )
}

fn check<'a>(r: &'a Value, name: &str) -> &'a Value {
    r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no {name} check in {r:#}"))
}

fn served_trust_list(node: &Server) -> String {
    node.get("/v1/trust-list", None).text().unwrap()
}

/// Waits (polling, at most 20 s) until the node's log contains `needle`: the refresh runs
/// on the node's own timer, not on the test's clock.
fn wait_for_log(node: &Server, needle: &str) {
    for _ in 0..200 {
        if node.log().contains(needle) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("never logged {needle:?}:\n{}", node.log());
}

#[test]
fn an_older_trust_list_is_refused_while_running_and_after_a_restart() {
    let shared = tempfile::tempdir().unwrap();
    let certs = shared.path().join("certs");
    init_pki(&certs, "440100,310000");
    let (gz, sh) = (free_port(), free_port());
    let tl = shared.path().join("trust-list.jwt");
    let old = sign(&certs, gz, sh, &tl, &["--sequence", "10"]);
    // The operator takes e-seals away from Shanghai in list 11.
    let new = sign(
        &certs,
        gz,
        sh,
        &tl,
        &["--sequence", "11", "--types", "310000=business_license"],
    );
    let node_sh = node(sh, &certs, "310000", &tl, None);
    assert_eq!(served_trust_list(&node_sh).trim(), new.trim());

    // Someone puts list 10 back where the node reads it: refused, list 11 stays in use.
    std::fs::write(&tl, &old).unwrap();
    wait_for_log(&node_sh, "trust list refused");
    assert!(
        node_sh.log().contains("older than the list 11"),
        "{}",
        node_sh.log()
    );
    assert_eq!(served_trust_list(&node_sh).trim(), new.trim());

    // And after a restart, with only list 10 at the source: the node's own copy of 11 wins.
    let dir = node_sh.kill_keep_dir();
    let node_sh = node(sh, &certs, "310000", &tl, Some(dir));
    assert_eq!(
        served_trust_list(&node_sh).trim(),
        new.trim(),
        "a restart rolled the trust list back:\n{}",
        node_sh.log()
    );
    assert!(node_sh.log().contains("using the last good copy"));

    // The same sequence with other contents is refused too.
    sign(&certs, gz, sh, &tl, &["--sequence", "11"]);
    wait_for_log(&node_sh, "same sequence 11");
    assert_eq!(served_trust_list(&node_sh).trim(), new.trim());

    // Without --sequence the next list is numbered above the one at --out, and taken.
    let next = sign(&certs, gz, sh, &tl, &[]);
    wait_for_log(&node_sh, "trust list refreshed");
    assert_eq!(served_trust_list(&node_sh).trim(), next.trim());
}

/// Answers every request on `port` with the body it holds (a replayed status list or trust
/// list), until the process ends; the body can be swapped.
fn serve_body(port: u16, body: String) -> Arc<Mutex<String>> {
    let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
    let held = Arc::new(Mutex::new(body));
    let serving = held.clone();
    std::thread::spawn(move || {
        for mut conn in listener.incoming().flatten() {
            let mut buf = [0u8; 4096];
            let _ = conn.read(&mut buf);
            let body = serving.lock().unwrap().clone();
            let _ = write!(
                conn,
                "HTTP/1.1 200 OK\r\ncontent-type: application/jwt\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    held
}

#[test]
fn a_replayed_older_status_list_cannot_hide_a_revocation() {
    let shared = tempfile::tempdir().unwrap();
    let certs = shared.path().join("certs");
    init_pki(&certs, "440100,310000");
    let (gz_port, sh_port) = (free_port(), free_port());
    let tl = shared.path().join("trust-list.jwt");
    sign(&certs, gz_port, sh_port, &tl, &[]);
    let mut gz = node(gz_port, &certs, "440100", &tl, None);
    let sh = node(sh_port, &certs, "310000", &tl, None);
    // A verifier-only node too: it keeps what it has seen in its --state folder.
    let v_cwd = tempfile::tempdir().unwrap();
    let root = certs.join("root.crt");
    let tl_arg = tl.to_str().unwrap();
    let v = Server::start_verifier_only(tempfile::tempdir().unwrap(), v_cwd.path(), &root, tl_arg);
    let (gz_clock, sh_clock) = (gz.dir.path().join("clock"), sh.dir.path().join("clock"));
    let v_clock = v.dir.path().join("clock");
    let all = |s: f64| {
        advance_clock_file(&gz_clock, s);
        advance_clock_file(&sh_clock, s);
        advance_clock_file(&v_clock, s);
    };

    let auth = gz.role_token("authority");
    let (uscc, wallet, cid) = gz.register(&auth, &company(&uscc(61), "广州回滚示例有限公司"));
    let qr = gz.present(&uscc, &wallet, &cid, Some(3600))["token"]
        .as_str()
        .unwrap()
        .to_string();
    let r = sh.verify(&qr);
    assert_eq!(indication(&r).0, "TOTAL_PASSED", "{r:#}");
    let status = check(&r, "credential_status");
    let reason = status["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("status list, signed at") && reason.contains("s before this check"),
        "the report says how fresh the status is: {status}"
    );
    // A new node has no earlier list on record: its report says it cannot yet rule out a
    // replayed one.
    assert!(
        reason.contains("no earlier one on record"),
        "the report says the list is the first on record: {status}"
    );
    assert_eq!(indication(&v.verify(&qr)).0, "TOTAL_PASSED");

    // The list as it was before the revocation, captured at the status endpoint.
    let wallet_view: Value = gz
        .get(&format!("/v1/wallets/{uscc}"), Some(&wallet))
        .json()
        .unwrap();
    let sd = wallet_view["credentials"][0]["sd_jwt"].as_str().unwrap();
    let payload = zhengtong::b64::decode_url(sd.split('.').nth(1).unwrap()).unwrap();
    let claims: Value = serde_json::from_slice(&payload).unwrap();
    let uri = claims["status"]["status_list"]["uri"].as_str().unwrap();
    let path = uri.splitn(4, '/').nth(3).unwrap();
    let before = gz.get(&format!("/{path}"), None).text().unwrap();

    // Revoke (a change of address revokes the old licence); Shanghai and the verifier see it.
    all(3.0);
    let changed = gz.post(
        &format!("/v1/companies/{uscc}/changes"),
        Some(&auth),
        &json!({"address": "广州市黄埔区新址2号"}),
    );
    assert!(changed.status().is_success(), "{}", changed.status());
    all(3.0);
    for n in [&sh, &v] {
        assert_eq!(
            indication(&n.verify(&qr)),
            ("TOTAL_FAILED".into(), "REVOKED".into())
        );
    }

    // Guangzhou's endpoint now replays the list from before the revocation (still within
    // its exp). Once Shanghai's copy is stale, it must not believe the older list.
    gz.stop();
    serve_body(gz_port, before);
    advance_clock_file(&sh_clock, 3.0);
    advance_clock_file(&v_clock, 3.0);
    for n in [&sh, &v] {
        refused_as_older(&n.verify(&qr), "while running");
    }

    // Both restart (as after a crash) while the endpoint still replays the old list: what
    // they had seen is on their disk, so the old list is still refused.
    let sh = node(sh_port, &certs, "310000", &tl, Some(sh.kill_keep_dir()));
    let v = Server::start_verifier_only(v.kill_keep_dir(), v_cwd.path(), &root, tl_arg);
    refused_as_older(&sh.verify(&qr), "full node, after a restart");
    refused_as_older(&v.verify(&qr), "verifier-only node, after a restart");
}

/// The report of a node offered a replayed older status list: INDETERMINATE, saying why.
fn refused_as_older(r: &Value, when: &str) {
    assert_ne!(
        indication(r).0,
        "TOTAL_PASSED",
        "rolled back ({when}): {r:#}"
    );
    assert_eq!(
        indication(r),
        ("INDETERMINATE".into(), "TRY_LATER".into()),
        "{when}: {r:#}"
    );
    let status = check(r, "credential_status");
    assert!(
        status["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("older than")
            || status["detail"].to_string().contains("older than"),
        "{when}: the report says a replayed older list was refused: {status}"
    );
}

#[test]
fn a_restarted_verifier_only_node_refuses_an_older_trust_list() {
    let shared = tempfile::tempdir().unwrap();
    let certs = shared.path().join("certs");
    init_pki(&certs, "440100,310000");
    let (gz_port, sh_port, tl_port) = (free_port(), free_port(), free_port());
    let tl = shared.path().join("trust-list.jwt");
    let list_3000 = sign(&certs, gz_port, sh_port, &tl, &["--sequence", "3000"]);
    let gz = node(gz_port, &certs, "440100", &tl, None);
    let auth = gz.role_token("authority");
    let (uscc, wallet, cid) = gz.register(&auth, &company(&uscc(62), "广州信任回滚示例有限公司"));
    let qr = gz.present(&uscc, &wallet, &cid, Some(3600))["token"]
        .as_str()
        .unwrap()
        .to_string();

    // The verifier-only node reads the trust list from a URL; list 3000 lets Guangzhou
    // issue licences, list 4000 no longer does.
    let source = serve_body(tl_port, list_3000.clone());
    let url = format!("http://127.0.0.1:{tl_port}/trust-list.jwt");
    let cwd = tempfile::tempdir().unwrap();
    let root = certs.join("root.crt");
    let v = Server::start_verifier_only(tempfile::tempdir().unwrap(), cwd.path(), &root, &url);
    let first = v.verify(&qr);
    assert_eq!(indication(&first).0, "TOTAL_PASSED");
    // A fresh state: the report says its trust list is the first on record.
    let says_first = |r: &Value| {
        let t = r.to_string();
        t.contains("first this verifier has on record") || t.contains("第一份信任列表")
    };
    assert!(says_first(&first), "{first:#}");
    let list_4000 = sign(
        &certs,
        gz_port,
        sh_port,
        &tl,
        &["--sequence", "4000", "--types", "440100=e_seal"],
    );
    *source.lock().unwrap() = list_4000.clone();
    wait_for_log(&v, "trust list refreshed");
    let after = v.verify(&qr);
    assert_ne!(indication(&after).0, "TOTAL_PASSED");
    assert!(
        !says_first(&after),
        "a newer list replaced the first: {after:#}"
    );

    // Someone in the way serves list 3000 again (still valid), and the node restarts.
    *source.lock().unwrap() = list_3000;
    let v = Server::start_verifier_only(v.kill_keep_dir(), cwd.path(), &root, &url);
    let r = v.verify(&qr);
    assert_ne!(
        indication(&r).0,
        "TOTAL_PASSED",
        "a restart rolled the trust list back to 3000:\n{r:#}\n{}",
        v.log()
    );
    assert_eq!(served_trust_list(&v).trim(), list_4000.trim());
    assert!(v.log().contains("older than the list 4000"), "{}", v.log());
    // Where it runs, nothing was written: its state is in its --state folder.
    assert_eq!(std::fs::read_dir(cwd.path()).unwrap().count(), 0);
}
