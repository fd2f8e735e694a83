//! `zhengtong demo` against the real server: it registers a company whose wallet token
//! works, and says clearly what is wrong when it cannot.

mod common;

use common::*;
use serde_json::Value;

fn field<'a>(out: &'a str, name: &str) -> &'a str {
    out.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")))
        .map(str::trim)
        .unwrap_or_else(|| panic!("no {name}: line in\n{out}"))
}

#[test]
fn demo_registers_a_company_and_prints_its_wallet() {
    let s = Server::start();
    let data = s.data();
    let (code, out, err) = run_cli(&[
        "demo",
        "--server",
        &s.base,
        "--data",
        data.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}\n{err}");
    let uscc = field(&out, "uscc");
    let token = field(&out, "wallet_token");
    assert_eq!(
        field(&out, "wallet_url"),
        format!("{}/wallet?uscc={uscc}", s.base)
    );
    assert_eq!(field(&out, "verify_url"), format!("{}/verify", s.base));
    let w: Value = s
        .get(&format!("/v1/wallets/{uscc}"), Some(token))
        .json()
        .unwrap();
    assert_eq!(w["credentials"][0]["type"], "business_license", "{w:#}");
    // With its official seal, filed and issued, so that the wallet page shows one.
    let filing = field(&out, "seal_filing").split(' ').next().unwrap();
    assert!(
        w["credentials"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["type"] == "e_seal"),
        "{w:#}"
    );
    let img = s.get(&format!("/v1/seal-filings/{filing}/image.svg"), None);
    assert_eq!(img.status(), 200);
    assert_eq!(w["name"], "广州证通演示科技有限公司");

    // A second run registers another company instead of failing on the first one's USCC.
    let (code, out2, err) = run_cli(&[
        "demo",
        "--server",
        &s.base,
        "--data",
        data.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out2}\n{err}");
    assert_ne!(field(&out2, "uscc"), uscc);
}

#[test]
fn demo_explains_a_missing_admin_token_and_an_unreachable_server() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = run_cli(&["demo", "--data", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        err.contains("admin.token") && err.contains("zhengtong serve"),
        "{err}"
    );

    std::fs::write(dir.path().join("admin.token"), "zt_x\n").unwrap();
    let url = format!("http://127.0.0.1:{}", free_port());
    let (code, _, err) = run_cli(&[
        "demo",
        "--server",
        &url,
        "--data",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("cannot reach the server"), "{err}");
}
