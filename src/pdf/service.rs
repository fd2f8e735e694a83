//! Sealing a PDF with a wallet's e-seal: the seal's key, certificate chain and filed
//! template gathered, the signing recorded as for a JWS seal signature.

use super::PdfError;
use super::update::{self, Position, Sealing};
use crate::credential::new_id;
use crate::domain::Uscc;
use crate::seal::sign::{SigningRecord, UsableSeal, sha256_hex, usable_seal};
use crate::seal::{filings, records};
use crate::store::Batch;
use crate::wallet::{Wallet, WalletError};

#[derive(Debug, thiserror::Error)]
pub enum SealPdfError {
    #[error(transparent)]
    Pdf(#[from] PdfError),
    #[error(transparent)]
    Wallet(#[from] WalletError),
}

/// Seals `pdf` with e-seal `seal_id` of `uscc`: the sealed PDF and the signing record.
pub async fn seal_pdf(
    wallet: &Wallet,
    uscc: &Uscc,
    seal_id: &str,
    pdf: &[u8],
    at: Position,
) -> Result<(Vec<u8>, SigningRecord), SealPdfError> {
    let UsableSeal {
        company,
        seal,
        pkcs8,
        chain,
        ..
    } = usable_seal(wallet, uscc, seal_id)?;
    let filing = filings::get(wallet, &seal.filing_id)?
        .ok_or_else(|| WalletError::NotFound(format!("no seal filing {:?}", seal.filing_id)))?;
    let now = wallet.clock.now();
    let name = format!("{} ({})", company.record.name, uscc);
    let sealed = update::seal(
        pdf,
        at,
        &Sealing {
            template: &filing.template,
            image_sha256: &seal.image_sha256,
            seal_id: &seal.id,
            signer_name: &name,
            time: now,
            chain: &chain,
            pkcs8: &pkcs8,
        },
    )?;
    let record = SigningRecord {
        id: new_id(),
        seal_id: seal.id.clone(),
        doc_sha256: sha256_hex(pdf),
        signed_at: now,
    };
    let mut batch = Batch::default();
    records::put_signing(&mut batch, uscc, &record);
    wallet
        .store()
        .apply(batch)
        .await
        .map_err(WalletError::from)?;
    Ok((sealed, record))
}
