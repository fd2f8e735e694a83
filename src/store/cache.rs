//! Decoded records of one tree kept in memory: what every online verification reads (a
//! credential's status) without a sled lookup and a JSON decode each time.
//!
//! The store is its only writer, so it invalidates: every write of a cached tree removes the
//! keys it touches, once before the write and once after it (whether or not it succeeded).
//! A read that misses notes the generation before it reads sled and keeps what it read only
//! if no write has begun or ended since; otherwise a read that saw the old record could put
//! it back after the write removed it, and a revocation would not be seen.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// More entries than this and the cache starts again empty: a bound on memory that costs
/// each verification nothing (no recency to keep).
const MAX_ENTRIES: usize = 100_000;

type Entry = Arc<dyn Any + Send + Sync>;

#[derive(Default)]
pub(crate) struct ReadCache {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// Counts the invalidations: a miss keeps what it read only if this has not moved.
    generation: u64,
    entries: HashMap<Box<[u8]>, Entry>,
}

impl ReadCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // The map is consistent at every step (no panic while it is half-changed).
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The record under `key`, if cached and of type `T`; else the generation to pass to
    /// [`ReadCache::fill`] after reading it.
    pub(crate) fn get<T: Send + Sync + 'static>(&self, key: &[u8]) -> Result<Arc<T>, u64> {
        let inner = self.lock();
        match inner.entries.get(key).cloned().map(Arc::downcast::<T>) {
            Some(Ok(v)) => Ok(v),
            _ => Err(inner.generation),
        }
    }

    /// Keeps `value`, read after [`ReadCache::get`] returned `generation`, unless a write
    /// began or ended since.
    pub(crate) fn fill<T: Send + Sync + 'static>(
        &self,
        generation: u64,
        key: &[u8],
        value: Arc<T>,
    ) {
        let mut inner = self.lock();
        if inner.generation != generation {
            return;
        }
        if inner.entries.len() >= MAX_ENTRIES {
            inner.entries.clear();
        }
        inner.entries.insert(key.into(), value);
    }

    /// Forgets `keys` (a write of them begins or has ended). No keys, nothing to do: the
    /// event log's writes, which touch no cached tree, do not make every miss start over.
    pub(crate) fn invalidate<'k>(&self, keys: impl Iterator<Item = &'k [u8]>) {
        let mut keys = keys.peekable();
        if keys.peek().is_none() {
            return;
        }
        let mut inner = self.lock();
        inner.generation += 1;
        for k in keys {
            inner.entries.remove(k);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_that_raced_a_write_is_not_kept() {
        let cache = ReadCache::default();
        let g = cache.get::<u32>(b"k").expect_err("empty");
        // A write begins (and ends) after the read noted its generation but before it filled.
        cache.invalidate([b"k".as_slice()].into_iter());
        cache.fill(g, b"k", Arc::new(1u32));
        assert!(cache.get::<u32>(b"k").is_err(), "the old record came back");
        let g = cache.get::<u32>(b"k").expect_err("empty");
        cache.fill(g, b"k", Arc::new(2u32));
        assert_eq!(*cache.get::<u32>(b"k").expect("kept"), 2);
    }

    #[test]
    fn a_write_forgets_its_keys_and_only_those() {
        let cache = ReadCache::default();
        for (k, v) in [(b"a", 1u32), (b"b", 2)] {
            let g = cache.get::<u32>(k).expect_err("empty");
            cache.fill(g, k, Arc::new(v));
        }
        cache.invalidate([b"a".as_slice()].into_iter());
        assert!(cache.get::<u32>(b"a").is_err());
        assert_eq!(*cache.get::<u32>(b"b").expect("kept"), 2);
        // Another type under the same key is a miss, not a wrong answer.
        assert!(cache.get::<String>(b"b").is_err());
    }
}
