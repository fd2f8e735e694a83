//! The verifier: QR presentations and SD-JWT credentials, checked against the trust store,
//! reported as a validation report. The same code serves the CLI (offline) and the server
//! (online, where it can also ask about a credential's status).

mod bounded;
mod catalogue;
mod chains;
mod high_water;
mod key_binding;
mod lang;
mod online;
mod remote;
mod report;
mod seal_images;
mod sealed;

pub use key_binding::Challenge;
pub use online::{CheckRefused, Local, Online};
pub use sealed::timestamp_failure;

pub use high_water::{MarkStore, Marks, Saving};
pub use remote::{RemoteStatus, check_list as check_status_list};

pub use catalogue::{CertName, CheckName, Reason};
pub use lang::Lang;
pub use report::{Check, CheckResult, Indication, Localized, Report, SubIndication, Summary};

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use serde_json::Value;

use crate::credential::jws::Parsed;
use crate::credential::{CredentialType, sdjwt};
use crate::domain::RegionCode;
use crate::json::Object;
use crate::pki::{CertInfo, ChainError, Role, TrustStore, TrustedCert, kid_of};

use crate::present::PresentationClaims;
use chains::{ChainCache, chain_digest};
use seal_images::SealImages;

/// Clock skew tolerated between the signer and the verifier.
const SKEW_S: i64 = 60;

/// What the verifier knows about a credential's revocation status.
#[derive(Debug)]
pub enum StatusAnswer {
    /// Not revoked, as of that moment.
    Valid { as_of: StatusAsOf },
    /// Revoked, and when (a seal revoked after it sealed a document leaves that seal valid).
    Revoked {
        reason: String,
        at: Option<DateTime<Utc>>,
    },
    /// The status could not be learned (issuer unreachable, list expired): never "valid".
    Unknown(String),
    /// The issuing node holds a credential with this id, but not these bytes (a forgery
    /// reusing a real credential's id).
    NotIssued,
}

/// How fresh a "not revoked" answer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusAsOf {
    /// The issuing region's own records, read at the moment of the check.
    Records,
    /// A status list the issuing region signed at this moment (Unix seconds).
    ListSignedAt(i64),
    /// Likewise, but the first list seen from its URI with none on record before it (a new
    /// or lost state): a replayed older list could not be told from it.
    FirstListSignedAt(i64),
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
    /// The issuer-signed JWT presented (SD-JWT credentials, its signature verified), which
    /// the issuing node compares with what it issued under this id; none for a QR
    /// presentation.
    pub issuer_jwt: Option<String>,
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
    /// Credential types each region may issue, from the trust list; a region it does not
    /// list may issue nothing. `None` (no trust list: the node's own folder): no limit.
    pub allowed: Option<HashMap<RegionCode, Vec<CredentialType>>>,
    /// From a trust list: its expiry and the grace period after it. Past both, nothing can
    /// be verified (INDETERMINATE), rather than everything failing silently.
    pub trust_list_expiry: Option<(i64, i64)>,
    /// The trust list was taken with no earlier one on record (new or lost state): the
    /// report says so until a newer list replaces it.
    pub trust_list_first_on_record: bool,
    /// Each region's status endpoint, from the trust list (empty without one: no other
    /// region's status can then be fetched).
    pub status_endpoints: Vec<(RegionCode, String)>,
    /// Chains of certificates not in the trust store (seal keys), validated once.
    chains: ChainCache,
    /// Seal images rendered from their templates, rendered once.
    seal_images: SealImages,
}

fn time(ts: i64) -> Option<DateTime<Utc>> {
    Utc.timestamp_opt(ts, 0).single()
}

fn describe_time(ts: i64) -> String {
    Time(ts).to_string()
}

/// A Unix time as reports write it: RFC 3339 in UTC (`2026-12-02T13:51:26+00:00`, as
/// chrono's `to_rfc3339`), or the number when it is no date. Written digit by digit for the
/// years 0 to 9999, since every report carries several.
pub(crate) struct Time(pub i64);

