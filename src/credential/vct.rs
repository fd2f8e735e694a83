//! SD-JWT VC type metadata (draft-ietf-oauth-sd-jwt-vc, "SD-JWT VC Type Metadata"): what a
//! wallet or verifier shows for each credential type, served at the type's `vct` URL
//! (`<public-url>/v1/vct/<type>`), with the display name and description per locale and a
//! label per claim in zh-CN and en. Credentials carry `vct#integrity`, the W3C SRI string of
//! the document's bytes, so a consumer can tell that the labels it shows are the issuer's.
//!
//! The bytes are a pure function of the type and the node's public URL: the document served
//! and the digest written into credentials come from [`document`] alone. Changing a label
//! changes the digest, so credentials issued before the change no longer match the served
//! document (their signature and status are unaffected; only the labels become unvouched).

use serde::Serialize;

use super::CredentialType;

/// Where the documents are served, below the node's public URL.
pub const PATH: &str = "/v1/vct";

/// Whether a claim is selectively disclosable in what we issue ("sd" in the draft).
#[derive(Clone, Copy, Serialize)]
#[serde(rename_all = "lowercase")]
enum Sd {
    /// Always a disclosure (personal data).
    Always,
    /// Always in the signed payload itself.
    Never,
}

/// One claim's metadata: its path (`None` = every element of an array) and its labels.
struct ClaimLabel {
    path: &'static [Option<&'static str>],
    zh: &'static str,
    en: &'static str,
    sd: Option<Sd>,
}

const fn claim(
    path: &'static [Option<&'static str>],
    zh: &'static str,
    en: &'static str,
) -> ClaimLabel {
    ClaimLabel {
        path,
        zh,
        en,
        sd: Some(Sd::Never),
    }
}

/// A claim that is a disclosure of its own.
const fn private(
    path: &'static [Option<&'static str>],
    zh: &'static str,
    en: &'static str,
) -> ClaimLabel {
    ClaimLabel {
        path,
        zh,
        en,
        sd: Some(Sd::Always),
    }
}

/// A claim inside a disclosed object: it travels with its parent, not on its own.
const fn inside(
    path: &'static [Option<&'static str>],
    zh: &'static str,
    en: &'static str,
) -> ClaimLabel {
    ClaimLabel {
        path,
        zh,
        en,
        sd: None,
    }
}

/// The claims every credential type has besides the protocol ones (`iss`, `vct`, …).
const COMMON: [ClaimLabel; 4] = [
    claim(&[Some("credential_type")], "证照类型", "Credential type"),
    claim(
        &[Some("uscc")],
        "统一社会信用代码",
        "Unified social credit code",
    ),
    claim(&[Some("name")], "企业名称", "Company name"),
    claim(&[Some("region")], "登记地区代码", "Region code"),
];

const LICENCE: [ClaimLabel; 10] = [
    claim(&[Some("region_name")], "登记地区", "Region"),
    claim(
        &[Some("issuing_authority")],
        "登记机关",
        "Registration authority",
    ),
    claim(
        &[Some("registered_capital_fen")],
        "注册资本（分）",
        "Registered capital (fen)",
    ),
    claim(&[Some("business_scope")], "经营范围", "Business scope"),
    claim(
        &[Some("established_on")],
        "成立日期",
        "Date of establishment",
    ),
    claim(
        &[Some("legal_representative")],
        "法定代表人",
        "Legal representative",
    ),
    private(
        &[Some("legal_representative"), Some("name")],
        "法定代表人姓名",
        "Legal representative's name",
    ),
    private(
        &[Some("legal_representative"), Some("id_number")],
        "法定代表人身份证号",
        "Legal representative's ID number",
    ),
    private(&[Some("address")], "住所", "Registered address"),
    claim(&[Some("version")], "执照版本", "Licence version"),
];

const ESEAL: [ClaimLabel; 15] = [
    claim(&[Some("seal")], "印章", "Seal"),
    claim(&[Some("seal"), Some("id")], "印章标识", "Seal ID"),
    claim(&[Some("seal"), Some("type")], "印章类型", "Seal type"),
    claim(&[Some("seal"), Some("type_name")], "印章名称", "Seal name"),
    claim(&[Some("seal"), Some("code")], "印章编码", "Seal code"),
    claim(&[Some("seal"), Some("template")], "印模", "Seal template"),
    claim(
        &[Some("seal"), Some("template_sha256")],
        "印模摘要（SHA-256）",
        "Template digest (SHA-256)",
    ),
    claim(
        &[Some("seal"), Some("image_sha256")],
        "印章图样摘要（SHA-256）",
        "Image digest (SHA-256)",
    ),
    claim(&[Some("police_filing")], "公安备案", "Police filing"),
    claim(
        &[Some("police_filing"), Some("id")],
        "备案编号",
        "Filing ID",
    ),
    claim(
        &[Some("police_filing"), Some("filed_at")],
        "备案时间",
        "Filed at",
    ),
    claim(
        &[Some("police_filing"), Some("signature")],
        "备案签名",
        "Filing signature",
    ),
    claim(&[Some("seal_certificate")], "印章证书", "Seal certificate"),
    claim(
        &[Some("seal_certificate"), Some("kid")],
        "证书标识",
        "Certificate key ID",
    ),
    claim(
        &[Some("seal_certificate"), Some("sha256")],
        "证书摘要（SHA-256）",
        "Certificate digest (SHA-256)",
    ),
];

