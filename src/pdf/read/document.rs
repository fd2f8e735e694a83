//! A PDF as its revisions (ISO 32000-2 §7.5.6): the chain of cross-reference sections from
//! the last `startxref`, each revision ending at its `%%EOF`, and the objects each revision
//! defines, every one of them read strictly at the place its own section names.
//!
//! What makes a document ambiguous, and so refused: an update's entry pointing into the
//! bytes of an earlier revision (other than re-listing an unchanged object where it was),
//! an object header that is not the number the entry names, an object stream whose index
//! disagrees with the entry, bytes after the last `%%EOF`, or sections out of order.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use super::ReadError;
use super::budget::{Budget, Limits};
use super::filter;
use super::lexer::{Lexer, is_white};
use super::object::{Dict, Id, Object, Value};
use super::xref::{self, Entry, Section};

/// One revision: what its update defines, where its bytes lie, its trailer.
#[derive(Debug)]
pub struct Revision {
    /// Where the revision's own bytes start (the end of the previous one; 0 for the first).
    pub start: usize,
    /// Just after its `%%EOF`, and after the end of line that may follow it.
    pub eof: usize,
    pub end: usize,
    pub trailer: Dict,
    /// The entries its section(s) define, by object number.
    pub entries: HashMap<u32, Entry>,
    /// Its cross-reference stream objects (not part of the document's content).
    pub xref_streams: Vec<Id>,
}

/// Where an object's bytes are: for the cache, so an object read through two entries is
/// read once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Loc {
    File(usize),
    InStream(usize, u32),
}

struct ObjStm {
    data: Vec<u8>,
    first: usize,
    pairs: Vec<(u32, usize)>,
}

pub struct Document<'a> {
    pub bytes: &'a [u8],
    pub revisions: Vec<Revision>,
    pub budget: Budget,
    cache: HashMap<Loc, Rc<Object>>,
    /// Where the top-level /Contents value of an object read from the file lies.
    contents: HashMap<usize, std::ops::Range<usize>>,
    objstms: HashMap<usize, Rc<ObjStm>>,
    /// For each object number, the definitions (number, entry) that reference it: built
    /// once, so that who references an object at a revision is a lookup, not a scan.
    referenced_by: HashMap<u32, Vec<(u32, Entry)>>,
}

impl<'a> Document<'a> {
    /// Reads every revision and every object each defines; refuses what is not exactly
    /// the syntax, ambiguous, or over `limits`.
    pub fn read(bytes: &'a [u8], limits: Limits) -> Result<Self, ReadError> {
        let mut budget = Budget::new(limits);
        if !bytes.starts_with(b"%PDF-") {
            return Err(ReadError::Malformed {
                at: 0,
                what: "the file does not start with %PDF-".into(),
            });
        }
        let sections = chain(bytes, &mut budget)?;
        let revisions = revisions(bytes, sections)?;
        let mut doc = Document {
            bytes,
            revisions,
            budget,
            cache: HashMap::new(),
            contents: HashMap::new(),
            objstms: HashMap::new(),
            referenced_by: HashMap::new(),
        };
        for r in &doc.revisions {
            if r.trailer.get(b"Encrypt").is_some() {
                return Err(ReadError::Encrypted);
            }
        }
        doc.check_entries()?;
        doc.read_all()?;
        Ok(doc)
    }

    pub fn last(&self) -> usize {
        self.revisions.len() - 1
    }

    /// The entry of object `num` in force at revision `k`.
    pub fn entry(&self, num: u32, k: usize) -> Option<Entry> {
        self.revisions[..=k]
            .iter()
            .rev()
            .find_map(|r| r.entries.get(&num).copied())
    }

    /// The revision whose section last defined `num` at or before `k`.
    pub fn defined_in(&self, num: u32, k: usize) -> Option<usize> {
        (0..=k)
            .rev()
            .find(|&i| self.revisions[i].entries.contains_key(&num))
    }

