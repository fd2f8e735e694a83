//! Validating every signature of a PDF by the rules of PDF signatures (ISO 32000-2 §12.8,
//! ETSI EN 319 142-1), whoever made it:
//!
//! 1. the file is read strictly, revision by revision, within a budget ([`super::read`]);
//!    what cannot be read exactly is refused as a whole;
//! 2. the signatures are the signature fields of the last revision, each byte range
//!    checked against its own dictionary and a revision's end ([`super::fields`]);
//! 3. every revision after a signature is compared object by object with the one
//!    before ([`super::diff`]): one disallowed change fails every signature before it,
//!    whatever signs after it;
//! 4. each CMS is checked by meaning ([`super::cms_check`]); a signer our trust list does
//!    not know is INDETERMINATE, not a crypto failure; a document timestamp is reported
//!    as one;
//! 5. our e-seals: the signature timestamp (B-T), the certificate at that time, the seal's
//!    status and filed image.

use chrono::{DateTime, NaiveDateTime, Utc};

use super::cms_check::{self, Checked, SigningCertificate};
use super::diff::{self, Allowed};
use super::fields::{self, Kind, Signature, Signed};
use super::read::{Document, Limits};
use crate::pki::Role;
use crate::seal::eseal::SealStatus;
use crate::seal::records;
use crate::tsa::verify_token;
use crate::verify::{
    CheckName, Reason, Report, SubIndication, Summary, Verifier, timestamp_failure,
};
use crate::wallet::Wallet;

/// A report per signature, in the order their byte ranges end (one FORMAT_FAILURE report
/// when the document cannot be read or holds none), at the wallet's time, with the status
/// and filed image of the seals it holds.
pub fn validate(bytes: &[u8], verifier: &Verifier, wallet: &Wallet) -> Vec<Report> {
    validate_at(bytes, verifier, wallet.clock.now(), Some(wallet))
}

/// [`validate`] at `now`; `seals`: the wallet whose e-seals' status and filed images are
/// checked, or `None` offline (the status check SKIPPED, as for other offline reports).
pub fn validate_at(
    bytes: &[u8],
    verifier: &Verifier,
    now: DateTime<Utc>,
    seals: Option<&Wallet>,
) -> Vec<Report> {
    validate_within(bytes, verifier, now, seals, Limits::default())
}

/// [`validate_at`] within `limits`.
pub fn validate_within(
    bytes: &[u8],
    verifier: &Verifier,
    now: DateTime<Utc>,
    seals: Option<&Wallet>,
    limits: Limits,
) -> Vec<Report> {
    let failed = |reason: Reason| {
        let mut r = Report::new("pdf_signature", now);
        r.failed(CheckName::Format, SubIndication::FormatFailure, reason);
        vec![r]
    };
    let unreadable = |e: &dyn std::fmt::Display| {
        failed(Reason::PdfMalformed {
            detail: e.to_string(),
        })
    };
    if bytes.len() > super::MAX_PDF_BYTES {
        return unreadable(&super::PdfError::TooLarge {
            size: bytes.len(),
            limit: super::MAX_PDF_BYTES,
        });
    }
    let mut doc = match Document::read(bytes, limits) {
        Ok(d) => d,
        Err(e) => return unreadable(&e),
    };
    let signatures = match fields::find(&mut doc) {
        Ok(s) => s,
        Err(e) => return unreadable(&e),
    };
    if signatures.is_empty() {
        return failed(Reason::PdfNoSignatures);
    }
    // Each revision after the first signed one, judged once.
    let first = signatures
        .iter()
        .filter_map(|s| s.range.as_ref().ok().map(|r| r.revision))
        .min()
        .unwrap_or(doc.last());
    let mut verdicts: Vec<Option<Result<Allowed, String>>> = vec![None; doc.revisions.len()];
    for (j, v) in verdicts.iter_mut().enumerate().skip(first + 1) {
        *v = Some(diff::revision(&mut doc, j));
        if let Err(e) = doc.budget.time() {
            return unreadable(&e);
        }
    }
    let ctx = Ctx {
        bytes,
        total: bytes.len(),
        last: doc.last(),
        verdicts,
        verifier,
        seals,
        now,
    };
    signatures.iter().map(|s| ctx.one(s)).collect()
}

