//! Checking anyone's CMS signature in a PDF (RFC 5652, ETSI EN 319 122-1 as PAdES uses
//! it), by meaning, not by comparing with what we would have written: the signed
//! attributes are verified over their bytes as received; content-type, message-digest,
//! signing-certificate(-v2) (with or without issuerSerial, SHA-1/256/384/512) and
//! signing-time are read for what they say. ECDSA P-256/P-384 and RSA PKCS#1 v1.5.

use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier};
use der::asn1::{ObjectIdentifier as Oid, OctetString};
use der::{Any, Decode, Encode, Sequence};
use ring::signature::{self, VerificationAlgorithm};
use x509_cert::Certificate;
use x509_cert::ext::pkix::name::{GeneralName, GeneralNames};
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::AlgorithmIdentifierOwned;

use super::cms::{
    CONTENT_TYPE, ID_DATA, ID_SIGNED_DATA, MESSAGE_DIGEST, SHA256, SIGNATURE_TIME_STAMP_TOKEN,
    SIGNING_CERTIFICATE_V2,
};

const SIGNING_CERTIFICATE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.12");
const SIGNING_TIME: Oid = Oid::new_unwrap("1.2.840.113549.1.9.5");
const SHA1: Oid = Oid::new_unwrap("1.3.14.3.2.26");
const SHA384: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.2");
const SHA512: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.3");
const ECDSA_SHA256: Oid = Oid::new_unwrap("1.2.840.10045.4.3.2");
const ECDSA_SHA384: Oid = Oid::new_unwrap("1.2.840.10045.4.3.3");
const EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
const P256: Oid = Oid::new_unwrap("1.2.840.10045.3.1.7");
const P384: Oid = Oid::new_unwrap("1.3.132.0.34");
const RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");
const RSA_SHA256: Oid = Oid::new_unwrap("1.2.840.113549.1.1.11");
const RSA_SHA384: Oid = Oid::new_unwrap("1.2.840.113549.1.1.12");
const RSA_SHA512: Oid = Oid::new_unwrap("1.2.840.113549.1.1.13");

/// How the signing-certificate attribute relates to the signer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigningCertificate {
    /// It names the signer's certificate (hash, and issuer and serial when given).
    Matches,
    /// There is none (allowed for adbe.pkcs7.detached, required by PAdES baseline).
    Absent,
    /// It names another certificate: the signer may have been substituted.
    Mismatch,
}

/// What a validator needs from a CMS signature.
#[derive(Debug)]
pub struct Checked {
    /// The signer's certificate first, then the others carried.
    pub chain: Vec<Vec<u8>>,
    /// The message-digest attribute equals the digest of the signed bytes.
    pub digest_matches: bool,
    /// The signature over the signed attributes verifies with the signer's key.
    pub signature_valid: bool,
    pub signing_certificate: SigningCertificate,
    /// The SignerInfo's signature value (what a signature-time-stamp covers).
    pub signature_value: Vec<u8>,
    /// The DER of each signature-time-stamp token (unsigned attribute), in order.
    pub timestamp_tokens: Vec<Vec<u8>>,
    /// The signing-time attribute (the signer's claim), seconds since the epoch.
    pub signing_time: Option<i64>,
}

#[derive(Sequence)]
struct EssCertIdV2 {
    #[asn1(optional = "true")]
    hash_algorithm: Option<AlgorithmIdentifierOwned>,
    cert_hash: OctetString,
    #[asn1(optional = "true")]
    issuer_serial: Option<IssuerSerial>,
}

#[derive(Sequence)]
struct EssCertId {
    cert_hash: OctetString,
    #[asn1(optional = "true")]
    issuer_serial: Option<IssuerSerial>,
}

#[derive(Sequence)]
struct IssuerSerial {
    issuer: GeneralNames,
    serial: SerialNumber,
}

#[derive(Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
    #[asn1(optional = "true")]
    policies: Option<Any>,
}

#[derive(Sequence)]
struct SigningCertificateV1 {
    certs: Vec<EssCertId>,
    #[asn1(optional = "true")]
    policies: Option<Any>,
}

fn digest_alg(oid: &Oid) -> Option<&'static ring::digest::Algorithm> {
    match *oid {
        SHA256 => Some(&ring::digest::SHA256),
        SHA384 => Some(&ring::digest::SHA384),
        SHA512 => Some(&ring::digest::SHA512),
        SHA1 => Some(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY),
        _ => None,
    }
}

