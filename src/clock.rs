//! The clock, injected: services ask it for "now" instead of calling `Utc::now()`, so tests
//! set time instead of sleeping.
//!
//! [`Clock::system`] is the wall clock. [`Clock::fixed`] and [`Clock::advance`] serve
//! in-process tests. A test that runs the real binary sets `ZT_TEST_CLOCK_FILE` (honoured
//! **only in debug builds or with the `fault-injection` feature**, like `ZT_FAULT_INJECT`):
//! the file holds a number of seconds added to the wall clock, re-read at every reading (a
//! modification time can miss a rewrite within the same tick), so the test moves the server's
//! time forward by rewriting it.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, Utc};

#[derive(Clone)]
pub struct Clock(Arc<Source>);

enum Source {
    System,
    /// Wall clock plus an offset in milliseconds that tests move.
    Offset(AtomicI64),
    /// Wall clock plus the offset in seconds written in a file (made only in debug builds or
    /// with the `fault-injection` feature).
    #[cfg_attr(
        not(any(debug_assertions, feature = "fault-injection")),
        allow(dead_code)
    )]
    File(FileOffset),
}

struct FileOffset {
    path: PathBuf,
    /// The offset in ms last read, kept while the file is missing or half-written.
    cached: std::sync::Mutex<i64>,
}

impl Default for Clock {
    fn default() -> Self {
        Clock::system()
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &*self.0 {
            Source::System => f.write_str("Clock::system"),
            Source::Offset(ms) => write!(f, "Clock::offset({} ms)", ms.load(Ordering::SeqCst)),
            Source::File(o) => write!(f, "Clock::file({})", o.path.display()),
        }
    }
}

impl Clock {
    pub fn system() -> Self {
        Clock(Arc::new(Source::System))
    }

    /// A clock standing at `at` until [`Clock::advance`] or [`Clock::set`] moves it (it also
    /// moves with the wall clock, so elapsed-time measurements stay positive).
    pub fn fixed(at: DateTime<Utc>) -> Self {
        let offset = (at - Utc::now()).num_milliseconds();
        Clock(Arc::new(Source::Offset(AtomicI64::new(offset))))
    }

    /// The system clock, or the test clock file named by `ZT_TEST_CLOCK_FILE` (debug builds
    /// and the `fault-injection` feature only).
    pub fn from_env() -> Self {
        #[cfg(any(debug_assertions, feature = "fault-injection"))]
        if let Some(path) = std::env::var_os("ZT_TEST_CLOCK_FILE") {
            tracing::warn!(path = ?path, "TEST CLOCK is on (ZT_TEST_CLOCK_FILE): for tests only");
            return Clock(Arc::new(Source::File(FileOffset {
                path: path.into(),
                cached: std::sync::Mutex::new(0),
            })));
        }
        Clock::system()
    }

    pub fn now(&self) -> DateTime<Utc> {
        match &*self.0 {
            Source::System => Utc::now(),
            Source::Offset(ms) => Utc::now() + Duration::milliseconds(ms.load(Ordering::SeqCst)),
            Source::File(f) => Utc::now() + Duration::milliseconds(f.offset_ms()),
        }
    }

    /// Moves a test clock forward (or back, with a negative duration). No effect on the
    /// system clock.
    pub fn advance(&self, by: Duration) {
        if let Source::Offset(ms) = &*self.0 {
            ms.fetch_add(by.num_milliseconds(), Ordering::SeqCst);
        }
    }

    /// Sets a test clock to `at`.
    pub fn set(&self, at: DateTime<Utc>) {
        if let Source::Offset(ms) = &*self.0 {
            ms.store((at - Utc::now()).num_milliseconds(), Ordering::SeqCst);
        }
    }
}

impl FileOffset {
    /// The offset in the file; a missing or malformed file keeps the last good value (and
    /// is logged), so a test that writes it half-way sees the old or the new value, never a
    /// panic.
    fn offset_ms(&self) -> i64 {
        let mut cached = self.cached.lock().unwrap_or_else(|e| e.into_inner());
        match std::fs::read_to_string(&self.path).map(|s| s.trim().parse::<f64>()) {
            Ok(Ok(s)) => *cached = (s * 1000.0) as i64,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            _ => tracing::warn!(path = %self.path.display(), "test clock file unreadable"),
        }
        *cached
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_test_clock_moves_only_when_told() {
        let at = DateTime::parse_from_rfc3339("2030-01-01T00:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .expect("a valid time");
        let c = Clock::fixed(at);
        assert!((c.now() - at).num_seconds().abs() <= 1);
        c.advance(Duration::hours(2));
        assert!((c.now() - at - Duration::hours(2)).num_seconds().abs() <= 1);
        let system = Clock::system();
        system.advance(Duration::hours(2));
        assert!((system.now() - Utc::now()).num_seconds().abs() <= 1);
    }

    #[test]
    fn the_clock_file_moves_a_running_clock() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let path = dir.path().join("clock");
        let c = Clock(Arc::new(Source::File(FileOffset {
            path: path.clone(),
            cached: std::sync::Mutex::new(0),
        })));
        assert!(
            (c.now() - Utc::now()).num_seconds().abs() <= 1,
            "no file: no offset"
        );
        std::fs::write(&path, "3600").expect("write the clock file");
        assert!(
            (c.now() - Utc::now() - Duration::hours(1))
                .num_seconds()
                .abs()
                <= 1
        );
        std::fs::write(&path, "not a number at all").expect("write the clock file");
        assert!(
            (c.now() - Utc::now() - Duration::hours(1))
                .num_seconds()
                .abs()
                <= 1
        );
    }
}
