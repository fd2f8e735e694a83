//! Helpers for tests of sealed PDFs: sealing through the API, validating, the venv's
//! tools, and a company with an official e-seal.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use super::{Server, company, uscc};

/// `POST /v1/wallets/{uscc}/seals/{seal_id}/sign{query}` with the PDF as the body.
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

/// The reports of `POST /v1/signatures/validate` (application/pdf), checked to be 200.
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

/// A tool from the venv if it is there, else from the PATH.
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

/// Runs `cmd`: whether it succeeded, and its stdout and stderr.
pub fn run(cmd: &mut Command) -> (bool, String) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Registers company `n` and issues its official e-seal: (uscc, wallet token, seal id).
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
