//! Issuance metrics (prometheus-client, OpenMetrics text), fed by the event log. What the city's evaluators could not measure — how long an
//! application waits for its licence, seals and invoicing rights — is measured here, by region
//! and credential type, from the moment a request arrives to the moment its credentials are
//! durably in the wallet. Counts are of the whole log: primed from it at start-up, then one
//! per event (so they survive restarts); `GET /v1/indicators` reads the same log per period.

use chrono::{DateTime, Utc};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::credential::CredentialType;
use crate::domain::RegionCode;
use crate::events::{Channel, Event, What};

/// Histogram bucket bounds in seconds: from 秒批秒办 (milliseconds) to the 0.54 days of the
/// evaluation and the 10.5 days before the reform.
pub const BUCKETS: [f64; 16] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0, 60.0, 600.0, 3600.0, 46_656.0,
    86_400.0, 907_200.0,
];

/// The exposition format's content type.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct IssuedLabels {
    region: String,
    r#type: String,
    channel: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LatencyLabels {
    region: String,
    r#type: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    region: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RegionLabels {
    region: String,
}

// The labels counted on every verification allocate little (the region is a code, the kind
// a static name): an event is counted on the verify path.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    region: RegionCode,
    kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    region: String,
    reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct VerifyLabels {
    region: RegionCode,
    /// A static name on the verify path: looking the counter up allocates nothing.
    indication: std::borrow::Cow<'static, str>,
    cross_region: bool,
}

impl prometheus_client::encoding::EncodeLabelValue for RegionCode {
    fn encode(
        &self,
        encoder: &mut prometheus_client::encoding::LabelValueEncoder,
    ) -> Result<(), std::fmt::Error> {
        prometheus_client::encoding::EncodeLabelValue::encode(&self.as_str(), encoder)
    }
}

type Latency = Family<LatencyLabels, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    Histogram::new(BUCKETS)
}

