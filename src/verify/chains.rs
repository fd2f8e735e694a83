//! Chain results for certificates not in the trust store (a seal's own certificate, carried
//! in `x5c`), cached by the SHA-256 of the chain's DER and the role, so a seal validated
//! again costs one hash. Bounded: when full, the cache starts over.

use std::sync::Arc;

use ring::digest::{Context, SHA256};

use super::bounded::Bounded;
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

/// Chain results by [`chain_digest`].
pub struct ChainCache(Bounded<ChainKey, ChainResult>);

impl Default for ChainCache {
    fn default() -> Self {
        ChainCache(Bounded::new(CAPACITY))
    }
}

impl ChainCache {
    pub fn get(&self, key: &ChainKey) -> Option<ChainResult> {
        self.0.get(key)
    }

    pub fn put(&self, key: ChainKey, result: ChainResult) {
        self.0.put(key, result)
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
        assert!(cache.0.len() <= CAPACITY);
        let k = chain_digest(&[vec![1]], Role::SealSigner);
        cache.put(k, Err(ChainError::NoSigningCertificate));
        assert_eq!(
            cache.get(&k).unwrap().unwrap_err(),
            ChainError::NoSigningCertificate
        );
        assert_ne!(k, chain_digest(&[vec![1]], Role::LicenceIssuer));
    }
}
