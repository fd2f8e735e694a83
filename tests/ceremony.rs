//! The PKI ceremony: the national root and two regions, each in its own folder; only
//! certificates, CSRs, CRLs and the trust list pass between them. The two nodes then verify
//! each other's credentials; a regional CA rollover keeps what the old CA issued trusted.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use serde_json::Value;

fn cli(args: &[&str]) -> String {
    let (code, out, err) = run_cli(args);
    assert_eq!(code, 0, "{args:?}: {out}{err}");
    out
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Every file under `dir`, relative names.
fn files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    out.sort();
    out
}

/// Copies `from` to `to` (a file "sent" from one party to another).
fn send(from: &Path, to: &Path) -> PathBuf {
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::copy(from, to).unwrap();
    to.to_path_buf()
}

/// The region's certificates (never its keys) into the root folder, for the trust list.
fn send_certificates(region_dir: &Path, region: &str, root: &Path) {
    for name in files(&region_dir.join(region)) {
        if name.ends_with(".crt") {
            send(
                &region_dir.join(region).join(&name),
                &root.join(region).join(&name),
            );
        }
    }
}

/// One region's side and the root's signing: request, sign, install. Returns the region folder.
fn region(root: &Path, mail: &Path, base: &Path, code: &str, port: u16) -> PathBuf {
    let dir = base.join(format!("region-{code}"));
    cli(&[
        "pki",
        "region",
        "request",
        "--region",
        code,
        "--out",
        s(&dir),
    ]);
    // A node on a folder with a request under way refuses to start, instead of covering the
    // CA key with a development PKI.
    let err = zhengtong::node::load_or_create_at(&dir, &code.parse().unwrap(), "http://x")
        .err()
        .expect("a node started on a pending region folder");
    assert!(err.to_string().contains("pki region install"), "{err}");
    assert!(!dir.join("root.crt").exists());
    let csr = send(
        &dir.join(code).join("ca.csr"),
        &mail.join(format!("{code}.csr")),
    );
    let url = format!("http://127.0.0.1:{port}");
    let crt = mail.join(format!("{code}-ca.crt"));
    cli(&[
        "pki",
        "region",
        "sign",
        "--root",
        s(root),
        "--csr",
        s(&csr),
        "--region",
        code,
        "--public-url",
        &url,
        "--out",
        s(&crt),
    ]);
    let root_crt = send(&root.join("root.crt"), &mail.join("root.crt"));
    let root_crl = send(&root.join("root.crl"), &mail.join("root.crl"));
    cli(&[
        "pki",
        "region",
        "install",
        "--region-dir",
        s(&dir),
        "--region",
        code,
        "--cert",
        s(&crt),
        "--root-cert",
        s(&root_crt),
        "--root-crl",
        s(&root_crl),
        "--public-url",
        &url,
    ]);
    dir
}

fn sign_trust_list(root: &Path, gz: u16, sh: u16, out: &Path) {
    cli(&[
        "trust-list",
        "sign",
        "--certs",
        s(root),
        "--endpoint",
        &format!("440100=http://127.0.0.1:{gz}"),
        "--endpoint",
        &format!("310000=http://127.0.0.1:{sh}"),
        "--out",
        s(out),
    ]);
}

fn node(port: u16, certs: &Path, region: &str, tl: &Path) -> Server {
    Server::start_on(
        port,
        tempfile::tempdir().unwrap(),
        Some(certs),
        region,
        &["--trust-list", s(tl)],
        &[],
    )
}

fn indication(r: &Value) -> String {
    r["indication"].as_str().unwrap_or("").to_string()
}

