//! Validating a sealed document: the seal signature, the document's hash, the e-seal
//! credential it carries and the police filing behind that (同章同模).

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::{
    CheckName, Indication, Pending, Reason, Report, StatusQuery, StatusSource, SubIndication,
    Verifier, describe_time,
};
use crate::credential::jws::Parsed;
use crate::credential::p256_jwk;
use crate::pki::Role;
use crate::seal::filing::FILING_TYP;
use crate::seal::jades;
use crate::seal::sign::{SEAL_TYP, SealPayload};
use crate::seal::template::SealTemplate;
use crate::tsa::{TsaError, verify_token};

/// How far the signer's claimed time may run ahead of the region's timestamp (clocks
/// differ; the timestamp is taken right after signing).
const CLAIMED_TIME_SKEW_S: i64 = 300;

/// A signature timestamp that does not verify, as a check's sub-indication and reason
/// (shared by JWS seal signatures and PDF signatures).
pub fn timestamp_failure(e: TsaError) -> (SubIndication, Reason) {
    match e {
        TsaError::DigestMismatch => (SubIndication::HashFailure, Reason::PdfTimestampMismatch),
        TsaError::Untrusted(_) => (
            SubIndication::NoCertificateChainFound,
            Reason::PdfTimestampInvalid {
                detail: e.to_string(),
            },
        ),
        TsaError::OutsideValidity => (
            SubIndication::Expired,
            Reason::PdfTimestampInvalid {
                detail: e.to_string(),
            },
        ),
        _ => (
            SubIndication::SigCryptoFailure,
            Reason::PdfTimestampInvalid {
                detail: e.to_string(),
            },
        ),
    }
}

impl Verifier {
    /// `doc_sha256`: lowercase hex SHA-256 of the document as the validator has it.
    pub fn verify_sealed_document(
        &self,
        signature: &str,
        doc_sha256: &str,
        now: DateTime<Utc>,
        status: Option<&dyn StatusSource>,
    ) -> Report {
        self.check_sealed_document(signature, doc_sha256, now)
            .finish(status)
    }

    /// Everything but the e-seal credential's status, run once.
    pub fn check_sealed_document(
        &self,
        signature: &str,
        doc_sha256: &str,
        now: DateTime<Utc>,
    ) -> Pending {
        Self::pending(self.sealed(signature, doc_sha256, now))
    }

