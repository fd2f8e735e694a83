//! Hostile bytes never panic: truncations and byte flips of a real PDF through the parser
//! and the CMS reader (a cheap stand-in for a fuzzer, run with every `cargo test`).

use super::read::{Document, Limits};
use super::{PdfError, diff, parse, update};

fn small_pdf() -> Vec<u8> {
    let body = "%PDF-1.4\n1 0 obj\n<</Type/Catalog/Pages 2 0 R>>\nendobj\n2 0 obj\n<</Type/Pages/Kids[3 0 R]/Count 1/MediaBox[0 0 595 842]>>\nendobj\n3 0 obj\n<</Type/Page/Parent 2 0 R>>\nendobj\n";
    let mut out = body.as_bytes().to_vec();
    let xref = out.len();
    let offs: Vec<usize> = ["1 0 obj", "2 0 obj", "3 0 obj"]
        .iter()
        .map(|k| body.find(k).expect("object"))
        .collect();
    out.extend_from_slice(b"xref\n0 4\n0000000000 65535 f\r\n");
    for o in offs {
        out.extend_from_slice(format!("{o:010} 00000 n\r\n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<</Size 4/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
    );
    out
}

#[test]
fn a_small_pdf_parses() {
    let p = parse::parse(&small_pdf()).expect("parses");
    assert_eq!(p.page_count(), 1);
    assert!(!p.xref_stream);
    assert_eq!(p.next_id(), 4);
}

#[test]
fn refusals() {
    assert_eq!(parse::parse(b"hello").err(), Some(PdfError::NotPdf));
    let mut enc = small_pdf();
    let at = enc
        .windows(7)
        .rposition(|w| w == b"/Size 4")
        .expect("trailer");
    enc.splice(
        at..at,
        b"/Encrypt<</Filter/Standard/V 1/R 2/O<00>/U<00>/P -4>>".to_vec(),
    );
    // lopdf may refuse it as unreadable before it sees /Encrypt: either refusal, no panic.
    assert!(matches!(
        parse::parse(&enc).err(),
        Some(PdfError::Encrypted | PdfError::Malformed(_))
    ));
}

#[test]
fn truncations_and_flips_never_panic() {
    let pdf = small_pdf();
    for cut in 0..pdf.len() {
        let _ = parse::parse(&pdf[..cut]);
    }
    let mut x: u32 = 0x9e37_79b9;
    for _ in 0..2000 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        let mut b = pdf.clone();
        let i = x as usize % b.len();
        b[i] = (x >> 8) as u8;
        let _ = parse::parse(&b);
        let _ = crate::pdf::cms_check::check(&b[i..], &[&[0; 32]]);
    }
    let _ = crate::pdf::cms_check::check(&[], &[]);
    let _ = crate::pdf::cms_check::check(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff], &[]);
}

