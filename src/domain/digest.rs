//! A SHA-256 digest as people send it: 64 hexadecimal characters, kept in lower case.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::DomainError;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Sha256Hex(String);

impl Sha256Hex {
    /// Parses 64 hexadecimal characters (either case, surrounding spaces ignored).
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let s = input.trim().to_ascii_lowercase();
        if s.len() != 64 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(DomainError::new(
                "sha256",
                "must be 64 hexadecimal characters (a SHA-256 digest)",
            ));
        }
        Ok(Sha256Hex(s))
    }

    /// The digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        Sha256Hex(hex::encode(ring::digest::digest(
            &ring::digest::SHA256,
            bytes,
        )))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Sha256Hex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// For serde: the reason alone, since the JSON path already names the field.
impl TryFrom<String> for Sha256Hex {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Sha256Hex::parse(&s).map_err(|e| e.reason)
    }
}

impl From<Sha256Hex> for String {
    fn from(d: Sha256Hex) -> String {
        d.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_only_64_hex_characters() {
        let upper = "AB".repeat(32);
        assert_eq!(Sha256Hex::parse(&upper).unwrap().as_str(), "ab".repeat(32));
        for bad in [
            "",
            "ab",
            &"g".repeat(64),
            &"a".repeat(65),
            "日".repeat(64).as_str(),
        ] {
            let e = Sha256Hex::parse(bad).unwrap_err();
            assert_eq!(e.field, "sha256", "{bad:?}");
        }
        assert_eq!(
            Sha256Hex::of(b"abc").as_str(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let json: Result<Sha256Hex, _> = serde_json::from_str("\"xyz\"");
        assert!(json.is_err());
    }
}
