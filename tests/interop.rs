//! Other people's tools verify what we issue: the OpenWallet sd-jwt library, PyJWT,
//! zbarimg, openssl and the pkilint certificate linter. `scripts/test.sh` installs them (venv in `.venv`, Debian packages).

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
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
    // The licence authority's own issuer URI (one per region and role), which check.py
    // found among the signing certificate's URI SANs.
    assert_eq!(
        payload["iss"],
        s.url("/v1/issuers/440100/licence-issuer").as_str()
    );
    // The type metadata URL this node serves, with the digest of what it serves there.
    assert_eq!(payload["vct"], s.url("/v1/vct/business_license"));
    assert!(
        payload["vct#integrity"]
            .as_str()
            .is_some_and(|i| i.starts_with("sha256-")),
        "{payload}"
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
        9,
        "root, trust-list signer, CA, 6 role certificates (the timestamp authority's too)"
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
    // The timestamp authority's certificate (critical timestamping EKU) too.
    assert!(
        files.iter().any(|f| f.ends_with("440100/tsa.crt")),
        "{files:?}"
    );
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

const ROLES: [(&str, u32); 5] = [
    ("licence-issuer", 1),
    ("presentation-signer", 2),
    ("police-registry", 3),
    ("tax-issuer", 4),
    ("status-list-signer", 7),
];
const SEAL_EKU: &str = "1.3.6.1.4.1.59999.1.6";

fn role_eku(n: u32) -> String {
    format!("1.3.6.1.4.1.59999.1.{n}")
}

/// `openssl verify -x509_strict -crl_check_all` of `leaf` under `ca` and the root, with the
/// regional CA's CRL and the root's; the leaf's role EKU is checked apart (openssl's
/// `-purpose` knows only the standard EKUs). Returns openssl's output and whether it passed.
fn openssl_crl_verify(certs: &Path, ca: &Path, crl: &Path, leaf: &Path) -> (bool, String) {
    let out = Command::new(tool("openssl"))
        .args([
            "verify",
            "-x509_strict",
            "-crl_check_all",
            "-purpose",
            "any",
        ])
        .arg("-CAfile")
        .arg(certs.join("root.crt"))
        .arg("-untrusted")
        .arg(ca)
        .arg("-CRLfile")
        .arg(crl)
        .arg("-CRLfile")
        .arg(certs.join("root.crl"))
        .arg(leaf)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success() && text.contains(": OK"), text)
}

/// The leaf's EKU as openssl prints it contains `oid`.
fn openssl_has_eku(leaf: &Path, oid: &str) -> bool {
    let out = Command::new(tool("openssl"))
        .args(["x509", "-noout", "-ext", "extendedKeyUsage", "-in"])
        .arg(leaf)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).contains(oid)
}

/// `cryptography`'s path validator with the role EKU required on the leaf (check.py path).
fn python_path(root: &Path, eku: &str, leaf: &Path, ca: Option<&Path>) -> (bool, String) {
    let mut cmd = Command::new(python());
    cmd.arg(check_py()).arg("path").arg(root).arg(eku).arg(leaf);
    if let Some(ca) = ca {
        cmd.arg(ca);
    }
    let out = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (
        out.status.success() && text.trim_end().ends_with("OK"),
        text,
    )
}

fn fetch_crl(s: &Server, to: &Path) {
    let r = s.get("/v1/crl/440100", None);
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pkix-crl");
    let der = r.bytes().unwrap();
    let pem = pem::encode(&pem::Pem::new("X509 CRL", der.to_vec()));
    std::fs::write(to, pem).unwrap();
}

