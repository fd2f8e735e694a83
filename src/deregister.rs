//! Deregistration (注销) of a company: its e-seals (owned by [`crate::seal`]) and the
//! credentials in its wallet are revoked and the company marked deregistered, in one batch.
//! The wallet token stays valid for reading the wallet (and may be rotated); presenting and
//! sealing are refused because the company is no longer active.

use crate::domain::Uscc;
use crate::seal::eseal;
use crate::store::Batch;
use crate::wallet::{Revocations, Wallet, WalletError};

/// Deregisters a company; returns the ids of the credentials revoked.
pub async fn deregister(wallet: &Wallet, uscc: &Uscc) -> Result<Vec<String>, WalletError> {
    let _guard = wallet.lock().await;
    let company = wallet.deregistrable(uscc)?;
    let mut batch = Batch::default();
    let mut revs = Revocations::new(wallet, wallet.clock.now());
    let seal_credentials = eseal::revoke_all_into(wallet, &mut batch, &mut revs, uscc)?;
    wallet.deregister_into(&mut batch, &mut revs, company, &seal_credentials)?;
    let revoked = revs.finish(&mut batch);
    wallet.store().apply(batch).await?;
    Ok(revoked)
}
