//! The only module that knows sled. Everything else sees named trees of JSON values and
//! atomic batches that are flushed to disk before they are acknowledged.
//!
//! Durability goes through one flusher thread (group commit, see [`flusher`]): sled
//! 0.34.7 deadlocks when `flush_async` runs concurrently (sled #1308), so nothing here
//! calls it.

mod cache;
mod flusher;

use std::path::Path;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;
use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tree {
    Companies,
    Credentials,
    /// `<uscc>/<credential id>` → empty: a company's wallet, listed by prefix.
    Wallets,
    Tokens,
    Secrets,
    Events,
    Meta,
    /// Police seal filings, by id.
    Filings,
    /// E-seals, keyed `<uscc>/<seal id>`.
    Seals,
    /// Secondary keys: `active/<uscc>/<seal type>` → filing id, `code/<seal code>` → filing id.
    Index,
    /// Status-list bitstrings, raw bytes by list number.
    StatusLists,
    /// 数电票 by number; `Index` holds `invoice-of/<credential id>` and `inv/<uscc>/<number>`.
    Invoices,
    /// Start-up bundles (电子大礼包) by USCC: when the application came, when each credential was issued.
    Establishments,
    /// A credential's status fields by id, beside its record in `Credentials`: what every
    /// online verification reads, without scanning past the sealed SD-JWT.
    CredentialStatus,
}

const TREES: [(Tree, &str); 14] = [
    (Tree::Companies, "companies"),
    (Tree::Credentials, "credentials"),
    (Tree::Wallets, "wallets"),
    (Tree::Tokens, "tokens"),
    (Tree::Secrets, "secrets"),
    (Tree::Events, "events"),
    (Tree::Meta, "meta"),
    (Tree::Filings, "filings"),
    (Tree::Seals, "seals"),
    (Tree::Index, "index"),
    (Tree::StatusLists, "status_lists"),
    (Tree::Invoices, "invoices"),
    (Tree::Establishments, "establishments"),
    (Tree::CredentialStatus, "credential_status"),
];

impl Tree {
    /// The tree's place in [`TREES`] (and in the opened trees): the enum's own order.
    fn index(self) -> usize {
        self as usize
    }

    /// Every tree, for checks that look at the whole store.
    pub fn all() -> impl Iterator<Item = Tree> {
        TREES.iter().map(|(t, _)| *t)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("storage: {0}")]
    Sled(#[from] sled::Error),
    #[error("{0} already exists")]
    Exists(String),
    #[error("stored record {0} is unreadable: {1}")]
    Corrupt(String, String),
    #[error("storage: flushing to disk failed: {0}")]
    Flush(String),
    #[error("storage: a background task failed: {0}")]
    Task(String),
    #[error("record {key} could not be serialised: {source}")]
    Serialise {
        key: String,
        source: serde_json::Error,
    },
    #[error("counter {0} holds {1} bytes, not an 8-byte number: refusing to reuse its values")]
    CorruptCounter(String, usize),
    #[error("ZT_CACHE_MB={0:?}: not a whole number of megabytes (1 or more)")]
    CacheSize(String),
}

enum Op {
    Put(Tree, Vec<u8>, Vec<u8>),
    PutNew(Tree, Vec<u8>, Vec<u8>),
}

/// Run once the batch is durably on disk (never when it fails).
type OnCommit = Box<dyn FnOnce() + Send>;

/// Writes applied all together or not at all.
#[derive(Default)]
pub struct Batch {
    ops: Vec<Op>,
    /// The first value that could not be serialised: the batch is refused as a whole.
    unserialisable: Option<(String, serde_json::Error)>,
    /// What learns of the batch once it is durable (in-memory counters fed by the event log).
    on_commit: Vec<OnCommit>,
}

impl Batch {
    pub fn put<T: Serialize>(&mut self, tree: Tree, key: &str, value: &T) -> &mut Self {
        if let Some(v) = self.serialise(key, value) {
            self.ops.push(Op::Put(tree, key.as_bytes().to_vec(), v));
        }
        self
    }

