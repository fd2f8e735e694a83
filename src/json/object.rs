//! [`Object`]: a JSON object as a vector of entries sorted by key.
//!
//! What a credential's claims and a report's details are read into. It keeps the order
//! serde_json's `Map` keeps (by key, bytewise), so what is written out is the same text, but
//! a dozen claims cost one vector instead of a B-tree: entries that arrive in order (serde_json
//! writes every object we sign sorted) are appended, a lookup is a binary search, and
//! moving entries out is a split of the vector.

use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Object(Vec<(String, Value)>);

impl Object {
    pub fn new() -> Self {
        Object(Vec::new())
    }

    fn find(&self, key: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.as_str().cmp(key))
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.find(key).ok().map(|i| &self.0[i].1)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.find(key).ok().map(|i| &mut self.0[i].1)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_ok()
    }

    /// Sets `key` to `value`; the value it had, if any (as `Map::insert`: the last of two
    /// equal keys wins).
    pub fn insert(&mut self, key: String, value: Value) -> Option<Value> {
        if self.0.last().is_none_or(|(last, _)| *last < key) {
            self.0.push((key, value));
            return None;
        }
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, value)),
            Err(i) => {
                self.0.insert(i, (key, value));
                None
            }
        }
    }

    pub fn remove(&mut self, key: &str) -> Option<Value> {
        self.remove_entry(key).map(|(_, v)| v)
    }

    pub fn remove_entry(&mut self, key: &str) -> Option<(String, Value)> {
        self.find(key).ok().map(|i| self.0.remove(i))
    }

    /// Moves the entries whose key is one of `keys` into an object of their own.
    pub fn split_off_keys(&mut self, keys: &[&str]) -> Object {
        let (taken, kept) = std::mem::take(&mut self.0)
            .into_iter()
            .partition(|(k, _)| keys.contains(&k.as_str()));
        self.0 = kept;
        Object(taken)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&String, &mut Value)> {
        self.0.iter_mut().map(|(k, v)| (&*k, v))
    }
}

/// `object["key"]`: the value, or `null` when absent (as indexing a `serde_json::Value`).
impl std::ops::Index<&str> for Object {
    type Output = Value;
    fn index(&self, key: &str) -> &Value {
        static NULL: Value = Value::Null;
        self.get(key).unwrap_or(&NULL)
    }
}

/// `object["key"] = v`: sets it, inserting `null` first when absent (as a `Value` does).
impl std::ops::IndexMut<&str> for Object {
    fn index_mut(&mut self, key: &str) -> &mut Value {
        let i = match self.find(key) {
            Ok(i) => i,
            Err(i) => {
                self.0.insert(i, (key.to_string(), Value::Null));
                i
            }
        };
        &mut self.0[i].1
    }
}

impl FromIterator<(String, Value)> for Object {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(entries: I) -> Self {
        let mut o = Object::new();
        for (k, v) in entries {
            o.insert(k, v);
        }
        o
    }
}

impl IntoIterator for Object {
    type Item = (String, Value);
    type IntoIter = std::vec::IntoIter<(String, Value)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl From<Map<String, Value>> for Object {
    fn from(map: Map<String, Value>) -> Self {
        // A Map iterates in key order: every entry is appended.
        map.into_iter().collect()
    }
}

impl From<Object> for Map<String, Value> {
    fn from(object: Object) -> Self {
        object.0.into_iter().collect()
    }
}

impl From<Object> for Value {
    fn from(object: Object) -> Self {
        Value::Object(object.into())
    }
}

impl Serialize for Object {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Object {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(ObjectVisitor)
    }
}

struct ObjectVisitor;

impl<'de> Visitor<'de> for ObjectVisitor {
    type Value = Object;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Object, A::Error> {
        let mut o = Object(Vec::with_capacity(access.size_hint().unwrap_or(0).min(64)));
        while let Some((k, v)) = access.next_entry::<String, Value>()? {
            o.insert(k, v);
        }
        Ok(o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// An Object reads, looks up, replaces, removes and writes exactly as serde_json's Map.
    #[test]
    fn behaves_as_a_map() {
        let texts = [
            r#"{"b":1,"a":{"x":[1,2]},"c":"三"}"#,
            r#"{"a":1,"a":2}"#,
            r#"{"z":null,"y":true,"x":false,"_sd":["d"],"Z":0}"#,
            r#"{}"#,
        ];
        for t in texts {
            let mut ours: Object = crate::json::from_slice(t.as_bytes()).unwrap();
            let mut theirs: Map<String, Value> = serde_json::from_str(t).unwrap();
            assert_eq!(
                serde_json::to_string(&ours).unwrap(),
                serde_json::to_string(&theirs).unwrap()
            );
            for k in ["a", "b", "z", "_sd", "missing"] {
                assert_eq!(ours.get(k), theirs.get(k), "{t} {k}");
                assert_eq!(ours.contains_key(k), theirs.contains_key(k));
            }
            for (k, v) in [("a", json!(9)), ("0", json!("first")), ("zz", json!([]))] {
                assert_eq!(ours.insert(k.into(), v.clone()), theirs.insert(k.into(), v));
            }
            assert_eq!(ours.remove("b"), theirs.remove("b"));
            assert_eq!(ours.len(), theirs.len());
            assert_eq!(Value::from(ours.clone()), Value::Object(theirs.clone()));
            assert_eq!(Object::from(theirs), ours);
        }
    }

    #[test]
    fn splitting_off_keys_keeps_both_sides_in_order() {
        let mut o: Object =
            serde_json::from_value(json!({"iss":1,"name":2,"exp":3,"uscc":4})).unwrap();
        let protocol = o.split_off_keys(&["iss", "exp", "absent"]);
        assert_eq!(Value::from(protocol), json!({"exp":3,"iss":1}));
        assert_eq!(serde_json::to_string(&o).unwrap(), r#"{"name":2,"uscc":4}"#);
        assert_eq!(o["name"], 2);
        assert_eq!(o["iss"], Value::Null);
        o["a"] = json!(1);
        o["name"] = json!(3);
        assert_eq!(
            serde_json::to_string(&o).unwrap(),
            r#"{"a":1,"name":3,"uscc":4}"#
        );
    }

    #[test]
    fn anything_but_an_object_is_refused() {
        for t in ["[]", "1", "\"a\"", "null", "{\"a\":}"] {
            assert!(
                crate::json::from_slice::<Object>(t.as_bytes()).is_err(),
                "{t}"
            );
        }
    }
}
