//! E-seals (电子印章): a key pair, a seal certificate from the regional CA and an e-seal
//! credential, issued only from the company's active police filing (同章同模).

use chrono::{DateTime, Duration, Utc};
use rcgen::{DnType, KeyPair, PKCS_ECDSA_P256_SHA256};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::SealType;
use super::filing::{self, Filing, FilingStatus};
use super::records;
use super::template::SealTemplate;
use crate::credential::eseal::{CertificateClaims, ESealClaims, FilingClaims, SealClaims};
use crate::credential::{new_id, p256_jwk};
use crate::domain::Uscc;
use crate::pki::{Role, kid_of};
use crate::status::StatusRef;
use crate::store::Batch;
use crate::wallet::{Issue, Revocations, StoredCompany, StoredCredential, Wallet, WalletError};

/// Seal certificates and e-seal credentials live this long.
const SEAL_DAYS: i64 = 3 * 365;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SealStatus {
    Active,
    Revoked,
}

/// An e-seal in a wallet. Its private key is in the secrets tree, encrypted.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ESeal {
    pub id: String,
    pub uscc: Uscc,
    pub seal_type: SealType,
    pub seal_code: String,
    pub filing_id: String,
    pub credential_id: String,
    pub image_sha256: String,
    pub certificate_pem: String,
    pub status: SealStatus,
    pub issued_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueRequest {
    pub filing_id: String,
    /// The template the seal maker submits; it must be the filed one.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub template: Option<Value>,
}

/// Issues an e-seal from a filing. Earlier e-seals of the same type are revoked in the
/// same batch: a new filing replaced their physical seal.
pub async fn issue(
    wallet: &Wallet,
    uscc: &Uscc,
    req: IssueRequest,
) -> Result<(ESeal, StoredCredential), WalletError> {
    let _guard = wallet.lock().await;
    let company = wallet.active_company(uscc, "uscc")?;
    let filing = filing::get(wallet, &req.filing_id)?.ok_or_else(|| {
        WalletError::invalid(
            "filing_id",
            format!(
                "no police filing {:?} is on record: file the seal with the police first",
                req.filing_id
            ),
        )
    })?;
    if &filing.uscc != uscc {
        return Err(WalletError::invalid(
            "filing_id",
            format!(
                "filing {} belongs to company {}, not {uscc}",
                filing.id, filing.uscc
            ),
        ));
    }
    if filing.status != FilingStatus::Active {
        return Err(WalletError::invalid(
            "filing_id",
            format!(
                "filing {} was superseded by filing {}; issue from the current filing",
                filing.id,
                filing.superseded_by.as_deref().unwrap_or("?")
            ),
        ));
    }
    if let Some(submitted) = &req.template {
        check_same_template(&filing, submitted)?;
    }
    let status = wallet.status_claim().await?;
    let mut batch = Batch::default();
    let now = wallet.clock.now();
    let issued = prepare(wallet, &company, &filing, now, status, &mut batch)?;
    wallet.log_issued(&mut batch, &issued.1, "seals", now);
    wallet.store().apply(batch).await?;
    Ok(issued)
}

