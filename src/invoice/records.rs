//! Invoices on record (tree `Invoices`, by number) and their indexes in tree `Index`: the
//! invoice of each credential (`invoice-of/<credential id>`) and each wallet's invoices,
//! issued or received (`inv/<uscc>/<number>`). The only module that knows these keys.

use super::service::{Direction, Invoice};
use crate::domain::Uscc;
use crate::store::{Batch, Tree};
use crate::wallet::{Wallet, WalletError};

fn list_prefix(uscc: &Uscc) -> String {
    format!("inv/{uscc}/")
}

fn list_key(uscc: &Uscc, number: &str) -> String {
    format!("{}{number}", list_prefix(uscc))
}

fn of_credential_key(credential_id: &str) -> String {
    format!("invoice-of/{credential_id}")
}

/// Adds a new invoice to `batch`, listed in the seller's wallet as issued.
pub fn put_new(batch: &mut Batch, invoice: &Invoice, seller: &Uscc) {
    batch
        .put_new(Tree::Invoices, invoice.number.as_str(), invoice)
        .put(
            Tree::Index,
            &of_credential_key(&invoice.credential_id),
            &invoice.number,
        )
        .put(
            Tree::Index,
            &list_key(seller, invoice.number.as_str()),
            &Direction::Issued,
        );
}

/// Lists the invoice in the buyer's wallet as received.
pub fn put_received(batch: &mut Batch, invoice: &Invoice, buyer: &Uscc) {
    batch.put(
        Tree::Index,
        &list_key(buyer, invoice.number.as_str()),
        &Direction::Received,
    );
}

pub fn get(wallet: &Wallet, number: &str) -> Result<Option<Invoice>, WalletError> {
    Ok(wallet.store().get(Tree::Invoices, number)?)
}

/// The invoice whose credential this is, if any.
pub fn by_credential(wallet: &Wallet, credential_id: &str) -> Result<Option<Invoice>, WalletError> {
    match wallet
        .store()
        .get::<String>(Tree::Index, &of_credential_key(credential_id))?
    {
        Some(n) => get(wallet, &n),
        None => Ok(None),
    }
}

/// Up to `n` entries of `uscc`'s invoice list after the number `before` (newest first, as
/// the store pages them): each invoice number and where it sits in the wallet (`None` for
/// an entry that vanished meanwhile).
pub fn list_page(
    wallet: &Wallet,
    uscc: &Uscc,
    before: Option<&str>,
    n: usize,
) -> Result<Vec<(String, Option<Direction>)>, WalletError> {
    let before = before.map(|b| list_key(uscc, b));
    let keys = wallet
        .store()
        .keys_page(Tree::Index, &list_prefix(uscc), before.as_deref(), n)?;
    let mut out = Vec::with_capacity(keys.len());
    for key in keys {
        let d = wallet.store().get::<Direction>(Tree::Index, &key)?;
        let number = key.rsplit('/').next().unwrap_or_default().to_string();
        out.push((number, d));
    }
    Ok(out)
}
