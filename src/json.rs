//! Reading JSON into serde types: sonic-rs reads it (SIMD: every request body, token
//! payload, disclosure and stored record passes here), and serde_json, which writes
//! everything we sign, has the last word. sonic-rs accepts and refuses the same texts
//! (trailing data, bad UTF-8, lone surrogates, control characters, duplicate fields: the
//! test below), but a text it refuses is read again by serde_json, whose answer (the value,
//! or the error and its message) is the one returned.
//!
//! [`Object`]: what a credential's claims and a report's details are read into (a sorted
//! vector, cheaper than serde_json's B-tree `Map` for a dozen claims, written out the same).

use serde::de::DeserializeOwned;

mod object;
pub use object::Object;

pub fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, serde_json::Error> {
    match sonic_rs::from_slice(bytes) {
        Ok(v) => Ok(v),
        Err(_) => serde_json::from_slice(bytes),
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::Value;

    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Body {
        token: String,
        #[serde(default)]
        nonce: Option<String>,
    }

    /// sonic-rs alone accepts exactly what serde_json accepts, and reads the same value.
    #[test]
    fn sonic_and_serde_json_agree() {
        let texts: [&[u8]; 17] = [
            br#"{"token":"a"}"#,
            br#"{"token":"a"} x"#,
            br#"{"token":"a"}  "#,
            b"{\"token\":\"\xff\"}",
            br#"{"token":"\ud800"}"#,
            br#"{"token":"\ud83d\ude00"}"#,
            br#"{"token":"a","token":"b"}"#,
            br#"{"token":"a","x":1}"#,
            br#"{"token":"a","nonce":null}"#,
            br#"{"token":1}"#,
            b"{\"token\":\"a\x01\"}",
            br#"{"token":"a",}"#,
            br#"["a"]"#,
            b"\xef\xbb\xbf{\"token\":\"a\"}",
            br#"{"token":"a"}{}"#,
            br#"{"token":"\u00e9\n"}"#,
            b"",
        ];
        for t in texts {
            let ours = sonic_rs::from_slice::<Body>(t).ok();
            let theirs = serde_json::from_slice::<Body>(t).ok();
            assert_eq!(ours, theirs, "{:?}", String::from_utf8_lossy(t));
        }
        let values: [&[u8]; 6] = [
            br#"{"a":[1,-2,3.5,1e3,18446744073709551615,-9223372036854775808],"b":{"c":null}}"#,
            br#"{"a":1,"a":2}"#,
            br#"{"n":123456789012345678901234567890}"#,
            r#"{"s":"\u5e7f\u5dde","t":"广州"}"#.as_bytes(),
            br#"[true,false,null,"",{}]"#,
            br#"{"x":1e400}"#,
        ];
        for t in values {
            let ours = sonic_rs::from_slice::<Value>(t).ok();
            let theirs = serde_json::from_slice::<Value>(t).ok();
            assert_eq!(ours, theirs, "{:?}", String::from_utf8_lossy(t));
        }
    }

    /// A refusal carries serde_json's message.
    #[test]
    fn a_refusal_is_serde_jsons() {
        let e = super::from_slice::<Body>(br#"{"token":1}"#).unwrap_err();
        assert_eq!(
            e.to_string(),
            serde_json::from_slice::<Body>(br#"{"token":1}"#)
                .unwrap_err()
                .to_string()
        );
    }
}
