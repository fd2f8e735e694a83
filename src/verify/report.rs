//! The validation report (after ETSI EN 319 102-1, as EU DSS writes it): an indication,
//! a sub-indication when not passed, and each check with a reason a person can act on.

use std::borrow::Cow;
use std::fmt::Write as _;

use crate::json::Object;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::catalogue::{CheckName, InLang, Reason};
use super::lang::Lang;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Indication {
    TotalPassed,
    TotalFailed,
    Indeterminate,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, strum::EnumIter,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SubIndication {
    FormatFailure,
    HashFailure,
    SigCryptoFailure,
    Revoked,
    Expired,
    NotYetValid,
    NoCertificateChainFound,
    ChainConstraintsFailure,
    SigConstraintsFailure,
    TryLater,
}

impl SubIndication {
    /// The indication each sub-indication belongs to.
    pub fn indication(self) -> Indication {
        use SubIndication::*;
        match self {
            FormatFailure
            | HashFailure
            | SigCryptoFailure
            | Revoked
            | Expired
            | NotYetValid
            | SigConstraintsFailure => Indication::TotalFailed,
            NoCertificateChainFound | ChainConstraintsFailure | TryLater => {
                Indication::Indeterminate
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CheckResult {
    Passed,
    Failed,
    Warning,
    Skipped,
}

/// One check: what was checked, how it came out, and why (rendered in the report's
/// language only when the report is written out, see [`Report::localized`]).
#[derive(Debug, Clone, utoipa::ToSchema)]
pub struct Check {
    pub name: CheckName,
    pub result: CheckResult,
    /// Why, in words a person can act on (in the language asked for).
    #[schema(value_type = String)]
    pub reason: Reason,
}

/// What was verified, in names.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Summary {
    /// Names the service itself knows are static text, not copies (a verification's event
    /// and counters take them without allocating).
    #[schema(value_type = String)]
    pub credential_type: Cow<'static, str>,
    #[schema(value_type = String)]
    pub credential_type_name: Cow<'static, str>,
    pub credential_id: String,
    pub company_name: String,
    pub uscc: String,
    pub region: String,
    #[schema(value_type = String)]
    pub region_name: Cow<'static, str>,
    pub issuing_authority: String,
    pub signed_by: String,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "utc_json::option"
    )]
    pub valid_until: Option<DateTime<Utc>>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "utc_json::option"
    )]
    pub presentation_expires_at: Option<DateTime<Utc>>,
    /// Type-specific details (seal image, invoice totals, disclosed claims).
    #[serde(skip_serializing_if = "Object::is_empty", default)]
    #[schema(value_type = Object)]
    pub details: Object,
}

/// The report as the verifier builds it; [`Report::localized`] is what is written out
/// (this type is the JSON's schema).
#[derive(Debug, Clone, utoipa::ToSchema)]
pub struct Report {
    /// `presentation`, `credential` or `sealed_document`.
    pub subject: String,
    pub indication: Indication,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_indication: Option<SubIndication>,
    pub checks: Vec<Check>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<Summary>,
    pub validation_time: DateTime<Utc>,
}

impl Report {
    pub fn new(subject: &str, now: DateTime<Utc>) -> Self {
        Report {
            subject: subject.into(),
            indication: Indication::TotalPassed,
            sub_indication: None,
            checks: vec![],
            summary: None,
            validation_time: now,
        }
    }

    pub fn passed(&mut self, name: CheckName, reason: Reason) {
        self.push(name, CheckResult::Passed, reason);
    }

    pub fn skipped(&mut self, name: CheckName, reason: Reason) {
        self.push(name, CheckResult::Skipped, reason);
    }

    pub fn warning(&mut self, name: CheckName, reason: Reason) {
        self.push(name, CheckResult::Warning, reason);
    }

    /// Records a failed check; the first failure decides the indication.
    pub fn failed(&mut self, name: CheckName, sub: SubIndication, reason: Reason) -> &mut Self {
        self.push(name, CheckResult::Failed, reason);
        if self.sub_indication.is_none() {
            self.indication = sub.indication();
            self.sub_indication = Some(sub);
        }
        self
    }

