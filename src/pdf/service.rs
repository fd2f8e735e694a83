//! Sealing a PDF with a wallet's e-seal: the seal's key, certificate chain and filed
//! template gathered, the signature timestamped by the region's TSA (B-T), the validation
//! data put in the DSS (B-LT), the signing recorded as for a JWS seal signature.

use super::PdfError;
use super::update::{self, Dss, Position, Sealing};
use crate::credential::new_id;
use crate::domain::Uscc;
use crate::seal::sign::{SigningRecord, UsableSeal, sha256_hex, usable_seal};
use crate::seal::{filings, records};
use crate::wallet::{Wallet, WalletError};

#[derive(Debug, thiserror::Error)]
pub enum SealPdfError {
    #[error(transparent)]
    Pdf(#[from] PdfError),
    #[error(transparent)]
    Wallet(#[from] WalletError),
}

/// What the node holds besides the wallet for a B-LT signature: the national roots (the one
/// that issued the regional CA goes into the DSS) and the root's CRL (DER), if it has a copy.
#[derive(Debug, Clone, Default)]
pub struct NationalRevinfo {
    pub roots: Vec<Vec<u8>>,
    pub root_crl: Option<Vec<u8>>,
}

/// The DSS of a seal signature: the seal certificate and its CA, the root that issued the
/// CA, the TSA certificate (and its CA); the regional CA's current CRL and the root's.
fn dss(wallet: &Wallet, chain: &[Vec<u8>], national: &NationalRevinfo) -> Result<Dss, WalletError> {
    let mut certs: Vec<Vec<u8>> = Vec::new();
    let mut add = |c: &Vec<u8>| {
        if !certs.contains(c) {
            certs.push(c.clone());
        }
    };
    chain.iter().for_each(&mut add);
    if let Some(ca) = chain.get(1) {
        national
            .roots
            .iter()
            .filter(|root| issued_by(ca, root))
            .for_each(&mut add);
    }
    wallet.keys.tsa.chain.iter().for_each(&mut add);
    let mut crls = Vec::new();
    let ca_kid = chain.get(1).map(|ca| crate::pki::kid_of(ca));
    let crl = crate::seal::eseal::ca_crl(wallet, ca_kid.as_deref())?.ok_or_else(|| {
        WalletError::Certificate("the seal's CA is not one of this region's CAs".into())
    })?;
    crls.push(crl);
    if let Some(root_crl) = &national.root_crl {
        crls.push(root_crl.clone());
    }
    Ok(Dss { certs, crls })
}

/// `cert` names `issuer`'s subject as its issuer (both DER; false if either is unreadable).
fn issued_by(cert: &[u8], issuer: &[u8]) -> bool {
    use der::Decode;
    use x509_cert::Certificate;
    match (Certificate::from_der(cert), Certificate::from_der(issuer)) {
        (Ok(c), Ok(i)) => c.tbs_certificate.issuer == i.tbs_certificate.subject,
        _ => false,
    }
}

/// The PAdES baseline level a sealing reaches (ETSI EN 319 142-1 §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Level {
    /// The signature timestamped by the region's TSA.
    BT,
    /// B-T, then the certificates and CRLs to validate it in the DSS.
    BLt,
    /// B-LT, then a document timestamp over everything (the archive timestamp), so that
    /// the validation data itself is proven to have existed: validatable for decades.
    #[default]
    BLta,
}

impl std::str::FromStr for Level {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "B-T" => Ok(Level::BT),
            "B-LT" => Ok(Level::BLt),
            "B-LTA" => Ok(Level::BLta),
            other => Err(format!("unknown level {other:?}: use B-T, B-LT or B-LTA")),
        }
    }
}

/// Seals `pdf` with e-seal `seal_id` of `uscc` at `level`: the sealed PDF and the signing
/// record.
pub async fn seal_pdf(
    wallet: &Wallet,
    uscc: &Uscc,
    seal_id: &str,
    pdf: &[u8],
    at: Position,
    level: Level,
    national: &NationalRevinfo,
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
    let dss = dss(wallet, &chain, national)?;
    let (tsa, clock) = (&wallet.keys.tsa, &wallet.clock);
    let stamp = move |imprint: [u8; 32]| {
        crate::tsa::timestamp(tsa, imprint, clock).map_err(|e| e.to_string())
    };
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
            stamp: Some(&stamp),
            dss: (level != Level::BT).then_some(&dss),
        },
    )?;
    let sealed = match level {
        Level::BLta => update::timestamp_document(&sealed, &stamp)?,
        _ => sealed,
    };
    let record = SigningRecord {
        id: new_id(),
        seal_id: seal.id.clone(),
        doc_sha256: sha256_hex(pdf),
        signed_at: now,
    };
    records::record_signing(wallet, uscc, &record).await?;
    Ok((sealed, record))
}

/// Extends a signed PDF for the long term (PAdES B-LTA, ETSI EN 319 142-1 §5.5): a DSS update
/// with the certificates its signatures and timestamps carry, the roots that issued their
/// CAs, this region's TSA chain and the current CRLs of this region's CA and of the root;
/// then a document timestamp (an archive timestamp) over all of it. Whatever signed the
/// document before stays as it was; run it again before the last timestamp's certificate
/// expires.
pub fn extend_pdf(
    wallet: &Wallet,
    pdf: &[u8],
    national: &NationalRevinfo,
) -> Result<Vec<u8>, SealPdfError> {
    use super::read::{Document, Limits, ReadError};
    let mut doc = Document::read(pdf, Limits::default()).map_err(|e| match e {
        ReadError::Encrypted => PdfError::Encrypted,
        e => PdfError::Malformed(e.to_string()),
    })?;
    let signatures =
        super::fields::find(&mut doc).map_err(|e| PdfError::Malformed(e.to_string()))?;
    let contents: Vec<Vec<u8>> = signatures
        .iter()
        .filter_map(|s| s.range.as_ref().ok().map(|r| r.contents.clone()))
        .collect();
    let Some(last) = contents.last() else {
        return Err(
            PdfError::Malformed("it has no signature to extend (seal it first)".into()).into(),
        );
    };
    let mut certs: Vec<Vec<u8>> = contents
        .iter()
        .flat_map(|c| super::cms_check::certificates(c))
        .chain(wallet.keys.tsa.chain.iter().cloned())
        .collect();
    let roots: Vec<Vec<u8>> = national
        .roots
        .iter()
        .filter(|root| certs.iter().any(|c| issued_by(c, root)))
        .cloned()
        .collect();
    certs.extend(roots);
    let mut unique: Vec<Vec<u8>> = Vec::new();
    for c in certs {
        if !unique.contains(&c) {
            unique.push(c);
        }
    }
    let certs = unique;
    let mut crls = Vec::new();
    if let Some(crl) = crate::seal::eseal::ca_crl(wallet, None)? {
        crls.push(crl);
    }
    if let Some(root_crl) = &national.root_crl {
        crls.push(root_crl.clone());
    }
    let mut out = pdf.to_vec();
    update::append_dss(&mut out, &Dss { certs, crls }, last)?;
    let (tsa, clock) = (&wallet.keys.tsa, &wallet.clock);
    let stamp = move |imprint: [u8; 32]| {
        crate::tsa::timestamp(tsa, imprint, clock).map_err(|e| e.to_string())
    };
    Ok(update::timestamp_document(&out, &stamp)?)
}
