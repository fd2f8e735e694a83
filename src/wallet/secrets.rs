//! Private keys kept in the database (tree `Secrets`), sealed under the master key and bound
//! to their name: the holder key of each company (`holder/<uscc>`) here; other owners name
//! theirs (an e-seal's key is named by [`crate::seal`]).

use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};

use super::{Wallet, WalletError};
use crate::credential::p256_jwk;
use crate::domain::Uscc;
use crate::store::{Batch, Tree};

fn holder_name(uscc: &Uscc) -> String {
    format!("holder/{uscc}")
}

impl Wallet {
    /// Adds the private key `pkcs8` under `name` to `batch`, sealed.
    pub fn put_secret(
        &self,
        batch: &mut Batch,
        name: &str,
        pkcs8: &[u8],
    ) -> Result<(), WalletError> {
        batch.put_raw(Tree::Secrets, name, self.master.seal(pkcs8, name)?);
        Ok(())
    }

    /// The private key under `name`, opened; `what` names it in errors.
    pub fn open_secret(&self, name: &str, what: &str) -> Result<Vec<u8>, WalletError> {
        let sealed = self
            .store
            .get_raw(Tree::Secrets, name)?
            .ok_or_else(|| WalletError::MissingSecret(what.to_string()))?;
        self.master
            .open(&sealed, name)
            .map_err(|e| WalletError::Decrypt(format!("{name}: {e}")))
    }

    /// Adds the company's holder key to `batch`.
    pub(super) fn put_holder_key(
        &self,
        batch: &mut Batch,
        uscc: &Uscc,
        pkcs8: &[u8],
    ) -> Result<(), WalletError> {
        self.put_secret(batch, &holder_name(uscc), pkcs8)
    }

    /// The company's holder key (to sign a key-binding JWT with), opened.
    pub fn holder_key(&self, uscc: &Uscc) -> Result<EcdsaKeyPair, WalletError> {
        let name = holder_name(uscc);
        let pkcs8 = self.open_secret(&name, &format!("the holder key of {uscc}"))?;
        EcdsaKeyPair::from_pkcs8(
            &ECDSA_P256_SHA256_FIXED_SIGNING,
            &pkcs8,
            &ring::rand::SystemRandom::new(),
        )
        .map_err(|e| WalletError::SigningKey(format!("{name}: {e}")))
    }

    /// The public key of the company's holder key, as a JWK for `cnf`.
    pub(super) fn holder_jwk(&self, uscc: &Uscc) -> Result<serde_json::Value, WalletError> {
        Ok(p256_jwk(self.holder_key(uscc)?.public_key().as_ref()))
    }
}
