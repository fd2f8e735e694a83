//! Invoice line and total calculation for 数电票 (fully digital invoices). Money is `i64` fen.
//!
//! Rules applied by [`compute`]:
//! - 1..=200 lines; `name`/`spec`/`unit` trimmed, ≤ 100 chars; name not blank; blank spec → None.
//! - Numbers: ASCII digits, optional `.` between digits (no sign/exponent/space), ≤ 32 chars.
//!   `quantity` > 0, ≤ 6 decimals, ≤ 10^9; `unit_price` is yuan **excluding tax**, ≥ 0, ≤ 10^10,
//!   ≤ 2 decimals (more is refused, never rounded).
//! - `tax_rate`: exactly one of `13 9 6 5 3 1 0.5 1.5 0 exempt not_taxable` (免税/不征税 → tax 0).
//! - Line amount (金额) = quantity × unit_price, rounded half-up to the fen; it must be ≥ 1 fen.
//! - Line tax (税额) = amount × rate, rounded half-up to the fen, per line (as 数电票 does).
//! - Totals are sums of the lines; 价税合计 = total amount + total tax, and must be ≤ 10^13 fen.
//!
//! Amount in words ([`fen_to_chinese_words`]): `圆` after a non-zero yuan part; `整` after 圆 or 角
//! but not after 分; one `零` per run of zeros inside the number (also across 万/亿 sections), none
//! at the end of a section; `零` between 圆 and 分 when 角 is 0 (壹圆零伍分), none between 圆 and 角
//! (壹拾圆伍角整); no yuan part below one yuan (壹角整, 伍分); 0 → 零圆整; negatives get `负`.
use serde::{Deserialize, Serialize};
use std::fmt;

pub const MAX_ITEMS: usize = 200;
pub const MAX_TOTAL_FEN: i64 = 10_000_000_000_000;
const MAX_TEXT: usize = 100;
const MAX_NUM_LEN: usize = 32; // numbers are ASCII; with ≤ 6 padding digits they fit i128
const DIGITS: [char; 10] = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];
/// Returns `Err(InvoiceError { field, reason: format!(..) })` unless the condition holds.
macro_rules! ensure {
    ($ok:expr, $field:expr => $($f:tt)+) => { if !$ok { return Err(err($field, format!($($f)+))) } }
}
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InvoiceError {
    pub field: String,
    pub reason: String,
}
impl fmt::Display for InvoiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}
impl std::error::Error for InvoiceError {}
fn err(field: &str, reason: String) -> InvoiceError {
    let field = field.into();
    InvoiceError { field, reason }
}

/// VAT rate; `per_mille` is tenths of a percent: 13% = 130, 0.5% = 5, 0% (零税率) = 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaxRate {
    Rate { per_mille: u32 },
    Exempt,
    NotTaxable,
}
impl TaxRate {
    pub fn parse(s: &str) -> Result<Self, InvoiceError> {
        const OK: &str = "13 9 6 5 3 1 0.5 1.5 0 exempt not_taxable";
        let ok = OK.split(' ').any(|r| r == s);
        ensure!(ok, "tax_rate" => "tax_rate must be one of {OK}: {s:.40}");
        let rate = |per_mille| Self::Rate { per_mille };
        Ok(match s {
            "exempt" => Self::Exempt,
            "not_taxable" => Self::NotTaxable,
            _ => rate(parse_decimal("tax_rate", s, 1, 100)? as u32),
        })
    }
    /// Canonical string ("13", "0.5", "exempt"); `label_zh` gives "13%", "0.5%", "免税", "不征税".
    pub fn as_str(&self) -> String {
        match *self {
            Self::Rate { per_mille } => fmt_scaled(per_mille.into(), 1),
            Self::Exempt => "exempt".into(),
            Self::NotTaxable => "not_taxable".into(),
        }
    }
    pub fn label_zh(&self) -> String {
        match self {
            Self::Rate { .. } => format!("{}%", self.as_str()),
            Self::Exempt => "免税".into(),
            Self::NotTaxable => "不征税".into(),
        }
    }
}

