//! Other people's tools verify what we issue: the OpenWallet sd-jwt library, PyJWT,
//! zbarimg, openssl and the pkilint certificate linter. `scripts/test.sh` installs them (venv in `.venv`, Debian packages).

mod common;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use common::*;
use serde_json::Value;

fn tool(program: &str) -> String {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {program}"))
        .output()
        .unwrap();
    assert!(
        found.status.success(),
        "{program} is not installed: run scripts/test.sh, which installs it"
    );
    program.to_string()
}

fn uscc_other() -> String {
    uscc(21)
}

fn check_py() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/interop/check.py")
}

#[test]
fn reference_libraries_verify_licence_and_presentation() {
    let s = Server::start();
    let auth = s.role_token("authority");
    let (uscc, wallet, cid) = s.register(&auth, &company(&uscc(20), NAME16));
    let w: Value = s
        .get(&format!("/v1/wallets/{uscc}"), Some(&wallet))
        .json()
        .unwrap();
    let sd = w["credentials"][0]["sd_jwt"].as_str().unwrap();

    // The OpenWallet reference library, with the chain checked by `cryptography`.
    let out = run_with_stdin(
        Command::new(python())
            .arg(check_py())
            .arg("sdjwt")
            .arg(s.certs().join("root.crt")),
        sd,
    );
    let payload: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(payload["uscc"], uscc);
    assert_eq!(
        payload["vct"],
        "https://zhengtong.example/vct/business_license/v1"
    );
    assert_eq!(payload["legal_representative"]["name"], "张三");
    assert_eq!(payload["address"], "广州市天河区天河路1号");
    assert_eq!(payload["cnf"]["jwk"]["crv"], "P-256");
    // The personal data is disclosable, not in the signed payload itself.
    let jwt_payload = zhengtong::b64::decode_url(sd.split('.').nth(1).unwrap()).unwrap();
    let signed = String::from_utf8(jwt_payload).unwrap();
    assert!(
        !signed.contains("张三") && !signed.contains("天河路"),
        "{signed}"
    );

    // An injected disclosure (address 北京) gains nothing: the reference library leaves it
    // out, and our verifier refuses the credential outright (RFC 9901 §7.1).
    let injected = sd.replacen('~', "~WyJzYWx0IiwiYWRkcmVzcyIsIuWMl-S6rCJd~", 1);
    let out = run_with_stdin(
        Command::new(python())
            .arg(check_py())
            .arg("sdjwt")
            .arg(s.certs().join("root.crt")),
        &injected,
    );
    assert!(!out.contains("北京"), "{out}");
    assert_eq!(s.verify(&injected)["sub_indication"], "FORMAT_FAILURE");
    // A changed signed payload is refused by the reference library.
    let mut parts: Vec<String> = sd.splitn(2, '~').map(String::from).collect();
    let jwt: Vec<&str> = parts[0].split('.').collect();
    let forged_payload =
        zhengtong::b64::encode_url(signed.replace(&uscc, &uscc_other()).as_bytes());
    parts[0] = format!("{}.{}.{}", jwt[0], forged_payload, jwt[2]);
    let forged = parts.join("~");
    let mut child = Command::new(python())
        .arg(check_py())
        .arg("sdjwt")
        .arg(s.certs().join("root.crt"))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(forged.as_bytes())
        .unwrap();
    assert!(
        !child.wait().unwrap().success(),
        "a forged payload must be refused"
    );

    // PyJWT verifies the QR presentation with the presentation signer's certificate.
    let p = s.present(&uscc, &wallet, &cid, None);
    let token = p["token"].as_str().unwrap();
    let out = run_with_stdin(
        Command::new(python())
            .arg(check_py())
            .arg("pyjwt")
            .arg(s.certs().join("440100/presentation-signer.crt")),
        token,
    );
    let claims: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(claims["sub"], uscc);
    assert_eq!(claims["n"], NAME16);
    assert_eq!(claims["cid"], cid);

    // zbarimg reads the PNG back.
    let png = zhengtong::b64::decode_std(p["qr_png_base64"].as_str().unwrap()).unwrap();
    let png_path = s.dir.path().join("presentation.png");
    std::fs::write(&png_path, png).unwrap();
    let out = run_with_stdin(
        Command::new(tool("zbarimg"))
            .args(["--raw", "-q"])
            .arg(&png_path),
        "",
    );
    assert_eq!(out.trim(), token);

    // /v1/certs is what a partner downloads: the bundle verifies the presentation too.
    let bundle = s.get("/v1/certs", None).text().unwrap();
    assert_eq!(
        bundle.matches("BEGIN CERTIFICATE").count(),
        7,
        "root, CA, 5 role certificates"
    );
}

#[test]
fn openssl_accepts_every_chain() {
    let dir = tempfile::tempdir().unwrap();
    let certs = dir.path().join("certs");
    init_pki(&certs, "440100,310000");
    let openssl = tool("openssl");
    let mut checked = 0;
    let verify = |leaf: PathBuf, untrusted: Option<PathBuf>| {
        let mut cmd = Command::new(&openssl);
        cmd.arg("verify")
            .arg("-x509_strict")
            .arg("-CAfile")
            .arg(certs.join("root.crt"));
        if let Some(u) = untrusted {
            cmd.arg("-untrusted").arg(u);
        }
        let out = run_with_stdin(cmd.arg(&leaf), "");
        assert!(out.contains(": OK"), "{out}");
    };
    verify(certs.join("trust-list-signer.crt"), None);
    checked += 1;
    for region in ["440100", "310000"] {
        let ca = certs.join(region).join("ca.crt");
        verify(ca.clone(), None);
        for role in [
            "licence-issuer",
            "presentation-signer",
            "police-registry",
            "tax-issuer",
            "status-list-signer",
        ] {
            verify(
                certs.join(region).join(format!("{role}.crt")),
                Some(ca.clone()),
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 11);
    // A second init keeps what exists (nodes share the folder).
    let before = std::fs::read(certs.join("root.crt")).unwrap();
    let (code, out, _) = run_cli(&[
        "pki",
        "init",
        "--certs",
        certs.to_str().unwrap(),
        "--regions",
        "440100",
    ]);
    assert_eq!(code, 0);
    assert!(out.contains("nothing to do"), "{out}");
    assert_eq!(std::fs::read(certs.join("root.crt")).unwrap(), before);
}

/// pkilint's RFC 5280 lint finds nothing at WARNING or above in any certificate we make:
/// the development PKI of two regions and a company's e-seal certificate.
#[test]
fn pkilint_finds_nothing_wrong_with_our_certificates() {
    let s = Server::start();
    let auth = s.role_token("authority");
    let police = s.role_token("police");
    let name = "广州证书检查示例有限公司";
    let (uscc, _, _) = s.register(&auth, &company(&uscc(62), name));
    let (_, seal) = s.official_seal(&police, &auth, &uscc, name, "4401006262");
    let out = tempfile::tempdir().unwrap();
    let seal_pem = out.path().join("seal.crt");
    std::fs::write(&seal_pem, seal["certificate_pem"].as_str().unwrap()).unwrap();
    let mut files = vec![seal_pem];
    let mut dirs = vec![s.certs()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "crt") {
                files.push(p);
            }
        }
    }
    assert!(files.len() >= 8, "{files:?}");
    let lint = python().with_file_name("lint_pkix_cert");
    for f in &files {
        let out = Command::new(&lint)
            .args(["lint", "-s", "WARNING"])
            .arg(f)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && text.trim().is_empty(),
            "pkilint on {}: {text}{}",
            f.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
