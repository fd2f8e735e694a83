//! Status lists of other regions, fetched over HTTP, verified and cached for their `ttl`.
//! A list that cannot be fetched fresh gives "unknown" (TRY_LATER): never valid, never revoked.
//! A list older (by `iat`) than one already accepted from the same URI is refused: a region's
//! endpoint (or someone in the way) cannot roll a revocation back by replaying an old list.
//! The newest `iat` per URI is kept durably ([`MarkStore`]): the rule holds across restarts.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::Value;

use super::high_water::{MarkStore, Marks};
use super::{StatusAnswer, StatusAsOf, Verifier};
use crate::bounded_fetch::{STATUS_LIST_DEFAULT, limit_from_env, read_text};
use crate::credential::jws::Parsed;
use crate::domain::RegionCode;
use crate::pki::{ChainError, Role};
use crate::status::bits::{StatusBits, StatusError as BitsError};

/// Why a fetched status list was not used. Each names the list's URI.
#[derive(Debug, thiserror::Error)]
pub enum StatusListError {
    #[error("{uri}: {source}")]
    Fetch { uri: String, source: reqwest::Error },
    #[error("{uri}: {source}")]
    Body {
        uri: String,
        source: crate::bounded_fetch::BodyError,
    },
    #[error("{uri}: HTTP {status}")]
    HttpStatus {
        uri: String,
        status: reqwest::StatusCode,
    },
    #[error("{uri}: not a status list token: {source}")]
    NotAToken {
        uri: String,
        source: crate::credential::jws::JwsError,
    },
    #[error("{uri}: typ is not statuslist+jwt")]
    WrongType { uri: String },
    #[error("{uri}: {source}")]
    Untrusted { uri: String, source: ChainError },
    #[error("{uri}: signed by {signer}, not by region {region}")]
    WrongRegion {
        uri: String,
        signer: String,
        region: RegionCode,
    },
    #[error("{uri}: the status list's signature is not valid")]
    BadSignature { uri: String },
    #[error("{uri}: the status list's payload is not JSON: {detail}")]
    Malformed { uri: String, detail: String },
    #[error("{uri}: the list names another URI")]
    OtherUri { uri: String },
    #[error("{uri}: the status list has no {claim}")]
    Missing { uri: String, claim: &'static str },
    #[error("{uri}: the status list expired")]
    Expired { uri: String },
    #[error("{uri}: only 1-bit status lists are understood")]
    UnsupportedBits { uri: String },
    #[error("{uri}: {source}")]
    Bits { uri: String, source: BitsError },
    #[error(
        "{uri}: the region's endpoint served a status list signed at {offered}, older than the one signed at {seen} already seen: refused (a replayed older list could hide a revocation)"
    )]
    Rollback {
        uri: String,
        offered: i64,
        seen: i64,
    },
}

/// A verified status list: its bits, when it was signed and until when it may be used.
#[derive(Debug)]
pub struct CheckedList {
    pub bits: StatusBits,
    pub iat: i64,
    pub fresh_until: i64,
}

#[derive(Default)]
struct CachedList {
    /// None when every list offered since the start was refused.
    list: Option<CheckedList>,
    /// Why the last fetch was refused, if it was (shown when the copy goes stale).
    refused: Option<String>,
    /// The list held is the first seen from this URI with no earlier one on record (a new
    /// or lost state): it could be a replayed older list, and the report says so.
    unanchored: bool,
}

pub struct RemoteStatus {
    client: reqwest::Client,
    cache: Mutex<HashMap<String, CachedList>>,
    /// The newest `iat` accepted per URI, in this run and (with a keeper) earlier ones.
    marks: Mutex<Marks>,
    keeper: Option<Arc<dyn MarkStore>>,
    /// One save at a time, each of the marks as they are then: an older snapshot is never
    /// written last.
    saving: tokio::sync::Mutex<()>,
}

