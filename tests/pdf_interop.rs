//! PAdES both ways (issue 27, items 8-11): what partners' tools make, we must accept, and
//! what we make, their tools must accept.
//!
//! - pyHanko signs with a certificate our regional CA issued (RSA-2048 and ECDSA P-256) at
//!   B-B, B-T (our `/v1/tsa`), B-LT and B-LTA: TOTAL_PASSED, online and offline;
//! - a signer outside our trust is INDETERMINATE / NO_CERTIFICATE_CHAIN_FOUND, never a
//!   crypto failure;
//! - our sealed PDF after `pyhanko sign timestamp` and `pyhanko sign ltvfix`: each seal
//!   still TOTAL_PASSED, the document timestamp reported as one;
//! - NSS (`certutil`, `pdfsig`), `openssl cms -verify` and Python `cryptography` accept our
//!   seal certificates with their default purposes;
//! - pyHanko's AdES validation, offline with only our root, PASSED on our output (B-LTA).
//!
//! Each test first checks that the outside tool itself accepts the file (so a failure is
//! ours, not a broken test), and collects every case before failing, naming each.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::pdf::*;
use common::*;
use serde_json::Value;

const LEVELS: [&str; 4] = ["B-B", "B-T", "B-LT", "B-LTA"];

/// A partner's signer: a key and a certificate issued by `ca_dir`'s CA (`ca.crt`,
/// `ca.key`), or self-signed when `ca_dir` is `None`. `kind`: "rsa" or "ec".
fn partner(dir: &Path, kind: &str, name: &str, ca_dir: Option<&Path>) -> PathBuf {
    let keys = dir.join(format!("{kind}-{}", hex::encode(name)));
    let k = keys.to_str().unwrap();
    match ca_dir {
        Some(ca) => {
            let p = |f: &str| ca.join(f).to_str().unwrap().to_string();
            // The CRL distribution point of the CA's other leaves, for pyHanko's B-LT.
            pades_py(&[
                "issue",
                kind,
                k,
                name,
                &p("ca.crt"),
                &p("ca.key"),
                &p("licence-issuer.crt"),
            ])
        }
        None => pades_py(&["self-signed", kind, k, name]),
    };
    keys
}

/// `pyhanko sign addsig … pemder` at a PAdES level, timestamps from our TSA, validation
/// data fetched from our server (trusting `root`).
fn pyhanko_sign(
    s: &Server,
    keys: &Path,
    chain: Option<&Path>,
    level: &str,
    from: &Path,
    to: &Path,
) {
    let tsa = s.url("/v1/tsa");
    let root = s.certs().join("root.crt");
    let mut cmd = Command::new(tool("pyhanko"));
    cmd.args(["sign", "addsig", "--field", "Sig1", "--use-pades"]);
    if level != "B-B" {
        cmd.args(["--timestamp-url", &tsa]);
    }
    if level == "B-LT" || level == "B-LTA" {
        cmd.args(["--with-validation-info", "--trust-replace", "--trust"])
            .arg(&root);
    }
    if level == "B-LTA" {
        cmd.arg("--use-pades-lta");
    }
    cmd.args(["pemder", "--no-pass", "--key"])
        .arg(keys.join("key.pem"))
        .arg("--cert")
        .arg(keys.join("cert.pem"));
    if let Some(c) = chain {
        cmd.arg("--chain").arg(c);
    }
    let (ok, out) = run(cmd.arg(from).arg(to));
    assert!(ok, "pyhanko addsig {level}: {out}");
}

/// pyHanko's own verdict on a file it made or extended: every signature intact, and
/// trusted (or not) as `trusted` says. A precondition: without it the case proves nothing.
fn pyhanko_accepts(root: &Path, pdf: &Path, trusted: bool, what: &str) -> String {
    let (ok, out) = pyhanko(root, pdf);
    let want = if trusted {
        "INTACT:TRUSTED"
    } else {
        "INTACT:UNTRUSTED"
    };
    assert!(
        out.contains(want) && (ok || !trusted),
        "precondition: pyHanko itself says {want} for {what}: {out}"
    );
    out
}

