//! Only what the trust list lists is trusted (issue 11, findings 1 and 2): a delisted role
//! key, a region not in the list, a certificate one region's CA made for another region, a
//! trust list signed under a regional CA, and a forgery that reuses a real credential's id.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use rcgen::{
    CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, Issuer, KeyPair,
    KeyUsagePurpose, PKCS_ECDSA_P256_SHA256,
};
use serde_json::{Value, json};
use zhengtong::credential::jws::{self, Parsed};
use zhengtong::domain::RegionCode;
use zhengtong::json::Object;
use zhengtong::pki::{Role, Signer};

const GZ: &str = "440100";
const SH: &str = "310000";

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn der(p: &Path) -> Vec<u8> {
    pem::parse(read(p)).unwrap().contents().to_vec()
}

fn region(code: &str) -> RegionCode {
    RegionCode::parse(code).unwrap()
}

/// A signer from key and certificate files (what a thief of the key files would have).
fn signer_from(key: &Path, chain: &[PathBuf], role: Role, code: &str) -> Signer {
    Signer::from_pkcs8(
        &der(key),
        chain.iter().map(|p| der(p)).collect(),
        role,
        Some(region(code)),
    )
    .unwrap()
}

/// `trust-list sign` listing the given regions (REGION=URL).
fn sign_trust_list(certs: &Path, endpoints: &[(&str, u16)], out: &Path) {
    let mut args = vec![
        "trust-list".to_string(),
        "sign".into(),
        "--certs".into(),
        certs.to_str().unwrap().into(),
        "--out".into(),
        out.to_str().unwrap().into(),
    ];
    for (code, port) in endpoints {
        args.push("--endpoint".into());
        args.push(format!("{code}=http://127.0.0.1:{port}"));
    }
    let (code, out, err) = run_cli(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0, "{out}{err}");
}

fn node(port: u16, certs: &Path, code: &str, trust_list: &Path) -> Server {
    Server::start_on(
        port,
        tempfile::tempdir().unwrap(),
        Some(certs),
        code,
        &["--trust-list", trust_list.to_str().unwrap()],
        &[],
    )
}

/// The issuer-signed JWT of `sd_jwt` re-signed by `signer` (its chain in `x5c`), after
/// `edit` changed the claims; the disclosures are kept.
fn forge(sd_jwt: &str, signer: &Signer, edit: impl FnOnce(&mut Object)) -> String {
    let (jwt, rest) = sd_jwt.split_once('~').unwrap();
    let p = Parsed::parse(jwt).unwrap();
    let mut claims = p.payload_object().unwrap();
    edit(&mut claims);
    let header = jws::x5c_header(p.header_str("typ").unwrap(), signer);
    let signed = jws::sign(header, &serde_json::to_vec(&claims).unwrap(), signer);
    format!("{signed}~{rest}")
}

/// A year more: what a forger would want of a licence.
fn extend(claims: &mut Object) {
    let exp = claims["exp"].as_i64().unwrap();
    claims.insert("exp".into(), json!(exp + 365 * 86_400));
}

/// The company's licence SD-JWT, as its wallet holds it.
fn licence_sd_jwt(s: &Server, uscc: &str, wallet: &str) -> String {
    let w: Value = s
        .get(&format!("/v1/wallets/{uscc}"), Some(wallet))
        .json()
        .unwrap();
    w["credentials"][0]["sd_jwt"].as_str().unwrap().to_string()
}

fn offline(certs: &Path, tl: &Path, token: &str) -> (i32, Value) {
    let (code, out, err) = run_cli(&[
        "verify",
        "--certs",
        certs.to_str().unwrap(),
        "--trust-list",
        tl.to_str().unwrap(),
        token,
    ]);
    let report = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    (code, report)
}

fn indication(r: &Value) -> &str {
    r["indication"].as_str().unwrap_or("")
}

/// A certificate for `role` claiming region `ou`, issued by the CA of `ca_region` with its
/// key (what that region's operator can do). Returns (key, certificate DER).
fn rogue_cert(certs: &Path, ca_region: &str, ou: &str, role: Role) -> (KeyPair, Vec<u8>) {
    let ca_dir = certs.join(ca_region);
    let ca_key = KeyPair::from_pem(&read(&ca_dir.join("ca.key"))).unwrap();
    let issuer = Issuer::from_ca_cert_pem(&read(&ca_dir.join("ca.crt")), ca_key).unwrap();
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, "CN");
    dn.push(DnType::OrganizationName, "广州市市场监督管理局");
    dn.push(DnType::OrganizationalUnitName, ou);
    dn.push(
        DnType::CommonName,
        format!("广州市市场监督管理局 {}", role.name_zh()),
    );
    params.distinguished_name = dn;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::Other(role.oid_components())];
    let cert = params.signed_by(&key, &issuer).unwrap();
    (key, cert.der().to_vec())
}

