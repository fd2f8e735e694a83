//! A small bounded memo shared by the verifier's caches: when full, it starts over (the
//! entries are cheap to recompute and a verifier sees few distinct keys; no LRU needed).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;

pub struct Bounded<K, V> {
    map: Mutex<HashMap<K, V>>,
    capacity: usize,
}

impl<K: Eq + Hash, V: Clone> Bounded<K, V> {
    pub fn new(capacity: usize) -> Self {
        Bounded {
            map: Mutex::new(HashMap::new()),
            capacity,
        }
    }

    pub fn get(&self, key: &K) -> Option<V> {
        self.map
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .cloned()
    }

    pub fn put(&self, key: K, value: V) {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= self.capacity {
            map.clear();
        }
        map.insert(key, value);
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.map.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stays_bounded_and_answers_what_it_holds() {
        let cache = Bounded::new(8);
        for i in 0..20u32 {
            cache.put(i, i * 2);
            assert!(cache.len() <= 8);
        }
        assert_eq!(cache.get(&19), Some(38));
        assert_eq!(cache.get(&0), None);
    }
}