    /// Object `id` as revision `k` sees it; `None` for a free or absent object, or one of
    /// another generation (a null reference, §7.3.10).
    pub fn get(&mut self, id: Id, k: usize) -> Result<Option<Rc<Object>>, ReadError> {
        let Some(entry) = self.entry(id.0, k) else {
            return Ok(None);
        };
        match entry {
            Entry::Free => Ok(None),
            Entry::File { generation, .. } if generation != id.1 => Ok(None),
            Entry::InStream { .. } if id.1 != 0 => Ok(None),
            _ => self.load(id.0, entry, k).map(Some),
        }
    }

    /// Resolves a value that may be a reference, at revision `k`.
    pub fn resolve(&mut self, v: &Value, k: usize) -> Result<Option<Rc<Object>>, ReadError> {
        match v {
            Value::Ref(id) => self.get(*id, k),
            other => Ok(Some(Rc::new(Object::Value(other.clone())))),
        }
    }

    /// Where the top-level /Contents of object `id` (at revision `k`) lies in the file,
    /// and where the object itself starts; `None` when it is in an object stream.
    pub fn contents_span(&mut self, id: Id, k: usize) -> Option<(usize, std::ops::Range<usize>)> {
        match self.entry(id.0, k)? {
            Entry::File { offset, .. } => self.contents.get(&offset).map(|r| (offset, r.clone())),
            _ => None,
        }
    }

    /// The object numbers in use at revision `k`.
    pub fn in_use(&self, k: usize) -> Vec<u32> {
        self.entries_at(k).into_iter().map(|(n, _)| n).collect()
    }