    /// Fails the whole batch with `StoreError::Exists` if the key is already there.
    pub fn put_new<T: Serialize>(&mut self, tree: Tree, key: &str, value: &T) -> &mut Self {
        if let Some(v) = self.serialise(key, value) {
            self.ops.push(Op::PutNew(tree, key.as_bytes().to_vec(), v));
        }
        self
    }

    fn serialise<T: Serialize>(&mut self, key: &str, value: &T) -> Option<Vec<u8>> {
        match serde_json::to_vec(value) {
            Ok(v) => Some(v),
            Err(e) => {
                self.unserialisable.get_or_insert((key.to_string(), e));
                None
            }
        }
    }

    pub fn put_raw(&mut self, tree: Tree, key: &str, value: Vec<u8>) -> &mut Self {
        self.ops.push(Op::Put(tree, key.as_bytes().to_vec(), value));
        self
    }

    /// Runs `f` once the batch is durable; a batch that fails never runs it.
    pub fn on_commit(&mut self, f: impl FnOnce() + Send + 'static) -> &mut Self {
        self.on_commit.push(Box::new(f));
        self
    }

    /// How many writes the batch holds.
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }
}

#[derive(Clone)]
pub struct Store {
    trees: Arc<Vec<sled::Tree>>,
    flusher: Arc<flusher::Flusher>,
    /// [`CACHED`]'s records, decoded (see [`Store::get_shared`]).
    cache: Arc<cache::ReadCache>,
}

/// The tree whose records are kept decoded in memory: a credential's status, which every
/// online verification reads and only this store writes.
const CACHED: Tree = Tree::CredentialStatus;

impl Op {
    fn target(&self) -> (Tree, &[u8]) {
        match self {
            Op::Put(t, k, _) | Op::PutNew(t, k, _) => (*t, k),
        }
    }
}

/// The keys of [`CACHED`] that a batch writes.
fn cached_keys(ops: &[Op]) -> impl Iterator<Item = &[u8]> {
    ops.iter()
        .map(Op::target)
        .filter(|(t, _)| *t == CACHED)
        .map(|(_, k)| k)
}

