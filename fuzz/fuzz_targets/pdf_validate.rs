//! Sealed PDFs (`POST /v1/signatures/validate` with `application/pdf`,
//! `zhengtong seal verify --document`): parsing the file, its incremental updates, the
//! signature dictionaries, the CMS and its timestamp, and the DSS. Input: the PDF's bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use zhengtong_fuzz::{NOW, VERIFIER};

fuzz_target!(|data: &[u8]| {
    let reports = zhengtong::pdf::validate::validate_at(data, &VERIFIER, *NOW, None);
    assert!(!reports.is_empty(), "every input gets at least one report");
});
