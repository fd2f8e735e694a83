//! SD-JWT (RFC 9901) as SD-JWT VC: an issuer-signed JWT whose personal claims are replaced
//! by digests of disclosures, followed by the disclosures: `<jwt>~<d1>~<d2>~`.

use ring::digest::{SHA256, digest};
use ring::rand::{SecureRandom, SystemRandom};
use serde_json::{Map, Value, json};

use super::jws::{self, JwsError, Parsed};
use crate::b64;
use crate::json::Object;
use crate::pki::Signer;

pub const TYP: &str = "dc+sd-jwt";

/// Claims to sign, and which of them (by path) are selectively disclosable.
pub struct SdJwtInput {
    pub claims: Map<String, Value>,
    /// Top-level names, or `parent.child` for a claim inside a top-level object.
    pub disclosable: Vec<String>,
}

fn salt() -> String {
    let mut b = [0u8; 16];
    // As `Signer::sign`, which runs next: without the OS random source nothing can be
    // issued, and a salt of zeros would let anyone guess a withheld claim from its digest.
    SystemRandom::new()
        .fill(&mut b)
        .expect("system random source failed");
    b64::encode_url(&b)
}

/// A disclosure's digest as an `_sd` array lists it (base64url SHA-256, 43 characters).
type DigestText = [u8; 43];

fn digest_text(encoded: &str) -> DigestText {
    let d = digest(&SHA256, encoded.as_bytes());
    let mut bytes = [0u8; 32];
    bytes.copy_from_slice(d.as_ref());
    b64::encode_url_digest(&bytes)
}

fn disclosure_digest(encoded: &str) -> String {
    String::from_utf8_lossy(&digest_text(encoded)).into_owned()
}

/// Makes one disclosure; returns (encoded disclosure, its digest).
fn disclose(name: &str, value: &Value) -> (String, String) {
    let array = json!([salt(), name, value]);
    let encoded = b64::encode_url(array.to_string().as_bytes()); // a JSON value's text form cannot fail
    let d = disclosure_digest(&encoded);
    (encoded, d)
}

fn push_sd(obj: &mut Map<String, Value>, digest: String) {
    let entry = obj.entry("_sd").or_insert_with(|| Value::Array(vec![]));
    if let Value::Array(a) = entry {
        a.push(Value::String(digest));
        // Sorted digests reveal nothing about the order of the claims.
        a.sort_by(|x, y| x.as_str().cmp(&y.as_str()));
    }
}