impl Store {
    /// Opens (or creates) the database in `dir`.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir).map_err(sled::Error::Io)?;
        remove_unfinished_snapshots(dir);
        let db = open_waiting_for_lock(&dir.join("db"))?;
        let trees = TREES
            .iter()
            .map(|(_, name)| db.open_tree(name))
            .collect::<Result<Vec<_>, _>>()?;
        let flusher = Arc::new(flusher::Flusher::start(db)?);
        Ok(Store {
            trees: Arc::new(trees),
            flusher,
            cache: Default::default(),
        })
    }

    fn tree(&self, t: Tree) -> &sled::Tree {
        &self.trees[t.index()]
    }

    pub fn get<T: DeserializeOwned>(&self, tree: Tree, key: &str) -> Result<Option<T>, StoreError> {
        match self.tree(tree).get(key.as_bytes())? {
            None => Ok(None),
            Some(bytes) => crate::json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| StoreError::Corrupt(key.into(), e.to_string())),
        }
    }

    /// Like [`Store::get`], shared: the records of [`CACHED`] come from memory after their
    /// first read (a write through this store forgets them); other trees' are read each time.
    pub fn get_shared<T: DeserializeOwned + Send + Sync + 'static>(
        &self,
        tree: Tree,
        key: &str,
    ) -> Result<Option<Arc<T>>, StoreError> {
        if tree != CACHED {
            return Ok(self.get::<T>(tree, key)?.map(Arc::new));
        }
        let generation = match self.cache.get::<T>(key.as_bytes()) {
            Ok(hit) => return Ok(Some(hit)),
            Err(generation) => generation,
        };
        let read = self.get::<T>(tree, key)?.map(Arc::new);
        if let Some(v) = &read {
            self.cache.fill(generation, key.as_bytes(), v.clone());
        }
        Ok(read)
    }

    pub fn get_raw(&self, tree: Tree, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.tree(tree).get(key.as_bytes())?.map(|v| v.to_vec()))
    }

    /// Each tree's name, number of records and bytes of keys and values (a full scan: for
    /// benchmarks and diagnostics, not for request paths).
    pub fn sizes(&self) -> Result<Vec<(&'static str, u64, u64)>, StoreError> {
        TREES
            .iter()
            .map(|(t, name)| {
                let (mut n, mut bytes) = (0u64, 0u64);
                for kv in self.tree(*t).iter() {
                    let (k, v) = kv?;
                    n += 1;
                    bytes += (k.len() + v.len()) as u64;
                }
                Ok((*name, n, bytes))
            })
            .collect()
    }

    /// Keys (as strings) under a prefix, in order.
    pub fn keys_with_prefix(&self, tree: Tree, prefix: &str) -> Result<Vec<String>, StoreError> {
        self.tree(tree)
            .scan_prefix(prefix.as_bytes())
            .keys()
            .map(|k| Ok(String::from_utf8_lossy(&k?).into_owned()))
            .collect()
    }

    /// Values under a prefix, in key order.
    pub fn values_with_prefix<T: DeserializeOwned>(
        &self,
        tree: Tree,
        prefix: &str,
    ) -> Result<Vec<T>, StoreError> {
        self.tree(tree)
            .scan_prefix(prefix.as_bytes())
            .map(|kv| {
                let (k, v) = kv?;
                crate::json::from_slice(&v).map_err(|e| {
                    StoreError::Corrupt(String::from_utf8_lossy(&k).into_owned(), e.to_string())
                })
            })
            .collect()
    }

    /// Applies a batch atomically, then waits for a flush: when this returns Ok the batch is
    /// on disk. The transaction runs on a blocking thread (sled may retry it on conflicts).
    pub async fn apply(&self, mut batch: Batch) -> Result<(), StoreError> {
        if let Some((key, source)) = batch.unserialisable.take() {
            return Err(StoreError::Serialise { key, source });
        }
        let on_commit = std::mem::take(&mut batch.on_commit);
        let (trees, cache) = (self.trees.clone(), self.cache.clone());
        tokio::task::spawn_blocking(move || {
            // Before: no read from here on keeps what it read; after: what was kept before
            // the write is gone, whether the write succeeded or not.
            cache.invalidate(cached_keys(&batch.ops));
            let result = Self::commit(&trees, &batch);
            cache.invalidate(cached_keys(&batch.ops));
            result
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))??;
        self.flusher.durable().await?;
        for f in on_commit {
            f();
        }
        Ok(())
    }

    /// Writes a batch's records one by one, not as one transaction, and does not wait for
    /// them to be durable (ask [`Store::durable`] once for many). For records that need no
    /// atomicity with one another, written from a thread of their own: the event log's
    /// background writer. A sled 0.34 transaction holds a process-wide write lock for its
    /// whole length (its `concurrency_control`) and every read waits for it, so a few
    /// thousand events in one transaction stalled every verification's status read for
    /// milliseconds (the p99 of `bench_http`); a plain insert takes that lock shared. A crash
    /// may keep some of the records and not others; each is whole. Blocks; callbacks
    /// (`on_commit`) are not run.
    pub fn write_each(&self, mut batch: Batch) -> Result<(), StoreError> {
        if let Some((key, source)) = batch.unserialisable.take() {
            return Err(StoreError::Serialise { key, source });
        }
        self.cache.invalidate(cached_keys(&batch.ops));
        let result = self.write_ops(&batch.ops);
        self.cache.invalidate(cached_keys(&batch.ops));
        result
    }

    fn write_ops(&self, ops: &[Op]) -> Result<(), StoreError> {
        for op in ops {
            match op {
                Op::Put(t, k, v) => {
                    self.tree(*t).insert(k.as_slice(), v.as_slice())?;
                }
                Op::PutNew(t, k, v) => {
                    if self
                        .tree(*t)
                        .compare_and_swap(k, None as Option<&[u8]>, Some(v.as_slice()))?
                        .is_err()
                    {
                        return Err(StoreError::Exists(String::from_utf8_lossy(k).into()));
                    }
                }
            }
        }
        Ok(())
    }

    /// Returns once everything written before the call is on disk (group commit: one flush
    /// serves every caller waiting when it begins).
    pub async fn durable(&self) -> Result<(), StoreError> {
        self.flusher.durable().await
    }

    fn commit(trees: &[sled::Tree], batch: &Batch) -> Result<(), StoreError> {
        let result = trees.transaction(|txs| {
            for op in &batch.ops {
                let (t, k, v, new) = match op {
                    Op::Put(t, k, v) => (t, k, v, false),
                    Op::PutNew(t, k, v) => (t, k, v, true),
                };
                let tx = &txs[t.index()];
                if new && tx.get(k)?.is_some() {
                    return Err(ConflictableTransactionError::Abort(
                        String::from_utf8_lossy(k).into_owned(),
                    ));
                }
                tx.insert(k.as_slice(), v.as_slice())?;
            }
            Ok(())
        });
        match result {
            Ok(()) => Ok(()),
            Err(TransactionError::Abort(key)) => Err(StoreError::Exists(key)),
            Err(TransactionError::Storage(e)) => Err(e.into()),
        }
    }

    /// Next value of a named counter, durable before it is returned (never reused).
    pub async fn next_counter(&self, name: &str) -> Result<u64, StoreError> {
        self.reserve_counter(name, 1).await
    }
}

