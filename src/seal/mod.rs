//! Seals: templates and their canonical image, police filings, e-seals, document sealing.

pub mod template;
