//! What an incremental update changed, and whether a signature over the revisions before
//! it still speaks for the document (ISO 32000-2 §12.8.2.2, ETSI EN 319 142-1 §5.4; the
//! idea of pyHanko's difference analysis, written from the rules).
//!
//! An update may, and may only:
//! * add or extend the Document Security Store (the catalog's /DSS, its arrays, /VRI, and
//!   streams referenced from nowhere else);
//! * add signature fields (a field with /FT /Sig, its widgets, their appearance streams
//!   and what those use), append them to /Fields and to a page's /Annots, and sign an
//!   empty signature field (set its /V and /AP);
//! * add a document timestamp (a signature field as above);
//! * change /Info, the catalog's /Version and /Extensions.
//!
//! Everything else is a change after signing: in particular any object newly defined or
//! redefined that an object outside those roles references (a page, its resources, an
//! annotation, the form), whatever its /Type — the "shadow" attacks complete a document
//! through references drafted before it was signed.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use super::read::{Dict, Document, Object, ReadError, Value};

/// What a revision's update did, when it is allowed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Allowed {
    /// It added signature fields or signed empty ones (DocMDP P=1 forbids that).
    pub signatures: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Catalog,
    Info,
    Dss,
    DssArray,
    Vri,
    VriEntry,
    DssStream,
    AcroForm,
    FieldsArray,
    NewField,
    FilledField,
    Widget,
    SigValue,
    SigPart,
    Appearance,
    Length,
    Page,
    AnnotsArray,
    Metadata,
}

impl Role {
    /// Roles whose new value the rules check against the old one in full: whoever
    /// references them sees only an allowed change.
    fn content_checked(self) -> bool {
        matches!(
            self,
            Role::Catalog
                | Role::AcroForm
                | Role::FieldsArray
                | Role::FilledField
                | Role::Page
                | Role::AnnotsArray
        )
    }
}

/// Checks revision `j` against revision `j - 1`. `Err` says what changed.
pub fn revision(doc: &mut Document<'_>, j: usize) -> Result<Allowed, String> {
    Analysis::new(doc, j)
        .and_then(|a| a.run())
        .map_err(|e| match e {
            Fault::Read(r) => format!("revision {} cannot be read: {r}", j + 1),
            Fault::Change(s) => format!("revision {}: {s}", j + 1),
        })
}

enum Fault {
    Read(ReadError),
    Change(String),
}

impl From<ReadError> for Fault {
    fn from(e: ReadError) -> Self {
        Fault::Read(e)
    }
}

fn change<T>(s: impl Into<String>) -> Result<T, Fault> {
    Err(Fault::Change(s.into()))
}

/// Each changed object with the objects in use that reference it, by object number.
type Referrers = Vec<(u32, Vec<u32>)>;

struct Analysis<'d, 'a> {
    doc: &'d mut Document<'a>,
    j: usize,
    /// Objects this revision defines anew or differently.
    changed: HashSet<u32>,
    /// Of those, the ones not in use before.
    new: HashSet<u32>,
    roles: HashMap<u32, Role>,
    /// For each changed object, the objects in use that reference it (sorted), once computed.
    refs_in: Option<Rc<Referrers>>,
    /// References from one changed-object role to another that the rules allow.
    edges: HashSet<(u32, u32)>,
    allowed: Allowed,
}

impl<'d, 'a> Analysis<'d, 'a> {
    fn new(doc: &'d mut Document<'a>, j: usize) -> Result<Self, Fault> {
        let mut changed = HashSet::new();
        let mut new = HashSet::new();
        let mut nums: Vec<u32> = doc.revisions[j].entries.keys().copied().collect();
        nums.sort_unstable();
        for num in nums {
            let before = doc.get_num(num, j - 1)?;
            let after = doc.get_num(num, j)?;
            match (before, after) {
                (None, None) => {}
                (Some(_), None) => return change(format!("object {num} was deleted")),
                (None, Some(_)) => {
                    changed.insert(num);
                    new.insert(num);
                }
                (Some((id0, o0)), Some((id1, o1))) => {
                    if id0 != id1 {
                        changed.insert(num);
                        new.insert(num);
                    } else if !same(doc.bytes, &o0, &o1) {
                        changed.insert(num);
                    }
                }
            }
        }
        Ok(Analysis {
            doc,
            j,
            changed,
            new,
            roles: HashMap::new(),
            refs_in: None,
            edges: HashSet::new(),
            allowed: Allowed::default(),
        })
    }

