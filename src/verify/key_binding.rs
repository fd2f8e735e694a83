//! Key binding (RFC 9901 §7.3) as the verifier checks it: a KB-JWT after the last '~' must
//! be signed by the holder key the credential names (`cnf.jwk`), cover exactly the
//! presented SD-JWT (`sd_hash`), be fresh (`iat`), and answer the verifier's challenge
//! (`nonce`, `aud`) when it gave one. Without a KB-JWT the credential is a bearer
//! presentation: said so in a warning, or a failure when the verifier asked for proof.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{CheckName, Pending, Reason, Report, SubIndication, Verifier};
use crate::b64;
use crate::credential::kb;
use crate::credential::sdjwt::Decoded;

/// A KB-JWT older than this (by its `iat`, on the verifier's clock) is refused as a replay.
pub const MAX_AGE_S: i64 = 300;
/// A KB-JWT dated further ahead of the verifier's clock than this is refused.
pub const MAX_AHEAD_S: i64 = super::SKEW_S;

/// What the verifier asks of the presenter: the nonce it gave and the audience it expects
/// (itself). Either one asks for proof of possession, so a presentation without a KB-JWT
/// fails; none asks for nothing, and a bare SD-JWT passes as a bearer presentation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Challenge {
    pub nonce: Option<String>,
    pub aud: Option<String>,
}

impl Challenge {
    fn asks_for_proof(&self) -> bool {
        self.nonce.is_some() || self.aud.is_some()
    }
}

impl Verifier {
    /// As [`Verifier::check`], with the verifier's challenge for the key binding.
    pub fn check_challenged(
        &self,
        token: &str,
        now: DateTime<Utc>,
        challenge: &Challenge,
    ) -> Pending {
        let token = token.trim();
        // An SD-JWT has a '~' after its 4 KB JWT: found with SIMD, not a byte at a time.
        if memchr::memchr(b'~', token.as_bytes()).is_some() {
            return Self::pending(self.credential(token, now, challenge));
        }
        let mut p = self.check_presentation(token, now);
        if challenge.asks_for_proof() && !p.report.is_failed() {
            p.report.failed(
                CheckName::KeyBinding,
                SubIndication::SigConstraintsFailure,
                Reason::KeyBindingNotInQr,
            );
        }
        p
    }
}

/// The key-binding check of an SD-JWT whose issuer signature has been verified (so its
/// `cnf` can be trusted). False, with a failed check, when the key binding does not hold.
pub(super) fn check(
    r: &mut Report,
    decoded: &Decoded,
    challenge: &Challenge,
    now: DateTime<Utc>,
) -> bool {
    match verify(decoded, challenge, now) {
        Ok(reason) => {
            if matches!(reason, Reason::KeyBindingBearer) {
                r.warning(CheckName::KeyBinding, reason);
            } else {
                r.passed(CheckName::KeyBinding, reason);
            }
            true
        }
        Err((sub, reason)) => {
            r.failed(CheckName::KeyBinding, sub, reason);
            false
        }
    }
}

type Failure = (SubIndication, Reason);