impl Store {
    /// Reserves `n` consecutive values of a named counter with one flush; returns the first.
    /// Like [`Store::next_counter`], values are durable before use and never handed out twice.
    pub async fn reserve_counter(&self, name: &str, n: u64) -> Result<u64, StoreError> {
        let key = format!("counter/{name}");
        // A counter that is not 8 bytes is left as it is and refused: starting again from
        // 0 would hand out numbers (invoice numbers, list slots) a second time.
        let read = |b: Option<&[u8]>| -> Result<u64, usize> {
            match b {
                None => Ok(0),
                Some(b) => <[u8; 8]>::try_from(b)
                    .map(u64::from_be_bytes)
                    .map_err(|_| b.len()),
            }
        };
        let mut corrupt = None;
        let new = self
            .tree(Tree::Meta)
            .update_and_fetch(key.as_bytes(), |old| match read(old) {
                Ok(v) => Some((v + n).to_be_bytes().to_vec()),
                Err(len) => {
                    corrupt = Some(len);
                    old.map(<[u8]>::to_vec)
                }
            })?;
        if let Some(len) = corrupt {
            return Err(StoreError::CorruptCounter(name.into(), len));
        }
        self.flusher.durable().await?;
        let last =
            read(new.as_deref()).map_err(|len| StoreError::CorruptCounter(name.into(), len))?;
        Ok(last + 1 - n)
    }

    /// Values with keys in `start..end`, in key order, read lazily (one at a time, never the
    /// whole range in memory): a time-ordered log read for a period.
    pub fn values_in_range<T: DeserializeOwned>(
        &self,
        tree: Tree,
        start: &str,
        end: &str,
    ) -> impl Iterator<Item = Result<T, StoreError>> + use<T> {
        self.tree(tree)
            .range(start.as_bytes().to_vec()..end.as_bytes().to_vec())
            .map(|kv| {
                let (k, v) = kv?;
                crate::json::from_slice(&v).map_err(|e| {
                    StoreError::Corrupt(String::from_utf8_lossy(&k).into_owned(), e.to_string())
                })
            })
    }