    // Err is the report ended early, returned at once (not an error travelling up).
    #[allow(clippy::result_large_err)]
    fn sealed(
        &self,
        signature: &str,
        doc_sha256: &str,
        now: DateTime<Utc>,
    ) -> Result<Pending, Report> {
        let mut r = Report::new("sealed_document", now);
        if !self.check_trust_list(&mut r, now) {
            return Err(r);
        }
        // A compact JWS, or its JWS JSON form with the region's timestamp (seal::jades).
        let (compact, timestamp_token) = match jades::read(signature) {
            Ok(read) => read,
            Err(e) => {
                r.failed(
                    CheckName::Format,
                    SubIndication::FormatFailure,
                    Reason::NotASealSignature {
                        detail: e.to_string(),
                    },
                );
                return Err(r);
            }
        };
        let parsed = match Parsed::parse(&compact) {
            Ok(p) if p.header_str("typ") == Some(SEAL_TYP) => p,
            Ok(_) => {
                r.failed(
                    CheckName::Format,
                    SubIndication::FormatFailure,
                    Reason::NotASealSignatureType { typ: SEAL_TYP },
                );
                return Err(r);
            }
            Err(e) => {
                r.failed(
                    CheckName::Format,
                    SubIndication::FormatFailure,
                    Reason::NotASealSignature {
                        detail: e.to_string(),
                    },
                );
                return Err(r);
            }
        };
        let payload: SealPayload = match serde_json::from_slice(&parsed.payload) {
            Ok(p) => p,
            Err(e) => {
                r.failed(
                    CheckName::Format,
                    SubIndication::FormatFailure,
                    Reason::SealPayloadMalformed {
                        detail: e.to_string(),
                    },
                );
                return Err(r);
            }
        };
        r.passed(CheckName::Format, Reason::SealFormatOk);
        let x5c = parsed.x5c();
        let cert = match self.trusted_signer(&x5c, Role::SealSigner) {
            Ok(c) => c,
            Err(why) => {
                super::untrusted(&mut r, why, |detail| Reason::SealChainUntrusted { detail });
                return Err(r);
            }
        };
        r.passed(
            CheckName::SigningCertificate,
            Reason::SealedWith { cert: cert.clone() },
        );
        if !parsed.verify(&cert.info.public_key) {
            r.failed(
                CheckName::Signature,
                SubIndication::SigCryptoFailure,
                Reason::SealSignatureMismatch,
            );
            return Err(r);
        }
        r.passed(CheckName::Signature, Reason::SealSignatureValid);
        if payload.doc_sha256 != doc_sha256 {
            r.failed(
                CheckName::DocumentHash,
                SubIndication::HashFailure,
                Reason::DocumentChanged {
                    actual: doc_sha256.into(),
                    sealed: payload.doc_sha256.clone(),
                },
            );
            return Err(r);
        }
        r.passed(
            CheckName::DocumentHash,
            Reason::DocumentUnchanged {
                sha256: doc_sha256.into(),
            },
        );
        // B-T: the timestamp's time is when the signature is known to have existed; without
        // one the signing time is only what the signer claims.
        let stamped = match timestamp_token {
            None => {
                r.skipped(CheckName::SignatureTimestamp, Reason::SealNoTimestamp);
                None
            }
            Some(der) => match verify_token(&der, &jades::imprint(&compact), &self.trust) {
                Ok(info) => {
                    r.passed(
                        CheckName::SignatureTimestamp,
                        Reason::PdfTimestamp {
                            at: info.gen_time.timestamp(),
                            tsa: info.tsa_subject,
                        },
                    );
                    Some(info.gen_time.timestamp())
                }
                Err(e) => {
                    let (sub, reason) = timestamp_failure(e);
                    r.failed(CheckName::SignatureTimestamp, sub, reason);
                    return Err(r);
                }
            },
        };
        if let Some(at) = stamped
            && payload.iat > at + CLAIMED_TIME_SKEW_S
        {
            r.failed(
                CheckName::SignatureTimestamp,
                SubIndication::SigConstraintsFailure,
                Reason::SealClaimedAfterTimestamp {
                    claimed: payload.iat,
                    at,
                },
            );
            return Err(r);
        }
        let signed_at = stamped.unwrap_or(payload.iat);
        if signed_at < cert.window.0 || signed_at > cert.window.1 {
            r.failed(
                CheckName::CertificateValidity,
                SubIndication::Expired,
                match stamped {
                    Some(at) => Reason::SealCertificateNotValidAtTimestamp { at },
                    None => Reason::SealCertificateNotValidAtSigning { signed_at },
                },
            );
            return Err(r);
        }
        r.passed(
            CheckName::CertificateValidity,
            match stamped {
                Some(at) => Reason::SealCertificateValidAtTimestamp { at },
                None => Reason::SealCertificateValidAtSigning { signed_at },
            },
        );

        // The e-seal credential, as it stood when the document was sealed.
        let at_signing = DateTime::from_timestamp(signed_at, 0).unwrap_or(now);
        let cred = self.check_credential(&payload.credential, at_signing);
        let cred_query = cred.query().cloned();
        let cred = cred.finish(None);
        if cred.indication != Indication::TotalPassed {
            let inner = cred.first_failure().cloned().map(Box::new);
            r.failed(
                CheckName::ESealCredential,
                cred.sub_indication.unwrap_or(SubIndication::FormatFailure),
                Reason::ESealCredentialInvalid { inner },
            );
            return Err(r);
        }
        // It verified above, so it decodes; should it not, that is a failure, not empty claims.
        let claims = match crate::credential::sdjwt::decode(&payload.credential) {
            Ok(d) => d.claims,
            Err(e) => {
                r.failed(
                    CheckName::ESealCredential,
                    SubIndication::FormatFailure,
                    Reason::NotAnSdJwt {
                        detail: e.to_string(),
                    },
                );
                return Err(r);
            }
        };
        let seal = claims.get("seal").cloned().unwrap_or(Value::Null);
        let binds_key =
            claims.get("cnf").and_then(|c| c.get("jwk")) == Some(&p256_jwk(&cert.info.public_key));
        if !binds_key
            || seal["id"] != json!(payload.seal.id)
            || seal["image_sha256"] != json!(payload.seal.image_sha256)
            || claims.get("uscc") != Some(&json!(payload.uscc))
        {
            r.failed(
                CheckName::ESealCredential,
                SubIndication::SigConstraintsFailure,
                Reason::ESealCredentialMismatch,
            );
            return Err(r);
        }
        r.passed(
            CheckName::ESealCredential,
            Reason::ESealCredentialOk {
                type_name: seal["type_name"].as_str().unwrap_or("").into(),
                authority: cred
                    .summary
                    .as_ref()
                    .map(|s| s.issuing_authority.clone())
                    .unwrap_or_default(),
                company: payload.name.clone(),
            },
        );

        let (matches_filing, svg) = self.check_police_filing(&mut r, &claims);
        let summary = cred.summary.clone().map(|mut s| {
            s.details = crate::json::Object::new();
            s.details.insert("seal_type".into(), seal["type"].clone());
            s.details
                .insert("seal_type_name".into(), seal["type_name"].clone());
            s.details.insert("seal_code".into(), seal["code"].clone());
            s.details
                .insert("seal_image_sha256".into(), seal["image_sha256"].clone());
            s.details.insert(
                "seal_image_svg".into(),
                svg.map(Value::from).unwrap_or(Value::Null),
            );
            s.details
                .insert("matches_police_filing".into(), Value::from(matches_filing));
            s.details.insert(
                "police_filing_id".into(),
                claims
                    .get("police_filing")
                    .map(|f| f["id"].clone())
                    .unwrap_or(Value::Null),
            );
            s.details
                .insert("signed_at".into(), Value::from(describe_time(signed_at)));
            s.details.insert(
                "signing_time_attested".into(),
                Value::from(stamped.is_some()),
            );
            s.details
                .insert("document_sha256".into(), Value::from(doc_sha256));
            s
        });
        r.summary = summary;
        if r.is_failed() {
            return Err(r);
        }
        let query = cert
            .info
            .region
            .zip(cred_query)
            .map(|(region, q)| StatusQuery { region, ..q });
        match query {
            Some(q) => Ok(Pending::ask(r, q, Some(signed_at))),
            None => {
                r.failed(
                    CheckName::CredentialStatus,
                    SubIndication::FormatFailure,
                    Reason::ESealNoStatusEntry,
                );
                Err(r)
            }
        }
    }

