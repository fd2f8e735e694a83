//! The master key that encrypts private keys kept in the database (AES-256-GCM).
//!
//! Taken from `ZT_MASTER_KEY` (64 hex characters) if set, else from `DATA/master.key`,
//! created on first start with mode 0600.

use std::path::Path;

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("ZT_MASTER_KEY must be 64 hex characters (32 bytes)")]
    BadEnv,
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
    #[error("{0} must hold 32 bytes")]
    BadFile(String),
    #[error("a stored secret does not decrypt under this master key")]
    Decrypt,
}

pub struct MasterKey {
    key: LessSafeKey,
    /// Keys derived for other purposes (HMAC-SHA256 over a label), never the master itself.
    derivation: ring::hmac::Key,
    rng: SystemRandom,
}

impl MasterKey {
    pub fn load_or_create(data_dir: &Path) -> Result<Self, KeyError> {
        if let Ok(hex_key) = std::env::var("ZT_MASTER_KEY") {
            let bytes = hex::decode(hex_key.trim()).map_err(|_| KeyError::BadEnv)?;
            return Self::from_bytes(&bytes).ok_or(KeyError::BadEnv);
        }
        let path = data_dir.join("master.key");
        let name = path.display().to_string();
        if path.exists() {
            let bytes = std::fs::read(&path).map_err(|e| KeyError::Io(name.clone(), e))?;
            return Self::from_bytes(&bytes).ok_or(KeyError::BadFile(name));
        }
        let mut bytes = [0u8; 32];
        SystemRandom::new()
            .fill(&mut bytes)
            .map_err(|_| KeyError::BadFile(name.clone()))?;
        crate::fsutil::write_private(&path, &bytes).map_err(|e| KeyError::Io(name.clone(), e))?;
        tracing::info!(path = %name, "created master key (mode 0600)");
        Self::from_bytes(&bytes).ok_or(KeyError::BadFile(name))
    }

    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let key = UnboundKey::new(&AES_256_GCM, bytes).ok()?;
        Some(MasterKey {
            key: LessSafeKey::new(key),
            derivation: ring::hmac::Key::new(ring::hmac::HMAC_SHA256, bytes),
            rng: SystemRandom::new(),
        })
    }

    /// A 32-byte key for `label`, stable for as long as the master key is.
    pub fn derive(&self, label: &str) -> [u8; 32] {
        let tag = ring::hmac::sign(&self.derivation, label.as_bytes());
        let mut out = [0u8; 32];
        out.copy_from_slice(&tag.as_ref()[..32]);
        out
    }

    /// nonce || ciphertext || tag. `context` binds the secret to its place (e.g. its key name).
    pub fn seal(&self, plaintext: &[u8], context: &str) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        let _ = self.rng.fill(&mut nonce);
        let mut buf = plaintext.to_vec();
        // Sealing fails only for inputs over ~64 GiB.
        let _ = self.key.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(context.as_bytes()),
            &mut buf,
        );
        let mut out = nonce.to_vec();
        out.extend(buf);
        out
    }

    pub fn open(&self, sealed: &[u8], context: &str) -> Result<Vec<u8>, KeyError> {
        if sealed.len() < NONCE_LEN {
            return Err(KeyError::Decrypt);
        }
        let (nonce, ct) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| KeyError::Decrypt)?;
        let mut buf = ct.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(context.as_bytes()), &mut buf)
            .map_err(|_| KeyError::Decrypt)?;
        Ok(plain.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_context_binding() {
        let k = MasterKey::from_bytes(&[7u8; 32]).unwrap();
        let s = k.seal(b"secret", "a");
        assert_eq!(k.open(&s, "a").unwrap(), b"secret");
        assert!(k.open(&s, "b").is_err());
        assert!(k.open(&s[..5], "a").is_err());
    }
}