const INVOICE: [ClaimLabel; 24] = [
    claim(&[Some("invoice_number")], "发票号码", "Invoice number"),
    claim(&[Some("issued_on")], "开票日期", "Date of issue"),
    claim(&[Some("tax_authority")], "税务机关", "Tax authority"),
    claim(&[Some("seller")], "销售方", "Seller"),
    claim(
        &[Some("seller"), Some("uscc")],
        "销售方统一社会信用代码",
        "Seller's credit code",
    ),
    claim(
        &[Some("seller"), Some("name")],
        "销售方名称",
        "Seller's name",
    ),
    private(&[Some("buyer")], "购买方", "Buyer"),
    inside(
        &[Some("buyer"), Some("uscc")],
        "购买方统一社会信用代码/纳税人识别号",
        "Buyer's credit code",
    ),
    inside(&[Some("buyer"), Some("name")], "购买方名称", "Buyer's name"),
    claim(&[Some("items")], "项目", "Items"),
    claim(&[Some("items"), None, Some("name")], "项目名称", "Item"),
    claim(
        &[Some("items"), None, Some("spec")],
        "规格型号",
        "Specification",
    ),
    claim(&[Some("items"), None, Some("unit")], "单位", "Unit"),
    claim(&[Some("items"), None, Some("quantity")], "数量", "Quantity"),
    claim(
        &[Some("items"), None, Some("unit_price")],
        "单价",
        "Unit price",
    ),
    claim(
        &[Some("items"), None, Some("amount_fen")],
        "金额（分）",
        "Amount (fen)",
    ),
    claim(&[Some("items"), None, Some("tax_rate")], "税率", "Tax rate"),
    claim(
        &[Some("items"), None, Some("tax_rate_label")],
        "税率/征收率",
        "Tax rate label",
    ),
    claim(
        &[Some("items"), None, Some("tax_fen")],
        "税额（分）",
        "Tax (fen)",
    ),
    claim(
        &[Some("total_amount_fen")],
        "合计金额（分）",
        "Total amount (fen)",
    ),
    claim(
        &[Some("total_tax_fen")],
        "合计税额（分）",
        "Total tax (fen)",
    ),
    claim(
        &[Some("total_with_tax_fen")],
        "价税合计（分）",
        "Total with tax (fen)",
    ),
    claim(
        &[Some("total_in_words")],
        "价税合计（大写）",
        "Total with tax in words",
    ),
    claim(&[Some("remarks")], "备注", "Remarks"),
];

const RIGHTS: [ClaimLabel; 2] = [
    claim(&[Some("tax_authority")], "主管税务机关", "Tax authority"),
    claim(&[Some("invoice_kinds")], "可开具发票种类", "Invoice kinds"),
];

/// Names and descriptions of a type: (zh-CN name, zh-CN description, en name, en description).
fn names(kind: CredentialType) -> [&'static str; 4] {
    match kind {
        CredentialType::BusinessLicense => [
            "营业执照",
            "市场监管部门签发的电子营业执照。",
            "Business licence",
            "Electronic business licence issued by the market regulator.",
        ],
        CredentialType::ESeal => [
            "电子印章",
            "依公安备案印模制发的企业电子印章（同章同模）。",
            "Electronic seal",
            "A company's electronic seal, made from the template filed with the police.",
        ],
        CredentialType::EInvoice => [
            "数电票",
            "税务机关开具的全面数字化电子发票。",
            "Fully digital invoice",
            "A fully digital e-invoice issued through the tax bureau.",
        ],
        CredentialType::InvoicingRights => [
            "开票资格",
            "税务机关授予企业的开具发票资格。",
            "Invoicing rights",
            "The right to issue invoices, granted to a company by the tax bureau.",
        ],
    }
}

/// The type's own claims (after the common ones).
fn own_claims(kind: CredentialType) -> &'static [ClaimLabel] {
    match kind {
        CredentialType::BusinessLicense => &LICENCE,
        CredentialType::ESeal => &ESEAL,
        CredentialType::EInvoice => &INVOICE,
        CredentialType::InvoicingRights => &RIGHTS,
    }
}

