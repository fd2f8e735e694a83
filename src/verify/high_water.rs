//! High-water marks: the newest status list (by `iat`) seen from each URI, kept durably so
//! that a restart does not forget them (else an endpoint replaying a list from before a
//! revocation, still within its `exp`, would be believed again). Where they are kept is
//! the node's business ([`MarkStore`]: its store, or a state file); the verifier only
//! loads them once and saves them after each newer list.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use serde::{Deserialize, Serialize};

/// A save in progress (a boxed future, so that [`MarkStore`] can be a trait object).
pub type Saving<'a> = Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;

/// Durable storage for the marks, as one small JSON document.
pub trait MarkStore: Send + Sync {
    /// The document last saved; `None` when there is none (a new or lost state).
    fn load(&self) -> Result<Option<Vec<u8>>, String>;
    /// Replaces the document; done only once it is on disk.
    fn save(&self, document: Vec<u8>) -> Saving<'_>;
    /// Where the marks are kept, for logs and reports.
    fn describe(&self) -> String;
}

/// The newest `iat` accepted per status-list URI.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Marks {
    pub status_lists: BTreeMap<String, i64>,
}

impl Marks {
    /// Reads the marks from `keeper`; `None` when it holds none yet.
    pub fn load(keeper: &dyn MarkStore) -> Result<Option<Marks>, String> {
        match keeper.load()? {
            None => Ok(None),
            Some(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
                format!(
                    "{}: the status-list marks are unreadable: {e}",
                    keeper.describe()
                )
            }),
        }
    }

    pub fn to_document(&self) -> Vec<u8> {
        // A map of strings to integers always serialises.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Records `iat` for `uri` if it is newer than the mark held; true if it was.
    pub fn raise(&mut self, uri: &str, iat: i64) -> bool {
        match self.status_lists.get_mut(uri) {
            Some(seen) if *seen >= iat => false,
            Some(seen) => {
                *seen = iat;
                true
            }
            None => {
                self.status_lists.insert(uri.to_string(), iat);
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mark_only_rises() {
        let mut m = Marks::default();
        assert!(m.raise("u", 10));
        assert!(!m.raise("u", 10));
        assert!(!m.raise("u", 9));
        assert!(m.raise("u", 11));
        assert_eq!(m.status_lists["u"], 11);
        let back: Marks = serde_json::from_slice(&m.to_document()).unwrap();
        assert_eq!(back, m);
    }
}
