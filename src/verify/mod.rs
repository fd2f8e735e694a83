//! The verifier: QR presentations and SD-JWT credentials, checked against the trust store,
//! reported as a validation report. The same code serves the CLI (offline) and the server
//! (online, where it can also ask about a credential's status).

mod chains;
mod online;
mod remote;
mod report;
mod sealed;

pub use online::{CheckRefused, Online};

pub use remote::{RemoteStatus, check_list as check_status_list};

pub use report::{Check, CheckResult, Indication, Report, SubIndication, Summary};

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Map, Value};

use crate::credential::jws::Parsed;
use crate::credential::{CredentialType, sdjwt};
use crate::domain::RegionCode;
use crate::pki::{CertInfo, Role, TrustStore, TrustedCert, issuer_uri, kid_of};

use crate::present::PresentationClaims;
use chains::{ChainCache, chain_digest};

/// Clock skew tolerated between the signer and the verifier.
const SKEW_S: i64 = 60;

/// What the verifier knows about a credential's revocation status.
pub enum StatusAnswer {
    Valid,
    /// Revoked, and when (a seal revoked after it sealed a document leaves that seal valid).
    Revoked {
        reason: String,
        at: Option<DateTime<Utc>>,
    },
    /// The status could not be learned (issuer unreachable, list expired): never "valid".
    Unknown(String),
}

/// Where a credential's status entry is: a list (by number, in the issuing region's status
/// endpoint, or by URI) and an index in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusEntry {
    pub list: Option<u32>,
    pub uri: Option<String>,
    pub idx: u32,
}

/// What the verifier asks a status source about.
#[derive(Debug, Clone)]
pub struct StatusQuery {
    pub credential_id: String,
    pub region: RegionCode,
    pub entry: Option<StatusEntry>,
}

/// Where an online verifier asks for status.
pub trait StatusSource: Send + Sync {
    fn status(&self, query: &StatusQuery) -> StatusAnswer;
}

/// A verification whose signatures and rules have been checked, and which only still
/// needs the credential's status (if it got that far). [`Pending::finish`] adds the status
/// check without checking anything again, so the caller can fetch what
/// [`Pending::query`] names in between (the verifier itself never waits).
pub struct Pending {
    report: Report,
    /// The status question, and for a signature the moment it was made (revocation after
    /// that moment leaves the signature valid).
    status: Option<(StatusQuery, Option<i64>)>,
}

impl Pending {
    fn done(report: Report) -> Self {
        Pending {
            report,
            status: None,
        }
    }

    fn ask(report: Report, query: StatusQuery, signed_at: Option<i64>) -> Self {
        Pending {
            report,
            status: Some((query, signed_at)),
        }
    }

    /// The status question still open, if any.
    pub fn query(&self) -> Option<&StatusQuery> {
        self.status.as_ref().map(|(q, _)| q)
    }

    /// The report so far (without the status check).
    pub fn report(&self) -> &Report {
        &self.report
    }

    /// Adds the status check (skipped offline, `None`) and returns the report.
    pub fn finish(self, status: Option<&dyn StatusSource>) -> Report {
        let mut r = self.report;
        if let Some((q, signed_at)) = self.status {
            check_status(&mut r, &q, status, signed_at);
        }
        r
    }
}

pub struct Verifier {
    pub trust: TrustStore,
    /// Credential types each region may issue, from the trust list (absent: no limit).
    pub allowed: HashMap<RegionCode, Vec<CredentialType>>,
    /// From a trust list: its expiry and the grace period after it. Past both, nothing can
    /// be verified (INDETERMINATE), rather than everything failing silently.
    pub trust_list_expiry: Option<(i64, i64)>,
    /// Chains of certificates not in the trust store (seal keys), validated once.
    chains: ChainCache,
}

fn time(ts: i64) -> Option<DateTime<Utc>> {
    Utc.timestamp_opt(ts, 0).single()
}

fn describe_time(ts: i64) -> String {
    time(ts)
        .map(|t| t.to_rfc3339())
        .unwrap_or_else(|| ts.to_string())
}

impl Verifier {
    pub fn new(trust: TrustStore) -> Self {
        Verifier {
            trust,
            allowed: HashMap::new(),
            trust_list_expiry: None,
            chains: ChainCache::default(),
        }
    }

    /// A verifier that trusts what a verified trust list lists.
    pub fn from_trust_list(
        list: &crate::trustlist::TrustList,
        base: &TrustStore,
        grace_s: i64,
    ) -> Self {
        Verifier {
            trust: list.trust_store(base),
            allowed: list.allowed_types(),
            trust_list_expiry: Some((list.exp, grace_s)),
            chains: ChainCache::default(),
        }
    }

