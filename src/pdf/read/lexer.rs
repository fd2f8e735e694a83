//! The strict PDF object syntax (ISO 32000-2 §7.2, §7.3): one value at an offset, or an
//! indirect object `n g obj … endobj` with its stream. Anything that is not exactly the
//! syntax is an error with its offset; nothing is skipped or guessed. Nesting is bounded
//! by the budget's depth and every value is counted.

use std::ops::Range;

use super::ReadError;
use super::budget::Budget;
use super::object::{Dict, Id, Object, Stream, Value};

pub fn is_white(b: u8) -> bool {
    matches!(b, 0 | b'\t' | b'\n' | 0x0c | b'\r' | b' ')
}

pub fn is_delim(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

fn is_regular(b: u8) -> bool {
    !is_white(b) && !is_delim(b)
}

/// An indirect object as read from the file.
#[derive(Debug)]
pub struct Indirect {
    pub object: Object,
    /// Just after `endobj`.
    pub end: usize,
    /// Where the value of the top-level dictionary's /Contents lies (its whole token,
    /// `<` to `>` for a hex string): what a signature's byte range must leave out.
    pub contents: Option<Range<usize>>,
}

pub struct Lexer<'a, 'b> {
    pub b: &'a [u8],
    pub pos: usize,
    budget: &'b mut Budget,
}

impl<'a, 'b> Lexer<'a, 'b> {
    pub fn new(b: &'a [u8], pos: usize, budget: &'b mut Budget) -> Self {
        Lexer { b, pos, budget }
    }

    pub fn budget_mut(&mut self) -> &mut Budget {
        self.budget
    }

    pub fn err(&self, what: impl Into<String>) -> ReadError {
        ReadError::Malformed {
            at: self.pos,
            what: what.into(),
        }
    }

    pub fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    /// Skips whitespace and comments.
    pub fn skip_ws(&mut self) {
        while let Some(c) = self.peek() {
            if is_white(c) {
                self.pos += 1;
            } else if c == b'%' {
                while let Some(c) = self.peek() {
                    if c == b'\r' || c == b'\n' {
                        break;
                    }
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    /// The next regular-character token (a keyword or number), without consuming it.
    fn word_at(&self, at: usize) -> &'a [u8] {
        let end = self.b[at.min(self.b.len())..]
            .iter()
            .position(|&c| !is_regular(c))
            .map_or(self.b.len(), |n| at + n);
        &self.b[at.min(end)..end]
    }

    /// Consumes `kw` as a whole token (after whitespace).
    pub fn keyword(&mut self, kw: &[u8]) -> Result<(), ReadError> {
        self.skip_ws();
        if self.word_at(self.pos) == kw {
            self.pos += kw.len();
            Ok(())
        } else {
            Err(self.err(format!("expected `{}`", String::from_utf8_lossy(kw))))
        }
    }

    pub fn at_keyword(&mut self, kw: &[u8]) -> bool {
        self.skip_ws();
        self.word_at(self.pos) == kw
    }

    /// A non-negative integer token.
    pub fn unsigned(&mut self) -> Result<u64, ReadError> {
        self.skip_ws();
        let w = self.word_at(self.pos);
        if w.is_empty() || !w.iter().all(u8::is_ascii_digit) || w.len() > 18 {
            return Err(self.err("expected a non-negative integer"));
        }
        self.pos += w.len();
        Ok(std::str::from_utf8(w)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0))
    }

    /// One direct value (a reference `n g R` included).
    pub fn value(&mut self, depth: usize) -> Result<Value, ReadError> {
        self.budget.value()?;
        if depth > self.budget.limits.depth {
            return Err(ReadError::OverBudget("nesting depth"));
        }
        self.skip_ws();
        let Some(c) = self.peek() else {
            return Err(self.err("unexpected end of data"));
        };
        match c {
            b'/' => self.name().map(Value::Name),
            b'(' => self.literal().map(Value::String),
            b'<' if self.b.get(self.pos + 1) == Some(&b'<') => self.dict(depth).map(Value::Dict),
            b'<' => self.hex().map(Value::String),
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_ws();
                    match self.peek() {
                        Some(b']') => {
                            self.pos += 1;
                            return Ok(Value::Array(items));
                        }
                        None => return Err(self.err("unterminated array")),
                        _ => items.push(self.value(depth + 1)?),
                    }
                }
            }
            _ if is_regular(c) => self.word(),
            _ => Err(self.err(format!("unexpected byte {c:#04x}"))),
        }
    }

    fn word(&mut self) -> Result<Value, ReadError> {
        let w = self.word_at(self.pos);
        let v = match w {
            b"true" => Value::Bool(true),
            b"false" => Value::Bool(false),
            b"null" => Value::Null,
            _ => return self.number(w),
        };
        self.pos += w.len();
        Ok(v)
    }

    fn number(&mut self, w: &'a [u8]) -> Result<Value, ReadError> {
        let digits = w.strip_prefix(b"+").or(w.strip_prefix(b"-")).unwrap_or(w);
        let dots = digits.iter().filter(|&&c| c == b'.').count();
        let ok = !digits.is_empty()
            && digits.iter().all(|&c| c.is_ascii_digit() || c == b'.')
            && dots <= 1
            && digits != b".";
        if !ok {
            return Err(self.err(format!(
                "unknown keyword `{}`",
                String::from_utf8_lossy(&w[..w.len().min(32)])
            )));
        }
        let text = std::str::from_utf8(w).map_err(|_| self.err("bad number"))?;
        self.pos += w.len();
        if dots == 1 {
            return text
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .map(Value::Real)
                .ok_or_else(|| self.err("bad real number"));
        }
        let n: i64 = text.parse().map_err(|_| self.err("integer out of range"))?;
        // `n g R`: a reference, when two integers and R follow.
        if w[0] != b'+' && w[0] != b'-' {
            let save = self.pos;
            self.skip_ws();
            let g = self.word_at(self.pos);
            if !g.is_empty() && g.len() <= 5 && g.iter().all(u8::is_ascii_digit) {
                self.pos += g.len();
                self.skip_ws();
                if self.word_at(self.pos) == b"R" {
                    self.pos += 1;
                    let num =
                        u32::try_from(n).map_err(|_| self.err("object number out of range"))?;
                    let generation = std::str::from_utf8(g)
                        .ok()
                        .and_then(|s| s.parse::<u16>().ok())
                        .ok_or_else(|| self.err("generation out of range"))?;
                    return Ok(Value::Ref((num, generation)));
                }
            }
            self.pos = save;
        }
        Ok(Value::Int(n))
    }

    fn name(&mut self) -> Result<Vec<u8>, ReadError> {
        self.pos += 1;
        let mut out = Vec::new();
        while let Some(c) = self.peek() {
            if !is_regular(c) {
                break;
            }
            if c == b'#' {
                let hex = self
                    .b
                    .get(self.pos + 1..self.pos + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| self.err("bad #xx escape in a name"))?;
                out.push(hex);
                self.pos += 3;
            } else {
                out.push(c);
                self.pos += 1;
            }
        }
        Ok(out)
    }

    fn literal(&mut self) -> Result<Vec<u8>, ReadError> {
        let start = self.pos;
        self.pos += 1;
        let mut out = Vec::new();
        let mut open = 1usize;
        loop {
            let Some(c) = self.peek() else {
                self.pos = start;
                return Err(self.err("unterminated string"));
            };
            self.pos += 1;
            match c {
                b'(' => {
                    open += 1;
                    out.push(c);
                }
                b')' => {
                    open -= 1;
                    if open == 0 {
                        return Ok(out);
                    }
                    out.push(c);
                }
                b'\\' => {
                    let Some(e) = self.peek() else { continue };
                    self.pos += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'\r' => {
                            if self.peek() == Some(b'\n') {
                                self.pos += 1;
                            }
                        }
                        b'\n' => {}
                        b'0'..=b'7' => {
                            let mut v = u32::from(e - b'0');
                            for _ in 0..2 {
                                match self.peek() {
                                    Some(d @ b'0'..=b'7') => {
                                        v = v * 8 + u32::from(d - b'0');
                                        self.pos += 1;
                                    }
                                    _ => break,
                                }
                            }
                            out.push((v & 0xff) as u8);
                        }
                        other => out.push(other),
                    }
                }
                // An end of line in a string reads as \n (§7.3.4.2).
                b'\r' => {
                    if self.peek() == Some(b'\n') {
                        self.pos += 1;
                    }
                    out.push(b'\n');
                }
                _ => out.push(c),
            }
        }
    }

    fn hex(&mut self) -> Result<Vec<u8>, ReadError> {
        self.pos += 1;
        let mut nibbles = Vec::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(self.err("unterminated hex string"));
            };
            self.pos += 1;
            match c {
                b'>' => break,
                _ if is_white(c) => {}
                _ => {
                    let v = (c as char)
                        .to_digit(16)
                        .ok_or_else(|| self.err("bad character in a hex string"))?;
                    nibbles.push(v as u8);
                }
            }
        }
        if nibbles.len() % 2 == 1 {
            nibbles.push(0);
        }
        Ok(nibbles.chunks(2).map(|p| p[0] << 4 | p[1]).collect())
    }

    /// `<< … >>`; with `contents`, notes where the /Contents value lies.
    fn dict_spans(
        &mut self,
        depth: usize,
        mut contents: Option<&mut Option<Range<usize>>>,
    ) -> Result<Dict, ReadError> {
        self.pos += 2;
        let mut d: Vec<(Vec<u8>, Value)> = Vec::new();
        loop {
            self.skip_ws();
            match self.peek() {
                Some(b'>') if self.b.get(self.pos + 1) == Some(&b'>') => {
                    self.pos += 2;
                    return Ok(Dict(d));
                }
                Some(b'/') => {
                    let key = self.name()?;
                    if d.iter().any(|(k, _)| *k == key) {
                        return Err(ReadError::Ambiguous(format!(
                            "the key /{} appears twice in one dictionary (offset {})",
                            String::from_utf8_lossy(&key),
                            self.pos
                        )));
                    }
                    self.skip_ws();
                    let start = self.pos;
                    let v = self.value(depth + 1)?;
                    if key == b"Contents"
                        && let Some(c) = contents.as_deref_mut()
                    {
                        *c = Some(start..self.pos);
                    }
                    d.push((key, v));
                }
                None => return Err(self.err("unterminated dictionary")),
                _ => return Err(self.err("a dictionary key must be a name")),
            }
        }
    }

    fn dict(&mut self, depth: usize) -> Result<Dict, ReadError> {
        self.dict_spans(depth, None)
    }

    /// The indirect object `id` at the current position: `n g obj value endobj`, or with a
    /// stream whose /Length `length` resolves (a direct integer or a reference).
    pub fn indirect(
        &mut self,
        id: Id,
        length: &mut dyn FnMut(&Value, &mut Budget) -> Result<usize, ReadError>,
    ) -> Result<Indirect, ReadError> {
        let n = self.unsigned()?;
        let g = self.unsigned()?;
        if (n, g) != (u64::from(id.0), u64::from(id.1)) {
            return Err(ReadError::Ambiguous(format!(
                "the cross-reference section puts object {} {} at offset {}, where object {n} {g} is",
                id.0, id.1, self.pos
            )));
        }
        self.keyword(b"obj")?;
        self.skip_ws();
        let mut contents = None;
        let value = if self.b.get(self.pos..self.pos + 2) == Some(b"<<") {
            self.budget.value()?;
            Value::Dict(self.dict_spans(0, Some(&mut contents))?)
        } else {
            self.value(0)?
        };
        let object = if self.at_keyword(b"stream") {
            let Value::Dict(dict) = value else {
                return Err(self.err("a stream without a dictionary"));
            };
            self.pos += 6;
            // The keyword is followed by CRLF or LF (§7.3.8.1).
            if self.b.get(self.pos..self.pos + 2) == Some(b"\r\n") {
                self.pos += 2;
            } else if self.peek() == Some(b'\n') {
                self.pos += 1;
            } else {
                return Err(self.err("`stream` is not followed by an end of line"));
            }
            let len_value = dict
                .get(b"Length")
                .ok_or_else(|| self.err("a stream without /Length"))?
                .clone();
            let len = length(&len_value, self.budget)?;
            let start = self.pos;
            let end = start
                .checked_add(len)
                .filter(|&e| e <= self.b.len())
                .ok_or_else(|| self.err("the stream's /Length runs past the end of the file"))?;
            self.pos = end;
            if !self.at_keyword(b"endstream") {
                return Err(self.err("the stream's /Length does not end at `endstream`"));
            }
            self.pos += 9;
            Object::Stream(Stream {
                dict,
                data: start..end,
            })
        } else {
            Object::Value(value)
        };
        self.keyword(b"endobj")?;
        Ok(Indirect {
            object,
            end: self.pos,
            contents,
        })
    }
}
