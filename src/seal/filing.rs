//! Police filings (印章备案): the rules a police clerk enforces, and the signed record.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::SealType;
use super::filings;
use super::template::SealTemplate;
use crate::credential::{jws, new_id};
use crate::domain::{RegionCode, Uscc};
use crate::store::{Batch, StoreError};
use crate::wallet::{StoredCompany, Wallet, WalletError};

pub const FILING_TYP: &str = "zt-seal-filing+jwt";

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FilingRequest {
    pub uscc: String,
    pub seal_type: String,
    pub template: SealTemplate,
    #[serde(default)]
    pub engraver: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FilingStatus {
    Active,
    Superseded,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Filing {
    pub id: String,
    pub uscc: Uscc,
    pub seal_type: SealType,
    pub template: SealTemplate,
    pub template_sha256: String,
    pub image_sha256: String,
    pub filed_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engraver: Option<String>,
    pub region: RegionCode,
    pub status: FilingStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub superseded_by: Option<String>,
    /// Compact JWS by the region's police seal registry over the filing's facts.
    pub signature: String,
}

/// A refusal: the request field at fault and the reason a police clerk would give.
#[derive(Debug, thiserror::Error)]
pub enum FilingError {
    #[error("{field}: {reason}")]
    Rule { field: String, reason: String },
    #[error(transparent)]
    Wallet(#[from] WalletError),
}

impl From<crate::fault::FaultError> for FilingError {
    fn from(e: crate::fault::FaultError) -> Self {
        FilingError::Wallet(e.into())
    }
}

impl From<StoreError> for FilingError {
    fn from(e: StoreError) -> Self {
        FilingError::Wallet(e.into())
    }
}

fn rule(field: &str, reason: impl Into<String>) -> FilingError {
    FilingError::Rule {
        field: field.into(),
        reason: reason.into(),
    }
}

/// The rules of 印章备案 for one company and seal type.
pub fn check_rules(
    company: &StoredCompany,
    seal_type: SealType,
    t: &SealTemplate,
) -> Result<(), FilingError> {
    use super::template::SealShape;
    t.check()
        .map_err(|e| rule(&format!("template.{}", e.field), e.reason))?;
    let record = &company.record;
    let (expected_arc, whose) = match seal_type {
        SealType::LegalRepresentative => (
            &record.legal_representative.name,
            "the legal representative's name",
        ),
        _ => (&record.name, "the company's registered name"),
    };
    if t.arc_text.trim() != expected_arc {
        return Err(rule(
            "template.arc_text",
            format!(
                "the arc text of a {} must be {whose} “{expected_arc}”, not “{}”",
                seal_type.name_zh(),
                t.arc_text
            ),
        ));
    }
    match seal_type {
        SealType::Invoice => {
            if t.shape != SealShape::Oval || t.width_mm != 40.0 || t.height_mm != 30.0 {
                return Err(rule(
                    "template.shape",
                    "发票专用章 is an oval of 40 × 30 mm",
                ));
            }
            if t.center_text.as_deref().map(str::trim) != Some(record.uscc.as_str()) {
                return Err(rule(
                    "template.center_text",
                    format!(
                        "发票专用章 carries the taxpayer ID {} across its centre",
                        record.uscc
                    ),
                ));
            }
        }
        SealType::LegalRepresentative => {}
        _ => {
            if t.shape != SealShape::Round {
                return Err(rule(
                    "template.shape",
                    format!("{} is round", seal_type.name_zh()),
                ));
            }
            if !t.star {
                return Err(rule(
                    "template.star",
                    format!("{} carries a five-pointed star", seal_type.name_zh()),
                ));
            }
            let (lo, hi) = if seal_type == SealType::Official {
                (40.0, 42.0)
            } else {
                (38.0, 40.0)
            };
            if !(lo..=hi).contains(&t.width_mm) {
                return Err(rule(
                    "template.width_mm",
                    format!(
                        "the diameter of {} is {lo}-{hi} mm, not {}",
                        seal_type.name_zh(),
                        t.width_mm
                    ),
                ));
            }
        }
    }
    if matches!(
        seal_type,
        SealType::Finance | SealType::Contract | SealType::Invoice
    ) && t.bottom_text.as_deref().map(str::trim) != Some(seal_type.name_zh())
    {
        return Err(rule(
            "template.bottom_text",
            format!(
                "the text below the centre must name the seal: “{}”",
                seal_type.name_zh()
            ),
        ));
    }
    Ok(())
}

/// Files a seal template with the police seal registry, superseding the company's active
/// filing of the same type. Returns the new filing.
pub async fn file(wallet: &Wallet, req: FilingRequest) -> Result<Filing, FilingError> {
    let uscc = Uscc::parse(&req.uscc).map_err(|e| rule("uscc", e.reason))?;
    let seal_type = parse_seal_type(&req.seal_type)?;
    check_engraver(req.engraver.as_deref())?;
    let _guard = wallet.lock().await;
    let company = wallet.active_company(&uscc, "uscc")?;
    let code = req.template.seal_code.clone();
    let mut batch = Batch::default();
    let filing = prepare(
        wallet,
        &company,
        seal_type,
        req.template,
        req.engraver,
        wallet.clock.now(),
        &mut batch,
    )?;
    wallet
        .store()
        .apply(batch)
        .await
        .map_err(|e| code_conflict(e, &code, "template.seal_code"))?;
    Ok(filing)
}

/// A seal type by its name, or a refusal naming `seal_type`.
pub fn parse_seal_type(s: &str) -> Result<SealType, FilingError> {
    SealType::parse(s).ok_or_else(|| {
        rule(
            "seal_type",
            format!(
                "{s:?} is not one of official, finance, invoice, contract, legal_representative"
            ),
        )
    })
}

pub fn check_engraver(engraver: Option<&str>) -> Result<(), FilingError> {
    if let Some(e) = engraver
        && (e.trim().is_empty() || e.chars().count() > 100)
    {
        return Err(rule("engraver", "1 to 100 characters"));
    }
    Ok(())
}

/// A batch refused because its seal code was filed meanwhile: the rule, under `field`.
pub fn code_conflict(e: StoreError, code: &str, field: &str) -> FilingError {
    match e {
        e if filings::conflicting_code(&e) == Some(code) => {
            rule(field, format!("seal code {code} is already on record"))
        }
        other => WalletError::from(other).into(),
    }
}

/// The filing, checked by the clerk's rules against `company` (its registration record, which
/// in a start-up bundle is the one being registered), signed by the police seal registry and
/// added to `batch` with its indexes, superseding the active filing of the same type. Not
/// written: the caller applies the batch (alone, or with the rest of a bundle).
pub fn prepare(
    wallet: &Wallet,
    company: &StoredCompany,
    seal_type: SealType,
    template: SealTemplate,
    engraver: Option<String>,
    now: DateTime<Utc>,
    batch: &mut Batch,
) -> Result<Filing, FilingError> {
    let uscc = &company.record.uscc;
    check_rules(company, seal_type, &template)?;
    let code = template.seal_code.clone();
    if let Some(owner) = filings::code_owner(wallet, &code)? {
        return Err(rule(
            "template.seal_code",
            format!(
                "seal code {code} is already on record (filing {owner}); every physical seal has its own code"
            ),
        ));
    }
    wallet.faults().check("filing.sign")?;
    let id = new_id();
    let template_sha256 = template.template_sha256();
    let image_sha256 = template.image_sha256();
    let facts = json!({
        "id": id,
        "uscc": uscc,
        "seal_type": seal_type,
        "seal_code": code,
        "template_sha256": template_sha256,
        "image_sha256": image_sha256,
        "filed_at": now.timestamp(),
        "engraver": engraver,
        "region": wallet.keys.region,
    });
    let signature = sign_facts(&facts, &wallet.keys.police);
    let filing = Filing {
        id: id.clone(),
        uscc: uscc.clone(),
        seal_type,
        template,
        template_sha256,
        image_sha256,
        filed_at: now,
        engraver,
        region: wallet.keys.region,
        status: FilingStatus::Active,
        superseded_by: None,
        signature,
    };
    filings::put_new(wallet, batch, &filing)?;
    wallet.log(
        batch,
        now,
        uscc.as_str(),
        crate::events::What::SealFiled {
            seal_type: seal_type.as_str().into(),
            filing_id: id,
        },
    );
    Ok(filing)
}

fn sign_facts(facts: &Value, signer: &crate::pki::Signer) -> String {
    let header = crate::credential::jws::x5c_header(FILING_TYP, signer);
    jws::sign(
        header,
        // A JSON value's text form cannot fail (unlike serialising an arbitrary type).
        facts.to_string().as_bytes(),
        signer,
    )
}

pub use super::filings::get;
