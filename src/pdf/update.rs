//! The incremental update that seals a PDF: appended after the original bytes (which stay
//! byte for byte, so earlier signatures stay valid), with a new cross-reference section
//! whose `/Prev` is the old one.
//!
//! Objects added: the /Sig dictionary, the signature field's widget (on the page, at the
//! asked position), its appearance (the seal), and the AcroForm if the document had none;
//! rewritten: the page (its /Annots), the catalog or AcroForm (its /Fields).
//!
//! B-LT: a second incremental update after the signed one adds the Document Security Store
//! (ISO 32000-2 §12.8.4.3, ETSI EN 319 142-1 §5.4): the catalog's /DSS with the
//! certificates and CRLs a later validator needs, and a /VRI entry for the signature. The
//! signature's byte range ends where that update starts, as with pyHanko's `ltvfix`.

use chrono::{DateTime, Utc};
use lopdf::{Dictionary, Object, ObjectId, StringFormat};

use super::parse::{Pdf, parse};
use super::syntax::{self, real};
use super::{CONTENTS_BYTES, IMAGE_SHA256_KEY, PdfError, SEAL_ID_KEY, appearance, cms};
use crate::seal::template::SealTemplate;
pub use cms::Stamp;

/// Where the seal goes: its centre, in millimetres from the page's left and top edges.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Position {
    /// 15 mm in from the right and bottom edges of the page (default: the last page).
    BottomRight {
        page: Option<u32>,
    },
    At {
        page: u32,
        x_mm: f64,
        y_mm: f64,
    },
}

/// What the seal puts in the document.
pub struct Sealing<'a> {
    pub template: &'a SealTemplate,
    pub image_sha256: &'a str,
    pub seal_id: &'a str,
    pub signer_name: &'a str,
    pub time: DateTime<Utc>,
    /// Seal certificate first, then its regional CA.
    pub chain: &'a [Vec<u8>],
    pub pkcs8: &'a [u8],
    /// The region's TSA: a token over the signature value (B-T); `None`: B-B.
    pub stamp: Option<Stamp<'a>>,
    /// What goes into the Document Security Store after the signature (B-LT); `None`: none.
    pub dss: Option<&'a Dss>,
}

/// Validation data for the Document Security Store, each item DER.
#[derive(Debug, Clone, Default)]
pub struct Dss {
    /// The seal certificate, its CA, the root, the TSA certificate.
    pub certs: Vec<Vec<u8>>,
    /// The current CRL of each CA on those paths.
    pub crls: Vec<Vec<u8>>,
}

const MARGIN_MM: f64 = 15.0;

