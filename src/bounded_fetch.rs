//! Reading a fetched body (a status list, a trust list) with a size limit: streamed chunk by
//! chunk and refused as soon as it passes the limit, so a hostile or broken endpoint
//! answering gigabytes costs at most the limit in memory, not the whole body.

/// Default limit for a status list's body: a 1-bit list of a million entries, all revoked
/// and incompressible, is 170 KB of base64; 4 MiB leaves ample room.
pub const STATUS_LIST_DEFAULT: u64 = 4 << 20;
/// Default limit for a trust list's body (a few dozen regions' certificates and endpoints).
pub const TRUST_LIST_DEFAULT: u64 = 4 << 20;

#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    #[error("{0}")]
    Read(#[from] reqwest::Error),
    #[error("the response body is larger than the limit of {limit} bytes ({seen}): refused")]
    TooLarge { limit: u64, seen: String },
}

/// The limit set by the environment variable `var` (a number of bytes), or `default` when
/// it is unset or not a positive number (the latter is logged).
pub fn limit_from_env(var: &str, default: u64) -> u64 {
    let setting = std::env::var(var).ok();
    parse_limit(setting.as_deref(), default).unwrap_or_else(|| {
        tracing::warn!(%var, value = ?setting, default, "not a positive byte count: using the default");
        default
    })
}

/// `None` when `setting` is given but is not a positive number.
fn parse_limit(setting: Option<&str>, default: u64) -> Option<u64> {
    match setting {
        None => Some(default),
        Some(v) => v.trim().parse::<u64>().ok().filter(|&n| n > 0),
    }
}

/// Reads `resp`'s body as text, refusing it (and dropping the connection) once it exceeds
/// `limit` bytes, or at once when its Content-Length already says so.
pub async fn read_text(mut resp: reqwest::Response, limit: u64) -> Result<String, BodyError> {
    if let Some(len) = resp.content_length()
        && len > limit
    {
        return Err(BodyError::TooLarge {
            limit,
            seen: format!("Content-Length {len}"),
        });
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await? {
        if body.len() as u64 + chunk.len() as u64 > limit {
            return Err(BodyError::TooLarge {
                limit,
                seen: "more was sent".into(),
            });
        }
        body.extend_from_slice(&chunk);
    }
    // The tokens read here are ASCII; anything else fails their own parsing later.
    Ok(String::from_utf8(body)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::parse_limit;

    #[test]
    fn a_limit_is_a_positive_byte_count_or_the_default() {
        assert_eq!(parse_limit(None, 7), Some(7));
        assert_eq!(parse_limit(Some(" 1048576 "), 7), Some(1 << 20));
        assert_eq!(parse_limit(Some("0"), 7), None);
        assert_eq!(parse_limit(Some("4MB"), 7), None);
    }
}