impl RemoteStatus {
    /// An HTTP client with a 3 s timeout (a client without one could hang a verification).
    /// What it sees is kept in memory only (see [`RemoteStatus::keeping`]).
    pub fn new() -> Result<Self, reqwest::Error> {
        Ok(RemoteStatus {
            client: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(3))
                .build()?,
            cache: Mutex::new(HashMap::new()),
            marks: Mutex::new(Marks::default()),
            keeper: None,
            saving: tokio::sync::Mutex::new(()),
        })
    }

    /// Like [`RemoteStatus::new`], starting from the marks in `keeper` and saving each newer
    /// one there (a fetch returns once it is saved).
    pub fn keeping(keeper: Arc<dyn MarkStore>) -> Result<Self, String> {
        let marks = Marks::load(keeper.as_ref())?;
        match &marks {
            Some(m) => {
                tracing::info!(at = %keeper.describe(), lists = m.status_lists.len(), "status-list high-water marks loaded")
            }
            None => {
                tracing::warn!(at = %keeper.describe(), "no status-list high-water marks on record (a new or lost state): until a newer list arrives from a region, reports say its status list could be a replayed older one")
            }
        }
        let mut remote = Self::new().map_err(|e| e.to_string())?;
        remote.marks = Mutex::new(marks.unwrap_or_default());
        remote.keeper = Some(keeper);
        Ok(remote)
    }

    fn fresh(&self, uri: &str, now: i64) -> bool {
        let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .get(uri)
            .and_then(|c| c.list.as_ref())
            .is_some_and(|l| now < l.fresh_until)
    }

    /// Makes sure a fresh copy of the list at `uri` is cached, if it can be had.
    /// Returns why not, for the log.
    pub async fn prefetch(
        &self,
        uri: &str,
        region: RegionCode,
        verifier: &Verifier,
        now: i64,
    ) -> Result<(), StatusListError> {
        if self.fresh(uri, now) {
            return Ok(());
        }
        let fetch = |source| StatusListError::Fetch {
            uri: uri.to_string(),
            source,
        };
        let r = self.client.get(uri).send().await.map_err(fetch)?;
        if !r.status().is_success() {
            return Err(StatusListError::HttpStatus {
                uri: uri.to_string(),
                status: r.status(),
            });
        }
        // Read streamed and bounded: an endpoint answering gigabytes costs at most the limit.
        let limit = limit_from_env("ZT_STATUS_LIST_MAX_BYTES", STATUS_LIST_DEFAULT);
        let token = read_text(r, limit)
            .await
            .map_err(|source| StatusListError::Body {
                uri: uri.to_string(),
                source,
            })?;
        let list = check_list(&token, uri, region, verifier, now)?;
        self.accept_and_keep(uri, list).await
    }

    /// [`RemoteStatus::accept`], then the raised mark is saved before this returns.
    async fn accept_and_keep(&self, uri: &str, list: CheckedList) -> Result<(), StatusListError> {
        if !self.accept(uri, list)? {
            return Ok(());
        }
        let Some(keeper) = &self.keeper else {
            return Ok(());
        };
        let _one = self.saving.lock().await;
        let document = self
            .marks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .to_document();
        if let Err(why) = keeper.save(document).await {
            // The list is still the newest seen; only its survival of a restart is at risk.
            tracing::error!(%uri, at = %keeper.describe(), %why, "could not keep the status list's high-water mark");
        }
        Ok(())
    }

    /// Caches `list` unless it is older than the newest seen from `uri` (the copy held, or
    /// the mark kept from an earlier run). True if it raised the mark (to be saved).
    fn accept(&self, uri: &str, list: CheckedList) -> Result<bool, StatusListError> {
        let mut marks = self.marks.lock().unwrap_or_else(|e| e.into_inner());
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        let recorded = marks.status_lists.get(uri).copied();
        let held = cache.entry(uri.to_string()).or_default();
        let newest = recorded.max(held.list.as_ref().map(|l| l.iat));
        if let Some(seen) = newest
            && list.iat < seen
        {
            let e = StatusListError::Rollback {
                uri: uri.to_string(),
                offered: list.iat,
                seen,
            };
            held.refused = Some(e.to_string());
            return Err(e);
        }
        // Anchored once a list is newer than one on record; the very first stays suspect.
        held.unanchored = match recorded {
            None => true,
            Some(r) => list.iat <= r && held.unanchored,
        };
        held.list = Some(list);
        held.refused = None;
        let iat = held.list.as_ref().map_or(i64::MIN, |l| l.iat);
        Ok(marks.raise(uri, iat))
    }

    /// Marks every cached list stale, keeping what was seen (so the rollback check still
    /// holds): after a new trust list, each is fetched and verified again under it.
    pub fn invalidate(&self) {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        for held in cache.values_mut().filter_map(|c| c.list.as_mut()) {
            held.fresh_until = i64::MIN;
        }
    }

    /// The status at `idx` in the cached list at `uri`, as of `now` (Unix seconds).
    pub fn lookup(&self, uri: &str, idx: u32, now: i64) -> StatusAnswer {
        let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        let entry = cache.get(uri);
        match entry.and_then(|c| c.list.as_ref().map(|l| (c, l))) {
            Some((c, l)) if now < l.fresh_until => match l.bits.get(idx as usize) {
                Ok(true) => StatusAnswer::Revoked {
                    reason: format!("its entry {idx} in status list {uri} is set"),
                    at: None,
                },
                Ok(false) => StatusAnswer::Valid {
                    as_of: if c.unanchored {
                        StatusAsOf::FirstListSignedAt(l.iat)
                    } else {
                        StatusAsOf::ListSignedAt(l.iat)
                    },
                },
                Err(e) => StatusAnswer::Unknown(format!("status list {uri}: {e}")),
            },
            Some((c, _)) => StatusAnswer::Unknown(match &c.refused {
                Some(why) => format!("the cached status list {uri} is stale, and {why}"),
                None => format!(
                    "the cached status list {uri} is stale and the issuing region could not be reached"
                ),
            }),
            None => StatusAnswer::Unknown(match entry.and_then(|c| c.refused.as_ref()) {
                Some(why) => format!("no status list from {uri} can be used: {why}"),
                None => {
                    format!("the status list {uri} could not be fetched from the issuing region")
                }
            }),
        }
    }
}

