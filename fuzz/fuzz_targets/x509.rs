//! The certificates of an `x5c` header: parsing (`pki::CertInfo::parse`) and tracing a
//! chain to the trust store (`Verifier::trusted_signer`). Input: DER certificates split at 0xFF.
#![no_main]
use libfuzzer_sys::fuzz_target;
use zhengtong::pki::{CertInfo, Role};
use zhengtong_fuzz::VERIFIER;

fuzz_target!(|data: &[u8]| {
    let certs: Vec<Vec<u8>> = zhengtong_fuzz::split(data, 4)
        .into_iter()
        .map(<[u8]>::to_vec)
        .collect();
    let _ = CertInfo::parse(&certs[0]);
    for role in [
        Role::LicenceIssuer,
        Role::SealSigner,
        Role::StatusListSigner,
    ] {
        let _ = VERIFIER.trusted_signer(&certs, role);
    }
});
