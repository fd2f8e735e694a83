//! Bearer tokens: random, shown once, stored only as SHA-256 hashes. Each record has an id
//! of its own (random, not derived from the token) by which an admin lists and revokes it;
//! role tokens expire, and a revoked or expired token is refused with the reason.

pub mod tokens;

use chrono::{DateTime, Duration, Utc};
use ring::digest::{SHA256, digest};
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};

use crate::domain::Uscc;

/// How long a role token stays valid when its creator says nothing.
pub const DEFAULT_TTL_DAYS: i64 = 90;
/// The longest a role token may be made valid for.
pub const MAX_TTL_DAYS: i64 = 365;

/// A role an admin may hand out with `POST /v1/tokens`: built only by parsing, so an admin
/// or company role cannot be requested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct GrantableRole(AccessRole);

impl GrantableRole {
    pub fn role(self) -> AccessRole {
        self.0
    }
}

impl TryFrom<String> for GrantableRole {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        AccessRole::parse_grantable(&s)
            .map(GrantableRole)
            .ok_or_else(|| format!("{s:?} is not one of authority, police, tax, partner"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
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
    /// The role's name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            AccessRole::Admin => "admin",
            AccessRole::Authority => "authority",
            AccessRole::Police => "police",
            AccessRole::Tax => "tax",
            AccessRole::Partner => "partner",
            AccessRole::Company => "company",
        }
    }

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
    /// Names the token in listings and revocations; empty only in records written before
    /// ids existed (given one at the next start).
    #[serde(default)]
    pub id: String,
    pub role: AccessRole,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uscc: Option<Uscc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    pub created_at: DateTime<Utc>,
    /// None: valid until revoked (the admin token, wallet tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<DateTime<Utc>>,
}

impl TokenRecord {
    pub fn new(
        role: AccessRole,
        uscc: Option<Uscc>,
        label: Option<String>,
        created_at: DateTime<Utc>,
        ttl: Option<Duration>,
    ) -> Self {
        TokenRecord {
            id: new_token_id(),
            role,
            uscc,
            label,
            created_at,
            expires_at: ttl.map(|t| created_at + t),
            revoked_at: None,
        }
    }

    /// Why the token is no longer accepted at `now`, if it is not.
    pub fn refusal(&self, now: DateTime<Utc>) -> Option<String> {
        if let Some(at) = self.revoked_at {
            return Some(format!(
                "the token was revoked at {}",
                at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ));
        }
        match self.expires_at {
            Some(at) if at <= now => Some(format!(
                "the token expired at {}",
                at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            )),
            _ => None,
        }
    }
}

/// 32 random bytes (256 bits), base64url, with a prefix that says what it is.
pub fn new_token() -> String {
    format!("zt_{}", crate::b64::encode_url(&random::<32>()))
}

/// A token record's id: 96 random bits, unrelated to the token.
pub fn new_token_id() -> String {
    format!("tk_{}", crate::b64::encode_url(&random::<12>()))
}

fn random<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    SystemRandom::new()
        .fill(&mut b)
        .expect("system random source failed");
    b
}

/// The key under which a token's record is stored.
pub fn token_hash(token: &str) -> String {
    hex::encode(digest(&SHA256, token.trim().as_bytes()))
}