/// Parses a plain decimal into an integer scaled by 10^dp; `max` is the unscaled upper bound.
fn parse_decimal(field: &str, s: &str, dp: u32, max: i128) -> Result<i128, InvoiceError> {
    ensure!(!s.is_empty(), field => "{field} is empty");
    ensure!(s.len() <= MAX_NUM_LEN, field => "{field} is longer than {MAX_NUM_LEN} characters");
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    let plain = !int.is_empty() && !s.ends_with('.') && digits(int) && digits(frac);
    ensure!(plain, field => "{field} is not a plain decimal number like 12.5: {s}");
    ensure!(frac.len() <= dp as usize, field => "{field} has more than {dp} decimal places: {s}");
    let v = format!("{int}{frac:0<w$}", w = dp as usize); // right-pad to dp decimals
    let v: i128 = v.parse().unwrap_or(i128::MAX); // cannot fail: ≤ 38 ASCII digits
    ensure!(v <= max * 10i128.pow(dp), field => "{field} is larger than {max}: {s}");
    Ok(v)
}
/// `v / 10^dp` without trailing fractional zeros: "1.5", "13".
fn fmt_scaled(v: i128, dp: u32) -> String {
    let p = 10i128.pow(dp);
    let s = format!("{}.{:0w$}", v / p, v % p, w = dp as usize);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemInput {
    pub name: String,
    pub spec: Option<String>,
    pub unit: Option<String>,
    pub quantity: String,
    pub unit_price: String,
    pub tax_rate: String,
}
/// `quantity` is canonical ("1.5"); `unit_price` has 2 decimals ("12.50") and is exact in fen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemComputed {
    pub name: String,
    pub spec: Option<String>,
    pub unit: Option<String>,
    pub quantity: String,
    pub unit_price: String,
    pub unit_price_fen: i64,
    pub tax_rate: String,
    pub amount_fen: i64,
    pub tax_fen: i64,
}
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Computed {
    pub items: Vec<ItemComputed>,
    pub total_amount_fen: i64,
    pub total_tax_fen: i64,
    pub total_with_tax_fen: i64,
    pub total_in_words: String,
}
fn text(field: &str, v: &str, required: bool) -> Result<Option<String>, InvoiceError> {
    let (t, n) = (v.trim(), v.trim().chars().count());
    ensure!(n <= MAX_TEXT, field => "{field} is longer than {MAX_TEXT} characters");
    ensure!(n > 0 || !required, field => "{field} is blank");
    Ok((n > 0).then(|| t.to_string()))
}
fn compute_line(it: &ItemInput) -> Result<ItemComputed, InvoiceError> {
    let name = text("name", &it.name, true)?.unwrap_or_default();
    let spec = text("spec", it.spec.as_deref().unwrap_or(""), false)?;
    let unit = text("unit", it.unit.as_deref().unwrap_or(""), false)?;
    let q = parse_decimal("quantity", &it.quantity, 6, 1_000_000_000)?;
    ensure!(q > 0, "quantity" => "quantity must be greater than 0: {}", it.quantity);
    let p = parse_decimal("unit_price", &it.unit_price, 2, 10_000_000_000)?;
    let rate = TaxRate::parse(&it.tax_rate)?;
    let (qs, ps) = (fmt_scaled(q, 6), format!("{}.{:02}", p / 100, p % 100));
    let half_up = |n: i128, d: i128| (2 * n + d) / (2 * d); // n / d rounded half-up, n ≥ 0
    let amount = half_up(q * p, 1_000_000); // q ≤ 10^15, p ≤ 10^12: fits i128
    ensure!(amount > 0, "amount" => "line amount {qs} × {ps} rounds to 0.00 yuan");
    let (ok, max) = (amount <= MAX_TOTAL_FEN.into(), MAX_TOTAL_FEN / 100);
    ensure!(ok, "amount" => "line amount {qs} × {ps} exceeds {max} yuan");
    let mut tax = 0;
    if let TaxRate::Rate { per_mille } = rate {
        tax = half_up(amount * i128::from(per_mille), 1000);
    }
    Ok(ItemComputed {
        name,
        spec,
        unit,
        quantity: qs,
        unit_price: ps,
        unit_price_fen: p as i64,
        tax_rate: rate.as_str(),
        amount_fen: amount as i64,
        tax_fen: tax as i64,
    })
}