    fn run(mut self) -> Result<Allowed, Fault> {
        let (j, prev) = (self.j, self.j - 1);
        let root_now = self.doc.revisions[j].trailer.get(b"Root").cloned();
        if root_now != self.doc.revisions[prev].trailer.get(b"Root").cloned() {
            return change("the document catalog was replaced");
        }
        if self.changed.is_empty() {
            return Ok(self.allowed);
        }
        if let Some(Value::Ref(info)) = self.doc.revisions[j].trailer.get(b"Info").cloned() {
            self.assign(None, info.0, Role::Info)?;
        }
        let Some(Value::Ref(root)) = root_now else {
            return change("the trailer has no /Root");
        };
        if self.changed.contains(&root.0) {
            self.roles.insert(root.0, Role::Catalog);
        }
        self.catalog(root.0)?;
        self.pages_and_orphans()?;
        self.referrers()?;
        Ok(self.allowed)
    }

    fn get(&mut self, num: u32, k: usize) -> Result<Option<Rc<Object>>, Fault> {
        Ok(self.doc.get_num(num, k)?.map(|(_, o)| o))
    }

    fn resolve(&mut self, v: &Value, k: usize) -> Result<Option<Rc<Object>>, Fault> {
        Ok(self.doc.resolve(v, k)?)
    }

    /// Records that `from` (a changed object in a role, or the trailer) references `to`
    /// in `role`; a changed `to` takes the role (once), an unchanged one needs nothing.
    fn assign(&mut self, from: Option<u32>, to: u32, role: Role) -> Result<bool, Fault> {
        if !self.changed.contains(&to) {
            return Ok(false);
        }
        if let Some(f) = from {
            self.edges.insert((f, to));
        }
        match self.roles.get(&to) {
            None => {
                self.roles.insert(to, role);
                Ok(true)
            }
            Some(r) if *r == role => Ok(false),
            Some(Role::NewField) if role == Role::Widget => Ok(false),
            Some(r) => change(format!("object {to} is used both as {r:?} and as {role:?}")),
        }
    }

    fn catalog(&mut self, root: u32) -> Result<(), Fault> {
        let (j, prev) = (self.j, self.j - 1);
        let now = self.get(root, j)?;
        let before = self.get(root, prev)?;
        let (Some(now), Some(before)) = (now, before) else {
            return change("the catalog is missing");
        };
        let (Some(n), Some(b)) = (now.dict(), before.dict()) else {
            return change("the catalog is not a dictionary");
        };
        let (n, b) = (n.clone(), b.clone());
        const FREE: [&[u8]; 5] = [b"DSS", b"AcroForm", b"Version", b"Extensions", b"Metadata"];
        if n.without(&FREE) != b.without(&FREE) {
            return change("the document catalog changed (not only /DSS, /AcroForm, /Version)");
        }
        if let Some(ext) = n.get(b"Extensions") {
            self.no_changed_refs(root, ext, "/Extensions")?;
        }
        if let Some(dss) = n.get(b"DSS") {
            self.dss(root, dss)?;
        }
        if let Some(m) = n.get(b"Metadata") {
            self.metadata(root, m)?;
        }
        let form_now = n.get(b"AcroForm").cloned();
        let form_before = b.get(b"AcroForm").cloned();
        if form_now != form_before || form_now.as_ref().is_some_and(|f| self.is_changed_ref(f)) {
            self.acroform(root, form_before.as_ref(), form_now.as_ref())?;
        }
        Ok(())
    }