    /// The objects in use at revision `k` with their entries, by number (one pass over the
    /// revisions, newest first).
    pub fn entries_at(&self, k: usize) -> Vec<(u32, Entry)> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for r in self.revisions[..=k].iter().rev() {
            for (&n, e) in &r.entries {
                if seen.insert(n) && *e != Entry::Free {
                    out.push((n, *e));
                }
            }
        }
        out.sort_unstable_by_key(|(n, _)| *n);
        out
    }

    /// The objects whose definition in force at revision `k` references object `num`.
    pub fn referrers_at(&self, num: u32, k: usize) -> Vec<u32> {
        let mut out: Vec<u32> = self
            .referenced_by
            .get(&num)
            .into_iter()
            .flatten()
            .filter(|(n, e)| self.entry(*n, k) == Some(*e))
            .map(|(n, _)| *n)
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Object `num` through an entry [`Document::entries_at`] gave for revision `k`.
    pub fn get_by_entry(
        &mut self,
        num: u32,
        entry: Entry,
        k: usize,
    ) -> Result<Rc<Object>, ReadError> {
        self.load(num, entry, k)
    }

    /// Object `num` at `k` with the generation its entry gives.
    pub fn get_num(&mut self, num: u32, k: usize) -> Result<Option<(Id, Rc<Object>)>, ReadError> {
        let generation = match self.entry(num, k) {
            Some(Entry::File { generation, .. }) => generation,
            Some(Entry::InStream { .. }) => 0,
            _ => return Ok(None),
        };
        Ok(self
            .get((num, generation), k)?
            .map(|o| ((num, generation), o)))
    }

    /// Each entry of each revision points into that revision's own bytes, or re-lists an
    /// object where the previous revision had it.
    fn check_entries(&self) -> Result<(), ReadError> {
        for (k, r) in self.revisions.iter().enumerate() {
            let own = |off: usize| off >= r.start && off < r.end;
            for (&num, &e) in &r.entries {
                let before = if k == 0 { None } else { self.entry(num, k - 1) };
                let ok = match e {
                    Entry::Free => true,
                    Entry::File { offset, .. } => own(offset) || before == Some(e),
                    Entry::InStream { stream, .. } => {
                        before == Some(e)
                            || matches!(self.entry(stream, k), Some(Entry::File { offset, .. }) if own(offset))
                    }
                };
                if !ok {
                    return Err(ReadError::Ambiguous(format!(
                        "revision {} points object {num} into the bytes of an earlier revision",
                        k + 1
                    )));
                }
            }
        }
        Ok(())
    }

    /// Reads every object every revision defines (a document is read whole or refused).
    fn read_all(&mut self) -> Result<(), ReadError> {
        for k in 0..self.revisions.len() {
            let mut nums: Vec<(u32, Entry)> = self.revisions[k]
                .entries
                .iter()
                .map(|(n, e)| (*n, *e))
                .collect();
            nums.sort_unstable_by_key(|(n, _)| *n);
            for (num, e) in nums {
                if e != Entry::Free {
                    let o = self.load(num, e, k)?;
                    let mut targets = o.refs();
                    targets.sort_unstable();
                    targets.dedup();
                    for t in targets {
                        self.referenced_by.entry(t.0).or_default().push((num, e));
                    }
                }
            }
        }
        Ok(())
    }

    fn load(&mut self, num: u32, entry: Entry, k: usize) -> Result<Rc<Object>, ReadError> {
        match entry {
            Entry::Free => Err(ReadError::Malformed {
                at: 0,
                what: format!("object {num} is free"),
            }),
            Entry::File { offset, generation } => {
                if let Some(o) = self.cache.get(&Loc::File(offset)) {
                    return Ok(o.clone());
                }
                let bytes = self.bytes;
                let revisions = &self.revisions;
                let mut length =
                    |v: &Value, budget: &mut Budget| length_of(bytes, revisions, k, v, budget);
                let mut lx = Lexer::new(bytes, offset, &mut self.budget);
                let ind = lx.indirect((num, generation), &mut length)?;
                let home = revisions
                    .iter()
                    .find(|r| offset >= r.start && offset < r.end);
                if home.is_none_or(|r| ind.end > r.end) {
                    return Err(ReadError::Ambiguous(format!(
                        "object {num} runs past the end of its revision"
                    )));
                }
                if let Some(c) = ind.contents {
                    self.contents.insert(offset, c);
                }
                let o = Rc::new(ind.object);
                self.cache.insert(Loc::File(offset), o.clone());
                Ok(o)
            }
            Entry::InStream { stream, index } => {
                let Some(Entry::File {
                    offset: at,
                    generation: 0,
                }) = self.entry(stream, k)
                else {
                    return Err(ReadError::Malformed {
                        at: 0,
                        what: format!(
                            "object {num} is in object stream {stream}, which is not an object of the file"
                        ),
                    });
                };
                let loc = Loc::InStream(at, index);
                if let Some(o) = self.cache.get(&loc) {
                    return Ok(o.clone());
                }
                let stm = self.objstm(stream, at, k)?;
                let (n, off) =
                    *stm.pairs
                        .get(index as usize)
                        .ok_or_else(|| ReadError::Malformed {
                            at,
                            what: format!("object stream {stream} has no object {index}"),
                        })?;
                if n != num {
                    return Err(ReadError::Ambiguous(format!(
                        "the cross-reference section puts object {num} in object stream {stream} where object {n} is"
                    )));
                }
                let pos = stm
                    .first
                    .checked_add(off)
                    .filter(|&p| p < stm.data.len())
                    .ok_or_else(|| ReadError::Malformed {
                        at,
                        what: format!("object stream {stream}: an offset past its end"),
                    })?;
                let mut lx = Lexer::new(&stm.data, pos, &mut self.budget);
                let v = lx.value(0)?;
                let o = Rc::new(Object::Value(v));
                self.cache.insert(loc, o.clone());
                Ok(o)
            }
        }
    }

    fn objstm(&mut self, num: u32, at: usize, k: usize) -> Result<Rc<ObjStm>, ReadError> {
        if let Some(s) = self.objstms.get(&at) {
            return Ok(s.clone());
        }
        let o = self.load(
            num,
            Entry::File {
                offset: at,
                generation: 0,
            },
            k,
        )?;
        let Object::Stream(s) = &*o else {
            return Err(ReadError::Malformed {
                at,
                what: format!("object {num} is used as an object stream but is not a stream"),
            });
        };
        let bad = |what: &str| ReadError::Malformed {
            at,
            what: format!("object stream {num}: {what}"),
        };
        if s.dict.name(b"Type") != Some(b"ObjStm") {
            return Err(bad("not /Type /ObjStm"));
        }
        let n = s
            .dict
            .int(b"N")
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| bad("no valid /N"))?;
        let first = s
            .dict
            .int(b"First")
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| bad("no valid /First"))?;
        let data = filter::decode(&s.dict, &self.bytes[s.data.clone()], &mut self.budget)?;
        if first > data.len() || n > data.len() / 2 + 1 {
            return Err(bad("/First or /N does not fit its data"));
        }
        let mut pairs = Vec::with_capacity(n);
        let mut seen_num = HashSet::new();
        let mut last_off = None;
        {
            let mut lx = Lexer::new(&data[..first], 0, &mut self.budget);
            for _ in 0..n {
                let num =
                    u32::try_from(lx.unsigned()?).map_err(|_| bad("object number too large"))?;
                let off = usize::try_from(lx.unsigned()?).map_err(|_| bad("offset too large"))?;
                // Two objects at one place, or one object twice: ambiguous.
                if !seen_num.insert(num) || last_off.is_some_and(|l| off <= l) {
                    return Err(ReadError::Ambiguous(format!(
                        "object stream {num}'s index names an object twice or out of order"
                    )));
                }
                last_off = Some(off);
                pairs.push((num, off));
            }
        }
        let stm = Rc::new(ObjStm { data, first, pairs });
        self.objstms.insert(at, stm.clone());
        Ok(stm)
    }
}

