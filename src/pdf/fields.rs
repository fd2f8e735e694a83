//! The signatures of a PDF as ISO 32000-2 §12.8 defines them: signature fields in the
//! AcroForm of the last revision, each with its signature dictionary (/V), and each
//! dictionary's /ByteRange checked against the file as the strict reader sees it: `[0 a b
//! c]` whose gap is exactly the dictionary's own /Contents hex string, ending at the
//! `%%EOF` of a revision that already held that dictionary.

use super::read::{Dict, Document, Id, Object, ReadError, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A CMS signature (adbe.pkcs7.detached, ETSI.CAdES.detached).
    Cms,
    /// A document timestamp (ETSI.RFC3161): an RFC 3161 token over the byte range.
    DocTimeStamp,
}

/// A signature field's signature, as found.
#[derive(Debug, Clone)]
pub struct Signature {
    /// The field's /T (names joined with dots for nested fields).
    pub field: String,
    pub dict: Id,
    pub kind: Kind,
    /// The byte range, when it is well formed; else why not.
    pub range: Result<Signed, String>,
    /// The signature dictionary's /M, as written.
    pub m: Option<String>,
    /// Our own keys (inside the signed bytes): the filed image's hash and the e-seal id.
    pub image_sha256: Option<String>,
    pub seal_id: Option<String>,
    /// A certification signature's DocMDP permission (/Reference … /TransformParams /P):
    /// 1 no changes at all, 2 form filling and signing, 3 also annotations.
    pub docmdp: Option<i64>,
}

/// A byte range that describes the file.
#[derive(Debug, Clone)]
pub struct Signed {
    pub range: [usize; 4],
    /// The revision (0-based) whose `%%EOF` the range ends at.
    pub revision: usize,
    /// The DER in /Contents (zero padding included).
    pub contents: Vec<u8>,
}

/// Every signature field with a value, in the order their byte ranges end.
pub fn find(doc: &mut Document<'_>) -> Result<Vec<Signature>, ReadError> {
    let last = doc.last();
    let root = match doc.revisions[last].trailer.get(b"Root") {
        Some(Value::Ref(r)) => *r,
        _ => {
            return Err(ReadError::Malformed {
                at: 0,
                what: "the trailer has no /Root".into(),
            });
        }
    };
    let mut out = Vec::new();
    let Some(catalog) = doc.get(root, last)? else {
        return Err(ReadError::Malformed {
            at: 0,
            what: "the catalog is missing".into(),
        });
    };
    let Some(form) = catalog.dict().and_then(|c| c.get(b"AcroForm")).cloned() else {
        return Ok(out);
    };
    let Some(form) = doc.resolve(&form, last)? else {
        return Ok(out);
    };
    let Some(fields) = form.dict().and_then(|f| f.get(b"Fields")).cloned() else {
        return Ok(out);
    };
    let mut stack: Vec<(Value, String, Option<Vec<u8>>, usize)> =
        match doc.resolve(&fields, last)?.as_deref() {
            Some(Object::Value(Value::Array(a))) => a
                .iter()
                .rev()
                .map(|v| (v.clone(), String::new(), None, 0))
                .collect(),
            _ => return Ok(out),
        };
    let mut visited = std::collections::HashSet::new();
    while let Some((v, prefix, inherited_ft, depth)) = stack.pop() {
        if depth > 32 {
            return Err(ReadError::OverBudget("form field nesting"));
        }
        let Value::Ref(id) = v else { continue };
        if !visited.insert(id) {
            continue;
        }
        let Some(obj) = doc.get(id, last)? else {
            continue;
        };
        let Some(d) = obj.dict() else { continue };
        let name = match d.get(b"T") {
            Some(Value::String(t)) => {
                let t = text(t);
                if prefix.is_empty() {
                    t
                } else {
                    format!("{prefix}.{t}")
                }
            }
            _ => prefix.clone(),
        };
        let ft = d.name(b"FT").map(<[u8]>::to_vec).or(inherited_ft);
        if let Some(Value::Array(kids)) = d.get(b"Kids") {
            for k in kids.iter().rev() {
                stack.push((k.clone(), name.clone(), ft.clone(), depth + 1));
            }
        }
        if ft.as_deref() != Some(b"Sig") {
            continue;
        }
        match d.get(b"V") {
            Some(Value::Ref(sig)) => {
                if out.len() >= doc.budget.limits.signatures {
                    return Err(ReadError::OverBudget("signatures"));
                }
                let s = signature(doc, *sig, name)?;
                out.push(s);
            }
            Some(Value::Dict(_)) => out.push(Signature {
                field: name,
                dict: id,
                kind: Kind::Cms,
                range: Err("the signature dictionary is not an indirect object".into()),
                m: None,
                image_sha256: None,
                seal_id: None,
                docmdp: None,
            }),
            _ => {}
        }
    }
    out.sort_by_key(|s| {
        s.range
            .as_ref()
            .map_or(usize::MAX, |r| r.range[2] + r.range[3])
    });
    Ok(out)
}