/// Rolls Guangzhou's licence key over, keeping a copy of the old key and certificate (as
/// a thief would); returns (old key, old certificate) copies.
fn rollover_keeping_old_key(certs: &Path, keep: &Path) -> (PathBuf, PathBuf) {
    let gz = certs.join(GZ);
    let (key, crt) = (keep.join("old-licence.key"), keep.join("old-licence.crt"));
    std::fs::copy(gz.join("licence-issuer.key"), &key).unwrap();
    std::fs::copy(gz.join("licence-issuer.crt"), &crt).unwrap();
    let (code, out, err) = run_cli(&[
        "pki",
        "rollover",
        "--certs",
        certs.to_str().unwrap(),
        "--region",
        GZ,
        "--role",
        "licence-issuer",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    (key, crt)
}

#[test]
fn a_delisted_key_is_not_trusted_anywhere() {
    let shared = tempfile::tempdir().unwrap();
    let certs = shared.path().join("certs");
    init_pki(&certs, "440100,310000");
    let (old_key, old_crt) = rollover_keeping_old_key(&certs, shared.path());
    // The national operator delists the old certificate: its file goes, a new list is signed.
    let archived: Vec<_> = std::fs::read_dir(certs.join(GZ))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy().into_owned();
            n.starts_with("licence-issuer.") && n.ends_with(".crt") && n != "licence-issuer.crt"
        })
        .collect();
    assert_eq!(archived.len(), 1, "{archived:?}");
    std::fs::remove_file(&archived[0]).unwrap();
    let (gz_port, sh_port) = (free_port(), free_port());
    let tl = shared.path().join("tl.jwt");
    sign_trust_list(&certs, &[(GZ, gz_port), (SH, sh_port)], &tl);
    let gz = node(gz_port, &certs, GZ, &tl);
    let sh = node(sh_port, &certs, SH, &tl);

    let auth = gz.role_token("authority");
    let (uscc, wallet, _) = gz.register(&auth, &company(&uscc(71), "广州除名密钥示例有限公司"));
    let real = licence_sd_jwt(&gz, &uscc, &wallet);
    assert_eq!(indication(&sh.verify(&real)), "TOTAL_PASSED");
    let old = signer_from(
        &old_key,
        &[old_crt, certs.join(GZ).join("ca.crt")],
        Role::LicenceIssuer,
        GZ,
    );
    let forged = forge(&real, &old, extend);

    for (place, r) in [
        ("Shanghai", sh.verify(&forged)),
        ("Guangzhou", gz.verify(&forged)),
        ("offline", offline(&certs, &tl, &forged).1),
    ] {
        assert_ne!(indication(&r), "TOTAL_PASSED", "{place}: {r:#}");
        let text = r.to_string();
        assert!(text.contains("not in the trust list"), "{place}: {r:#}");
    }
    let (code, _) = offline(&certs, &tl, &forged);
    assert_ne!(code, 0);
}

