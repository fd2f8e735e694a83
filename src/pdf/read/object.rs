//! PDF values as the strict reader produces them (ISO 32000-2 §7.3). A dictionary keeps
//! its keys in file order and never holds a key twice (the reader refuses that).

/// An object number and generation.
pub type Id = (u32, u16);

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Real(f64),
    Name(Vec<u8>),
    String(Vec<u8>),
    Array(Vec<Value>),
    Dict(Dict),
    Ref(Id),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Dict(pub Vec<(Vec<u8>, Value)>);

/// A stream: its dictionary and where its raw (still encoded) bytes lie in the bytes it
/// was read from (the file, or a decompressed object stream cannot hold streams).
#[derive(Debug, Clone, PartialEq)]
pub struct Stream {
    pub dict: Dict,
    pub data: std::ops::Range<usize>,
}

/// An indirect object's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Object {
    Value(Value),
    Stream(Stream),
}

impl Dict {
    pub fn get(&self, key: &[u8]) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn name(&self, key: &[u8]) -> Option<&[u8]> {
        match self.get(key) {
            Some(Value::Name(n)) => Some(n),
            _ => None,
        }
    }

    pub fn int(&self, key: &[u8]) -> Option<i64> {
        match self.get(key) {
            Some(Value::Int(i)) => Some(*i),
            _ => None,
        }
    }

    /// The dictionary without `keys` (for comparing what else changed).
    pub fn without(&self, keys: &[&[u8]]) -> Dict {
        Dict(
            self.0
                .iter()
                .filter(|(k, _)| !keys.contains(&k.as_slice()))
                .cloned()
                .collect(),
        )
    }
}

impl Value {
    pub fn as_dict(&self) -> Option<&Dict> {
        match self {
            Value::Dict(d) => Some(d),
            _ => None,
        }
    }

    /// Every reference in the value, depth first.
    pub fn refs(&self, out: &mut Vec<Id>) {
        match self {
            Value::Ref(id) => out.push(*id),
            Value::Array(a) => a.iter().for_each(|v| v.refs(out)),
            Value::Dict(d) => d.0.iter().for_each(|(_, v)| v.refs(out)),
            _ => {}
        }
    }
}

impl Object {
    /// The dictionary of a dictionary or a stream.
    pub fn dict(&self) -> Option<&Dict> {
        match self {
            Object::Value(Value::Dict(d)) => Some(d),
            Object::Stream(s) => Some(&s.dict),
            _ => None,
        }
    }

    pub fn refs(&self) -> Vec<Id> {
        let mut out = Vec::new();
        match self {
            Object::Value(v) => v.refs(&mut out),
            Object::Stream(s) => s.dict.0.iter().for_each(|(_, v)| v.refs(&mut out)),
        }
        out
    }

    pub fn is_stream(&self) -> bool {
        matches!(self, Object::Stream(_))
    }
}