/// Verifies a `statuslist+jwt`: signed by that region's status-list signer, for this URI,
/// not expired. Returns the bits, when it was signed and until when they may be used.
pub fn check_list(
    token: &str,
    uri: &str,
    region: RegionCode,
    verifier: &Verifier,
    now: i64,
) -> Result<CheckedList, StatusListError> {
    let uri_s = || uri.to_string();
    let p = Parsed::parse(token.trim()).map_err(|source| StatusListError::NotAToken {
        uri: uri_s(),
        source,
    })?;
    if p.header_str("typ") != Some("statuslist+jwt") {
        return Err(StatusListError::WrongType { uri: uri_s() });
    }
    let x5c = p.x5c();
    let cert = verifier
        .trusted_signer(&x5c, Role::StatusListSigner)
        .map_err(|source| StatusListError::Untrusted {
            uri: uri_s(),
            source,
        })?;
    if cert.info.region != Some(region) {
        return Err(StatusListError::WrongRegion {
            uri: uri_s(),
            signer: cert.info.describe(),
            region,
        });
    }
    if !p.verify(&cert.info.public_key) {
        return Err(StatusListError::BadSignature { uri: uri_s() });
    }
    let claims = p.payload_object().map_err(|e| StatusListError::Malformed {
        uri: uri_s(),
        detail: e.to_string(),
    })?;
    if claims.get("sub").and_then(Value::as_str) != Some(uri) {
        return Err(StatusListError::OtherUri { uri: uri_s() });
    }
    let int = |claim: &'static str| {
        claims
            .get(claim)
            .and_then(Value::as_i64)
            .ok_or(StatusListError::Missing {
                uri: uri_s(),
                claim,
            })
    };
    let exp = int("exp")?;
    let iat = int("iat")?;
    if exp <= now {
        return Err(StatusListError::Expired { uri: uri_s() });
    }
    // `ttl` is optional (draft-ietf-oauth-status-list): absent, five minutes.
    let ttl = match claims.get("ttl") {
        None => 300,
        Some(_) => int("ttl")?,
    }
    .clamp(1, 86_400);
    let list = claims.get("status_list");
    let lst = list
        .and_then(|s| s.get("lst"))
        .and_then(Value::as_str)
        .ok_or(StatusListError::Missing {
            uri: uri_s(),
            claim: "status_list.lst",
        })?;
    if list.and_then(|s| s.get("bits")).and_then(Value::as_u64) != Some(1) {
        return Err(StatusListError::UnsupportedBits { uri: uri_s() });
    }
    let bits = StatusBits::decode_lst(lst, None).map_err(|source| StatusListError::Bits {
        uri: uri_s(),
        source,
    })?;
    Ok(CheckedList {
        bits,
        iat,
        fresh_until: (now + ttl).min(exp),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credential::jws;
    use crate::pki::{Signer, TrustStore, init};
    use chrono::Utc;
    use serde_json::json;

    fn token(signer: &Signer, sub: &str, exp: i64) -> String {
        token_at(signer, sub, 0, exp)
    }

    fn token_at(signer: &Signer, sub: &str, iat: i64, exp: i64) -> String {
        let h = jws::x5c_header("statuslist+jwt", signer);
        let mut bits = StatusBits::new(131_072);
        bits.set(7, true).unwrap();
        let payload = json!({"sub": sub, "iat": iat, "exp": exp, "ttl": 60, "status_list": {"bits": 1, "lst": bits.encode_lst()}});
        jws::sign(h, &serde_json::to_vec(&payload).unwrap(), signer)
    }

    #[test]
    fn only_fresh_lists_signed_by_the_regions_status_key_are_used() {
        let dir = tempfile::tempdir().unwrap();
        let gz = RegionCode::parse("440100").unwrap();
        let sh = RegionCode::parse("310000").unwrap();
        init(dir.path(), &[gz, sh]).unwrap();
        let verifier = Verifier::new(TrustStore::load(dir.path()).unwrap());
        let status = Signer::load(dir.path(), Some(&gz), Role::StatusListSigner).unwrap();
        let licence = Signer::load(dir.path(), Some(&gz), Role::LicenceIssuer).unwrap();
        let uri = "http://gz.example/v1/status-lists/1";
        let now = Utc::now().timestamp();

        let list = check_list(&token(&status, uri, now + 3600), uri, gz, &verifier, now).unwrap();
        assert!(list.bits.get(7).unwrap() && !list.bits.get(8).unwrap());
        assert_eq!(list.fresh_until, now + 60);
        let err = |t: &str, region| {
            check_list(t, uri, region, &verifier, now)
                .unwrap_err()
                .to_string()
        };
        let wrong_key = err(&token(&licence, uri, now + 3600), gz);
        assert!(wrong_key.contains("does not validate"), "{wrong_key}");
        let wrong_region = err(&token(&status, uri, now + 3600), sh);
        assert!(wrong_region.contains("not by region"), "{wrong_region}");
        let expired = err(&token(&status, uri, now - 1), gz);
        assert!(expired.contains("expired"), "{expired}");
        let other_list = check_list(
            &token(&status, "http://gz.example/v1/status-lists/2", now + 60),
            uri,
            gz,
            &verifier,
            now,
        )
        .unwrap_err()
        .to_string();
        assert!(other_list.contains("another URI"), "{other_list}");
        assert!(check_list("garbage", uri, gz, &verifier, now).is_err());
    }

    /// A PKI with Guangzhou, its verifier and its status-list signer.
    fn guangzhou() -> (tempfile::TempDir, RegionCode, Verifier, Signer) {
        let dir = tempfile::tempdir().unwrap();
        let gz = RegionCode::parse("440100").unwrap();
        init(dir.path(), &[gz]).unwrap();
        let verifier = Verifier::new(TrustStore::load(dir.path()).unwrap());
        let status = Signer::load(dir.path(), Some(&gz), Role::StatusListSigner).unwrap();
        (dir, gz, verifier, status)
    }

    #[test]
    fn a_list_older_than_the_one_held_is_refused_and_the_report_says_why() {
        let (_dir, gz, verifier, status) = guangzhou();
        let uri = "http://gz.example/v1/status-lists/1";
        let now = Utc::now().timestamp();
        let remote = RemoteStatus::new().unwrap();
        let newer = token_at(&status, uri, now - 10, now + 3600);
        let older = token_at(&status, uri, now - 100, now + 3600);
        let checked = |t: &str, at| check_list(t, uri, gz, &verifier, at).unwrap();
        remote.accept(uri, checked(&newer, now)).unwrap();
        // The same list again is fine; an older one is refused and the newer one kept.
        remote.accept(uri, checked(&newer, now)).unwrap();
        let refused = remote.accept(uri, checked(&older, now)).unwrap_err();
        assert!(
            matches!(refused, StatusListError::Rollback { .. }),
            "{refused}"
        );
        assert!(matches!(
            remote.lookup(uri, 7, now),
            StatusAnswer::Revoked { .. }
        ));
        // After a new trust list the copy must be fetched again; its iat still counts.
        remote.invalidate();
        assert!(!remote.fresh(uri, now));
        assert!(remote.accept(uri, checked(&older, now)).is_err());
        remote.accept(uri, checked(&newer, now)).unwrap();
        // Once the held copy is stale, the answer is unknown, and says a rollback was refused.
        remote.accept(uri, checked(&older, now)).unwrap_err();
        match remote.lookup(uri, 8, now + 61) {
            StatusAnswer::Unknown(why) => assert!(why.contains("older than"), "{why}"),
            other => panic!("{other:?}"),
        }
    }

    /// Marks in memory, shared by the "runs" of a test.
    #[derive(Default)]
    struct Kept(std::sync::Mutex<Option<Vec<u8>>>);

    impl MarkStore for Kept {
        fn load(&self) -> Result<Option<Vec<u8>>, String> {
            Ok(self.0.lock().unwrap().clone())
        }
        fn save(&self, document: Vec<u8>) -> crate::verify::Saving<'_> {
            *self.0.lock().unwrap() = Some(document);
            Box::pin(async { Ok(()) })
        }
        fn describe(&self) -> String {
            "memory".into()
        }
    }

    #[tokio::test]
    async fn a_list_older_than_one_seen_before_a_restart_is_refused() {
        let (_dir, gz, verifier, status) = guangzhou();
        let uri = "http://gz.example/v1/status-lists/1";
        let now = Utc::now().timestamp();
        let checked = |iat| {
            let t = token_at(&status, uri, iat, now + 3600);
            check_list(&t, uri, gz, &verifier, now).unwrap()
        };
        let kept = Arc::new(Kept::default());

        // First run: nothing on record, so the first list is flagged until a newer one.
        let first = RemoteStatus::keeping(kept.clone()).unwrap();
        first
            .accept_and_keep(uri, checked(now - 100))
            .await
            .unwrap();
        let as_of = |r: &RemoteStatus| match r.lookup(uri, 8, now) {
            StatusAnswer::Valid { as_of } => as_of,
            other => panic!("{other:?}"),
        };
        assert_eq!(as_of(&first), StatusAsOf::FirstListSignedAt(now - 100));
        first.accept_and_keep(uri, checked(now - 10)).await.unwrap();
        assert_eq!(as_of(&first), StatusAsOf::ListSignedAt(now - 10));

        // After a restart the mark is still there: the older list is refused, the report
        // says why, and the same list as the mark is not flagged.
        let second = RemoteStatus::keeping(kept.clone()).unwrap();
        let refused = second
            .accept_and_keep(uri, checked(now - 100))
            .await
            .unwrap_err();
        assert!(matches!(refused, StatusListError::Rollback { seen, .. } if seen == now - 10));
        match second.lookup(uri, 8, now) {
            StatusAnswer::Unknown(why) => assert!(why.contains("older than"), "{why}"),
            other => panic!("{other:?}"),
        }
        second
            .accept_and_keep(uri, checked(now - 10))
            .await
            .unwrap();
        assert_eq!(as_of(&second), StatusAsOf::ListSignedAt(now - 10));
    }
}
