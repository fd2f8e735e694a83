//! Bidirectional control characters (Unicode's explicit embeddings, overrides, isolates and
//! marks). Stored in a name or an address they reorder what a clerk or a page shows around
//! them (U+202E turns "txt.exe" into "exe.txt"), so text from callers may not contain them.

/// U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The first bidi control character in `s`, if any.
pub fn find_bidi_control(s: &str) -> Option<char> {
    s.chars().find(|&c| is_bidi_control(c))
}

/// Whether a JSON text may hold a bidi control character: raw in UTF-8, or as a `\u`
/// escape (which only a parse can decode). A cheap scan, so that only such bodies are
/// parsed a second time.
pub fn json_may_hold_bidi(bytes: &[u8]) -> bool {
    bytes.windows(3).any(|w| {
        matches!(
            w,
            [0xE2, 0x80, 0x8E | 0x8F | 0xAA..=0xAE] | [0xE2, 0x81, 0xA6..=0xA9] | [0xD8, 0x9C, _]
        )
    }) || bytes.windows(2).any(|w| w == b"\\u")
}

/// The path (`buyer.name`, `items[0].name`) of the first string in `v` (keys included)
/// holding a bidi control character, and the character.
pub fn bidi_in_json(v: &serde_json::Value) -> Option<(String, char)> {
    use serde_json::Value;
    match v {
        Value::String(s) => find_bidi_control(s).map(|c| (String::new(), c)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, x)| bidi_in_json(x).map(|(p, c)| (format!("[{i}]{}", dotted(&p)), c))),
        Value::Object(map) => map.iter().find_map(|(k, x)| match find_bidi_control(k) {
            Some(c) => Some((k.clone(), c)),
            None => bidi_in_json(x).map(|(p, c)| (format!("{k}{}", dotted(&p)), c)),
        }),
        _ => None,
    }
}

fn dotted(rest: &str) -> String {
    if rest.is_empty() || rest.starts_with('[') {
        rest.to_string()
    } else {
        format!(".{rest}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bidi_controls_are_found_with_their_path_and_nothing_else() {
        assert_eq!(find_bidi_control("广州\u{202E}示例"), Some('\u{202E}'));
        assert_eq!(find_bidi_control("广州示例 (A-B) ‘x’ — 1"), None);
        let v = json!({"buyer": {"name": "a\u{2066}b"}, "items": [{"name": "ok"}, {"name": "\u{200F}"}]});
        let (path, c) = bidi_in_json(&v).unwrap();
        assert!(path == "buyer.name" || path == "items[1].name", "{path}");
        assert!(is_bidi_control(c));
        assert_eq!(bidi_in_json(&json!({"items": [{"name": "x"}]})), None);
        assert_eq!(
            bidi_in_json(&json!({"items": [{"name": "x\u{202A}"}]})),
            Some(("items[0].name".to_string(), '\u{202A}'))
        );
    }

    #[test]
    fn the_scan_sees_raw_and_escaped_controls() {
        assert!(json_may_hold_bidi("{\"a\":\"x\u{202E}\"}".as_bytes()));
        assert!(json_may_hold_bidi(br#"{"a":"x\u202e"}"#));
        assert!(json_may_hold_bidi("{\"a\":\"\u{061C}\"}".as_bytes()));
        assert!(!json_may_hold_bidi("{\"a\":\"广州市黄埔区\"}".as_bytes()));
    }
}