    /// Up to `limit` keys under `prefix`, newest (greatest) first, strictly before `before`
    /// when given: one page of a listing whose cursor is the last key of the previous page.
    pub fn keys_page(
        &self,
        tree: Tree,
        prefix: &str,
        before: Option<&str>,
        limit: usize,
    ) -> Result<Vec<String>, StoreError> {
        let t = self.tree(tree);
        let key = |kv: sled::Result<(sled::IVec, sled::IVec)>| {
            kv.map(|(k, _)| String::from_utf8_lossy(&k).into_owned())
        };
        match before {
            // A cursor from elsewhere cannot reach outside the prefix.
            Some(b) if !b.starts_with(prefix) || b.len() == prefix.len() => Ok(vec![]),
            Some(b) => t
                .range(prefix.as_bytes()..b.as_bytes())
                .rev()
                .take(limit)
                .map(|kv| Ok(key(kv)?))
                .collect(),
            None => t
                .scan_prefix(prefix.as_bytes())
                .rev()
                .take(limit)
                .map(|kv| Ok(key(kv)?))
                .collect(),
        }
    }
}

/// A kill during sled's start-up snapshot leaves `snap.*.generating`, which makes every
/// later open fail (sled #1527, #1533). Such a file is never a finished snapshot.
/// How long `open` waits for the database's file lock before giving up.
/// sled's page cache, by default (sled's own default is 1 GiB, which a node with many
/// companies fills: RSS 615 MB after 100,000 registrations). Pages not in it are read from the
/// OS page cache. `ZT_CACHE_MB` sets another size.
const CACHE_MB: u64 = 64;

fn cache_bytes() -> Result<u64, StoreError> {
    cache_bytes_from(std::env::var("ZT_CACHE_MB").ok().as_deref())
}

fn cache_bytes_from(setting: Option<&str>) -> Result<u64, StoreError> {
    let mb = match setting {
        None => CACHE_MB,
        Some(v) => match v.trim().parse::<u64>() {
            Ok(mb) if (1..=1 << 20).contains(&mb) => mb,
            _ => return Err(StoreError::CacheSize(v.to_string())),
        },
    };
    Ok(mb * 1024 * 1024)
}

const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Opens sled, waiting a while if its file lock is still held. A `Store` that was just
/// dropped lets go of the lock only when sled's own background work has finished with it,
/// which can be a moment later (seen in CI: a reopen right after a drop failed with
/// "could not acquire lock"). Another live process holding the folder still fails, after
/// `LOCK_WAIT`, with sled's error.
fn open_waiting_for_lock(path: &Path) -> Result<sled::Db, StoreError> {
    let deadline = std::time::Instant::now() + LOCK_WAIT;
    let cache = cache_bytes()?;
    loop {
        match sled::Config::new().path(path).cache_capacity(cache).open() {
            Err(sled::Error::Io(e))
                if e.to_string().contains("could not acquire lock")
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return Ok(other?),
        }
    }
}

