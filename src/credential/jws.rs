//! Compact JWS (RFC 7515) with ES256, the only algorithm we sign and accept.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use ring::signature::{ECDSA_P256_SHA256_FIXED, UnparsedPublicKey};
use serde_json::Value;

use crate::b64;
use crate::pki::Signer;

/// A token longer than this is refused before any parsing (QR codes hold < 3 KB).
pub const MAX_TOKEN_LEN: usize = 64 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwsError {
    #[error("the token is {0} bytes long; at most {MAX_TOKEN_LEN} are accepted")]
    TooLong(usize),
    #[error("a compact JWS has three parts separated by '.', this has {0}")]
    Parts(usize),
    #[error("the {0} is not base64url")]
    Base64(&'static str),
    #[error("the {0} is not a JSON object")]
    Json(&'static str),
    #[error("algorithm {0:?} is not accepted; only ES256 is")]
    Alg(String),
}

/// Signs `payload` with `header` (whose `alg` is set to ES256).
pub fn sign(mut header: serde_json::Map<String, Value>, payload: &[u8], signer: &Signer) -> String {
    header.insert("alg".into(), Value::from("ES256"));
    let h = b64::encode_url(Value::Object(header).to_string().as_bytes()); // a JSON value's text form cannot fail
    let p = b64::encode_url(payload);
    let input = format!("{h}.{p}");
    let sig = b64::encode_url(&signer.sign(input.as_bytes()));
    format!("{input}.{sig}")
}

/// A protected header `{typ, kid, x5c}` naming `signer` and carrying its chain, so that
/// any JOSE library can verify with the certificate it finds there.
pub fn x5c_header(typ: &str, signer: &Signer) -> serde_json::Map<String, Value> {
    let mut header = serde_json::Map::new();
    header.insert("typ".into(), Value::from(typ));
    header.insert("kid".into(), Value::from(signer.kid.clone()));
    header.insert(
        "x5c".into(),
        Value::Array(
            signer
                .chain
                .iter()
                .map(|d| Value::from(b64::encode_std(d)))
                .collect(),
        ),
    );
    header
}

/// A protected header, parsed.
type Header = serde_json::Map<String, Value>;

/// Long protected headers seen lately, parsed. Every credential one issuer key signs
/// carries the same header (its kid and its certificate chain: 2.6 KB of base64 in an
/// SD-JWT), so it is decoded and parsed once per distinct header, not once per token.
/// Found by its exact text; a miss parses as before. Parsing is a function of the text
/// alone, so what is found is what parsing would give.
struct HeaderCache(Mutex<VecDeque<(Box<str>, Arc<Header>)>>);

impl HeaderCache {
    /// Distinct headers kept (issuer keys times token types, with room for rollovers).
    const ENTRIES: usize = 32;
    /// Shorter headers (QR presentations: 60 bytes) cost less to parse than to look up.
    const MIN_LEN: usize = 256;

    fn get(&self, text: &str) -> Option<Arc<Header>> {
        let entries = self.0.lock().unwrap_or_else(|p| p.into_inner());
        entries
            .iter()
            .find(|(t, _)| t.len() == text.len() && **t == *text)
            .map(|(_, h)| h.clone())
    }

    fn put(&self, text: &str, header: Arc<Header>) {
        let mut entries = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() == Self::ENTRIES {
            entries.pop_back();
        }
        entries.push_front((text.into(), header));
    }
}

static HEADERS: HeaderCache = HeaderCache(Mutex::new(VecDeque::new()));

/// The header in `text` (base64url of a JSON object), from [`HEADERS`] when seen lately.
fn parse_header(text: &str) -> Result<Arc<Header>, JwsError> {
    let long = text.len() >= HeaderCache::MIN_LEN;
    if long && let Some(h) = HEADERS.get(text) {
        return Ok(h);
    }
    let bytes = b64::decode_url(text).ok_or(JwsError::Base64("header"))?;
    let header = match crate::json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(m)) => Arc::new(m),
        _ => return Err(JwsError::Json("header")),
    };
    if long {
        HEADERS.put(text, header.clone());
    }
    Ok(header)
}

/// A parsed but not yet verified compact JWS.
#[derive(Debug, Clone)]
pub struct Parsed {
    header: Arc<Header>,
    pub payload: Vec<u8>,
    pub signing_input: String,
    pub signature: Vec<u8>,
}

