//! Police filings on record (tree `Filings`, by id) and their indexes in tree `Index`: the
//! filing that owns each seal code (`code/<code>`) and the active filing of each company and
//! seal type (`active/<uscc>/<type>`). The only module that knows these keys.

use super::SealType;
use super::filing::{Filing, FilingStatus};
use crate::domain::Uscc;
use crate::store::{Batch, StoreError, Tree};
use crate::wallet::{Wallet, WalletError};

fn active_key(uscc: &Uscc, t: SealType) -> String {
    format!("active/{uscc}/{}", t.as_str())
}

fn code_key(code: &str) -> String {
    format!("code/{code}")
}

pub fn get(wallet: &Wallet, id: &str) -> Result<Option<Filing>, WalletError> {
    Ok(wallet.store().get(Tree::Filings, id)?)
}

/// The id of the filing that holds seal code `code`, if it is on record.
pub fn code_owner(wallet: &Wallet, code: &str) -> Result<Option<String>, WalletError> {
    Ok(wallet.store().get::<String>(Tree::Index, &code_key(code))?)
}

/// The seal code whose index entry refused a batch (filed meanwhile), if that is why.
pub fn conflicting_code(e: &StoreError) -> Option<&str> {
    match e {
        StoreError::Exists(k) => k.strip_prefix("code/"),
        _ => None,
    }
}

/// Adds `filing` to `batch` with its indexes; the company's active filing of the same type,
/// if any, is marked superseded by it.
pub fn put_new(wallet: &Wallet, batch: &mut Batch, filing: &Filing) -> Result<(), WalletError> {
    let active = active_key(&filing.uscc, filing.seal_type);
    if let Some(old_id) = wallet.store().get::<String>(Tree::Index, &active)?
        && let Some(mut old) = get(wallet, &old_id)?
    {
        old.status = FilingStatus::Superseded;
        old.superseded_by = Some(filing.id.clone());
        batch.put(Tree::Filings, &old_id, &old);
    }
    batch
        .put_new(Tree::Filings, &filing.id, filing)
        .put_new(
            Tree::Index,
            &code_key(&filing.template.seal_code),
            &filing.id,
        )
        .put(Tree::Index, &active, &filing.id);
    Ok(())
}
