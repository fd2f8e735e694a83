//! The indicators of the evaluation report, for any period and region, computed from the
//! event log ([`crate::events`]) alone: one pass over the events of the period in time order
//! (a range of keys), holding counters and, for the percentiles, one number per start-up.
//!
//! What each one means (the README's "Indicators" section says the same):
//! * a **start-up** is a company set up here and delivered within the period: a bundle
//!   (电子大礼包) is delivered when its one write is durable; a stepwise registration when its
//!   first invoicing rights are issued (the last step of 开办 here). Its **time** is from the
//!   application's arrival to that delivery, in seconds (ms precision); percentiles are
//!   nearest-rank (p-th: the ⌈p·n/100⌉-th smallest).
//! * **秒批秒办** (issued without a human step): a start-up whose application was decided and
//!   issued by the system alone, with no officer acting after the application (a bundle:
//!   `human_steps` 0). The share is those start-ups over all start-ups delivered.
//! * counts of credentials issued by type, changes, deregistrations, revocations, seals
//!   filed (police filings) and issued (e-seal credentials), seal signatures, invoices and
//!   their total with tax in fen, QR/SD-JWT presentations minted;
//! * verifications by indication, sub-indication and verifying region; **cross-region**: a
//!   verification whose verifying region differs from the credential's issuing region, the
//!   verifying region this node's or vouched for by a partner token; one whose region the
//!   caller only claimed (`X-Verifier-Region` alone) is counted apart (`cross_region_claimed`);
//! * online invoice checks refused (the daily limit), and refusals by reason (the problem
//!   type of every 4xx answer of an API route) and failures (5xx).
//!
//! Events are counted by their time and by the region of the node where they happened.

mod csv;

pub use csv::to_csv;

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::RegionCode;
use crate::events::{Channel, Event, EventLog, What};
use crate::store::StoreError;

/// The period `[from, to)` and, optionally, one region.
#[derive(Debug, Clone)]
pub struct Period {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub region: Option<RegionCode>,
}

/// A period that could not be read: the parameter and why.
#[derive(Debug, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct PeriodError {
    pub field: &'static str,
    pub reason: String,
}

/// The default period: the 30 days before `to`.
pub const DEFAULT_DAYS: i64 = 30;

impl Period {
    /// `from` and `to` (RFC 3339; default: the 30 days up to `now`) and `region` (six
    /// digits; default: all). Times are taken to the microsecond (the log's keys).
    pub fn parse(
        from: Option<&str>,
        to: Option<&str>,
        region: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Period, PeriodError> {
        let time = |field: &'static str, s: &str| {
            DateTime::parse_from_rfc3339(s.trim())
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| PeriodError {
                    field,
                    reason: format!("an RFC 3339 time such as 2026-12-01T00:00:00Z ({e})"),
                })
        };
        let micros =
            |t: DateTime<Utc>| DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t);
        let to = micros(match to {
            Some(s) => time("to", s)?,
            None => now,
        });
        let from = micros(match from {
            Some(s) => time("from", s)?,
            None => to - chrono::Duration::days(DEFAULT_DAYS),
        });
        if from >= to {
            return Err(PeriodError {
                field: "from",
                reason: format!("must be before to ({})", to.to_rfc3339()),
            });
        }
        let region = match region.map(str::trim).filter(|r| !r.is_empty()) {
            None => None,
            Some(r) => Some(RegionCode::parse(r).map_err(|e| PeriodError {
                field: "region",
                reason: e.reason,
            })?),
        };
        Ok(Period { from, to, region })
    }
}