    /// The document's XMP metadata (writers update its dates as they update /Info): a
    /// stream of /Type /Metadata /Subtype /XML, referenced from the catalog alone.
    fn metadata(&mut self, root: u32, v: &Value) -> Result<(), Fault> {
        let Value::Ref(id) = v else {
            return change("the catalog's /Metadata is not a stream");
        };
        if !self.assign(Some(root), id.0, Role::Metadata)? {
            return Ok(());
        }
        match self.get(id.0, self.j)?.as_deref() {
            Some(Object::Stream(st))
                if st.dict.name(b"Type") == Some(b"Metadata")
                    && st.dict.name(b"Subtype") == Some(b"XML") =>
            {
                let d = st.dict.clone();
                self.stream_length(id.0, &d)?;
                for (k, v) in &d.0 {
                    if k != b"Length" {
                        self.no_changed_refs(id.0, v, "the metadata stream's dictionary")?;
                    }
                }
                Ok(())
            }
            _ => change("the catalog's /Metadata is not an XMP metadata stream"),
        }
    }

    fn is_changed_ref(&self, v: &Value) -> bool {
        matches!(v, Value::Ref(id) if self.changed.contains(&id.0))
    }

    /// A value that must not reference any changed object.
    fn no_changed_refs(&self, from: u32, v: &Value, what: &str) -> Result<(), Fault> {
        let mut refs = Vec::new();
        v.refs(&mut refs);
        match refs.iter().find(|r| self.changed.contains(&r.0)) {
            Some(r) => change(format!(
                "{what} of object {from} references object {}, which this update changed",
                r.0
            )),
            None => Ok(()),
        }
    }

    // --- Document Security Store -------------------------------------------------------

    fn dss(&mut self, root: u32, v: &Value) -> Result<(), Fault> {
        let (from, d) = match v {
            Value::Ref(id) => {
                if !self.assign(Some(root), id.0, Role::Dss)? {
                    return Ok(());
                }
                let Some(o) = self.get(id.0, self.j)? else {
                    return change("/DSS names a missing object");
                };
                match o.dict() {
                    Some(d) if !o.is_stream() => (id.0, d.clone()),
                    _ => return change("/DSS is not a dictionary"),
                }
            }
            Value::Dict(d) => (root, d.clone()),
            _ => return change("/DSS is not a dictionary"),
        };
        for (k, v) in &d.0 {
            match k.as_slice() {
                b"Type" => {}
                b"Certs" | b"CRLs" | b"OCSPs" => self.dss_array(from, v)?,
                b"VRI" => self.vri(from, v)?,
                other => {
                    return change(format!(
                        "the DSS has an unexpected key /{}",
                        String::from_utf8_lossy(other)
                    ));
                }
            }
        }
        Ok(())
    }

    fn dss_array(&mut self, from: u32, v: &Value) -> Result<(), Fault> {
        let (holder, items) = match v {
            Value::Ref(id) => {
                if !self.assign(Some(from), id.0, Role::DssArray)? {
                    return Ok(());
                }
                match self.get(id.0, self.j)?.as_deref() {
                    Some(Object::Value(Value::Array(a))) => (id.0, a.clone()),
                    _ => return change(format!("DSS array {} is not an array", id.0)),
                }
            }
            Value::Array(a) => (from, a.clone()),
            _ => return change("a DSS entry is not an array"),
        };
        for item in &items {
            let Value::Ref(id) = item else {
                return change("a DSS array holds a direct object");
            };
            self.dss_stream(holder, id.0)?;
        }
        Ok(())
    }

