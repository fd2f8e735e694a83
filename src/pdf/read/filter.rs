//! Decoding the streams the reader itself must read (object streams and cross-reference
//! streams): FlateDecode with PNG predictors (ISO 32000-2 §7.4.4), output bounded by the
//! budget. Other filters there are refused.

use std::io::Read;

use super::ReadError;
use super::budget::Budget;
use super::object::{Dict, Value};

pub fn decode(dict: &Dict, raw: &[u8], budget: &mut Budget) -> Result<Vec<u8>, ReadError> {
    let filter = match dict.get(b"Filter") {
        None => None,
        Some(Value::Name(n)) => Some(n.as_slice()),
        Some(Value::Array(a)) if a.is_empty() => None,
        Some(Value::Array(a)) if a.len() == 1 => match &a[0] {
            Value::Name(n) => Some(n.as_slice()),
            _ => return Err(unsupported("a /Filter that is not a name")),
        },
        Some(_) => return Err(unsupported("more than one filter")),
    };
    let data = match filter {
        None => {
            budget.inflate(raw.len() as u64)?;
            raw.to_vec()
        }
        Some(b"FlateDecode") => inflate(raw, budget)?,
        Some(other) => {
            return Err(unsupported(&format!(
                "the filter /{}",
                String::from_utf8_lossy(other)
            )));
        }
    };
    let parms = match dict.get(b"DecodeParms") {
        Some(Value::Dict(d)) => Some(d),
        Some(Value::Array(a)) if a.len() == 1 => a[0].as_dict(),
        _ => None,
    };
    match parms.and_then(|p| p.int(b"Predictor")).unwrap_or(1) {
        1 => Ok(data),
        10..=15 => {
            let p = parms.expect("a predictor comes from the parameters");
            let columns = p.int(b"Columns").unwrap_or(1);
            let colors = p.int(b"Colors").unwrap_or(1);
            let bits = p.int(b"BitsPerComponent").unwrap_or(8);
            if !(1..=1 << 16).contains(&columns) || !(1..=4).contains(&colors) || bits != 8 {
                return Err(unsupported("these predictor parameters"));
            }
            png_unpredict(&data, (columns * colors) as usize, colors as usize)
        }
        _ => Err(unsupported("this predictor")),
    }
}

fn unsupported(what: &str) -> ReadError {
    ReadError::Unsupported(format!("{what} in an object or cross-reference stream"))
}

fn inflate(raw: &[u8], budget: &mut Budget) -> Result<Vec<u8>, ReadError> {
    let left = budget.inflate_left();
    let mut out = Vec::new();
    flate2::read::ZlibDecoder::new(raw)
        .take(left + 1)
        .read_to_end(&mut out)
        .map_err(|e| ReadError::Malformed {
            at: 0,
            what: format!("a compressed stream cannot be decompressed: {e}"),
        })?;
    budget.inflate(out.len() as u64)?;
    Ok(out)
}

/// PNG row filters, each row prefixed by its filter type byte.
fn png_unpredict(data: &[u8], row: usize, bpp: usize) -> Result<Vec<u8>, ReadError> {
    if !data.len().is_multiple_of(row + 1) {
        return Err(ReadError::Malformed {
            at: 0,
            what: "a predicted stream is not a whole number of rows".into(),
        });
    }
    let mut out: Vec<u8> = Vec::with_capacity(data.len() / (row + 1) * row);
    let mut prev = vec![0u8; row];
    for chunk in data.chunks(row + 1) {
        let (kind, src) = (chunk[0], &chunk[1..]);
        let mut cur = vec![0u8; row];
        for i in 0..row {
            let left = if i >= bpp { cur[i - bpp] } else { 0 };
            let up = prev[i];
            let upleft = if i >= bpp { prev[i - bpp] } else { 0 };
            cur[i] = src[i].wrapping_add(match kind {
                0 => 0,
                1 => left,
                2 => up,
                3 => ((u16::from(left) + u16::from(up)) / 2) as u8,
                4 => paeth(left, up, upleft),
                _ => {
                    return Err(ReadError::Malformed {
                        at: 0,
                        what: format!("unknown PNG row filter {kind}"),
                    });
                }
            });
        }
        out.extend_from_slice(&cur);
        prev = cur;
    }
    Ok(out)
}

fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let p = i16::from(a) + i16::from(b) - i16::from(c);
    let (pa, pb, pc) = (
        (p - i16::from(a)).abs(),
        (p - i16::from(b)).abs(),
        (p - i16::from(c)).abs(),
    );
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}
