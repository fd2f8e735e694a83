//! Untrusted PDF bytes: checked, then parsed with lopdf behind `catch_unwind` (a parser bug
//! on hostile input becomes a refusal, never a crashed request).

use lopdf::{Dictionary, Document, Object, ObjectId};

use super::{MAX_PDF_BYTES, PdfError};

/// A parsed PDF and what an incremental update needs from its last revision.
pub struct Pdf {
    pub doc: Document,
    /// Offset of the last cross-reference section (the `/Prev` of our update).
    pub prev_xref: usize,
    /// The last section is a cross-reference stream (our update writes one too).
    pub xref_stream: bool,
}

pub fn parse(bytes: &[u8]) -> Result<Pdf, PdfError> {
    if bytes.len() > MAX_PDF_BYTES {
        return Err(PdfError::TooLarge {
            size: bytes.len(),
            limit: MAX_PDF_BYTES,
        });
    }
    if !bytes.starts_with(b"%PDF-") {
        return Err(PdfError::NotPdf);
    }
    // What we seal or extend must be a document our validator reads (the strict reader,
    // within its budget): else we would sign a file that no one can then validate, and
    // lopdf alone is lenient (it skips what it cannot parse).
    match super::read::Document::read(bytes, super::read::Limits::default()) {
        Ok(_) => {}
        Err(super::read::ReadError::Encrypted) => return Err(PdfError::Encrypted),
        Err(e) => return Err(PdfError::Malformed(e.to_string())),
    }
    let prev_xref = last_startxref(bytes)
        .ok_or_else(|| PdfError::Malformed("no startxref at the end".into()))?;
    if prev_xref >= bytes.len() {
        return Err(PdfError::Malformed("startxref points past the end".into()));
    }
    let xref_stream = !bytes[prev_xref..].starts_with(b"xref");
    let loaded = std::panic::catch_unwind(|| Document::load_mem(bytes))
        .map_err(|_| PdfError::Malformed("the parser gave up on it".into()))?;
    let doc = match loaded {
        Ok(d) => d,
        Err(lopdf::Error::Decryption(_)) => return Err(PdfError::Encrypted),
        Err(e) if format!("{e}").to_ascii_lowercase().contains("encrypt") => {
            return Err(PdfError::Encrypted);
        }
        Err(e) => return Err(PdfError::Malformed(e.to_string())),
    };
    if doc.was_encrypted() || doc.is_encrypted() || doc.trailer.has(b"Encrypt") {
        return Err(PdfError::Encrypted);
    }
    if doc.get_pages().is_empty() {
        return Err(PdfError::Malformed("it has no pages".into()));
    }
    Ok(Pdf {
        doc,
        prev_xref,
        xref_stream,
    })
}

/// The offset after the last `startxref` keyword.
pub fn last_startxref(bytes: &[u8]) -> Option<usize> {
    let tail_start = bytes.len().saturating_sub(4096);
    let tail = &bytes[tail_start..];
    let at = tail.windows(9).rposition(|w| w == b"startxref")?;
    let rest = &tail[at + 9..];
    let digits: String = rest
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take_while(|b| b.is_ascii_digit())
        .map(|&b| b as char)
        .collect();
    digits.parse().ok()
}

impl Pdf {
    pub fn page_count(&self) -> u32 {
        self.doc.get_pages().len() as u32
    }

    /// The object id of page `n` (1-based).
    pub fn page(&self, n: u32) -> Result<ObjectId, PdfError> {
        let pages = self.doc.get_pages();
        pages.get(&n).copied().ok_or(PdfError::NoSuchPage {
            asked: n,
            pages: pages.len() as u32,
        })
    }

    pub fn dict(&self, id: ObjectId) -> Result<&Dictionary, PdfError> {
        self.doc
            .get_dictionary(id)
            .map_err(|e| PdfError::Malformed(format!("object {} {}: {e}", id.0, id.1)))
    }

    /// The page's MediaBox `[x0 y0 x1 y1]` in points, inherited through /Parent.
    pub fn media_box(&self, page: ObjectId) -> Result<[f64; 4], PdfError> {
        let mut id = page;
        for _ in 0..64 {
            let d = self.dict(id)?;
            if let Ok(o) = d.get(b"MediaBox") {
                let (_, o) = self
                    .doc
                    .dereference(o)
                    .map_err(|e| PdfError::Malformed(e.to_string()))?;
                return rect(o).ok_or_else(|| PdfError::Malformed("bad MediaBox".into()));
            }
            match d.get(b"Parent") {
                Ok(Object::Reference(p)) => id = *p,
                _ => break,
            }
        }
        Ok([0.0, 0.0, 612.0, 792.0])
    }

    /// The highest object number in use, plus one: where our new objects start.
    pub fn next_id(&self) -> u32 {
        let size = match self.doc.trailer.get(b"Size") {
            Ok(Object::Integer(n)) => u32::try_from(*n).unwrap_or(0),
            _ => 0,
        };
        size.max(self.doc.max_id + 1)
    }

    pub fn root(&self) -> Result<ObjectId, PdfError> {
        match self.doc.trailer.get(b"Root") {
            Ok(Object::Reference(r)) => Ok(*r),
            _ => Err(PdfError::Malformed("the trailer has no /Root".into())),
        }
    }
}

pub fn number(o: &Object) -> Option<f64> {
    match o {
        Object::Integer(i) => Some(*i as f64),
        Object::Real(r) => Some(f64::from(*r)),
        _ => None,
    }
}

fn rect(o: &Object) -> Option<[f64; 4]> {
    let Object::Array(a) = o else { return None };
    if a.len() != 4 {
        return None;
    }
    let v: Vec<f64> = a.iter().filter_map(number).collect();
    (v.len() == 4).then(|| [v[0], v[1], v[2], v[3]])
}