fn verify(d: &Decoded, challenge: &Challenge, now: DateTime<Utc>) -> Result<Reason, Failure> {
    use SubIndication::*;
    let Some(kb_jwt) = &d.kb else {
        return if challenge.asks_for_proof() {
            Err((SigConstraintsFailure, Reason::KeyBindingMissing))
        } else {
            Ok(Reason::KeyBindingBearer)
        };
    };
    let key =
        holder_key(&d.claims).ok_or((SigConstraintsFailure, Reason::KeyBindingNoHolderKey))?;
    match kb_jwt.header_str("typ") {
        Some(kb::TYP) => {}
        other => {
            return Err((
                FormatFailure,
                Reason::KeyBindingTyp {
                    typ: other.unwrap_or("").into(),
                },
            ));
        }
    }
    if !kb_jwt.verify(&key) {
        return Err((SigCryptoFailure, Reason::KeyBindingSignatureMismatch));
    }
    let malformed = |detail: &str| {
        (
            FormatFailure,
            Reason::KeyBindingMalformed {
                detail: detail.into(),
            },
        )
    };
    let claims = kb_jwt
        .payload_object()
        .map_err(|_| malformed("the payload is not a JSON object"))?;
    let sd_hash = claims
        .get("sd_hash")
        .and_then(Value::as_str)
        .ok_or_else(|| malformed("sd_hash is missing or not a string"))?;
    if sd_hash != kb::sd_hash(&d.presented) {
        return Err((HashFailure, Reason::KeyBindingSdHashMismatch));
    }
    let iat = claims
        .get("iat")
        .and_then(Value::as_i64)
        .ok_or_else(|| malformed("iat is missing or not an integer"))?;
    let now = now.timestamp();
    if iat > now + MAX_AHEAD_S {
        return Err((
            NotYetValid,
            Reason::KeyBindingInFuture {
                iat,
                max_s: MAX_AHEAD_S,
            },
        ));
    }
    if now - iat > MAX_AGE_S {
        return Err((
            Expired,
            Reason::KeyBindingStale {
                iat,
                age_s: now - iat,
                max_s: MAX_AGE_S,
            },
        ));
    }
    let text = |k: &str| claims.get(k).and_then(Value::as_str).map(str::to_string);
    if let Some(expected) = &challenge.nonce
        && text("nonce").as_ref() != Some(expected)
    {
        return Err((
            SigConstraintsFailure,
            Reason::KeyBindingNonceMismatch {
                expected: expected.clone(),
                got: text("nonce"),
            },
        ));
    }
    if let Some(expected) = &challenge.aud
        && text("aud").as_ref() != Some(expected)
    {
        return Err((
            SigConstraintsFailure,
            Reason::KeyBindingAudMismatch {
                expected: expected.clone(),
                got: text("aud"),
            },
        ));
    }
    Ok(Reason::KeyBindingValid {
        iat,
        nonce: challenge.nonce.clone(),
        aud: challenge.aud.clone(),
    })
}

/// The holder's EC P-256 public key (uncompressed point) from `cnf.jwk`.
fn holder_key(claims: &crate::json::Object) -> Option<Vec<u8>> {
    let jwk = claims.get("cnf")?.get("jwk")?;
    if jwk.get("kty")?.as_str()? != "EC" || jwk.get("crv")?.as_str()? != "P-256" {
        return None;
    }
    let coord = |k: &str| {
        jwk.get(k)
            .and_then(Value::as_str)
            .and_then(b64::decode_url)
            .filter(|c| c.len() == 32)
    };
    let (x, y) = (coord("x")?, coord("y")?);
    let mut point = Vec::with_capacity(65);
    point.push(0x04);
    point.extend_from_slice(&x);
    point.extend_from_slice(&y);
    Some(point)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::Object;
    use serde_json::json;

    #[test]
    fn the_holder_key_is_an_ec_p256_jwk_and_nothing_else() {
        let xy = b64::encode_url(&[7u8; 32]);
        let claims = |jwk: Value| {
            let mut m = Object::new();
            m.insert("cnf".into(), json!({ "jwk": jwk }));
            m
        };
        let good = claims(json!({"kty": "EC", "crv": "P-256", "x": xy, "y": xy}));
        assert_eq!(holder_key(&good).unwrap().len(), 65);
        for bad in [
            json!({"kty": "EC", "crv": "P-384", "x": xy, "y": xy}),
            json!({"kty": "OKP", "crv": "P-256", "x": xy, "y": xy}),
            json!({"kty": "EC", "crv": "P-256", "x": xy}),
            json!({"kty": "EC", "crv": "P-256", "x": b64::encode_url(&[7u8; 31]), "y": xy}),
        ] {
            assert!(holder_key(&claims(bad.clone())).is_none(), "{bad}");
        }
        assert!(holder_key(&Object::new()).is_none());
    }
}
