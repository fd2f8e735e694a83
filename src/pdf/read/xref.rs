//! Cross-reference sections (ISO 32000-2 §7.5.4, §7.5.8): a table with its trailer, or a
//! cross-reference stream, each followed by `startxref n %%EOF`. A section is read at the
//! offset a `startxref` or a `/Prev` names, and nowhere else.

use super::ReadError;
use super::budget::Budget;
use super::filter;
use super::lexer::{Lexer, is_white};
use super::object::{Dict, Id, Object, Value};

/// Where an object of a section lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    Free,
    /// At a byte offset of the file, with its generation.
    File {
        offset: usize,
        generation: u16,
    },
    /// The `index`-th object of object stream `stream` (generation 0).
    InStream {
        stream: u32,
        index: u32,
    },
}

#[derive(Debug)]
pub struct Section {
    /// Where the section starts (`xref`, or the stream's `n g obj`).
    pub offset: usize,
    pub entries: Vec<(u32, Entry)>,
    pub trailer: Dict,
    /// The cross-reference stream's own object, when the section is one.
    pub stream: Option<Id>,
    /// Just after this section's `%%EOF`, and after the one end of line that may follow.
    pub eof: usize,
    pub end: usize,
}

pub fn read(bytes: &[u8], offset: usize, budget: &mut Budget) -> Result<Section, ReadError> {
    budget.time()?;
    if offset >= bytes.len() {
        return Err(ReadError::Malformed {
            at: offset,
            what: "a cross-reference offset points past the end of the file".into(),
        });
    }
    let mut lx = Lexer::new(bytes, offset, budget);
    let (entries, trailer, stream) = if bytes[offset..].starts_with(b"xref") {
        lx.pos += 4;
        let entries = table(&mut lx)?;
        lx.keyword(b"trailer")?;
        let trailer = match lx.value(0)? {
            Value::Dict(d) => d,
            _ => return Err(lx.err("the trailer is not a dictionary")),
        };
        (entries, trailer, None)
    } else {
        let (id, dict, raw) = stream_section(&mut lx)?;
        let data = filter::decode(&dict, raw, lx.budget_mut())?;
        let entries = stream_entries(&dict, &data, offset)?;
        lx.budget_mut().entries(entries.len() as u64)?;
        (entries, dict, Some(id))
    };
    // `startxref n` then `%%EOF` (a comment to the lexer, so read by hand).
    let (eof, end) = eof_after(&mut lx)?;
    Ok(Section {
        offset,
        entries,
        trailer,
        stream,
        eof,
        end,
    })
}

/// A /XRefStm stream of a hybrid file: its entries only (no `%%EOF` follows it).
pub fn read_stream_only(
    bytes: &[u8],
    offset: usize,
    budget: &mut Budget,
) -> Result<Vec<(u32, Entry)>, ReadError> {
    if offset >= bytes.len() {
        return Err(ReadError::Malformed {
            at: offset,
            what: "/XRefStm points past the end of the file".into(),
        });
    }
    let mut lx = Lexer::new(bytes, offset, budget);
    let (_, dict, raw) = stream_section(&mut lx)?;
    let data = filter::decode(&dict, raw, lx.budget_mut())?;
    let entries = stream_entries(&dict, &data, offset)?;
    lx.budget_mut().entries(entries.len() as u64)?;
    Ok(entries)
}

fn eof_after(lx: &mut Lexer<'_, '_>) -> Result<(usize, usize), ReadError> {
    let bytes = lx.b;
    lx.keyword(b"startxref")?;
    lx.unsigned()?;
    while lx.peek().is_some_and(is_white) {
        lx.pos += 1;
    }
    if !bytes[lx.pos..].starts_with(b"%%EOF") {
        return Err(lx.err("`startxref` is not followed by %%EOF"));
    }
    let eof = lx.pos + 5;
    let rest = &bytes[eof..];
    let end = eof
        + if rest.starts_with(b"\r\n") {
            2
        } else if rest.starts_with(b"\n") || rest.starts_with(b"\r") {
            1
        } else {
            0
        };
    Ok((eof, end))
}

/// `xref` subsections: `first count` then `count` 20-byte entries.
fn table(lx: &mut Lexer<'_, '_>) -> Result<Vec<(u32, Entry)>, ReadError> {
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    loop {
        lx.skip_ws();
        if !lx.peek().is_some_and(|c| c.is_ascii_digit()) {
            return Ok(out);
        }
        let first = lx.unsigned()?;
        let count = lx.unsigned()?;
        lx.budget_mut().entries(count)?;
        // The entries begin after the end of line that ends the subsection header.
        lx.skip_ws();
        for i in 0..count {
            let at = lx.pos;
            let e =
                lx.b.get(at..at + 20)
                    .ok_or_else(|| lx.err("a cross-reference table runs past the end"))?;
            let digits = |r: std::ops::Range<usize>| {
                std::str::from_utf8(&e[r])
                    .ok()
                    .filter(|s| s.bytes().all(|c| c.is_ascii_digit()))
                    .and_then(|s| s.parse::<u64>().ok())
            };
            let (Some(off), Some(generation)) = (digits(0..10), digits(11..16)) else {
                return Err(lx.err("a cross-reference entry is not `oooooooooo ggggg n`"));
            };
            if e[10] != b' ' || e[16] != b' ' || !is_white(e[18]) || !is_white(e[19]) {
                return Err(lx.err("a cross-reference entry is not 20 bytes"));
            }
            let num = u32::try_from(first + i).map_err(|_| lx.err("object number too large"))?;
            let generation =
                u16::try_from(generation).map_err(|_| lx.err("generation too large"))?;
            let entry = match e[17] {
                b'n' => Entry::File {
                    offset: usize::try_from(off).map_err(|_| lx.err("offset too large"))?,
                    generation,
                },
                b'f' => Entry::Free,
                _ => return Err(lx.err("a cross-reference entry is neither n nor f")),
            };
            if !seen.insert(num) {
                return Err(ReadError::Ambiguous(format!(
                    "object {num} appears twice in one cross-reference table"
                )));
            }
            out.push((num, entry));
            lx.pos += 20;
        }
    }
}