pub fn seal(original: &[u8], at: Position, s: &Sealing<'_>) -> Result<Vec<u8>, PdfError> {
    let pdf = parse(original)?;
    if certified_no_changes(original) {
        return Err(PdfError::CertifiedNoChanges);
    }
    let page_no = match at {
        Position::BottomRight { page: Some(p) } | Position::At { page: p, .. } => p,
        Position::BottomRight { page: None } => pdf.page_count(),
    };
    let page_id = pdf.page(page_no)?;
    let mb = pdf.media_box(page_id)?;
    let (w, h) = appearance::size_pt(s.template);
    let mm = appearance::PT_PER_MM;
    let (cx, cy) = match at {
        Position::BottomRight { .. } => (
            mb[2] - MARGIN_MM * mm - w / 2.0,
            mb[1] + MARGIN_MM * mm + h / 2.0,
        ),
        Position::At { x_mm, y_mm, .. } => {
            if !(x_mm.is_finite() && y_mm.is_finite() && x_mm >= 0.0 && y_mm >= 0.0) {
                return Err(PdfError::Position(
                    "x_mm and y_mm must be non-negative numbers".into(),
                ));
            }
            (mb[0] + x_mm * mm, mb[3] - y_mm * mm)
        }
    };
    if cx < mb[0] || cx > mb[2] || cy < mb[1] || cy > mb[3] {
        return Err(PdfError::Position(format!(
            "the seal's centre is off page {page_no}"
        )));
    }
    let rect = [cx - w / 2.0, cy - h / 2.0, cx + w / 2.0, cy + h / 2.0];

    let first = pdf.next_id();
    let (sig_id, widget_id, ap_id) = ((first, 0), (first + 1, 0), (first + 2, 0));
    let mut next = first + 3;
    let mut objects: Vec<(ObjectId, Vec<u8>)> = Vec::new();

    let root_id = add_field(&pdf, page_id, widget_id, &mut next, &mut objects)?;

    // The widget, which is also the signature field.
    let mut widget = Dictionary::new();
    widget.set("Type", Object::Name(b"Annot".to_vec()));
    widget.set("Subtype", Object::Name(b"Widget".to_vec()));
    widget.set("FT", Object::Name(b"Sig".to_vec()));
    widget.set("T", text(&format!("Seal {}", sig_id.0)));
    widget.set("V", Object::Reference(sig_id));
    widget.set(
        "Rect",
        rect.iter()
            .map(|&v| Object::Real(v as f32))
            .collect::<Vec<_>>(),
    );
    widget.set("F", 132); // Print | Locked
    widget.set("P", Object::Reference(page_id));
    let mut ap = Dictionary::new();
    ap.set("N", Object::Reference(ap_id));
    widget.set("AP", Object::Dictionary(ap));
    objects.push((widget_id, object_bytes(&Object::Dictionary(widget))));

    // The appearance: the seal, at physical size.
    let content = appearance::content(s.template);
    let mut ap_bytes = format!(
        "<</Type /XObject /Subtype /Form /BBox [0 0 {} {}] /Resources <<>> /Length {}>>\nstream\n",
        real(w),
        real(h),
        content.len()
    )
    .into_bytes();
    ap_bytes.extend_from_slice(&content);
    ap_bytes.extend_from_slice(b"\nendstream");
    objects.push((ap_id, ap_bytes));

    // The /Sig dictionary, with placeholders for /ByteRange and /Contents.
    let mut sig = Vec::new();
    sig.extend_from_slice(b"<</Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached\n");
    sig.extend_from_slice(BYTE_RANGE_PLACEHOLDER);
    sig.extend_from_slice(b"\n/Contents <");
    sig.extend(std::iter::repeat_n(b'0', CONTENTS_BYTES * 2));
    sig.extend_from_slice(b">\n/M ");
    syntax::write(&mut sig, &text(&pdf_date(s.time)));
    sig.extend_from_slice(b"\n/Name ");
    syntax::write(&mut sig, &text(s.signer_name));
    sig.extend_from_slice(format!("\n/{IMAGE_SHA256_KEY} ").as_bytes());
    syntax::write(&mut sig, &text(s.image_sha256));
    sig.extend_from_slice(format!("\n/{SEAL_ID_KEY} ").as_bytes());
    syntax::write(&mut sig, &text(s.seal_id));
    sig.extend_from_slice(b"\n>>");
    objects.push((sig_id, sig));

    let mut out = original.to_vec();
    let offsets = append_objects(&mut out, &objects);
    write_xref(&mut out, &pdf, offsets, next, root_id)?;
    let contents = sign_in_place(&mut out, &mut |digest| {
        Ok(cms::sign(&digest, s.chain, s.pkcs8, s.stamp)?)
    })?;
    if let Some(dss) = s.dss {
        append_dss(&mut out, dss, &contents)?;
    }
    Ok(out)
}