/// `pdf` plus a classic incremental update holding `objects` (number, body).
fn append_update(pdf: &[u8], objects: &[(u32, &str)], size: u32) -> Vec<u8> {
    let prev = parse::last_startxref(pdf).expect("startxref");
    let mut out = pdf.to_vec();
    let mut offsets = Vec::new();
    for (n, body) in objects {
        offsets.push((*n, out.len()));
        out.extend_from_slice(format!("{n} 0 obj\n{body}\nendobj\n").as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(b"xref\n");
    for (n, off) in offsets {
        out.extend_from_slice(format!("{n} 1\n{off:010} 00000 n\r\n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<</Size {size}/Root 1 0 R/Prev {prev}>>\nstartxref\n{xref}\n%%EOF\n")
            .as_bytes(),
    );
    out
}

/// Whether everything `new` adds to `old` (a revision of it) is allowed after a signature.
fn changes_after(old: &[u8], new: &[u8]) -> Result<(), String> {
    let mut doc = Document::read(new, Limits::default()).map_err(|e| e.to_string())?;
    let k = doc
        .revisions
        .iter()
        .position(|r| r.end == old.len() || r.eof == old.len())
        .ok_or("the earlier revision is not a revision of the file")?;
    for j in k + 1..doc.revisions.len() {
        diff::revision(&mut doc, j)?;
    }
    Ok(())
}

fn with_dss(pdf: &[u8], contents: &[u8]) -> Vec<u8> {
    let mut out = pdf.to_vec();
    let dss = update::Dss {
        certs: vec![b"cert one".to_vec(), b"cert two".to_vec()],
        crls: vec![contents.to_vec()],
    };
    update::append_dss(&mut out, &dss, contents).expect("a DSS");
    out
}

#[test]
fn dss_updates_are_accepted_and_extended() {
    let old = small_pdf();
    let one = with_dss(&old, b"first signature");
    assert_eq!(changes_after(&old, &one), Ok(()));
    let two = with_dss(&one, b"second signature");
    assert_eq!(changes_after(&old, &two), Ok(()));
    assert_eq!(changes_after(&one, &two), Ok(()));
    // The second kept the first's entries and did not add the shared certificates again.
    let p = parse::parse(&two).expect("parses");
    let root = p.root().expect("root");
    let lopdf::Object::Reference(dss) = p.dict(root).expect("catalog").get(b"DSS").expect("DSS")
    else {
        panic!("DSS by reference");
    };
    let dss = p.dict(*dss).expect("DSS dict");
    let count = |k: &[u8]| match dss.get(k) {
        Ok(lopdf::Object::Array(a)) => a.len(),
        _ => 0,
    };
    assert_eq!((count(b"Certs"), count(b"CRLs")), (2, 2));
    let Ok(lopdf::Object::Dictionary(vri)) = dss.get(b"VRI") else {
        panic!("a VRI dictionary");
    };
    assert_eq!(vri.len(), 2);
    assert!(vri.has(update::vri_key(b"first signature").as_bytes()));
}

#[test]
fn anything_but_a_dss_after_the_signed_revision_is_refused() {
    let old = small_pdf();
    let one = with_dss(&old, b"sig");
    let refused = |new: &[u8], says: &str| {
        let e = changes_after(&old, new).expect_err(says);
        assert!(e.contains(says), "{says}: {e}");
    };
    // A page changed in a later update, after the DSS.
    refused(
        &append_update(&one, &[(3, "<</Type/Page/Parent 2 0 R/Rotate 90>>")], 20),
        "page object 3 changed",
    );
    // A "DSS" that names the page as a certificate.
    refused(
        &append_update(
            &old,
            &[
                (1, "<</Type/Catalog/Pages 2 0 R/DSS 4 0 R>>"),
                (4, "<</Certs [3 0 R]>>"),
            ],
            5,
        ),
        "not a stream",
    );
    // The catalog changed beyond /DSS.
    refused(
        &append_update(
            &old,
            &[(1, "<</Type/Catalog/Pages 2 0 R/OpenAction 3 0 R>>")],
            4,
        ),
        "the document catalog changed",
    );
    // Unexpected keys in the DSS.
    refused(
        &append_update(
            &old,
            &[
                (1, "<</Type/Catalog/Pages 2 0 R/DSS 4 0 R>>"),
                (4, "<</Certs []/JavaScript 3 0 R>>"),
            ],
            5,
        ),
        "unexpected key /JavaScript",
    );
    // A new object beside the DSS that nothing references changes nothing shown...
    let orphan = append_update(&one, &[(40, "<</Type/Annot/Subtype/Text>>")], 41);
    assert_eq!(changes_after(&old, &orphan), Ok(()));
    // ...but one the page references does, whatever it claims to be.
    refused(
        &append_update(
            &one,
            &[
                (40, "<</Type/Annot/Subtype/Text>>"),
                (3, "<</Type/Page/Parent 2 0 R/Annots [40 0 R]>>"),
            ],
            41,
        ),
        "object 40 is not a widget annotation",
    );
    // Bytes merely appended.
    let mut appended = one.clone();
    appended.extend_from_slice(b"\n% appended\n");
    refused(&appended, "does not end with %%EOF");
    // Hostile tails never panic.
    for cut in (old.len()..one.len()).step_by(7) {
        let _ = changes_after(&old, &one[..cut]);
    }
}

/// [`small_pdf`] with a cross-reference stream instead of a table (as PDF 1.5+ writers do).
fn small_pdf_xref_stream() -> Vec<u8> {
    let body = "%PDF-1.7\n1 0 obj\n<</Type/Catalog/Pages 2 0 R>>\nendobj\n2 0 obj\n<</Type/Pages/Kids[3 0 R]/Count 1/MediaBox[0 0 595 842]>>\nendobj\n3 0 obj\n<</Type/Page/Parent 2 0 R>>\nendobj\n";
    let mut out = body.as_bytes().to_vec();
    let xref = out.len();
    let mut data = vec![0u8, 0, 0, 0, 0, 0xff, 0xff];
    for k in ["1 0 obj", "2 0 obj", "3 0 obj"] {
        let off = u32::try_from(body.find(k).expect("object")).expect("small");
        data.push(1);
        data.extend_from_slice(&off.to_be_bytes());
        data.extend_from_slice(&[0, 0]);
    }
    data.push(1);
    data.extend_from_slice(&u32::try_from(xref).expect("small").to_be_bytes());
    data.extend_from_slice(&[0, 0]);
    out.extend_from_slice(
        format!(
            "4 0 obj\n<</Type/XRef/Size 5/Root 1 0 R/W[1 4 2]/Length {}>>\nstream\n",
            data.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(&data);
    out.extend_from_slice(format!("\nendstream\nendobj\nstartxref\n{xref}\n%%EOF\n").as_bytes());
    out
}

#[test]
fn a_dss_after_a_cross_reference_stream() {
    let old = small_pdf_xref_stream();
    let p = parse::parse(&old).expect("parses");
    assert!(p.xref_stream);
    let one = with_dss(&old, b"sig");
    let p = parse::parse(&one).expect("the update parses");
    assert!(
        p.xref_stream,
        "the update writes a cross-reference stream too"
    );
    let root = p.root().expect("root");
    assert!(p.dict(root).expect("catalog").has(b"DSS"));
    assert_eq!(changes_after(&old, &one), Ok(()));
    let two = with_dss(&one, b"sig two");
    assert_eq!(changes_after(&old, &two), Ok(()));
    // Flipped bytes in the updates: refused or accepted, never a panic.
    let mut x: u32 = 0x2545_f491;
    for _ in 0..500 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        let mut b = two.clone();
        let i = old.len() + x as usize % (two.len() - old.len());
        b[i] = (x >> 8) as u8;
        let _ = changes_after(&old, &b);
    }
}

/// Another tool's DSS whose /Certs is held by reference: an array there is extended; a
/// referenced object that is not an array, or a /DSS that is not a dictionary, is refused
/// instead of being counted as empty (which would drop that tool's entries).
#[test]
fn a_dss_another_tool_wrote_is_extended_or_refused_never_emptied() {
    let catalog = "<</Type/Catalog/Pages 2 0 R/DSS 4 0 R>>";
    let foreign = |certs: &str| {
        append_update(
            &small_pdf(),
            &[(1, catalog), (4, "<</Certs 5 0 R>>"), (5, certs)],
            6,
        )
    };
    let kept = with_dss(&foreign("[6 0 R]"), b"sig");
    let p = parse::parse(&kept).expect("parses");
    let root = p.root().expect("root");
    let Ok(lopdf::Object::Reference(dss)) = p.dict(root).expect("catalog").get(b"DSS") else {
        panic!("DSS by reference");
    };
    let Ok(lopdf::Object::Array(certs)) = p.dict(*dss).expect("DSS").get(b"Certs") else {
        panic!("Certs array");
    };
    // The foreign entry (6 0 R) and our two certificates.
    assert_eq!(certs.len(), 3, "{certs:?}");
    assert!(certs.contains(&lopdf::Object::Reference((6, 0))));

    let dss = update::Dss {
        certs: vec![b"cert".to_vec()],
        crls: vec![],
    };
    let mut out = foreign("<</Not/AnArray>>");
    let e = update::append_dss(&mut out, &dss, b"sig").expect_err("refused");
    assert!(e.to_string().contains("not an array"), "{e}");
    let mut out = append_update(
        &small_pdf(),
        &[(1, "<</Type/Catalog/Pages 2 0 R/DSS 7>>")],
        4,
    );
    let e = update::append_dss(&mut out, &dss, b"sig").expect_err("refused");
    assert!(e.to_string().contains("not a dictionary"), "{e}");
}

/// Writers update the XMP metadata's dates with every revision (pyHanko does): allowed
/// while the catalog alone references it; drawn as a page's content, it is a change.
#[test]
fn xmp_metadata_may_change_unless_a_page_uses_it() {
    let xmp = |text: &str| {
        format!(
            "<</Type/Metadata/Subtype/XML/Length {}>>\nstream\n{text}\nendstream",
            text.len()
        )
    };
    let catalog = "<</Type/Catalog/Pages 2 0 R/Metadata 4 0 R>>";
    let old = append_update(&small_pdf(), &[(1, catalog), (4, &xmp("dated 1"))], 5);
    let new = append_update(&old, &[(4, &xmp("dated 2"))], 5);
    assert_eq!(changes_after(&old, &new), Ok(()));
    // The same stream drawn on the page: its change changes what is shown.
    let drawn = append_update(
        &old,
        &[(3, "<</Type/Page/Parent 2 0 R/Contents 4 0 R>>")],
        5,
    );
    let redrawn = append_update(&drawn, &[(4, &xmp("0 0 m 500 500 l S"))], 5);
    let e = changes_after(&drawn, &redrawn).expect_err("a page draws it");
    assert!(e.contains("object 4"), "{e}");
}

/// What the strict reader refuses, each for its own reason (`read::ReadError`), where a
/// lenient reader would skip or guess.
#[test]
fn the_strict_reader_refuses_what_is_ambiguous_or_over_budget() {
    use super::read::ReadError;
    let read = |b: &[u8], limits: Limits| Document::read(b, limits).map(|_| ()).err();
    let base = small_pdf();
    assert_eq!(read(&base, Limits::default()), None);
    // Arrays nested past the depth limit: refused, not skipped.
    let deep = format!("{}1{}", "[".repeat(70), "]".repeat(70));
    let nested = append_update(&base, &[(4, &deep)], 5);
    assert_eq!(
        read(&nested, Limits::default()),
        Some(ReadError::OverBudget("nesting depth"))
    );
    // A key twice in one dictionary.
    let twice = append_update(&base, &[(3, "<</Type/Page/Parent 2 0 R/Type/Pages>>")], 4);
    assert!(matches!(
        read(&twice, Limits::default()),
        Some(ReadError::Ambiguous(_))
    ));
    // Bytes after the last %%EOF.
    let mut appended = base.clone();
    appended.extend_from_slice(b"4 0 obj\n(x)\nendobj\n");
    assert!(matches!(
        read(&appended, Limits::default()),
        Some(ReadError::Malformed { .. })
    ));
    // An update whose entry points back into the first revision, at another object's
    // header (lopdf would key the object by the header it finds).
    let at = base
        .windows(7)
        .position(|w| w == b"2 0 obj")
        .expect("object 2");
    let mut back = base.clone();
    let xref = back.len();
    back.extend_from_slice(
        format!(
            "xref\n3 1\n{at:010} 00000 n\r\ntrailer\n<</Size 4/Root 1 0 R/Prev {}>>\nstartxref\n{xref}\n%%EOF\n",
            parse::last_startxref(&base).expect("startxref")
        )
        .as_bytes(),
    );
    assert!(matches!(
        read(&back, Limits::default()),
        Some(ReadError::Ambiguous(_))
    ));
    // A compressed object stream that inflates past the budget: refused at the budget.
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut z, &vec![b' '; 4 << 20]).expect("compress");
    let bomb = z.finish().expect("compress");
    let mut doc = base.clone();
    let stm_at = doc.len();
    doc.extend_from_slice(
        format!(
            "4 0 obj\n<</Type/ObjStm/N 1/First 4/Filter/FlateDecode/Length {}>>\nstream\n",
            bomb.len()
        )
        .as_bytes(),
    );
    doc.extend_from_slice(&bomb);
    doc.extend_from_slice(b"\nendstream\nendobj\n");
    let xref = doc.len();
    // Object 5 in object stream 4 (an xref stream names it; a table cannot).
    let mut rows = vec![1u8];
    rows.extend_from_slice(&u32::try_from(stm_at).expect("small").to_be_bytes());
    rows.extend_from_slice(&[0, 0, 2, 0, 0, 0, 4, 0, 0, 1]);
    rows.extend_from_slice(&u32::try_from(xref).expect("small").to_be_bytes());
    rows.extend_from_slice(&[0, 0]);
    doc.extend_from_slice(
        format!(
            "6 0 obj\n<</Type/XRef/Size 7/Index[4 3]/W[1 4 2]/Root 1 0 R/Prev {}/Length {}>>\nstream\n",
            parse::last_startxref(&base).expect("startxref"),
            rows.len()
        )
        .as_bytes(),
    );
    doc.extend_from_slice(&rows);
    doc.extend_from_slice(format!("\nendstream\nendobj\nstartxref\n{xref}\n%%EOF\n").as_bytes());
    let small = Limits {
        inflated: 1 << 20,
        ..Limits::default()
    };
    assert_eq!(
        read(&doc, small),
        Some(ReadError::OverBudget("bytes decompressed"))
    );
    // Within a larger budget the same file reads (the refusal was the budget's).
    let e = read(&doc, Limits::default());
    assert!(
        !matches!(e, Some(ReadError::OverBudget(_))),
        "within the default budget: {e:?}"
    );
}
