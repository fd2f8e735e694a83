//! The master key from which the keys that encrypt private keys kept in the database
//! (AES-256-GCM) and the labelled derivations (HMAC-SHA256) are derived with HKDF.
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
    #[error("the system random number generator failed")]
    Rng,
    #[error("encrypting a secret failed")]
    Seal,
}

/// Marks a data directory whose derived keys come from HKDF (created by this version).
const V2_MARKER: &str = "keystore-v2";
/// Leads a secret sealed under the HKDF-derived AES key.
const V2_TAG: u8 = 2;

/// The master key never keys anything itself: HKDF-SHA256 derives one AES-256-GCM key (private
/// keys at rest) and one HMAC-SHA256 key (labelled derivations), so no key serves two algorithms.
pub struct MasterKey {
    aead: LessSafeKey,
    /// Opens secrets sealed under the raw master key before keystore v2.
    legacy_aead: LessSafeKey,
    derivation: ring::hmac::Key,
    rng: SystemRandom,
}

struct Okm(usize);

impl ring::hkdf::KeyType for Okm {
    fn len(&self) -> usize {
        self.0
    }
}

fn hkdf(prk: &ring::hkdf::Prk, info: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    let info = [info.as_bytes()];
    prk.expand(&info, Okm(32)).ok()?.fill(&mut out).ok()?;
    Some(out)
}

impl MasterKey {
    pub fn load_or_create(data_dir: &Path) -> Result<Self, KeyError> {
        let legacy = Self::legacy_derivation(data_dir)?;
        if let Ok(hex_key) = std::env::var("ZT_MASTER_KEY") {
            let bytes = hex::decode(hex_key.trim()).map_err(|_| KeyError::BadEnv)?;
            return Self::build(&bytes, legacy).ok_or(KeyError::BadEnv);
        }
        let path = data_dir.join("master.key");
        let name = path.display().to_string();
        if path.exists() {
            let bytes = std::fs::read(&path).map_err(|e| KeyError::Io(name.clone(), e))?;
            return Self::build(&bytes, legacy).ok_or(KeyError::BadFile(name));
        }
        let mut bytes = [0u8; 32];
        SystemRandom::new()
            .fill(&mut bytes)
            .map_err(|_| KeyError::Rng)?;
        crate::fsutil::write_private(&path, &bytes).map_err(|e| KeyError::Io(name.clone(), e))?;
        tracing::info!(path = %name, "created master key (mode 0600)");
        Self::build(&bytes, legacy).ok_or(KeyError::BadFile(name))
    }

    /// A data directory that already holds a database but no v2 marker keeps deriving labelled
    /// keys from the raw master key: its status-list orders were drawn with them.
    fn legacy_derivation(data_dir: &Path) -> Result<bool, KeyError> {
        let marker = data_dir.join(V2_MARKER);
        if marker.exists() {
            return Ok(false);
        }
        if data_dir.join("db").exists() {
            tracing::warn!(
                "data directory from before keystore v2: labelled keys stay derived from the raw master key"
            );
            return Ok(true);
        }
        std::fs::create_dir_all(data_dir)
            .and_then(|()| crate::fsutil::write_atomic(&marker, b"hkdf-sha256\n", false))
            .map_err(|e| KeyError::Io(marker.display().to_string(), e))?;
        Ok(false)
    }

    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        Self::build(bytes, false)
    }

    fn build(bytes: &[u8], legacy_derivation: bool) -> Option<Self> {
        let legacy_aead = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, bytes).ok()?);
        let prk = ring::hkdf::Salt::new(ring::hkdf::HKDF_SHA256, b"zhengtong master key v2")
            .extract(bytes);
        let aes = hkdf(&prk, "aes-256-gcm: private keys at rest")?;
        let derivation = if legacy_derivation {
            ring::hmac::Key::new(ring::hmac::HMAC_SHA256, bytes)
        } else {
            ring::hmac::Key::new(
                ring::hmac::HMAC_SHA256,
                &hkdf(&prk, "hmac-sha256: labelled keys")?,
            )
        };
        Some(MasterKey {
            aead: LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &aes).ok()?),
            legacy_aead,
            derivation,
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

    /// 2 || nonce || ciphertext || tag. `context` binds the secret to its place (e.g. its key
    /// name). A failed random source or encryption is an error, never a reused nonce or plaintext.
    pub fn seal(&self, plaintext: &[u8], context: &str) -> Result<Vec<u8>, KeyError> {
        let mut nonce = [0u8; NONCE_LEN];
        self.rng.fill(&mut nonce).map_err(|_| KeyError::Rng)?;
        let mut buf = plaintext.to_vec();
        self.aead
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(context.as_bytes()),
                &mut buf,
            )
            .map_err(|_| KeyError::Seal)?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + buf.len());
        out.push(V2_TAG);
        out.extend_from_slice(&nonce);
        out.extend(buf);
        Ok(out)
    }

    /// Opens a v2 secret, or one sealed before v2 under the raw master key (the AEAD tag tells
    /// which key fits; a wrong guess fails authentication, it never yields wrong bytes).
    pub fn open(&self, sealed: &[u8], context: &str) -> Result<Vec<u8>, KeyError> {
        if let Some((&V2_TAG, rest)) = sealed.split_first()
            && let Ok(plain) = open_with(&self.aead, rest, context)
        {
            return Ok(plain);
        }
        open_with(&self.legacy_aead, sealed, context)
    }
}