/// The updates that put signature field `widget_id` (a merged field and widget) on page
/// `page_id` and in the AcroForm (creating one, numbered from `next`, if there is none).
/// Returns the catalog's id.
fn add_field(
    pdf: &Pdf,
    page_id: ObjectId,
    widget_id: ObjectId,
    next: &mut u32,
    objects: &mut Vec<(ObjectId, Vec<u8>)>,
) -> Result<ObjectId, PdfError> {
    // The page, with the widget in its /Annots.
    let mut page = pdf.dict(page_id)?.clone();
    match page.get(b"Annots") {
        Ok(Object::Reference(r)) => {
            let r = *r;
            let mut arr = array_at(pdf, r)?;
            arr.push(Object::Reference(widget_id));
            objects.push((r, object_bytes(&Object::Array(arr))));
        }
        Ok(Object::Array(a)) => {
            let mut a = a.clone();
            a.push(Object::Reference(widget_id));
            page.set("Annots", Object::Array(a));
            objects.push((page_id, object_bytes(&Object::Dictionary(page))));
        }
        _ => {
            page.set("Annots", vec![Object::Reference(widget_id)]);
            objects.push((page_id, object_bytes(&Object::Dictionary(page))));
        }
    }

    // The AcroForm, with the field in its /Fields and /SigFlags 3.
    let root_id = pdf.root()?;
    let mut catalog = pdf.dict(root_id)?.clone();
    let with_field = |form: &mut Dictionary| -> Result<(), PdfError> {
        let mut fields = match form.get(b"Fields") {
            Ok(Object::Array(a)) => a.clone(),
            Ok(Object::Reference(r)) => array_at(pdf, *r)?,
            _ => Vec::new(),
        };
        fields.push(Object::Reference(widget_id));
        form.set("Fields", Object::Array(fields));
        form.set("SigFlags", 3);
        Ok(())
    };
    match catalog.get(b"AcroForm") {
        Ok(Object::Reference(r)) => {
            let r = *r;
            let mut form = pdf.dict(r)?.clone();
            with_field(&mut form)?;
            objects.push((r, object_bytes(&Object::Dictionary(form))));
        }
        Ok(Object::Dictionary(d)) => {
            let mut form = d.clone();
            with_field(&mut form)?;
            catalog.set("AcroForm", Object::Dictionary(form));
            objects.push((root_id, object_bytes(&Object::Dictionary(catalog))));
        }
        _ => {
            let form_id = (*next, 0);
            *next += 1;
            let mut form = Dictionary::new();
            with_field(&mut form)?;
            objects.push((form_id, object_bytes(&Object::Dictionary(form))));
            catalog.set("AcroForm", Object::Reference(form_id));
            objects.push((root_id, object_bytes(&Object::Dictionary(catalog))));
        }
    }

    Ok(root_id)
}

/// Whether a signature of the document certifies it with DocMDP P=1 (a document the strict
/// reader cannot read has been refused before this is asked).
fn certified_no_changes(bytes: &[u8]) -> bool {
    let Ok(mut doc) = super::read::Document::read(bytes, super::read::Limits::default()) else {
        return false;
    };
    super::fields::find(&mut doc).is_ok_and(|sigs| sigs.iter().any(|s| s.docmdp == Some(1)))
}

