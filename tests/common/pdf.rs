//! Sealed PDFs in tests: a plain PDF to seal, sealing and validating through the server,
//! a company with an e-seal, the CMS and signed bytes of a signature, and the outside
//! tools (pyHanko, poppler's pdfsig with an NSS database) that check us.

use std::path::{Path, PathBuf};
use std::process::Command;

use der::{Decode, Encode};
use lopdf::content::{Content, Operation};
use lopdf::{Document, Object, Stream, dictionary};
use serde_json::Value;

use super::{Server, company, python, run, run_cli, uscc};

/// A three-page A4 PDF with a line of drawing on each page (no fonts needed).
pub fn multi_page_pdf() -> Vec<u8> {
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

/// The last signature's `/ByteRange` (as `[a b c d]`).
pub fn last_byte_range(pdf: &[u8]) -> [usize; 4] {
    let at = pdf
        .windows(12)
        .rposition(|w| w == b"/ByteRange [")
        .expect("a byte range");
    let nums: Vec<usize> = std::str::from_utf8(&pdf[at + 12..at + 60])
        .unwrap()
        .split(']')
        .next()
        .unwrap()
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect();
    nums.try_into().expect("four numbers")
}

/// The end of the last signature's byte range: the signed revision (what follows is the DSS).
pub fn signed_end(pdf: &[u8]) -> usize {
    let r = last_byte_range(pdf);
    r[2] + r[3]
}

/// The bytes the last signature signs: its byte range's two parts, concatenated.
pub fn last_signed_bytes(pdf: &[u8]) -> Vec<u8> {
    let r = last_byte_range(pdf);
    [&pdf[r[0]..r[0] + r[1]], &pdf[r[2]..r[2] + r[3]]].concat()
}

/// The DER CMS in the last signature's /Contents (zero padding cut off).
pub fn last_cms(pdf: &[u8]) -> Vec<u8> {
    let at = pdf
        .windows(11)
        .rposition(|w| w == b"/Contents <")
        .expect("contents")
        + 11;
    let end = at + pdf[at..].iter().position(|&b| b == b'>').unwrap();
    let raw = hex::decode(&pdf[at..end]).unwrap();
    let ci = cms::content_info::ContentInfo::from_der(&raw[..der_len(&raw)]).unwrap();
    ci.to_der().unwrap()
}

fn der_len(b: &[u8]) -> usize {
    match b[1] {
        n if n < 0x80 => 2 + usize::from(n),
        n => {
            let k = usize::from(n & 0x7f);
            2 + k
                + b[2..2 + k]
                    .iter()
                    .fold(0, |l, &x| (l << 8) | usize::from(x))
        }
    }
}

/// The check named `name` of a report.
pub fn check<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no {name} check: {report:#}"))
}

pub fn seal_pdf(
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

/// `POST /v1/signatures/validate`: the reports, checked to be 200.
pub fn validate(s: &Server, pdf: &[u8]) -> Vec<Value> {
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

/// The offline CLI, `zhengtong seal verify --certs CERTS --document PDF`:
/// (exit code, stdout, stderr).
pub fn seal_verify_cli(certs: &Path, pdf: &Path) -> (i32, String, String) {
    run_cli(&[
        "seal",
        "verify",
        "--certs",
        certs.to_str().unwrap(),
        "--document",
        pdf.to_str().unwrap(),
    ])
}

/// A tool from the venv (pyhanko) if it is there, else from the PATH.
pub fn tool(name: &str) -> PathBuf {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(".venv/bin")
        .join(name);
    if venv.exists() {
        venv
    } else {
        PathBuf::from(name)
    }
}

/// `pyhanko sign validate` trusting `root` only.
pub fn pyhanko(root: &Path, pdf: &Path) -> (bool, String) {
    let r = run(Command::new(tool("pyhanko"))
        .args(["sign", "validate", "--trust-replace", "--trust"])
        .arg(root)
        .arg(pdf));
    eprintln!("pyhanko {}: {}", pdf.display(), r.1);
    r
}

pub fn pdfsig(db: &str, pdf: &Path) -> String {
    let out = run(Command::new("pdfsig").args(["-nssdir", db]).arg(pdf)).1;
    eprintln!("pdfsig {}: {out}", pdf.display());
    out
}

/// Registers company `n` and gives it an official e-seal: (USCC, wallet token, seal id).
pub fn setup_company(
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

/// `tests/interop/pades.py ARGS…` (keys, certificates and pyHanko's AdES validation),
/// which must succeed; its stdout (pyHanko logs to stderr).
pub fn pades_py(args: &[&str]) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/pades.py");
    let out = Command::new(python())
        .arg(script)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pades.py {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The first signature's CMS (DER, padding cut off) and the bytes its /ByteRange covers.
pub fn first_signature(pdf: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let at = pdf
        .windows(12)
        .position(|w| w == b"/ByteRange [")
        .expect("a byte range")
        + 12;
    let end = at + pdf[at..].iter().position(|&b| b == b']').unwrap();
    let r: Vec<usize> = std::str::from_utf8(&pdf[at..end])
        .unwrap()
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect();
    let gap = &pdf[r[1] + 1..r[2] - 1];
    let raw = hex::decode(gap).unwrap();
    let signed = [&pdf[r[0]..r[0] + r[1]], &pdf[r[2]..r[2] + r[3]]].concat();
    (raw[..der_len(&raw)].to_vec(), signed)
}