/// p50, p90, p99 and max of start-up times, in seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Percentiles {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DailyStartups {
    /// The UTC day of delivery.
    #[schema(value_type = String, format = Date)]
    pub date: NaiveDate,
    pub count: u64,
    pub seconds: Percentiles,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Startups {
    /// Start-ups delivered in the period.
    pub delivered: u64,
    /// Of them, issued without a human step (秒批秒办).
    pub without_human_step: u64,
    /// `without_human_step / delivered` (0 when none was delivered).
    pub without_human_step_share: f64,
    /// Delivered start-ups by channel (`bundle`, `stepwise`).
    pub by_channel: BTreeMap<String, u64>,
    /// Companies registered (applications received) in the period, by channel.
    pub registered: BTreeMap<String, u64>,
    /// Application to delivery, in seconds; absent when none was delivered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seconds: Option<Percentiles>,
    pub daily: Vec<DailyStartups>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Seals {
    /// Police seal filings.
    pub filed: u64,
    /// E-seal credentials issued.
    pub issued: u64,
    /// Documents sealed (JWS seal signatures and sealed PDFs).
    pub signatures: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Invoices {
    pub issued: u64,
    /// Their total with tax, in fen.
    pub total_fen: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RegionVerifications {
    /// The verifying region.
    pub region: String,
    pub total: u64,
    pub total_passed: u64,
    pub total_failed: u64,
    pub indeterminate: u64,
    /// Of them, of credentials issued by another region (the verifying region this node's
    /// own, or vouched for by a partner token).
    pub cross_region: u64,
    /// Of them, of credentials issued by another region, the verifying region only claimed
    /// by the caller's `X-Verifier-Region` header (no partner token).
    pub cross_region_claimed: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Verifications {
    pub total: u64,
    /// By indication: `TOTAL_PASSED`, `TOTAL_FAILED`, `INDETERMINATE`.
    pub by_indication: BTreeMap<String, u64>,
    /// By sub-indication (verifications without one are not counted here).
    pub by_sub_indication: BTreeMap<String, u64>,
    /// By verifying region, in region order.
    pub by_region: Vec<RegionVerifications>,
    /// Verifying region ≠ issuing region, the verifying region this node's own or vouched
    /// for by a partner token.
    pub cross_region: u64,
    /// Verifying region ≠ issuing region, the verifying region only claimed by the caller's
    /// `X-Verifier-Region` header: counted apart, since anyone can send it.
    pub cross_region_claimed: u64,
    /// By the credential type presented (`unknown` when the token could not be read).
    pub by_credential_type: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Refusals {
    /// 4xx answers of API routes.
    pub total: u64,
    /// By reason (the problem type: `forbidden`, `unprocessable-entity`, …).
    pub by_reason: BTreeMap<String, u64>,
    /// By route (`POST /v1/companies`).
    pub by_route: BTreeMap<String, u64>,
    /// 5xx answers.
    pub failures: u64,
}

/// Every indicator for a period and region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Indicators {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// The region asked for; absent: all regions in this node's log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    pub startups: Startups,
    /// Credentials issued, by type (`business_license`, `e_seal`, `invoicing_rights`,
    /// `e_invoice`).
    pub credentials_issued: BTreeMap<String, u64>,
    /// Changes (变更) registered.
    pub changes: u64,
    /// Deregistrations (注销).
    pub deregistrations: u64,
    /// Credentials revoked (by changes, deregistrations, seal revocations).
    pub revocations: u64,
    pub seals: Seals,
    pub invoices: Invoices,
    /// QR and SD-JWT presentations minted by wallets.
    pub presentations: u64,
    pub verifications: Verifications,
    /// Online invoice checks refused past the daily limit.
    pub online_checks_refused: u64,
    pub refusals: Refusals,
    /// Events counted.
    pub events: u64,
}

/// The start-up durations in ms, with their day.
#[derive(Default)]
struct Tally {
    out: Option<Indicators>,
    durations: Vec<(NaiveDate, i64)>,
    automatic: u64,
    regions: BTreeMap<String, RegionVerifications>,
}

fn bump(m: &mut BTreeMap<String, u64>, k: &str) {
    *m.entry(k.to_string()).or_default() += 1;
}

impl Tally {
    fn add(&mut self, e: &Event) {
        let Some(o) = self.out.as_mut() else { return };
        o.events += 1;
        match &e.what {
            What::CompanyRegistered { channel, .. } => {
                bump(&mut o.startups.registered, channel.as_str())
            }
            What::StartupDelivered {
                channel,
                received_at,
                human_steps,
            } => {
                o.startups.delivered += 1;
                bump(&mut o.startups.by_channel, channel.as_str());
                if *human_steps == 0 && *channel == Channel::Bundle {
                    self.automatic += 1;
                }
                // A clock stepped backwards counts as no time at all.
                let ms = (e.at - *received_at).num_milliseconds().max(0);
                self.durations.push((e.at.date_naive(), ms));
            }
            What::SealFiled { .. } => o.seals.filed += 1,
            What::CredentialIssued {
                credential_type, ..
            } => {
                bump(&mut o.credentials_issued, credential_type.as_str());
                if *credential_type == crate::credential::CredentialType::ESeal {
                    o.seals.issued += 1;
                }
            }
            What::Changed { .. } => o.changes += 1,
            What::Deregistered => o.deregistrations += 1,
            What::Revoked { .. } => o.revocations += 1,
            What::PresentationMinted { .. } => o.presentations += 1,
            What::Verified {
                indication,
                sub_indication,
                verifying_region,
                issuing_region,
                credential_type,
                region_claimed,
            } => {
                let v = &mut o.verifications;
                v.total += 1;
                bump(&mut v.by_indication, indication);
                if let Some(s) = sub_indication {
                    bump(&mut v.by_sub_indication, s);
                }
                bump(
                    &mut v.by_credential_type,
                    credential_type.as_deref().unwrap_or("unknown"),
                );
                // A region only claimed by the caller's header is counted apart: anyone can
                // send one, and the cross-region figure must not be inflated by it.
                let differs = issuing_region.is_some_and(|r| r != *verifying_region);
                let (cross, claimed) = (differs && !region_claimed, differs && *region_claimed);
                v.cross_region += u64::from(cross);
                v.cross_region_claimed += u64::from(claimed);
                let r = self
                    .regions
                    .entry(verifying_region.to_string())
                    .or_insert_with(|| RegionVerifications {
                        region: verifying_region.to_string(),
                        ..Default::default()
                    });
                r.total += 1;
                r.cross_region += u64::from(cross);
                r.cross_region_claimed += u64::from(claimed);
                match indication.as_ref() {
                    "TOTAL_PASSED" => r.total_passed += 1,
                    "TOTAL_FAILED" => r.total_failed += 1,
                    _ => r.indeterminate += 1,
                }
            }
            What::InvoiceCheckRefused { .. } => o.online_checks_refused += 1,
            What::SealSigned { .. } => o.seals.signatures += 1,
            What::InvoiceIssued { total_fen, .. } => {
                o.invoices.issued += 1;
                o.invoices.total_fen = o.invoices.total_fen.saturating_add(*total_fen);
            }
            What::Refused {
                route,
                status,
                reason,
            } => {
                if *status >= 500 {
                    o.refusals.failures += 1;
                } else {
                    o.refusals.total += 1;
                    bump(&mut o.refusals.by_reason, reason);
                    bump(&mut o.refusals.by_route, route);
                }
            }
        }
    }

    fn finish(mut self) -> Indicators {
        let mut o = self
            .out
            .take()
            .unwrap_or_else(|| unreachable!("set in compute"));
        let s = &mut o.startups;
        s.without_human_step = self.automatic;
        s.without_human_step_share = if s.delivered == 0 {
            0.0
        } else {
            self.automatic as f64 / s.delivered as f64
        };
        let mut all: Vec<i64> = self.durations.iter().map(|(_, ms)| *ms).collect();
        s.seconds = percentiles(&mut all);
        self.durations.sort();
        for chunk in self.durations.chunk_by(|a, b| a.0 == b.0) {
            let mut ms: Vec<i64> = chunk.iter().map(|(_, ms)| *ms).collect();
            if let Some(p) = percentiles(&mut ms) {
                s.daily.push(DailyStartups {
                    date: chunk[0].0,
                    count: chunk.len() as u64,
                    seconds: p,
                });
            }
        }
        o.verifications.by_region = self.regions.into_values().collect();
        o
    }
}

/// Nearest-rank percentiles of durations in ms, as seconds.
fn percentiles(ms: &mut [i64]) -> Option<Percentiles> {
    if ms.is_empty() {
        return None;
    }
    ms.sort_unstable();
    let n = ms.len();
    let rank = |p: usize| {
        let r = (p * n).div_ceil(100).max(1);
        ms[r - 1] as f64 / 1000.0
    };
    Some(Percentiles {
        p50: rank(50),
        p90: rank(90),
        p99: rank(99),
        max: ms[n - 1] as f64 / 1000.0,
    })
}

/// Every indicator for `period`, from the log.
pub fn compute(log: &EventLog, period: &Period) -> Result<Indicators, StoreError> {
    let mut t = Tally {
        out: Some(Indicators {
            from: period.from,
            to: period.to,
            region: period.region.map(|r| r.to_string()),
            startups: Startups::default(),
            credentials_issued: BTreeMap::new(),
            changes: 0,
            deregistrations: 0,
            revocations: 0,
            seals: Seals::default(),
            invoices: Invoices::default(),
            presentations: 0,
            verifications: Verifications::default(),
            online_checks_refused: 0,
            refusals: Refusals::default(),
            events: 0,
        }),
        ..Default::default()
    };
    for e in log.between(period.from, period.to) {
        let e = e?;
        if period.region.is_none_or(|r| r == e.region) {
            t.add(&e);
        }
    }
    Ok(t.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        let mut v: Vec<i64> = (1..=10).map(|i| i * 1000).collect();
        let p = percentiles(&mut v).unwrap();
        assert_eq!((p.p50, p.p90, p.p99, p.max), (5.0, 9.0, 10.0, 10.0));
        let p = percentiles(&mut [1500]).unwrap();
        assert_eq!((p.p50, p.p90, p.p99, p.max), (1.5, 1.5, 1.5, 1.5));
        assert!(percentiles(&mut []).is_none());
    }
}
