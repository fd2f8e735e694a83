//! Seal signatures over a document (`POST /v1/signatures/validate`,
//! `Verifier::verify_sealed_document`). Input: signature, 0xFF, document SHA-256 hex.
#![no_main]
use libfuzzer_sys::fuzz_target;
use zhengtong_fuzz::{NOW, VERIFIER};

fuzz_target!(|data: &[u8]| {
    let parts = zhengtong_fuzz::split(data, 2);
    let Some(sig) = zhengtong_fuzz::text(parts[0]) else {
        return;
    };
    let hash = parts
        .get(1)
        .and_then(|h| zhengtong_fuzz::text(h))
        .unwrap_or("");
    let r = VERIFIER.verify_sealed_document(sig, hash, *NOW, None);
    let _ = r.indication;
});
