//! 统一社会信用代码 (GB 32100-2015). A `Uscc` that exists has a valid check character.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::DomainError;

const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uscc(String);

impl Uscc {
    /// Parses an 18-character code; the GB 32100 check character is enforced.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let err = |reason: String| DomainError::new("uscc", reason);
        let s = input.trim();
        if s.chars().count() != 18 {
            return Err(err(format!(
                "must have 18 characters, got {}",
                s.chars().count()
            )));
        }
        let upper = s.to_ascii_uppercase();
        let mut values = [0u32; 18];
        for (i, c) in upper.bytes().enumerate() {
            values[i] = match ALPHABET.iter().position(|&a| a == c) {
                Some(v) => v as u32,
                None => {
                    return Err(err(format!(
                        "character {} ('{}') is not allowed; the alphabet is 0-9 and A-Y without I, O, S, V, Z",
                        i + 1,
                        c as char
                    )));
                }
            };
        }
        if !upper[2..8].bytes().all(|b| b.is_ascii_digit()) {
            return Err(err(
                "positions 3-8 must be the digits of a GB/T 2260 division code".into(),
            ));
        }
        let expected = check_char(&values[..17]);
        if upper.as_bytes()[17] != expected {
            return Err(err(format!(
                "check character is '{}' but should be '{}'",
                upper.as_bytes()[17] as char,
                expected as char
            )));
        }
        Ok(Uscc(upper))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// GB/T 2260 division code of the registering authority (positions 3-8).
    pub fn division_code(&self) -> &str {
        &self.0[2..8]
    }

    /// The GB 11714 organisation-code check (positions 9-17) is not enforced everywhere,
    /// so a failure is a warning for the caller to show, not an error.
    pub fn organisation_code_warning(&self) -> Option<String> {
        let code = &self.0.as_bytes()[8..17];
        let weights = [3u32, 7, 9, 10, 5, 8, 4, 2];
        let mut sum = 0;
        for (c, w) in code[..8].iter().zip(weights) {
            let v = match c {
                b'0'..=b'9' => (c - b'0') as u32,
                b'A'..=b'Z' => (c - b'A') as u32 + 10,
                _ => return Some("organisation code has an unexpected character".into()),
            };
            sum += v * w;
        }
        let expected = match 11 - sum % 11 {
            10 => b'X',
            11 => b'0',
            r => b'0' + r as u8,
        };
        (code[8] != expected).then(|| {
            format!(
                "organisation code (positions 9-17) fails the GB 11714 check: last character '{}', expected '{}'",
                code[8] as char, expected as char
            )
        })
    }
}

fn check_char(values: &[u32]) -> u8 {
    let s: u32 = values.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    let r = (31 - s % 31) % 31;
    ALPHABET[r as usize]
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Uscc {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Uscc {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        // The reason alone: the JSON path (or the record's key) names the field.
        Uscc::parse(&s).map_err(|e| serde::de::Error::custom(e.reason))
    }
}

/// Completes a 17-character body with its check character. For tests, demos and tools;
/// returns None when a character is outside the alphabet.
pub fn with_check_char(body17: &str) -> Option<String> {
    if body17.len() != 17 {
        return None;
    }
    let values: Option<Vec<u32>> = body17
        .bytes()
        .map(|c| ALPHABET.iter().position(|&a| a == c).map(|v| v as u32))
        .collect();
    Some(format!("{body17}{}", check_char(&values?) as char))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Vectors {
        valid: Vec<Entry>,
        invalid: Vec<Entry>,
    }
    #[derive(Deserialize)]
    struct Entry {
        code: String,
    }

    #[test]
    fn shared_vectors() {
        let v: Vectors =
            serde_json::from_str(include_str!("../../tests/vectors/uscc.json")).unwrap();
        for e in &v.valid {
            let u = Uscc::parse(&e.code).unwrap_or_else(|err| panic!("{}: {err}", e.code));
            assert_eq!(u.as_str(), e.code);
        }
        for e in &v.invalid {
            let err = Uscc::parse(&e.code).unwrap_err();
            assert_eq!(err.field, "uscc", "{}", e.code);
        }
    }

    #[test]
    fn wrong_check_character_says_which() {
        let err = Uscc::parse("91110108717809965C").unwrap_err();
        assert!(err.reason.contains("should be"), "{}", err.reason);
    }

    #[test]
    fn organisation_code_check_is_a_warning() {
        let u = Uscc::parse("914403001922038216").unwrap();
        assert_eq!(u.organisation_code_warning(), None);
        let s = with_check_char("91440101MA5AAAAA1").unwrap();
        let u = Uscc::parse(&s).unwrap();
        assert!(u.organisation_code_warning().is_some());
    }

    #[test]
    fn lower_case_is_normalised() {
        let u = Uscc::parse("91440300708461136t").unwrap();
        assert_eq!(u.as_str(), "91440300708461136T");
    }
}
