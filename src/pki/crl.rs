//! Certificate revocation lists (RFC 5280 §5): where each CA's CRL is published, and
//! making a signed CRL from a list of revoked certificates.
//!
//! A regional CA's CRL is built by its node on request from the e-seals on record
//! (`GET /v1/crl/{region}/{ca kid}`), so it cannot drift from what the store says; the root's
//! is a file the (offline) root writes (`root.crl`) and every node serves a copy of
//! (`GET /v1/crl/root`), because the root has no server of its own.

use rcgen::{
    CertificateRevocationListParams, Issuer, KeyIdMethod, KeyPair, RevokedCertParams, SerialNumber,
};
use time::{Duration, OffsetDateTime};
use x509_parser::prelude::{FromDer, X509Certificate};

use super::PkiError;
use crate::domain::RegionCode;

/// The URL of the base of a node when none is given (development).
pub const DEV_PUBLIC_URL: &str = "http://127.0.0.1:8080";
/// How long the root's CRL is valid: the root is offline and re-signs it at least yearly.
pub const ROOT_CRL_DAYS: i64 = 365;
/// The file name of the root's CRL, in the root folder and in every region folder.
pub const ROOT_CRL_FILE: &str = "root.crl";

/// Where the CRL of a regional CA (named by its kid) is served: stable for the CA's life,
/// and distinct per CA, so that after a CA rollover both CAs' CRLs stay reachable.
pub fn region_crl_uri(base: &str, region: &RegionCode, ca_kid: &str) -> String {
    format!("{}/v1/crl/{region}/{ca_kid}", base.trim_end_matches('/'))
}

/// Where the root's CRL (revoked regional CAs) is served, by any node holding a copy.
pub fn root_crl_uri(base: &str) -> String {
    format!("{}/v1/crl/root", base.trim_end_matches('/'))
}

/// The node base URL of a CRL URI made by [`region_crl_uri`] or [`root_crl_uri`].
pub fn node_base(crl_uri: &str) -> &str {
    crl_uri.split("/v1/crl/").next().unwrap_or(crl_uri)
}

/// A revoked certificate: its DER and when it was revoked.
pub struct Revoked<'a> {
    pub der: &'a [u8],
    pub at: OffsetDateTime,
}

/// Signs a CRL for `issuer` listing those of `revoked` that it issued (others are skipped:
/// a CRL speaks only for its issuer). `ca_der` is the issuer's certificate. The CRL number
/// is the issue time in seconds, so it grows with every CRL made later.
pub fn make_crl(
    issuer: &Issuer<'_, KeyPair>,
    ca_der: &[u8],
    revoked: &[Revoked<'_>],
    now: OffsetDateTime,
    valid_for: Duration,
) -> Result<Vec<u8>, PkiError> {
    let (_, ca) = X509Certificate::from_der(ca_der).map_err(|e| PkiError::Invalid {
        path: "CA certificate".into(),
        reason: e.to_string(),
    })?;
    let now = now.replace_nanosecond(0).unwrap_or(now);
    let mut entries = Vec::new();
    for r in revoked {
        let Ok((_, cert)) = X509Certificate::from_der(r.der) else {
            continue;
        };
        if cert.issuer() != ca.subject() || cert.verify_signature(Some(ca.public_key())).is_err() {
            continue;
        }
        entries.push(RevokedCertParams {
            serial_number: SerialNumber::from_slice(cert.raw_serial()),
            revocation_time: r.at.replace_nanosecond(0).unwrap_or(r.at),
            reason_code: None,
            invalidity_date: None,
        });
    }
    let number = now.unix_timestamp().max(1) as u64;
    let params = CertificateRevocationListParams {
        this_update: now,
        next_update: now + valid_for,
        crl_number: SerialNumber::from_slice(&number.to_be_bytes()),
        issuing_distribution_point: None,
        revoked_certs: entries,
        // The CRL's Authority Key Identifier must equal the CA's Subject Key Identifier.
        key_identifier_method: KeyIdMethod::PreSpecified(super::create::key_id(
            &ca.public_key().subject_public_key.data,
        )),
    };
    Ok(params.signed_by(issuer)?.der().to_vec())
}

/// PEM of a CRL (`X509 CRL`), for files.
pub fn crl_pem(der: &[u8]) -> String {
    pem::encode(&pem::Pem::new("X509 CRL", der.to_vec()))
}

/// The URIs of a certificate's CRL distribution points (to keep them across a key rollover).
pub fn cdp_uris(der: &[u8]) -> Vec<String> {
    use x509_parser::extensions::{DistributionPointName, GeneralName, ParsedExtension};
    let Ok((_, cert)) = X509Certificate::from_der(der) else {
        return vec![];
    };
    let mut uris = Vec::new();
    for ext in cert.extensions() {
        if let ParsedExtension::CRLDistributionPoints(points) = ext.parsed_extension() {
            for p in points.iter() {
                if let Some(DistributionPointName::FullName(names)) = &p.distribution_point {
                    for n in names {
                        if let GeneralName::URI(u) = n {
                            uris.push(u.to_string());
                        }
                    }
                }
            }
        }
    }
    uris
}
