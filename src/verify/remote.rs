//! Status lists of other regions, fetched over HTTP, verified and cached for their `ttl`.
//! A list that cannot be fetched fresh gives "unknown" (TRY_LATER): never valid, never revoked.

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::Value;

use super::{StatusAnswer, Verifier};
use crate::credential::jws::Parsed;
use crate::domain::RegionCode;
use crate::pki::Role;
use crate::status::bits::StatusBits;

struct CachedList {
    bits: StatusBits,
    fresh_until: i64,
}

pub struct RemoteStatus {
    client: reqwest::Client,
    cache: Mutex<HashMap<String, CachedList>>,
}

impl RemoteStatus {
    /// An HTTP client with a 3 s timeout (a client without one could hang a verification).
    pub fn new() -> Result<Self, reqwest::Error> {
        Ok(RemoteStatus {
            client: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(3))
                .build()?,
            cache: Mutex::new(HashMap::new()),
        })
    }

    fn fresh(&self, uri: &str, now: i64) -> bool {
        let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        cache.get(uri).is_some_and(|c| now < c.fresh_until)
    }

    /// Makes sure a fresh copy of the list at `uri` is cached, if it can be had.
    /// Returns why not, for the log.
    pub async fn prefetch(
        &self,
        uri: &str,
        region: RegionCode,
        verifier: &Verifier,
        now: i64,
    ) -> Result<(), String> {
        if self.fresh(uri, now) {
            return Ok(());
        }
        let r = self
            .client
            .get(uri)
            .send()
            .await
            .map_err(|e| format!("{uri}: {e}"))?;
        if !r.status().is_success() {
            return Err(format!("{uri}: HTTP {}", r.status()));
        }
        let token = r.text().await.map_err(|e| format!("{uri}: {e}"))?;
        let (bits, fresh_until) = check_list(&token, uri, region, verifier, now)?;
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(uri.to_string(), CachedList { bits, fresh_until });
        Ok(())
    }

    /// The status at `idx` in the cached list at `uri`, as of `now` (Unix seconds).
    pub fn lookup(&self, uri: &str, idx: u32, now: i64) -> StatusAnswer {
        let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        match cache.get(uri) {
            Some(c) if now < c.fresh_until => match c.bits.get(idx as usize) {
                Ok(true) => StatusAnswer::Revoked {
                    reason: format!("its entry {idx} in status list {uri} is set"),
                    at: None,
                },
                Ok(false) => StatusAnswer::Valid,
                Err(e) => StatusAnswer::Unknown(format!("status list {uri}: {e}")),
            },
            Some(_) => StatusAnswer::Unknown(format!(
                "the cached status list {uri} is stale and the issuing region could not be reached"
            )),
            None => StatusAnswer::Unknown(format!(
                "the status list {uri} could not be fetched from the issuing region"
            )),
        }
    }
}

/// Verifies a `statuslist+jwt`: signed by that region's status-list signer, for this URI,
/// not expired. Returns the bits and until when they may be used.
pub fn check_list(
    token: &str,
    uri: &str,
    region: RegionCode,
    verifier: &Verifier,
    now: i64,
) -> Result<(StatusBits, i64), String> {
    let p =
        Parsed::parse(token.trim()).map_err(|e| format!("{uri}: not a status list token: {e}"))?;
    if p.header_str("typ") != Some("statuslist+jwt") {
        return Err(format!("{uri}: typ is not statuslist+jwt"));
    }
    let x5c = p.x5c();
    let cert = verifier
        .trusted_signer(&x5c, Role::StatusListSigner)
        .map_err(|e| format!("{uri}: {e}"))?;
    if cert.info.region != Some(region) {
        return Err(format!(
            "{uri}: signed by {}, not by region {region}",
            cert.info.describe()
        ));
    }
    if !p.verify(&cert.info.public_key) {
        return Err(format!("{uri}: the status list's signature is not valid"));
    }
    let claims = p.payload_json().map_err(|e| format!("{uri}: {e}"))?;
    if claims.get("sub").and_then(Value::as_str) != Some(uri) {
        return Err(format!("{uri}: the list names another URI"));
    }
    let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
    if exp <= now {
        return Err(format!("{uri}: the status list expired"));
    }
    let ttl = claims
        .get("ttl")
        .and_then(Value::as_i64)
        .unwrap_or(300)
        .clamp(1, 86_400);
    let lst = claims
        .get("status_list")
        .and_then(|s| s.get("lst"))
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{uri}: no status_list.lst"))?;
    if claims
        .get("status_list")
        .and_then(|s| s.get("bits"))
        .and_then(Value::as_u64)
        != Some(1)
    {
        return Err(format!("{uri}: only 1-bit status lists are understood"));
    }
    let bits = StatusBits::decode_lst(lst, None).map_err(|e| format!("{uri}: {e}"))?;
    Ok((bits, (now + ttl).min(exp)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credential::jws;
    use crate::pki::{Signer, TrustStore, init};
    use chrono::Utc;
    use serde_json::json;

    fn token(signer: &Signer, sub: &str, exp: i64) -> String {
        let h = jws::x5c_header("statuslist+jwt", signer);
        let mut bits = StatusBits::new(131_072);
        bits.set(7, true).unwrap();
        let payload = json!({"sub": sub, "iat": 0, "exp": exp, "ttl": 60, "status_list": {"bits": 1, "lst": bits.encode_lst()}});
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

        let (bits, fresh_until) =
            check_list(&token(&status, uri, now + 3600), uri, gz, &verifier, now).unwrap();
        assert!(bits.get(7).unwrap() && !bits.get(8).unwrap());
        assert_eq!(fresh_until, now + 60);
        let wrong_key =
            check_list(&token(&licence, uri, now + 3600), uri, gz, &verifier, now).unwrap_err();
        assert!(wrong_key.contains("does not validate"), "{wrong_key}");
        let wrong_region =
            check_list(&token(&status, uri, now + 3600), uri, sh, &verifier, now).unwrap_err();
        assert!(wrong_region.contains("not by region"), "{wrong_region}");
        let expired =
            check_list(&token(&status, uri, now - 1), uri, gz, &verifier, now).unwrap_err();
        assert!(expired.contains("expired"), "{expired}");
        let other_list = check_list(
            &token(&status, "http://gz.example/v1/status-lists/2", now + 60),
            uri,
            gz,
            &verifier,
            now,
        )
        .unwrap_err();
        assert!(other_list.contains("another URI"), "{other_list}");
        assert!(check_list("garbage", uri, gz, &verifier, now).is_err());
    }
}