/// A stream's /Length: a direct integer, or an integer object in the file.
fn length_of(
    bytes: &[u8],
    revisions: &[Revision],
    k: usize,
    v: &Value,
    budget: &mut Budget,
) -> Result<usize, ReadError> {
    let bad = |what: &str| ReadError::Malformed {
        at: 0,
        what: what.into(),
    };
    let n = match v {
        Value::Int(n) => *n,
        Value::Ref(id) => {
            let entry = revisions[..=k]
                .iter()
                .rev()
                .find_map(|r| r.entries.get(&id.0).copied());
            let Some(Entry::File { offset, generation }) = entry else {
                return Err(bad(
                    "a stream's /Length names an object that is not in the file",
                ));
            };
            if generation != id.1 {
                return Err(bad("a stream's /Length names a free object"));
            }
            let mut lx = Lexer::new(bytes, offset, budget);
            let ind = lx.indirect(*id, &mut |_, _| Err(bad("a /Length object is a stream")))?;
            match ind.object {
                Object::Value(Value::Int(n)) => n,
                _ => return Err(bad("a stream's /Length object is not an integer")),
            }
        }
        _ => return Err(bad("a stream's /Length is not an integer")),
    };
    usize::try_from(n).map_err(|_| bad("a negative stream /Length"))
}

/// The sections from the last `startxref` back through /Prev (and /XRefStm), newest first.
fn chain(bytes: &[u8], budget: &mut Budget) -> Result<Vec<Section>, ReadError> {
    let start = last_startxref(bytes)?;
    let mut out: Vec<Section> = Vec::new();
    let mut seen = HashSet::new();
    let mut next = Some(start);
    while let Some(at) = next {
        if !seen.insert(at) || out.len() >= budget.limits.sections {
            return Err(if out.len() >= budget.limits.sections {
                ReadError::OverBudget("cross-reference sections")
            } else {
                ReadError::Ambiguous("the cross-reference sections form a loop".into())
            });
        }
        let mut s = xref::read(bytes, at, budget)?;
        // A hybrid file: the table's trailer names a cross-reference stream too; its
        // entries count with the table's, and an object in both is ambiguous.
        if let Some(x) = s.trailer.int(b"XRefStm") {
            let x = usize::try_from(x).map_err(|_| ReadError::Malformed {
                at,
                what: "a negative /XRefStm".into(),
            })?;
            let hybrid = xref::read_stream_only(bytes, x, budget)?;
            let index: HashMap<u32, usize> = s
                .entries
                .iter()
                .enumerate()
                .map(|(i, (n, _))| (*n, i))
                .collect();
            for (num, e) in hybrid {
                match index.get(&num).map(|&i| &mut s.entries[i].1) {
                    Some(old @ Entry::Free) => *old = e,
                    Some(old) if *old == e => {}
                    Some(_) => {
                        return Err(ReadError::Ambiguous(format!(
                            "object {num} is in both the table and the /XRefStm stream"
                        )));
                    }
                    None => s.entries.push((num, e)),
                }
            }
        }
        next = match s.trailer.get(b"Prev") {
            None => None,
            Some(Value::Int(p)) => Some(usize::try_from(*p).map_err(|_| ReadError::Malformed {
                at,
                what: "a negative /Prev".into(),
            })?),
            Some(_) => {
                return Err(ReadError::Malformed {
                    at,
                    what: "/Prev is not an integer".into(),
                });
            }
        };
        out.push(s);
    }
    Ok(out)
}

