//! The CMS SignedData of a PAdES baseline signature (ETSI EN 319 142-1): detached,
//! SHA-256, ECDSA P-256; signed attributes content-type, message-digest and
//! signing-certificate-v2, and no signing-time (PAdES puts the time in /M). B-T: the
//! unsigned attribute signature-time-stamp, an RFC 3161 token over the signature value.
//!
//! Signing is ours; checking is anyone's: see [`super::cms_check`].

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{ObjectIdentifier as Oid, OctetString, SetOfVec};
use der::{Any, Decode, Encode};
use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair};
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use x509_cert::spki::AlgorithmIdentifierOwned;

pub const ID_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.1");
pub const ID_SIGNED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.2");
pub(super) const CONTENT_TYPE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.3");
pub(super) const MESSAGE_DIGEST: Oid = Oid::new_unwrap("1.2.840.113549.1.9.4");
pub(super) const SIGNING_CERTIFICATE_V2: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.47");
pub(super) const SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
pub(super) const ECDSA_SHA256: Oid = Oid::new_unwrap("1.2.840.10045.4.3.2");
/// id-aa-signatureTimeStampToken: the unsigned attribute holding an RFC 3161 token over
/// the SHA-256 of the SignerInfo's signature value (PAdES B-T).
pub const SIGNATURE_TIME_STAMP_TOKEN: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.14");

fn sha256(b: &[u8]) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, b)
        .as_ref()
        .to_vec()
}

fn alg(oid: Oid) -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid,
        parameters: None,
    }
}

fn attr(oid: Oid, value: Any) -> der::Result<Attribute> {
    Ok(Attribute {
        oid,
        values: SetOfVec::try_from(vec![value])?,
    })
}

/// SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 } with one
/// ESSCertIDv2 ::= SEQUENCE { certHash OCTET STRING } (SHA-256 is the default algorithm;
/// issuerSerial left out, as EN 319 122-1 advises).
fn signing_certificate_v2(leaf_der: &[u8]) -> der::Result<Any> {
    let hash = OctetString::new(sha256(leaf_der))?;
    // SEQUENCE { SEQUENCE OF { SEQUENCE { certHash } } }
    let outer: Vec<Vec<Vec<OctetString>>> = vec![vec![vec![hash]]];
    Any::from_der(&outer.to_der()?)
}

/// Why a CMS signature could not be made.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignError {
    #[error("the seal's certificate chain is empty")]
    EmptyChain,
    #[error("the seal's key is not a P-256 key: {0}")]
    Key(String),
    #[error("signing with the seal's key failed")]
    Signing,
    #[error("could not encode the CMS signature: {0}")]
    Encode(#[from] der::Error),
    #[error("the timestamp authority could not stamp the signature: {0}")]
    Timestamp(String),
}

/// Makes the RFC 3161 token (ContentInfo DER) over the SHA-256 of a signature value.
pub type Stamp<'a> = &'a dyn Fn([u8; 32]) -> Result<Vec<u8>, String>;

/// The DER ContentInfo of a detached SignedData over `digest` (SHA-256 of the byte range).
/// `chain`: the seal certificate first, then its CA. `pkcs8`: the seal's P-256 key.
/// `stamp`: when given, its token over the signature value becomes the unsigned attribute
/// signature-time-stamp (B-T).
pub fn sign(
    digest: &[u8],
    chain: &[Vec<u8>],
    pkcs8: &[u8],
    stamp: Option<Stamp<'_>>,
) -> Result<Vec<u8>, SignError> {
    let e = SignError::Encode;
    let leaf_der = chain.first().ok_or(SignError::EmptyChain)?;
    let leaf = Certificate::from_der(leaf_der).map_err(e)?;
    let signed_attrs = SetOfVec::try_from(vec![
        attr(
            CONTENT_TYPE,
            Any::from_der(&ID_DATA.to_der().map_err(e)?).map_err(e)?,
        )
        .map_err(e)?,
        attr(
            MESSAGE_DIGEST,
            Any::from_der(
                &OctetString::new(digest.to_vec())
                    .map_err(e)?
                    .to_der()
                    .map_err(e)?,
            )
            .map_err(e)?,
        )
        .map_err(e)?,
        attr(
            SIGNING_CERTIFICATE_V2,
            signing_certificate_v2(leaf_der).map_err(e)?,
        )
        .map_err(e)?,
    ])
    .map_err(e)?;
    // What is signed is the DER of the attributes as a SET (RFC 5652 §5.4).
    let to_sign = signed_attrs.to_der().map_err(e)?;
    let rng = ring::rand::SystemRandom::new();
    let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8, &rng)
        .map_err(|e| SignError::Key(e.to_string()))?;
    let sig = key.sign(&rng, &to_sign).map_err(|_| SignError::Signing)?;
    let unsigned_attrs = match stamp {
        None => None,
        Some(stamp) => {
            let mut imprint = [0u8; 32];
            imprint.copy_from_slice(&sha256(sig.as_ref()));
            let token = stamp(imprint).map_err(SignError::Timestamp)?;
            Some(
                SetOfVec::try_from(vec![
                    attr(
                        SIGNATURE_TIME_STAMP_TOKEN,
                        Any::from_der(&token).map_err(e)?,
                    )
                    .map_err(e)?,
                ])
                .map_err(e)?,
            )
        }
    };
    let signer = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: leaf.tbs_certificate.issuer.clone(),
            serial_number: leaf.tbs_certificate.serial_number.clone(),
        }),
        digest_alg: alg(SHA256),
        signed_attrs: Some(signed_attrs),
        signature_algorithm: alg(ECDSA_SHA256),
        signature: OctetString::new(sig.as_ref().to_vec()).map_err(e)?,
        unsigned_attrs,
    };
    let mut certs = Vec::new();
    for c in chain {
        certs.push(CertificateChoices::Certificate(
            Certificate::from_der(c).map_err(e)?,
        ));
    }
    let sd = SignedData {
        version: CmsVersion::V1,
        digest_algorithms: SetOfVec::try_from(vec![alg(SHA256)]).map_err(e)?,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: ID_DATA,
            econtent: None,
        },
        certificates: Some(CertificateSet::from(SetOfVec::try_from(certs).map_err(e)?)),
        crls: None,
        signer_infos: SignerInfos::from(SetOfVec::try_from(vec![signer]).map_err(e)?),
    };
    let ci = ContentInfo {
        content_type: ID_SIGNED_DATA,
        content: Any::from_der(&sd.to_der().map_err(e)?).map_err(e)?,
    };
    ci.to_der().map_err(e)
}
