//! Base64 in the two alphabets JOSE uses.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

pub fn encode_url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A SHA-256 digest in base64url: always 43 characters, so it is held on the stack.
pub fn encode_url_digest(digest: &[u8; 32]) -> [u8; 43] {
    let mut out = [0u8; 43];
    match URL_SAFE_NO_PAD.encode_slice(digest, &mut out) {
        Ok(43) => out,
        // 32 bytes are 43 characters without padding, whatever they are.
        other => unreachable!("32 bytes encoded as {other:?} base64url characters"),
    }
}

pub fn decode_url(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

pub fn encode_std(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

pub fn decode_std(text: &str) -> Option<Vec<u8>> {
    STANDARD.decode(text.trim()).ok()
}
