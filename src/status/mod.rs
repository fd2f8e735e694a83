//! Token Status Lists (draft-ietf-oauth-status-list): the bitstring ([`bits`]), the index
//! order that spreads a company's credentials over a list, and the `status` claim.
//! Signed lists are published by `http::status` (`GET /v1/status-lists/{n}`); other
//! regions' lists are fetched and cached by `verify::remote`.

pub mod bits;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Entries per status list: large enough that a list reveals nothing about one company.
pub const LIST_SIZE: u32 = bits::MIN_LIST_SIZE;

/// Where a credential's status lives: list number and index in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusRef {
    pub list: u32,
    pub idx: u32,
}

impl StatusRef {
    /// The `status` claim of a credential (draft-ietf-oauth-status-list).
    pub fn claim(&self, base_url: &str) -> Value {
        json!({ "status_list": { "idx": self.idx, "uri": list_uri(base_url, self.list) } })
    }
}

pub fn list_uri(base_url: &str, list: u32) -> String {
    format!("{}/v1/status-lists/{list}", base_url.trim_end_matches('/'))
}
