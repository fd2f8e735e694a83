//! Seals: templates and their canonical image, police filings (印章备案), e-seals issued
//! from a filing (同章同模), and documents sealed with them.

pub mod eseal;
pub mod filing;
pub mod filings;
pub mod jades;
pub mod records;
pub mod sign;
pub mod template;

use serde::{Deserialize, Serialize};

/// The seal types on police record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SealType {
    Official,
    Finance,
    Invoice,
    Contract,
    LegalRepresentative,
}

impl SealType {
    pub const ALL: [SealType; 5] = [
        SealType::Official,
        SealType::Finance,
        SealType::Invoice,
        SealType::Contract,
        SealType::LegalRepresentative,
    ];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SealType::Official => "official",
            SealType::Finance => "finance",
            SealType::Invoice => "invoice",
            SealType::Contract => "contract",
            SealType::LegalRepresentative => "legal_representative",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            SealType::Official => "公章",
            SealType::Finance => "财务专用章",
            SealType::Invoice => "发票专用章",
            SealType::Contract => "合同专用章",
            SealType::LegalRepresentative => "法定代表人名章",
        }
    }
}
