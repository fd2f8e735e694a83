//! Shared by the fuzz targets: a verifier trusting the committed seed PKI (`fuzz/pki`, public
//! certificates only, written with the seed tokens by `ZT_FUZZ_SEEDS=fuzz cargo test --test
//! tamper`), so that seeds signed under it reach the checks behind the signature.

use std::sync::LazyLock;

use chrono::{DateTime, TimeZone, Utc};
use zhengtong::pki::TrustStore;
use zhengtong::verify::Verifier;

pub static VERIFIER: LazyLock<Verifier> = LazyLock::new(|| {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("pki");
    Verifier::new(TrustStore::load(&dir).expect("fuzz/pki holds the seed PKI's certificates"))
});

/// A fixed "now" inside the seeds' validity (they were made with the PKI), so that runs
/// are reproducible: the seeds' time, read from fuzz/pki/now.
pub static NOW: LazyLock<DateTime<Utc>> = LazyLock::new(|| {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("pki");
    let ts: i64 = std::fs::read_to_string(dir.join("now"))
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0);
    Utc.timestamp_opt(ts, 0).single().unwrap_or_default()
});

/// Splits fuzz input into at most `n` parts at 0xFF bytes (never in UTF-8 text).
pub fn split(data: &[u8], n: usize) -> Vec<&[u8]> {
    data.splitn(n, |b| *b == 0xFF).collect()
}

/// The input as text, if it is UTF-8 (every parser here takes `&str`).
pub fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}