struct Ctx<'a> {
    bytes: &'a [u8],
    total: usize,
    last: usize,
    verdicts: Vec<Option<Result<Allowed, String>>>,
    verifier: &'a Verifier,
    seals: Option<&'a Wallet>,
    now: DateTime<Utc>,
}

fn details(r: &mut Report, s: &Signature, kind: &str, signer: &str) {
    let summary = r.summary.get_or_insert_with(Summary::default);
    summary.credential_type = "pdf_signature".into();
    summary.signed_by = signer.to_string();
    summary.details.insert("kind".into(), kind.into());
    summary
        .details
        .insert("field".into(), s.field.clone().into());
}

impl Ctx<'_> {
    fn one(&self, s: &Signature) -> Report {
        let mut r = Report::new("pdf_signature", self.now);
        let kind = match s.kind {
            Kind::Cms => "signature",
            Kind::DocTimeStamp => "document_timestamp",
        };
        details(&mut r, s, kind, "");
        if !self.verifier.check_trust_list(&mut r, self.now) {
            return r;
        }
        let signed = match &s.range {
            Ok(x) => x,
            Err(detail) => {
                r.failed(
                    CheckName::Format,
                    SubIndication::FormatFailure,
                    Reason::PdfByteRangeWrong {
                        detail: detail.clone(),
                    },
                );
                return r;
            }
        };
        match s.kind {
            Kind::Cms => self.cms(&mut r, s, signed),
            Kind::DocTimeStamp => self.doc_timestamp(&mut r, s, signed),
        }
        r
    }

    fn parts(&self, signed: &Signed) -> [&[u8]; 2] {
        let [a, b, c, d] = signed.range;
        [&self.bytes[a..a + b], &self.bytes[c..c + d]]
    }

    /// Every revision after `signed`'s allowed (and, under DocMDP P=1 of a certification
    /// signature, none adding signatures); else the check failed (and false).
    fn unchanged_since(&self, r: &mut Report, s: &Signature, signed: &Signed) -> bool {
        for j in signed.revision + 1..=self.last {
            let detail = match &self.verdicts[j] {
                Some(Err(detail)) => detail.clone(),
                Some(Ok(a)) if a.signatures && s.docmdp == Some(1) => {
                    "a signature field was added or signed, which this certification signature forbids (DocMDP P=1)".into()
                }
                _ => continue,
            };
            r.failed(
                CheckName::DocumentHash,
                SubIndication::HashFailure,
                Reason::PdfModifiedAfterSigning {
                    revision: j + 1,
                    detail,
                },
            );
            return false;
        }
        let covered = signed.range[2] + signed.range[3];
        r.passed(
            CheckName::DocumentHash,
            if signed.revision == self.last {
                Reason::PdfSignedRevision {
                    covered,
                    total: self.total,
                }
            } else {
                Reason::PdfSignedRevisionThenDss {
                    covered,
                    total: self.total,
                }
            },
        );
        true
    }

    fn doc_timestamp(&self, r: &mut Report, s: &Signature, signed: &Signed) {
        let token = &signed.contents[..cms_check::der_prefix(&signed.contents)];
        let imprint = cms_check::digest(&ring::digest::SHA256, &self.parts(signed));
        match verify_token(token, &imprint, &self.verifier.trust) {
            Ok(info) => {
                details(r, s, "document_timestamp", &info.tsa_subject);
                r.passed(CheckName::Format, Reason::PdfFormatOk);
                if !self.unchanged_since(r, s, signed) {
                    return;
                }
                r.passed(
                    CheckName::SignatureTimestamp,
                    Reason::PdfDocTimestamp {
                        at: info.gen_time.timestamp(),
                        tsa: info.tsa_subject,
                    },
                );
            }
            Err(e) => {
                let (sub, reason) = timestamp_failure(e);
                r.failed(CheckName::SignatureTimestamp, sub, reason);
            }
        }
    }

    fn cms(&self, r: &mut Report, s: &Signature, signed: &Signed) {
        let checked = match cms_check::check(&signed.contents, &self.parts(signed)) {
            Ok(c) => c,
            Err(detail) => {
                r.failed(
                    CheckName::Format,
                    SubIndication::FormatFailure,
                    Reason::PdfMalformed { detail },
                );
                return;
            }
        };
        let signer = common_name(&checked.chain[0]);
        details(r, s, "signature", &signer);
        r.passed(CheckName::Format, Reason::PdfFormatOk);
        if !checked.signature_valid {
            r.failed(
                CheckName::Signature,
                SubIndication::SigCryptoFailure,
                Reason::SealSignatureMismatch,
            );
            return;
        }
        if !checked.digest_matches {
            let covered = signed.range[2] + signed.range[3];
            r.failed(
                CheckName::DocumentHash,
                SubIndication::HashFailure,
                Reason::PdfChangedAfterSigning {
                    covered,
                    total: self.total,
                },
            );
            return;
        }
        if checked.signing_certificate == SigningCertificate::Mismatch {
            r.failed(
                CheckName::Signature,
                SubIndication::SigCryptoFailure,
                Reason::PdfSigningCertificateMismatch,
            );
            return;
        }
        r.passed(CheckName::Signature, Reason::PdfSignatureIntact);
        if !self.unchanged_since(r, s, signed) {
            return;
        }
        let cert = match self
            .verifier
            .trusted_signer(&checked.chain, Role::SealSigner)
        {
            Ok(c) => c,
            Err(why) => {
                r.failed(
                    CheckName::SigningCertificate,
                    SubIndication::NoCertificateChainFound,
                    Reason::PdfSignerUntrusted {
                        signer,
                        detail: why.to_string(),
                    },
                );
                return;
            }
        };
        details(r, s, "seal", &signer);
        if let Some(summary) = r.summary.as_mut() {
            // The company is the seal certificate's organisation; the region, its CA's.
            summary.company_name = cert.info.organisation.clone();
            summary.uscc = serial_number(&checked.chain[0]);
            summary.region = cert.ca.region.map(|g| g.to_string()).unwrap_or_default();
            summary.region_name = cert.ca.region.map(|g| g.name()).unwrap_or_default();
            summary.issuing_authority = cert.ca.organisation.clone();
        }
        r.passed(
            CheckName::SigningCertificate,
            Reason::SealedWith { cert: cert.clone() },
        );
        self.seal(r, s, &checked, &cert);
    }

    /// Our e-seal: B-T timestamp, the certificate at the time, status and filed image.
    fn seal(
        &self,
        r: &mut Report,
        s: &Signature,
        checked: &Checked,
        cert: &crate::pki::TrustedCert,
    ) {
        let stamped = match checked.timestamp_tokens.first() {
            None => {
                r.skipped(CheckName::SignatureTimestamp, Reason::PdfNoTimestamp);
                None
            }
            Some(token) => {
                let imprint = cms_check::digest(&ring::digest::SHA256, &[&checked.signature_value]);
                match verify_token(token, &imprint, &self.verifier.trust) {
                    Ok(info) => {
                        r.passed(
                            CheckName::SignatureTimestamp,
                            Reason::PdfTimestamp {
                                at: info.gen_time.timestamp(),
                                tsa: info.tsa_subject,
                            },
                        );
                        Some(info.gen_time)
                    }
                    Err(e) => {
                        let (sub, reason) = timestamp_failure(e);
                        r.failed(CheckName::SignatureTimestamp, sub, reason);
                        return;
                    }
                }
            }
        };
        let claimed = s.m.as_deref().and_then(pdf_date).or_else(|| {
            checked
                .signing_time
                .and_then(|t| DateTime::from_timestamp(t, 0))
        });
        let signed_at = stamped.or(claimed).unwrap_or(self.now);
        let t = signed_at.timestamp();
        if t < cert.window.0 || t > cert.window.1 {
            r.failed(
                CheckName::CertificateValidity,
                SubIndication::Expired,
                match stamped {
                    Some(_) => Reason::SealCertificateNotValidAtTimestamp { at: t },
                    None => Reason::SealCertificateNotValidAtSigning { signed_at: t },
                },
            );
            return;
        }
        r.passed(
            CheckName::CertificateValidity,
            match stamped {
                Some(_) => Reason::SealCertificateValidAtTimestamp { at: t },
                None => Reason::SealCertificateValidAtSigning { signed_at: t },
            },
        );
        match self.seals {
            Some(wallet) => seal_status(r, s, wallet, signed_at, stamped.is_some()),
            None => r.skipped(CheckName::CredentialStatus, Reason::StatusOffline),
        }
    }
}