/// The offset the last `startxref` names; the file ends with its `%%EOF` (whitespace
/// after it allowed, nothing else).
fn last_startxref(bytes: &[u8]) -> Result<usize, ReadError> {
    let body_end = bytes.len() - bytes.iter().rev().take_while(|&&c| is_white(c)).count();
    if !bytes[..body_end].ends_with(b"%%EOF") {
        return Err(ReadError::Malformed {
            at: body_end,
            what: "the file does not end with %%EOF: bytes were appended after the last revision"
                .into(),
        });
    }
    let tail_start = body_end.saturating_sub(1024);
    let at = bytes[tail_start..body_end]
        .windows(9)
        .rposition(|w| w == b"startxref")
        .map(|p| tail_start + p + 9)
        .ok_or_else(|| ReadError::Malformed {
            at: body_end,
            what: "no startxref before the final %%EOF".into(),
        })?;
    let digits: String = bytes[at..body_end - 5]
        .iter()
        .filter(|c| !is_white(**c))
        .map(|&c| c as char)
        .collect();
    digits.parse().map_err(|_| ReadError::Malformed {
        at,
        what: "the final startxref is not followed by an offset and %%EOF alone".into(),
    })
}

/// Sections (newest first) into revisions (oldest first). A linearized file's first-page
/// section, which lies before the section it names as /Prev, joins that revision.
fn revisions(bytes: &[u8], mut sections: Vec<Section>) -> Result<Vec<Revision>, ReadError> {
    sections.reverse();
    let mut groups: Vec<Vec<Section>> = Vec::new();
    for s in sections {
        let linearized_first_page = groups.len() == 1
            && groups[0].len() == 1
            && s.offset < groups[0][0].offset
            && is_linearized(bytes);
        if linearized_first_page {
            groups[0].push(s);
        } else {
            groups.push(vec![s]);
        }
    }
    let mut out: Vec<Revision> = Vec::new();
    for g in groups {
        let start = out.last().map_or(0, |r| r.end);
        // The revision ends at its main (latest-placed) section's %%EOF.
        let main = g
            .iter()
            .max_by_key(|s| s.offset)
            .expect("a group has a section");
        let (eof, end) = (main.eof, main.end);
        if g.iter().any(|s| s.offset < start) || end <= start {
            return Err(ReadError::Ambiguous(
                "a cross-reference section lies inside an earlier revision".into(),
            ));
        }
        // The newest section's trailer speaks for the revision.
        let newest = g.last().expect("a group has a section");
        let trailer = newest.trailer.clone();
        let mut entries = HashMap::new();
        let mut xref_streams = Vec::new();
        for s in &g {
            for &(n, e) in &s.entries {
                if let Some(prev) = entries.insert(n, e)
                    && prev != e
                    && g.len() > 1
                {
                    return Err(ReadError::Ambiguous(format!(
                        "object {n} is defined twice in the first revision"
                    )));
                }
            }
            xref_streams.extend(s.stream);
        }
        out.push(Revision {
            start,
            eof,
            end,
            trailer,
            entries,
            xref_streams,
        });
    }
    let last_end = out.last().map_or(0, |r| r.end);
    if bytes[last_end..].iter().any(|&c| !is_white(c)) {
        return Err(ReadError::Malformed {
            at: last_end,
            what: "bytes after the last revision that no cross-reference section accounts for"
                .into(),
        });
    }
    Ok(out)
}

fn is_linearized(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(1024)];
    head.windows(11).any(|w| w == b"/Linearized")
}