impl std::fmt::Display for Time {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use chrono::{Datelike, Timelike};
        let Some(t) = time(self.0) else {
            return write!(f, "{}", self.0);
        };
        let year = t.year();
        if !(0..=9999).contains(&year) {
            return f.write_str(&t.to_rfc3339());
        }
        let mut b = *b"0000-00-00T00:00:00+00:00";
        let mut put = |at: usize, v: u32, digits: usize| {
            let mut v = v;
            for i in (0..digits).rev() {
                b[at + i] = b'0' + (v % 10) as u8;
                v /= 10;
            }
        };
        put(0, year as u32, 4);
        put(5, t.month(), 2);
        put(8, t.day(), 2);
        put(11, t.hour(), 2);
        put(14, t.minute(), 2);
        put(17, t.second(), 2);
        // Only ASCII digits and punctuation were written.
        f.write_str(std::str::from_utf8(&b).map_err(|_| std::fmt::Error)?)
    }
}

impl Verifier {
    pub fn new(trust: TrustStore) -> Self {
        Verifier {
            trust,
            allowed: None,
            trust_list_expiry: None,
            trust_list_first_on_record: false,
            status_endpoints: Vec::new(),
            chains: ChainCache::default(),
            seal_images: SealImages::default(),
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
            allowed: Some(list.allowed_types()),
            trust_list_expiry: Some((list.exp, grace_s)),
            trust_list_first_on_record: false,
            status_endpoints: list
                .regions
                .iter()
                .map(|r| (r.code, r.status_endpoint.clone()))
                .collect(),
            chains: ChainCache::default(),
            seal_images: SealImages::default(),
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
                CheckName::TrustList,
                SubIndication::TryLater,
                Reason::TrustListExpired { exp, grace },
            );
            return false;
        }
        if now > exp {
            r.warning(
                CheckName::TrustList,
                Reason::TrustListInGrace { exp, grace },
            );
        } else if self.trust_list_first_on_record {
            r.passed(
                CheckName::TrustList,
                Reason::TrustListValidFirstOnRecord { exp },
            );
        } else {
            r.passed(CheckName::TrustList, Reason::TrustListValid { exp });
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
                    CheckName::Format,
                    SubIndication::FormatFailure,
                    Reason::NotAPresentation {
                        detail: e.to_string(),
                    },
                );
                return Err(r);
            }
        };
        let claims: PresentationClaims = match crate::json::from_slice(&parsed.payload) {
            Ok(c) => c,
            Err(e) => {
                r.failed(
                    CheckName::Format,
                    SubIndication::FormatFailure,
                    Reason::PresentationClaimsMalformed {
                        detail: e.to_string(),
                    },
                );
                return Err(r);
            }
        };
        r.passed(CheckName::Format, Reason::PresentationFormatOk);
        let kid = parsed.header_str("kid").unwrap_or("");
        let Some(cert) = self.trust.by_kid(kid) else {
            r.failed(
                CheckName::SigningCertificate,
                SubIndication::NoCertificateChainFound,
                Reason::PresentationKidUntrusted { kid: kid.into() },
            );
            return Err(r);
        };
        if !cert.info.roles.contains(&Role::PresentationSigner) {
            r.failed(
                CheckName::SigningCertificate,
                SubIndication::ChainConstraintsFailure,
                Reason::MayNotSignPresentations {
                    cert: CertName::of(&cert.info),
                },
            );
            return Err(r);
        }
        r.passed(
            CheckName::SigningCertificate,
            Reason::PresentationSignedBy { cert: cert.clone() },
        );
        if !parsed.verify(&cert.info.public_key) {
            r.failed(
                CheckName::Signature,
                SubIndication::SigCryptoFailure,
                Reason::PresentationSignatureMismatch,
            );
            return Err(r);
        }
        r.passed(CheckName::Signature, Reason::PresentationSignatureValid);
        // The numbers are copied out; the strings move into the summary.
        let PresentationClaims {
            iat,
            exp,
            vu,
            s: entry,
            ..
        } = claims;
        let kind = CredentialType::from_short(&claims.t);
        let credential_id = claims.cid.clone();
        self.summarise_presentation(&mut r, claims, &cert.info);
        self.check_certificate_time(&mut r, cert.window, iat, &cert.info);
        if r.is_failed() {
            return Err(r);
        }
        let Some(region) = cert.info.region else {
            r.failed(
                CheckName::Issuer,
                SubIndication::ChainConstraintsFailure,
                Reason::CertificateNamesNoRegion {
                    cert: CertName::of(&cert.info),
                },
            );
            return Err(r);
        };
        r.passed(CheckName::Issuer, Reason::PresentationIssuedIn { region });
        if !self.check_type_allowed(&mut r, region, kind) {
            return Err(r);
        }
        if iat > now.timestamp() + SKEW_S {
            r.failed(
                CheckName::ValidityPeriod,
                SubIndication::NotYetValid,
                Reason::PresentationNotYetValid { iat },
            );
            return Err(r);
        }
        if now.timestamp() > exp {
            r.failed(
                CheckName::ValidityPeriod,
                SubIndication::Expired,
                Reason::QrExpired {
                    exp,
                    ago_s: now.timestamp() - exp,
                },
            );
            return Err(r);
        }
        if now.timestamp() > vu {
            r.failed(
                CheckName::ValidityPeriod,
                SubIndication::Expired,
                Reason::CredentialBehindQrExpired { valid_until: vu },
            );
            return Err(r);
        }
        r.passed(CheckName::ValidityPeriod, Reason::QrValidUntil { exp });
        let query = StatusQuery {
            credential_id,
            region,
            entry: entry.map(|(list, idx)| StatusEntry {
                list: Some(list),
                uri: None,
                idx,
            }),
            issuer_jwt: None,
        };
        Ok(Pending::ask(r, query, None))
    }

    /// Takes the claims: their strings move into the summary, not copied.
    fn summarise_presentation(&self, r: &mut Report, c: PresentationClaims, cert: &CertInfo) {
        let kind = CredentialType::from_short(&c.t);
        let region = cert.region;
        r.summary = Some(Summary {
            credential_type: kind
                .map(|k| Cow::Borrowed(k.as_str()))
                .unwrap_or_else(|| c.t.into()),
            credential_type_name: kind.map(|k| k.name_zh().into()).unwrap_or_default(),
            credential_id: c.cid,
            company_name: c.n,
            uscc: c.sub,
            region: region.map(|r| r.to_string()).unwrap_or_default(),
            region_name: region.map(|r| r.name()).unwrap_or_default(),
            issuing_authority: cert.organisation.clone(),
            signed_by: cert.subject_cn.clone(),
            valid_until: time(c.vu),
            presentation_expires_at: time(c.exp),
            details: c.extra.into(),
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
                CheckName::CertificateValidity,
                SubIndication::Expired,
                Reason::CertificateOutsideWindow {
                    cert: CertName::of(cert),
                    from: window.0,
                    to: window.1,
                    signed_at,
                },
            );
        } else {
            r.passed(
                CheckName::CertificateValidity,
                Reason::CertificateValidAtSigning { signed_at },
            );
        }
    }

    /// The certificate that signed, trusted for `role`: a listed role certificate, found by
    /// kid and compared byte for byte (parsed once, when the trust store loaded); a seal key
    /// through a listed regional CA (never an intermediate from `x5c`), validated once per
    /// chain and then cached by digest.
    pub fn trusted_signer(
        &self,
        x5c: &[Vec<u8>],
        role: Role,
    ) -> Result<Arc<TrustedCert>, ChainError> {
        let leaf = x5c.first().ok_or(ChainError::NoSigningCertificate)?;
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
        let result = self.trust.validate_signer(x5c, role).map(Arc::new);
        self.chains.put(key, result.clone());
        result
    }

    /// [`Verifier::trusted_signer`] of a JWS's `x5c`, recognising a listed certificate
    /// sent as its exact base64 (the same answer, without decoding or hashing `x5c`).
    fn signer_of(&self, jws: &Parsed, role: Role) -> Result<Arc<TrustedCert>, ChainError> {
        if let (Some(kid), Some(leaf)) = (jws.header_str("kid"), jws.x5c_leaf_str())
            && let Some(t) = self.trust.listed_by_x5c(kid, leaf)
            && t.info.roles.contains(&role)
        {
            return Ok(t);
        }
        self.trusted_signer(&jws.x5c(), role)
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
        Self::pending(self.credential(token, now, &Challenge::default()))
    }

    // Err is the report ended early, returned at once (not an error travelling up).
    #[allow(clippy::result_large_err)]
    fn credential(
        &self,
        token: &str,
        now: DateTime<Utc>,
        challenge: &Challenge,
    ) -> Result<Pending, Report> {
        let mut r = Report::new("credential", now);
        if !self.check_trust_list(&mut r, now) {
            return Err(r);
        }
        if token.len() > 256 * 1024 {
            r.failed(
                CheckName::Format,
                SubIndication::FormatFailure,
                Reason::CredentialTooLong,
            );
            return Err(r);
        }
        let mut decoded = match sdjwt::decode(token) {
            Ok(d) => d,
            Err(e) => {
                r.failed(
                    CheckName::Format,
                    SubIndication::FormatFailure,
                    Reason::NotAnSdJwt {
                        detail: e.to_string(),
                    },
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
                CheckName::Format,
                SubIndication::FormatFailure,
                Reason::NoCredentialType,
            );
            return Err(r);
        };
        r.passed(
            CheckName::Format,
            Reason::SdJwtFormatOk {
                kind,
                disclosures: decoded.disclosed.len(),
            },
        );
        let trusted = match self.signer_of(&decoded.jwt, required_role(kind)) {
            Ok(t) => t,
            Err(why) => {
                untrusted(&mut r, why, |detail| Reason::CredentialChainUntrusted {
                    detail,
                });
                return Err(r);
            }
        };
        r.passed(
            CheckName::SigningCertificate,
            Reason::CredentialSignedBy {
                cert: trusted.clone(),
            },
        );
        if !decoded.jwt.verify(&trusted.info.public_key) {
            r.failed(
                CheckName::Signature,
                SubIndication::SigCryptoFailure,
                Reason::CredentialSignatureMismatch,
            );
            return Err(r);
        }
        r.passed(CheckName::Signature, Reason::CredentialSignatureValid);
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
            // `iss` is the issuer URI the signing certificate names (SD-JWT VC with x5c):
            // one per region and role, or the region's alone in certificates made before.
            Some(reg)
                if claims
                    .get("iss")
                    .and_then(Value::as_str)
                    .is_some_and(|iss| trusted.info.uris.iter().any(|u| u == iss)) =>
            {
                r.passed(
                    CheckName::Issuer,
                    Reason::CredentialIssuedBy { region: reg },
                );
                reg
            }
            _ => {
                r.failed(
                    CheckName::Issuer,
                    SubIndication::SigConstraintsFailure,
                    Reason::IssuerMismatch { iss: get("iss") },
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
                CheckName::ValidityPeriod,
                SubIndication::NotYetValid,
                Reason::CredentialNotYetValid { nbf },
            );
            return Err(r);
        }
        if now.timestamp() > exp {
            r.failed(
                CheckName::ValidityPeriod,
                SubIndication::Expired,
                Reason::CredentialExpired { exp },
            );
            return Err(r);
        }
        r.passed(
            CheckName::ValidityPeriod,
            Reason::CredentialValidUntil { exp },
        );
        if !self.check_type_allowed(&mut r, reg, Some(kind)) {
            return Err(r);
        }
        if !key_binding::check(&mut r, &decoded, challenge, now) {
            return Err(r);
        }
        let query = StatusQuery {
            credential_id: get("jti"),
            region: reg,
            entry: status_entry(claims),
            issuer_jwt: Some(decoded.issuer_jwt().to_string()),
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
                CheckName::CredentialType,
                SubIndication::FormatFailure,
                Reason::UnknownCredentialType,
            );
            return false;
        };
        let Some(allowed) = &self.allowed else {
            return true;
        };
        match allowed.get(&region) {
            Some(types) if types.contains(&kind) => true,
            Some(_) => {
                r.failed(
                    CheckName::CredentialType,
                    SubIndication::SigConstraintsFailure,
                    Reason::TypeNotAllowed { region, kind },
                );
                false
            }
            None => {
                r.failed(
                    CheckName::CredentialType,
                    SubIndication::NoCertificateChainFound,
                    Reason::RegionNotInTrustList { region },
                );
                false
            }
        }
    }
}