/// Who signed, as a report says it: `summary.signed_by` (after the validator's rewrite),
/// else the certificate named by the signing-certificate check (today's reports).
fn signer(report: &Value) -> String {
    if let Some(s) = report["summary"]["signed_by"].as_str() {
        return s.to_string();
    }
    report["checks"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["name"] == "signing_certificate")
        .and_then(|c| c["reason"].as_str())
        .unwrap_or_default()
        .to_string()
}

/// The reports whose signer is `name`.
fn by<'a>(reports: &'a [Value], name: &str) -> Vec<&'a Value> {
    reports
        .iter()
        .filter(|r| signer(r).contains(name))
        .collect()
}

/// One line per report: indication, sub-indication, kind, signer, and what did not pass.
fn brief(reports: &[Value]) -> String {
    reports
        .iter()
        .map(|r| {
            let bad: Vec<String> = r["checks"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|c| c["result"] != "PASSED")
                .map(|c| format!("{}={}: {}", c["name"], c["result"], c["reason"]))
                .collect();
            format!(
                "  [{} {} kind={} signer={}] {}",
                r["indication"],
                r["sub_indication"],
                r["summary"]["details"]["kind"],
                signer(r),
                bad.join(" | ")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `zhengtong seal verify --certs CERTS --document PDF`: (exit code, its reports).
fn cli_verify(certs: &Path, pdf: &Path) -> (i32, Vec<Value>) {
    let (code, out, err) = seal_verify_cli(certs, pdf);
    let v: Value = serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("seal verify printed no JSON ({e}): {out}{err}"));
    (
        code,
        v["signatures"].as_array().cloned().unwrap_or_default(),
    )
}

/// Every report TOTAL_PASSED, one of them signed by `name`; else what went wrong.
fn all_passed(reports: &[Value], name: &str) -> Option<String> {
    let ok = by(reports, name).len() == 1
        && !reports.is_empty()
        && reports.iter().all(|r| r["indication"] == "TOTAL_PASSED");
    (!ok).then(|| brief(reports))
}

/// Fails with every collected failure, each naming its case.
fn fail_if_any(failures: Vec<String>) {
    assert!(
        failures.is_empty(),
        "{} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Item 8: pyHanko's PAdES under our regional CA, RSA-2048 and ECDSA P-256, each level:
/// TOTAL_PASSED by the API and the offline CLI (which exits 0).
#[test]
fn foreign_pades_under_our_regional_ca_passes_at_every_level() {
    let s = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let root = s.certs().join("root.crt");
    let ca_dir = s.certs().join(&s.region);
    let plain = dir.path().join("plain.pdf");
    std::fs::write(&plain, multi_page_pdf()).unwrap();
    let mut failures = Vec::new();
    for (kind, name) in [
        ("rsa", "广州伙伴银行股份有限公司"),
        ("ec", "广州伙伴律师事务所"),
    ] {
        let keys = partner(dir.path(), kind, name, Some(&ca_dir));
        for level in LEVELS {
            let case = format!("{kind} {level}");
            let path = dir.path().join(format!("{kind}-{level}.pdf"));
            pyhanko_sign(
                &s,
                &keys,
                Some(&ca_dir.join("ca.crt")),
                level,
                &plain,
                &path,
            );
            let said = pyhanko_accepts(&root, &path, true, &case);
            let pdf = std::fs::read(&path).unwrap();
            // The file is what its level says (else the case tests less than it claims).
            if level != "B-B" {
                assert!(
                    said.contains("TIMESTAMP_TOKEN<INTACT:TRUSTED>"),
                    "{case}: {said}"
                );
            }
            if level == "B-LT" || level == "B-LTA" {
                assert!(pdf.windows(4).any(|w| w == b"/DSS"), "{case}: no DSS");
            }
            if level == "B-LTA" {
                assert!(
                    pdf.windows(13).any(|w| w == b"/DocTimeStamp"),
                    "{case}: no document timestamp"
                );
            }
            if let Some(why) = all_passed(&validate(&s, &pdf), name) {
                failures.push(format!("{case}, API:\n{why}"));
            }
            let (code, reports) = cli_verify(&s.certs(), &path);
            if code != 0 || all_passed(&reports, name).is_some() {
                failures.push(format!("{case}, CLI exit {code}:\n{}", brief(&reports)));
            }
        }
    }
    fail_if_any(failures);
}

/// Item 8, second half: a signer we do not trust (self-signed; a CA under another root)
/// is INDETERMINATE / NO_CERTIFICATE_CHAIN_FOUND, its signature intact: never a crypto
/// failure. The CLI exits non-zero.
#[test]
fn signer_outside_our_trust_is_indeterminate_not_a_crypto_failure() {
    let s = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.pdf");
    std::fs::write(&plain, multi_page_pdf()).unwrap();
    // Another PKI, made by our own tool: same shape, another root.
    let other = dir.path().join("other-pki");
    init_pki(&other, &s.region);
    let other_ca = other.join(&s.region);
    let cases = [
        (
            "self-signed ec B-B",
            "Self-Signed Partner Ltd",
            None,
            "ec",
            "B-B",
        ),
        (
            "other-root rsa B-T",
            "外省伙伴有限公司",
            Some(&other_ca),
            "rsa",
            "B-T",
        ),
    ];
    let mut failures = Vec::new();
    for (case, name, ca, kind, level) in cases {
        let keys = partner(dir.path(), kind, name, ca.map(PathBuf::as_path));
        let chain = ca.map(|c| c.join("ca.crt"));
        let path = dir.path().join(format!("{kind}-{level}-untrusted.pdf"));
        pyhanko_sign(&s, &keys, chain.as_deref(), level, &plain, &path);
        pyhanko_accepts(&s.certs().join("root.crt"), &path, false, case);
        let pdf = std::fs::read(&path).unwrap();
        let reports = validate(&s, &pdf);
        let mine = by(&reports, name);
        let ok = mine.len() == 1
            && mine[0]["indication"] == "INDETERMINATE"
            && mine[0]["sub_indication"] == "NO_CERTIFICATE_CHAIN_FOUND";
        if !ok {
            failures.push(format!("{case}, API:\n{}", brief(&reports)));
        }
        let (code, reports) = cli_verify(&s.certs(), &path);
        let mine = by(&reports, name);
        if code == 0 || mine.len() != 1 || mine[0]["indication"] != "INDETERMINATE" {
            failures.push(format!("{case}, CLI exit {code}:\n{}", brief(&reports)));
        }
    }
    fail_if_any(failures);
}

const A: &str = "广州甲方科技有限公司";
const B: &str = "广州乙方贸易有限公司";

/// A multi-page PDF sealed by company A, then by company B, through our API.
fn sealed_twice(s: &Server) -> Vec<u8> {
    let auth = s.role_token("authority");
    let police = s.role_token("police");
    let mut pdf = multi_page_pdf();
    for (n, name) in [(271, A), (272, B)] {
        let code = format!("44010000{n}01");
        let (uscc, wallet, seal) = setup_company(s, &auth, &police, n, name, &code);
        // B-LT: the tests add pyHanko's own document timestamp or validation data.
        let r = seal_pdf(s, &uscc, &wallet, &seal, "?level=B-LT", &pdf);
        assert_eq!(r.status(), 201);
        pdf = r.bytes().unwrap().to_vec();
    }
    pdf
}

/// Debug text that must not reach a person (issue 27 item 9: a document timestamp's
/// report carried `RequiredEkuNotFoundContext(…)` and a mis-decoded OID).
fn debug_text(reports: &[Value]) -> Vec<String> {
    let reasons = reports
        .iter()
        .flat_map(|r| r["checks"].as_array().cloned().unwrap_or_default())
        .filter_map(|c| c["reason"].as_str().map(str::to_string));
    reasons
        .filter(|t| {
            ["RequiredEkuNotFound", "Context(", "KeyPurposeId", "{ "]
                .iter()
                .any(|d| t.contains(d))
        })
        .collect()
}

/// Both seals TOTAL_PASSED, once each; what else is there is a document timestamp,
/// reported as one; no debug text. `what` names the case.
fn seals_pass_and_rest_is_timestamps(reports: &[Value], what: &str, failures: &mut Vec<String>) {
    for name in [A, B] {
        let mine = by(reports, name);
        if mine.len() != 1 {
            failures.push(format!(
                "{what}: {} reports for {name}'s seal, not 1:\n{}",
                mine.len(),
                brief(reports)
            ));
        } else if mine[0]["indication"] != "TOTAL_PASSED" {
            let mine: Vec<Value> = mine.into_iter().cloned().collect();
            failures.push(format!("{what}: {name}'s seal:\n{}", brief(&mine)));
        }
    }
    let others: Vec<&Value> = reports
        .iter()
        .filter(|r| !signer(r).contains(A) && !signer(r).contains(B))
        .collect();
    for r in others {
        if r["summary"]["details"]["kind"] != "document_timestamp"
            || r["indication"] != "TOTAL_PASSED"
        {
            failures.push(format!(
                "{what}: a report that is neither seal, not a passed document timestamp:\n{}",
                brief(std::slice::from_ref(r))
            ));
        }
    }
    let debug = debug_text(reports);
    if !debug.is_empty() {
        failures.push(format!("{what}: debug text in reasons: {debug:?}"));
    }
}

/// The offline CLI on `pdf`: exit 0, both seals TOTAL_PASSED, the rest timestamps.
fn offline_seals_pass(s: &Server, pdf: &Path, failures: &mut Vec<String>) {
    let (code, reports) = cli_verify(&s.certs(), pdf);
    if code != 0 {
        failures.push(format!("CLI exit {code}:\n{}", brief(&reports)));
    }
    seals_pass_and_rest_is_timestamps(&reports, "CLI", failures);
}

/// Item 9: `pyhanko sign timestamp` (a document timestamp from our own TSA) on a PDF two
/// companies sealed: both seals TOTAL_PASSED (API and CLI), the timestamp reported as a
/// `document_timestamp` that passes, and no debug text.
#[test]
fn our_seals_stay_valid_after_a_pyhanko_document_timestamp() {
    let s = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let root = s.certs().join("root.crt");
    let two = dir.path().join("two.pdf");
    std::fs::write(&two, sealed_twice(&s)).unwrap();
    let stamped = dir.path().join("two-doc-timestamp.pdf");
    let (ok, out) = run(Command::new(tool("pyhanko"))
        .args(["sign", "timestamp", "--timestamp-url", &s.url("/v1/tsa")])
        .args(["--trust-replace", "--trust"])
        .arg(&root)
        .arg(&two)
        .arg(&stamped));
    assert!(ok, "pyhanko sign timestamp: {out}");
    let said = pyhanko_accepts(&root, &stamped, true, "the document timestamp");
    assert_eq!(said.matches(":INTACT:TRUSTED").count(), 2, "{said}");
    let pdf = std::fs::read(&stamped).unwrap();
    assert!(pdf.windows(13).any(|w| w == b"/DocTimeStamp"));

    let mut failures = Vec::new();
    let reports = validate(&s, &pdf);
    seals_pass_and_rest_is_timestamps(&reports, "API", &mut failures);
    let stamps = reports
        .iter()
        .filter(|r| r["summary"]["details"]["kind"] == "document_timestamp")
        .count();
    if stamps != 1 {
        failures.push(format!(
            "API: {stamps} reports of kind document_timestamp, not 1:\n{}",
            brief(&reports)
        ));
    }
    offline_seals_pass(&s, &stamped, &mut failures);
    fail_if_any(failures);
}

/// Item 9: `pyhanko sign ltvfix` for each seal (DSS entries, /Info, /Version) on a PDF two
/// companies sealed: both seals still TOTAL_PASSED (API and CLI).
#[test]
fn our_seals_stay_valid_after_pyhanko_ltvfix() {
    let s = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let root = s.certs().join("root.crt");
    let sealed = sealed_twice(&s);
    let fixed = dir.path().join("two-ltvfix.pdf");
    std::fs::write(&fixed, &sealed).unwrap();
    let (ok, list) = run(Command::new(tool("pyhanko"))
        .args(["sign", "list"])
        .arg(&fixed));
    assert!(ok, "pyhanko sign list: {list}");
    let fields: Vec<&str> = list
        .lines()
        .filter_map(|l| l.strip_suffix(":FILLED"))
        .collect();
    assert_eq!(fields.len(), 2, "two signature fields: {list}");
    for field in fields {
        let (ok, out) = run(Command::new(tool("pyhanko"))
            .args(["sign", "ltvfix", "--field", field])
            .args(["--trust-replace", "--trust"])
            .arg(&root)
            .arg(&fixed));
        assert!(ok, "pyhanko sign ltvfix --field {field}: {out}");
    }
    let pdf = std::fs::read(&fixed).unwrap();
    assert!(pdf.len() > sealed.len(), "ltvfix appended an update");
    let said = pyhanko_accepts(&root, &fixed, true, "ltvfix");
    assert_eq!(said.matches(":INTACT:TRUSTED").count(), 2, "{said}");

    let mut failures = Vec::new();
    let reports = validate(&s, &pdf);
    seals_pass_and_rest_is_timestamps(&reports, "API", &mut failures);
    if reports.len() != 2 {
        failures.push(format!(
            "API: {} reports, not 2:\n{}",
            reports.len(),
            brief(&reports)
        ));
    }
    offline_seals_pass(&s, &fixed, &mut failures);
    fail_if_any(failures);
}

/// A PDF sealed through our API, its seal certificate, in a folder.
struct Sealed {
    s: Server,
    dir: tempfile::TempDir,
    pdf: PathBuf,
    seal_cert: PathBuf,
}

impl Sealed {
    fn new() -> Sealed {
        let s = Server::start();
        let auth = s.role_token("authority");
        let police = s.role_token("police");
        let (uscc, wallet, _) = s.register(&auth, &company(&uscc(281), A));
        let (_, seal) = s.official_seal(&police, &auth, &uscc, A, "4401000028101");
        let dir = tempfile::tempdir().unwrap();
        let seal_cert = dir.path().join("seal.pem");
        std::fs::write(&seal_cert, seal["certificate_pem"].as_str().unwrap()).unwrap();
        let r = seal_pdf(
            &s,
            &uscc,
            &wallet,
            seal["id"].as_str().unwrap(),
            "",
            &multi_page_pdf(),
        );
        assert_eq!(r.status(), 201);
        let pdf = dir.path().join("sealed.pdf");
        std::fs::write(&pdf, r.bytes().unwrap()).unwrap();
        Sealed {
            s,
            dir,
            pdf,
            seal_cert,
        }
    }

    fn root(&self) -> PathBuf {
        self.s.certs().join("root.crt")
    }

    fn ca(&self) -> PathBuf {
        self.s.certs().join(&self.s.region).join("ca.crt")
    }
}

/// Item 11: NSS (`certutil -V -u S`, S = e-mail signer, what NSS uses for document
/// signatures) with only our root trusted, the regional CA known but not trusted.
#[test]
fn certutil_accepts_a_seal_certificate_for_signing() {
    let f = Sealed::new();
    let db_dir = f.dir.path().join("nss");
    std::fs::create_dir(&db_dir).unwrap();
    let db = nss_db(&db_dir, &f.root());
    for (nick, cert) in [("regional-ca", f.ca()), ("seal", f.seal_cert.clone())] {
        let (ok, out) = run(Command::new("certutil")
            .args(["-A", "-d", &db, "-n", nick, "-t", ",,", "-i"])
            .arg(cert));
        assert!(ok, "{out}");
    }
    let (ok, out) = run(Command::new("certutil").args(["-V", "-u", "S", "-n", "seal", "-d", &db]));
    assert!(
        ok && out.contains("certificate is valid"),
        "certutil -V -u S: {out}"
    );
}

/// Item 11: poppler's pdfsig with only our root in NSS: the signature valid and the
/// certificate trusted.
#[test]
fn pdfsig_with_only_our_root_calls_the_seal_certificate_trusted() {
    let f = Sealed::new();
    let db_dir = f.dir.path().join("nss");
    std::fs::create_dir(&db_dir).unwrap();
    let db = nss_db(&db_dir, &f.root());
    let out = pdfsig(&db, &f.pdf);
    assert!(out.contains("Signature is Valid"), "pdfsig: {out}");
    assert!(out.contains("Certificate is Trusted"), "pdfsig: {out}");
}

/// Item 11: `openssl cms -verify` over the signature's CMS and signed bytes, with the
/// default purpose (S/MIME signing), not `-purpose any`.
#[test]
fn openssl_cms_verify_with_the_default_purpose_passes() {
    let f = Sealed::new();
    let pdf = std::fs::read(&f.pdf).unwrap();
    let cms = f.dir.path().join("seal.p7s");
    let signed = f.dir.path().join("signed.bin");
    // The seal is the first signature (a document timestamp follows it: B-LTA).
    let (der, bytes) = first_signature(&pdf);
    std::fs::write(&cms, der).unwrap();
    std::fs::write(&signed, bytes).unwrap();
    let verify = |extra: &[&str]| {
        run(Command::new("openssl")
            .args(["cms", "-verify", "-binary", "-inform", "DER", "-in"])
            .arg(&cms)
            .arg("-content")
            .arg(&signed)
            .arg("-CAfile")
            .arg(f.root())
            .arg("-certfile")
            .arg(f.ca())
            .args(["-out", "/dev/null"])
            .args(extra))
    };
    // The CMS and the bytes are right (else the test would prove nothing).
    let (ok, out) = verify(&["-purpose", "any"]);
    assert!(ok, "precondition: openssl cms -verify -purpose any: {out}");
    let (ok, out) = verify(&[]);
    assert!(
        ok && out.contains("Verification successful"),
        "openssl cms -verify (default purpose): {out}"
    );
}

/// Item 11: Python `cryptography`'s path validator, its default profile asking for the
/// standard EKU of the purpose: id-kp-documentSigning (RFC 9336) for the seal,
/// id-kp-timeStamping for our TSA (see `pades.py stock-path`).
#[test]
fn python_cryptography_accepts_the_seal_and_tsa_chains() {
    let f = Sealed::new();
    let root = f.root();
    let ca = f.ca();
    let tsa = f.s.certs().join(&f.s.region).join("tsa.crt");
    let mut failures = Vec::new();
    for (what, eku, leaf) in [
        ("seal", "1.3.6.1.5.5.7.3.36", &f.seal_cert),
        ("TSA", "1.3.6.1.5.5.7.3.8", &tsa),
    ] {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/pades.py");
        let (ok, out) = run(Command::new(python())
            .arg(script)
            .arg("stock-path")
            .arg(&root)
            .arg(eku)
            .arg(leaf)
            .arg(&ca));
        if !ok {
            let last = out.lines().last().unwrap_or_default().to_string();
            failures.push(format!("{what} ({eku}): {last}"));
        }
    }
    fail_if_any(failures);
}

/// Item 10: pyHanko's AdES validation (EN 319 102-1 with proof of existence), offline,
/// trusting only our root: PASSED for our sealed PDF. A pyHanko B-LTA file made under our
/// CA is the control: the same check says PASSED for it.
#[test]
fn pyhanko_ades_offline_with_only_our_root_passes_on_our_sealed_pdf() {
    let mut f = Sealed::new();
    let root = f.root();
    let ca_dir = f.s.certs().join(&f.s.region);
    let keys = partner(f.dir.path(), "ec", "广州伙伴律师事务所", Some(&ca_dir));
    let plain = f.dir.path().join("plain.pdf");
    std::fs::write(&plain, multi_page_pdf()).unwrap();
    let control = f.dir.path().join("control-b-lta.pdf");
    pyhanko_sign(&f.s, &keys, Some(&f.ca()), "B-LTA", &plain, &control);
    // Offline: the server gone, only what the files hold.
    f.s.stop();
    let r = |pdf: &Path| pades_py(&["ades", root.to_str().unwrap(), pdf.to_str().unwrap()]);
    let said = r(&control);
    assert!(
        said.trim_end().ends_with("PASSED OK"),
        "precondition: the control passes: {said}"
    );
    let said = r(&f.pdf);
    let lines: Vec<&str> = said.lines().collect();
    assert!(
        !lines.is_empty() && lines.iter().all(|l| l.ends_with(": PASSED OK")),
        "pyHanko AdES, offline, only our root: {said}"
    );
}

/// DocMDP (ISO 32000-2 §12.8.2.2): a certification signature with P=1 forbids any later
/// signature, but not validation data or a document timestamp (our `pdf extend`); with
/// P=2 a later signature is allowed. The later signature itself stays valid either way.
#[test]
fn a_certification_signature_with_p1_fails_when_signed_again() {
    let s = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let ca_dir = s.certs().join(&s.region);
    let ca = ca_dir.join("ca.crt");
    let certifier = partner(dir.path(), "ec", "广州认证方公证处", Some(&ca_dir));
    let cosigner = partner(dir.path(), "rsa", "广州会签方律师事务所", Some(&ca_dir));
    let plain = dir.path().join("plain.pdf");
    std::fs::write(&plain, multi_page_pdf()).unwrap();
    let p = |n: &str| dir.path().join(n);
    let (auth, police) = (s.role_token("authority"), s.role_token("police"));
    let co = setup_company(&s, &auth, &police, 291, A, "4401000029101");
    let mut failures = Vec::new();
    for perm in ["1", "2"] {
        let certified = p(&format!("certified-p{perm}.pdf"));
        let k = certifier.to_str().unwrap();
        pades_py(&[
            "certify",
            k,
            ca.to_str().unwrap(),
            plain.to_str().unwrap(),
            certified.to_str().unwrap(),
            perm,
        ]);
        let extended = s
            .client
            .post(s.url("/v1/pdf/extend"))
            .header("content-type", "application/pdf")
            .body(std::fs::read(&certified).unwrap())
            .send()
            .unwrap();
        assert_eq!(extended.status(), 200);
        let reports = validate(&s, &extended.bytes().unwrap());
        if let Some(b) = all_passed(&reports, "认证方") {
            failures.push(format!("P={perm} then a document timestamp:\n{b}"));
        }
        // Our sealer will not break a P=1 certification (422 naming the document); it
        // seals a P=2 one.
        let r = seal_pdf(
            &s,
            &co.0,
            &co.1,
            &co.2,
            "",
            &std::fs::read(&certified).unwrap(),
        );
        let status = r.status().as_u16();
        let text = r.text().unwrap_or_default();
        let want = if perm == "1" { 422 } else { 201 };
        if status != want || (perm == "1" && !text.contains("DocMDP")) {
            failures.push(format!("P={perm}: sealing answered {status}: {text:.300}"));
        }
        let cosigned = p(&format!("cosigned-p{perm}.pdf"));
        pades_py(&[
            "cosign",
            cosigner.to_str().unwrap(),
            ca.to_str().unwrap(),
            certified.to_str().unwrap(),
            cosigned.to_str().unwrap(),
        ]);
        let reports = validate(&s, &std::fs::read(&cosigned).unwrap());
        let cert_ok = by(&reports, "认证方")
            .iter()
            .all(|r| r["indication"] == "TOTAL_PASSED");
        let cosign_ok = by(&reports, "会签方")
            .iter()
            .all(|r| r["indication"] == "TOTAL_PASSED");
        let says_docmdp = reports.iter().any(|r| r.to_string().contains("DocMDP P=1"));
        let want_cert_ok = perm == "2";
        if cert_ok != want_cert_ok || !cosign_ok || (perm == "1" && !says_docmdp) {
            failures.push(format!(
                "P={perm} then a second signature (certification should {}):\n{}",
                if want_cert_ok { "pass" } else { "fail" },
                brief(&reports)
            ));
        }
    }
    fail_if_any(failures);
}
