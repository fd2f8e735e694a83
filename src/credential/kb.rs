//! Key binding (RFC 9901 §7.3), the holder's side: the answer to a verifier's challenge is
//! the SD-JWT with only the disclosures the holder chose, then a KB-JWT signed with the
//! key the credential names in `cnf.jwk`, over the verifier's `nonce` and `aud` and a
//! digest (`sd_hash`) of exactly what is presented.

use ring::digest::{SHA256, digest};
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair};
use serde_json::json;

use super::p256_jwk;
use super::sdjwt::{self, SdJwtError};
use crate::b64;

pub const TYP: &str = "kb+jwt";

/// base64url(SHA-256) of the presented `<jwt>~<d1>~...~<dn>~`.
pub fn sd_hash(presented: &str) -> String {
    b64::encode_url(digest(&SHA256, presented.as_bytes()).as_ref())
}

#[derive(Debug, thiserror::Error)]
pub enum KbError {
    #[error("the stored credential does not decode: {0}")]
    SdJwt(#[from] SdJwtError),
    #[error("{name:?} is not a claim this credential can disclose; it can disclose: {available}")]
    UnknownDisclosure { name: String, available: String },
    #[error("{name:?} names more than one claim ({candidates}); give the full path")]
    Ambiguous { name: String, candidates: String },
    #[error(
        "the credential is not bound to this company's holder key (its cnf names another key, or none), so the wallet cannot prove possession of it"
    )]
    NotBound,
    #[error("signing the key-binding JWT failed")]
    Sign,
}

/// What the holder presents.
#[derive(Debug, Clone)]
pub struct Presented {
    /// `<jwt>~<chosen disclosures>~<kb-jwt>`.
    pub sd_jwt: String,
    /// The paths of the disclosures it carries.
    pub disclosed: Vec<String>,
}

/// The disclosure of `paths` that `name` means: a path itself (`address`,
/// `legal_representative.name`), or the last part of exactly one path (`id_number`).
fn resolve_name<'a>(name: &str, paths: &'a [String]) -> Result<&'a str, KbError> {
    if let Some(p) = paths.iter().find(|p| p.as_str() == name) {
        return Ok(p.as_str());
    }
    let suffix = format!(".{name}");
    let found: Vec<&String> = paths.iter().filter(|p| p.ends_with(&suffix)).collect();
    match found.as_slice() {
        [one] => Ok(one.as_str()),
        [] => Err(KbError::UnknownDisclosure {
            name: name.into(),
            available: if paths.is_empty() {
                "nothing".into()
            } else {
                paths.join(", ")
            },
        }),
        many => Err(KbError::Ambiguous {
            name: name.into(),
            candidates: many
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

/// `token` (an issued SD-JWT, ending in '~') with only the disclosures named in `disclose`
/// and a KB-JWT made at `iat` and signed by `key`, which must be the key of `cnf.jwk`.
pub fn present(
    token: &str,
    disclose: &[String],
    nonce: &str,
    aud: &str,
    iat: i64,
    key: &EcdsaKeyPair,
) -> Result<Presented, KbError> {
    let decoded = sdjwt::decode(token)?;
    let bound = decoded.claims.get("cnf").and_then(|c| c.get("jwk"));
    if bound != Some(&p256_jwk(key.public_key().as_ref())) {
        return Err(KbError::NotBound);
    }
    let mut keep = Vec::with_capacity(disclose.len());
    for name in disclose {
        let path = resolve_name(name, &decoded.paths)?;
        if !keep.contains(&path) {
            keep.push(path);
        }
    }
    let mut presented = token.split('~').next().unwrap_or_default().to_string();
    let mut disclosed = Vec::new();
    // Disclosures in the token's order, paths aligned with them.
    for (d, path) in token.split('~').skip(1).zip(&decoded.paths) {
        if keep.contains(&path.as_str()) {
            presented.push('~');
            presented.push_str(d);
            disclosed.push(path.clone());
        }
    }
    presented.push('~');
    let kb = sign_kb(&presented, nonce, aud, iat, key)?;
    Ok(Presented {
        sd_jwt: format!("{presented}{kb}"),
        disclosed,
    })
}

/// The KB-JWT over `presented`.
pub fn sign_kb(
    presented: &str,
    nonce: &str,
    aud: &str,
    iat: i64,
    key: &EcdsaKeyPair,
) -> Result<String, KbError> {
    let header = json!({"typ": TYP, "alg": "ES256"});
    let payload = json!({
        "iat": iat,
        "aud": aud,
        "nonce": nonce,
        "sd_hash": sd_hash(presented),
    });
    // JSON values' text forms cannot fail.
    let input = format!(
        "{}.{}",
        b64::encode_url(header.to_string().as_bytes()),
        b64::encode_url(payload.to_string().as_bytes())
    );
    let sig = key
        .sign(&SystemRandom::new(), input.as_bytes())
        .map_err(|_| KbError::Sign)?;
    Ok(format!("{input}.{}", b64::encode_url(sig.as_ref())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths() -> Vec<String> {
        [
            "legal_representative.name",
            "legal_representative.id_number",
            "address",
        ]
        .map(String::from)
        .to_vec()
    }

    #[test]
    fn a_name_is_a_path_or_the_last_part_of_exactly_one() {
        let p = paths();
        assert_eq!(resolve_name("address", &p).unwrap(), "address");
        assert_eq!(
            resolve_name("id_number", &p).unwrap(),
            "legal_representative.id_number"
        );
        assert_eq!(
            resolve_name("legal_representative.name", &p).unwrap(),
            "legal_representative.name"
        );
        let e = resolve_name("shoe_size", &p).unwrap_err().to_string();
        assert!(e.contains("\"shoe_size\"") && e.contains("address"), "{e}");
        let twice = vec!["a.name".to_string(), "b.name".to_string()];
        assert!(matches!(
            resolve_name("name", &twice),
            Err(KbError::Ambiguous { .. })
        ));
    }

    #[test]
    fn sd_hash_is_base64url_sha256_of_what_is_presented() {
        // SHA-256("abc~"), base64url without padding.
        assert_eq!(sd_hash("abc~").len(), 43);
        assert_ne!(sd_hash("abc~"), sd_hash("abc~d~"));
    }
}
