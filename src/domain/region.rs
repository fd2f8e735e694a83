//! GB/T 2260 administrative division codes, for the regions that run a node.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::DomainError;

/// (code, region name, name of its market regulator)
const KNOWN: &[(&str, &str, &str)] = &[
    ("110000", "北京市", "北京市市场监督管理局"),
    ("310000", "上海市", "上海市市场监督管理局"),
    ("440000", "广东省", "广东省市场监督管理局"),
    ("440100", "广州市", "广州市市场监督管理局"),
    ("440300", "深圳市", "深圳市市场监督管理局"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegionCode([u8; 6]);

impl RegionCode {
    /// Parses a six-digit code whose first two digits name a province (11-82).
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let err = |reason: String| DomainError::new("region", reason);
        let s = input.trim();
        if s.len() != 6 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err(format!(
                "'{s}' is not a GB/T 2260 code: six digits expected"
            )));
        }
        let province: u8 = s[..2].parse().unwrap_or(0);
        if !(11..=82).contains(&province) {
            return Err(err(format!(
                "'{s}': province part {province} does not exist"
            )));
        }
        let mut b = [0u8; 6];
        b.copy_from_slice(s.as_bytes());
        Ok(RegionCode(b))
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII digits are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("000000")
    }

    /// The two-digit province part, used in invoice numbers.
    pub fn province(&self) -> &str {
        &self.as_str()[..2]
    }

    fn known(&self) -> Option<&'static (&'static str, &'static str, &'static str)> {
        KNOWN.iter().find(|(c, _, _)| *c == self.as_str())
    }

    /// The region's name, or the code itself when we do not know it.
    pub fn name(&self) -> std::borrow::Cow<'static, str> {
        self.known()
            .map(|k| k.1.into())
            .unwrap_or_else(|| format!("行政区划 {}", self.as_str()).into())
    }

    /// The market regulator that issues licences in this region.
    pub fn authority_name(&self) -> String {
        self.known()
            .map(|k| k.2.to_string())
            .unwrap_or_else(|| format!("{}市场监督管理局", self.name()))
    }

    pub fn is_known(&self) -> bool {
        self.known().is_some()
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for RegionCode {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RegionCode::parse(s)
    }
}

impl Serialize for RegionCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for RegionCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        RegionCode::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_names() {
        assert_eq!(RegionCode::parse("440100").unwrap().name(), "广州市");
        assert_eq!(RegionCode::parse("440300").unwrap().name(), "深圳市");
        assert_eq!(RegionCode::parse("310000").unwrap().name(), "上海市");
        assert_eq!(RegionCode::parse("110000").unwrap().name(), "北京市");
        assert_eq!(
            RegionCode::parse("440100").unwrap().authority_name(),
            "广州市市场监督管理局"
        );
    }

    #[test]
    fn rejects_malformed() {
        for bad in ["", "44010", "4401000", "44a100", "990100", "000000"] {
            let e = RegionCode::parse(bad).unwrap_err();
            assert_eq!(e.field, "region");
        }
    }
}
