//! E-seals on record (tree `Seals`, `<uscc>/<seal id>`), their private keys (secret
//! `seal/<seal id>`) and the signings made with them (tree `Events`,
//! `sign/<uscc>/<time>/<signing id>`). The only module that knows these keys.

use super::eseal::ESeal;
use super::sign::SigningRecord;
use crate::domain::Uscc;
use crate::store::{Batch, Tree};
use crate::wallet::{Wallet, WalletError};

fn seal_key(uscc: &Uscc, id: &str) -> String {
    format!("{uscc}/{id}")
}

fn key_name(seal: &ESeal) -> String {
    format!("seal/{}", seal.id)
}

/// Adds the e-seal to `batch`; `new`: fails the batch if it exists.
pub fn put(batch: &mut Batch, seal: &ESeal, new: bool) {
    let key = seal_key(&seal.uscc, &seal.id);
    if new {
        batch.put_new(Tree::Seals, &key, seal);
    } else {
        batch.put(Tree::Seals, &key, seal);
    }
}

/// `Meta` key whose value changes with every e-seal revocation, written in the revocation's
/// own batch: a cached CRL built under another value is out of date.
const REVOCATION_EPOCH: &str = "crl/revocation-epoch";

/// Adds to `batch` that `seal` was revoked (a new revocation epoch).
pub fn mark_revocation(batch: &mut Batch, seal: &ESeal) {
    let at = seal.revoked_at.map_or(0, |t| t.timestamp_micros());
    batch.put(
        Tree::Meta,
        REVOCATION_EPOCH,
        &format!("{}/{}/{at}", seal.uscc, seal.id),
    );
}

/// The current revocation epoch (`None` before the first revocation).
pub fn revocation_epoch(wallet: &Wallet) -> Result<Option<String>, WalletError> {
    Ok(wallet.store().get(Tree::Meta, REVOCATION_EPOCH)?)
}

pub fn get(wallet: &Wallet, uscc: &Uscc, seal_id: &str) -> Result<Option<ESeal>, WalletError> {
    Ok(wallet.store().get(Tree::Seals, &seal_key(uscc, seal_id))?)
}

/// Every e-seal of the company.
pub fn of_company(wallet: &Wallet, uscc: &Uscc) -> Result<Vec<ESeal>, WalletError> {
    Ok(wallet
        .store()
        .values_with_prefix(Tree::Seals, &format!("{uscc}/"))?)
}

/// Adds the e-seal's private key to `batch`, sealed.
pub fn put_key(
    wallet: &Wallet,
    batch: &mut Batch,
    seal: &ESeal,
    pkcs8: &[u8],
) -> Result<(), WalletError> {
    wallet.put_secret(batch, &key_name(seal), pkcs8)
}

/// The e-seal's private key, opened.
pub fn open_key(wallet: &Wallet, seal: &ESeal) -> Result<Vec<u8>, WalletError> {
    wallet.open_secret(&key_name(seal), &format!("the key of e-seal {}", seal.id))
}

/// Writes a signing and its event (`seal_signed`), durably, in one batch: a seal signature
/// and a sealed PDF are recorded alike.
pub async fn record_signing(
    wallet: &Wallet,
    uscc: &Uscc,
    record: &SigningRecord,
) -> Result<(), WalletError> {
    let mut batch = Batch::default();
    put_signing(&mut batch, uscc, record);
    wallet.log(
        &mut batch,
        record.signed_at,
        uscc.as_str(),
        crate::events::What::SealSigned {
            seal_id: record.seal_id.clone(),
        },
    );
    Ok(wallet.store().apply(batch).await?)
}

/// Adds a signing to `batch`.
fn put_signing(batch: &mut Batch, uscc: &Uscc, record: &SigningRecord) {
    batch.put_new(
        Tree::Events,
        &format!(
            "sign/{uscc}/{}/{}",
            record.signed_at.format("%Y%m%dT%H%M%S%.6fZ"),
            record.id
        ),
        record,
    );
}

/// The signings a company has made, oldest first.
pub fn signings(wallet: &Wallet, uscc: &Uscc) -> Result<Vec<SigningRecord>, WalletError> {
    Ok(wallet
        .store()
        .values_with_prefix(Tree::Events, &format!("sign/{uscc}/"))?)
}

/// Every e-seal on record, of every company (for the CRL).
pub fn all(wallet: &Wallet) -> Result<Vec<ESeal>, WalletError> {
    Ok(wallet.store().values_with_prefix(Tree::Seals, "")?)
}