/// The digest of `parts` (the byte range) with `alg`.
pub fn digest(alg: &'static ring::digest::Algorithm, parts: &[&[u8]]) -> Vec<u8> {
    let mut ctx = ring::digest::Context::new(alg);
    parts.iter().for_each(|p| ctx.update(p));
    ctx.finish().as_ref().to_vec()
}

/// Parses a DER CMS (trailing zero padding allowed) and checks it against the signed
/// bytes `parts`. Err: why it cannot be read (a format failure).
pub fn check(contents: &[u8], parts: &[&[u8]]) -> Result<Checked, String> {
    let e = |e: der::Error| e.to_string();
    let len = tlv(contents)
        .map(|t| t.2)
        .ok_or("the CMS has no valid DER length")?;
    if contents[len..].iter().any(|&b| b != 0) {
        return Err("data follows the CMS in /Contents".into());
    }
    let der = &contents[..len];
    let ci = ContentInfo::from_der(der).map_err(e)?;
    if ci.content_type != ID_SIGNED_DATA {
        return Err("the CMS is not SignedData".into());
    }
    let sd: SignedData = ci.content.decode_as().map_err(e)?;
    if sd.encap_content_info.econtent.is_some() {
        return Err("the CMS carries content; a PDF signature is detached".into());
    }
    let [si] = sd.signer_infos.0.as_slice() else {
        return Err("a PDF signature has exactly one SignerInfo".into());
    };
    let certs: Vec<Certificate> = match &sd.certificates {
        Some(set) => set
            .0
            .iter()
            .filter_map(|c| match c {
                CertificateChoices::Certificate(c) => Some(c.clone()),
                _ => None,
            })
            .collect(),
        None => Vec::new(),
    };
    let leaf_pos = certs
        .iter()
        .position(|c| names_signer(c, &si.sid))
        .ok_or("the signer's certificate is not in the CMS")?;
    let mut ordered = certs.clone();
    let leaf = ordered.remove(leaf_pos);
    ordered.insert(0, leaf.clone());
    let chain = ordered
        .iter()
        .map(|c| c.to_der().map_err(e))
        .collect::<Result<Vec<_>, _>>()?;
    let attrs = si.signed_attrs.as_ref().ok_or("no signed attributes")?;
    let only = |oid: Oid| -> Result<Option<&Any>, String> {
        let mut found = attrs.iter().filter(|a| a.oid == oid);
        match (found.next(), found.next()) {
            (None, _) => Ok(None),
            (Some(a), None) if a.values.len() == 1 => Ok(a.values.iter().next()),
            _ => Err(format!("the signed attribute {oid} appears more than once")),
        }
    };
    match only(CONTENT_TYPE)? {
        Some(v) if v.decode_as::<Oid>().map_err(e)? == ID_DATA => {}
        Some(_) => return Err("the content-type attribute is not id-data".into()),
        None => return Err("no content-type attribute".into()),
    }
    let md: OctetString = only(MESSAGE_DIGEST)?
        .ok_or("no message-digest attribute")?
        .decode_as()
        .map_err(e)?;
    let md_alg = digest_alg(&si.digest_alg.oid).ok_or("an unsupported digest algorithm")?;
    let digest_matches = md.as_bytes() == digest(md_alg, parts).as_slice();
    let signing_certificate = signing_certificate(&leaf, &chain[0], &only)?;
    let signing_time = match only(SIGNING_TIME)? {
        Some(t) => Some(
            x509_cert::time::Time::from_der(&t.to_der().map_err(e)?)
                .map_err(e)?
                .to_unix_duration()
                .as_secs() as i64,
        ),
        None => None,
    };
    // The signature covers the signed attributes as received, tagged as a SET.
    let mut signed = signed_attrs_bytes(der).ok_or("the signed attributes cannot be located")?;
    signed[0] = 0x31;
    let signature_valid = verify(
        &leaf,
        &si.signature_algorithm,
        &si.digest_alg.oid,
        &signed,
        si.signature.as_bytes(),
    )?;
    let timestamp_tokens = si
        .unsigned_attrs
        .iter()
        .flat_map(|attrs| attrs.iter())
        .filter(|a| a.oid == SIGNATURE_TIME_STAMP_TOKEN)
        .flat_map(|a| a.values.iter())
        .filter_map(|v| v.to_der().ok())
        .collect();
    Ok(Checked {
        chain,
        digest_matches,
        signature_valid,
        signing_certificate,
        signature_value: si.signature.as_bytes().to_vec(),
        timestamp_tokens,
        signing_time,
    })
}

