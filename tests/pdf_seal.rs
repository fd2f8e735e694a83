//! Sealed PDFs through the real server: a multi-page PDF sealed (PAdES B-B, incremental
//! update), validated by us, by pyHanko and by poppler's pdfsig; a second company's seal on
//! top; one changed byte caught by all three; the seal rendered red where it was asked.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use lopdf::content::{Content, Operation};
use lopdf::{Document, Object, Stream, dictionary};
use serde_json::Value;

/// A three-page A4 PDF with a line of drawing on each page (no fonts needed).
fn multi_page_pdf() -> Vec<u8> {
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let mut kids = Vec::new();
    for i in 0..3 {
        let content = Content {
            operations: vec![
                Operation::new(
                    "re",
                    vec![50.into(), (700 - i * 50).into(), 300.into(), 20.into()],
                ),
                Operation::new("S", vec![]),
            ],
        };
        let c = doc.add_object(Stream::new(dictionary! {}, content.encode().unwrap()));
        let page = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages_id, "Contents" => c,
        });
        kids.push(Object::from(page));
    }
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => kids, "Count" => 3,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

fn seal_pdf(
    s: &Server,
    uscc: &str,
    wallet: &str,
    seal_id: &str,
    query: &str,
    pdf: &[u8],
) -> reqwest::blocking::Response {
    s.client
        .post(s.url(&format!("/v1/wallets/{uscc}/seals/{seal_id}/sign{query}")))
        .bearer_auth(wallet)
        .header("content-type", "application/pdf")
        .body(pdf.to_vec())
        .send()
        .unwrap()
}

fn validate(s: &Server, pdf: &[u8]) -> Vec<Value> {
    let r = s
        .client
        .post(s.url("/v1/signatures/validate"))
        .header("content-type", "application/pdf")
        .body(pdf.to_vec())
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().unwrap();
    v["signatures"].as_array().unwrap().clone()
}

fn tool(name: &str) -> PathBuf {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(".venv/bin")
        .join(name);
    if venv.exists() {
        venv
    } else {
        PathBuf::from(name)
    }
}

fn run(cmd: &mut Command) -> (bool, String) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn pyhanko(root: &Path, pdf: &Path) -> (bool, String) {
    let r = run(Command::new(tool("pyhanko"))
        .args(["sign", "validate", "--trust-replace", "--trust"])
        .arg(root)
        .arg(pdf));
    eprintln!("pyhanko {}: {}", pdf.display(), r.1);
    r
}

/// An NSS database holding the root, for pdfsig.
fn nss_db(dir: &Path, root: &Path) -> String {
    let db = format!("sql:{}", dir.display());
    let (ok, out) = run(Command::new("certutil").args(["-N", "-d", &db, "--empty-password"]));
    assert!(ok, "{out}");
    let (ok, out) = run(Command::new("certutil")
        .args([
            "-A",
            "-d",
            &db,
            "-n",
            "zhengtong-root",
            "-t",
            "CT,C,C",
            "-i",
        ])
        .arg(root));
    assert!(ok, "{out}");
    db
}

fn pdfsig(db: &str, pdf: &Path) -> String {
    let out = run(Command::new("pdfsig").args(["-nssdir", db]).arg(pdf)).1;
    eprintln!("pdfsig {}: {out}", pdf.display());
    out
}

fn setup_company(
    s: &Server,
    auth: &str,
    police: &str,
    n: u32,
    name: &str,
    code: &str,
) -> (String, String, String) {
    let (uscc, wallet, _) = s.register(auth, &company(&uscc(n), name));
    let (_, seal) = s.official_seal(police, auth, &uscc, name, code);
    (uscc, wallet, seal["id"].as_str().unwrap().to_string())
}