    /// False (and a failed check) when the trust list is past its expiry and grace period.
    pub(crate) fn check_trust_list(&self, r: &mut Report, now: DateTime<Utc>) -> bool {
        let Some((exp, grace)) = self.trust_list_expiry else {
            return true;
        };
        let now = now.timestamp();
        if now > exp + grace {
            r.failed(
                "trust_list",
                SubIndication::TryLater,
                format!("The trust list expired at {} and its grace period of {grace} s is over: this verifier cannot tell which certificates are trusted. Update the trust list and try again.", describe_time(exp)),
            );
            return false;
        }
        if now > exp {
            r.warning("trust_list", format!("The trust list expired at {}; using the last good copy during the grace period (until {}).", describe_time(exp), describe_time(exp + grace)));
        } else {
            r.passed(
                "trust_list",
                format!("The trust list is valid until {}.", describe_time(exp)),
            );
        }
        true
    }

    /// Verifies a QR presentation (compact JWS) or an SD-JWT credential (contains `~`).
    pub fn verify(
        &self,
        token: &str,
        now: DateTime<Utc>,
        status: Option<&dyn StatusSource>,
    ) -> Report {
        self.check(token, now).finish(status)
    }

    /// Everything but the status: signatures, chains, rules, run once.
    pub fn check(&self, token: &str, now: DateTime<Utc>) -> Pending {
        let token = token.trim();
        if token.contains('~') {
            self.check_credential(token, now)
        } else {
            self.check_presentation(token, now)
        }
    }

    pub fn verify_presentation(
        &self,
        token: &str,
        now: DateTime<Utc>,
        status: Option<&dyn StatusSource>,
    ) -> Report {
        self.check_presentation(token, now).finish(status)
    }

    pub fn check_presentation(&self, token: &str, now: DateTime<Utc>) -> Pending {
        Self::pending(self.presentation(token, now))
    }

    fn pending(r: Result<Pending, Report>) -> Pending {
        r.unwrap_or_else(Pending::done)
    }

    // Err is the report ended early, returned at once (not an error travelling up).
    #[allow(clippy::result_large_err)]
    fn presentation(&self, token: &str, now: DateTime<Utc>) -> Result<Pending, Report> {
        let mut r = Report::new("presentation", now);
        if !self.check_trust_list(&mut r, now) {
            return Err(r);
        }
        let parsed = match Parsed::parse(token) {
            Ok(p) => p,
            Err(e) => {
                r.failed(
                    "format",
                    SubIndication::FormatFailure,
                    format!("This is not a zhengtong QR presentation: {e}."),
                );
                return Err(r);
            }
        };
        let claims: PresentationClaims = match serde_json::from_slice(&parsed.payload) {
            Ok(c) => c,
            Err(e) => {
                r.failed(
                    "format",
                    SubIndication::FormatFailure,
                    format!("The token's claims are incomplete or malformed: {e}."),
                );
                return Err(r);
            }
        };
        r.passed(
            "format",
            "A compact JWS (ES256) with the claims of a QR presentation.",
        );
        let kid = parsed.header_str("kid").unwrap_or("");
        let Some(cert) = self.trust.by_kid(kid) else {
            r.failed(
                "signing_certificate",
                SubIndication::NoCertificateChainFound,
                format!("The token was signed with a certificate (kid {kid:?}) that is not in this verifier's trust list: it comes from a CA this verifier does not trust, or it is forged. Update the trust list, or do not accept it."),
            );
            return Err(r);
        };
        if !cert.info.roles.contains(&Role::PresentationSigner) {
            r.failed(
                "signing_certificate",
                SubIndication::ChainConstraintsFailure,
                format!("{} may not sign presentations.", cert.info.describe()),
            );
            return Err(r);
        }
        r.passed(
            "signing_certificate",
            format!(
                "Signed with {}, issued by {} under the national root.",
                cert.info.describe(),
                cert.ca.subject_cn
            ),
        );
        if !parsed.verify(&cert.info.public_key) {
            r.failed("signature", SubIndication::SigCryptoFailure, "The signature does not match the content: the token was altered after signing, or was not signed with this certificate. Do not accept it.");
            return Err(r);
        }
        r.passed(
            "signature",
            "The ES256 signature is valid: the content is exactly what the region signed.",
        );
        self.summarise_presentation(&mut r, &claims, &cert.info);
        self.check_certificate_time(&mut r, cert.window, claims.iat, &cert.info);
        if r.is_failed() {
            return Err(r);
        }
        let Some(region) = cert.info.region else {
            r.failed(
                "issuer",
                SubIndication::ChainConstraintsFailure,
                format!("{} names no region.", cert.info.describe()),
            );
            return Err(r);
        };
        r.passed(
            "issuer",
            format!(
                "Issued in {} ({region}), signed with that region's key.",
                region.name()
            ),
        );
        if !self.check_type_allowed(&mut r, region, CredentialType::from_short(&claims.t)) {
            return Err(r);
        }
        if claims.iat > now.timestamp() + SKEW_S {
            r.failed(
                "validity_period",
                SubIndication::NotYetValid,
                format!(
                    "The QR code says it was made at {}, in the future: check this device's clock.",
                    describe_time(claims.iat)
                ),
            );
            return Err(r);
        }
        if now.timestamp() > claims.exp {
            r.failed(
                "validity_period",
                SubIndication::Expired,
                format!(
                    "The QR code expired at {} ({} s ago). Ask the company to show a fresh one.",
                    describe_time(claims.exp),
                    now.timestamp() - claims.exp
                ),
            );
            return Err(r);
        }
        if now.timestamp() > claims.vu {
            r.failed(
                "validity_period",
                SubIndication::Expired,
                format!(
                    "The credential behind the QR code expired at {}.",
                    describe_time(claims.vu)
                ),
            );
            return Err(r);
        }
        r.passed(
            "validity_period",
            format!("The QR code is valid until {}.", describe_time(claims.exp)),
        );
        let query = StatusQuery {
            credential_id: claims.cid.clone(),
            region,
            entry: claims.s.map(|(list, idx)| StatusEntry {
                list: Some(list),
                uri: None,
                idx,
            }),
        };
        Ok(Pending::ask(r, query, None))
    }