impl Parsed {
    pub fn parse(token: &str) -> Result<Parsed, JwsError> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(JwsError::TooLong(token.len()));
        }
        // The two dots, found with SIMD (an SD-JWT's JWT is 4 KB, and `str::split` looks
        // at a word at a time).
        let mut dots = memchr::memchr_iter(b'.', token.as_bytes());
        let (Some(first), Some(second), None) = (dots.next(), dots.next(), dots.next()) else {
            return Err(JwsError::Parts(
                memchr::memchr_iter(b'.', token.as_bytes()).count() + 1,
            ));
        };
        let parts = [
            &token[..first],
            &token[first + 1..second],
            &token[second + 1..],
        ];
        let header = parse_header(parts[0])?;
        let payload = b64::decode_url(parts[1]).ok_or(JwsError::Base64("payload"))?;
        let signature = b64::decode_url(parts[2]).ok_or(JwsError::Base64("signature"))?;
        match header.get("alg").and_then(Value::as_str) {
            Some("ES256") => {}
            other => return Err(JwsError::Alg(other.unwrap_or("none").to_string())),
        }
        Ok(Parsed {
            header,
            payload,
            // header.payload, as sent: a slice of the token, not a re-formatted copy.
            signing_input: token[..parts[0].len() + 1 + parts[1].len()].to_owned(),
            signature,
        })
    }

    /// The certificates of the `x5c` header (DER), leaf first; unreadable entries skipped.
    pub fn x5c(&self) -> Vec<Vec<u8>> {
        match self.header.get("x5c") {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|v| v.as_str().and_then(b64::decode_std))
                .collect(),
            _ => vec![],
        }
    }

    /// The first `x5c` entry as sent (standard base64 of the leaf's DER), undecoded.
    pub fn x5c_leaf_str(&self) -> Option<&str> {
        match self.header.get("x5c") {
            Some(Value::Array(a)) => a.first().and_then(Value::as_str),
            _ => None,
        }
    }

    pub fn header_str(&self, name: &str) -> Option<&str> {
        self.header.get(name).and_then(Value::as_str)
    }

    /// The payload, a JSON object (a credential's claims, a status list's, a filing's).
    pub fn payload_object(&self) -> Result<crate::json::Object, JwsError> {
        crate::json::from_slice(&self.payload).map_err(|_| JwsError::Json("payload"))
    }

    /// True when the signature is a valid ES256 signature by `public_key` (uncompressed point).
    /// The one place that checks ES256 signatures (counted in [`verifications`]).
    pub fn verify(&self, public_key: &[u8]) -> bool {
        VERIFICATIONS.fetch_add(1, Ordering::Relaxed);
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, public_key)
            .verify(self.signing_input.as_bytes(), &self.signature)
            .is_ok()
    }
}

static VERIFICATIONS: AtomicU64 = AtomicU64::new(0);

/// How many ES256 signature verifications this process has run (for tests and benchmarks).
pub fn verifications() -> u64 {
    VERIFICATIONS.load(Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A compact JWS whose header carries `filler` (to make it long), unsigned.
    fn token(kid: &str, filler: &str) -> String {
        let header = serde_json::json!({ "alg": "ES256", "kid": kid, "x5c": [filler] });
        format!(
            "{}.{}.{}",
            b64::encode_url(header.to_string().as_bytes()),
            b64::encode_url(b"{}"),
            b64::encode_url(&[0u8; 64])
        )
    }

    #[test]
    fn long_headers_found_again_are_the_headers_sent() {
        let filler = "A".repeat(400);
        // Same length, one character apart: each token reads its own header.
        let (a, b) = (token("kid-a", &filler), token("kid-b", &filler));
        for _ in 0..2 {
            assert_eq!(Parsed::parse(&a).unwrap().header_str("kid"), Some("kid-a"));
            assert_eq!(Parsed::parse(&b).unwrap().header_str("kid"), Some("kid-b"));
        }
        // A long header that does not decode is refused every time, never remembered.
        let bad = format!("{}!.e30.AA", "A".repeat(400));
        for _ in 0..2 {
            assert_eq!(Parsed::parse(&bad).unwrap_err(), JwsError::Base64("header"));
        }
    }
}
