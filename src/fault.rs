//! Fault injection for tests: named steps where issuance can be made to fail on purpose, to
//! prove that a failure anywhere in a start-up bundle leaves nothing behind.
//!
//! The hook is an `Arc<dyn Fn(&str) -> bool>` held by the wallet; code that can fail for real
//! (making a key, signing a certificate, writing the batch) asks it first. In-process tests set
//! any closure with [`Faults::new`]. The server reads `ZT_FAULT_INJECT` at start, **only in
//! debug builds or when built with `--features fault-injection`**; a release build without
//! the feature ignores the variable. Its syntax is `step[#n][,step[#n]…]`: the n-th arrival
//! (default the first) at `step` fails, once, so a retry in the same process succeeds.
//!
//! Steps: `licence.holder_key`, `licence.sign`, `filing.sign` (one per seal: `#2` is the
//! second seal), `eseal.key`, `eseal.certificate`, `invoicing_rights.sign`, `bundle.write`
//! (the bundle's batch aborts inside the sled transaction after staging every other write).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

/// A failure injected at a named step (test-only); converted upward into the caller's error.
#[derive(Debug, thiserror::Error)]
#[error("injected fault at {step}")]
pub struct FaultError {
    pub step: String,
}

type Hook = Arc<dyn Fn(&str) -> bool + Send + Sync>;

#[derive(Clone, Default)]
pub struct Faults(Option<Hook>);

impl Faults {
    pub fn none() -> Self {
        Faults(None)
    }

    /// A hook that says, for each step reached, whether it fails now.
    pub fn new(hook: impl Fn(&str) -> bool + Send + Sync + 'static) -> Self {
        Faults(Some(Arc::new(hook)))
    }

    /// `step[#n],…`: the n-th arrival at each step fails, once.
    pub fn from_spec(spec: &str) -> Self {
        let rules: Vec<(String, u32, AtomicU32)> = spec
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| match s.split_once('#') {
                Some((step, n)) => (step.to_string(), n.parse().unwrap_or(1), AtomicU32::new(0)),
                None => (s.to_string(), 1, AtomicU32::new(0)),
            })
            .collect();
        if rules.is_empty() {
            return Faults::none();
        }
        Faults::new(move |step| {
            rules
                .iter()
                .filter(|(s, _, _)| s == step)
                .any(|(_, n, seen)| seen.fetch_add(1, Ordering::SeqCst) + 1 == *n)
        })
    }

    /// `ZT_FAULT_INJECT`, in debug builds and with the `fault-injection` feature only.
    pub fn from_env() -> Self {
        #[cfg(any(debug_assertions, feature = "fault-injection"))]
        if let Ok(spec) = std::env::var("ZT_FAULT_INJECT") {
            tracing::warn!(spec = %spec, "FAULT INJECTION is on (ZT_FAULT_INJECT): for tests only");
            return Faults::from_spec(&spec);
        }
        Faults::none()
    }

    /// Whether `step` fails now.
    pub fn hit(&self, step: &str) -> bool {
        self.0.as_ref().is_some_and(|h| h(step))
    }

    /// An error if `step` fails now: what a real failure at that step looks like.
    pub fn check(&self, step: &str) -> Result<(), FaultError> {
        if self.hit(step) {
            tracing::warn!(step, "injected fault");
            return Err(FaultError { step: step.into() });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nth_arrival_fails_once() {
        let f = Faults::from_spec("a, b#2");
        assert!(f.hit("a"));
        assert!(!f.hit("a"));
        assert!(!f.hit("b"));
        assert!(f.hit("b"));
        assert!(!f.hit("b"));
        assert!(!f.hit("c"));
        assert!(!Faults::from_spec("").hit("a"));
        assert!(!Faults::none().hit("a"));
        assert!(Faults::new(|s| s == "x").check("x").is_err());
    }
}
