//! The API's response bodies: typed, closed (`additionalProperties: false` through
//! `deny_unknown_fields`), mapped from the service types so the edge does not depend on how
//! the layers below store things.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::access::{AccessRole, TokenRecord};
use crate::credential::CredentialType;
use crate::domain::{RegionCode, Uscc};
use crate::invoice::service::{Direction, Invoice, Party};
use crate::seal::SealType;
use crate::seal::eseal::{ESeal, SealStatus};
use crate::seal::filing::{Filing, FilingStatus};
use crate::seal::sign::SigningRecord;
use crate::seal::template::SealTemplate;
use crate::wallet::{CompanyStatus, CredentialStatus, StoredCredential};

/// A credential named by id and type.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CredentialRef {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: CredentialType,
}

impl From<&StoredCredential> for CredentialRef {
    fn from(c: &StoredCredential) -> Self {
        CredentialRef {
            id: c.id.clone(),
            kind: c.kind,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompanyRegistered {
    #[schema(value_type = String)]
    pub uscc: Uscc,
    /// The company's wallet token, shown once.
    pub wallet_token: String,
    pub credentials: Vec<CredentialRef>,
    /// E.g. an organisation code whose check digit does not match.
    pub warnings: Vec<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompanyChanged {
    #[schema(value_type = String)]
    pub uscc: Uscc,
    pub version: u32,
    pub credentials: Vec<CredentialRef>,
    /// Ids of the credentials revoked by the change.
    pub revoked: Vec<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompanyDeregistered {
    #[schema(value_type = String)]
    pub uscc: Uscc,
    pub company_status: CompanyStatus,
    pub revoked: Vec<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WalletCredential {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: CredentialType,
    pub status: CredentialStatus,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub sd_jwt: String,
}

impl From<&StoredCredential> for WalletCredential {
    fn from(c: &StoredCredential) -> Self {
        WalletCredential {
            id: c.id.clone(),
            kind: c.kind,
            status: c.status,
            issued_at: c.issued_at,
            expires_at: c.expires_at,
            sd_jwt: c.sd_jwt.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WalletView {
    #[schema(value_type = String)]
    pub uscc: Uscc,
    pub name: String,
    pub company_status: CompanyStatus,
    pub credentials: Vec<WalletCredential>,
}

#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Presentation {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    /// The QR code's version (size), with or without images.
    pub qr_version: i16,
    /// The QR code as a compact SVG (one path), unless `images` left it out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qr_svg: Option<String>,
    /// The QR code as a PNG (6 px a module), unless `images` left it out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qr_png_base64: Option<String>,
}

/// The answer to a partner's challenge: an SD-JWT with the chosen disclosures and a
/// key-binding JWT (`<jwt>~<disclosures>~<kb-jwt>`), verifiable with `POST /v1/verify`
/// given the same `nonce` and `aud`.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SdJwtPresentation {
    pub sd_jwt: String,
    /// The paths of the claims it discloses.
    pub disclosed: Vec<String>,
}

/// `POST /v1/wallets/{uscc}/presentations`: a QR presentation, or (`"format": "sd-jwt"`)
/// an SD-JWT presentation.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum PresentationMade {
    Qr(Presentation),
    SdJwt(SdJwtPresentation),
}

/// What an admin is shown of a token: never the token or its hash.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenInfo {
    pub id: String,
    pub role: AccessRole,
    pub label: Option<String>,
    #[schema(value_type = Option<String>)]
    pub uscc: Option<Uscc>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked: bool,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<&TokenRecord> for TokenInfo {
    fn from(r: &TokenRecord) -> Self {
        TokenInfo {
            id: r.id.clone(),
            role: r.role,
            label: r.label.clone(),
            uscc: r.uscc.clone(),
            created_at: r.created_at,
            expires_at: r.expires_at,
            revoked: r.revoked_at.is_some(),
            revoked_at: r.revoked_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenList {
    pub tokens: Vec<TokenInfo>,
}

/// A new role token: the token itself is shown here only.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenCreated {
    pub token: String,
    pub id: String,
    pub role: AccessRole,
    pub label: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WalletTokenRotated {
    #[schema(value_type = String)]
    pub uscc: Uscc,
    pub wallet_token: String,
    pub id: String,
    pub created_at: DateTime<Utc>,
    /// The id of the wallet token it replaced.
    pub revoked: Option<String>,
}

/// A police filing of a seal template.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FilingView {
    pub id: String,
    #[schema(value_type = String)]
    pub uscc: Uscc,
    pub seal_type: SealType,
    pub template: SealTemplate,
    /// SHA-256 of the template's canonical JSON.
    pub template_sha256: String,
    /// SHA-256 of the canonical SVG (`GET /v1/seal-filings/{id}/image.svg`).
    pub image_sha256: String,
    pub filed_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub engraver: Option<String>,
    #[schema(value_type = String, pattern = "^[0-9]{6}$")]
    pub region: RegionCode,
    pub status: FilingStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub superseded_by: Option<String>,
    /// `zt-seal-filing+jwt` by the region's police seal registry over the filing's facts.
    pub signature: String,
}

impl From<Filing> for FilingView {
    fn from(f: Filing) -> Self {
        FilingView {
            id: f.id,
            uscc: f.uscc,
            seal_type: f.seal_type,
            template: f.template,
            template_sha256: f.template_sha256,
            image_sha256: f.image_sha256,
            filed_at: f.filed_at,
            engraver: f.engraver,
            region: f.region,
            status: f.status,
            superseded_by: f.superseded_by,
            signature: f.signature,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ESealIssued {
    pub id: String,
    pub credential_id: String,
    pub certificate_pem: String,
    pub seal_type: SealType,
    pub seal_code: String,
    pub filing_id: String,
    pub image_sha256: String,
    pub sd_jwt: String,
}

#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ESealView {
    pub id: String,
    #[schema(value_type = String)]
    pub uscc: Uscc,
    pub seal_type: SealType,
    pub seal_code: String,
    pub filing_id: String,
    pub credential_id: String,
    pub image_sha256: String,
    pub certificate_pem: String,
    pub status: SealStatus,
    pub issued_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<ESeal> for ESealView {
    fn from(e: ESeal) -> Self {
        ESealView {
            id: e.id,
            uscc: e.uscc,
            seal_type: e.seal_type,
            seal_code: e.seal_code,
            filing_id: e.filing_id,
            credential_id: e.credential_id,
            image_sha256: e.image_sha256,
            certificate_pem: e.certificate_pem,
            status: e.status,
            issued_at: e.issued_at,
            revoked_at: e.revoked_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SigningView {
    pub id: String,
    pub seal_id: String,
    pub doc_sha256: String,
    pub signed_at: DateTime<Utc>,
}

impl From<SigningRecord> for SigningView {
    fn from(r: SigningRecord) -> Self {
        SigningView {
            id: r.id,
            seal_id: r.seal_id,
            doc_sha256: r.doc_sha256,
            signed_at: r.signed_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WalletSeals {
    #[schema(value_type = String)]
    pub uscc: Uscc,
    pub seals: Vec<ESealView>,
    pub signings: Vec<SigningView>,
}

#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SealSignature {
    /// Compact JWS over the document's SHA-256 (its signing time is the signer's claim).
    pub signature: String,
    /// The same signature with the region's RFC 3161 timestamp on it, as a JWS JSON
    /// serialisation (JAdES `etsiU`/`sigTst` in the unprotected header): keep this one, its
    /// signing time is attested by the region. `POST /v1/signatures/validate` takes either.
    pub timestamped_signature: String,
    pub signing_id: String,
    pub seal_id: String,
    pub document_sha256: String,
    /// The document's size in bytes; null when only its hash was sent.
    pub document_size: Option<usize>,
    pub signed_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoicingRightsGranted {
    #[schema(value_type = String)]
    pub uscc: Uscc,
    pub credential_id: String,
    #[serde(rename = "type")]
    pub kind: CredentialType,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub sd_jwt: String,
}

#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoiceParty {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub uscc: Option<Uscc>,
    pub name: String,
}

impl From<&Party> for InvoiceParty {
    fn from(p: &Party) -> Self {
        InvoiceParty {
            uscc: p.uscc.clone(),
            name: p.name.clone(),
        }
    }
}

/// A line as computed by the server.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoiceItem {
    pub name: String,
    pub spec: Option<String>,
    pub unit: Option<String>,
    /// Canonical, without trailing zeros: `1.5`.
    pub quantity: String,
    /// Yuan with 2 decimals: `12.50`.
    pub unit_price: String,
    pub unit_price_fen: i64,
    pub tax_rate: String,
    pub amount_fen: i64,
    pub tax_fen: i64,
}

/// An invoice response: the invoice's fields, then `$extra` ones.
macro_rules! invoice_view {
    ($(#[$doc:meta])* $name:ident { $($(#[$fdoc:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Serialize, ToSchema)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            #[schema(value_type = String, pattern = "^[0-9]{20}$")]
            pub number: crate::invoice::calc::InvoiceNumber,
            pub credential_id: String,
            pub issued_at: DateTime<Utc>,
            /// The date printed on the invoice (Beijing time).
            pub issued_on: NaiveDate,
            pub seller: InvoiceParty,
            pub buyer: InvoiceParty,
            pub items: Vec<InvoiceItem>,
            pub total_amount_fen: i64,
            pub total_tax_fen: i64,
            /// 价税合计.
            pub total_with_tax_fen: i64,
            /// 价税合计 in capital Chinese numerals.
            pub total_in_words: String,
            pub remarks: Option<String>,
            pub tax_authority: String,
            $($(#[$fdoc])* pub $field: $ty,)*
        }

        impl $name {
            pub fn new(inv: &Invoice, $($field: $ty),*) -> Self {
                $name {
                    number: inv.number.clone(),
                    credential_id: inv.credential_id.clone(),
                    issued_at: inv.issued_at,
                    issued_on: inv.issued_on,
                    seller: (&inv.seller).into(),
                    buyer: (&inv.buyer).into(),
                    items: inv.items.iter().map(|i| InvoiceItem {
                        name: i.name.clone(),
                        spec: i.spec.clone(),
                        unit: i.unit.clone(),
                        quantity: i.quantity.clone(),
                        unit_price: i.unit_price.clone(),
                        unit_price_fen: i.unit_price_fen,
                        tax_rate: i.tax_rate.clone(),
                        amount_fen: i.amount_fen,
                        tax_fen: i.tax_fen,
                    }).collect(),
                    total_amount_fen: inv.total_amount_fen,
                    total_tax_fen: inv.total_tax_fen,
                    total_with_tax_fen: inv.total_with_tax_fen,
                    total_in_words: inv.total_in_words.clone(),
                    remarks: inv.remarks.clone(),
                    tax_authority: inv.tax_authority.clone(),
                    $($field),*
                }
            }
        }
    };
}

invoice_view!(
    /// An issued invoice, with the credential and the wallets it went to.
    InvoiceIssued {
        sd_jwt: String,
        /// The seller's USCC, and the buyer's when the buyer has a wallet here.
        #[schema(value_type = Vec<String>)]
        delivered_to: Vec<Uscc>,
    }
);

invoice_view!(
    /// An invoice in a wallet.
    WalletInvoice {
        direction: Direction,
        status: CredentialStatus,
        sd_jwt: String,
    }
);

#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoicePage {
    #[schema(value_type = String)]
    pub uscc: Uscc,
    pub invoices: Vec<WalletInvoice>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssuedCredential {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: CredentialType,
    pub issued_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BundleFiling {
    pub id: String,
    pub seal_type: SealType,
    pub seal_code: String,
}

#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BundleSealIssued {
    pub id: String,
    pub credential_id: String,
    pub seal_type: SealType,
    pub filing_id: String,
}

#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Established {
    #[schema(value_type = String)]
    pub uscc: Uscc,
    pub wallet_token: String,
    pub credentials: Vec<IssuedCredential>,
    pub filings: Vec<BundleFiling>,
    pub seals: Vec<BundleSealIssued>,
    pub received_at: DateTime<Utc>,
    pub delivered_at: DateTime<Utc>,
    pub warnings: Vec<String>,
}

/// The durable record of a start-up: when the application came, when each credential was issued.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EstablishmentView {
    #[schema(value_type = String)]
    pub uscc: Uscc,
    #[schema(value_type = String, pattern = "^[0-9]{6}$")]
    pub region: RegionCode,
    pub received_at: DateTime<Utc>,
    pub credentials: Vec<IssuedCredential>,
    pub filing_ids: Vec<String>,
    pub completed_at: DateTime<Utc>,
}

impl From<crate::establish::Establishment> for EstablishmentView {
    fn from(e: crate::establish::Establishment) -> Self {
        EstablishmentView {
            uscc: e.uscc,
            region: e.region,
            received_at: e.received_at,
            credentials: e
                .credentials
                .into_iter()
                .map(|c| IssuedCredential {
                    id: c.id,
                    kind: c.kind,
                    issued_at: c.issued_at,
                })
                .collect(),
            filing_ids: e.filing_ids,
            completed_at: e.completed_at,
        }
    }
}