    pub fn is_failed(&self) -> bool {
        self.sub_indication.is_some()
    }

    fn push(&mut self, name: CheckName, result: CheckResult, reason: Reason) {
        self.checks.push(Check {
            name,
            result,
            reason,
        });
    }

    /// The first failed check's reason, if any.
    pub fn first_failure(&self) -> Option<&Reason> {
        self.checks
            .iter()
            .find(|c| c.result == CheckResult::Failed)
            .map(|c| &c.reason)
    }

    /// The report as written out (JSON), with every reason in `lang`.
    pub fn localized(&self, lang: Lang) -> Localized<'_> {
        Localized {
            subject: &self.subject,
            indication: self.indication,
            sub_indication: self.sub_indication,
            checks: Checks(&self.checks, lang),
            summary: self.summary.as_ref(),
            validation_time: self.validation_time,
        }
    }

    /// CLI exit code: 0 passed, 1 failed, 2 indeterminate.
    pub fn exit_code(&self) -> i32 {
        match self.indication {
            Indication::TotalPassed => 0,
            Indication::TotalFailed => 1,
            Indication::Indeterminate => 2,
        }
    }

    /// A plain-text rendering for people, in `lang`.
    pub fn to_text(&self, lang: Lang) -> String {
        let l = Labels::of(lang);
        let mut out = String::new();
        let i = self.indication;
        let _ = writeln!(out, "{}{}  {}", l.result, i.as_str(), i.text(lang));
        if let Some(sub) = self.sub_indication {
            let _ = writeln!(out, "{}{}  {}", l.reason, sub.as_str(), sub.text(lang));
        }
        if let Some(s) = &self.summary {
            let _ = writeln!(out, "\n{} ({})", s.credential_type_name, s.credential_type);
            let _ = writeln!(out, "  {}{}", l.name, s.company_name);
            let _ = writeln!(out, "  {}{}", l.uscc, s.uscc);
            let _ = writeln!(out, "  {}{} ({})", l.issued_in, s.region_name, s.region);
            let _ = writeln!(out, "  {}{}", l.authority, s.issuing_authority);
            let _ = writeln!(out, "  {}{}", l.signed_by, s.signed_by);
            let _ = writeln!(out, "  {}{}", l.credential_id, s.credential_id);
            if let Some(v) = s.valid_until {
                let _ = writeln!(out, "  {}{}", l.valid_until, v.to_rfc3339());
            }
        }
        let _ = writeln!(out, "\n{}", l.checks);
        for c in &self.checks {
            let name = match lang {
                Lang::En => c.name.as_str().to_string(),
                Lang::ZhCn => format!("{}（{}）", c.name.label(lang), c.name.as_str()),
            };
            let _ = writeln!(
                out,
                "  [{}] {name}: {}",
                c.result.mark(lang),
                c.reason.text(lang)
            );
        }
        let _ = writeln!(
            out,
            "\n{}{}",
            l.validated_at,
            self.validation_time.to_rfc3339()
        );
        out
    }
}

/// The labels of the text report.
struct Labels {
    result: &'static str,
    reason: &'static str,
    name: &'static str,
    uscc: &'static str,
    issued_in: &'static str,
    authority: &'static str,
    signed_by: &'static str,
    credential_id: &'static str,
    valid_until: &'static str,
    checks: &'static str,
    validated_at: &'static str,
}

impl Labels {
    fn of(lang: Lang) -> Labels {
        match lang {
            Lang::ZhCn => Labels {
                result: "结论：",
                reason: "原因：",
                name: "名称：            ",
                uscc: "统一社会信用代码：",
                issued_in: "签发地区：        ",
                authority: "签发机关：        ",
                signed_by: "签名证书：        ",
                credential_id: "凭证编号：        ",
                valid_until: "有效期至：        ",
                checks: "查验项目：",
                validated_at: "查验时间：",
            },
            Lang::En => Labels {
                result: "Result: ",
                reason: "Reason: ",
                name: "Name:              ",
                uscc: "USCC:              ",
                issued_in: "Issued in:         ",
                authority: "Issuing authority: ",
                signed_by: "Signed by:         ",
                credential_id: "Credential id:     ",
                valid_until: "Valid until:       ",
                checks: "Checks:",
                validated_at: "Validated at ",
            },
        }
    }
}

