//! Validating a sealed document: the seal signature, the document's hash, the e-seal
//! credential it carries and the police filing behind that (同章同模).

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::{
    Indication, Pending, Report, StatusQuery, StatusSource, SubIndication, Verifier, describe_time,
};
use crate::credential::jws::Parsed;
use crate::credential::p256_jwk;
use crate::pki::Role;
use crate::seal::filing::FILING_TYP;
use crate::seal::sign::{SEAL_TYP, SealPayload};
use crate::seal::template::SealTemplate;

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
        let parsed = match Parsed::parse(signature.trim()) {
            Ok(p) if p.header_str("typ") == Some(SEAL_TYP) => p,
            Ok(_) => {
                r.failed(
                    "format",
                    SubIndication::FormatFailure,
                    format!(
                        "This is a JWS but not a zhengtong seal signature (typ \"{SEAL_TYP}\")."
                    ),
                );
                return Err(r);
            }
            Err(e) => {
                r.failed(
                    "format",
                    SubIndication::FormatFailure,
                    format!("This is not a seal signature: {e}."),
                );
                return Err(r);
            }
        };
        let payload: SealPayload = match serde_json::from_slice(&parsed.payload) {
            Ok(p) => p,
            Err(e) => {
                r.failed(
                    "format",
                    SubIndication::FormatFailure,
                    format!("The seal signature's content is malformed: {e}."),
                );
                return Err(r);
            }
        };
        r.passed("format", "A compact JWS (ES256) seal signature.");
        let x5c = parsed.x5c();
        let cert = match self.trusted_signer(&x5c, Role::SealSigner) {
            Ok(c) => c,
            Err(why) => {
                r.failed("signing_certificate", SubIndication::NoCertificateChainFound, format!("{why}. The seal's certificate cannot be traced to a trusted regional CA: do not rely on this seal."));
                return Err(r);
            }
        };
        r.passed(
            "signing_certificate",
            format!(
                "Sealed with {}, issued by {}.",
                cert.info.describe(),
                cert.ca.subject_cn
            ),
        );
        if !parsed.verify(&cert.info.public_key) {
            r.failed(
                "signature",
                SubIndication::SigCryptoFailure,
                "The seal signature does not match its content: it was altered after sealing.",
            );
            return Err(r);
        }
        r.passed("signature", "The seal's ES256 signature is valid.");
        if payload.doc_sha256 != doc_sha256 {
            r.failed(
                "document_hash",
                SubIndication::HashFailure,
                format!("The document was changed after it was sealed: its SHA-256 is {doc_sha256}, the seal covers {}.", payload.doc_sha256),
            );
            return Err(r);
        }
        r.passed(
            "document_hash",
            format!("The document is exactly the one sealed (SHA-256 {doc_sha256})."),
        );
        if payload.iat < cert.window.0 || payload.iat > cert.window.1 {
            r.failed(
                "certificate_validity",
                SubIndication::Expired,
                format!(
                    "The seal certificate was not valid at the signing time {}.",
                    describe_time(payload.iat)
                ),
            );
            return Err(r);
        }
        r.passed("certificate_validity", format!("The seal certificate was valid at the signing time {} (claimed by the signer; no timestamp).", describe_time(payload.iat)));

        // The e-seal credential, as it stood when the document was sealed.
        let at_signing = DateTime::from_timestamp(payload.iat, 0).unwrap_or(now);
        let cred = self.check_credential(&payload.credential, at_signing);
        let cred_query = cred.query().cloned();
        let cred = cred.finish(None);
        if cred.indication != Indication::TotalPassed {
            let why = cred
                .checks
                .iter()
                .find(|c| c.result == super::CheckResult::Failed)
                .map(|c| c.reason.clone())
                .unwrap_or_default();
            r.failed(
                "e_seal_credential",
                cred.sub_indication.unwrap_or(SubIndication::FormatFailure),
                format!("The e-seal credential carried by the signature does not verify: {why}"),
            );
            return Err(r);
        }
        let claims = crate::credential::sdjwt::decode(&payload.credential)
            .map(|d| d.claims)
            .unwrap_or_default();
        let seal = claims.get("seal").cloned().unwrap_or(Value::Null);
        let binds_key =
            claims.get("cnf").and_then(|c| c.get("jwk")) == Some(&p256_jwk(&cert.info.public_key));
        if !binds_key
            || seal["id"] != json!(payload.seal.id)
            || seal["image_sha256"] != json!(payload.seal.image_sha256)
            || claims.get("uscc") != Some(&json!(payload.uscc))
        {
            r.failed("e_seal_credential", SubIndication::SigConstraintsFailure, "The e-seal credential does not belong to the key that sealed, or names another seal.");
            return Err(r);
        }
        r.passed(
            "e_seal_credential",
            format!(
                "The e-seal credential ({}) was issued by {} to {} and binds this seal's key.",
                seal["type_name"].as_str().unwrap_or(""),
                cred.summary
                    .as_ref()
                    .map(|s| s.issuing_authority.clone())
                    .unwrap_or_default(),
                payload.name
            ),
        );

        let (matches_filing, svg) = self.check_police_filing(&mut r, &claims);
        let summary = cred.summary.clone().map(|mut s| {
            s.details = serde_json::Map::new();
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
                .insert("signed_at".into(), Value::from(describe_time(payload.iat)));
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
            Some(q) => Ok(Pending::ask(r, q, Some(payload.iat))),
            None => {
                r.failed(
                    "credential_status",
                    SubIndication::FormatFailure,
                    "The e-seal credential names no region or status entry.",
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
        claims: &serde_json::Map<String, Value>,
    ) -> (bool, Option<String>) {
        let seal = claims.get("seal").cloned().unwrap_or(Value::Null);
        let template: Option<SealTemplate> = serde_json::from_value(seal["template"].clone()).ok();
        let Some(template) = template else {
            r.failed(
                "police_filing",
                SubIndication::FormatFailure,
                "The e-seal credential carries no readable seal template.",
            );
            return (false, None);
        };
        let svg = template.render_svg();
        let filing_sig = claims
            .get("police_filing")
            .and_then(|f| f["signature"].as_str())
            .unwrap_or("");
        let filing = Parsed::parse(filing_sig)
            .ok()
            .filter(|p| p.header_str("typ") == Some(FILING_TYP));
        let Some(filing) = filing else {
            r.failed(
                "police_filing",
                SubIndication::FormatFailure,
                "The e-seal credential carries no police filing signature.",
            );
            return (false, Some(svg));
        };
        let kid = filing.header_str("kid").unwrap_or("");
        let registry = self
            .trust
            .by_kid(kid)
            .filter(|t| t.info.roles.contains(&Role::PoliceRegistry));
        let Some(registry) = registry else {
            r.failed("police_filing", SubIndication::NoCertificateChainFound, format!("The police filing was signed by a certificate (kid {kid:?}) this verifier does not trust as a police seal registry."));
            return (false, Some(svg));
        };
        if !filing.verify(&registry.info.public_key) {
            r.failed(
                "police_filing",
                SubIndication::SigCryptoFailure,
                "The police registry's signature on the filing is not valid.",
            );
            return (false, Some(svg));
        }
        let facts = filing.payload_json().unwrap_or_default();
        // The SVG is rendered once: its hash is the image hash.
        let image = hex::encode(ring::digest::digest(&ring::digest::SHA256, svg.as_bytes()));
        let same = facts.get("image_sha256") == Some(&json!(image))
            && facts.get("template_sha256") == Some(&json!(template.template_sha256()))
            && seal["image_sha256"] == json!(image);
        if !same {
            r.failed(
                "police_filing",
                SubIndication::SigConstraintsFailure,
                "同章同模 failed: the seal image is not the one filed with the police.",
            );
            return (false, Some(svg));
        }
        r.passed("police_filing", format!("同章同模: the seal image (SHA-256 {image}) is the one filed with {} (filing {}). Compare it with the paper seal.", registry.info.organisation, facts.get("id").and_then(Value::as_str).unwrap_or("")));
        (true, Some(svg))
    }
}
