//! Sealed PDFs (`POST /v1/signatures/validate` with `application/pdf`,
//! `zhengtong seal verify --document`): parsing the file, its incremental updates, the
//! signature dictionaries, the CMS and its timestamp, and the DSS. Input: the PDF's bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use zhengtong::pdf::read::{Document, Limits};
use zhengtong::verify::Indication;
use zhengtong_fuzz::{NOW, VERIFIER};

fuzz_target!(|data: &[u8]| {
    let reports = zhengtong::pdf::validate::validate_at(data, &VERIFIER, *NOW, None);
    assert!(!reports.is_empty(), "every input gets at least one report");
    // One report per signature, and no more signatures than the budget allows.
    assert!(reports.len() <= Limits::default().signatures);
    if reports
        .iter()
        .any(|r| r.indication == Indication::TotalPassed)
    {
        // A pass must rest on what the strict reader sees: the document reads and has a
        // signature whose byte range it accepts (rare, so the second read costs little).
        let mut doc = Document::read(data, Limits::default()).expect("a passed PDF reads");
        let sigs = zhengtong::pdf::fields::find(&mut doc).expect("its fields are found");
        assert!(
            sigs.iter().any(|s| s.range.is_ok()),
            "a passed PDF has a signature with a well-formed byte range"
        );
    }
});