fn remove_unfinished_snapshots(dir: &Path) {
    let db = dir.join("db");
    let Ok(entries) = std::fs::read_dir(&db) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with("snap.") && name.ends_with(".generating") {
            tracing::warn!(file = %name, "removing unfinished sled snapshot");
            let _ = std::fs::remove_file(e.path());
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_cache_size_is_the_default_or_a_whole_number_of_megabytes() {
        assert_eq!(cache_bytes_from(None).unwrap(), CACHE_MB << 20);
        assert_eq!(cache_bytes_from(Some("16")).unwrap(), 16 << 20);
        for bad in ["", "0", "-1", "16MB", "1.5", "99999999999"] {
            let e = cache_bytes_from(Some(bad)).unwrap_err().to_string();
            assert!(e.contains("ZT_CACHE_MB"), "{bad}: {e}");
        }
    }

    use super::*;

    /// A status record read (and so kept in memory) and then written again reads as written,
    /// by a transaction and by a write of records one by one; a failed batch leaves what
    /// was there.
    #[tokio::test]
    async fn a_kept_record_reads_as_written_after_every_write() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let read = || {
            store
                .get_shared::<String>(CACHED, "c1")
                .unwrap()
                .map(|v| v.as_str().to_owned())
        };
        assert_eq!(read(), None);
        let mut b = Batch::default();
        b.put(CACHED, "c1", &"valid");
        store.apply(b).await.unwrap();
        assert_eq!(read().as_deref(), Some("valid"));
        assert_eq!(read().as_deref(), Some("valid"), "from memory");
        let mut b = Batch::default();
        b.put(CACHED, "c1", &"revoked");
        store.apply(b).await.unwrap();
        assert_eq!(read().as_deref(), Some("revoked"));
        let mut b = Batch::default();
        b.put(CACHED, "c1", &"valid again");
        store.write_each(b).unwrap();
        assert_eq!(read().as_deref(), Some("valid again"));
        // A batch that fails (its second record exists) writes neither record.
        let mut b = Batch::default();
        b.put(CACHED, "c1", &"never")
            .put_new(CACHED, "c1", &"never");
        assert!(matches!(store.apply(b).await, Err(StoreError::Exists(_))));
        assert_eq!(read().as_deref(), Some("valid again"));
    }

    /// Records written one by one are each kept; a new one over an existing key is refused
    /// (and the records before it in the batch stay: no atomicity is promised).
    #[tokio::test]
    async fn write_each_keeps_each_record_and_refuses_to_overwrite_a_new_one() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let mut b = Batch::default();
        b.put(Tree::Events, "log/a", &1u32)
            .put_new(Tree::Events, "log/b", &2u32);
        store.write_each(b).unwrap();
        store.durable().await.unwrap();
        let mut again = Batch::default();
        again
            .put(Tree::Events, "log/c", &3u32)
            .put_new(Tree::Events, "log/b", &4u32);
        assert!(matches!(store.write_each(again), Err(StoreError::Exists(k)) if k == "log/b"));
        assert_eq!(store.get::<u32>(Tree::Events, "log/a").unwrap(), Some(1));
        assert_eq!(store.get::<u32>(Tree::Events, "log/b").unwrap(), Some(2));
        assert_eq!(store.get::<u32>(Tree::Events, "log/c").unwrap(), Some(3));
    }

    #[tokio::test]
    async fn batch_is_all_or_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let mut b = Batch::default();
        b.put_new(Tree::Companies, "a", &1);
        store.apply(b).await.unwrap();
        let mut b = Batch::default();
        b.put(Tree::Credentials, "c", &2)
            .put_new(Tree::Companies, "a", &3);
        assert!(matches!(store.apply(b).await, Err(StoreError::Exists(k)) if k == "a"));
        assert_eq!(store.get::<i32>(Tree::Credentials, "c").unwrap(), None);
        assert_eq!(store.get::<i32>(Tree::Companies, "a").unwrap(), Some(1));
    }

    #[test]
    fn trees_are_listed_in_enum_order() {
        for (i, (t, _)) in TREES.iter().enumerate() {
            assert_eq!(t.index(), i, "{t:?} is out of place in TREES");
        }
    }

    /// A value that cannot be serialised refuses the batch; nothing of it is written.
    #[tokio::test]
    async fn unserialisable_value_refuses_the_batch() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        // JSON object keys must be strings: a map keyed by a tuple does not serialise.
        let bad: std::collections::HashMap<(u8, u8), u8> = [((1, 2), 3)].into();
        let mut b = Batch::default();
        b.put(Tree::Credentials, "ok", &1)
            .put(Tree::Credentials, "bad", &bad);
        let e = store.apply(b).await.unwrap_err();
        assert!(
            matches!(&e, StoreError::Serialise { key, .. } if key == "bad"),
            "{e}"
        );
        assert_eq!(store.get::<i32>(Tree::Credentials, "ok").unwrap(), None);
    }

    /// A damaged counter is refused, not restarted from zero (which would reuse numbers).
    #[tokio::test]
    async fn corrupt_counter_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.next_counter("n").await.unwrap(), 1);
        assert_eq!(store.reserve_counter("n", 3).await.unwrap(), 2);
        assert_eq!(store.next_counter("n").await.unwrap(), 5);
        store
            .tree(Tree::Meta)
            .insert("counter/n", &b"xyz"[..])
            .unwrap();
        let e = store.next_counter("n").await.unwrap_err();
        assert!(matches!(e, StoreError::CorruptCounter(_, 3)), "{e}");
        let kept = store.get_raw(Tree::Meta, "counter/n").unwrap();
        assert_eq!(kept.as_deref(), Some(&b"xyz"[..]));
    }

    /// Hundreds of writers at once each return once their write is flushed, and a flush
    /// serves many of them (group commit). With concurrent `flush_async` this hung.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn many_concurrent_writers_all_return_durable() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let writers: Vec<_> = (0..256)
            .map(|i| {
                let store = store.clone();
                tokio::spawn(async move {
                    let mut b = Batch::default();
                    b.put_new(Tree::Companies, &format!("c{i}"), &i);
                    store.apply(b).await.unwrap();
                    store.next_counter("n").await.unwrap()
                })
            })
            .collect();
        let all = async {
            let mut got = Vec::new();
            for w in writers {
                got.push(w.await.unwrap());
            }
            got
        };
        let mut got = tokio::time::timeout(std::time::Duration::from_secs(30), all)
            .await
            .expect("writers hung");
        got.sort();
        assert_eq!(
            got,
            (1..=256).collect::<Vec<u64>>(),
            "counter values are unique"
        );
        drop(store);
        let store = Store::open(dir.path()).unwrap();
        for i in 0..256 {
            assert_eq!(
                store.get::<i32>(Tree::Companies, &format!("c{i}")).unwrap(),
                Some(i)
            );
        }
    }

    #[test]
    fn open_waits_for_a_lock_that_is_being_let_go() {
        let dir = tempfile::tempdir().unwrap();
        let held = Store::open(dir.path()).unwrap();
        let path = dir.path().to_path_buf();
        let second = std::thread::spawn(move || Store::open(&path).map(|_| ()));
        std::thread::sleep(std::time::Duration::from_millis(300));
        assert!(
            !second.is_finished(),
            "the second open waits while the lock is held"
        );
        drop(held);
        second
            .join()
            .unwrap()
            .expect("opens once the first store let go");
    }

    #[tokio::test]
    async fn survives_a_planted_unfinished_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open(dir.path()).unwrap();
            let mut b = Batch::default();
            b.put(Tree::Meta, "k", &"v");
            store.apply(b).await.unwrap();
        }
        std::fs::write(
            dir.path().join("db/snap.00000000000000A0.generating"),
            b"trunc",
        )
        .unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(
            store.get::<String>(Tree::Meta, "k").unwrap().as_deref(),
            Some("v")
        );
        assert_eq!(store.next_counter("x").await.unwrap(), 1);
        assert_eq!(store.next_counter("x").await.unwrap(), 2);
    }

    #[tokio::test]
    async fn pages_newest_first_and_reserved_counters() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let mut b = Batch::default();
        for k in ["a/1", "a/2", "a/3", "b/1", "a0"] {
            b.put(Tree::Index, k, &());
        }
        store.apply(b).await.unwrap();
        let page = |before, n| store.keys_page(Tree::Index, "a/", before, n).unwrap();
        assert_eq!(page(None, 2), ["a/3", "a/2"]);
        assert_eq!(page(Some("a/2"), 2), ["a/1"]);
        assert!(page(Some("a/1"), 2).is_empty());
        assert!(page(Some("b/9"), 2).is_empty());
        assert!(page(Some("a/"), 2).is_empty());
        assert_eq!(store.reserve_counter("r", 3).await.unwrap(), 1);
        assert_eq!(store.next_counter("r").await.unwrap(), 4);
        assert_eq!(store.reserve_counter("r", 2).await.unwrap(), 5);
        assert_eq!(Tree::all().count(), TREES.len());
    }
}