/// [`Report`] as written out: the same fields, each reason rendered in one language.
#[derive(Serialize)]
pub struct Localized<'a> {
    subject: &'a str,
    indication: Indication,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub_indication: Option<SubIndication>,
    checks: Checks<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<&'a Summary>,
    #[serde(serialize_with = "utc_json::one")]
    validation_time: DateTime<Utc>,
}

/// Times in a report as chrono writes them in JSON (RFC 3339, `Z`, fractions of a second
/// only when there are any, in 3, 6 or 9 digits), written without chrono's general
/// formatter, which was a visible part of a verification's cost.
mod utc_json {
    use chrono::{DateTime, Datelike, SecondsFormat, Timelike, Utc};
    use serde::Serializer;

    struct Rfc3339<'a>(&'a DateTime<Utc>);

    impl std::fmt::Display for Rfc3339<'_> {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            let t = self.0;
            let nanos = t.nanosecond();
            if !(0..=9999).contains(&t.year()) || nanos >= 1_000_000_000 {
                // Outside four-digit years, or a leap second: chrono's own text.
                return f.write_str(&t.to_rfc3339_opts(SecondsFormat::AutoSi, true));
            }
            let mut b = *b"0000-00-00T00:00:00.000000000Z";
            let put = |b: &mut [u8; 30], at: usize, mut v: u32, digits: usize| {
                for i in (0..digits).rev() {
                    b[at + i] = b'0' + (v % 10) as u8;
                    v /= 10;
                }
            };
            put(&mut b, 0, t.year() as u32, 4);
            put(&mut b, 5, t.month(), 2);
            put(&mut b, 8, t.day(), 2);
            put(&mut b, 11, t.hour(), 2);
            put(&mut b, 14, t.minute(), 2);
            put(&mut b, 17, t.second(), 2);
            put(&mut b, 20, nanos, 9);
            let fraction = match nanos {
                0 => 0,
                n if n % 1_000_000 == 0 => 4,
                n if n % 1_000 == 0 => 7,
                _ => 10,
            };
            let end = 19 + fraction;
            b[end] = b'Z';
            // Only ASCII digits and punctuation were written.
            f.write_str(std::str::from_utf8(&b[..=end]).map_err(|_| std::fmt::Error)?)
        }
    }

    pub fn one<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&Rfc3339(t))
    }

    pub fn option<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => one(t, s),
            None => s.serialize_none(),
        }
    }

    #[cfg(test)]
    mod tests {
        use chrono::TimeZone;

        use super::*;

        #[test]
        fn writes_what_chrono_writes() {
            let base = Utc.with_ymd_and_hms(2026, 12, 2, 18, 33, 3).unwrap();
            for nanos in [0, 5_000_000, 123_000_000, 120_000, 256_845_030, 1] {
                let t = base + chrono::Duration::nanoseconds(nanos);
                assert_eq!(
                    Rfc3339(&t).to_string(),
                    serde_json::to_value(t).unwrap().as_str().unwrap(),
                    "{nanos} ns"
                );
            }
            let far = Utc.with_ymd_and_hms(12026, 1, 1, 0, 0, 0).unwrap();
            assert_eq!(
                Rfc3339(&far).to_string(),
                serde_json::to_value(far).unwrap().as_str().unwrap()
            );
        }
    }
}

/// The checks, each reason rendered as it is written out.
pub struct Checks<'a>(&'a [Check], Lang);

impl Serialize for Checks<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Out<'a> {
            name: CheckName,
            result: CheckResult,
            reason: Text<'a>,
        }
        /// The reason written straight into the output, not rendered into a string first.
        struct Text<'a>(InLang<'a>);
        impl Serialize for Text<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(&self.0)
            }
        }
        s.collect_seq(self.0.iter().map(|c| Out {
            name: c.name,
            result: c.result,
            reason: Text(c.reason.in_lang(self.1)),
        }))
    }
}
