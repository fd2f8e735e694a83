//! Online invoice checks (查验): as on the national platform, one invoice may be checked
//! online a limited number of times per UTC day. Offline verification is not counted.
//!
//! Counts are durable: `Meta` holds `check/<credential id>` → `{"day", "count"}`, written
//! (and flushed) before the check is answered, so a restart does not reset them. One key per
//! invoice ever checked online, overwritten when a new day begins: old days need no pruning.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::store::{Batch, Store, StoreError, Tree};

pub const DEFAULT_PER_DAY: u32 = 5;

#[derive(Serialize, Deserialize)]
struct DayCount {
    day: NaiveDate,
    count: u32,
}

/// Why a check was not counted.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// Today's checks are used up: seconds until the next UTC day.
    #[error("the daily limit is reached; retry in {0} s")]
    Limit(u64),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub struct CheckLimiter {
    store: Store,
    per_day: u32,
    /// Serialises the read-count-write of a check (no two checks counted as one).
    lock: tokio::sync::Mutex<()>,
}

fn key(credential_id: &str) -> String {
    format!("check/{credential_id}")
}

impl CheckLimiter {
    pub fn new(store: Store, per_day: u32) -> Self {
        CheckLimiter {
            store,
            per_day,
            lock: tokio::sync::Mutex::new(()),
        }
    }

    pub fn per_day(&self) -> u32 {
        self.per_day
    }

    /// Counts one online check of invoice `credential_id` at `now`: `Ok(checks left today)`,
    /// or `Err(Limit(seconds until the next UTC day))` once today's checks are used up.
    pub async fn check(&self, credential_id: &str, now: DateTime<Utc>) -> Result<u32, CheckError> {
        let today = now.date_naive();
        let _guard = self.lock.lock().await;
        let used = match self
            .store
            .get::<DayCount>(Tree::Meta, &key(credential_id))?
        {
            Some(c) if c.day == today => c.count,
            _ => 0,
        };
        if used >= self.per_day {
            let midnight = (today + Duration::days(1))
                .and_hms_opt(0, 0, 0)
                .map(|t| t.and_utc())
                .unwrap_or(now);
            return Err(CheckError::Limit(
                (midnight - now).num_seconds().max(1) as u64
            ));
        }
        let mut b = Batch::default();
        b.put(
            Tree::Meta,
            &key(credential_id),
            &DayCount {
                day: today,
                count: used + 1,
            },
        );
        self.store.apply(b).await?;
        Ok(self.per_day - used - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[tokio::test]
    async fn five_a_day_then_retry_after_midnight_and_kept_across_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let t = Utc.with_ymd_and_hms(2026, 3, 1, 23, 59, 0).unwrap();
        {
            let l = CheckLimiter::new(Store::open(dir.path()).unwrap(), 5);
            for left in (1..5).rev() {
                assert_eq!(l.check("a", t).await.unwrap(), left);
            }
        }
        let l = CheckLimiter::new(Store::open(dir.path()).unwrap(), 5);
        assert_eq!(l.check("a", t).await.unwrap(), 0);
        assert!(matches!(l.check("a", t).await, Err(CheckError::Limit(60))));
        assert_eq!(l.check("b", t).await.unwrap(), 4);
        let next = t + Duration::seconds(60);
        assert_eq!(l.check("a", next).await.unwrap(), 4);
    }
}