/// Appends a document timestamp (PAdES B-LTA, ISO 32000-2 §12.8.5): an invisible signature
/// field on the first page whose /DocTimeStamp holds `stamp`'s RFC 3161 token over the
/// byte range, as an incremental update.
pub fn timestamp_document(original: &[u8], stamp: Stamp<'_>) -> Result<Vec<u8>, PdfError> {
    let pdf = parse(original)?;
    let page_id = pdf.page(1)?;
    let first = pdf.next_id();
    let (sig_id, widget_id) = ((first, 0), (first + 1, 0));
    let mut next = first + 2;
    let mut objects: Vec<(ObjectId, Vec<u8>)> = Vec::new();
    let root_id = add_field(&pdf, page_id, widget_id, &mut next, &mut objects)?;
    let mut widget = Dictionary::new();
    widget.set("Type", Object::Name(b"Annot".to_vec()));
    widget.set("Subtype", Object::Name(b"Widget".to_vec()));
    widget.set("FT", Object::Name(b"Sig".to_vec()));
    widget.set("T", text(&format!("DocTimeStamp {}", sig_id.0)));
    widget.set("V", Object::Reference(sig_id));
    widget.set("Rect", vec![0.into(), 0.into(), 0.into(), 0.into()]);
    widget.set("F", 132); // Print | Locked; zero size: nothing is drawn
    widget.set("P", Object::Reference(page_id));
    objects.push((widget_id, object_bytes(&Object::Dictionary(widget))));
    let mut sig = Vec::new();
    sig.extend_from_slice(
        b"<</Type /DocTimeStamp /Filter /Adobe.PPKLite /SubFilter /ETSI.RFC3161\n",
    );
    sig.extend_from_slice(BYTE_RANGE_PLACEHOLDER);
    sig.extend_from_slice(b"\n/Contents <");
    sig.extend(std::iter::repeat_n(b'0', CONTENTS_BYTES * 2));
    sig.extend_from_slice(b">\n>>");
    objects.push((sig_id, sig));
    let mut out = original.to_vec();
    let offsets = append_objects(&mut out, &objects);
    write_xref(&mut out, &pdf, offsets, next, root_id)?;
    sign_in_place(&mut out, &mut |digest| {
        stamp(digest).map_err(|e| PdfError::Sign(cms::SignError::Timestamp(e)))
    })?;
    Ok(out)
}

