//! The strict PDF reader alone (`pdf::read::Document::read`), the difference analysis of
//! every later revision (`pdf::diff::revision`) and the signature fields
//! (`pdf::fields::find`), without the CMS checks behind them: more executions per second on
//! the parser than `pdf_validate`. Input: the PDF's bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use zhengtong::pdf::read::{Document, Limits};
use zhengtong::pdf::{diff, fields};

fuzz_target!(|data: &[u8]| {
    let Ok(mut doc) = Document::read(data, Limits::default()) else {
        return;
    };
    assert!(
        !doc.revisions.is_empty(),
        "a document that reads has a revision"
    );
    // The revisions tile the file: each starts where the previous ended, and only white
    // space may follow the last.
    let mut start = 0;
    for (k, r) in doc.revisions.iter().enumerate() {
        assert_eq!(
            r.start, start,
            "revision {k} starts where the one before ended"
        );
        assert!(
            r.start < r.end && r.eof <= r.end && r.end <= data.len(),
            "revision {k}: {}..{} (%%EOF {})",
            r.start,
            r.end,
            r.eof
        );
        start = r.end;
    }
    assert!(
        data[start..].iter().all(|c| b"\0\t\n\x0c\r ".contains(c)),
        "only white space follows the last revision"
    );
    for j in 1..doc.revisions.len() {
        let _ = diff::revision(&mut doc, j);
    }
    let Ok(signatures) = fields::find(&mut doc) else {
        return;
    };
    assert!(signatures.len() <= doc.budget.limits.signatures);
    for s in &signatures {
        let Ok(signed) = &s.range else { continue };
        let [a, b, c, d] = signed.range;
        let end = c
            .checked_add(d)
            .expect("an accepted range does not overflow");
        // Inside the file, a gap between two signed parts, ending at a revision's end.
        assert!(
            a == 0 && a < b && b < c && end <= data.len(),
            "{:?} of {}",
            signed.range,
            s.field
        );
        let r = &doc.revisions[signed.revision];
        assert!(
            end == r.eof || end == r.end,
            "{:?} ends at revision {}",
            signed.range,
            signed.revision
        );
        // The gap is this dictionary's own /Contents hex string.
        assert!(
            data[b] == b'<' && data[c - 1] == b'>',
            "{:?} of {}",
            signed.range,
            s.field
        );
        assert!(
            doc.defined_in(s.dict.0, doc.last())
                .is_some_and(|k| k <= signed.revision),
            "{:?}: the dictionary is in the revision it signs",
            s.dict
        );
    }
});
