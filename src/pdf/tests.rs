//! Hostile bytes never panic: truncations and byte flips of a real PDF through the parser
//! and the CMS reader (a cheap stand-in for a fuzzer, run with every `cargo test`).

use super::{PdfError, cms, parse};

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
        let _ = cms::check(&b[i..], &[0; 32]);
    }
    let _ = cms::check(&[], &[]);
    let _ = cms::check(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff], &[]);
}
