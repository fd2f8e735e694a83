//! Chain results for certificates not in the trust store (a seal's own certificate, carried
//! in `x5c`), cached by the SHA-256 of the chain's DER and the role, so a seal validated
//! again costs one hash. Bounded: when full, the cache starts over.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use ring::digest::{Context, SHA256};

use crate::pki::{ChainError, Role, TrustedCert};

/// At most this many chains are remembered.
const CAPACITY: usize = 4096;

pub type ChainKey = [u8; 32];
type ChainResult = Result<Arc<TrustedCert>, ChainError>;

/// SHA-256 over the role and each certificate's length and DER.
pub fn chain_digest(x5c: &[Vec<u8>], role: Role) -> ChainKey {
    let mut ctx = Context::new(&SHA256);
    ctx.update(role.oid_der());
    for der in x5c {
        ctx.update(&(der.len() as u64).to_be_bytes());
        ctx.update(der);
    }
    let mut key = [0u8; 32];
    key.copy_from_slice(ctx.finish().as_ref());
    key
}

#[derive(Default)]
pub struct ChainCache(Mutex<HashMap<ChainKey, ChainResult>>);

impl ChainCache {
    pub fn get(&self, key: &ChainKey) -> Option<ChainResult> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .cloned()
    }

    pub fn put(&self, key: ChainKey, result: ChainResult) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= CAPACITY {
            map.clear();
        }
        map.insert(key, result);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stays_bounded() {
        let cache = ChainCache::default();
        for i in 0..(CAPACITY + 10) as u64 {
            cache.put(
                chain_digest(&[i.to_be_bytes().to_vec()], Role::SealSigner),
                Err(ChainError::UnreadableX5c),
            );
        }
        assert!(cache.0.lock().unwrap().len() <= CAPACITY);
        let k = chain_digest(&[vec![1]], Role::SealSigner);
        cache.put(k, Err(ChainError::NoSigningCertificate));
        assert_eq!(
            cache.get(&k).unwrap().unwrap_err(),
            ChainError::NoSigningCertificate
        );
        assert_ne!(k, chain_digest(&[vec![1]], Role::LicenceIssuer));
    }
}