pub fn compute(items: &[ItemInput]) -> Result<Computed, InvoiceError> {
    let n = items.len();
    let ok = (1..=MAX_ITEMS).contains(&n);
    ensure!(ok, "items" => "an invoice needs 1 to {MAX_ITEMS} lines, got {n}");
    let at = |i: usize| move |e: InvoiceError| err(&format!("items[{i}].{}", e.field), e.reason);
    let mut lines = Vec::with_capacity(n);
    for (i, item) in items.iter().enumerate() {
        lines.push(compute_line(item).map_err(at(i))?);
    }
    let total_amount_fen: i64 = lines.iter().map(|l| l.amount_fen).sum(); // ≤ 200 × 10^13
    let total_tax_fen: i64 = lines.iter().map(|l| l.tax_fen).sum(); // tax ≤ amount: no overflow
    let total = total_amount_fen + total_tax_fen;
    let f = "total_with_tax_fen";
    ensure!(total <= MAX_TOTAL_FEN, f => "total with tax {total} fen exceeds {MAX_TOTAL_FEN} fen");
    Ok(Computed {
        items: lines,
        total_amount_fen,
        total_tax_fen,
        total_with_tax_fen: total,
        total_in_words: fen_to_chinese_words(total),
    })
}
/// Refuses client-supplied totals (when given) that differ from the computed ones.
pub fn check_client_totals(
    c: &Computed,
    amount: Option<i64>,
    tax: Option<i64>,
    with_tax: Option<i64>,
) -> Result<(), InvoiceError> {
    for (field, client, ours) in [
        ("total_amount_fen", amount, c.total_amount_fen),
        ("total_tax_fen", tax, c.total_tax_fen),
        ("total_with_tax_fen", with_tax, c.total_with_tax_fen),
    ] {
        let v = client.unwrap_or(ours);
        ensure!(v == ours, field => "{field} sent is {v} fen but the lines add up to {ours} fen");
    }
    Ok(())
}

/// Chinese financial capitals (大写) for an amount in fen; rules in the module docs.
pub fn fen_to_chinese_words(fen: i64) -> String {
    let n = fen.unsigned_abs();
    let digit = |k: u64| DIGITS[(n / k % 10) as usize];
    let (y, j, f) = (n / 100, digit(10), digit(1));
    let head = int_words(y) + if y > 0 { "圆" } else { "" };
    let tail = match (j, f) {
        ('零', '零') if y == 0 => "零圆整".to_string(),
        ('零', '零') => "整".to_string(),
        ('零', f) if y > 0 => format!("零{f}分"),
        ('零', f) => format!("{f}分"),
        (j, '零') => format!("{j}角整"),
        (j, f) => format!("{j}角{f}分"),
    };
    format!("{}{head}{tail}", if fen < 0 { "负" } else { "" })
}
/// Words for n ("" for 0): split at the largest unit and recurse; 零 if the rest has a leading 0.
fn int_words(n: u64) -> String {
    const BASES: [u64; 5] = [100_000_000, 10_000, 1_000, 100, 10];
    const UNITS: [&str; 5] = ["亿", "万", "仟", "佰", "拾"];
    let Some(i) = BASES.iter().position(|&b| n >= b) else {
        return String::from_iter(DIGITS.get(n as usize).filter(|_| n > 0));
    };
    let (hi, lo) = (n / BASES[i], n % BASES[i]);
    let gap = (1..BASES[i] / 10).contains(&lo);
    int_words(hi) + UNITS[i] + if gap { "零" } else { "" } + &int_words(lo)
}