#[test]
fn sealed_pdf_validates_with_us_pyhanko_and_pdfsig() {
    let s = Server::start();
    let auth = s.role_token("authority");
    let police = s.role_token("police");
    let (a_uscc, a_wallet, a_seal) = setup_company(
        &s,
        &auth,
        &police,
        81,
        "广州甲方科技有限公司",
        "4401000081001",
    );
    let (b_uscc, b_wallet, b_seal) = setup_company(
        &s,
        &auth,
        &police,
        82,
        "广州乙方贸易有限公司",
        "4401000082001",
    );
    let original = multi_page_pdf();
    let dir = tempfile::tempdir().unwrap();
    let root = s.certs().join("root.crt");

    // A seals page 2, centre 60 mm from the left and 80 mm from the top.
    let r = seal_pdf(
        &s,
        &a_uscc,
        &a_wallet,
        &a_seal,
        "?page=2&x_mm=60&y_mm=80",
        &original,
    );
    assert_eq!(r.status(), 201);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let one = r.bytes().unwrap().to_vec();
    assert_eq!(
        &one[..original.len()],
        &original[..],
        "an incremental update keeps the original bytes"
    );
    let reports = validate(&s, &one);
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0]["indication"], "TOTAL_PASSED", "{:#}", reports[0]);
    let one_path = dir.path().join("one.pdf");
    std::fs::write(&one_path, &one).unwrap();
    let (ok, out) = pyhanko(&root, &one_path);
    assert!(
        ok && out.contains("INTACT") && out.contains("TRUSTED"),
        "pyhanko: {out}"
    );
    let db = nss_db(dir.path(), &root);
    let out = pdfsig(&db, &one_path);
    assert!(out.contains("Signature is Valid"), "pdfsig: {out}");
    assert!(out.contains("Total document signed"), "pdfsig: {out}");

    // The seal is drawn red where it was asked (150 dpi: 1 mm = 150/25.4 px).
    let prefix = dir.path().join("page");
    let (ok, out) = run(Command::new("pdftoppm")
        .args(["-r", "150", "-f", "2", "-l", "2", "-png"])
        .arg(&one_path)
        .arg(&prefix));
    assert!(ok, "{out}");
    let png = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "png"))
        .expect("a rendered page");
    let img = image::open(&png).unwrap().to_rgb8();
    let px = |mm: f64| (mm * 150.0 / 25.4).round() as u32;
    let red = |x: u32, y: u32| {
        let p = img.get_pixel(x, y);
        p[0] > 150 && p[1] < 90 && p[2] < 90
    };
    assert!(
        red(px(60.0), px(80.0)),
        "the star at the seal's centre is red"
    );
    // The ring: 21 mm from the centre, minus half the border.
    let ring = (px(60.0 - 20.4) - 2..=px(60.0 - 20.4) + 2).any(|x| red(x, px(80.0)));
    assert!(ring, "the ring is red");
    assert!(!red(px(150.0), px(200.0)), "elsewhere the page is not red");

    // B seals the sealed PDF (default: bottom right of the last page); both validate.
    let r = seal_pdf(&s, &b_uscc, &b_wallet, &b_seal, "", &one);
    assert_eq!(r.status(), 201);
    let two = r.bytes().unwrap().to_vec();
    let reports = validate(&s, &two);
    assert_eq!(reports.len(), 2);
    for rep in &reports {
        assert_eq!(rep["indication"], "TOTAL_PASSED", "{rep:#}");
    }
    let two_path = dir.path().join("two.pdf");
    std::fs::write(&two_path, &two).unwrap();
    if let Some(keep) = std::env::var_os("ZT_PDF_KEEP") {
        std::fs::write(Path::new(&keep).join("two.pdf"), &two).unwrap();
        std::fs::copy(&root, Path::new(&keep).join("root.crt")).unwrap();
    }
    let (ok, out) = pyhanko(&root, &two_path);
    assert!(ok, "pyhanko on two signatures: {out}");
    assert_eq!(out.matches("INTACT").count(), 2, "pyhanko: {out}");
    let out = pdfsig(&db, &two_path);
    assert_eq!(
        out.matches("Signature is Valid").count(),
        2,
        "pdfsig: {out}"
    );

    // One byte of the original content changed after sealing: caught by all three.
    let mut bad = two.clone();
    // The first page's drawing: "50 700 300 20 re" becomes "50 700 300 30 re".
    let at = bad
        .windows(5)
        .position(|w| w == b"20 re")
        .expect("the drawing");
    bad[at] = b'3';
    let reports = validate(&s, &bad);
    for rep in &reports {
        assert_eq!(rep["indication"], "TOTAL_FAILED", "{rep:#}");
        assert_eq!(rep["sub_indication"], "HASH_FAILURE", "{rep:#}");
    }
    let bad_path = dir.path().join("bad.pdf");
    std::fs::write(&bad_path, &bad).unwrap();
    let (ok, out) = pyhanko(&root, &bad_path);
    assert!(
        !ok && out.contains("INVALID") && !out.contains("INTACT"),
        "pyhanko missed the change: {out}"
    );
    let out = pdfsig(&db, &bad_path);
    assert!(
        !out.contains("Signature is Valid"),
        "pdfsig missed the change: {out}"
    );

    // A's seal revoked after it sealed: its signature stays valid, with a warning.
    s.advance_clock(3600.0);
    let r = s.post(
        &format!("/v1/wallets/{a_uscc}/seals/{a_seal}/revocation"),
        Some(&auth),
        &serde_json::json!({}),
    );
    assert_eq!(r.status(), 200, "{}", r.text().unwrap());
    let reports = validate(&s, &two);
    assert_eq!(reports[0]["indication"], "TOTAL_PASSED", "{:#}", reports[0]);
    let warned = reports[0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["result"] == "WARNING" && c["reason"].as_str().unwrap().contains("revoked"));
    assert!(warned, "{:#}", reports[0]);
    assert_eq!(reports[1]["indication"], "TOTAL_PASSED", "{:#}", reports[1]);

    // Bytes appended after the last signature (not a signed revision): HASH_FAILURE.
    let mut appended = one.clone();
    appended.extend_from_slice(b"\n% appended\n");
    let reports = validate(&s, &appended);
    assert_eq!(
        reports[0]["sub_indication"], "HASH_FAILURE",
        "{:#}",
        reports[0]
    );
}

#[test]
fn refusals_name_the_reason() {
    let s = Server::start();
    let auth = s.role_token("authority");
    let police = s.role_token("police");
    let (uscc, wallet, seal) =
        setup_company(&s, &auth, &police, 83, "广州丙方有限公司", "4401000083001");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("", b"not a pdf at all".to_vec(), "not a PDF"),
        ("", b"%PDF-1.7\n garbage".to_vec(), "malformed"),
        ("?page=9", multi_page_pdf(), "page 9"),
        ("?x_mm=1000&y_mm=10", multi_page_pdf(), "off page"),
    ];
    for (q, body, says) in cases {
        let (status, p) = problem(seal_pdf(&s, &uscc, &wallet, &seal, q, &body));
        assert_eq!(status, 422, "{p:#}");
        assert!(p.to_string().contains(says), "{says}: {p:#}");
    }
    let big = vec![b'%'; 21 * 1024 * 1024];
    let (status, _) = problem(seal_pdf(&s, &uscc, &wallet, &seal, "", &big));
    assert_eq!(status, 413);
}