fn text(b: &[u8]) -> String {
    // UTF-16BE with a BOM, else PDFDocEncoding read as Latin-1 (close enough for names).
    if let Some(rest) = b.strip_prefix(&[0xfe, 0xff]) {
        let units: Vec<u16> = rest
            .chunks(2)
            .filter(|c| c.len() == 2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        return String::from_utf16_lossy(&units);
    }
    b.iter().map(|&c| c as char).collect()
}

fn signature(doc: &mut Document<'_>, id: Id, field: String) -> Result<Signature, ReadError> {
    let last = doc.last();
    let obj = doc.get(id, last)?;
    let empty = Dict::default();
    let d = obj.as_deref().and_then(Object::dict).unwrap_or(&empty);
    let string = |k: &[u8]| match d.get(k) {
        Some(Value::String(s)) => Some(String::from_utf8_lossy(s).into_owned()),
        _ => None,
    };
    let kind = match (d.name(b"Type"), d.name(b"SubFilter")) {
        (Some(b"DocTimeStamp"), _) | (_, Some(b"ETSI.RFC3161")) => Kind::DocTimeStamp,
        _ => Kind::Cms,
    };
    let range = byte_range(doc, id, d);
    let docmdp = docmdp(doc, d)?;
    Ok(Signature {
        field,
        dict: id,
        kind,
        range,
        m: string(b"M"),
        image_sha256: string(super::IMAGE_SHA256_KEY.as_bytes()),
        seal_id: string(super::SEAL_ID_KEY.as_bytes()),
        docmdp,
    })
}

/// The /P of a DocMDP signature reference (default 2 when the transform names none).
fn docmdp(doc: &mut Document<'_>, d: &Dict) -> Result<Option<i64>, ReadError> {
    let last = doc.last();
    let Some(Value::Array(refs)) = d.get(b"Reference") else {
        return Ok(None);
    };
    for r in refs {
        let Some(o) = doc.resolve(r, last)? else {
            continue;
        };
        let Some(sr) = o.dict() else { continue };
        if sr.name(b"TransformMethod") != Some(b"DocMDP") {
            continue;
        }
        let params = match sr.get(b"TransformParams") {
            Some(v) => doc.resolve(v, last)?,
            None => None,
        };
        let p = params
            .as_deref()
            .and_then(Object::dict)
            .and_then(|p| p.int(b"P"));
        return Ok(Some(p.unwrap_or(2)));
    }
    Ok(None)
}

fn byte_range(doc: &mut Document<'_>, id: Id, d: &Dict) -> Result<Signed, String> {
    let last = doc.last();
    let Some(Value::Array(br)) = d.get(b"ByteRange") else {
        return Err("the signature has no /ByteRange".into());
    };
    let nums: Vec<usize> = br
        .iter()
        .filter_map(|v| match v {
            Value::Int(i) => usize::try_from(*i).ok(),
            _ => None,
        })
        .collect();
    let Ok(range) = <[usize; 4]>::try_from(nums) else {
        return Err("/ByteRange is not four non-negative integers".into());
    };
    let Some(Value::String(contents)) = d.get(b"Contents") else {
        return Err("the signature has no /Contents string".into());
    };
    let Some((_, span)) = doc.contents_span(id, last) else {
        return Err("the signature dictionary is inside an object stream, where no byte range can leave out its /Contents".into());
    };
    let bytes = doc.bytes;
    if bytes.get(span.start) != Some(&b'<') || bytes.get(span.end - 1) != Some(&b'>') {
        return Err("/Contents is not a hex string".into());
    }
    if range[0] != 0 || range[1] != span.start || range[2] != span.end {
        return Err(format!(
            "/ByteRange [{} {} {} {}] does not leave out exactly this signature's /Contents (bytes {} to {})",
            range[0], range[1], range[2], range[3], span.start, span.end
        ));
    }
    let Some(end) = range[2].checked_add(range[3]) else {
        return Err("/ByteRange overflows".into());
    };
    let Some(revision) = doc
        .revisions
        .iter()
        .position(|r| r.eof == end || r.end == end)
    else {
        return Err(format!(
            "/ByteRange ends at byte {end}, which is not the end (%%EOF) of a revision"
        ));
    };
    // The dictionary the range leaves a gap in must be the one that revision holds.
    if doc.defined_in(id.0, last).is_none_or(|k| k > revision) {
        return Err(
            "the signature dictionary was written after the revision it claims to sign".into(),
        );
    }
    Ok(Signed {
        range,
        revision,
        contents: contents.clone(),
    })
}
