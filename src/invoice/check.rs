//! Online invoice checks (查验): as on the national platform, one invoice may be checked
//! online a limited number of times per UTC day. Offline verification is not counted.
//! Counts are kept in memory: a restart forgets them, which errs on the side of the checker.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, NaiveDate, Utc};

pub const DEFAULT_PER_DAY: u32 = 5;

pub struct CheckLimiter {
    per_day: u32,
    /// The day being counted and, for it, online checks per credential id.
    counts: Mutex<(NaiveDate, HashMap<String, u32>)>,
}

impl CheckLimiter {
    pub fn new(per_day: u32) -> Self {
        CheckLimiter {
            per_day,
            counts: Mutex::new((NaiveDate::MIN, HashMap::new())),
        }
    }

    pub fn per_day(&self) -> u32 {
        self.per_day
    }

    /// Counts one online check of invoice `credential_id` at `now`: `Ok(checks left today)`,
    /// or `Err(seconds until the next UTC day)` once today's checks are used up.
    pub fn check(&self, credential_id: &str, now: DateTime<Utc>) -> Result<u32, u64> {
        let today = now.date_naive();
        let mut guard = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        let (day, counts) = &mut *guard;
        if *day != today {
            *day = today;
            counts.clear();
        }
        let n = counts.entry(credential_id.to_string()).or_insert(0);
        if *n >= self.per_day {
            let midnight = (today + Duration::days(1))
                .and_hms_opt(0, 0, 0)
                .map(|t| t.and_utc())
                .unwrap_or(now);
            return Err((midnight - now).num_seconds().max(1) as u64);
        }
        *n += 1;
        Ok(self.per_day - *n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn five_a_day_then_retry_after_midnight() {
        let l = CheckLimiter::new(5);
        let t = Utc.with_ymd_and_hms(2026, 3, 1, 23, 59, 0).unwrap();
        for left in (0..5).rev() {
            assert_eq!(l.check("a", t), Ok(left));
        }
        assert_eq!(l.check("a", t), Err(60));
        assert_eq!(l.check("b", t), Ok(4));
        let next = t + Duration::seconds(60);
        assert_eq!(l.check("a", next), Ok(4));
    }
}