/// 20-digit 数电票 number: 2 year digits, 2 province digits, 1 channel digit, 15 sequence digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String")]
pub struct InvoiceNumber(String);
impl InvoiceNumber {
    pub fn format(year: i32, province: &str, channel: u8, seq: u64) -> Result<Self, InvoiceError> {
        ensure!((2000..=2099).contains(&year), "year" => "year must be 2000 to 2099: {year}");
        let prov_ok = province.len() == 2 && province.bytes().all(|b| b.is_ascii_digit());
        ensure!(prov_ok, "province" => "province must be 2 digits: {province:.40}");
        ensure!(channel <= 9, "channel" => "channel must be one digit 0-9: {channel}");
        ensure!(seq < 10u64.pow(15), "sequence" => "sequence must be below 10^15: {seq}");
        let yy = year % 100;
        Ok(Self(format!("{yy:02}{province}{channel}{seq:015}")))
    }
    pub fn parse(s: &str) -> Result<Self, InvoiceError> {
        let ok = s.len() == 20 && s.bytes().all(|b| b.is_ascii_digit());
        ensure!(ok, "invoice_number" => "invoice number must be exactly 20 digits: {s:.40}");
        Ok(Self(s.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
impl fmt::Display for InvoiceNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl TryFrom<String> for InvoiceNumber {
    type Error = InvoiceError;
    fn try_from(s: String) -> Result<Self, InvoiceError> {
        Self::parse(&s)
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{from_value, json, to_value};
    fn it(q: &str, p: &str, r: &str) -> ItemInput {
        from_value(json!({"name": "货物", "quantity": q, "unit_price": p, "tax_rate": r})).unwrap()
    }
    fn field(items: &[ItemInput]) -> String {
        compute(items).unwrap_err().field
    }
    #[test]
    fn three_line_invoice() {
        // 3 × 33.33 = 99.99, tax 12.9987 → 13.00; 1.5 × 1333.33 = 1999.995 → 2000.00, tax 120.00;
        // 2.25 × 10.01 = 22.5225 → 22.52, exempt. Totals 2122.51 + 133.00 = 2255.51.
        let mut items = vec![it("3", "33.33", "13"), it("1.5", "1333.33", "6")];
        items.push(it("2.250", "10.01", "exempt"));
        items[0].unit = Some(" 个 ".into());
        let want = json!({"items": [
            {"name": "货物", "spec": null, "unit": "个", "quantity": "3", "unit_price": "33.33",
             "unit_price_fen": 3333, "tax_rate": "13", "amount_fen": 9999, "tax_fen": 1300},
            {"name": "货物", "spec": null, "unit": null, "quantity": "1.5", "unit_price": "1333.33",
             "unit_price_fen": 133333, "tax_rate": "6", "amount_fen": 200000, "tax_fen": 12000},
            {"name": "货物", "spec": null, "unit": null, "quantity": "2.25", "unit_price": "10.01",
             "unit_price_fen": 1001, "tax_rate": "exempt", "amount_fen": 2252, "tax_fen": 0}],
            "total_amount_fen": 212251, "total_tax_fen": 13300, "total_with_tax_fen": 225551,
            "total_in_words": "贰仟贰佰伍拾伍圆伍角壹分"});
        let c = compute(&items).unwrap();
        assert_eq!(to_value(&c).unwrap(), want);
        let (a, t, w) = (Some(212251), Some(13300), Some(225551));
        assert!(check_client_totals(&c, a, t, w).is_ok());
        assert!(check_client_totals(&c, None, None, None).is_ok());
        let e = check_client_totals(&c, a, Some(13299), None).unwrap_err();
        assert_eq!(e.field, "total_tax_fen");
        assert!(e.reason.contains("13299 fen") && e.reason.contains("13300 fen"));
        let e = check_client_totals(&c, None, None, Some(225550)).unwrap_err();
        assert_eq!(e.field, "total_with_tax_fen");
    }
    #[rustfmt::skip] // qty, price, rate → amount, tax; pairs straddle .5 fen (.5 up, below down)
    const ROUNDING: &[(&str, &str, &str, i64, i64)] = &[
        ("0.5", "0.01", "0", 1, 0), ("1.49", "0.01", "0", 1, 0), ("0.333333", "0.03", "0", 1, 0),
        ("1.005", "1.00", "0", 101, 0), ("1.004999", "1.00", "0", 100, 0), ("1", "0.5", "1", 50, 1),
        ("1", "0.49", "1", 49, 0), ("1", "3.50", "13", 350, 46), ("1", "3.49", "13", 349, 45),
        ("1", "1.00", "0.5", 100, 1), ("1", "0.99", "0.5", 99, 0), ("1", "1.00", "1.5", 100, 2),
        ("1", "1.50", "3", 150, 5), ("1", "1.49", "3", 149, 4), ("1", "1.00", "9", 100, 9),
        ("2", "100.00", "not_taxable", 20000, 0), ("3", "0.17", "13", 51, 7),
    ];
    #[test]
    fn rounding_rates_and_canonical_forms() {
        for &(q, p, r, amount, tax) in ROUNDING {
            let l = &compute(&[it(q, p, r)]).unwrap().items[0];
            assert_eq!((l.amount_fen, l.tax_fen), (amount, tax), "{q} × {p} @ {r}");
        }
        let c = &compute(&[it("001.500000", "0012.5", "0.5")]).unwrap().items[0];
        let got = (&*c.quantity, &*c.unit_price, c.amount_fen, c.tax_fen);
        assert_eq!(got, ("1.5", "12.50", 1875, 9)); // 18.75 × 0.5% = 0.09375
        for s in "13 9 6 5 3 1 0.5 1.5 0 exempt not_taxable".split(' ') {
            assert_eq!(TaxRate::parse(s).unwrap().as_str(), s);
        }
        let rates = ["13", "0.5", "0", "exempt", "not_taxable"].map(|s| TaxRate::parse(s).unwrap());
        let labels = rates.map(|r| r.label_zh());
        assert_eq!(labels, ["13%", "0.5%", "0%", "免税", "不征税"]);
        assert_eq!(rates[1], TaxRate::Rate { per_mille: 5 });
    }
    #[rustfmt::skip]
    const BAD: &[(&str, &str, &str)] = &[ // field, expected reason fragment, '|'-separated values
        ("quantity", "not a plain decimal", "-1|+1|1e3| 1|1 |1.|.5|1.2.3|１|0x1|NaN|1,0"),
        ("quantity", "greater than 0", "0|0.000|000.000000"), ("quantity", "quantity is empty", ""),
        ("quantity", "more than 6 decimal places", "1.0000001"),
        ("quantity", "larger than 1000000000", "1000000000.000001|99999999999"),
        ("unit_price", "unit_price has more than 2 decimal places: 1.234", "1.234"),
        ("unit_price", "not a plain decimal", "-1|1e10|1,000|¥1"),
        ("unit_price", "larger than 10000000000", "10000000000.01"),
        ("unit_price", "longer than 32 characters", "123456789012345678901234567890123"),
        ("tax_rate", "must be one of", "10|0.50|013|Exempt|| 13|免税|13%"),
        ("name", "name is blank", "  |\t"),
    ];
    #[test]
    fn bad_and_overflowing_inputs_name_the_field() {
        let l = "长".repeat(101);
        #[rustfmt::skip]
        let long = [("name", "longer than 100", &*l), ("spec", "spec", &l), ("unit", "unit", &l)];
        for &(f, why, vs) in BAD.iter().chain(&long) {
            for v in vs.split('|') {
                let mut j =
                    json!({"name": "a", "quantity": "1", "unit_price": "1", "tax_rate": "9"});
                j[f] = v.into();
                let e = compute(&[it("1", "1.00", "13"), from_value(j).unwrap()]).unwrap_err();
                assert_eq!(e.field, format!("items[1].{f}"), "{v:?}");
                assert!(e.reason.contains(why), "{e}");
            }
        }
        assert_eq!(field(&[it("0.000001", "0.01", "13")]), "items[0].amount");
        assert_eq!(field(&[it("1", "0", "13")]), "items[0].amount");
        assert_eq!(field(&[]), "items");
        assert_eq!(field(&vec![it("1", "1", "13"); 201]), "items");
        assert!(compute(&vec![it("1", "1", "13"); 200]).is_ok());
        let j = json!({"name": "a", "quantity": "1", "unit_price": "1", "tax_rate": "13", "x": 1});
        assert!(from_value::<ItemInput>(j).is_err());
        let (m, q) = ("10000000000.00", "9".repeat(32)); // overflow: max price × max quantity etc.
        assert_eq!(field(&[it("1000000000", m, "13")]), "items[0].amount");
        assert_eq!(field(&[it(&q, "1", "13")]), "items[0].quantity");
        let c = compute(&[it("10", m, "0")]).unwrap(); // exactly the limit
        assert_eq!(c.total_with_tax_fen, MAX_TOTAL_FEN);
        let t = "total_with_tax_fen";
        assert_eq!(field(&[it("10", m, "1.5")]), t);
        assert_eq!(field(&[it("6", m, "0"), it("6", m, "0")]), t);
        assert_eq!(field(&vec![it("10", m, "13"); 200]), t);
    }
    #[rustfmt::skip]
    const WORDS: &[(i64, &str)] = &[
        (113000, "壹仟壹佰叁拾圆整"), (100, "壹圆整"), (0, "零圆整"), (1, "壹分"), (10, "壹角整"),
        (11, "壹角壹分"), (105, "壹圆零伍分"), (1050, "壹拾圆伍角整"), (1001, "壹拾圆零壹分"),
        (10000500, "壹拾万零伍圆整"), (100000000, "壹佰万圆整"), (10000000100, "壹亿零壹圆整"),
        (101010, "壹仟零壹拾圆壹角整"), (10001000000, "壹亿零壹万圆整"), (10100000, "壹拾万壹仟圆整"),
        (10000100000, "壹亿零壹仟圆整"), (100500, "壹仟零伍圆整"), (1000000000000, "壹佰亿圆整"),
        (100000000000000, "壹万亿圆整"), (100010000000000, "壹万零壹亿圆整"), (-5, "负伍分"),
        (999999999999, "玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖圆玖角玖分"), (-113000, "负壹仟壹佰叁拾圆整"),
    ];
    /// Independent reference: "digit+unit" for every position, then classic rewrite rules.
    fn reference(fen: i64) -> String {
        let n: Vec<char> = "零壹贰叁肆伍陆柒捌玖".chars().collect();
        let u: Vec<char> = "圆拾佰仟万拾佰仟亿拾佰仟".chars().collect();
        #[rustfmt::skip]
        const RULES: [(&str, &str); 10] = [("零角零分", "整"), ("零分", "整"), ("零角", "零"), ("零拾", "零"),
            ("零佰", "零"), ("零仟", "零"), ("亿零万", "亿零"), ("零亿", "亿"), ("零万", "万"), ("零圆", "圆")];
        let (yuan, mut s) = ((fen / 100).to_string(), String::new());
        for (i, b) in yuan.bytes().enumerate() {
            s.extend([n[(b - b'0') as usize], u[yuan.len() - 1 - i]]);
        }
        let (j, f) = ((fen / 10 % 10) as usize, (fen % 10) as usize);
        s.extend([n[j], '角', n[f], '分']);
        for (from, to) in RULES {
            while s.contains("零零") {
                s = s.replace("零零", "零"); // collapse runs of zeros
            }
            s = s.replace(from, to);
        }
        let zero = if fen == 0 { "零圆" } else { "" };
        format!("{zero}{}", s.trim_start_matches(['零', '圆']))
    }
    #[test]
    fn words() {
        for &(fen, want) in WORDS {
            assert_eq!(fen_to_chinese_words(fen), want, "{fen}");
        }
        let max = "玖亿贰仟贰佰叁拾叁万柒仟贰佰零叁亿陆仟捌佰伍拾肆万柒仟柒佰伍拾捌圆零";
        assert_eq!(fen_to_chinese_words(i64::MAX), format!("{max}柒分"));
        assert_eq!(fen_to_chinese_words(i64::MIN), format!("负{max}捌分"));
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for _ in 0..5000 {
            // LCG: 1..=14-digit fen amounts (< 10^12 yuan), about half the digits zero.
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
            let digit = |k: u64| ((x >> (2 * k + 20)) % 19).saturating_sub(9) as i64;
            let fen = (0..1 + (x >> 58) % 14).fold(0, |v, k| v * 10 + digit(k));
            assert_eq!(fen_to_chinese_words(fen), reference(fen), "{fen}");
        }
    }
    #[test]
    fn invoice_numbers() {
        let n = InvoiceNumber::format(2025, "44", 7, 123).unwrap();
        assert_eq!(to_value(&n).unwrap(), json!(n.to_string()));
        assert_eq!(n, from_value(json!("25447000000000000123")).unwrap());
        assert!(from_value::<InvoiceNumber>(json!("1234")).is_err());
        #[rustfmt::skip]
        let bad = [(1999, "44", 0, 0, "year"), (2100, "44", 0, 0, "year"),
            (2025, "4", 0, 0, "province"), (2025, "4a", 0, 0, "province"),
            (2025, "44", 10, 0, "channel"), (2025, "44", 0, 10u64.pow(15), "sequence")];
        for (y, p, c, s, want) in bad {
            assert_eq!(InvoiceNumber::format(y, p, c, s).unwrap_err().field, want);
        }
        let e = InvoiceNumber::parse("2544700000000000012x").unwrap_err();
        assert_eq!(e.field, "invoice_number");
    }
}