    fn summarise_presentation(&self, r: &mut Report, c: &PresentationClaims, cert: &CertInfo) {
        let kind = CredentialType::from_short(&c.t);
        let region = cert.region;
        r.summary = Some(Summary {
            credential_type: kind
                .map(|k| k.as_str().to_string())
                .unwrap_or_else(|| c.t.clone()),
            credential_type_name: kind.map(|k| k.name_zh().to_string()).unwrap_or_default(),
            credential_id: c.cid.clone(),
            company_name: c.n.clone(),
            uscc: c.sub.clone(),
            region: region.map(|r| r.to_string()).unwrap_or_default(),
            region_name: region.map(|r| r.name()).unwrap_or_default(),
            issuing_authority: cert.organisation.clone(),
            signed_by: cert.subject_cn.clone(),
            valid_until: time(c.vu),
            presentation_expires_at: time(c.exp),
            details: c.extra.clone(),
        });
    }

    fn check_certificate_time(
        &self,
        r: &mut Report,
        window: (i64, i64),
        signed_at: i64,
        cert: &CertInfo,
    ) {
        if signed_at < window.0 || signed_at > window.1 {
            r.failed(
                "certificate_validity",
                SubIndication::Expired,
                format!(
                    "{} (with its CA) is valid from {} to {}, but the signature is dated {}.",
                    cert.describe(),
                    describe_time(window.0),
                    describe_time(window.1),
                    describe_time(signed_at)
                ),
            );
        } else {
            r.passed(
                "certificate_validity",
                format!(
                    "The signing certificate was valid when it signed ({}).",
                    describe_time(signed_at)
                ),
            );
        }
    }

    /// The certificate that signed, traced to a trusted root for `role`: known role
    /// certificates directly (parsed once, when the trust store loaded), others (seal keys)
    /// through the chain they carry, validated once per chain and then cached by digest.
    pub fn trusted_signer(&self, x5c: &[Vec<u8>], role: Role) -> Result<Arc<TrustedCert>, String> {
        let leaf = x5c.first().ok_or("no signing certificate in x5c")?;
        if let Some(t) = self.trust.by_kid(&kid_of(leaf))
            && t.info.der == *leaf
            && t.info.roles.contains(&role)
        {
            return Ok(t);
        }
        let key = chain_digest(x5c, role);
        if let Some(hit) = self.chains.get(&key) {
            return hit;
        }
        let result = self.validate_x5c(x5c, role).map(Arc::new);
        self.chains.put(key, result.clone());
        result
    }

