//! ESS signing-certificate-v2 (RFC 5035 §3): binds the signature to the TSA certificate
//! by its SHA-256, so that a certificate with the same key cannot be substituted.

use der::Sequence;
use der::asn1::OctetString;
use x509_cert::spki::AlgorithmIdentifierOwned;

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct SigningCertificateV2 {
    pub certs: Vec<EssCertIdV2>,
    #[asn1(optional = "true")]
    pub policies: Option<der::Any>,
}

/// `hashAlgorithm` DEFAULT sha256 (absent in DER when SHA-256); issuerSerial is left out.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct EssCertIdV2 {
    #[asn1(optional = "true")]
    pub hash_algorithm: Option<AlgorithmIdentifierOwned>,
    pub cert_hash: OctetString,
    #[asn1(optional = "true")]
    pub issuer_serial: Option<der::Any>,
}