fn open_with(key: &LessSafeKey, sealed: &[u8], context: &str) -> Result<Vec<u8>, KeyError> {
    if sealed.len() < NONCE_LEN {
        return Err(KeyError::Decrypt);
    }
    let (nonce, ct) = sealed.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| KeyError::Decrypt)?;
    let mut buf = ct.to_vec();
    let plain = key
        .open_in_place(nonce, Aad::from(context.as_bytes()), &mut buf)
        .map_err(|_| KeyError::Decrypt)?;
    Ok(plain.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_context_binding() {
        let k = MasterKey::from_bytes(&[7u8; 32]).unwrap();
        let s = k.seal(b"secret", "a").unwrap();
        assert_eq!(k.open(&s, "a").unwrap(), b"secret");
        assert!(k.open(&s, "b").is_err());
        assert!(k.open(&s[..5], "a").is_err());
        assert!(!s.windows(6).any(|w| w == b"secret"), "stored encrypted");
    }

    #[test]
    fn no_key_serves_two_purposes() {
        let master = [7u8; 32];
        let k = MasterKey::from_bytes(&master).unwrap();
        // The derivation key is not the master: HMAC under the raw master gives other bytes.
        let raw = ring::hmac::sign(
            &ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &master),
            b"status-list/1",
        );
        assert_ne!(&k.derive("status-list/1")[..], &raw.as_ref()[..32]);
        // The AES key is not the master: a secret sealed under it does not open with the master.
        let s = k.seal(b"secret", "a").unwrap();
        assert!(open_with(&k.legacy_aead, &s[1..], "a").is_err());
    }

    #[test]
    fn secrets_sealed_before_v2_still_open() {
        let master = [9u8; 32];
        let k = MasterKey::from_bytes(&master).unwrap();
        let old = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &master).unwrap());
        let mut buf = b"old secret".to_vec();
        old.seal_in_place_append_tag(
            Nonce::assume_unique_for_key([2u8; NONCE_LEN]),
            Aad::from(b"ctx"),
            &mut buf,
        )
        .unwrap();
        let mut sealed = vec![2u8; NONCE_LEN];
        sealed.extend(buf);
        assert_eq!(k.open(&sealed, "ctx").unwrap(), b"old secret");
    }

    #[test]
    fn an_existing_data_dir_keeps_its_derivations() {
        let old = tempfile::tempdir().unwrap();
        std::fs::create_dir(old.path().join("db")).unwrap();
        assert!(MasterKey::legacy_derivation(old.path()).unwrap());
        let fresh = tempfile::tempdir().unwrap();
        assert!(!MasterKey::legacy_derivation(fresh.path()).unwrap());
        std::fs::create_dir(fresh.path().join("db")).unwrap();
        assert!(
            !MasterKey::legacy_derivation(fresh.path()).unwrap(),
            "the marker stays"
        );
    }
}