    fn validate_x5c(&self, x5c: &[Vec<u8>], role: Role) -> Result<TrustedCert, String> {
        let leaf = x5c
            .first()
            .ok_or("no signing certificate in x5c")
            .and_then(|d| CertInfo::parse(d).map_err(|_| "the x5c certificate is unreadable"))?;
        // Intermediates from the token are only candidates: webpki decides.
        let extra: Vec<CertInfo> = x5c
            .iter()
            .skip(1)
            .filter(|ca| !self.trust.cas().iter().any(|c| &c.der == *ca))
            .filter_map(|ca| CertInfo::parse(ca).ok())
            .collect();
        self.trust.validate_chain_with(&leaf, role, &extra)
    }

    /// Verifies an SD-JWT VC with the issuer chain in `x5c`.
    pub fn verify_credential(
        &self,
        token: &str,
        now: DateTime<Utc>,
        status: Option<&dyn StatusSource>,
    ) -> Report {
        self.check_credential(token, now).finish(status)
    }

    pub fn check_credential(&self, token: &str, now: DateTime<Utc>) -> Pending {
        Self::pending(self.credential(token, now))
    }

    // Err is the report ended early, returned at once (not an error travelling up).
    #[allow(clippy::result_large_err)]
    fn credential(&self, token: &str, now: DateTime<Utc>) -> Result<Pending, Report> {
        let mut r = Report::new("credential", now);
        if !self.check_trust_list(&mut r, now) {
            return Err(r);
        }
        if token.len() > 256 * 1024 {
            r.failed(
                "format",
                SubIndication::FormatFailure,
                "The credential is longer than 256 KiB.",
            );
            return Err(r);
        }
        let mut decoded = match sdjwt::decode(token) {
            Ok(d) => d,
            Err(e) => {
                r.failed(
                    "format",
                    SubIndication::FormatFailure,
                    format!("This is not a valid SD-JWT credential: {e}."),
                );
                return Err(r);
            }
        };
        // The claims shown in the summary, moved out; `claims` keeps the protocol fields.
        let details = disclosed_details(&mut decoded.claims);
        let claims = &decoded.claims;
        let kind = details
            .get("credential_type")
            .and_then(Value::as_str)
            .and_then(CredentialType::from_short);
        let Some(kind) = kind else {
            r.failed(
                "format",
                SubIndication::FormatFailure,
                "The credential has no known credential_type.",
            );
            return Err(r);
        };
        r.passed(
            "format",
            format!(
                "An SD-JWT VC ({}) with {} disclosure(s) that match their digests.",
                kind.as_str(),
                decoded.disclosed.len()
            ),
        );
        let trusted = match self.trusted_signer(&decoded.x5c, required_role(kind)) {
            Ok(t) => t,
            Err(why) => {
                r.failed(
                    "signing_certificate",
                    SubIndication::NoCertificateChainFound,
                    format!("{why}. The credential cannot be traced to a trusted regional CA."),
                );
                return Err(r);
            }
        };
        r.passed(
            "signing_certificate",
            format!(
                "Signed with {}, issued by {}.",
                trusted.info.describe(),
                trusted.ca.subject_cn
            ),
        );
        if !decoded.jwt.verify(&trusted.info.public_key) {
            r.failed("signature", SubIndication::SigCryptoFailure, "The issuer's signature does not match the credential: it was altered after issuance.");
            return Err(r);
        }
        r.passed("signature", "The issuer's ES256 signature is valid.");
        let get = |k: &str| {
            claims
                .get(k)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let num = |k: &str| claims.get(k).and_then(Value::as_i64);
        let shown = |k: &str| {
            details
                .get(k)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let region = trusted.info.region;
        r.summary = Some(Summary {
            credential_type: kind.as_str().into(),
            credential_type_name: kind.name_zh().into(),
            credential_id: get("jti"),
            company_name: shown("name"),
            uscc: shown("uscc"),
            region: shown("region"),
            region_name: region.map(|r| r.name()).unwrap_or_default(),
            issuing_authority: trusted.info.organisation.clone(),
            signed_by: trusted.info.subject_cn.clone(),
            valid_until: num("exp").and_then(time),
            presentation_expires_at: None,
            details,
        });
        self.check_certificate_time(
            &mut r,
            trusted.window,
            num("iat").unwrap_or(0),
            &trusted.info,
        );
        if r.is_failed() {
            return Err(r);
        }
        let reg = match region {
            Some(reg) if get("iss") == issuer_uri(&reg) => {
                r.passed(
                    "issuer",
                    format!("Issued by {} ({reg}).", reg.authority_name()),
                );
                reg
            }
            _ => {
                r.failed(
                    "issuer",
                    SubIndication::SigConstraintsFailure,
                    format!(
                        "iss {:?} does not match the signing certificate's region.",
                        get("iss")
                    ),
                );
                return Err(r);
            }
        };
        let (nbf, exp) = (
            num("nbf").or(num("iat")).unwrap_or(0),
            num("exp").unwrap_or(0),
        );
        if nbf > now.timestamp() + SKEW_S {
            r.failed(
                "validity_period",
                SubIndication::NotYetValid,
                format!("The credential is valid only from {}.", describe_time(nbf)),
            );
            return Err(r);
        }
        if now.timestamp() > exp {
            r.failed(
                "validity_period",
                SubIndication::Expired,
                format!("The credential expired at {}.", describe_time(exp)),
            );
            return Err(r);
        }
        r.passed(
            "validity_period",
            format!("Valid until {}.", describe_time(exp)),
        );
        if !self.check_type_allowed(&mut r, reg, Some(kind)) {
            return Err(r);
        }
        let query = StatusQuery {
            credential_id: get("jti"),
            region: reg,
            entry: status_entry(claims),
        };
        Ok(Pending::ask(r, query, None))
    }

    /// A region may issue only the credential types its trust-list entry names.
    fn check_type_allowed(
        &self,
        r: &mut Report,
        region: RegionCode,
        kind: Option<CredentialType>,
    ) -> bool {
        let Some(kind) = kind else {
            r.failed(
                "credential_type",
                SubIndication::FormatFailure,
                "Unknown credential type.",
            );
            return false;
        };
        match self.allowed.get(&region) {
            Some(types) if !types.contains(&kind) => {
                r.failed(
                    "credential_type",
                    SubIndication::SigConstraintsFailure,
                    format!("The trust list does not allow {} ({region}) to issue {} ({}). Do not accept it.", region.name(), kind.name_zh(), kind.as_str()),
                );
                false
            }
            _ => true,
        }
    }
}

/// `signed_at`: for a signature, revocation after that moment leaves it valid.
fn check_status(
    r: &mut Report,
    query: &StatusQuery,
    status: Option<&dyn StatusSource>,
    signed_at: Option<i64>,
) {
    let Some(s) = status else {
        r.skipped("credential_status", "Offline verification: revocation was not checked. Verify online to learn whether the credential has been revoked.");
        return;
    };
    match s.status(query) {
        StatusAnswer::Valid => r.passed("credential_status", "The issuer reports the credential as not revoked."),
        StatusAnswer::Revoked { reason, at } => match (at, signed_at) {
            // Signing times are whole seconds: a revocation in the same second counts as
            // before the signing, since their order cannot be known.
            (Some(at), Some(signed)) if at.timestamp() > signed => r.warning(
                "credential_status",
                format!("Revoked at {} ({reason}), after this signature was made at {}: the signature stays valid, as a paper seal's impression does.", at.to_rfc3339(), describe_time(signed)),
            ),
            (at, _) => {
                let when = at.map(|t| format!(" at {}", t.to_rfc3339())).unwrap_or_default();
                r.failed("credential_status", SubIndication::Revoked, format!("The credential was revoked{when}: {reason}. Do not accept it."));
            }
        },
        StatusAnswer::Unknown(why) => {
            r.failed("credential_status", SubIndication::TryLater, format!("The credential's status cannot be learned now ({why}). Try again later; do not treat it as valid or as revoked."));
        }
    }
}

/// The `status.status_list` claim of a credential, if present.
fn status_entry(claims: &Map<String, Value>) -> Option<StatusEntry> {
    let sl = claims.get("status")?.get("status_list")?;
    Some(StatusEntry {
        list: None,
        uri: Some(sl.get("uri")?.as_str()?.to_string()),
        idx: u32::try_from(sl.get("idx")?.as_u64()?).ok()?,
    })
}

/// The role whose key must have signed a credential of this type.
pub fn required_role(kind: CredentialType) -> Role {
    match kind {
        CredentialType::BusinessLicense | CredentialType::ESeal => Role::LicenceIssuer,
        CredentialType::EInvoice | CredentialType::InvoicingRights => Role::TaxIssuer,
    }
}

/// Claims worth showing besides the summary, moved out of `claims`, which keeps the
/// protocol fields.
fn disclosed_details(claims: &mut Map<String, Value>) -> Map<String, Value> {
    const HIDDEN: [&str; 9] = [
        "iss", "vct", "jti", "iat", "nbf", "exp", "cnf", "sub", "status",
    ];
    let mut shown = std::mem::take(claims);
    for k in HIDDEN {
        if let Some(v) = shown.remove(k) {
            claims.insert(k.into(), v);
        }
    }
    shown
}