/// Records why the signer is not trusted: a region the trust list does not name is
/// INDETERMINATE with that reason; a certificate outside its issuer's remit (another
/// region's, a role its CA may not issue) is a forgery, TOTAL_FAILED; any other reason
/// (unknown chain, delisted key) INDETERMINATE, with `reason`.
pub(crate) fn untrusted(
    r: &mut Report,
    why: ChainError,
    reason: impl FnOnce(ChainError) -> Reason,
) {
    let sub = match &why {
        ChainError::RegionNotListed { region, .. } => {
            r.failed(
                CheckName::SigningCertificate,
                SubIndication::NoCertificateChainFound,
                Reason::RegionNotInTrustList { region: *region },
            );
            return;
        }
        ChainError::RegionMismatch { .. } | ChainError::RoleNotForIssuer { .. } => {
            SubIndication::SigConstraintsFailure
        }
        _ => SubIndication::NoCertificateChainFound,
    };
    r.failed(CheckName::SigningCertificate, sub, reason(why));
}

/// `signed_at`: for a signature, revocation after that moment leaves it valid.
fn check_status(
    r: &mut Report,
    query: &StatusQuery,
    status: Option<&dyn StatusSource>,
    signed_at: Option<i64>,
) {
    let Some(s) = status else {
        r.skipped(CheckName::CredentialStatus, Reason::StatusOffline);
        return;
    };
    match s.status(query) {
        StatusAnswer::Valid { as_of } => {
            let age = |iat: i64| (r.validation_time.timestamp() - iat).max(0);
            let reason = match as_of {
                StatusAsOf::Records => Reason::StatusNotRevoked {
                    list_signed_at: None,
                    age_s: 0,
                },
                StatusAsOf::ListSignedAt(iat) => Reason::StatusNotRevoked {
                    list_signed_at: Some(iat),
                    age_s: age(iat),
                },
                StatusAsOf::FirstListSignedAt(iat) => Reason::StatusNotRevokedFirstList {
                    list_signed_at: iat,
                    age_s: age(iat),
                },
            };
            r.passed(CheckName::CredentialStatus, reason)
        }
        StatusAnswer::Revoked { reason, at } => match (at, signed_at) {
            // Signing times are whole seconds: a revocation in the same second counts as
            // before the signing, since their order cannot be known.
            (Some(at), Some(signed_at)) if at.timestamp() > signed_at => r.warning(
                CheckName::CredentialStatus,
                Reason::RevokedAfterSigning {
                    at,
                    detail: reason,
                    signed_at,
                },
            ),
            (at, _) => {
                r.failed(
                    CheckName::CredentialStatus,
                    SubIndication::Revoked,
                    Reason::Revoked { at, detail: reason },
                );
            }
        },
        StatusAnswer::Unknown(detail) => {
            r.failed(
                CheckName::CredentialStatus,
                SubIndication::TryLater,
                Reason::StatusUnknown { detail },
            );
        }
        StatusAnswer::NotIssued => {
            r.failed(
                CheckName::CredentialStatus,
                SubIndication::SigConstraintsFailure,
                Reason::NotTheIssuedCredential {
                    credential_id: query.credential_id.clone(),
                },
            );
        }
    }
}

/// The `status.status_list` claim of a credential, if present.
fn status_entry(claims: &Object) -> Option<StatusEntry> {
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

/// The claims of the SD-JWT VC protocol (not shown among a credential's details, and
/// without labels in its type metadata).
pub const PROTOCOL_CLAIMS: [&str; 10] = [
    "iss",
    "vct",
    "vct#integrity",
    "jti",
    "iat",
    "nbf",
    "exp",
    "cnf",
    "sub",
    "status",
];

/// Claims worth showing besides the summary, moved out of `claims`, which keeps the
/// protocol fields.
fn disclosed_details(claims: &mut Object) -> Object {
    let protocol = claims.split_off_keys(&PROTOCOL_CLAIMS);
    std::mem::replace(claims, protocol)
}
