//! What one validation may spend on untrusted bytes: value nodes parsed, bytes
//! decompressed, cross-reference sections, signatures, and wall time. Over any of them the
//! document is refused (never partly read).

use std::time::{Duration, Instant};

use super::ReadError;

/// Limits for one document.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Parsed values (numbers, names, strings, array and dictionary nodes) in all revisions.
    pub values: u64,
    /// Bytes produced by decompressing streams (object and cross-reference streams), in all.
    pub inflated: u64,
    /// Nesting of arrays and dictionaries in one object.
    pub depth: usize,
    /// Cross-reference sections (revisions, roughly).
    pub sections: usize,
    /// Objects named by the cross-reference sections, in all.
    pub entries: u64,
    /// Signature fields validated.
    pub signatures: usize,
    /// Wall time for reading and analysing (the CMS checks included).
    pub time: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            values: 2_000_000,
            inflated: 64 * 1024 * 1024,
            depth: 64,
            sections: 256,
            entries: 500_000,
            signatures: 32,
            time: Duration::from_secs(10),
        }
    }
}

/// The running account against [`Limits`].
#[derive(Debug)]
pub struct Budget {
    pub limits: Limits,
    values: u64,
    inflated: u64,
    entries: u64,
    deadline: Instant,
}

impl Budget {
    pub fn new(limits: Limits) -> Self {
        Budget {
            limits,
            values: 0,
            inflated: 0,
            entries: 0,
            deadline: Instant::now() + limits.time,
        }
    }

    /// One more parsed value; every 4096 also checks the clock.
    pub fn value(&mut self) -> Result<(), ReadError> {
        self.values += 1;
        if self.values > self.limits.values {
            return Err(ReadError::OverBudget("values parsed"));
        }
        if self.values.is_multiple_of(4096) {
            self.time()?;
        }
        Ok(())
    }

    pub fn inflate(&mut self, bytes: u64) -> Result<(), ReadError> {
        self.inflated += bytes;
        if self.inflated > self.limits.inflated {
            return Err(ReadError::OverBudget("bytes decompressed"));
        }
        Ok(())
    }

    /// What may still be decompressed.
    pub fn inflate_left(&self) -> u64 {
        self.limits.inflated.saturating_sub(self.inflated)
    }

    pub fn entries(&mut self, n: u64) -> Result<(), ReadError> {
        self.entries += n;
        if self.entries > self.limits.entries {
            return Err(ReadError::OverBudget("cross-reference entries"));
        }
        Ok(())
    }

    pub fn time(&self) -> Result<(), ReadError> {
        if Instant::now() > self.deadline {
            return Err(ReadError::OverBudget("time"));
        }
        Ok(())
    }
}