pub struct Metrics {
    registry: Registry,
    issued: Family<IssuedLabels, Counter>,
    latency: Latency,
    establishments: Family<OutcomeLabels, Counter>,
    checks_refused: Family<RegionLabels, Counter>,
    events: Family<KindLabels, Counter>,
    refusals: Family<ReasonLabels, Counter>,
    verifications: Family<VerifyLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let issued = Family::<IssuedLabels, Counter>::default();
        registry.register(
            "zt_credentials_issued",
            "Credentials issued into wallets, by region, credential type and channel",
            issued.clone(),
        );
        let latency: Latency = Family::new_with_constructor(latency_histogram);
        registry.register_with_unit(
            "zt_issuance",
            "Time from the application's arrival to the credential being durably in the wallet",
            prometheus_client::registry::Unit::Seconds,
            latency.clone(),
        );
        let establishments = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "zt_establishments",
            "Start-up bundle applications, by region and outcome",
            establishments.clone(),
        );
        let checks_refused = Family::<RegionLabels, Counter>::default();
        registry.register(
            "zt_invoice_checks_refused",
            "Online invoice checks refused past the daily limit",
            checks_refused.clone(),
        );
        let events = Family::<KindLabels, Counter>::default();
        registry.register(
            "zt_events",
            "Events in the log, by region and kind",
            events.clone(),
        );
        let refusals = Family::<ReasonLabels, Counter>::default();
        registry.register(
            "zt_refusals",
            "API requests refused (4xx) or failed (5xx), by region and reason",
            refusals.clone(),
        );
        let verifications = Family::<VerifyLabels, Counter>::default();
        registry.register(
            "zt_verifications",
            "Online verifications, by verifying region, indication and whether the credential came from another region",
            verifications.clone(),
        );
        Metrics {
            registry,
            issued,
            latency,
            establishments,
            checks_refused,
            events,
            refusals,
            verifications,
        }
    }

    /// Counts one event of the log (see [`crate::events`]): every counter here is fed
    /// from the log, and primed from it at start-up ([`Metrics::prime`]).
    pub fn observe(&self, e: &Event) {
        self.events
            .get_or_create(&KindLabels {
                region: e.region,
                kind: e.what.kind(),
            })
            .inc();
        match &e.what {
            What::CredentialIssued {
                credential_type,
                channel,
                received_at,
                ..
            } => self.issued(&e.region, *credential_type, channel, *received_at, e.at),
            What::StartupDelivered {
                channel: Channel::Bundle,
                ..
            } => self.establishment(&e.region, "issued"),
            What::Refused {
                route,
                status,
                reason,
            } => {
                // An application refused, not a caller who may not apply (401, 403).
                if route == "POST /v1/establishments" && !matches!(status, 401 | 403) {
                    let outcome = if *status < 500 { "refused" } else { "failed" };
                    self.establishment(&e.region, outcome);
                }
                self.refusals
                    .get_or_create(&ReasonLabels {
                        region: e.region.to_string(),
                        reason: reason.clone(),
                    })
                    .inc();
            }
            What::InvoiceCheckRefused { .. } => self.check_refused(&e.region),
            What::Verified {
                indication,
                verifying_region,
                issuing_region,
                region_claimed,
                ..
            } => {
                self.verifications
                    .get_or_create(&VerifyLabels {
                        region: *verifying_region,
                        indication: indication.clone(),
                        // Only a region the caller claimed (no partner token): not counted
                        // as cross-region, as in the indicators.
                        cross_region: !region_claimed
                            && issuing_region.is_some_and(|r| r != *verifying_region),
                    })
                    .inc();
            }
            _ => {}
        }
    }

    /// Counts every event already in the log (at start-up, before new ones arrive).
    pub fn prime(
        &self,
        events: impl Iterator<Item = Result<Event, crate::store::StoreError>>,
    ) -> Result<u64, crate::store::StoreError> {
        let mut n = 0;
        for e in events {
            self.observe(&e?);
            n += 1;
        }
        Ok(n)
    }

    /// One credential issued through `channel` (the endpoint), for an application that
    /// arrived at `received` and was durably in the wallet at `delivered`.
    fn issued(
        &self,
        region: &RegionCode,
        kind: CredentialType,
        channel: &str,
        received: DateTime<Utc>,
        delivered: DateTime<Utc>,
    ) {
        // A clock stepped backwards between the two readings counts as no time at all.
        let secs = (delivered - received)
            .to_std()
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
        let (region, kind) = (region.to_string(), kind.as_str().to_string());
        self.issued
            .get_or_create(&IssuedLabels {
                region: region.clone(),
                r#type: kind.clone(),
                channel: channel.to_string(),
            })
            .inc();
        self.latency
            .get_or_create(&LatencyLabels {
                region,
                r#type: kind,
            })
            .observe(secs);
    }

    /// A start-up bundle application and its outcome (`issued`, `refused`, `failed`).
    fn establishment(&self, region: &RegionCode, outcome: &str) {
        self.establishments
            .get_or_create(&OutcomeLabels {
                region: region.to_string(),
                outcome: outcome.to_string(),
            })
            .inc();
    }

    fn check_refused(&self, region: &RegionCode) {
        self.checks_refused
            .get_or_create(&RegionLabels {
                region: region.to_string(),
            })
            .inc();
    }

    /// The OpenMetrics text exposition format (served as [`CONTENT_TYPE`]).
    pub fn render(&self) -> Result<String, std::fmt::Error> {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)?;
        Ok(out)
    }
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
        let text = m.render().unwrap();
        assert!(text.contains(
            "zt_credentials_issued_total{region=\"440100\",type=\"e_seal\",channel=\"establishment\"} 2"
        ));
        assert!(text.contains(
            "zt_issuance_seconds_bucket{le=\"0.025\",region=\"440100\",type=\"e_seal\"} 0"
        ));
        assert!(text.contains(
            "zt_issuance_seconds_bucket{le=\"0.05\",region=\"440100\",type=\"e_seal\"} 1"
        ));
        assert!(text.contains(
            "zt_issuance_seconds_bucket{le=\"2.5\",region=\"440100\",type=\"e_seal\"} 2"
        ));
        assert!(text.contains("zt_issuance_seconds_count{region=\"440100\",type=\"e_seal\"} 2"));
        assert!(text.contains("zt_establishments_total{region=\"440100\",outcome=\"issued\"} 1"));
        assert!(text.contains("# TYPE zt_issuance_seconds histogram"));
    }
}
