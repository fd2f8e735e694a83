//! Issuing 数电票 into wallets: the seller's, and the buyer's when it has one here.
//!
//! The server computes every amount ([`super::calc`]): line amount = quantity × unit price and
//! line tax = amount × rate, each rounded half-up to the fen, per line; totals are sums of the
//! lines. Client totals, when sent, must agree to the fen.
//!
//! Invoice numbers: 2 digits of the year (Beijing time), 2 of the province of the seller's
//! region, the channel digit [`CHANNEL`], and 15 of sequence from a durable counter per
//! year, province and channel, so a number is never reused, even after a crash (a crash
//! between drawing a number and writing the invoice leaves a gap, never a duplicate).

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::calc::{self, InvoiceError, InvoiceNumber, ItemComputed, ItemInput, TaxRate};
use super::{records, rights};
use crate::credential::invoice::{InvoiceClaims, ItemClaims};
use crate::credential::new_id;
use crate::domain::{RegionCode, Uscc};
use crate::store::{Batch, StoreError};
use crate::wallet::{CompanyStatus, Issue, StoredCredential, Wallet, WalletError};

/// The channel digit of numbers issued through this service (e证通's API).
pub const CHANNEL: u8 = 1;
/// Invoices are kept as accounting records for 30 years (会计档案管理办法).
const KEEP_YEARS: i64 = 30;
const MAX_REMARKS: usize = 200;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoiceRequest {
    pub seller_uscc: String,
    pub buyer: BuyerInput,
    pub items: Vec<ItemInput>,
    #[serde(default)]
    pub remarks: Option<String>,
    #[serde(default)]
    pub total_amount_fen: Option<i64>,
    #[serde(default)]
    pub total_tax_fen: Option<i64>,
    #[serde(default)]
    pub total_with_tax_fen: Option<i64>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BuyerInput {
    #[serde(default)]
    pub uscc: Option<String>,
    pub name: String,
}

pub use crate::credential::invoice::Party;

/// An issued invoice, as stored (tree `Invoices`, by number).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Invoice {
    pub number: InvoiceNumber,
    pub credential_id: String,
    pub seller: Party,
    pub buyer: Party,
    pub items: Vec<ItemComputed>,
    pub total_amount_fen: i64,
    pub total_tax_fen: i64,
    pub total_with_tax_fen: i64,
    pub total_in_words: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remarks: Option<String>,
    pub issued_at: DateTime<Utc>,
    /// The date printed on the invoice (Beijing time).
    pub issued_on: NaiveDate,
    pub region: RegionCode,
    pub tax_authority: String,
    /// Whether the buyer has a wallet here and received it.
    pub buyer_wallet: bool,
}

/// Where an invoice sits in a wallet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Issued,
    Received,
}

fn invalid(e: InvoiceError) -> WalletError {
    WalletError::invalid(&e.field, e.reason)
}

fn party_name(field: &str, v: &str) -> Result<String, WalletError> {
    let t = v.trim();
    let n = t.chars().count();
    if n == 0 || n > 100 || t.chars().any(char::is_control) {
        return Err(WalletError::invalid(
            field,
            "1 to 100 characters, without control characters",
        ));
    }
    Ok(t.to_string())
}