fn names_signer(c: &Certificate, sid: &SignerIdentifier) -> bool {
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(ias) => {
            c.tbs_certificate.issuer == ias.issuer
                && c.tbs_certificate.serial_number == ias.serial_number
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => c
            .tbs_certificate
            .get::<x509_cert::ext::pkix::SubjectKeyIdentifier>()
            .ok()
            .flatten()
            .is_some_and(|(_, s)| s.0 == ski.0),
    }
}

fn issuer_serial_matches(is: &IssuerSerial, leaf: &Certificate) -> bool {
    is.serial == leaf.tbs_certificate.serial_number
        && is.issuer.iter().any(
            |n| matches!(n, GeneralName::DirectoryName(d) if *d == leaf.tbs_certificate.issuer),
        )
}

/// Whether an ESSCertID(v2) names the signer: its hash (with `alg`) and, when given,
/// its issuer and serial.
fn names_leaf(
    leaf: &Certificate,
    leaf_der: &[u8],
    alg: &'static ring::digest::Algorithm,
    hash: &OctetString,
    issuer_serial: Option<&IssuerSerial>,
) -> SigningCertificate {
    let hash_ok = hash.as_bytes() == digest(alg, &[leaf_der]).as_slice();
    let serial_ok = issuer_serial.is_none_or(|is| issuer_serial_matches(is, leaf));
    if hash_ok && serial_ok {
        SigningCertificate::Matches
    } else {
        SigningCertificate::Mismatch
    }
}

fn signing_certificate<'x>(
    leaf: &Certificate,
    leaf_der: &[u8],
    only: &dyn Fn(Oid) -> Result<Option<&'x Any>, String>,
) -> Result<SigningCertificate, String> {
    let e = |e: der::Error| e.to_string();
    let names = |alg, hash: &OctetString, is: Option<&IssuerSerial>| {
        names_leaf(leaf, leaf_der, alg, hash, is)
    };
    if let Some(v) = only(SIGNING_CERTIFICATE_V2)? {
        let sc: SigningCertificateV2 = v.decode_as().map_err(e)?;
        let Some(first) = sc.certs.first() else {
            return Ok(SigningCertificate::Mismatch);
        };
        let alg = match &first.hash_algorithm {
            None => &ring::digest::SHA256,
            Some(a) => digest_alg(&a.oid).ok_or("an unsupported hash in signing-certificate-v2")?,
        };
        return Ok(names(alg, &first.cert_hash, first.issuer_serial.as_ref()));
    }
    if let Some(v) = only(SIGNING_CERTIFICATE)? {
        let sc: SigningCertificateV1 = v.decode_as().map_err(e)?;
        let Some(first) = sc.certs.first() else {
            return Ok(SigningCertificate::Mismatch);
        };
        let sha1 = &ring::digest::SHA1_FOR_LEGACY_USE_ONLY;
        return Ok(names(sha1, &first.cert_hash, first.issuer_serial.as_ref()));
    }
    Ok(SigningCertificate::Absent)
}