#[derive(Serialize)]
struct Document<'a> {
    vct: &'a str,
    name: String,
    description: &'static str,
    display: [Display; 2],
    claims: Vec<ClaimDoc>,
}

#[derive(Serialize)]
struct Display {
    locale: &'static str,
    name: &'static str,
    description: &'static str,
}

#[derive(Serialize)]
struct ClaimDoc {
    path: &'static [Option<&'static str>],
    display: [Label; 2],
    #[serde(skip_serializing_if = "Option::is_none")]
    sd: Option<Sd>,
}

#[derive(Serialize)]
struct Label {
    locale: &'static str,
    label: &'static str,
}

impl CredentialType {
    /// The SD-JWT VC type identifier: where this node serves the type's metadata.
    /// `base` is the node's public URL (e.g. `http://127.0.0.1:8080`). Credentials issued
    /// before carry `https://zhengtong.example/vct/<type>/v1`; the verifier goes by
    /// `credential_type`, not `vct`, so both verify.
    pub fn vct(self, base: &str) -> String {
        format!("{}{PATH}/{}", base.trim_end_matches('/'), self.as_str())
    }

    /// The type named by the last segment of its `vct` URL.
    pub fn from_vct_segment(segment: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == segment)
    }
}

/// The type metadata document of `kind` as this node serves it (UTF-8 JSON bytes).
pub fn document(kind: CredentialType, base: &str) -> Vec<u8> {
    let [zh, zh_desc, en, en_desc] = names(kind);
    let vct = kind.vct(base);
    let doc = Document {
        vct: &vct,
        name: format!("{en} ({zh})"),
        description: en_desc,
        display: [
            Display {
                locale: "zh-CN",
                name: zh,
                description: zh_desc,
            },
            Display {
                locale: "en",
                name: en,
                description: en_desc,
            },
        ],
        claims: COMMON
            .iter()
            .chain(own_claims(kind))
            .map(|c| ClaimDoc {
                path: c.path,
                display: [
                    Label {
                        locale: "zh-CN",
                        label: c.zh,
                    },
                    Label {
                        locale: "en",
                        label: c.en,
                    },
                ],
                sd: c.sd,
            })
            .collect(),
    };
    // Plain structs and strings: serialising cannot fail.
    serde_json::to_vec(&doc).unwrap_or_default()
}

/// The W3C SRI "integrity metadata" of `bytes`: `sha256-` and the standard base64 of the
/// SHA-256 digest (what `vct#integrity` holds).
pub fn integrity(bytes: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, bytes);
    format!("sha256-{}", crate::b64::encode_std(digest.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    const BASE: &str = "http://127.0.0.1:8080";

    #[test]
    fn every_type_has_a_document_naming_its_own_vct_in_both_locales() {
        for kind in CredentialType::ALL {
            let doc: Value = serde_json::from_slice(&document(kind, BASE)).unwrap();
            assert_eq!(doc["vct"], format!("{BASE}/v1/vct/{}", kind.as_str()));
            assert_eq!(kind.vct(&format!("{BASE}/")), doc["vct"]);
            let locales: Vec<&str> = doc["display"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["locale"].as_str().unwrap())
                .collect();
            assert_eq!(locales, ["zh-CN", "en"]);
            assert_eq!(doc["display"][0]["name"], kind.name_zh());
            for c in doc["claims"].as_array().unwrap() {
                let labels = c["display"].as_array().unwrap();
                assert_eq!(labels.len(), 2, "{c}");
                assert!(
                    labels
                        .iter()
                        .all(|l| !l["label"].as_str().unwrap().is_empty())
                );
            }
            assert_eq!(CredentialType::from_vct_segment(kind.as_str()), Some(kind));
        }
        assert_eq!(CredentialType::from_vct_segment("bl"), None);
    }

    #[test]
    fn no_claim_path_is_labelled_twice() {
        for kind in CredentialType::ALL {
            let mut paths: Vec<_> = COMMON
                .iter()
                .chain(own_claims(kind))
                .map(|c| c.path)
                .collect();
            let n = paths.len();
            paths.sort();
            paths.dedup();
            assert_eq!(paths.len(), n, "{kind:?}");
        }
    }

    #[test]
    fn integrity_is_sri_sha256_of_the_exact_bytes() {
        let doc = document(CredentialType::EInvoice, BASE);
        let sri = integrity(&doc);
        let b64 = sri.strip_prefix("sha256-").unwrap();
        let digest = crate::b64::decode_std(b64).unwrap();
        assert_eq!(
            digest,
            ring::digest::digest(&ring::digest::SHA256, &doc).as_ref()
        );
        // Deterministic, and tied to the node's URL (which is in the document).
        assert_eq!(integrity(&document(CredentialType::EInvoice, BASE)), sri);
        assert_ne!(
            integrity(&document(CredentialType::EInvoice, "http://other")),
            sri
        );
    }
}
