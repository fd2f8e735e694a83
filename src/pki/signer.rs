//! A role key loaded for signing, with its certificate chain.

use std::path::Path;

use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};

use super::files::read_pem_der;
use super::{PkiError, Role, kid_of};
use crate::domain::RegionCode;

/// Signs ES256 (64-byte r||s) with a role key. The private key never leaves this type.
pub struct Signer {
    key: EcdsaKeyPair,
    rng: SystemRandom,
    pub role: Role,
    pub region: Option<RegionCode>,
    /// DER of the signing certificate, then its issuing CA (no root): the `x5c` chain.
    pub chain: Vec<Vec<u8>>,
    pub kid: String,
    /// The issuer URI its certificate names (its first URI SAN): the `iss` of what it signs.
    /// Empty for a certificate that names none (the national trust-list signer).
    pub iss: String,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("role", &self.role)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// Why a key and chain do not make a signer.
#[derive(Debug, thiserror::Error)]
pub enum SignerError {
    #[error("not a P-256 PKCS#8 key: {0}")]
    NotP256(ring::error::KeyRejected),
    #[error("empty certificate chain")]
    EmptyChain,
}

impl Signer {
    /// Loads `<dir>/<region>/<role>.key|.crt`, or `<dir>/<role>.key|.crt` for national roles.
    pub fn load(dir: &Path, region: Option<&RegionCode>, role: Role) -> Result<Self, PkiError> {
        let folder = match region {
            Some(r) => dir.join(r.as_str()),
            None => dir.to_path_buf(),
        };
        let key_path = folder.join(format!("{}.key", role.file_stem()));
        let crt_path = folder.join(format!("{}.crt", role.file_stem()));
        if !key_path.exists() {
            return Err(PkiError::Missing {
                what: format!("{} key", role.file_stem()),
                dir: folder,
            });
        }
        let pkcs8 = read_pem_der(&key_path)?;
        let leaf = read_pem_der(&crt_path)?;
        let ca_path = match region {
            Some(_) => folder.join("ca.crt"),
            None => dir.join("root.crt"),
        };
        let mut chain = vec![leaf];
        if region.is_some() {
            chain.push(read_pem_der(&ca_path)?);
        }
        Self::from_pkcs8(&pkcs8, chain, role, region.copied()).map_err(|e| PkiError::Invalid {
            path: key_path,
            reason: e.to_string(),
        })
    }

    /// Builds a signer from a PKCS#8 key and its chain (leaf first).
    pub fn from_pkcs8(
        pkcs8: &[u8],
        chain: Vec<Vec<u8>>,
        role: Role,
        region: Option<RegionCode>,
    ) -> Result<Self, SignerError> {
        let rng = SystemRandom::new();
        let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8, &rng)
            .map_err(SignerError::NotP256)?;
        let leaf = chain.first().ok_or(SignerError::EmptyChain)?;
        let kid = kid_of(leaf);
        let iss = super::trust::san_uris(leaf)
            .into_iter()
            .next()
            .unwrap_or_default();
        Ok(Signer {
            key,
            rng,
            role,
            region,
            chain,
            kid,
            iss,
        })
    }

    /// ES256 signature (r||s, 64 bytes) over `message`.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        // ring fails here only when the OS random source fails, which we cannot recover from.
        self.key
            .sign(&self.rng, message)
            .expect("system random source failed")
            .as_ref()
            .to_vec()
    }

    /// The same signature as DER (`ECDSA-Sig-Value`), as CMS and X.509 carry it.
    pub fn sign_der(&self, message: &[u8]) -> Vec<u8> {
        let sig = self.sign(message);
        let (r, s) = sig.split_at(sig.len() / 2);
        let mut body = der_uint(r);
        body.extend(der_uint(s));
        let mut out = vec![0x30, body.len() as u8];
        out.extend(body);
        out
    }

    pub fn public_key(&self) -> &[u8] {
        use ring::signature::KeyPair;
        self.key.public_key().as_ref()
    }

    pub fn certificate_pem(&self) -> String {
        pem::encode(&pem::Pem::new("CERTIFICATE", self.chain[0].clone()))
    }
}

/// A DER INTEGER of an unsigned big-endian value of at most 32 bytes (short form length).
fn der_uint(v: &[u8]) -> Vec<u8> {
    let v = match v.iter().position(|b| *b != 0) {
        Some(i) => &v[i..],
        None => &[0u8][..],
    };
    let pad = v[0] & 0x80 != 0;
    let mut out = vec![0x02, (v.len() + usize::from(pad)) as u8];
    if pad {
        out.push(0);
    }
    out.extend_from_slice(v);
    out
}
