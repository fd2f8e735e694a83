//! Verifying a timestamp token: the CMS signature, the message digest, the ESS
//! signing-certificate-v2 binding, the imprint, and that the signer is a trusted regional
//! timestamp authority.

use chrono::{DateTime, Utc};
use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerInfo};
use der::{Decode, Encode, Tagged};
use ring::digest::{SHA256, digest};
use ring::signature::{ECDSA_P256_SHA256_ASN1, UnparsedPublicKey};
use x509_cert::attr::Attribute;
use x509_tsp::TstInfo;

use super::ess::SigningCertificateV2;
use super::{TsaError, oids};
use crate::pki::{CertInfo, ChainError, Role, TrustStore, kid_of};

/// A token larger than this is not one of ours (a token with two certificates is ~2 KiB).
const MAX_TOKEN_BYTES: usize = 64 * 1024;

/// What a valid token attests.
#[derive(Debug, Clone)]
pub struct TimestampInfo {
    pub gen_time: DateTime<Utc>,
    /// The TSA certificate's subject common name.
    pub tsa_subject: String,
    pub tsa_kid: String,
    /// The token's serial number, hex.
    pub serial: String,
    pub policy: String,
}

/// Verifies a TimeStampToken (ContentInfo DER) over `expected_digest` (SHA-256 of the data).
/// The signer must be a timestamping role certificate the trust store holds (listed).
pub fn verify_token(
    der: &[u8],
    expected_digest: &[u8],
    trust: &TrustStore,
) -> Result<TimestampInfo, TsaError> {
    if der.len() > MAX_TOKEN_BYTES {
        return Err(TsaError::Malformed("the token is too large".into()));
    }
    let ci = ContentInfo::from_der(der)?;
    if ci.content_type != oids::ID_SIGNED_DATA {
        return Err(TsaError::Malformed("not a CMS SignedData".into()));
    }
    let sd: SignedData = ci.content.decode_as()?;
    if sd.encap_content_info.econtent_type != oids::ID_CT_TST_INFO {
        return Err(TsaError::Malformed("the content is not a TSTInfo".into()));
    }
    let econtent = sd
        .encap_content_info
        .econtent
        .as_ref()
        .ok_or_else(|| TsaError::Malformed("no TSTInfo in the token".into()))?;
    if econtent.tag() != der::Tag::OctetString {
        return Err(TsaError::Malformed(
            "the TSTInfo is not an OCTET STRING".into(),
        ));
    }
    let tst_der = econtent.value();
    let tst = TstInfo::from_der(tst_der)?;
    let [si]: [&SignerInfo; 1] = sd
        .signer_infos
        .0
        .iter()
        .collect::<Vec<_>>()
        .try_into()
        .map_err(|_| TsaError::Malformed("a token has exactly one signer".into()))?;
    if si.digest_alg.oid != oids::ID_SHA_256
        || si.signature_algorithm.oid != oids::ECDSA_WITH_SHA_256
    {
        return Err(TsaError::UnsupportedAlgorithm(format!(
            "{} with {}",
            si.signature_algorithm.oid, si.digest_alg.oid
        )));
    }
    let attrs = si
        .signed_attrs
        .as_ref()
        .ok_or_else(|| TsaError::SignedAttributes("none".into()))?;
    let content_type: der::oid::ObjectIdentifier =
        single(attrs.iter(), oids::CONTENT_TYPE)?.decode_as()?;
    if content_type != oids::ID_CT_TST_INFO {
        return Err(TsaError::SignedAttributes(
            "content-type is not id-ct-TSTInfo".into(),
        ));
    }
    let md = single(attrs.iter(), oids::MESSAGE_DIGEST)?;
    if md.tag() != der::Tag::OctetString || md.value() != digest(&SHA256, tst_der).as_ref() {
        return Err(TsaError::SignedAttributes(
            "message-digest does not match the TSTInfo".into(),
        ));
    }
    let ess: SigningCertificateV2 =
        single(attrs.iter(), oids::SIGNING_CERTIFICATE_V2)?.decode_as()?;
    let first = ess.certs.first().ok_or_else(|| {
        TsaError::SignedAttributes("signing-certificate-v2 names no certificate".into())
    })?;
    if first
        .hash_algorithm
        .as_ref()
        .is_some_and(|a| a.oid != oids::ID_SHA_256)
    {
        return Err(TsaError::UnsupportedAlgorithm(
            "ESSCertIDv2 hash other than SHA-256".into(),
        ));
    }
    let cert_hash = first.cert_hash.as_bytes();
    // The TSA certificate: the one in the token whose SHA-256 the signed attribute names, or
    // (when the request did not ask for certificates) the trust store's.
    let carried: Vec<Vec<u8>> = sd
        .certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .filter_map(|c| match c {
            CertificateChoices::Certificate(c) => c.to_der().ok(),
            CertificateChoices::Other(_) => None,
        })
        .collect();
    let leaf_der = carried
        .iter()
        .find(|d| digest(&SHA256, d).as_ref() == cert_hash)
        .cloned()
        .or_else(|| {
            trust
                .trusted()
                .find(|t| digest(&SHA256, &t.info.der).as_ref() == cert_hash)
                .map(|t| t.info.der.clone())
        })
        .ok_or_else(|| {
            TsaError::SignedAttributes("no certificate matches signing-certificate-v2".into())
        })?;
    let leaf = CertInfo::parse(&leaf_der).map_err(TsaError::Untrusted)?;
    let signed = attrs.to_der()?;
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, &leaf.public_key)
        .verify(&signed, si.signature.as_bytes())
        .map_err(|_| TsaError::BadSignature)?;
    if tst.message_imprint.hash_algorithm.oid != oids::ID_SHA_256
        || tst.message_imprint.hashed_message.as_bytes() != expected_digest
    {
        return Err(TsaError::DigestMismatch);
    }
    let trusted = match trust.by_kid(&kid_of(&leaf_der)) {
        Some(t) if t.info.roles.contains(&Role::TimeStamping) => t,
        Some(_) => {
            return Err(TsaError::Untrusted(ChainError::NotValidForRole {
                leaf: leaf.describe(),
                role: Role::TimeStamping,
                why: "not a timestamping certificate".into(),
            }));
        }
        None => {
            let mut x5c = vec![leaf_der.clone()];
            x5c.extend(carried.into_iter().filter(|d| *d != leaf_der));
            // Fails for every certificate the store does not list; says why.
            let e = trust
                .validate_signer(&x5c, Role::TimeStamping)
                .err()
                .unwrap_or(ChainError::NotListed {
                    leaf: leaf.describe(),
                });
            return Err(TsaError::Untrusted(e));
        }
    };
    let at = tst.gen_time.to_unix_duration().as_secs() as i64;
    if at < trusted.window.0 || at > trusted.window.1 {
        return Err(TsaError::OutsideValidity);
    }
    Ok(TimestampInfo {
        gen_time: DateTime::from_timestamp(at, 0)
            .ok_or_else(|| TsaError::Malformed("genTime out of range".into()))?,
        tsa_subject: trusted.info.subject_cn.clone(),
        tsa_kid: trusted.info.kid.clone(),
        serial: hex::encode(tst.serial_number.as_bytes()),
        policy: tst.policy.to_string(),
    })
}

/// The one value of the one attribute of type `oid`.
fn single<'a>(
    attrs: impl Iterator<Item = &'a Attribute>,
    oid: der::oid::ObjectIdentifier,
) -> Result<&'a der::Any, TsaError> {
    let found: Vec<&Attribute> = attrs.filter(|a| a.oid == oid).collect();
    match found.as_slice() {
        [a] if a.values.len() == 1 => a
            .values
            .iter()
            .next()
            .ok_or_else(|| TsaError::SignedAttributes(format!("{oid} has no value"))),
        [] => Err(TsaError::SignedAttributes(format!("{oid} is missing"))),
        _ => Err(TsaError::SignedAttributes(format!(
            "{oid} must occur once with one value"
        ))),
    }
}