/// The e-seal for an active filing: a key pair, a seal certificate from the regional CA and the
/// signed e-seal credential, added to `batch` with the revocation of earlier e-seals of the same
/// type. Not written: the caller applies the batch (alone, or with the rest of a bundle).
pub fn prepare(
    wallet: &Wallet,
    company: &StoredCompany,
    filing: &Filing,
    now: DateTime<Utc>,
    status: (StatusRef, Value),
    batch: &mut Batch,
) -> Result<(ESeal, StoredCredential), WalletError> {
    let uscc = &company.record.uscc;
    wallet.faults().check("eseal.key")?;
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)
        .map_err(|e| WalletError::KeyGeneration(e.to_string()))?;
    let subject = vec![
        (DnType::OrganizationName, company.record.name.clone()),
        (
            DnType::CommonName,
            format!(
                "{} {} {}",
                company.record.name,
                filing.seal_type.name_zh(),
                filing.template.seal_code
            ),
        ),
        (DnType::CustomDnType(vec![2, 5, 4, 5]), uscc.to_string()),
        // organizationIdentifier, ETSI EN 319 412-1 §5.1.4: "NTR" (national trade
        // register), the country, "-", the register's number: the USCC.
        (
            DnType::CustomDnType(vec![2, 5, 4, 97]),
            format!("NTRCN-{uscc}"),
        ),
        (
            DnType::CustomDnType(vec![2, 5, 4, 12]),
            filing.seal_type.as_str().to_string(),
        ),
    ];
    wallet.faults().check("eseal.certificate")?;
    let cert_pem = wallet
        .keys
        .ca
        .issue(Role::SealSigner, &subject, &key, SEAL_DAYS)
        .map_err(|e| WalletError::Certificate(e.to_string()))?;
    let cert_der = pem::parse(&cert_pem)
        .map(|p| p.into_contents())
        .map_err(|e| WalletError::Certificate(e.to_string()))?;
    let expires_at = now + Duration::days(SEAL_DAYS);
    let id = new_id();
    let credential_id = new_id();
    let typed = ESealClaims {
        seal: SealClaims {
            id: id.clone(),
            seal_type: filing.seal_type.as_str().to_string(),
            type_name: filing.seal_type.name_zh().to_string(),
            code: filing.template.seal_code.clone(),
            template: serde_json::to_value(&filing.template)
                .map_err(|e| WalletError::Serialisation(e.to_string()))?,
            template_sha256: filing.template_sha256.clone(),
            image_sha256: filing.image_sha256.clone(),
        },
        police_filing: FilingClaims {
            id: filing.id.clone(),
            filed_at: filing.filed_at.timestamp(),
            signature: filing.signature.clone(),
        },
        seal_certificate: CertificateClaims {
            kid: kid_of(&cert_der),
            sha256: hex::encode(ring::digest::digest(&ring::digest::SHA256, &cert_der)),
        },
    };
    let credential = wallet.issue(
        Issue {
            id: credential_id.clone(),
            subject: uscc,
            name: &company.record.name,
            issued_at: now,
            expires_at,
            status,
            holder_jwk: Some(p256_jwk(key.public_key_raw())),
        },
        &typed,
    )?;
    let seal = ESeal {
        id: id.clone(),
        uscc: uscc.clone(),
        seal_type: filing.seal_type,
        seal_code: filing.template.seal_code.clone(),
        filing_id: filing.id.clone(),
        credential_id: credential_id.clone(),
        image_sha256: filing.image_sha256.clone(),
        certificate_pem: cert_pem,
        status: SealStatus::Active,
        issued_at: now,
        revoked_at: None,
    };
    let mut revs = Revocations::new(wallet, now);
    for old in seals(wallet, uscc)?
        .into_iter()
        .filter(|s| s.seal_type == seal.seal_type && s.status == SealStatus::Active)
    {
        revoke_into(wallet, batch, &mut revs, old, now)?;
    }
    revs.finish(batch);
    wallet.put_credential(batch, &credential, true)?;
    records::put(batch, &seal, true);
    wallet.put_in_wallet(batch, uscc, &credential_id);
    records::put_key(wallet, batch, &seal, key.serialized_der())?;
    Ok((seal, credential))
}

/// The 同章同模 check: the seal maker's template must be the filed one, to the byte.
fn check_same_template(filing: &Filing, submitted: &Value) -> Result<(), WalletError> {
    let template: SealTemplate = serde_json::from_value(submitted.clone())
        .map_err(|e| WalletError::invalid("template", format!("not a seal template: {e}")))?;
    let (t, i) = (template.template_sha256(), template.image_sha256());
    if t != filing.template_sha256 || i != filing.image_sha256 {
        return Err(WalletError::invalid(
            "template",
            format!(
                "同章同模 check failed: the submitted template (sha256 {t}, image {i}) differs from police filing {} (sha256 {}, image {}); an e-seal must be the very seal on record",
                filing.id, filing.template_sha256, filing.image_sha256
            ),
        ));
    }
    Ok(())
}

/// Adds the revocation of `seal` and its credential to `batch`.
pub fn revoke_into(
    wallet: &Wallet,
    batch: &mut Batch,
    revs: &mut Revocations,
    mut seal: ESeal,
    at: DateTime<Utc>,
) -> Result<(), WalletError> {
    seal.status = SealStatus::Revoked;
    seal.revoked_at = Some(at);
    if let Some(c) = wallet.credential(&seal.credential_id)? {
        revs.revoke(batch, c)?;
    }
    records::put(batch, &seal, false);
    records::mark_revocation(batch, &seal);
    Ok(())
}

/// Adds the revocation of every active e-seal of `uscc` to `batch` (the company is being
/// deregistered). Returns the credential ids of all its e-seals, revoked now or before.
pub fn revoke_all_into(
    wallet: &Wallet,
    batch: &mut Batch,
    revs: &mut Revocations,
    uscc: &Uscc,
) -> Result<Vec<String>, WalletError> {
    let seals = seals(wallet, uscc)?;
    let ids = seals.iter().map(|s| s.credential_id.clone()).collect();
    for seal in seals.into_iter().filter(|s| s.status == SealStatus::Active) {
        revoke_into(wallet, batch, revs, seal, revs.at())?;
    }
    Ok(ids)
}