fn licence_qr(node: &Server, n: u32, name: &str) -> String {
    let auth = node.role_token("authority");
    let (uscc, wallet, cid) = node.register(&auth, &company(&uscc(n), name));
    node.present(&uscc, &wallet, &cid, Some(3600))["token"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn root_and_two_regions_in_separate_folders_verify_each_other() {
    let root = tempfile::tempdir().unwrap();
    let mail = tempfile::tempdir().unwrap();
    let out = cli(&["pki", "root", "init", "--out", s(root.path())]);
    assert!(out.contains("root.crt"), "{out}");
    let (gz_port, sh_port) = (free_port(), free_port());
    let (gz_base, sh_base) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let gz_dir = region(root.path(), mail.path(), gz_base.path(), "440100", gz_port);
    let sh_dir = region(root.path(), mail.path(), sh_base.path(), "310000", sh_port);

    // The root folder holds no regional key, a region folder no root key and no other
    // region's anything.
    let root_files = files(root.path());
    assert!(
        root_files
            .iter()
            .all(|f| !f.contains('/') || !f.ends_with(".key")),
        "{root_files:?}"
    );
    for (dir, other) in [(&gz_dir, "310000"), (&sh_dir, "440100")] {
        let fs = files(dir);
        assert!(!fs.contains(&"root.key".to_string()), "{fs:?}");
        assert!(!fs.iter().any(|f| f.starts_with(other)), "{fs:?}");
        assert!(!fs.contains(&"trust-list-signer.key".to_string()), "{fs:?}");
    }

    // The root refuses a request for another region, and a request that is not for a CA.
    let gz_csr = mail.path().join("440100.csr");
    let (code, _, err) = run_cli(&[
        "pki",
        "region",
        "sign",
        "--root",
        s(root.path()),
        "--csr",
        s(&gz_csr),
        "--region",
        "310000",
        "--out",
        s(&mail.path().join("x.crt")),
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("for region 440100, not 310000"), "{err}");
    let leaf_csr = mail.path().join("leaf.csr");
    let made = std::process::Command::new("openssl")
        .args([
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
        ])
        .args(["-nodes", "-subj", "/C=CN/OU=440100/CN=not a CA", "-keyout"])
        .arg(mail.path().join("leaf.key"))
        .arg("-out")
        .arg(&leaf_csr)
        .status()
        .unwrap();
    assert!(made.success());
    let (code, _, err) = run_cli(&[
        "pki",
        "region",
        "sign",
        "--root",
        s(root.path()),
        "--csr",
        s(&leaf_csr),
        "--region",
        "440100",
        "--out",
        s(&mail.path().join("x.crt")),
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("not for a CA"), "{err}");
    assert!(!mail.path().join("x.crt").exists());

    // The regions send their certificates; the root signs the trust list; two nodes.
    send_certificates(&gz_dir, "440100", root.path());
    send_certificates(&sh_dir, "310000", root.path());
    let tl = mail.path().join("trust-list.jwt");
    sign_trust_list(root.path(), gz_port, sh_port, &tl);
    let gz = node(gz_port, &gz_dir, "440100", &tl);
    let sh = node(sh_port, &sh_dir, "310000", &tl);
    let gz_qr = licence_qr(&gz, 81, "广州仪式示例有限公司");
    let sh_qr = licence_qr(&sh, 82, "上海仪式示例有限公司");
    let r = sh.verify(&gz_qr);
    assert_eq!(indication(&r), "TOTAL_PASSED", "{r:#}");
    let r = gz.verify(&sh_qr);
    assert_eq!(indication(&r), "TOTAL_PASSED", "{r:#}");
    assert!(
        !gz.log().contains("DEVELOPMENT PKI"),
        "the node made its own PKI: {}",
        gz.log()
    );

    // Guangzhou rolls its CA over: a new key and CSR; the root signs; install archives the
    // old CA and issues new role certificates. Both CAs go into the new trust list.
    cli(&[
        "pki",
        "region",
        "rollover",
        "--region-dir",
        s(&gz_dir),
        "--region",
        "440100",
    ]);
    let csr = send(
        &gz_dir.join("440100/ca-next.csr"),
        &mail.path().join("440100-next.csr"),
    );
    let crt = mail.path().join("440100-next.crt");
    let url = format!("http://127.0.0.1:{gz_port}");
    cli(&[
        "pki",
        "region",
        "sign",
        "--root",
        s(root.path()),
        "--csr",
        s(&csr),
        "--region",
        "440100",
        "--public-url",
        &url,
        "--out",
        s(&crt),
    ]);
    cli(&[
        "pki",
        "region",
        "install",
        "--region-dir",
        s(&gz_dir),
        "--region",
        "440100",
        "--cert",
        s(&crt),
        "--root-cert",
        s(&root.path().join("root.crt")),
        "--public-url",
        &url,
    ]);
    let gz_files = files(&gz_dir.join("440100"));
    let cas: Vec<_> = gz_files
        .iter()
        .filter(|f| f.starts_with("ca") && f.ends_with(".crt"))
        .collect();
    assert_eq!(cas.len(), 2, "{gz_files:?}");
    assert!(
        !gz_files.iter().any(|f| f.starts_with("ca-next")),
        "{gz_files:?}"
    );
    send_certificates(&gz_dir, "440100", root.path());
    let tl2 = mail.path().join("trust-list-2.jwt");
    sign_trust_list(root.path(), gz_port, sh_port, &tl2);
    let payload = std::fs::read_to_string(&tl2).unwrap();
    let body = payload.split('.').nth(1).unwrap();
    let list: Value = serde_json::from_slice(&zhengtong::b64::decode_url(body).unwrap()).unwrap();
    let gz_entry = list["regions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == "440100")
        .unwrap();
    assert_eq!(gz_entry["ca_certificates"].as_array().unwrap().len(), 2);
    // What the old CA's certificates signed still verifies (offline, new trust list).
    let (code, out, err) = run_cli(&[
        "verify",
        "--certs",
        s(&sh_dir),
        "--trust-list",
        s(&tl2),
        &gz_qr,
    ]);
    assert_eq!(code, 0, "{out}{err}");
    // A node on the rolled-over folder issues under the new CA; Shanghai verifies offline.
    drop(gz);
    let gz = node(gz_port, &gz_dir, "440100", &tl2);
    let new_qr = licence_qr(&gz, 83, "广州轮换示例有限公司");
    let (code, out, err) = run_cli(&[
        "verify",
        "--certs",
        s(&sh_dir),
        "--trust-list",
        s(&tl2),
        &new_qr,
    ]);
    assert_eq!(code, 0, "{out}{err}");
    // The rollover key and CSR cannot be made twice over a pending one, nor a first request
    // over an installed CA.
    let (code, _, err) = run_cli(&[
        "pki",
        "region",
        "request",
        "--region",
        "440100",
        "--out",
        s(&gz_dir),
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("rollover"), "{err}");
}
