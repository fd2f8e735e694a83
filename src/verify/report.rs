//! The validation report (after ETSI EN 319 102-1, as EU DSS writes it): an indication,
//! a sub-indication when not passed, and each check with a reason a person can act on.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Indication {
    TotalPassed,
    TotalFailed,
    Indeterminate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
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

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Check {
    pub name: String,
    pub result: CheckResult,
    pub reason: String,
}

/// What was verified, in names.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Summary {
    pub credential_type: String,
    pub credential_type_name: String,
    pub credential_id: String,
    pub company_name: String,
    pub uscc: String,
    pub region: String,
    pub region_name: String,
    pub issuing_authority: String,
    pub signed_by: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub presentation_expires_at: Option<DateTime<Utc>>,
    /// Type-specific details (seal image, invoice totals, disclosed claims).
    #[serde(skip_serializing_if = "Map::is_empty", default)]
    #[schema(value_type = Object)]
    pub details: Map<String, Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
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

    pub fn passed(&mut self, name: &str, reason: impl Into<String>) {
        self.push(name, CheckResult::Passed, reason.into());
    }

    pub fn skipped(&mut self, name: &str, reason: impl Into<String>) {
        self.push(name, CheckResult::Skipped, reason.into());
    }

    pub fn warning(&mut self, name: &str, reason: impl Into<String>) {
        self.push(name, CheckResult::Warning, reason.into());
    }

    /// Records a failed check; the first failure decides the indication.
    pub fn failed(
        &mut self,
        name: &str,
        sub: SubIndication,
        reason: impl Into<String>,
    ) -> &mut Self {
        self.push(name, CheckResult::Failed, reason.into());
        if self.sub_indication.is_none() {
            self.indication = sub.indication();
            self.sub_indication = Some(sub);
        }
        self
    }

    pub fn is_failed(&self) -> bool {
        self.sub_indication.is_some()
    }

    fn push(&mut self, name: &str, result: CheckResult, reason: String) {
        self.checks.push(Check {
            name: name.into(),
            result,
            reason,
        });
    }

    /// CLI exit code: 0 passed, 1 failed, 2 indeterminate.
    pub fn exit_code(&self) -> i32 {
        match self.indication {
            Indication::TotalPassed => 0,
            Indication::TotalFailed => 1,
            Indication::Indeterminate => 2,
        }
    }

    /// A plain-text rendering for people.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let verdict = match self.indication {
            Indication::TotalPassed => "TOTAL_PASSED  有效 valid",
            Indication::TotalFailed => "TOTAL_FAILED  无效 not valid",
            Indication::Indeterminate => "INDETERMINATE  无法确认 cannot be confirmed",
        };
        let _ = writeln!(out, "Result: {verdict}");
        if let Some(sub) = self.sub_indication {
            let _ = writeln!(
                out,
                "Reason: {}",
                serde_json::to_value(sub)
                    .unwrap_or_default()
                    .as_str()
                    .unwrap_or("")
            );
        }
        if let Some(s) = &self.summary {
            let _ = writeln!(out, "\n{} ({})", s.credential_type_name, s.credential_type);
            let _ = writeln!(out, "  名称 Name:        {}", s.company_name);
            let _ = writeln!(out, "  统一社会信用代码:  {}", s.uscc);
            let _ = writeln!(out, "  Issued in:        {} ({})", s.region_name, s.region);
            let _ = writeln!(out, "  Issuing authority: {}", s.issuing_authority);
            let _ = writeln!(out, "  Signed by:        {}", s.signed_by);
            let _ = writeln!(out, "  Credential id:    {}", s.credential_id);
            if let Some(v) = s.valid_until {
                let _ = writeln!(out, "  Valid until:      {}", v.to_rfc3339());
            }
        }
        let _ = writeln!(out, "\nChecks:");
        for c in &self.checks {
            let mark = match c.result {
                CheckResult::Passed => "ok  ",
                CheckResult::Failed => "FAIL",
                CheckResult::Warning => "warn",
                CheckResult::Skipped => "skip",
            };
            let _ = writeln!(out, "  [{mark}] {}: {}", c.name, c.reason);
        }
        let _ = writeln!(out, "\nValidated at {}", self.validation_time.to_rfc3339());
        out
    }
}
