//! The language a report is written in: simplified Chinese or English. Chosen by the API
//! from `Accept-Language`, by the CLI from `--lang` or the locale environment.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    ZhCn,
    #[default]
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::ZhCn, Lang::En];

    /// The BCP 47 tag, as sent in `Content-Language`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        }
    }

    /// A language tag or locale name: `zh`, `zh-CN`, `zh_CN.UTF-8` (any `zh…`) → zh-CN;
    /// `en…` → en; anything else is not a language we write.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag
            .split(['-', '_', '.', '@'])
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match primary.as_str() {
            "zh" => Some(Lang::ZhCn),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language of an `Accept-Language` header (RFC 9110 §12.5.4): the supported one
    /// with the highest q-value (ties: the one listed first); `*` and anything unsupported
    /// or unreadable give English. `q=0` means "not this one".
    pub fn from_accept_language(header: &str) -> Lang {
        let mut best: Option<(u16, Lang)> = None;
        for item in header.split(',') {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or("").trim();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q=").or(p.trim().strip_prefix("Q=")))
                .next()
                .map_or(Some(1000), parse_q);
            let (Some(q), Some(lang)) = (q, Lang::from_tag(tag)) else {
                continue;
            };
            if q > 0 && best.is_none_or(|(b, _)| q > b) {
                best = Some((q, lang));
            }
        }
        best.map_or(Lang::En, |(_, l)| l)
    }

    /// The CLI default: the first set of `LC_ALL`, `LC_MESSAGES`, `LANG` (POSIX order);
    /// `zh…` → zh-CN, anything else (or nothing) → en.
    pub fn from_env() -> Lang {
        Self::from_locale(|k| std::env::var(k).ok())
    }

    fn from_locale(var: impl Fn(&str) -> Option<String>) -> Lang {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .find_map(|k| var(k).filter(|v| !v.is_empty()))
            .and_then(|v| Lang::from_tag(&v))
            .unwrap_or(Lang::En)
    }
}

/// A q-value (`0`, `0.5`, `1.000`) in thousandths; `None` when malformed.
fn parse_q(s: &str) -> Option<u16> {
    let v: f32 = s.trim().parse().ok()?;
    (0.0..=1.0)
        .contains(&v)
        .then(|| (v * 1000.0).round() as u16)
}

impl FromStr for Lang {
    type Err = String;

    /// `--lang`: `zh-CN` (or `zh`), `en`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Lang::from_tag(s)
            .ok_or_else(|| format!("{s:?} is not a supported language: use zh-CN or en"))
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language() {
        use Lang::*;
        for (h, want) in [
            ("", En),
            ("zh-CN", ZhCn),
            ("zh", ZhCn),
            ("zh-Hans-CN;q=0.9", ZhCn),
            ("en-US,en;q=0.9", En),
            ("en-US;q=0.5, zh-CN;q=0.8", ZhCn),
            ("zh-CN;q=0.5, en;q=0.8", En),
            ("zh-CN,zh;q=0.9,en;q=0.8", ZhCn),
            ("fr-FR, zh;q=0.1", ZhCn),
            ("fr-FR, de", En),
            ("*", En),
            ("zh-CN;q=0", En),
            ("zh-CN;q=2", En),
            ("zh-CN;q=abc, en;q=0.1", En),
            ("en;q=0.8, zh;q=0.8", En),
            ("ZH-cn", ZhCn),
        ] {
            assert_eq!(Lang::from_accept_language(h), want, "{h:?}");
        }
    }

    #[test]
    fn cli_and_locale() {
        assert_eq!("zh-CN".parse::<Lang>(), Ok(Lang::ZhCn));
        assert_eq!("en".parse::<Lang>(), Ok(Lang::En));
        assert!("fr".parse::<Lang>().is_err());
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            Lang::from_locale(move |k| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            })
        };
        assert_eq!(env(&[("LANG", "zh_CN.UTF-8")]), Lang::ZhCn);
        assert_eq!(env(&[("LANG", "en_US.UTF-8")]), Lang::En);
        assert_eq!(env(&[("LANG", "C.UTF-8")]), Lang::En);
        assert_eq!(env(&[]), Lang::En);
        assert_eq!(env(&[("LANG", "zh_CN.UTF-8"), ("LC_ALL", "C")]), Lang::En);
        assert_eq!(env(&[("LANG", "en_US"), ("LC_ALL", "")]), Lang::En);
        assert_eq!(env(&[("LANG", "C"), ("LC_MESSAGES", "zh_TW")]), Lang::ZhCn);
    }
}
