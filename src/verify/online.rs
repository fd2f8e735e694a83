//! Online verification, as the server does it: the verifier runs once; its open status
//! question is answered from this node's own records (its region) or from the issuing
//! region's status list (fetched, cached); a seal presentation shows the filed seal image;
//! an online check of an invoice counts against its daily quota.

use std::borrow::Cow;

use chrono::{DateTime, Utc};

use super::{
    Challenge, Pending, RemoteStatus, Report, StatusAnswer, StatusQuery, StatusSource, Verifier,
};
use crate::clock::Clock;
use crate::credential::CredentialType;
use crate::domain::RegionCode;
use crate::events::What;
use crate::invoice::check::{CheckError, CheckLimiter};
use crate::status::list_uri;
use crate::wallet::{CredentialStatus, Wallet};

/// Everything an online verification consults.
pub struct Online<'a> {
    pub clock: &'a Clock,
    pub verifier: &'a Verifier,
    pub remote: &'a RemoteStatus,
    /// The issuing node's own records; `None` on a verifier-only node, which asks every
    /// region's status list, its own included, and counts no invoice checks.
    pub local: Option<Local<'a>>,
}

/// What an issuing node adds to online verification: its records answer for its own
/// region, its seal filings give seal images, its store counts invoice checks (查验).
pub struct Local<'a> {
    pub wallet: &'a Wallet,
    pub invoice_checks: &'a CheckLimiter,
    /// The region of the verifier (this node's, unless the caller said otherwise): the
    /// verifying region of the event log's verification events.
    pub verifying_region: RegionCode,
    /// Whether that region is only the caller's claim (no partner token vouched for it).
    pub region_claimed: bool,
}

/// An online invoice check refused: the daily quota is used up, or it could not be counted.
#[derive(Debug, thiserror::Error)]
pub enum CheckRefused {
    #[error(
        "invoice {credential_id} has been checked online {per_day} times today (UTC), the daily limit; check it again after midnight UTC, or verify it offline, which is not limited"
    )]
    Limit {
        credential_id: String,
        per_day: u32,
        /// Seconds to the next UTC day.
        retry_after: u64,
    },
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

impl<'a> Online<'a> {
    /// `POST /v1/verify`: a QR presentation or an SD-JWT, with the verifier's challenge
    /// for the key binding (empty: none).
    pub async fn verify(&self, token: &str, challenge: &Challenge) -> Result<Report, CheckRefused> {
        let now = self.clock.now();
        let pending = self.verifier.check_challenged(token, now, challenge);
        let mut report = self.resolve(pending, now).await;
        self.add_seal_image(&mut report);
        self.count_invoice_check(&report, now).await?;
        self.record(&report);
        Ok(report)
    }

    /// The verification's event, handed to the log's background writer (never waits). A
    /// verifier-only node keeps no log.
    fn record(&self, report: &Report) {
        let Some(local) = &self.local else {
            return;
        };
        let summary = report.summary.as_ref();
        local.wallet.record(
            summary.map(|s| s.uscc.as_str()),
            What::Verified {
                indication: Cow::Borrowed(report.indication.as_str()),
                sub_indication: report.sub_indication.map(|s| Cow::Borrowed(s.as_str())),
                verifying_region: local.verifying_region,
                issuing_region: summary.and_then(|s| RegionCode::parse(&s.region).ok()),
                credential_type: summary.map(|s| s.credential_type.clone()),
                region_claimed: local.region_claimed,
            },
        );
    }

    /// `POST /v1/signatures/validate`: a seal signature over a document with this digest.
    pub async fn validate_sealed(&self, signature: &str, doc_sha256: &str) -> Report {
        let now = self.clock.now();
        let pending = self
            .verifier
            .check_sealed_document(signature, doc_sha256, now);
        let report = self.resolve(pending, now).await;
        self.record(&report);
        report
    }