#[test]
fn a_region_not_in_the_trust_list_is_indeterminate_with_the_reason() {
    let shared = tempfile::tempdir().unwrap();
    let certs = shared.path().join("certs");
    init_pki(&certs, "440100,310000,110000");
    let (gz_port, sh_port) = (free_port(), free_port());
    let tl = shared.path().join("tl.jwt");
    sign_trust_list(&certs, &[(GZ, gz_port), (SH, sh_port)], &tl);
    let gz = node(gz_port, &certs, GZ, &tl);
    let sh = node(sh_port, &certs, SH, &tl);
    let auth = gz.role_token("authority");
    let (uscc, wallet, _) = gz.register(&auth, &company(&uscc(72), "北京未列地区示例有限公司"));
    let real = licence_sd_jwt(&gz, &uscc, &wallet);
    // Beijing's real licence key (its PKI exists, the list does not name the region).
    let bj = Signer::load(&certs, Some(&region("110000")), Role::LicenceIssuer).unwrap();
    let from_bj = forge(&real, &bj, |c| {
        c.insert("iss".into(), json!(bj.iss));
    });
    let (code, r) = offline(&certs, &tl, &from_bj);
    assert_eq!((code, indication(&r)), (2, "INDETERMINATE"), "{r:#}");
    let unlisted = |r: &Value| {
        assert_eq!(indication(r), "INDETERMINATE", "{r:#}");
        let text = r.to_string();
        assert!(
            text.contains("110000") && text.contains("not in the trust list"),
            "{r:#}"
        );
    };
    unlisted(&r);
    unlisted(&sh.verify(&from_bj));

    // A document sealed in Beijing (a development node on the shared folder): its seal
    // certificate is under a CA the list does not name, offline and in Shanghai.
    let bj = Server::start_with(tempfile::tempdir().unwrap(), Some(&certs), "110000", &[]);
    let (auth, police) = (bj.role_token("authority"), bj.role_token("police"));
    let name = "北京未列地区盖章示例有限公司";
    let (uscc, wallet, _) = bj.register(&auth, &company(&common::uscc(76), name));
    let (_, seal) = bj.official_seal(&police, &auth, &uscc, name, "1100007676");
    let doc = b"%PDF-1.7 sealed in an unlisted region".to_vec();
    let signature = bj.seal_document(&uscc, &wallet, seal["id"].as_str().unwrap(), &doc);
    let (doc_path, sig_path) = (shared.path().join("doc.pdf"), shared.path().join("doc.sig"));
    std::fs::write(&doc_path, &doc).unwrap();
    std::fs::write(&sig_path, &signature).unwrap();
    let (code, out, err) = run_cli(&[
        "seal",
        "verify",
        "--certs",
        certs.to_str().unwrap(),
        "--trust-list",
        tl.to_str().unwrap(),
        "--document",
        doc_path.to_str().unwrap(),
        "--signature",
        sig_path.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{out}{err}");
    unlisted(&serde_json::from_str(&out).unwrap());
    let online: Value = sh
        .post(
            "/v1/signatures/validate",
            None,
            &json!({"document_base64": zhengtong::b64::encode_std(&doc), "signature": signature}),
        )
        .json()
        .unwrap();
    unlisted(&online);
}

#[test]
fn a_shanghai_made_guangzhou_certificate_fails() {
    let shared = tempfile::tempdir().unwrap();
    let certs = shared.path().join("certs");
    init_pki(&certs, "440100,310000");
    let (gz_port, sh_port) = (free_port(), free_port());
    let tl = shared.path().join("tl.jwt");
    sign_trust_list(&certs, &[(GZ, gz_port), (SH, sh_port)], &tl);
    let gz = node(gz_port, &certs, GZ, &tl);
    let sh = node(sh_port, &certs, SH, &tl);
    let auth = gz.role_token("authority");
    let (uscc, wallet, _) = gz.register(&auth, &company(&uscc(73), "上海冒名广州示例有限公司"));
    let real = licence_sd_jwt(&gz, &uscc, &wallet);
    let (key, cert) = rogue_cert(&certs, SH, GZ, Role::LicenceIssuer);
    let rogue = Signer::from_pkcs8(
        &key.serialize_der(),
        vec![cert, der(&certs.join(SH).join("ca.crt"))],
        Role::LicenceIssuer,
        Some(region(GZ)),
    )
    .unwrap();
    let forged = forge(&real, &rogue, extend);
    let (code, r) = offline(&certs, &tl, &forged);
    assert_eq!((code, indication(&r)), (1, "TOTAL_FAILED"), "{r:#}");
    for r in [r, sh.verify(&forged), gz.verify(&forged)] {
        assert_eq!(indication(&r), "TOTAL_FAILED", "{r:#}");
        assert!(r.to_string().contains("claims region 440100"), "{r:#}");
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

#[test]
fn a_trust_list_signed_under_a_regional_ca_is_refused() {
    let shared = tempfile::tempdir().unwrap();
    let certs = shared.path().join("certs");
    init_pki(&certs, "440100,310000");
    // Shanghai's operator mints a trust-list signer under its regional CA.
    let evil = shared.path().join("evil");
    copy_dir(&certs, &evil);
    let (key, cert) = rogue_cert(&certs, SH, SH, Role::TrustListSigner);
    std::fs::write(evil.join("trust-list-signer.key"), key.serialize_pem()).unwrap();
    std::fs::write(
        evil.join("trust-list-signer.crt"),
        pem::encode(&pem::Pem::new("CERTIFICATE", cert)),
    )
    .unwrap();
    let tl = shared.path().join("evil.jwt");
    sign_trust_list(&evil, &[(GZ, 1), (SH, 2)], &tl);

    // The list is checked before the token is even read.
    let (code, out, err) = run_cli(&[
        "verify",
        "--certs",
        certs.to_str().unwrap(),
        "--trust-list",
        tl.to_str().unwrap(),
        "any-token",
    ]);
    assert_eq!(code, 64, "{out}{err}");
    assert!(err.contains("signer is not trusted"), "{err}");

    // A node given it does not start.
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--region", SH])
        .arg("--data")
        .arg(dir.path().join("data"))
        .arg("--certs")
        .arg(&certs)
        .arg("--trust-list")
        .arg(&tl)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("serve --trust-list with a list signed under a regional CA kept running");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(!status.success(), "{err}");
    assert!(err.contains("signer is not trusted"), "{err}");
}

#[test]
fn the_issuing_node_knows_its_credentials_by_digest_not_by_id() {
    let shared = tempfile::tempdir().unwrap();
    let certs = shared.path().join("certs");
    init_pki(&certs, GZ);
    // After a rollover the old certificate stays trusted for what it signed; its key was
    // copied before it was deleted.
    let (old_key, old_crt) = rollover_keeping_old_key(&certs, shared.path());
    let gz = Server::start_with(tempfile::tempdir().unwrap(), Some(&certs), GZ, &[]);
    let auth = gz.role_token("authority");
    let (uscc, wallet, cid) = gz.register(&auth, &company(&uscc(75), "广州重用编号示例有限公司"));
    let real = licence_sd_jwt(&gz, &uscc, &wallet);
    assert_eq!(indication(&gz.verify(&real)), "TOTAL_PASSED");
    let old = signer_from(
        &old_key,
        &[old_crt, certs.join(GZ).join("ca.crt")],
        Role::LicenceIssuer,
        GZ,
    );
    let forged = forge(&real, &old, extend);
    let r = gz.verify(&forged);
    assert_eq!(indication(&r), "TOTAL_FAILED", "{r:#}");
    let text = r.to_string();
    assert!(
        text.contains(&cid) && text.contains("not the credential it issued"),
        "{r:#}"
    );
}

/// A `statuslist+jwt` for `uri` signed by `signer`, valid for an hour.
fn status_list(signer: &Signer, uri: &str) -> String {
    let now = chrono::Utc::now().timestamp();
    let bits = zhengtong::status::bits::StatusBits::new(131_072);
    let payload = json!({"sub": uri, "iat": now, "exp": now + 3600, "ttl": 60,
        "status_list": {"bits": 1, "lst": bits.encode_lst()}});
    let header = jws::x5c_header("statuslist+jwt", signer);
    jws::sign(header, &serde_json::to_vec(&payload).unwrap(), signer)
}

#[test]
fn a_status_list_signed_by_a_delisted_key_is_refused() {
    let shared = tempfile::tempdir().unwrap();
    let certs = shared.path().join("certs");
    init_pki(&certs, GZ);
    let gz = certs.join(GZ);
    let (old_key, old_crt) = (
        shared.path().join("old-status.key"),
        shared.path().join("old-status.crt"),
    );
    std::fs::copy(gz.join("status-list-signer.key"), &old_key).unwrap();
    std::fs::copy(gz.join("status-list-signer.crt"), &old_crt).unwrap();
    let (code, out, err) = run_cli(&[
        "pki",
        "rollover",
        "--certs",
        certs.to_str().unwrap(),
        "--region",
        GZ,
        "--role",
        "status-list-signer",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let old_kid = zhengtong::pki::kid_of(&der(&old_crt));
    std::fs::remove_file(gz.join(format!("status-list-signer.{old_kid}.crt"))).unwrap();
    let tl = shared.path().join("tl.jwt");
    sign_trust_list(&certs, &[(GZ, 1)], &tl);
    let base = zhengtong::pki::TrustStore::load(&certs).unwrap();
    let state =
        zhengtong::trustlist::TrustListState::verified(read(&tl), &base).expect("trust list");
    let verifier = zhengtong::verify::Verifier::from_trust_list(&state.list, &base, 0);
    let uri = "http://127.0.0.1:1/v1/status-lists/1";
    let now = chrono::Utc::now().timestamp();
    let current = Signer::load(&certs, Some(&region(GZ)), Role::StatusListSigner).unwrap();
    let check = |t: &str| zhengtong::verify::check_status_list(t, uri, region(GZ), &verifier, now);
    assert!(check(&status_list(&current, uri)).is_ok());
    let old = signer_from(
        &old_key,
        &[old_crt, gz.join("ca.crt")],
        Role::StatusListSigner,
        GZ,
    );
    let err = check(&status_list(&old, uri)).unwrap_err().to_string();
    assert!(err.contains("not in the trust list"), "{err}");
}

#[test]
fn a_running_node_distrusts_a_key_as_soon_as_a_new_list_delists_it() {
    let shared = tempfile::tempdir().unwrap();
    let certs = shared.path().join("certs");
    init_pki(&certs, "440100,310000");
    let (old_key, old_crt) = rollover_keeping_old_key(&certs, shared.path());
    let (gz_port, sh_port) = (free_port(), free_port());
    let tl = shared.path().join("tl.jwt");
    // List 1 still lists the rolled-over certificate (it signed credentials in use).
    sign_trust_list(&certs, &[(GZ, gz_port), (SH, sh_port)], &tl);
    let gz = node(gz_port, &certs, GZ, &tl);
    let sh = Server::start_on(
        sh_port,
        tempfile::tempdir().unwrap(),
        Some(&certs),
        SH,
        &[
            "--trust-list",
            tl.to_str().unwrap(),
            "--trust-list-refresh-s",
            "1",
        ],
        &[],
    );
    let auth = gz.role_token("authority");
    let (uscc, wallet, _) = gz.register(&auth, &company(&uscc(72), "广州在线除名示例有限公司"));
    let real = licence_sd_jwt(&gz, &uscc, &wallet);
    let old = signer_from(
        &old_key,
        &[old_crt, certs.join(GZ).join("ca.crt")],
        Role::LicenceIssuer,
        GZ,
    );
    // Signed with the old key while it is listed: its signature counts.
    let by_old_key = forge(&real, &old, |_| {});
    let r = sh.verify(&by_old_key);
    let signer = r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "signing_certificate")
        .unwrap();
    assert_eq!(signer["result"], "PASSED", "{r:#}");

    // The operator delists it: the file goes, list 2 is signed; the running node takes it.
    for e in std::fs::read_dir(certs.join(GZ)).unwrap().flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        if n.starts_with("licence-issuer.") && n != "licence-issuer.crt" && n.ends_with(".crt") {
            std::fs::remove_file(e.path()).unwrap();
        }
    }
    sign_trust_list(&certs, &[(GZ, gz_port), (SH, sh_port)], &tl);
    let mut refreshed = false;
    for _ in 0..200 {
        if sh.log().contains("trust list refreshed") {
            refreshed = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(refreshed, "{}", sh.log());
    let r = sh.verify(&by_old_key);
    assert_ne!(indication(&r), "TOTAL_PASSED", "{r:#}");
    assert!(r.to_string().contains("not in the trust list"), "{r:#}");
    // The current key still works.
    assert_eq!(indication(&sh.verify(&real)), "TOTAL_PASSED");
}

/// A credential's `iss` is the issuer URI its signing certificate names (one per region and
/// role): the same trusted key claiming another issuer, Shanghai's or the region-wide URI
/// certificates named before, fails the issuer check; its own passes.
#[test]
fn iss_must_be_the_issuer_the_signing_certificate_names() {
    let shared = tempfile::tempdir().unwrap();
    let certs = shared.path().join("certs");
    init_pki(&certs, "440100,310000");
    let (gz_port, sh_port) = (free_port(), free_port());
    let tl = shared.path().join("tl.jwt");
    sign_trust_list(&certs, &[(GZ, gz_port), (SH, sh_port)], &tl);
    let gz = node(gz_port, &certs, GZ, &tl);
    let auth = gz.role_token("authority");
    let (uscc, wallet, _) = gz.register(&auth, &company(&uscc(74), "广州签发者检查示例有限公司"));
    let real = licence_sd_jwt(&gz, &uscc, &wallet);
    let licence = Signer::load(&certs, Some(&region(GZ)), Role::LicenceIssuer).unwrap();
    let shanghai = Signer::load(&certs, Some(&region(SH)), Role::LicenceIssuer).unwrap();
    let tax = Signer::load(&certs, Some(&region(GZ)), Role::TaxIssuer).unwrap();
    assert_ne!(licence.iss, shanghai.iss);
    assert_ne!(licence.iss, tax.iss);
    let own = forge(&real, &licence, |c| {
        assert_eq!(c["iss"], json!(licence.iss));
    });
    let (code, r) = offline(&certs, &tl, &own);
    assert_eq!((code, indication(&r)), (0, "TOTAL_PASSED"), "{r:#}");
    for other in [
        shanghai.iss.clone(),
        tax.iss.clone(),
        "https://zhengtong.example/regions/440100".to_string(),
    ] {
        let forged = forge(&real, &licence, |c| {
            c.insert("iss".into(), json!(other));
        });
        for r in [offline(&certs, &tl, &forged).1, gz.verify(&forged)] {
            assert_eq!(indication(&r), "TOTAL_FAILED", "{other}: {r:#}");
            assert!(
                r.to_string()
                    .contains("is not the issuer the signing certificate names"),
                "{other}: {r:#}"
            );
        }
    }
}