/// The subject's serialNumber attribute (our seal certificates: the company's USCC).
fn serial_number(der: &[u8]) -> String {
    use x509_parser::prelude::FromDer;
    x509_parser::certificate::X509Certificate::from_der(der)
        .ok()
        .and_then(|(_, c)| {
            c.subject()
                .iter_by_oid(&x509_parser::oid_registry::OID_X509_SERIALNUMBER)
                .next()
                .and_then(|a| a.as_str().ok().map(str::to_string))
        })
        .unwrap_or_default()
}

/// The subject's common name (else the whole subject) of a DER certificate.
fn common_name(der: &[u8]) -> String {
    use x509_parser::prelude::FromDer;
    match x509_parser::certificate::X509Certificate::from_der(der) {
        Ok((_, c)) => c
            .subject()
            .iter_common_name()
            .next()
            .and_then(|cn| cn.as_str().ok())
            .map(str::to_string)
            .unwrap_or_else(|| c.subject().to_string()),
        Err(_) => String::new(),
    }
}

/// The e-seal as this node holds it: its status at and after signing, and its filed image.
/// `stamped`: `signed_at` is a timestamp's time (else the time the signer claims).
fn seal_status(
    r: &mut Report,
    f: &Signature,
    wallet: &Wallet,
    signed_at: DateTime<Utc>,
    stamped: bool,
) {
    let seal_id = f.seal_id.clone().unwrap_or_default();
    // A scan of this node's e-seals (a seal of another region is not known here).
    let seal = records::all(wallet)
        .ok()
        .and_then(|all| all.into_iter().find(|s| s.id == seal_id));
    let Some(seal) = seal else {
        r.warning(
            CheckName::ESealCredential,
            Reason::PdfSealUnknown { seal_id },
        );
        return;
    };
    match (seal.status, seal.revoked_at) {
        (SealStatus::Active, _) => r.passed(CheckName::CredentialStatus, Reason::PdfSealActive),
        // Whole seconds: a revocation in the timestamp's second counts as before it.
        (_, Some(at)) if at.timestamp() > signed_at.timestamp() => r.warning(
            CheckName::CredentialStatus,
            if stamped {
                Reason::PdfSealRevokedAfterTimestamp {
                    revoked_at: at.timestamp(),
                    timestamp: signed_at.timestamp(),
                }
            } else {
                Reason::PdfSealRevokedAfterSigning {
                    revoked_at: at.timestamp(),
                }
            },
        ),
        (_, at) => {
            let revoked_at = at.map_or(0, |a| a.timestamp());
            r.failed(
                CheckName::CredentialStatus,
                SubIndication::Revoked,
                if stamped {
                    Reason::PdfSealRevokedBeforeTimestamp {
                        revoked_at,
                        timestamp: signed_at.timestamp(),
                    }
                } else {
                    Reason::PdfSealRevokedBeforeSigning { revoked_at }
                },
            );
            return;
        }
    }
    match &f.image_sha256 {
        Some(img) if *img == seal.image_sha256 => r.passed(
            CheckName::PoliceFiling,
            Reason::PdfSealImageFiled {
                image_sha256: img.clone(),
                filing_id: seal.filing_id.clone(),
            },
        ),
        other => {
            r.failed(
                CheckName::PoliceFiling,
                SubIndication::SigConstraintsFailure,
                Reason::PdfSealImageMismatch {
                    signed: other.clone().unwrap_or_default(),
                    filed: seal.image_sha256.clone(),
                },
            );
        }
    }
}

/// `D:YYYYMMDDHHmmSS` (the offset that follows is taken as UTC, which is what we write).
fn pdf_date(m: &str) -> Option<DateTime<Utc>> {
    let digits = m.strip_prefix("D:")?.get(..14)?;
    NaiveDateTime::parse_from_str(digits, "%Y%m%d%H%M%S")
        .ok()
        .map(|n| n.and_utc())
}
