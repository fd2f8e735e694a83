//! The object identifiers a timestamp token uses.

use const_oid::ObjectIdentifier as Oid;

pub const ID_SIGNED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.2");
/// id-ct-TSTInfo (RFC 3161 §2.4.2).
pub const ID_CT_TST_INFO: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.1.4");
pub const ID_SHA_256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
pub const ID_SHA_384: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.2");
pub const ID_SHA_512: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.3");
pub const ECDSA_WITH_SHA_256: Oid = Oid::new_unwrap("1.2.840.10045.4.3.2");
/// PKCS #9 content-type and message-digest attributes.
pub const CONTENT_TYPE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.3");
pub const MESSAGE_DIGEST: Oid = Oid::new_unwrap("1.2.840.113549.1.9.4");
/// id-aa-signingCertificateV2 (RFC 5035).
pub const SIGNING_CERTIFICATE_V2: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.47");

/// The zhengtong TSA policy ([`crate::pki::TSA_POLICY`]) as an OID.
pub fn policy() -> Oid {
    let dotted = crate::pki::TSA_POLICY
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".");
    // A constant of nine small arcs: always a valid OID.
    Oid::new(&dotted).expect("the TSA policy is a valid OID")
}