fn append_objects(out: &mut Vec<u8>, objects: &[(ObjectId, Vec<u8>)]) -> Vec<(ObjectId, usize)> {
    if !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    let mut offsets = Vec::new();
    for (id, body) in objects {
        offsets.push((*id, out.len()));
        out.extend_from_slice(format!("{} {} obj\n", id.0, id.1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    offsets
}

fn stream_bytes(data: &[u8]) -> Vec<u8> {
    let mut v = format!("<</Length {}>>\nstream\n", data.len()).into_bytes();
    v.extend_from_slice(data);
    v.extend_from_slice(b"\nendstream");
    v
}

/// The key of a signature's /VRI entry: the uppercase hex SHA-1 of its /Contents (the whole
/// string, padding included).
pub fn vri_key(contents: &[u8]) -> String {
    hex::encode_upper(ring::digest::digest(
        &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
        contents,
    ))
}

/// The array under `key` of `d` (direct or by reference); an empty one when there is none.
/// One that is there but cannot be read is an error: counting it as empty would drop what
/// another tool put in the DSS.
fn array_of(pdf: &Pdf, d: &Dictionary, key: &[u8]) -> Result<Vec<Object>, PdfError> {
    match d.get(key) {
        Err(_) => Ok(Vec::new()),
        Ok(Object::Array(a)) => Ok(a.clone()),
        Ok(Object::Reference(r)) => array_at(pdf, *r),
        Ok(_) => Err(PdfError::Malformed(format!(
            "the /DSS /{} entry is not an array",
            String::from_utf8_lossy(key)
        ))),
    }
}

/// Appends the incremental update that adds (or extends) the catalog's /DSS with `dss` and
/// a /VRI entry for the signature whose /Contents is `contents`. An existing DSS keeps
/// everything it held; items it already holds (same bytes) are not added twice.
pub(super) fn append_dss(out: &mut Vec<u8>, dss: &Dss, contents: &[u8]) -> Result<(), PdfError> {
    let pdf = parse(out)?;
    let root_id = pdf.root()?;
    let mut catalog = pdf.dict(root_id)?.clone();
    let mut next = pdf.next_id();
    let mut new_id = || {
        let id = (next, 0);
        next += 1;
        id
    };
    let (dss_id, mut store, catalog_changes) = match catalog.get(b"DSS") {
        Ok(Object::Reference(r)) => (*r, pdf.dict(*r)?.clone(), false),
        Ok(Object::Dictionary(d)) => (new_id(), d.clone(), true),
        Err(_) => (new_id(), Dictionary::new(), true),
        Ok(_) => {
            return Err(PdfError::Malformed(
                "the catalog's /DSS is not a dictionary".into(),
            ));
        }
    };
    let mut objects: Vec<(ObjectId, Vec<u8>)> = Vec::new();
    let mut vri = Dictionary::new();
    vri.set("Type", Object::Name(b"VRI".to_vec()));
    for (key, vri_key_name, items) in [
        (&b"Certs"[..], &b"Cert"[..], &dss.certs),
        (b"CRLs", b"CRL", &dss.crls),
    ] {
        let mut arr = array_of(&pdf, &store, key)?;
        let held: Vec<(ObjectId, Vec<u8>)> = arr
            .iter()
            .filter_map(|o| match o {
                Object::Reference(r) => match pdf.doc.get_object(*r) {
                    Ok(Object::Stream(st)) => Some((*r, st.content.clone())),
                    _ => None,
                },
                _ => None,
            })
            .collect();
        let mut refs = Vec::new();
        for item in items {
            let id = match held.iter().find(|(_, b)| b == item) {
                Some((id, _)) => *id,
                None => {
                    let id = new_id();
                    objects.push((id, stream_bytes(item)));
                    arr.push(Object::Reference(id));
                    id
                }
            };
            if !refs.contains(&Object::Reference(id)) {
                refs.push(Object::Reference(id));
            }
        }
        store.set(key.to_vec(), Object::Array(arr));
        vri.set(vri_key_name.to_vec(), Object::Array(refs));
    }
    let vri_id = new_id();
    objects.push((vri_id, object_bytes(&Object::Dictionary(vri))));
    let mut vris = match store.get(b"VRI") {
        Ok(Object::Dictionary(d)) => d.clone(),
        Ok(Object::Reference(r)) => pdf.dict(*r)?.clone(),
        _ => Dictionary::new(),
    };
    vris.set(vri_key(contents).into_bytes(), Object::Reference(vri_id));
    store.set("VRI", Object::Dictionary(vris));
    store.set("Type", Object::Name(b"DSS".to_vec()));
    objects.push((dss_id, object_bytes(&Object::Dictionary(store))));
    if catalog_changes {
        catalog.set("DSS", Object::Reference(dss_id));
        objects.push((root_id, object_bytes(&Object::Dictionary(catalog))));
    }
    let offsets = append_objects(out, &objects);
    write_xref(out, &pdf, offsets, next, root_id)
}

const BYTE_RANGE_PLACEHOLDER: &[u8] = b"/ByteRange [0 0000000000 0000000000 0000000000]";

fn write_xref(
    out: &mut Vec<u8>,
    pdf: &Pdf,
    mut offsets: Vec<(ObjectId, usize)>,
    next: u32,
    root: ObjectId,
) -> Result<(), PdfError> {
    let mut trailer = Dictionary::new();
    trailer.set("Root", Object::Reference(root));
    for key in [&b"Info"[..], b"ID"] {
        if let Ok(v) = pdf.doc.trailer.get(key) {
            trailer.set(key.to_vec(), v.clone());
        }
    }
    trailer.set("Prev", pdf.prev_xref as i64);
    let start = out.len();
    if pdf.xref_stream {
        // A cross-reference stream (the last revision had one): entries 1 + 4 + 2 bytes.
        let xs = (next, 0);
        offsets.push((xs, start));
        offsets.sort();
        let mut data = Vec::new();
        let mut index = Vec::new();
        for (id, off) in &offsets {
            index.push(Object::Integer(i64::from(id.0)));
            index.push(Object::Integer(1));
            data.push(1u8);
            let off = u32::try_from(*off).map_err(|_| PdfError::Malformed("too large".into()))?;
            data.extend_from_slice(&off.to_be_bytes());
            data.extend_from_slice(&id.1.to_be_bytes());
        }
        trailer.set("Type", Object::Name(b"XRef".to_vec()));
        trailer.set("Size", i64::from(next + 1));
        trailer.set(
            "W",
            vec![Object::Integer(1), Object::Integer(4), Object::Integer(2)],
        );
        trailer.set("Index", index);
        trailer.set("Length", data.len() as i64);
        out.extend_from_slice(format!("{} 0 obj\n", next).as_bytes());
        syntax::dict(out, &trailer);
        out.extend_from_slice(b"\nstream\n");
        out.extend_from_slice(&data);
        out.extend_from_slice(b"\nendstream\nendobj\n");
    } else {
        offsets.sort();
        out.extend_from_slice(b"xref\n");
        for (id, off) in &offsets {
            out.extend_from_slice(format!("{} 1\n{:010} {:05} n\r\n", id.0, off, id.1).as_bytes());
        }
        trailer.set("Size", i64::from(next));
        out.extend_from_slice(b"trailer\n");
        syntax::dict(out, &trailer);
        out.push(b'\n');
    }
    out.extend_from_slice(format!("startxref\n{start}\n%%EOF\n").as_bytes());
    Ok(())
}

/// Makes what goes into /Contents (DER) from the SHA-256 of the byte range.
type MakeContents<'a> = dyn FnMut([u8; 32]) -> Result<Vec<u8>, PdfError> + 'a;

/// Fills /ByteRange, hashes the covered bytes, signs (or stamps), and writes the DER into
/// /Contents. Returns the /Contents bytes (the DER, zero-padded).
fn sign_in_place(out: &mut [u8], make: &mut MakeContents<'_>) -> Result<Vec<u8>, PdfError> {
    let br_at = rfind(out, BYTE_RANGE_PLACEHOLDER)
        .ok_or_else(|| PdfError::Malformed("lost the byte range placeholder".into()))?;
    let c_at = rfind(out, b"/Contents <")
        .ok_or_else(|| PdfError::Malformed("lost the contents placeholder".into()))?
        + b"/Contents ".len();
    let c_end = c_at + CONTENTS_BYTES * 2 + 2;
    let total = out.len();
    let br = format!("/ByteRange [0 {} {} {}]", c_at, c_end, total - c_end);
    let padded = format!("{br:<width$}", width = BYTE_RANGE_PLACEHOLDER.len());
    out[br_at..br_at + padded.len()].copy_from_slice(padded.as_bytes());
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(&out[..c_at]);
    ctx.update(&out[c_end..]);
    let mut digest = [0u8; 32];
    digest.copy_from_slice(ctx.finish().as_ref());
    let mut der = make(digest)?;
    if der.len() > CONTENTS_BYTES {
        return Err(PdfError::SignatureTooLarge);
    }
    let hexed = hex::encode_upper(&der);
    out[c_at + 1..c_at + 1 + hexed.len()].copy_from_slice(hexed.as_bytes());
    der.resize(CONTENTS_BYTES, 0);
    Ok(der)
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

fn array_at(pdf: &Pdf, id: ObjectId) -> Result<Vec<Object>, PdfError> {
    match pdf.doc.get_object(id) {
        Ok(Object::Array(a)) => Ok(a.clone()),
        _ => Err(PdfError::Malformed(format!(
            "object {} {} is not an array",
            id.0, id.1
        ))),
    }
}

fn object_bytes(o: &Object) -> Vec<u8> {
    let mut v = Vec::new();
    syntax::write(&mut v, o);
    v
}

/// A PDF text string: ASCII as is, anything else as UTF-16BE with a BOM.
pub fn text(s: &str) -> Object {
    if s.is_ascii() {
        Object::String(s.as_bytes().to_vec(), StringFormat::Literal)
    } else {
        let mut b = vec![0xFE, 0xFF];
        for u in s.encode_utf16() {
            b.extend_from_slice(&u.to_be_bytes());
        }
        Object::String(b, StringFormat::Hexadecimal)
    }
}

fn pdf_date(t: DateTime<Utc>) -> String {
    t.format("D:%Y%m%d%H%M%S+00'00'").to_string()
}