    /// Verifies the police registry's signature on the filing and that the seal image is
    /// the filed one. Returns (matches, the canonical SVG).
    fn check_police_filing(
        &self,
        r: &mut Report,
        claims: &crate::json::Object,
    ) -> (bool, Option<String>) {
        let seal = claims.get("seal").cloned().unwrap_or(Value::Null);
        let template: Option<SealTemplate> = serde_json::from_value(seal["template"].clone()).ok();
        let Some(template) = template else {
            r.failed(
                CheckName::PoliceFiling,
                SubIndication::FormatFailure,
                Reason::NoSealTemplate,
            );
            return (false, None);
        };
        let rendered = self.seal_images.render(&template);
        let svg = rendered.svg.clone();
        let filing_sig = claims
            .get("police_filing")
            .and_then(|f| f["signature"].as_str())
            .unwrap_or("");
        let filing = Parsed::parse(filing_sig)
            .ok()
            .filter(|p| p.header_str("typ") == Some(FILING_TYP));
        let Some(filing) = filing else {
            r.failed(
                CheckName::PoliceFiling,
                SubIndication::FormatFailure,
                Reason::NoPoliceFilingSignature,
            );
            return (false, Some(svg));
        };
        let kid = filing.header_str("kid").unwrap_or("");
        let registry = self
            .trust
            .by_kid(kid)
            .filter(|t| t.info.roles.contains(&Role::PoliceRegistry));
        let Some(registry) = registry else {
            r.failed(
                CheckName::PoliceFiling,
                SubIndication::NoCertificateChainFound,
                Reason::PoliceFilingKidUntrusted { kid: kid.into() },
            );
            return (false, Some(svg));
        };
        if !filing.verify(&registry.info.public_key) {
            r.failed(
                CheckName::PoliceFiling,
                SubIndication::SigCryptoFailure,
                Reason::PoliceFilingSignatureInvalid,
            );
            return (false, Some(svg));
        }
        let facts = match filing.payload_object() {
            Ok(f) => f,
            Err(e) => {
                r.failed(
                    CheckName::PoliceFiling,
                    SubIndication::FormatFailure,
                    Reason::PoliceFilingMalformed {
                        detail: e.to_string(),
                    },
                );
                return (false, Some(svg));
            }
        };
        // The SVG's hash is the image hash.
        let image = rendered.image_sha256.clone();
        let same = facts.get("image_sha256") == Some(&json!(image))
            && facts.get("template_sha256") == Some(&json!(rendered.template_sha256))
            && seal["image_sha256"] == json!(image);
        if !same {
            r.failed(
                CheckName::PoliceFiling,
                SubIndication::SigConstraintsFailure,
                Reason::SealImageNotFiled,
            );
            return (false, Some(svg));
        }
        r.passed(
            CheckName::PoliceFiling,
            Reason::SealImageFiled {
                image_sha256: image,
                registry: registry.info.organisation.clone(),
                filing_id: facts.get("id").and_then(Value::as_str).unwrap_or("").into(),
            },
        );
        (true, Some(svg))
    }
}
