//! Where a node keeps the high-water marks of the status lists it has seen
//! ([`crate::verify::MarkStore`]): a full node in its store, a verifier-only node (which
//! has no store) in a small file of its `--state` folder, replaced atomically.

use std::path::PathBuf;

use crate::store::{Batch, Store, Tree};
use crate::verify::{MarkStore, Saving};

/// The `Meta` key of a full node's marks.
const MARKS_KEY: &str = "status-list-marks";

/// The file of a verifier-only node's marks, in its `--state` folder.
pub const MARKS_FILE: &str = "status-lists.json";

/// A full node's marks: one record in its store, durable once saved.
pub struct StoreMarks(pub Store);

impl MarkStore for StoreMarks {
    fn load(&self) -> Result<Option<Vec<u8>>, String> {
        self.0
            .get_raw(Tree::Meta, MARKS_KEY)
            .map_err(|e| e.to_string())
    }

    fn save(&self, document: Vec<u8>) -> Saving<'_> {
        Box::pin(async move {
            let mut batch = Batch::default();
            batch.put_raw(Tree::Meta, MARKS_KEY, document);
            self.0.apply(batch).await.map_err(|e| e.to_string())
        })
    }

    fn describe(&self) -> String {
        format!("the store's {MARKS_KEY} record")
    }
}

/// A verifier-only node's marks: a JSON file replaced atomically (never half written).
pub struct FileMarks(pub PathBuf);

impl MarkStore for FileMarks {
    fn load(&self) -> Result<Option<Vec<u8>>, String> {
        match std::fs::read(&self.0) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("{}: {e}", self.0.display())),
        }
    }

    fn save(&self, document: Vec<u8>) -> Saving<'_> {
        let path = self.0.clone();
        Box::pin(async move {
            tokio::task::spawn_blocking(move || {
                crate::fsutil::write_atomic(&path, &document, false)
                    .map_err(|e| format!("{}: {e}", path.display()))
            })
            .await
            .map_err(|e| e.to_string())?
        })
    }

    fn describe(&self) -> String {
        self.0.display().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::Marks;

    #[tokio::test]
    async fn marks_are_read_back_from_a_file_and_from_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let mut m = Marks::default();
        m.raise("http://gz.example/v1/status-lists/1", 42);
        let file = FileMarks(dir.path().join(MARKS_FILE));
        assert_eq!(Marks::load(&file).unwrap(), None);
        file.save(m.to_document()).await.unwrap();
        let again = FileMarks(dir.path().join(MARKS_FILE));
        assert_eq!(Marks::load(&again).unwrap(), Some(m.clone()));

        let store = StoreMarks(Store::open(&dir.path().join("data")).unwrap());
        assert_eq!(Marks::load(&store).unwrap(), None);
        store.save(m.to_document()).await.unwrap();
        assert_eq!(Marks::load(&store).unwrap(), Some(m));
    }
}
