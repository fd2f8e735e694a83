//! Making a timestamp token: TSTInfo, signed attributes, CMS SignedData, ContentInfo.

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{GeneralizedTime, Int, OctetString, SetOfVec};
use der::{Any, Decode, Encode, Tag};
use ring::digest::{SHA256, digest};
use ring::rand::{SecureRandom, SystemRandom};
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::spki::AlgorithmIdentifierOwned;
use x509_tsp::{Accuracy, MessageImprint, TspVersion, TstInfo};

use super::ess::{EssCertIdV2, SigningCertificateV2};
use super::{TsaError, oids};
use crate::clock::Clock;
use crate::pki::Signer;

/// What is timestamped: a digest and its algorithm (SHA-256, -384 or -512).
#[derive(Debug, Clone)]
pub struct Imprint {
    pub algorithm: AlgorithmIdentifierOwned,
    pub digest: Vec<u8>,
}

impl Imprint {
    pub fn sha256(digest: [u8; 32]) -> Self {
        Imprint {
            algorithm: alg(oids::ID_SHA_256),
            digest: digest.to_vec(),
        }
    }
}

pub(super) fn alg(oid: der::oid::ObjectIdentifier) -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid,
        parameters: None,
    }
}

/// A TimeStampToken (ContentInfo DER) over a SHA-256 digest, at the clock's time, with the
/// TSA certificate and its CA: what a PDF signature embeds as its signature-time-stamp.
pub fn timestamp(
    signer: &Signer,
    digest_sha256: [u8; 32],
    clock: &Clock,
) -> Result<Vec<u8>, TsaError> {
    let token = timestamp_imprint(signer, Imprint::sha256(digest_sha256), None, true, clock)?;
    token.to_der().map_err(|e| TsaError::Encode(e.to_string()))
}

/// A token over `imprint`, with the request's nonce; `with_certs`: the TSA certificate and
/// its CA in `certificates` (RFC 3161 `certReq`).
pub fn timestamp_imprint(
    signer: &Signer,
    imprint: Imprint,
    nonce: Option<Int>,
    with_certs: bool,
    clock: &Clock,
) -> Result<ContentInfo, TsaError> {
    let enc = |e: der::Error| TsaError::Encode(e.to_string());
    let leaf_der = signer
        .chain
        .first()
        .ok_or_else(|| TsaError::Encode("the TSA signer has no certificate".into()))?;
    let leaf = Certificate::from_der(leaf_der).map_err(enc)?;
    let secs = u64::try_from(clock.now().timestamp())
        .map_err(|_| TsaError::Encode("the clock is before 1970".into()))?;
    let gen_time =
        GeneralizedTime::from_unix_duration(std::time::Duration::from_secs(secs)).map_err(enc)?;
    let tst = TstInfo {
        version: TspVersion::V1,
        policy: oids::policy(),
        message_imprint: MessageImprint {
            hash_algorithm: imprint.algorithm,
            hashed_message: OctetString::new(imprint.digest).map_err(enc)?,
        },
        serial_number: random_serial().map_err(enc)?,
        gen_time,
        // The node's clock is NTP-disciplined to well within a second.
        accuracy: Some(Accuracy {
            seconds: Some(1),
            millis: None,
            micros: None,
        }),
        ordering: false,
        nonce,
        tsa: Some(GeneralName::DirectoryName(
            leaf.tbs_certificate.subject.clone(),
        )),
        extensions: None,
    };
    let tst_der = tst.to_der().map_err(enc)?;
    let signed_attrs = SetOfVec::try_from(vec![
        attribute(
            oids::CONTENT_TYPE,
            Any::encode_from(&oids::ID_CT_TST_INFO).map_err(enc)?,
        )?,
        attribute(
            oids::MESSAGE_DIGEST,
            Any::new(Tag::OctetString, digest(&SHA256, &tst_der).as_ref()).map_err(enc)?,
        )?,
        attribute(
            oids::SIGNING_CERTIFICATE_V2,
            Any::encode_from(&SigningCertificateV2 {
                certs: vec![EssCertIdV2 {
                    hash_algorithm: None,
                    cert_hash: OctetString::new(digest(&SHA256, leaf_der).as_ref()).map_err(enc)?,
                    issuer_serial: None,
                }],
                policies: None,
            })
            .map_err(enc)?,
        )?,
    ])
    .map_err(enc)?;
    // CMS signs the DER of the attributes as a SET (RFC 5652 §5.4).
    let signature = signer.sign_der(&signed_attrs.to_der().map_err(enc)?);
    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: leaf.tbs_certificate.issuer.clone(),
            serial_number: leaf.tbs_certificate.serial_number.clone(),
        }),
        digest_alg: alg(oids::ID_SHA_256),
        signed_attrs: Some(signed_attrs),
        signature_algorithm: alg(oids::ECDSA_WITH_SHA_256),
        signature: OctetString::new(signature).map_err(enc)?,
        unsigned_attrs: None,
    };
    let certificates = if with_certs {
        let certs = signer
            .chain
            .iter()
            .map(|d| Certificate::from_der(d).map(CertificateChoices::Certificate))
            .collect::<Result<Vec<_>, _>>()
            .map_err(enc)?;
        Some(CertificateSet(SetOfVec::try_from(certs).map_err(enc)?))
    } else {
        None
    };
    let signed = SignedData {
        // v3: the encapsulated content is not id-data (RFC 5652 §5.1).
        version: CmsVersion::V3,
        digest_algorithms: SetOfVec::try_from(vec![alg(oids::ID_SHA_256)]).map_err(enc)?,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: oids::ID_CT_TST_INFO,
            econtent: Some(Any::new(Tag::OctetString, tst_der).map_err(enc)?),
        },
        certificates,
        crls: None,
        signer_infos: SignerInfos(SetOfVec::try_from(vec![signer_info]).map_err(enc)?),
    };
    Ok(ContentInfo {
        content_type: oids::ID_SIGNED_DATA,
        content: Any::encode_from(&signed).map_err(enc)?,
    })
}

fn attribute(oid: der::oid::ObjectIdentifier, value: Any) -> Result<Attribute, TsaError> {
    Ok(Attribute {
        oid,
        values: SetOfVec::try_from(vec![value]).map_err(|e| TsaError::Encode(e.to_string()))?,
    })
}

/// A positive random 128-bit serial number: unique without a counter to keep.
fn random_serial() -> der::Result<Int> {
    let mut b = [0u8; 16];
    // Without randomness from the OS there is nothing safe to do but stop.
    SystemRandom::new()
        .fill(&mut b)
        .expect("system random source failed");
    b[0] = (b[0] & 0x7f) | 0x40;
    Int::new(&b)
}
