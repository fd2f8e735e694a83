//! The company's registration record, as the market regulator files it.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{DomainError, IdNumber, Uscc};

/// The untrusted body of `POST /v1/companies`, before validation.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompanyRequest {
    pub uscc: String,
    pub name: String,
    pub legal_representative: LegalRepresentativeRequest,
    pub registered_capital_fen: i64,
    pub address: String,
    pub business_scope: String,
    pub established_on: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LegalRepresentativeRequest {
    pub name: String,
    pub id_number: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LegalRepresentative {
    pub name: String,
    pub id_number: IdNumber,
}

/// A registration record whose every field has been checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompanyRecord {
    pub uscc: Uscc,
    pub name: String,
    pub legal_representative: LegalRepresentative,
    pub registered_capital_fen: i64,
    pub address: String,
    pub business_scope: String,
    pub established_on: NaiveDate,
}

/// 1 万亿元 in fen: far above any registered capital, low enough to stay exact everywhere.
const MAX_CAPITAL_FEN: i64 = 100_000_000_000_000;

fn text(field: &str, value: &str, max_chars: usize) -> Result<String, DomainError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(DomainError::new(field, "must not be empty"));
    }
    let n = v.chars().count();
    if n > max_chars {
        return Err(DomainError::new(
            field,
            format!("has {n} characters; at most {max_chars} are allowed"),
        ));
    }
    if v.chars().any(char::is_control) {
        return Err(DomainError::new(field, "contains control characters"));
    }
    if let Some(c) = super::find_bidi_control(v) {
        return Err(DomainError::new(field, bidi_reason(c)));
    }
    Ok(v.to_string())
}

/// Why text holding the bidi control character `c` is refused.
pub fn bidi_reason(c: char) -> String {
    format!(
        "contains the bidirectional control character U+{:04X}, which would reorder the text around it where it is shown",
        c as u32
    )
}

impl CompanyRecord {
    /// `today` (UTC): an establishment date after it is refused.
    pub fn parse(req: &CompanyRequest, today: chrono::NaiveDate) -> Result<Self, DomainError> {
        let uscc = Uscc::parse(&req.uscc)?;
        let name = text("name", &req.name, 100)?;
        let lr_name = text(
            "legal_representative.name",
            &req.legal_representative.name,
            50,
        )?;
        let id_number = IdNumber::parse(&req.legal_representative.id_number)
            .map_err(|e| e.within("legal_representative"))?;
        if !(0..=MAX_CAPITAL_FEN).contains(&req.registered_capital_fen) {
            return Err(DomainError::new(
                "registered_capital_fen",
                format!("must be between 0 and {MAX_CAPITAL_FEN} fen"),
            ));
        }
        let address = text("address", &req.address, 200)?;
        let business_scope = text("business_scope", &req.business_scope, 2000)?;
        let established_on = NaiveDate::parse_from_str(req.established_on.trim(), "%Y-%m-%d")
            .map_err(|_| DomainError::new("established_on", "must be a date written YYYY-MM-DD"))?;
        if established_on > today {
            return Err(DomainError::new("established_on", "lies in the future"));
        }
        Ok(CompanyRecord {
            uscc,
            name,
            legal_representative: LegalRepresentative {
                name: lr_name,
                id_number,
            },
            registered_capital_fen: req.registered_capital_fen,
            address,
            business_scope,
            established_on,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> CompanyRequest {
        CompanyRequest {
            uscc: "914403001922038216".into(),
            name: "华为技术有限公司".into(),
            legal_representative: LegalRepresentativeRequest {
                name: "张三".into(),
                id_number: "11010519491231002X".into(),
            },
            registered_capital_fen: 100_000_000,
            address: "深圳市龙岗区坂田华为基地".into(),
            business_scope: "通信设备".into(),
            established_on: "1987-09-15".into(),
        }
    }

    #[test]
    fn parses_a_good_record() {
        let r = CompanyRecord::parse(&request(), chrono::Utc::now().date_naive()).unwrap();
        assert_eq!(r.uscc.as_str(), "914403001922038216");
    }

    #[test]
    fn each_bad_field_is_named() {
        type Mutation = Box<dyn Fn(&mut CompanyRequest)>;
        let cases: Vec<(&str, Mutation)> = vec![
            ("uscc", Box::new(|r| r.uscc = "91440300192203821X".into())),
            ("name", Box::new(|r| r.name = "  ".into())),
            (
                "legal_representative.id_number",
                Box::new(|r| r.legal_representative.id_number = "1".into()),
            ),
            (
                "registered_capital_fen",
                Box::new(|r| r.registered_capital_fen = -1),
            ),
            (
                "established_on",
                Box::new(|r| r.established_on = "2020-13-01".into()),
            ),
            (
                "established_on",
                Box::new(|r| r.established_on = "2999-01-01".into()),
            ),
        ];
        for (field, mutate) in cases {
            let mut r = request();
            mutate(&mut r);
            assert_eq!(
                CompanyRecord::parse(&r, chrono::Utc::now().date_naive())
                    .unwrap_err()
                    .field,
                field
            );
        }
    }
}