    /// The node's own records, when they answer for `region`.
    fn records_for(&self, region: RegionCode) -> Option<&Local<'a>> {
        self.local
            .as_ref()
            .filter(|l| l.wallet.keys.region == region)
    }

    /// Fetches the status list the verification needs (any region's but this node's own,
    /// whose records answer), then adds the status.
    async fn resolve(&self, pending: Pending, now: DateTime<Utc>) -> Report {
        if let Some(q) = pending.query()
            && self.records_for(q.region).is_none()
            && let Ok((uri, _)) = self.remote_uri(q)
            && let Err(why) = self
                .remote
                .prefetch(&uri, q.region, self.verifier, now.timestamp())
                .await
        {
            tracing::warn!(%why, "status list not used");
        }
        pending.finish(Some(&NodeStatus {
            online: self,
            now: now.timestamp(),
        }))
    }

    /// The status list URI for a query about another region, if the trust list allows it.
    fn remote_uri(&self, q: &StatusQuery) -> Result<(String, u32), String> {
        let entry = q
            .entry
            .as_ref()
            .ok_or("the credential names no status entry")?;
        let base = self
            .verifier
            .status_endpoints
            .iter()
            .find(|(r, _)| *r == q.region)
            .map(|(_, u)| u.as_str())
            .ok_or_else(|| format!("no status endpoint is known for {} ({}): this node has no trust list entry for it", q.region.name(), q.region))?;
        let uri = match (&entry.uri, entry.list) {
            (_, Some(list)) => list_uri(base, list),
            (Some(u), None) if u.starts_with(&format!("{}/", base.trim_end_matches('/'))) => {
                u.clone()
            }
            (Some(u), None) => {
                return Err(format!(
                    "status URI {u} is not under the endpoint the trust list gives for {}",
                    q.region
                ));
            }
            (None, None) => return Err("the credential names no status list".into()),
        };
        Ok((uri, entry.idx))
    }

    /// For a seal presentation, shows the filed seal image when this node holds the
    /// filing, so the clerk can compare it with the paper seal.
    fn add_seal_image(&self, report: &mut Report) {
        let Some(local) = &self.local else {
            return;
        };
        let Some(summary) = report.summary.as_mut() else {
            return;
        };
        let Some(fid) = summary
            .details
            .get("fid")
            .and_then(|v| v.as_str())
            .map(String::from)
        else {
            return;
        };
        match crate::seal::filing::get(local.wallet, &fid) {
            Ok(Some(f)) => {
                let d = &mut summary.details;
                d.insert("seal_type_name".into(), f.seal_type.name_zh().into());
                // Rendered once per template (the verifier's cache), not per verification.
                let svg = self.verifier.seal_images.render(&f.template).svg.clone();
                d.insert("seal_image_svg".into(), svg.into());
                d.insert(
                    "seal_image_url".into(),
                    format!("/v1/seal-filings/{fid}/image.svg").into(),
                );
                d.insert("police_filing_id".into(), fid.into());
                d.insert("image_sha256".into(), f.image_sha256.into());
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "seal filing not readable"),
        }
    }

    /// The 查验 limit: an online check of an authentic invoice counts against its daily
    /// quota. Unreadable or forged tokens use nothing of a real invoice's quota. A
    /// verifier-only node keeps no counts (it has no store): not counted there.
    async fn count_invoice_check(
        &self,
        report: &Report,
        now: DateTime<Utc>,
    ) -> Result<(), CheckRefused> {
        let Some(local) = &self.local else {
            return Ok(());
        };
        let Some(summary) = &report.summary else {
            return Ok(());
        };
        if summary.credential_type != CredentialType::EInvoice.as_str() {
            return Ok(());
        }
        match local
            .invoice_checks
            .check(&summary.credential_id, now)
            .await
        {
            Ok(_) => Ok(()),
            Err(CheckError::Store(e)) => Err(e.into()),
            Err(CheckError::Limit(retry_after)) => {
                local.wallet.record(
                    Some(&summary.uscc),
                    What::InvoiceCheckRefused {
                        credential_id: summary.credential_id.clone(),
                    },
                );
                Err(CheckRefused::Limit {
                    credential_id: summary.credential_id.clone(),
                    per_day: local.invoice_checks.per_day(),
                    retry_after,
                })
            }
        }
    }
}

/// How this node answers status questions: its own records for its region, cached lists
/// for the others (for every region on a verifier-only node).
struct NodeStatus<'a> {
    online: &'a Online<'a>,
    now: i64,
}

impl StatusSource for NodeStatus<'_> {
    fn status(&self, q: &StatusQuery) -> StatusAnswer {
        let o = self.online;
        let Some(local) = o.records_for(q.region) else {
            return match o.remote_uri(q) {
                Ok((uri, idx)) => o.remote.lookup(&uri, idx, self.now),
                Err(why) => StatusAnswer::Unknown(why),
            };
        };
        let fields = match local.wallet.credential_status(&q.credential_id) {
            Ok(Some(c)) => match &q.issuer_jwt {
                // Its own credential by what was signed, not by id alone.
                Some(jwt) => match local.wallet.issued_as(&q.credential_id, &c, jwt) {
                    Ok(true) => Ok(Some(c)),
                    Ok(false) => return StatusAnswer::NotIssued,
                    Err(e) => Err(e),
                },
                None => Ok(Some(c)),
            },
            other => other,
        };
        match fields {
            Ok(Some(c)) if c.status == CredentialStatus::Valid => StatusAnswer::Valid {
                as_of: super::StatusAsOf::Records,
            },
            Ok(Some(c)) => StatusAnswer::Revoked {
                reason: "the issuing region has revoked it".into(),
                at: c.revoked_at,
            },
            Ok(None) => {
                StatusAnswer::Unknown("the issuing region has no record of this credential".into())
            }
            Err(e) => StatusAnswer::Unknown(e.to_string()),
        }
    }
}