/// The cross-reference stream object at the lexer: its id, dictionary and raw data.
fn stream_section<'a>(lx: &mut Lexer<'a, '_>) -> Result<(Id, Dict, &'a [u8]), ReadError> {
    let save = lx.pos;
    let n = lx.unsigned()?;
    let g = lx.unsigned()?;
    lx.pos = save;
    let id = (
        u32::try_from(n).map_err(|_| lx.err("object number too large"))?,
        u16::try_from(g).map_err(|_| lx.err("generation too large"))?,
    );
    let ind = lx.indirect(id, &mut |v, _| match v {
        Value::Int(n) => usize::try_from(*n).map_err(|_| ReadError::Malformed {
            at: 0,
            what: "a negative /Length".into(),
        }),
        _ => Err(ReadError::Malformed {
            at: 0,
            what: "a cross-reference stream's /Length must be a direct integer".into(),
        }),
    })?;
    let Object::Stream(s) = ind.object else {
        return Err(lx.err("no cross-reference section here"));
    };
    if s.dict.name(b"Type") != Some(b"XRef") {
        return Err(lx.err("the stream at a cross-reference offset is not /Type /XRef"));
    }
    let raw = &lx.b[s.data.clone()];
    Ok((id, s.dict, raw))
}

fn stream_entries(dict: &Dict, data: &[u8], at: usize) -> Result<Vec<(u32, Entry)>, ReadError> {
    let bad = |what: &str| ReadError::Malformed {
        at,
        what: format!("cross-reference stream: {what}"),
    };
    let ints = |v: Option<&Value>| -> Option<Vec<u64>> {
        match v {
            Some(Value::Array(a)) => a
                .iter()
                .map(|x| match x {
                    Value::Int(i) => u64::try_from(*i).ok(),
                    _ => None,
                })
                .collect(),
            _ => None,
        }
    };
    let w = ints(dict.get(b"W")).ok_or_else(|| bad("no valid /W"))?;
    if w.len() != 3 || w.iter().any(|&x| x > 8) {
        return Err(bad("/W must be three widths of at most 8 bytes"));
    }
    let size = dict
        .int(b"Size")
        .and_then(|s| u64::try_from(s).ok())
        .ok_or_else(|| bad("no valid /Size"))?;
    let index = match dict.get(b"Index") {
        None => vec![0, size],
        v => ints(v).ok_or_else(|| bad("bad /Index"))?,
    };
    if index.len() % 2 != 0 {
        return Err(bad("/Index has an odd length"));
    }
    let row: usize = w.iter().map(|&x| x as usize).sum();
    if row == 0 {
        return Err(bad("/W is all zero"));
    }
    let total: u64 = index.chunks(2).map(|p| p[1]).sum();
    if (data.len() / row) as u64 != total || !data.len().is_multiple_of(row) {
        return Err(bad(
            "its data does not hold exactly the entries /Index names",
        ));
    }
    let field = |b: &[u8]| b.iter().fold(0u64, |acc, &x| acc << 8 | u64::from(x));
    let mut out = Vec::with_capacity(total as usize);
    let mut seen = std::collections::HashSet::new();
    let mut rows = data.chunks(row);
    for pair in index.chunks(2) {
        for i in 0..pair[1] {
            let r = rows.next().ok_or_else(|| bad("too few rows"))?;
            let (a, rest) = r.split_at(w[0] as usize);
            let (b, c) = rest.split_at(w[1] as usize);
            let kind = if w[0] == 0 { 1 } else { field(a) };
            let num = u32::try_from(pair[0] + i).map_err(|_| bad("object number too large"))?;
            let entry = match kind {
                0 => Entry::Free,
                1 => Entry::File {
                    offset: usize::try_from(field(b)).map_err(|_| bad("offset too large"))?,
                    generation: u16::try_from(field(c)).map_err(|_| bad("generation too large"))?,
                },
                2 => Entry::InStream {
                    stream: u32::try_from(field(b)).map_err(|_| bad("stream number too large"))?,
                    index: u32::try_from(field(c)).map_err(|_| bad("index too large"))?,
                },
                // Unknown types are null references (§7.5.8.3): read as free.
                _ => Entry::Free,
            };
            if !seen.insert(num) {
                return Err(ReadError::Ambiguous(format!(
                    "object {num} appears twice in one cross-reference stream"
                )));
            }
            out.push((num, entry));
        }
    }
    Ok(out)
}