/// Verifies `sig` over `msg` with the leaf's key. Err: an algorithm we do not support.
fn verify(
    leaf: &Certificate,
    alg: &AlgorithmIdentifierOwned,
    digest_oid: &Oid,
    msg: &[u8],
    sig: &[u8],
) -> Result<bool, String> {
    let spki = &leaf.tbs_certificate.subject_public_key_info;
    let key = spki.subject_public_key.raw_bytes();
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.decode_as::<Oid>().ok());
    let hash = match alg.oid {
        ECDSA_SHA256 | RSA_SHA256 => SHA256,
        ECDSA_SHA384 | RSA_SHA384 => SHA384,
        RSA_SHA512 => SHA512,
        RSA | EC_PUBLIC_KEY => *digest_oid,
        other => return Err(format!("the signature algorithm {other} is not supported")),
    };
    let algorithm: &dyn VerificationAlgorithm = match (spki.algorithm.oid, curve, hash) {
        (EC_PUBLIC_KEY, Some(P256), SHA256) => &signature::ECDSA_P256_SHA256_ASN1,
        (EC_PUBLIC_KEY, Some(P256), SHA384) => &signature::ECDSA_P256_SHA384_ASN1,
        (EC_PUBLIC_KEY, Some(P384), SHA256) => &signature::ECDSA_P384_SHA256_ASN1,
        (EC_PUBLIC_KEY, Some(P384), SHA384) => &signature::ECDSA_P384_SHA384_ASN1,
        (RSA, _, SHA256) => &signature::RSA_PKCS1_2048_8192_SHA256,
        (RSA, _, SHA384) => &signature::RSA_PKCS1_2048_8192_SHA384,
        (RSA, _, SHA512) => &signature::RSA_PKCS1_2048_8192_SHA512,
        _ => {
            return Err("the signer's key and signature algorithm are not a supported pair".into());
        }
    };
    if matches!(alg.oid, RSA | RSA_SHA256 | RSA_SHA384 | RSA_SHA512) != (spki.algorithm.oid == RSA)
    {
        return Err("the signature algorithm does not fit the signer's key".into());
    }
    Ok(signature::UnparsedPublicKey::new(algorithm, key)
        .verify(msg, sig)
        .is_ok())
}

/// (tag, header length, total length) of the DER element at the start of `b`; definite
/// lengths only.
fn tlv(b: &[u8]) -> Option<(u8, usize, usize)> {
    let tag = *b.first()?;
    if tag & 0x1f == 0x1f {
        return None;
    }
    let first = *b.get(1)?;
    let (hdr, len) = if first < 0x80 {
        (2, usize::from(first))
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || b.len() < 2 + n {
            return None;
        }
        (
            2 + n,
            b[2..2 + n]
                .iter()
                .fold(0usize, |l, &x| l << 8 | usize::from(x)),
        )
    };
    let total = hdr.checked_add(len)?;
    (total <= b.len()).then_some((tag, hdr, total))
}

/// The children of a constructed element's content.
fn children(mut b: &[u8]) -> Option<Vec<&[u8]>> {
    let mut out = Vec::new();
    while !b.is_empty() {
        let (_, _, total) = tlv(b)?;
        out.push(&b[..total]);
        b = &b[total..];
    }
    Some(out)
}

fn content(el: &[u8]) -> Option<&[u8]> {
    let (_, hdr, total) = tlv(el)?;
    Some(&el[hdr..total])
}

/// The first SignerInfo's `[0] signedAttrs` element, as its bytes stand in the CMS.
fn signed_attrs_bytes(ci: &[u8]) -> Option<Vec<u8>> {
    // ContentInfo ::= SEQUENCE { contentType, [0] EXPLICIT SignedData }
    let ci_parts = children(content(ci)?)?;
    let sd = content(content(ci_parts.get(1)?)?)?;
    let sd_parts = children(sd)?;
    let signer_infos = sd_parts.last()?;
    let first_si = children(content(signer_infos)?)?.into_iter().next()?;
    let si_parts = children(content(first_si)?)?;
    // version, sid, digestAlgorithm, [0] signedAttrs
    let attrs = si_parts.get(3)?;
    (attrs[0] == 0xA0).then(|| attrs.to_vec())
}

/// The certificates a CMS (signature or timestamp token, zero padding allowed) carries, DER;
/// empty when it cannot be read.
pub fn certificates(contents: &[u8]) -> Vec<Vec<u8>> {
    let der = &contents[..der_prefix(contents)];
    let Ok(ci) = ContentInfo::from_der(der) else {
        return Vec::new();
    };
    let Ok(sd) = ci.content.decode_as::<SignedData>() else {
        return Vec::new();
    };
    sd.certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .filter_map(|c| match c {
            CertificateChoices::Certificate(c) => c.to_der().ok(),
            _ => None,
        })
        .collect()
}

/// The length of the DER element that starts `b` (what /Contents holds before its zero
/// padding); the whole of `b` when it is not one.
pub fn der_prefix(b: &[u8]) -> usize {
    tlv(b).map_or(b.len(), |t| t.2)
}

/// The digest algorithm named by an OID, for callers hashing a byte range themselves.
pub fn digest_of(oid: &Oid) -> Option<&'static ring::digest::Algorithm> {
    digest_alg(oid)
}