/// Stock validators accept every chain we make, CRLs checked, the role EKU required on the
/// leaf: `openssl verify -x509_strict -crl_check_all` and Python `cryptography`'s path
/// validator. A seal revoked through the API, and one revoked by deregistration, are then
/// listed in the regional CA's CRL and refused by openssl.
#[test]
fn stock_validators_accept_every_chain_and_the_crl_revokes_seals() {
    let s = Server::start();
    let auth = s.role_token("authority");
    let police = s.role_token("police");
    let out = tempfile::tempdir().unwrap();
    let mut seals = Vec::new();
    for (n, name, code) in [
        (63, "广州吊销检查示例有限公司", "4401006363"),
        (64, "广州注销检查示例有限公司", "4401006464"),
    ] {
        let (uscc, _, _) = s.register(&auth, &company(&uscc(n), name));
        let (_, seal) = s.official_seal(&police, &auth, &uscc, name, code);
        let path = out.path().join(format!("seal-{n}.crt"));
        std::fs::write(&path, seal["certificate_pem"].as_str().unwrap()).unwrap();
        seals.push((uscc, seal["id"].as_str().unwrap().to_string(), path));
    }
    let certs = s.certs();
    let ca = certs.join("440100/ca.crt");
    let root = certs.join("root.crt");
    let crl = out.path().join("ca.crl");
    fetch_crl(&s, &crl);

    let tl = certs.join("trust-list-signer.crt");
    let (ok, text) = python_path(&root, &role_eku(5), &tl, None);
    assert!(ok, "cryptography, trust-list signer: {text}");
    for (stem, n) in ROLES {
        let leaf = certs.join(format!("440100/{stem}.crt"));
        let (ok, text) = openssl_crl_verify(&certs, &ca, &crl, &leaf);
        assert!(ok, "openssl, {stem}: {text}");
        assert!(openssl_has_eku(&leaf, &role_eku(n)), "{stem} lacks its EKU");
        let (ok, text) = python_path(&root, &role_eku(n), &leaf, Some(&ca));
        assert!(ok, "cryptography, {stem}: {text}");
        // The EKU is required: the same chain for another role is refused.
        let (ok, _) = python_path(&root, SEAL_EKU, &leaf, Some(&ca));
        assert!(!ok, "cryptography accepted {stem} as a seal certificate");
    }
    for (_, _, seal) in &seals {
        let (ok, text) = openssl_crl_verify(&certs, &ca, &crl, seal);
        assert!(ok, "openssl, seal: {text}");
        assert!(openssl_has_eku(seal, SEAL_EKU));
        let (ok, text) = python_path(&root, SEAL_EKU, seal, Some(&ca));
        assert!(ok, "cryptography, seal: {text}");
    }

    // Revoke one e-seal through the API, deregister the other company.
    let (uscc_a, seal_a, path_a) = &seals[0];
    let r = s.post(
        &format!("/v1/wallets/{uscc_a}/seals/{seal_a}/revocation"),
        Some(&auth),
        &serde_json::json!({}),
    );
    assert_eq!(r.status(), 200, "{}", r.text().unwrap());
    let (uscc_b, _, path_b) = &seals[1];
    let r = s.post(
        &format!("/v1/companies/{uscc_b}/deregistration"),
        Some(&auth),
        &serde_json::json!({}),
    );
    assert_eq!(r.status(), 200, "{}", r.text().unwrap());
    fetch_crl(&s, &crl);
    for seal in [path_a, path_b] {
        let (ok, text) = openssl_crl_verify(&certs, &ca, &crl, seal);
        assert!(!ok, "openssl accepted a revoked seal certificate: {text}");
        assert!(text.contains("certificate revoked"), "{text}");
    }
    // pkilint's RFC 5280 CRL lint: nothing at WARNING or above in the regional CRL (with its
    // two entries) and the root's (an ARL: it lists CAs).
    for (file, kind) in [(crl.clone(), "CRL"), (certs.join("root.crl"), "ARL")] {
        let run = Command::new(python().with_file_name("lint_crl"))
            .args(["lint", "-t", kind, "-p", "PKIX", "-s", "WARNING"])
            .arg(&file)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&run.stdout);
        assert!(
            run.status.success() && text.trim().is_empty(),
            "pkilint on {}: {text}{}",
            file.display(),
            String::from_utf8_lossy(&run.stderr)
        );
    }
    // The role certificates are not revoked.
    let (ok, text) =
        openssl_crl_verify(&certs, &ca, &crl, &certs.join("440100/licence-issuer.crt"));
    assert!(ok, "{text}");
    // The CRL's distribution point is the one the seal certificate names.
    let kid = zhengtong::pki::kid_of(
        &pem::parse(std::fs::read_to_string(&ca).unwrap())
            .unwrap()
            .into_contents(),
    );
    let named = format!("{}/v1/crl/440100/{kid}", s.url("").trim_end_matches('/'));
    let text = String::from_utf8_lossy(
        &Command::new(tool("openssl"))
            .args(["x509", "-noout", "-ext", "crlDistributionPoints", "-in"])
            .arg(path_a)
            .output()
            .unwrap()
            .stdout,
    )
    .into_owned();
    assert!(text.contains(&named), "{named} not in {text}");
    let r = s.get(&format!("/v1/crl/440100/{kid}"), None);
    assert_eq!(r.status(), 200);
    assert_eq!(s.get("/v1/crl/root", None).status(), 200);
}