/// Issues an invoice: checks the request and the seller, computes every amount, draws the
/// number, signs the credential with the tax key and writes it into the wallets, at once.
pub async fn issue(
    wallet: &Wallet,
    req: InvoiceRequest,
) -> Result<(Invoice, StoredCredential), WalletError> {
    let seller_uscc =
        Uscc::parse(&req.seller_uscc).map_err(|e| WalletError::invalid("seller_uscc", e.reason))?;
    let buyer_name = party_name("buyer.name", &req.buyer.name)?;
    let buyer_uscc = match req.buyer.uscc.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(u) => Some(Uscc::parse(u).map_err(|e| WalletError::invalid("buyer.uscc", e.reason))?),
    };
    if buyer_uscc.as_ref() == Some(&seller_uscc) {
        return Err(WalletError::invalid(
            "buyer.uscc",
            "the buyer cannot be the seller",
        ));
    }
    let remarks = match req.remarks.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(r) if r.chars().count() > MAX_REMARKS => {
            return Err(WalletError::invalid(
                "remarks",
                format!("at most {MAX_REMARKS} characters"),
            ));
        }
        Some(r) => Some(r.to_string()),
    };
    let computed = calc::compute(&req.items).map_err(invalid)?;
    calc::check_client_totals(
        &computed,
        req.total_amount_fen,
        req.total_tax_fen,
        req.total_with_tax_fen,
    )
    .map_err(invalid)?;

    let seller = wallet.active_company(&seller_uscc, "seller_uscc")?;
    if rights::current(wallet, &seller_uscc)?.is_none() {
        return Err(WalletError::invalid(
            "seller_uscc",
            format!(
                "company {seller_uscc} holds no valid invoicing rights (开票资格); the tax bureau grants them with POST /v1/tax/invoicing-rights"
            ),
        ));
    }
    let mut buyer_wallet = false;
    if let Some(b) = &buyer_uscc
        && let Some(c) = wallet.company(b)?
    {
        if c.record.name != buyer_name {
            return Err(WalletError::invalid(
                "buyer.name",
                format!(
                    "company {b} is registered as “{}”, not “{buyer_name}”",
                    c.record.name
                ),
            ));
        }
        buyer_wallet = c.status == CompanyStatus::Active;
    }

    let now = wallet.clock.now();
    let beijing = now.with_timezone(&FixedOffset::east_opt(8 * 3600).expect("UTC+8 is an offset"));
    let province = seller.region.province().to_string();
    let yy = beijing.year() % 100;
    let seq = wallet
        .store()
        .next_counter(&format!("invoice/{yy:02}{province}{CHANNEL}"))
        .await?;
    let number = InvoiceNumber::format(beijing.year(), &province, CHANNEL, seq)
        .map_err(|e| WalletError::InvoiceNumbers(e.to_string()))?;

    let region = seller.region;
    let invoice = Invoice {
        number: number.clone(),
        credential_id: new_id(),
        seller: Party {
            uscc: Some(seller_uscc.clone()),
            name: seller.record.name.clone(),
        },
        buyer: Party {
            uscc: buyer_uscc.clone(),
            name: buyer_name,
        },
        items: computed.items,
        total_amount_fen: computed.total_amount_fen,
        total_tax_fen: computed.total_tax_fen,
        total_with_tax_fen: computed.total_with_tax_fen,
        total_in_words: computed.total_in_words,
        remarks,
        issued_at: now,
        issued_on: beijing.date_naive(),
        region,
        tax_authority: rights::tax_authority_name(&region),
        buyer_wallet,
    };
    let id = invoice.credential_id.clone();
    let typed = InvoiceClaims {
        invoice_number: number.to_string(),
        issued_on: invoice.issued_on.to_string(),
        tax_authority: invoice.tax_authority.clone(),
        seller: invoice.seller.clone(),
        buyer: invoice.buyer.clone(),
        items: invoice
            .items
            .iter()
            .map(item_claims)
            .collect::<Result<_, _>>()?,
        total_amount_fen: invoice.total_amount_fen,
        total_tax_fen: invoice.total_tax_fen,
        total_with_tax_fen: invoice.total_with_tax_fen,
        total_in_words: invoice.total_in_words.clone(),
        remarks: invoice.remarks.clone(),
    };
    let cred = wallet.issue(
        Issue {
            id: id.clone(),
            subject: &seller_uscc,
            name: &invoice.seller.name,
            issued_at: now,
            expires_at: now + Duration::days(365 * KEEP_YEARS),
            status: wallet.status_claim().await?,
            holder_jwk: None,
        },
        &typed,
    )?;
    let mut batch = Batch::default();
    wallet.put_credential(&mut batch, &cred, true)?;
    records::put_new(&mut batch, &invoice, &seller_uscc);
    wallet.put_in_wallet(&mut batch, &seller_uscc, &id);
    if let (true, Some(b)) = (buyer_wallet, &buyer_uscc) {
        wallet.put_in_wallet(&mut batch, b, &id);
        records::put_received(&mut batch, &invoice, b);
    }
    wallet.log_issued(&mut batch, &cred, "invoices", now);
    wallet.log(
        &mut batch,
        now,
        seller_uscc.as_str(),
        crate::events::What::InvoiceIssued {
            number: number.to_string(),
            total_fen: invoice.total_with_tax_fen,
        },
    );
    wallet.store().apply(batch).await.map_err(|e| match e {
        StoreError::Exists(k) => WalletError::IdCollision(k),
        other => other.into(),
    })?;
    Ok((invoice, cred))
}

/// The signed claims of a computed line; its tax rate was parsed when computed, so a rate
/// that no longer parses is refused rather than signed with an empty label.
fn item_claims(i: &ItemComputed) -> Result<ItemClaims, WalletError> {
    let label = TaxRate::parse(&i.tax_rate)
        .map(|r| r.label_zh())
        .map_err(invalid)?;
    Ok(ItemClaims {
        name: i.name.clone(),
        spec: i.spec.clone(),
        unit: i.unit.clone(),
        quantity: i.quantity.clone(),
        unit_price: i.unit_price.clone(),
        amount_fen: i.amount_fen,
        tax_rate: i.tax_rate.clone(),
        tax_rate_label: label,
        tax_fen: i.tax_fen,
    })
}

pub use super::records::{by_credential, get};

/// One page of a wallet's invoices, newest first.
pub struct Page {
    pub invoices: Vec<(Direction, Invoice, StoredCredential)>,
    /// The number to pass as `cursor` for the next page, if there is one.
    pub next_cursor: Option<String>,
}

/// Invoices in `uscc`'s wallet, newest first: `limit` of them after `cursor` (the last number
/// of the previous page), only those of `direction` when given.
pub fn list(
    wallet: &Wallet,
    uscc: &Uscc,
    direction: Option<Direction>,
    limit: usize,
    cursor: Option<&InvoiceNumber>,
) -> Result<Page, WalletError> {
    let mut before = cursor.map(|c| c.to_string());
    let mut out: Vec<(Direction, Invoice, StoredCredential)> = Vec::new();
    let mut more = false;
    'scan: loop {
        let page = records::list_page(wallet, uscc, before.as_deref(), limit + 1)?;
        for (number, d) in &page {
            let Some(d) = *d else {
                continue;
            };
            if direction.is_some_and(|want| want != d) {
                continue;
            }
            if out.len() == limit {
                more = true;
                break 'scan;
            }
            if let Some(inv) = get(wallet, number)?
                && let Some(c) = wallet.credential(&inv.credential_id)?
            {
                out.push((d, inv, c));
            }
        }
        if page.len() <= limit {
            break;
        }
        before = page.last().map(|(n, _)| n.clone());
    }
    let next_cursor = if more {
        out.last().map(|(_, i, _)| i.number.to_string())
    } else {
        None
    };
    Ok(Page {
        invoices: out,
        next_cursor,
    })
}
