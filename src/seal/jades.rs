//! A seal signature with the region's timestamp on it (B-T), in the JAdES way (ETSI TS 119
//! 182-1 §5.3.4): the compact JWS becomes a flattened JWS JSON serialisation (RFC 7515 §7.2.2)
//! whose unprotected header carries `etsiU: [{"sigTst": {"tstTokens": [{"val": …}]}}]`, an
//! RFC 3161 TimeStampToken (standard base64 of its DER) over the ASCII of BASE64URL(JWS
//! Signature). Any JOSE library verifies the JWS as before (the unprotected header is not
//! signed); `openssl ts -verify` checks the token against that digest.
//!
//! Not claimed: full JAdES baseline conformance (no `sigT`, `x5t#S256` or `sigD` in the
//! protected header; the chain is in `x5c`, the signing time in the payload's `iat`).

use ring::digest::{SHA256, digest};
use serde::{Deserialize, Serialize};

use crate::b64;

/// Why a timestamped seal signature could not be read.
#[derive(Debug, thiserror::Error)]
pub enum JadesError {
    #[error("not a JWS JSON serialisation: {0}")]
    Json(String),
    #[error("its unprotected header carries {0} timestamp tokens; exactly one is read")]
    Tokens(usize),
    #[error("its timestamp token is not standard base64")]
    Base64,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Flattened {
    protected: String,
    payload: String,
    signature: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    header: Option<Unprotected>,
}

#[derive(Serialize, Deserialize)]
struct Unprotected {
    #[serde(rename = "etsiU", default)]
    etsi_u: Vec<UnsignedProperty>,
}

#[derive(Serialize, Deserialize)]
struct UnsignedProperty {
    #[serde(rename = "sigTst", default, skip_serializing_if = "Option::is_none")]
    sig_tst: Option<SigTst>,
}

#[derive(Serialize, Deserialize)]
struct SigTst {
    #[serde(rename = "tstTokens")]
    tst_tokens: Vec<TstToken>,
}

#[derive(Serialize, Deserialize)]
struct TstToken {
    val: String,
}

/// The SHA-256 a signature timestamp of `compact` covers: of its third part as sent.
pub fn imprint(compact: &str) -> [u8; 32] {
    let signature = compact.rsplit('.').next().unwrap_or_default();
    let mut out = [0u8; 32];
    out.copy_from_slice(digest(&SHA256, signature.as_bytes()).as_ref());
    out
}

/// `compact` (header.payload.signature) with `token` (a TimeStampToken over
/// [`imprint`]) as its signature timestamp.
pub fn with_timestamp(compact: &str, token_der: &[u8]) -> String {
    let mut parts = compact.splitn(3, '.');
    let mut next = || parts.next().unwrap_or_default().to_string();
    let flattened = Flattened {
        protected: next(),
        payload: next(),
        signature: next(),
        header: Some(Unprotected {
            etsi_u: vec![UnsignedProperty {
                sig_tst: Some(SigTst {
                    tst_tokens: vec![TstToken {
                        val: b64::encode_std(token_der),
                    }],
                }),
            }],
        }),
    };
    // Strings and vectors only: serialising cannot fail.
    serde_json::to_string(&flattened).unwrap_or_else(|e| panic!("flattened JWS: {e}"))
}

/// A seal signature as sent: the compact JWS, and the timestamp token when it is the JSON
/// form. A compact JWS (anything not starting with `{`) is returned as is.
pub fn read(text: &str) -> Result<(String, Option<Vec<u8>>), JadesError> {
    let text = text.trim();
    if !text.starts_with('{') {
        return Ok((text.to_string(), None));
    }
    let f: Flattened = serde_json::from_str(text).map_err(|e| JadesError::Json(e.to_string()))?;
    let compact = format!("{}.{}.{}", f.protected, f.payload, f.signature);
    let mut tokens: Vec<&TstToken> = f
        .header
        .iter()
        .flat_map(|h| &h.etsi_u)
        .filter_map(|p| p.sig_tst.as_ref())
        .flat_map(|t| &t.tst_tokens)
        .collect();
    match tokens.len() {
        0 => Ok((compact, None)),
        1 => {
            let der = b64::decode_std(&tokens.remove(0).val).ok_or(JadesError::Base64)?;
            Ok((compact, Some(der)))
        }
        n => Err(JadesError::Tokens(n)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timestamped_signature_reads_back_to_its_parts() {
        let compact = "aGVhZA.cGF5bG9hZA.c2ln";
        let text = with_timestamp(compact, b"\x30\x03\x02\x01\x01");
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["signature"], "c2ln");
        assert_eq!(
            v["header"]["etsiU"][0]["sigTst"]["tstTokens"][0]["val"],
            "MAMCAQE="
        );
        let (back, token) = read(&text).unwrap();
        assert_eq!(back, compact);
        assert_eq!(token.as_deref(), Some(&b"\x30\x03\x02\x01\x01"[..]));
        assert_eq!(read(compact).unwrap(), (compact.to_string(), None));
        assert_eq!(imprint(compact), imprint("x.y.c2ln"));
        assert_ne!(imprint(compact), imprint("aGVhZA.cGF5bG9hZA.c2lu"));
    }

    #[test]
    fn damaged_json_forms_are_refused_not_guessed() {
        for bad in [
            "{",
            r#"{"protected":"a","payload":"b"}"#,
            r#"{"protected":"a","payload":"b","signature":"c","extra":1}"#,
            r#"{"protected":"a","payload":"b","signature":"c","header":{"etsiU":[{"sigTst":{"tstTokens":[{"val":"!!"}]}}]}}"#,
            r#"{"protected":"a","payload":"b","signature":"c","header":{"etsiU":[{"sigTst":{"tstTokens":[{"val":"AA=="},{"val":"AA=="}]}}]}}"#,
        ] {
            assert!(read(bad).is_err(), "{bad}");
        }
    }
}
