//! Bearer tokens: random, shown once, stored only as SHA-256 hashes.

use chrono::{DateTime, Utc};
use ring::digest::{SHA256, digest};
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};

use crate::domain::Uscc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccessRole {
    Admin,
    Authority,
    Police,
    Tax,
    Partner,
    /// A company's wallet token; the record names the company.
    Company,
}

impl AccessRole {
    /// Roles an admin may hand out with `POST /v1/tokens`.
    pub fn parse_grantable(s: &str) -> Option<Self> {
        match s {
            "authority" => Some(AccessRole::Authority),
            "police" => Some(AccessRole::Police),
            "tax" => Some(AccessRole::Tax),
            "partner" => Some(AccessRole::Partner),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenRecord {
    pub role: AccessRole,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uscc: Option<Uscc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// 32 random bytes (256 bits), base64url, with a prefix that says what it is.
pub fn new_token() -> String {
    let mut b = [0u8; 32];
    SystemRandom::new()
        .fill(&mut b)
        .expect("system random source failed");
    format!("zt_{}", crate::b64::encode_url(&b))
}

/// The key under which a token's record is stored.
pub fn token_hash(token: &str) -> String {
    hex::encode(digest(&SHA256, token.trim().as_bytes()))
}
