//! Where a node gets its trust list (a file or a URL), and the copy it keeps.

use std::path::PathBuf;

use super::{Replace, TrustList, TrustListError, verify};
use crate::bounded_fetch::{TRUST_LIST_DEFAULT, limit_from_env, read_text};
use crate::pki::TrustStore;

#[derive(Debug, Clone)]
pub enum TrustListSource {
    File(PathBuf),
    Url(String),
}

impl TrustListSource {
    pub fn parse(s: &str) -> Self {
        if s.starts_with("http://") || s.starts_with("https://") {
            TrustListSource::Url(s.to_string())
        } else {
            TrustListSource::File(PathBuf::from(s))
        }
    }

    /// Reads the signed trust list (not yet verified).
    pub async fn fetch(&self) -> Result<String, TrustListError> {
        match self {
            TrustListSource::File(p) => {
                tokio::fs::read_to_string(p)
                    .await
                    .map_err(|source| TrustListError::Read {
                        path: p.clone(),
                        source,
                    })
            }
            TrustListSource::Url(u) => {
                let fetch = |source| TrustListError::Fetch {
                    url: u.clone(),
                    source,
                };
                let client = reqwest::Client::builder()
                    .timeout(std::time::Duration::from_secs(5))
                    .build()
                    .map_err(fetch)?;
                let r = client.get(u).send().await.map_err(fetch)?;
                if !r.status().is_success() {
                    return Err(TrustListError::FetchStatus {
                        url: u.clone(),
                        status: r.status(),
                    });
                }
                // Streamed and bounded: a URL answering gigabytes costs at most the limit.
                let limit = limit_from_env("ZT_TRUST_LIST_MAX_BYTES", TRUST_LIST_DEFAULT);
                read_text(r, limit)
                    .await
                    .map_err(|source| TrustListError::Body {
                        url: u.clone(),
                        source,
                    })
            }
        }
    }
}

impl std::fmt::Display for TrustListSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TrustListSource::File(p) => write!(f, "{}", p.display()),
            TrustListSource::Url(u) => f.write_str(u),
        }
    }
}

/// A verified trust list and its signed form.
#[derive(Debug, Clone)]
pub struct TrustListState {
    pub token: String,
    pub list: TrustList,
    /// Taken with no earlier list on record (a new or lost state): an older list replayed
    /// to this node could not have been told from it.
    pub first_on_record: bool,
}

impl TrustListState {
    pub fn verified(token: String, base: &TrustStore) -> Result<Self, TrustListError> {
        let list = verify(&token, base)?;
        Ok(TrustListState {
            token,
            list,
            first_on_record: false,
        })
    }
}

impl TrustListState {
    /// Whether `self`, just fetched, may replace `current` (see [`TrustList::replaces`]).
    pub fn replaces(&self, current: &TrustListState) -> Result<Replace, TrustListError> {
        self.list
            .replaces(&self.token, &current.list, &current.token)
    }
}