/// Revokes one e-seal (a lost or compromised seal). Signatures made before now stay valid.
pub async fn revoke(wallet: &Wallet, uscc: &Uscc, seal_id: &str) -> Result<ESeal, WalletError> {
    let _guard = wallet.lock().await;
    let seal = get(wallet, uscc, seal_id)?;
    if seal.status == SealStatus::Revoked {
        return Ok(seal);
    }
    let mut batch = Batch::default();
    let now = wallet.clock.now();
    let mut revs = Revocations::new(wallet, now);
    revoke_into(wallet, &mut batch, &mut revs, seal, now)?;
    revs.finish(&mut batch);
    wallet.store().apply(batch).await?;
    get(wallet, uscc, seal_id)
}

pub fn get(wallet: &Wallet, uscc: &Uscc, seal_id: &str) -> Result<ESeal, WalletError> {
    records::get(wallet, uscc, seal_id)?.ok_or_else(|| {
        WalletError::NotFound(format!("no e-seal {seal_id:?} in the wallet of {uscc}"))
    })
}

pub fn seals(wallet: &Wallet, uscc: &Uscc) -> Result<Vec<ESeal>, WalletError> {
    records::of_company(wallet, uscc)
}

/// The e-seal whose credential this is, if any (for status and presentations).
pub fn by_credential(
    wallet: &Wallet,
    uscc: &Uscc,
    credential_id: &str,
) -> Result<Option<ESeal>, WalletError> {
    Ok(seals(wallet, uscc)?
        .into_iter()
        .find(|s| s.credential_id == credential_id))
}

/// A regional CRL's nextUpdate: a day, as is usual for CAs that publish daily. A revocation
/// shows at once in the next fetch (the CRL is built on request); a validator that caches
/// until nextUpdate may see it up to a day late (the status list is the fast path).
pub const CRL_VALID_S: i64 = 24 * 3600;

/// The signed CRL (DER) of this region's CA `ca_kid` (the current one when `None`), built
/// from the e-seals on record now: what `GET /v1/crl/{region}/{ca_kid}` serves and what a
/// sealed PDF's DSS embeds. `None`: the region has no CA with that kid.
pub fn ca_crl(wallet: &Wallet, ca_kid: Option<&str>) -> Result<Option<Vec<u8>>, WalletError> {
    let revoked = revoked_certificates(wallet)?;
    let list: Vec<crate::pki::crl::Revoked<'_>> = revoked
        .iter()
        .map(|(der, at)| crate::pki::crl::Revoked {
            der,
            at: to_offset_time(*at),
        })
        .collect();
    let now = to_offset_time(wallet.clock.now());
    match wallet
        .keys
        .ca
        .crl(ca_kid, &list, now, time::Duration::seconds(CRL_VALID_S))
    {
        None => Ok(None),
        Some(Ok(der)) => Ok(Some(der)),
        Some(Err(e)) => Err(WalletError::Certificate(format!(
            "the CRL could not be signed: {e}"
        ))),
    }
}

fn to_offset_time(t: DateTime<Utc>) -> time::OffsetDateTime {
    // Whole seconds are all a CRL holds; a time outside time's range cannot come from a clock.
    time::OffsetDateTime::from_unix_timestamp(t.timestamp())
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

/// A revoked e-seal's certificate (DER) and when it was revoked.
pub type RevokedCertificate = (Vec<u8>, DateTime<Utc>);

/// The certificate (DER) of every revoked e-seal, with when it was revoked: what the
/// regional CA's CRL lists. Read from the store on each call, so the CRL cannot lag a
/// revocation (one made by deregistration included).
pub fn revoked_certificates(wallet: &Wallet) -> Result<Vec<RevokedCertificate>, WalletError> {
    let mut out = Vec::new();
    for seal in records::all(wallet)? {
        if seal.status != SealStatus::Revoked {
            continue;
        }
        let der = pem::parse(&seal.certificate_pem)
            .map(|p| p.into_contents())
            .map_err(|e| WalletError::Certificate(format!("e-seal {}: {e}", seal.id)))?;
        // A revoked record without a time counts as revoked since issue: the safe side.
        out.push((der, seal.revoked_at.unwrap_or(seal.issued_at)));
    }
    Ok(out)
}
