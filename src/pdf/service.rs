//! Sealing a PDF with a wallet's e-seal: the seal's key, certificate chain and filed
//! template gathered, the signing recorded as for a JWS seal signature.

use super::PdfError;
use super::update::{self, Position, Sealing};
use crate::credential::new_id;
use crate::domain::Uscc;
use crate::seal::eseal::{self, SealStatus};
use crate::seal::sign::{SigningRecord, sha256_hex};
use crate::seal::{filings, records};
use crate::store::Batch;
use crate::wallet::{CredentialStatus, Wallet, WalletError};

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
    let company = wallet.active_company(uscc, "uscc")?;
    let seal = eseal::get(wallet, uscc, seal_id)?;
    if seal.status != SealStatus::Active {
        return Err(WalletError::invalid(
            "seal_id",
            format!("e-seal {seal_id} was revoked and can no longer seal"),
        )
        .into());
    }
    wallet
        .credential(&seal.credential_id)?
        .filter(|c| c.status == CredentialStatus::Valid)
        .ok_or_else(|| {
            WalletError::invalid(
                "seal_id",
                format!("the credential of e-seal {seal_id} is not valid"),
            )
        })?;
    let filing = filings::get(wallet, &seal.filing_id)?
        .ok_or_else(|| WalletError::NotFound(format!("no seal filing {:?}", seal.filing_id)))?;
    let pkcs8 = records::open_key(wallet, &seal)?;
    let cert = pem::parse(&seal.certificate_pem)
        .map_err(|e| WalletError::Certificate(e.to_string()))?
        .into_contents();
    let ca = pem::parse(&wallet.keys.ca.ca_pem)
        .map_err(|e| WalletError::Certificate(e.to_string()))?
        .into_contents();
    let chain = vec![cert, ca];
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