/// Findings of pkilint's ETSI lint that cannot apply to a zhengtong e-seal certificate, each
/// with the reason. Everything else it reports at WARNING or above fails the test.
///
/// Fixed for this lint: organizationIdentifier `NTRCN-<USCC>` (EN 319 412-3 §4.2.1), a
/// certificate policy, caIssuers in authorityInfoAccess (EN 319 412-2 §4.3.3, §4.4.1),
/// contentCommitment, and (for the PKIX lint) the CRL distribution point.
const ETSI_CANNOT_APPLY: &[(&str, &str)] = &[(
    "etsi.en_319_412_2.nat-4.3.2-1.mixed_key_usage_setting",
    // EN 319 412-2 §4.3.2 recommends against digitalSignature with nonRepudiation. The seal
    // key does both on purpose: it seals documents (content commitment) and is the holder
    // key of the e-seal credential (`cnf`), signing key-binding JWTs (authentication), and
    // every zhengtong role certificate must carry digitalSignature.
    "the seal key both commits to content and authenticates its holder",
)];

/// pkilint's ETSI lint (EN 319 412-2/-3, legal person, NCP) on an e-seal certificate: nothing
/// at WARNING or above but the findings listed in [`ETSI_CANNOT_APPLY`].
#[test]
fn pkilint_etsi_legal_person_lint_on_a_seal_certificate() {
    let s = Server::start();
    let auth = s.role_token("authority");
    let police = s.role_token("police");
    let name = "广州欧标检查示例有限公司";
    let (uscc, _, _) = s.register(&auth, &company(&uscc(65), name));
    let (_, seal) = s.official_seal(&police, &auth, &uscc, name, "4401006565");
    let out = tempfile::tempdir().unwrap();
    let path = out.path().join("seal.crt");
    std::fs::write(&path, seal["certificate_pem"].as_str().unwrap()).unwrap();
    let lint = python().with_file_name("lint_etsi_cert");
    let run = Command::new(&lint)
        .args([
            "lint",
            "-t",
            "NCP-LEGAL-PERSON-CERTIFICATE",
            "-s",
            "WARNING",
        ])
        .arg(&path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&run.stdout).into_owned();
    let unexplained: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| {
            ["(WARNING)", "(ERROR)", "(FATAL)"]
                .iter()
                .any(|s| l.ends_with(s))
        })
        .filter(|l| !ETSI_CANNOT_APPLY.iter().any(|(code, _)| l.contains(code)))
        .collect();
    assert!(
        unexplained.is_empty(),
        "pkilint ETSI on the seal certificate:\n{}\n{}",
        unexplained.join("\n"),
        String::from_utf8_lossy(&run.stderr)
    );
}
