//! Issuance metrics in the Prometheus text format (hand-written: a few counters and one
//! histogram do not need a crate). What the city's evaluators could not measure — how long an
//! application waits for its licence, seals and invoicing rights — is measured here, by region
//! and credential type, from the moment a request arrives to the moment its credentials are
//! durably in the wallet. Counts are since the process started; the durable record of each
//! establishment (with every time) is in the store (`GET /v1/establishments/{uscc}`).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

use chrono::{DateTime, Utc};

use crate::credential::CredentialType;
use crate::domain::RegionCode;

/// Histogram bucket bounds in seconds: from 秒批秒办 (milliseconds) to the 0.54 days of the
/// evaluation and the 10.5 days before the reform.
pub const BUCKETS: [f64; 16] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0, 60.0, 600.0, 3600.0, 46_656.0,
    86_400.0, 907_200.0,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Default)]
struct Inner {
    /// (region, credential type, channel) → credentials issued.
    issued: BTreeMap<(String, String, String), u64>,
    /// (region, credential type) → application-to-issuance seconds.
    latency: BTreeMap<(String, String), Histogram>,
    /// (region, outcome) → start-up bundle applications.
    establishments: BTreeMap<(String, String), u64>,
    /// region → online invoice checks refused past the daily limit.
    checks_refused: BTreeMap<String, u64>,
}

#[derive(Default)]
pub struct Metrics(Mutex<Inner>);

impl Metrics {
    pub fn new() -> Self {
        Self::default()
    }

    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// One credential issued through `channel` (the endpoint), for an application that
    /// arrived at `received` and was durably in the wallet at `delivered`.
    pub fn issued(
        &self,
        region: &RegionCode,
        kind: CredentialType,
        channel: &str,
        received: DateTime<Utc>,
        delivered: DateTime<Utc>,
    ) {
        let secs = (delivered - received)
            .to_std()
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
        let (r, t) = (region.to_string(), kind.as_str().to_string());
        let mut m = self.inner();
        *m.issued
            .entry((r.clone(), t.clone(), channel.to_string()))
            .or_default() += 1;
        let h = m.latency.entry((r, t)).or_default();
        for (i, le) in BUCKETS.iter().enumerate() {
            if secs <= *le {
                h.counts[i] += 1;
            }
        }
        h.count += 1;
        h.sum += secs;
    }

    /// A start-up bundle application and its outcome (`issued`, `refused`, `failed`).
    pub fn establishment(&self, region: &RegionCode, outcome: &str) {
        *self
            .inner()
            .establishments
            .entry((region.to_string(), outcome.to_string()))
            .or_default() += 1;
    }

    pub fn check_refused(&self, region: &RegionCode) {
        *self
            .inner()
            .checks_refused
            .entry(region.to_string())
            .or_default() += 1;
    }

    /// The Prometheus text exposition format (version 0.0.4).
    pub fn render(&self) -> String {
        let m = self.inner();
        let mut o = String::new();
        let _ = writeln!(
            o,
            "# HELP zt_credentials_issued_total Credentials issued into wallets, by region, credential type and channel.\n# TYPE zt_credentials_issued_total counter"
        );
        for ((r, t, c), n) in &m.issued {
            let _ = writeln!(
                o,
                "zt_credentials_issued_total{{region=\"{}\",type=\"{}\",channel=\"{}\"}} {n}",
                esc(r),
                esc(t),
                esc(c)
            );
        }
        let _ = writeln!(
            o,
            "# HELP zt_issuance_seconds Time from the application's arrival to the credential being durably in the wallet.\n# TYPE zt_issuance_seconds histogram"
        );
        for ((r, t), h) in &m.latency {
            let labels = format!("region=\"{}\",type=\"{}\"", esc(r), esc(t));
            for (i, le) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    o,
                    "zt_issuance_seconds_bucket{{{labels},le=\"{le}\"}} {}",
                    h.counts[i]
                );
            }
            let _ = writeln!(
                o,
                "zt_issuance_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(o, "zt_issuance_seconds_sum{{{labels}}} {}", h.sum);
            let _ = writeln!(o, "zt_issuance_seconds_count{{{labels}}} {}", h.count);
        }
        let _ = writeln!(
            o,
            "# HELP zt_establishments_total Start-up bundle applications, by region and outcome.\n# TYPE zt_establishments_total counter"
        );
        for ((r, outcome), n) in &m.establishments {
            let _ = writeln!(
                o,
                "zt_establishments_total{{region=\"{}\",outcome=\"{}\"}} {n}",
                esc(r),
                esc(outcome)
            );
        }
        let _ = writeln!(
            o,
            "# HELP zt_invoice_checks_refused_total Online invoice checks refused past the daily limit.\n# TYPE zt_invoice_checks_refused_total counter"
        );
        for (r, n) in &m.checks_refused {
            let _ = writeln!(
                o,
                "zt_invoice_checks_refused_total{{region=\"{}\"}} {n}",
                esc(r)
            );
        }
        o
    }
}

/// A label value, escaped as the text format requires.
fn esc(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counts_and_cumulative_buckets() {
        let m = Metrics::new();
        let r = RegionCode::parse("440100").unwrap();
        let t0 = Utc::now();
        m.issued(
            &r,
            CredentialType::ESeal,
            "establishment",
            t0,
            t0 + chrono::Duration::milliseconds(30),
        );
        m.issued(
            &r,
            CredentialType::ESeal,
            "establishment",
            t0,
            t0 + chrono::Duration::seconds(2),
        );
        m.establishment(&r, "issued");
        let text = m.render();
        assert!(text.contains(
            "zt_credentials_issued_total{region=\"440100\",type=\"e_seal\",channel=\"establishment\"} 2"
        ));
        assert!(text.contains(
            "zt_issuance_seconds_bucket{region=\"440100\",type=\"e_seal\",le=\"0.025\"} 0"
        ));
        assert!(text.contains(
            "zt_issuance_seconds_bucket{region=\"440100\",type=\"e_seal\",le=\"0.05\"} 1"
        ));
        assert!(text.contains(
            "zt_issuance_seconds_bucket{region=\"440100\",type=\"e_seal\",le=\"2.5\"} 2"
        ));
        assert!(text.contains("zt_issuance_seconds_count{region=\"440100\",type=\"e_seal\"} 2"));
        assert!(text.contains("zt_establishments_total{region=\"440100\",outcome=\"issued\"} 1"));
        assert_eq!(esc("a\"b\\"), "a\\\"b\\\\");
    }
}
