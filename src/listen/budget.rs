//! The memory held by large answers (a sealed PDF, up to 20 MiB) while they are sent: at
//! most a budget in all. When a new one would go over it, the connections of the oldest
//! ones still sending (slow readers, as a rule) are ended to make room; the new answer is
//! never refused, since its work (a sealing) is already done and recorded.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::slots::Conn;

/// Answers at least this large count against the budget.
pub const LARGE: u64 = 1024 * 1024;

pub struct Budget {
    limit: u64,
    held: Mutex<Vec<Entry>>,
    next_id: AtomicU64,
}

struct Entry {
    id: u64,
    bytes: u64,
    conn: Arc<Conn>,
    /// Its connection was told to end; its bytes no longer count.
    cut: bool,
}

/// A large answer's share of the budget, given back when the answer is dropped.
pub struct Held {
    budget: Arc<Budget>,
    id: u64,
}

impl Budget {
    pub fn new(limit_bytes: u64) -> Arc<Self> {
        Arc::new(Budget {
            limit: limit_bytes.max(LARGE),
            held: Mutex::default(),
            next_id: AtomicU64::new(0),
        })
    }

    /// Counts `bytes` of an answer on `conn`; ends older answers' connections while the
    /// total is over the budget.
    pub fn hold(self: &Arc<Self>, bytes: u64, conn: &Arc<Conn>) -> Held {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        held.push(Entry {
            id,
            bytes,
            conn: conn.clone(),
            cut: false,
        });
        let mut total: u64 = held.iter().filter(|e| !e.cut).map(|e| e.bytes).sum();
        // Oldest first (entries are in the order they came); never the new one itself.
        for e in held.iter_mut() {
            if total <= self.limit || e.id == id {
                break;
            }
            if e.cut {
                continue;
            }
            e.cut = true;
            total -= e.bytes;
            e.conn.cut.notify_one();
            tracing::debug!(
                bytes = e.bytes,
                "large answers over their memory budget: the oldest one's connection ended"
            );
        }
        Held {
            budget: self.clone(),
            id,
        }
    }

    #[cfg(test)]
    fn counted(&self) -> u64 {
        let held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        held.iter().filter(|e| !e.cut).map(|e| e.bytes).sum()
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let mut held = self.budget.held.lock().unwrap_or_else(|p| p.into_inner());
        held.retain(|e| e.id != self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::listen::slots::Slots;
    use std::time::Duration;

    #[tokio::test]
    async fn the_oldest_answers_are_cut_to_stay_within_the_budget() {
        let slots = Slots::new(None, Duration::from_secs(1));
        let conns: Vec<_> = (1..=4)
            .map(|i| {
                slots
                    .admit(&format!("10.0.0.{i}:1").parse().unwrap())
                    .unwrap()
            })
            .collect();
        let budget = Budget::new(20 * LARGE);
        let _a = budget.hold(8 * LARGE, &conns[0].conn);
        let b = budget.hold(8 * LARGE, &conns[1].conn);
        assert_eq!(budget.counted(), 16 * LARGE);
        // A third 8 MiB answer: the first one's connection is told to end.
        let _c = budget.hold(8 * LARGE, &conns[2].conn);
        assert_eq!(budget.counted(), 16 * LARGE);
        let told = |i: usize| {
            tokio::time::timeout(Duration::from_millis(10), conns[i].conn.cut.notified())
        };
        assert!(told(0).await.is_ok());
        assert!(told(1).await.is_err());
        // One sent: room again without cutting anyone.
        drop(b);
        let _d = budget.hold(8 * LARGE, &conns[3].conn);
        assert!(told(2).await.is_err());
        // One larger than the whole budget is still sent (alone).
        let _e = budget.hold(30 * LARGE, &conns[3].conn);
        assert!(told(2).await.is_ok());
        assert_eq!(budget.counted(), 30 * LARGE);
    }
}