    fn dss_stream(&mut self, from: u32, num: u32) -> Result<(), Fault> {
        let Some(o) = self.get(num, self.j)? else {
            return change(format!("DSS object {num} is missing"));
        };
        let Object::Stream(s) = &*o else {
            return change(format!("DSS object {num} is not a stream"));
        };
        if !self.assign(Some(from), num, Role::DssStream)? {
            return Ok(());
        }
        self.stream_length(num, &s.dict)?;
        for (k, v) in &s.dict.0 {
            if k != b"Length" {
                self.no_changed_refs(num, v, "a DSS stream's dictionary")?;
            }
        }
        Ok(())
    }

    fn stream_length(&mut self, num: u32, d: &Dict) -> Result<(), Fault> {
        if let Some(Value::Ref(l)) = d.get(b"Length")
            && self.assign(Some(num), l.0, Role::Length)?
        {
            match self.get(l.0, self.j)?.as_deref() {
                Some(Object::Value(Value::Int(_))) => {}
                _ => return change(format!("object {} is a /Length but not an integer", l.0)),
            }
        }
        Ok(())
    }

    fn vri(&mut self, from: u32, v: &Value) -> Result<(), Fault> {
        let (holder, d) = match v {
            Value::Ref(id) => {
                if !self.assign(Some(from), id.0, Role::Vri)? {
                    return Ok(());
                }
                match self.get(id.0, self.j)?.as_deref() {
                    Some(Object::Value(Value::Dict(d))) => (id.0, d.clone()),
                    _ => return change("/VRI is not a dictionary"),
                }
            }
            Value::Dict(d) => (from, d.clone()),
            _ => return change("/VRI is not a dictionary"),
        };
        for (_, entry) in &d.0 {
            let (eh, ed) = match entry {
                Value::Ref(id) => {
                    if !self.assign(Some(holder), id.0, Role::VriEntry)? {
                        continue;
                    }
                    match self.get(id.0, self.j)?.as_deref() {
                        Some(Object::Value(Value::Dict(d))) => (id.0, d.clone()),
                        _ => return change("a VRI entry is not a dictionary"),
                    }
                }
                Value::Dict(d) => (holder, d.clone()),
                _ => return change("a VRI entry is not a dictionary"),
            };
            for (k, v) in &ed.0 {
                match k.as_slice() {
                    b"Type" | b"TU" => self.no_changed_refs(eh, v, "a VRI entry")?,
                    b"Cert" | b"CRL" | b"OCSP" => self.dss_array(eh, v)?,
                    b"TS" => match v {
                        Value::Ref(id) => self.dss_stream(eh, id.0)?,
                        _ => return change("a VRI /TS is not a stream"),
                    },
                    other => {
                        return change(format!(
                            "a VRI entry has an unexpected key /{}",
                            String::from_utf8_lossy(other)
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    // --- The form: new signature fields, signed empty ones --------------------------------

    fn acroform(
        &mut self,
        root: u32,
        before: Option<&Value>,
        now: Option<&Value>,
    ) -> Result<(), Fault> {
        let (j, prev) = (self.j, self.j - 1);
        let Some(now) = now else {
            return change("the form (/AcroForm) was removed");
        };
        let old = match before {
            Some(v) => match self.resolve(v, prev)? {
                Some(o) => o.dict().cloned(),
                None => None,
            },
            None => None,
        };
        let (holder, form) = match now {
            Value::Ref(id) => {
                self.assign(Some(root), id.0, Role::AcroForm)?;
                match self.get(id.0, j)?.as_deref() {
                    Some(Object::Value(Value::Dict(d))) => (id.0, d.clone()),
                    _ => return change("/AcroForm is not a dictionary"),
                }
            }
            Value::Dict(d) => (root, d.clone()),
            _ => return change("/AcroForm is not a dictionary"),
        };
        const FREE: [&[u8]; 2] = [b"Fields", b"SigFlags"];
        let old_rest = old.as_ref().map(|o| o.without(&FREE)).unwrap_or_default();
        let new_rest = form.without(&FREE);
        if new_rest != old_rest {
            // A new form may bring its default resources and appearance string.
            let fresh = old.is_none()
                && new_rest
                    .0
                    .iter()
                    .all(|(k, _)| matches!(k.as_slice(), b"DA" | b"DR"));
            if !fresh {
                return change("the form (/AcroForm) changed beyond its fields");
            }
            for (_, v) in &new_rest.0 {
                self.no_changed_refs(holder, v, "the new form's resources")?;
            }
        }
        let old_fields = match old.as_ref().and_then(|o| o.get(b"Fields")).cloned() {
            Some(v) => self.array(&v, prev)?,
            None => Vec::new(),
        };
        let (fields_holder, new_fields) = match form.get(b"Fields") {
            Some(Value::Ref(id)) => {
                self.assign(Some(holder), id.0, Role::FieldsArray)?;
                match self.get(id.0, j)?.as_deref() {
                    Some(Object::Value(Value::Array(a))) => (id.0, a.clone()),
                    _ => return change("/Fields is not an array"),
                }
            }
            Some(Value::Array(a)) => (holder, a.clone()),
            None => (holder, Vec::new()),
            Some(_) => return change("/Fields is not an array"),
        };
        if new_fields.len() < old_fields.len() || new_fields[..old_fields.len()] != old_fields[..] {
            return change("fields were removed from the form or reordered");
        }
        for f in &old_fields {
            if let Value::Ref(id) = f
                && self.assign(Some(fields_holder), id.0, Role::FilledField)?
            {
                self.filled_field(id.0)?;
            }
        }
        for f in &new_fields[old_fields.len()..] {
            let Value::Ref(id) = f else {
                return change("a new form field is not an indirect object");
            };
            if !self.new.contains(&id.0) {
                return change(format!(
                    "object {} was added to the form but is not new",
                    id.0
                ));
            }
            self.assign(Some(fields_holder), id.0, Role::NewField)?;
            self.new_field(id.0)?;
        }
        Ok(())
    }

    fn array(&mut self, v: &Value, k: usize) -> Result<Vec<Value>, Fault> {
        match self.resolve(v, k)?.as_deref() {
            Some(Object::Value(Value::Array(a))) => Ok(a.clone()),
            None => Ok(Vec::new()),
            _ => change("an array is expected"),
        }
    }

    fn dict_now(&mut self, num: u32) -> Result<Dict, Fault> {
        match self.get(num, self.j)?.as_deref() {
            Some(Object::Value(Value::Dict(d))) => Ok(d.clone()),
            _ => change(format!("object {num} is not a dictionary")),
        }
    }

    fn no_actions(num: u32, d: &Dict) -> Result<(), Fault> {
        if d.get(b"A").is_some() || d.get(b"AA").is_some() {
            return change(format!(
                "new signature field {num} carries actions (/A, /AA)"
            ));
        }
        Ok(())
    }

    fn new_field(&mut self, num: u32) -> Result<(), Fault> {
        let d = self.dict_now(num)?;
        if d.name(b"FT") != Some(b"Sig") {
            return change(format!("new form field {num} is not a signature field"));
        }
        if d.get(b"Parent").is_some() {
            return change(format!(
                "new signature field {num} is put under an existing field"
            ));
        }
        Self::no_actions(num, &d)?;
        if d.get(b"V").is_none() {
            self.allowed.signatures = true; // an empty field, to be signed later
        }
        self.field_parts(num, &d)?;
        if let Some(kids) = d.get(b"Kids") {
            let Value::Array(kids) = kids else {
                return change("/Kids is not an array");
            };
            for k in kids {
                let Value::Ref(id) = k else {
                    return change("a widget is not an indirect object");
                };
                if !self.new.contains(&id.0) {
                    return change(format!(
                        "new signature field {num} adopts existing object {}",
                        id.0
                    ));
                }
                self.assign(Some(num), id.0, Role::Widget)?;
                self.widget(id.0, Some(num))?;
            }
        }
        Ok(())
    }

    /// /V, /AP, /Lock of a signature field or widget.
    fn field_parts(&mut self, num: u32, d: &Dict) -> Result<(), Fault> {
        for (k, v) in &d.0 {
            match k.as_slice() {
                b"V" => match v {
                    Value::Ref(id) => {
                        self.assign(Some(num), id.0, Role::SigValue)?;
                        if self.changed.contains(&id.0) {
                            self.sig_value(id.0)?;
                        }
                    }
                    _ => return change("a signature value is not an indirect object"),
                },
                b"AP" => self.appearance(num, v)?,
                b"Lock" | b"SV" => {
                    if let Value::Ref(id) = v
                        && self.assign(Some(num), id.0, Role::SigPart)?
                    {
                        let inner = self.get(id.0, self.j)?;
                        if let Some(Object::Value(inner)) = inner.as_deref() {
                            self.no_changed_refs(id.0, inner, "a signature field's lock")?;
                        }
                    }
                }
                b"Parent" | b"P" | b"Kids" => {}
                _ => self.no_changed_refs(num, v, "a signature field")?,
            }
        }
        Ok(())
    }

    fn widget(&mut self, num: u32, parent: Option<u32>) -> Result<(), Fault> {
        let d = self.dict_now(num)?;
        if d.name(b"Subtype") != Some(b"Widget") {
            return change(format!("object {num} is not a widget annotation"));
        }
        Self::no_actions(num, &d)?;
        match (d.get(b"Parent"), parent) {
            (Some(Value::Ref(p)), Some(q)) if p.0 == q => {
                self.edges.insert((num, q));
            }
            (Some(Value::Ref(p)), None) => {
                // Reached from a page: its field must be a new signature field.
                if !self.new.contains(&p.0) {
                    return change(format!(
                        "new widget {num} belongs to existing field {}",
                        p.0
                    ));
                }
                self.edges.insert((num, p.0));
                self.assign(None, p.0, Role::NewField)?;
                let pd = self.dict_now(p.0)?;
                if pd.name(b"FT") != Some(b"Sig") {
                    return change(format!(
                        "new widget {num} belongs to a field that is not a signature field"
                    ));
                }
            }
            (None, _) if d.name(b"FT") == Some(b"Sig") => {
                self.allowed.signatures = true;
            }
            _ => {
                return change(format!(
                    "new widget {num} is not part of a new signature field"
                ));
            }
        }
        self.field_parts(num, &d)
    }

    fn filled_field(&mut self, num: u32) -> Result<(), Fault> {
        let before = match self.get(num, self.j - 1)?.as_deref() {
            Some(Object::Value(Value::Dict(d))) => d.clone(),
            _ => return change(format!("form field {num} changed")),
        };
        let now = self.dict_now(num)?;
        const FREE: [&[u8]; 2] = [b"V", b"AP"];
        if before.name(b"FT") != Some(b"Sig")
            || before.get(b"V").is_some()
            || now.without(&FREE) != before.without(&FREE)
        {
            return change(format!(
                "form field {num} changed (only an empty signature field may be signed)"
            ));
        }
        self.field_parts(num, &now)
    }

    fn sig_value(&mut self, num: u32) -> Result<(), Fault> {
        let d = self.dict_now(num)?;
        if !matches!(d.name(b"Type"), None | Some(b"Sig") | Some(b"DocTimeStamp"))
            || d.get(b"ByteRange").is_none()
        {
            return change(format!(
                "object {num} is a field's value but not a signature"
            ));
        }
        // A document timestamp is validation data (allowed even under DocMDP P=1).
        if d.name(b"Type") != Some(b"DocTimeStamp") {
            self.allowed.signatures = true;
        }
        for (_, v) in &d.0 {
            let mut refs = Vec::new();
            v.refs(&mut refs);
            for r in refs {
                if self.assign(Some(num), r.0, Role::SigPart)? {
                    let inner = self.get(r.0, self.j)?;
                    if let Some(Object::Value(inner)) = inner.as_deref() {
                        self.no_changed_refs(r.0, inner, "a signature's dictionary")?;
                    } else {
                        return change(format!("object {} in a signature is a stream", r.0));
                    }
                }
            }
        }
        Ok(())
    }

    /// A widget's /AP and everything changed it reaches: drawn only inside the widget.
    fn appearance(&mut self, from: u32, v: &Value) -> Result<(), Fault> {
        let mut refs = Vec::new();
        v.refs(&mut refs);
        let mut todo: Vec<(u32, u32)> = refs.into_iter().map(|r| (from, r.0)).collect();
        while let Some((f, to)) = todo.pop() {
            if !self.assign(Some(f), to, Role::Appearance)? {
                continue;
            }
            if let Some(o) = self.get(to, self.j)? {
                for r in o.refs() {
                    todo.push((to, r.0));
                }
            }
        }
        Ok(())
    }

    // --- Pages, and changed objects no role explains --------------------------------------

    /// A changed object the walk gave no role: a page that only gained signature widgets,
    /// a page's /Annots array that did, or an object nothing references.
    fn pages_and_orphans(&mut self) -> Result<(), Fault> {
        let mut pending: Vec<u32> = self
            .changed
            .iter()
            .filter(|n| !self.roles.contains_key(n))
            .copied()
            .collect();
        pending.sort_unstable();
        for num in pending {
            if self.new.contains(&num) {
                continue; // judged by who references it
            }
            let before = self.get(num, self.j - 1)?;
            let now = self.get(num, self.j)?;
            let (Some(before), Some(now)) = (before, now) else {
                continue;
            };
            match (before.as_ref(), now.as_ref()) {
                (Object::Value(Value::Dict(b)), Object::Value(Value::Dict(n)))
                    if b.name(b"Type") == Some(b"Page") =>
                {
                    if n.without(&[b"Annots"]) != b.without(&[b"Annots"]) {
                        return change(format!("page object {num} changed"));
                    }
                    self.roles.insert(num, Role::Page);
                    let (bv, nv) = (b.get(b"Annots").cloned(), n.get(b"Annots").cloned());
                    if bv != nv {
                        let old = match &bv {
                            Some(v) => self.array(v, self.j - 1)?,
                            None => Vec::new(),
                        };
                        let (holder, new) = match &nv {
                            Some(Value::Ref(id)) => {
                                let a = self.array(&Value::Ref(*id), self.j)?;
                                self.edges.insert((num, id.0));
                                if self.changed.contains(&id.0) {
                                    self.roles.insert(id.0, Role::AnnotsArray);
                                }
                                (id.0, a)
                            }
                            Some(Value::Array(a)) => (num, a.clone()),
                            _ => return change(format!("page {num}'s /Annots is not an array")),
                        };
                        self.annots(holder, &old, &new)?;
                    }
                }
                (Object::Value(Value::Array(b)), Object::Value(Value::Array(n))) => {
                    // An indirect /Annots array, if pages are all that reference it.
                    let holders = self.referrers_of(num)?;
                    let mut all_pages = !holders.is_empty();
                    for h in &holders {
                        let page = self.get(*h, self.j)?;
                        let d = page.as_deref().and_then(Object::dict);
                        all_pages &= d.is_some_and(|d| {
                            d.name(b"Type") == Some(b"Page")
                                && d.get(b"Annots") == Some(&Value::Ref((num, 0)))
                        });
                    }
                    if !all_pages {
                        if holders.is_empty() {
                            continue;
                        }
                        return change(format!("array object {num} changed"));
                    }
                    let (b, n) = (b.clone(), n.clone());
                    self.roles.insert(num, Role::AnnotsArray);
                    self.annots(num, &b, &n)?;
                }
                _ => {
                    if self.referrers_of(num)?.is_empty() {
                        continue;
                    }
                    return change(format!("object {num} changed"));
                }
            }
        }
        Ok(())
    }

    fn annots(&mut self, holder: u32, old: &[Value], new: &[Value]) -> Result<(), Fault> {
        if new.len() < old.len() || new[..old.len()] != *old {
            return change("annotations were removed from a page or reordered");
        }
        for a in &new[old.len()..] {
            let Value::Ref(id) = a else {
                return change("a new annotation is not an indirect object");
            };
            if !self.new.contains(&id.0) {
                return change(format!(
                    "existing object {} was added to a page's annotations",
                    id.0
                ));
            }
            self.edges.insert((holder, id.0));
            let first = !self.roles.contains_key(&id.0);
            self.assign(None, id.0, Role::Widget)?;
            if first {
                self.widget(id.0, None)?;
            }
        }
        Ok(())
    }

    /// Who references each changed object now: (referrer, target) pairs, built once per
    /// revision (the sections' own streams are trailers, not content).
    fn refs_into_changed(&mut self) -> Result<Rc<Referrers>, Fault> {
        if let Some(r) = &self.refs_in {
            return Ok(r.clone());
        }
        let j = self.j;
        let sections: HashSet<u32> = self.doc.revisions[..=j]
            .iter()
            .flat_map(|r| r.xref_streams.iter().map(|id| id.0))
            .collect();
        let mut into: HashMap<u32, Vec<u32>> = HashMap::new();
        let mut changed: Vec<u32> = self.changed.iter().copied().collect();
        changed.sort_unstable();
        for to in changed {
            let froms: Vec<u32> = self
                .doc
                .referrers_at(to, j)
                .into_iter()
                .filter(|n| !sections.contains(n))
                .collect();
            if !froms.is_empty() {
                into.insert(to, froms);
            }
        }
        let mut out: Vec<(u32, Vec<u32>)> = into.into_iter().collect();
        out.sort_unstable_by_key(|(to, _)| *to);
        let out = Rc::new(out);
        self.refs_in = Some(out.clone());
        Ok(out)
    }

    /// The objects in use now that reference `num`.
    fn referrers_of(&mut self, num: u32) -> Result<Vec<u32>, Fault> {
        let refs = self.refs_into_changed()?;
        Ok(match refs.binary_search_by_key(&num, |(to, _)| *to) {
            Ok(i) => refs[i].1.clone(),
            Err(_) => Vec::new(),
        })
    }

    /// Every reference to a changed object comes through an edge the rules allowed (or,
    /// for an object whose whole new value the rules checked, was there before).
    fn referrers(&mut self) -> Result<(), Fault> {
        let xref_streams: HashSet<u32> = self.doc.revisions[self.j]
            .xref_streams
            .iter()
            .map(|id| id.0)
            .collect();
        let refs = self.refs_into_changed()?;
        let pairs = refs
            .iter()
            .flat_map(|(to, froms)| froms.iter().map(move |n| (*n, *to)));
        for (n, to) in pairs {
            if self.edges.contains(&(n, to)) {
                continue;
            }
            let role = self.roles.get(&to).copied();
            if role.is_some_and(Role::content_checked) && !self.new.contains(&to) {
                continue;
            }
            if xref_streams.contains(&to) {
                return change(format!(
                    "object {n} references the cross-reference stream {to}"
                ));
            }
            return change(match role {
                Some(role) => format!(
                    "object {to} ({role:?}) is also referenced from object {n}, outside the role that allows the change"
                ),
                None => {
                    format!("object {n} references object {to}, which this update added or changed")
                }
            });
        }
        Ok(())
    }
}

/// Two objects are the same (a stream's data compared byte for byte).
fn same(bytes: &[u8], a: &Object, b: &Object) -> bool {
    match (a, b) {
        (Object::Value(x), Object::Value(y)) => x == y,
        (Object::Stream(x), Object::Stream(y)) => {
            x.dict == y.dict && bytes[x.data.clone()] == bytes[y.data.clone()]
        }
        _ => false,
    }
}
