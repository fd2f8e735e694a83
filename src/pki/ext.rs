//! X.509 extensions rcgen does not write itself, as DER: certificate policies and authority
//! information access (ETSI EN 319 412-2 §4.3.3, §4.4.1); and the extended key usages each
//! certificate carries.

use rcgen::{CustomExtension, ExtendedKeyUsagePurpose};

use super::Role;

/// The certificate policy of zhengtong seal certificates, under the placeholder arc (a
/// deployment replaces it with its registered arc, as for the role EKUs).
pub const SEAL_POLICY: [u64; 9] = [1, 3, 6, 1, 4, 1, 59999, 2, 1];

/// The policy under which the regional timestamp authorities issue timestamps (TSTInfo
/// `policy`), under the same placeholder arc.
pub const TSA_POLICY: [u64; 9] = [1, 3, 6, 1, 4, 1, 59999, 3, 1];

/// id-kp-documentSigning (RFC 9336): what a document signer's certificate is for.
pub const DOCUMENT_SIGNING: [u64; 9] = [1, 3, 6, 1, 5, 5, 7, 3, 36];

const EXTENDED_KEY_USAGE: [u64; 4] = [2, 5, 29, 37];
const CERTIFICATE_POLICIES: [u64; 4] = [2, 5, 29, 32];
const AUTHORITY_INFO_ACCESS: [u64; 9] = [1, 3, 6, 1, 5, 5, 7, 1, 1];
const CA_ISSUERS: [u64; 9] = [1, 3, 6, 1, 5, 5, 7, 48, 2];

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes: Vec<u8> = n
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

fn oid(components: &[u64]) -> Vec<u8> {
    let mut body = Vec::new();
    let mut push = |mut v: u64| {
        let mut chunk = vec![(v & 0x7f) as u8];
        v >>= 7;
        while v > 0 {
            chunk.push(0x80 | (v & 0x7f) as u8);
            v >>= 7;
        }
        chunk.reverse();
        body.extend(chunk);
    };
    push(components[0] * 40 + components[1]);
    for c in &components[2..] {
        push(*c);
    }
    tlv(0x06, &body)
}

/// The EKUs of a role's certificate: its role OID (what our own validator requires), and for
/// a seal the standard purposes stock validators look for: document signing (RFC 9336) and
/// emailProtection, the only EKU with which NSS (`certutil -V -u S`, pdfsig) and openssl's
/// `smimesign` accept a document signer. The TSA's EKU is [`critical_eku`], not this.
pub fn purposes(role: Role) -> Vec<ExtendedKeyUsagePurpose> {
    let mut out = vec![ExtendedKeyUsagePurpose::Other(role.oid_components())];
    if role == Role::SealSigner {
        out.extend(standard_signing());
    }
    out
}

/// The EKUs of a regional CA: every role, and the seal's standard purposes. Validators that
/// read an EKU on a CA as a limit on what it may certify (rustls-webpki, openssl, NSS) then
/// accept each leaf for its purpose.
pub fn ca_purposes() -> Vec<ExtendedKeyUsagePurpose> {
    Role::ALL
        .iter()
        .map(|r| ExtendedKeyUsagePurpose::Other(r.oid_components()))
        .chain(standard_signing())
        .collect()
}

fn standard_signing() -> [ExtendedKeyUsagePurpose; 2] {
    [
        ExtendedKeyUsagePurpose::Other(DOCUMENT_SIGNING.to_vec()),
        ExtendedKeyUsagePurpose::EmailProtection,
    ]
}

/// certificatePolicies with one policy and no qualifiers (not critical).
pub fn certificate_policies(policy: &[u64]) -> CustomExtension {
    let info = tlv(0x30, &oid(policy));
    CustomExtension::from_oid_content(&CERTIFICATE_POLICIES, tlv(0x30, &info))
}

/// extendedKeyUsage with one purpose, critical: what RFC 3161 §2.3 wants of a TSA
/// certificate (rcgen writes the extension only as non-critical).
pub fn critical_eku(purpose: &[u64]) -> CustomExtension {
    let mut ext = CustomExtension::from_oid_content(&EXTENDED_KEY_USAGE, tlv(0x30, &oid(purpose)));
    ext.set_criticality(true);
    ext
}

/// authorityInfoAccess with a caIssuers URI (where the issuing CA's certificate is).
pub fn ca_issuers(uri: &str) -> CustomExtension {
    let mut desc = oid(&CA_ISSUERS);
    desc.extend(tlv(0x86, uri.as_bytes()));
    CustomExtension::from_oid_content(&AUTHORITY_INFO_ACCESS, tlv(0x30, &tlv(0x30, &desc)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oids_encode_as_der() {
        // 2.5.29.32 and 1.3.6.1.5.5.7.48.2, as every DER dump shows them.
        assert_eq!(oid(&CERTIFICATE_POLICIES), [0x06, 0x03, 0x55, 0x1d, 0x20]);
        assert_eq!(
            oid(&CA_ISSUERS),
            [0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x02]
        );
        assert_eq!(
            oid(&SEAL_POLICY)[..9],
            [0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x83, 0xd4]
        );
    }
}
