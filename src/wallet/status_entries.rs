//! Status-list entries (draft-ietf-oauth-status-list): which entry a new credential gets
//! (the durable counter `status-entries`, handed out in a keyed pseudo-random order) and the
//! bits of each list (tree `StatusLists`, by list number).

use serde_json::Value;

use super::{STATUS_BLOCK, Wallet, WalletError};
use crate::status::bits::{IndexAllocator, StatusBits};
use crate::status::{LIST_SIZE, StatusRef};
use crate::store::{Batch, Tree};

const COUNTER: &str = "status-entries";

impl Wallet {
    /// A fresh status-list entry for a new credential. Entries are handed out in a keyed
    /// pseudo-random order, so neighbouring indices say nothing about who holds them; the
    /// counter is durable before it is used, so an entry is never handed out twice.
    pub async fn allocate_status(&self) -> Result<StatusRef, WalletError> {
        let n = self.store.next_counter(COUNTER).await? - 1;
        self.status_ref(n)
    }

    /// The `n`-th status-list entry (0-based) in the keyed pseudo-random order.
    fn status_ref(&self, n: u64) -> Result<StatusRef, WalletError> {
        let list = (n / LIST_SIZE as u64) as u32 + 1;
        let allocator = IndexAllocator::new(
            self.master.derive(&format!("status-list/{list}")),
            LIST_SIZE,
        )
        .map_err(|e| WalletError::StatusAllocator(e.to_string()))?;
        let idx = allocator
            .index_for(n % LIST_SIZE as u64)
            .ok_or_else(|| WalletError::StatusListFull)?;
        Ok(StatusRef { list, idx })
    }

    /// `n` status claims at once (a bundle's credentials), from a block reserved durably
    /// beforehand. Entries drawn for a bundle that then fails stay unused: like a torn-off
    /// ticket, never handed out again.
    pub async fn status_claims(&self, n: usize) -> Result<Vec<(StatusRef, Value)>, WalletError> {
        let n = n as u64;
        let take = |pool: &mut std::ops::Range<u64>| {
            (pool.end - pool.start >= n).then(|| {
                let first = pool.start;
                pool.start += n;
                first
            })
        };
        let pooled = take(&mut self.status_pool.lock().unwrap_or_else(|p| p.into_inner()));
        let first = match pooled {
            Some(first) => first,
            None => {
                // A fresh block, durable before use; what was left of the old one is burnt.
                let block = STATUS_BLOCK.max(n);
                let start = self.store.reserve_counter(COUNTER, block).await? - 1;
                let mut pool = self.status_pool.lock().unwrap_or_else(|p| p.into_inner());
                *pool = start..start + block;
                take(&mut pool).unwrap_or(start)
            }
        };
        (first..first + n)
            .map(|i| {
                let r = self.status_ref(i)?;
                Ok((r, r.claim(&self.public_url)))
            })
            .collect()
    }

    /// The `status` claim for a new credential, and where it points.
    pub async fn status_claim(&self) -> Result<(StatusRef, Value), WalletError> {
        let r = self.allocate_status().await?;
        Ok((r, r.claim(&self.public_url)))
    }

    /// A status list's current bits (all valid if never written).
    pub fn status_bits(&self, list: u32) -> Result<StatusBits, WalletError> {
        let len = LIST_SIZE as usize;
        match self.store.get_raw(Tree::StatusLists, &list.to_string())? {
            None => Ok(StatusBits::new(len)),
            Some(bytes) => StatusBits::from_bytes(len, bytes).ok_or_else(|| {
                WalletError::CorruptRecord(format!(
                    "status list {list} is stored with the wrong length"
                ))
            }),
        }
    }

    /// How many status lists this node has handed entries out of.
    pub fn status_list_count(&self) -> Result<u32, WalletError> {
        let used: Option<Vec<u8>> = self
            .store
            .get_raw(Tree::Meta, &format!("counter/{COUNTER}"))?;
        let n = used
            .and_then(|b| <[u8; 8]>::try_from(b).ok())
            .map(u64::from_be_bytes)
            .unwrap_or(0);
        Ok((n.div_ceil(LIST_SIZE as u64)).max(1) as u32)
    }
}

/// Adds the changed bits of `list` to `batch`.
pub(super) fn put_bits(batch: &mut Batch, list: u32, bits: &StatusBits) {
    batch.put_raw(Tree::StatusLists, &list.to_string(), bits.to_bytes());
}