/// Issues an SD-JWT VC signed by `signer`, with the certificate chain in `x5c`.
pub fn issue(input: SdJwtInput, signer: &Signer) -> String {
    let mut claims = input.claims;
    let mut disclosures = Vec::new();
    for path in &input.disclosable {
        let (parent, name) = match path.split_once('.') {
            Some((p, n)) => (Some(p), n),
            None => (None, path.as_str()),
        };
        let target = match parent {
            None => Some(&mut claims),
            Some(p) => claims.get_mut(p).and_then(Value::as_object_mut),
        };
        let Some(obj) = target else { continue };
        if let Some(value) = obj.remove(name) {
            let (encoded, d) = disclose(name, &value);
            push_sd(obj, d);
            disclosures.push(encoded);
        }
    }
    claims.insert("_sd_alg".into(), Value::from("sha-256"));
    let header = jws::x5c_header(TYP, signer);
    let jwt = jws::sign(
        header,
        // A JSON value's text form cannot fail.
        Value::Object(claims).to_string().as_bytes(),
        signer,
    );
    let mut out = jwt;
    for d in disclosures {
        out.push('~');
        out.push_str(&d);
    }
    out.push('~');
    out
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SdJwtError {
    #[error("issuer-signed JWT: {0}")]
    Jws(#[from] JwsError),
    #[error("typ is {0:?}, expected \"dc+sd-jwt\"")]
    Typ(String),
    #[error("disclosure {0} is not base64url JSON [salt, name, value]")]
    Disclosure(usize),
    #[error("disclosure {0} is not referenced by any digest in the credential")]
    Unreferenced(usize),
    #[error("digest {0} appears more than once")]
    Duplicate(String),
    #[error("_sd_alg {0:?} is not supported; sha-256 is")]
    Alg(String),
    #[error("the key-binding JWT after the last '~' is not a compact JWS: {0}")]
    KeyBinding(JwsError),
}

/// An SD-JWT whose disclosures have been checked against the signed digests.
/// The signature itself is checked by the caller, who knows which keys it trusts.
#[derive(Debug, Clone)]
pub struct Decoded {
    pub jwt: Parsed,
    /// The payload with every presented disclosure put back in place.
    pub claims: Object,
    pub disclosed: Vec<String>,
    /// The path of each disclosure (`address`, `legal_representative.name`), in the
    /// token's order.
    pub paths: Vec<String>,
    /// The key-binding JWT after the last '~', parsed, not yet verified.
    pub kb: Option<Parsed>,
    /// What a KB-JWT's `sd_hash` covers: the token up to and including the last '~'.
    pub presented: String,
    /// The length of the issuer-signed JWT at the start of `presented`.
    jwt_len: usize,
}

impl Decoded {
    /// The issuer-signed JWT as presented (the part before the first '~').
    pub fn issuer_jwt(&self) -> &str {
        &self.presented[..self.jwt_len]
    }
}

pub fn decode(token: &str) -> Result<Decoded, SdJwtError> {
    let token = token.trim();
    // RFC 9901: `<jwt>~<d1>~...~<dn>~[<kb-jwt>]`. Every part between the first and the last
    // '~' is a disclosure (a damaged one is refused, never skipped); after the last is the
    // key-binding JWT, or nothing.
    // The '~' found with SIMD: the token is 4 KB, and `str::split` looks at a word at a time.
    let mut parts = Vec::with_capacity(8);
    let mut start = 0;
    for tilde in memchr::memchr_iter(b'~', token.as_bytes()) {
        parts.push(&token[start..tilde]);
        start = tilde + 1;
    }
    parts.push(&token[start..]);
    let kb = parts
        .pop()
        .filter(|_| !parts.is_empty())
        .unwrap_or_default();
    let presented = token[..token.len() - kb.len()].to_string();
    let issuer_jwt = parts.first().copied().unwrap_or(token);
    let jwt = Parsed::parse(issuer_jwt)?;
    match jwt.header_str("typ") {
        Some(TYP) | Some("vc+sd-jwt") => {}
        other => return Err(SdJwtError::Typ(other.unwrap_or("").into())),
    }
    let mut claims = jwt.payload_object()?;
    match claims.remove("_sd_alg").as_ref().and_then(Value::as_str) {
        None | Some("sha-256") => {}
        Some(other) => return Err(SdJwtError::Alg(other.into())),
    }
    // A last part without '.' is a disclosure that lost its closing '~'.
    let kb = match kb {
        "" => None,
        kb if !kb.contains('.') => return Err(SdJwtError::Disclosure(parts.len() - 1)),
        kb => Some(Parsed::parse(kb).map_err(SdJwtError::KeyBinding)?),
    };
    // Each disclosure by its digest; a disclosure is taken (moved into the claims) once.
    let count = parts.len().saturating_sub(1);
    let mut by_digest = Disclosures::with_capacity(count);
    let mut disclosures = Vec::with_capacity(count);
    for (i, d) in parts.iter().skip(1).enumerate() {
        let raw = b64::decode_url(d).ok_or(SdJwtError::Disclosure(i))?;
        // `[salt, name, value]`, exactly three, the name a string (parsed straight into
        // place: no array of values built and taken apart).
        let (_salt, name, value): (serde::de::IgnoredAny, String, Value) =
            crate::json::from_slice(&raw).map_err(|_| SdJwtError::Disclosure(i))?;
        let digest = digest_text(d);
        if by_digest.insert(digest, i).is_some() {
            return Err(SdJwtError::Duplicate(
                String::from_utf8_lossy(&digest).into_owned(),
            ));
        }
        disclosures.push(Some((name, value)));
    }
    let mut disclosed = Vec::new();
    let mut paths = vec![String::new(); count];
    resolve(
        &mut claims,
        &by_digest,
        &mut disclosures,
        &mut Resolved {
            disclosed: &mut disclosed,
            paths: &mut paths,
        },
        &mut String::new(),
    )?;
    if let Some(i) = disclosures.iter().position(Option::is_some) {
        return Err(SdJwtError::Unreferenced(i));
    }
    Ok(Decoded {
        jwt,
        claims,
        disclosed,
        paths,
        kb,
        jwt_len: issuer_jwt.len(),
        presented,
    })
}

/// Digest → index of the disclosure in the token.
type Disclosures = std::collections::HashMap<DigestText, usize>;

/// What [`resolve`] needs of an object: the payload is an [`Object`], the objects nested in
/// it are serde_json's `Map` (inside a `Value`).
trait Claims {
    fn remove(&mut self, key: &str) -> Option<Value>;
    fn insert(&mut self, key: String, value: Value);
    fn entries_mut(&mut self) -> impl Iterator<Item = (&String, &mut Value)>;
}

impl Claims for Object {
    fn remove(&mut self, key: &str) -> Option<Value> {
        Object::remove(self, key)
    }
    fn insert(&mut self, key: String, value: Value) {
        Object::insert(self, key, value);
    }
    fn entries_mut(&mut self) -> impl Iterator<Item = (&String, &mut Value)> {
        self.iter_mut()
    }
}

impl Claims for Map<String, Value> {
    fn remove(&mut self, key: &str) -> Option<Value> {
        Map::remove(self, key)
    }
    fn insert(&mut self, key: String, value: Value) {
        Map::insert(self, key, value);
    }
    fn entries_mut(&mut self) -> impl Iterator<Item = (&String, &mut Value)> {
        self.iter_mut()
    }
}

/// The paths of the disclosures put back: in the order met, and by token position.
struct Resolved<'a> {
    disclosed: &'a mut Vec<String>,
    paths: &'a mut [String],
}

/// Puts each disclosure an `_sd` digest names back in place (moving it: a digest met twice
/// finds its disclosure gone, a duplicate). `prefix`: the path of `obj` (`""` or `parent.`),
/// one buffer grown and cut back as the walk goes down and up.
fn resolve(
    obj: &mut impl Claims,
    by_digest: &Disclosures,
    disclosures: &mut [Option<(String, Value)>],
    out: &mut Resolved,
    prefix: &mut String,
) -> Result<(), SdJwtError> {
    if let Some(Value::Array(digests)) = obj.remove("_sd") {
        for d in digests.iter().filter_map(Value::as_str) {
            // Anything but 43 characters is no digest of ours: it names no disclosure.
            let Ok(key) = DigestText::try_from(d.as_bytes()) else {
                continue;
            };
            if let Some(&i) = by_digest.get(&key) {
                let Some((name, value)) = disclosures[i].take() else {
                    return Err(SdJwtError::Duplicate(d.into()));
                };
                let path = format!("{prefix}{name}");
                out.paths[i] = path.clone();
                out.disclosed.push(path);
                obj.insert(name, value);
            }
        }
    }
    for (k, v) in obj.entries_mut() {
        if let Value::Object(inner) = v {
            let len = prefix.len();
            prefix.push_str(k);
            prefix.push('.');
            let resolved = resolve(inner, by_digest, disclosures, out, prefix);
            prefix.truncate(len);
            resolved?;
        }
    }
    Ok(())
}

/// Keeps only the disclosures whose claim names are in `keep` (a holder's selective presentation).
pub fn select(token: &str, keep: &[&str]) -> String {
    let mut parts = token.trim().split('~');
    let mut out = parts.next().unwrap_or_default().to_string();
    for d in parts.filter(|p| !p.is_empty()) {
        let name = b64::decode_url(d)
            .and_then(|raw| serde_json::from_slice::<Vec<Value>>(&raw).ok())
            .and_then(|a| a.get(1).and_then(Value::as_str).map(str::to_string));
        if name.is_some_and(|n| keep.contains(&n.as_str())) {
            out.push('~');
            out.push_str(d);
        }
    }
    out.push('~');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::RegionCode;
    use crate::pki::{Role, init};

    fn issued() -> String {
        let dir = tempfile::tempdir().unwrap();
        let gz = RegionCode::parse("440100").unwrap();
        init(dir.path(), &[gz]).unwrap();
        let signer = Signer::load(dir.path(), Some(&gz), Role::LicenceIssuer).unwrap();
        let mut claims = Map::new();
        claims.insert("name".into(), json!("示例公司"));
        claims.insert("address".into(), json!("广州市"));
        issue(
            SdJwtInput {
                claims,
                disclosable: vec!["name".into(), "address".into()],
            },
            &signer,
        )
    }

    #[test]
    fn a_disclosure_damaged_into_something_with_a_dot_is_refused() {
        let token = issued();
        assert_eq!(decode(&token).unwrap().disclosed.len(), 2);
        let parts: Vec<&str> = token.split('~').collect();
        // Each disclosure, with one character replaced by '.', and the token still ending in '~'.
        for i in 1..parts.len() - 1 {
            let mut damaged: Vec<String> = parts.iter().map(|p| p.to_string()).collect();
            damaged[i].replace_range(3..4, ".");
            let bad = damaged.join("~");
            assert!(
                matches!(decode(&bad), Err(SdJwtError::Disclosure(_))),
                "disclosure {i} damaged into {:?} was accepted",
                damaged[i]
            );
        }
    }

    /// A disclosure is `[salt, name, value]`: two or four elements, or a name that is not a
    /// string, is refused (and named by its position).
    #[test]
    fn a_disclosure_of_another_shape_is_refused() {
        let token = issued();
        let jwt = token.split('~').next().unwrap();
        for shape in [
            json!(["salt", "name"]),
            json!(["salt", "name", "示例", "extra"]),
            json!(["salt", 7, "示例"]),
            json!({"salt": "s", "name": "n", "value": "v"}),
        ] {
            let d = b64::encode_url(&serde_json::to_vec(&shape).unwrap());
            let bad = format!("{jwt}~{d}~");
            assert!(
                matches!(decode(&bad), Err(SdJwtError::Disclosure(0))),
                "{shape} was accepted"
            );
        }
    }

    #[test]
    fn only_the_last_part_may_be_a_key_binding_jwt() {
        let token = issued();
        let jwt = token.split('~').next().unwrap();
        // An empty disclosure between two '~' is no disclosure.
        assert!(decode(&token.replacen('~', "~~", 1)).is_err());
        // A final disclosure without the closing '~' is in the KB-JWT position.
        assert!(decode(token.trim_end_matches('~')).is_err());
        // A KB-JWT is parsed (and checked by the verifier); what it covers is kept.
        let with_kb = decode(&format!("{token}{jwt}")).unwrap();
        assert!(with_kb.kb.is_some());
        assert_eq!(with_kb.presented, token);
        assert!(matches!(
            decode(&format!("{token}a.b")),
            Err(SdJwtError::KeyBinding(_))
        ));
        // No disclosures at all is fine (the holder withheld them all).
        assert!(decode(&format!("{jwt}~")).unwrap().disclosed.is_empty());
    }
}
