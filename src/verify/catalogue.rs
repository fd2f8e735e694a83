//! Every check name and every reason a verification report can give, in one place, in
//! simplified Chinese (for the clerk at the counter) and English. A report holds the typed
//! [`Reason`]; its text is rendered only when the report is written out, in the language
//! asked for. The machine-readable parts (indication, sub-indication, check names) are the
//! same strings in both languages.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Time;
use super::lang::Lang;
use super::report::{CheckResult, Indication, SubIndication};
use crate::credential::CredentialType;
use crate::domain::RegionCode;
use crate::pki::{CertInfo, ChainError, TrustedCert};

/// The checks of a report (`checks[].name`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
    strum::EnumIter,
)]
#[serde(rename_all = "snake_case")]
pub enum CheckName {
    TrustList,
    Format,
    SigningCertificate,
    Signature,
    CertificateValidity,
    Issuer,
    CredentialType,
    ValidityPeriod,
    CredentialStatus,
    DocumentHash,
    ESealCredential,
    PoliceFiling,
    KeyBinding,
    SignatureTimestamp,
}

impl CheckName {
    /// The name as it appears in the JSON (`signing_certificate`).
    pub fn as_str(self) -> &'static str {
        use CheckName::*;
        match self {
            TrustList => "trust_list",
            Format => "format",
            SigningCertificate => "signing_certificate",
            Signature => "signature",
            CertificateValidity => "certificate_validity",
            Issuer => "issuer",
            CredentialType => "credential_type",
            ValidityPeriod => "validity_period",
            CredentialStatus => "credential_status",
            DocumentHash => "document_hash",
            ESealCredential => "e_seal_credential",
            PoliceFiling => "police_filing",
            KeyBinding => "key_binding",
            SignatureTimestamp => "signature_timestamp",
        }
    }

    /// What a person calls the check (the English label is the JSON name).
    pub fn label(self, lang: Lang) -> &'static str {
        use CheckName::*;
        if lang == Lang::En {
            return self.as_str();
        }
        match self {
            TrustList => "信任列表",
            Format => "格式",
            SigningCertificate => "签名证书",
            Signature => "签名",
            CertificateValidity => "证书有效期",
            Issuer => "签发机关",
            CredentialType => "凭证类型",
            ValidityPeriod => "有效期",
            CredentialStatus => "吊销状态",
            DocumentHash => "文件完整性",
            ESealCredential => "电子印章凭证",
            PoliceFiling => "公安备案",
            KeyBinding => "持有人密钥绑定",
            SignatureTimestamp => "签名时间戳",
        }
    }
}

impl Indication {
    /// The JSON name (`TOTAL_PASSED`).
    pub fn as_str(self) -> &'static str {
        match self {
            Indication::TotalPassed => "TOTAL_PASSED",
            Indication::TotalFailed => "TOTAL_FAILED",
            Indication::Indeterminate => "INDETERMINATE",
        }
    }

    /// The verdict in words.
    pub fn text(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Indication::TotalPassed, Lang::ZhCn) => "有效",
            (Indication::TotalPassed, Lang::En) => "valid",
            (Indication::TotalFailed, Lang::ZhCn) => "无效",
            (Indication::TotalFailed, Lang::En) => "not valid",
            (Indication::Indeterminate, Lang::ZhCn) => "无法确认",
            (Indication::Indeterminate, Lang::En) => "cannot be confirmed",
        }
    }
}

impl SubIndication {
    /// The JSON name (`SIG_CRYPTO_FAILURE`).
    pub fn as_str(self) -> &'static str {
        use SubIndication::*;
        match self {
            FormatFailure => "FORMAT_FAILURE",
            HashFailure => "HASH_FAILURE",
            SigCryptoFailure => "SIG_CRYPTO_FAILURE",
            Revoked => "REVOKED",
            Expired => "EXPIRED",
            NotYetValid => "NOT_YET_VALID",
            NoCertificateChainFound => "NO_CERTIFICATE_CHAIN_FOUND",
            ChainConstraintsFailure => "CHAIN_CONSTRAINTS_FAILURE",
            SigConstraintsFailure => "SIG_CONSTRAINTS_FAILURE",
            TryLater => "TRY_LATER",
        }
    }

    /// What the sub-indication means, in a few words.
    pub fn text(self, lang: Lang) -> &'static str {
        use SubIndication::*;
        let (zh, en) = match self {
            FormatFailure => ("格式无法识别", "the format is not recognised"),
            HashFailure => ("文件已被改动", "the document was changed"),
            SigCryptoFailure => ("签名无效", "the signature is not valid"),
            Revoked => ("已吊销", "revoked"),
            Expired => ("已过期", "expired"),
            NotYetValid => ("尚未生效", "not yet valid"),
            NoCertificateChainFound => ("签名证书不受信任", "no trusted certificate chain"),
            ChainConstraintsFailure => ("证书用途不符", "the certificate may not sign this"),
            SigConstraintsFailure => ("不符合签发规则", "the signing rules are not met"),
            TryLater => ("暂时无法确认，请稍后再试", "try again later"),
        };
        pick(lang, zh, en)
    }
}

impl CheckResult {
    /// The mark in the text report.
    pub fn mark(self, lang: Lang) -> &'static str {
        use CheckResult::*;
        let (zh, en) = match self {
            Passed => ("通过", "ok  "),
            Failed => ("失败", "FAIL"),
            Warning => ("注意", "warn"),
            Skipped => ("跳过", "skip"),
        };
        pick(lang, zh, en)
    }
}

fn pick<T>(lang: Lang, zh: T, en: T) -> T {
    match lang {
        Lang::ZhCn => zh,
        Lang::En => en,
    }
}

/// A certificate as a report names it: its common name and kid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertName {
    pub cn: String,
    pub kid: String,
}

impl CertName {
    pub fn of(info: &CertInfo) -> Self {
        CertName {
            cn: info.subject_cn.clone(),
            kid: info.kid.clone(),
        }
    }

    fn text(&self, lang: Lang) -> CertText<'_> {
        CertText(&self.cn, &self.kid, lang)
    }
}

/// A certificate's common name and kid, as a report writes them.
struct CertText<'a>(&'a str, &'a str, Lang);

impl fmt::Display for CertText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let CertText(cn, kid, lang) = self;
        match lang {
            // As `CertInfo::describe`.
            Lang::En => write!(f, "“{cn}” (kid {kid})"),
            Lang::ZhCn => write!(f, "“{cn}”（证书标识 {kid}）"),
        }
    }
}

/// A signer certificate traced to its CA (shared, not copied, in the report).
pub type Signer = Arc<TrustedCert>;

fn signer(s: &Signer, lang: Lang) -> (CertText<'_>, &str) {
    (
        CertText(&s.info.subject_cn, &s.info.kid, lang),
        s.ca.subject_cn.as_str(),
    )
}

/// Every reason a check can give, with what it needs to say. `detail` fields hold a
/// parser's or a status source's own English words: the English text shows them, the
/// Chinese text says what they mean for the clerk without them.
#[derive(Debug, Clone, strum::EnumDiscriminants)]
#[strum_discriminants(name(ReasonKey), derive(strum::EnumIter, Hash))]
pub enum Reason {
    // trust_list
    TrustListExpired {
        exp: i64,
        grace: i64,
    },
    TrustListInGrace {
        exp: i64,
        grace: i64,
    },
    /// Valid, and the first list this node has on record (new or lost state).
    TrustListValidFirstOnRecord {
        exp: i64,
    },
    TrustListValid {
        exp: i64,
    },
    // presentation
    NotAPresentation {
        detail: String,
    },
    PresentationClaimsMalformed {
        detail: String,
    },
    PresentationFormatOk,
    PresentationKidUntrusted {
        kid: String,
    },
    MayNotSignPresentations {
        cert: CertName,
    },
    PresentationSignedBy {
        cert: Signer,
    },
    PresentationSignatureMismatch,
    PresentationSignatureValid,
    CertificateNamesNoRegion {
        cert: CertName,
    },
    PresentationIssuedIn {
        region: RegionCode,
    },
    PresentationNotYetValid {
        iat: i64,
    },
    QrExpired {
        exp: i64,
        ago_s: i64,
    },
    CredentialBehindQrExpired {
        valid_until: i64,
    },
    QrValidUntil {
        exp: i64,
    },
    // certificate_validity
    CertificateOutsideWindow {
        cert: CertName,
        from: i64,
        to: i64,
        signed_at: i64,
    },
    CertificateValidAtSigning {
        signed_at: i64,
    },
    // credential (SD-JWT)
    CredentialTooLong,
    NotAnSdJwt {
        detail: String,
    },
    NoCredentialType,
    SdJwtFormatOk {
        kind: CredentialType,
        disclosures: usize,
    },
    CredentialChainUntrusted {
        detail: ChainError,
    },
    CredentialSignedBy {
        cert: Signer,
    },
    CredentialSignatureMismatch,
    CredentialSignatureValid,
    CredentialIssuedBy {
        region: RegionCode,
    },
    IssuerMismatch {
        iss: String,
    },
    CredentialNotYetValid {
        nbf: i64,
    },
    CredentialExpired {
        exp: i64,
    },
    CredentialValidUntil {
        exp: i64,
    },
    // credential_type
    UnknownCredentialType,
    TypeNotAllowed {
        region: RegionCode,
        kind: CredentialType,
    },
    /// Signed under the CA of a region the trust list does not name.
    RegionNotInTrustList {
        region: RegionCode,
    },
    // credential_status
    StatusOffline,
    /// Not revoked: from the issuing region's own records (`list_signed_at` none), or from
    /// its status list signed at that moment, `age_s` seconds before the check.
    StatusNotRevoked {
        list_signed_at: Option<i64>,
        age_s: i64,
    },
    /// Not revoked, by a status list that is the first this node has seen from its URI with
    /// none on record before it: a replayed older list could not be told from it.
    StatusNotRevokedFirstList {
        list_signed_at: i64,
        age_s: i64,
    },
    RevokedAfterSigning {
        at: DateTime<Utc>,
        detail: String,
        signed_at: i64,
    },
    Revoked {
        at: Option<DateTime<Utc>>,
        detail: String,
    },
    StatusUnknown {
        detail: String,
    },
    /// The issuing node holds a credential with this id, but not these bytes.
    NotTheIssuedCredential {
        credential_id: String,
    },
    // sealed document
    NotASealSignatureType {
        typ: &'static str,
    },
    NotASealSignature {
        detail: String,
    },
    SealPayloadMalformed {
        detail: String,
    },
    SealFormatOk,
    SealChainUntrusted {
        detail: ChainError,
    },
    SealedWith {
        cert: Signer,
    },
    SealSignatureMismatch,
    SealSignatureValid,
    DocumentChanged {
        actual: String,
        sealed: String,
    },
    DocumentUnchanged {
        sha256: String,
    },
    SealCertificateNotValidAtSigning {
        signed_at: i64,
    },
    SealCertificateValidAtSigning {
        signed_at: i64,
    },
    // e_seal_credential
    ESealCredentialInvalid {
        inner: Option<Box<Reason>>,
    },
    ESealCredentialMismatch,
    ESealCredentialOk {
        type_name: String,
        authority: String,
        company: String,
    },
    ESealNoStatusEntry,
    // PDF signatures (PAdES)
    PdfMalformed {
        detail: String,
    },
    PdfNoSignatures,
    /// A PDF signature: a detached CMS SignedData (ETSI.CAdES.detached) over a byte range.
    PdfFormatOk,
    PdfByteRangeInvalid,
    /// The byte range does not describe the file, and why.
    PdfByteRangeWrong {
        detail: String,
    },
    /// A later revision changed what this signature signed (what, in the detail).
    PdfModifiedAfterSigning {
        revision: usize,
        detail: String,
    },
    /// The CMS signature over its byte range is intact (any signer).
    PdfSignatureIntact,
    /// The signed attributes name another certificate than the signer's.
    PdfSigningCertificateMismatch,
    /// A signature by someone our trust list does not know.
    PdfSignerUntrusted {
        signer: String,
        detail: String,
    },
    /// A document timestamp (ETSI.RFC3161) over its byte range.
    PdfDocTimestamp {
        at: i64,
        tsa: String,
    },
    PdfChangedAfterSigning {
        covered: usize,
        total: usize,
    },
    PdfSignedRevision {
        covered: usize,
        total: usize,
    },
    /// The revisions after the signed one only add what PDF signatures allow.
    PdfSignedRevisionThenDss {
        covered: usize,
        total: usize,
    },
    PdfNoTimestamp,
    PdfTimestamp {
        at: i64,
        tsa: String,
    },
    PdfTimestampMismatch,
    PdfTimestampInvalid {
        detail: String,
    },
    SealCertificateValidAtTimestamp {
        at: i64,
    },
    SealCertificateNotValidAtTimestamp {
        at: i64,
    },
    PdfSealRevokedAfterTimestamp {
        revoked_at: i64,
        timestamp: i64,
    },
    PdfSealRevokedBeforeTimestamp {
        revoked_at: i64,
        timestamp: i64,
    },
    SealNoTimestamp,
    SealClaimedAfterTimestamp {
        claimed: i64,
        at: i64,
    },
    PdfSealUnknown {
        seal_id: String,
    },
    PdfSealActive,
    PdfSealRevokedAfterSigning {
        revoked_at: i64,
    },
    PdfSealRevokedBeforeSigning {
        revoked_at: i64,
    },
    PdfSealImageFiled {
        image_sha256: String,
        filing_id: String,
    },
    PdfSealImageMismatch {
        signed: String,
        filed: String,
    },
    // police_filing
    NoSealTemplate,
    NoPoliceFilingSignature,
    /// The filing's signature is valid but what it signed is not a JSON object.
    PoliceFilingMalformed {
        detail: String,
    },
    PoliceFilingKidUntrusted {
        kid: String,
    },
    PoliceFilingSignatureInvalid,
    SealImageNotFiled,
    SealImageFiled {
        image_sha256: String,
        registry: String,
        filing_id: String,
    },
    // key_binding
    KeyBindingBearer,
    KeyBindingMissing,
    KeyBindingNotInQr,
    KeyBindingNoHolderKey,
    KeyBindingTyp {
        typ: String,
    },
    KeyBindingMalformed {
        detail: String,
    },
    KeyBindingSignatureMismatch,
    KeyBindingSdHashMismatch,
    KeyBindingStale {
        iat: i64,
        age_s: i64,
        max_s: i64,
    },
    KeyBindingInFuture {
        iat: i64,
        max_s: i64,
    },
    KeyBindingNonceMismatch {
        expected: String,
        got: Option<String>,
    },
    KeyBindingAudMismatch {
        expected: String,
        got: Option<String>,
    },
    KeyBindingValid {
        iat: i64,
        nonce: Option<String>,
        aud: Option<String>,
    },
}

impl Reason {
    /// The reason in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        self.in_lang(lang).to_string()
    }

    /// The reason in `lang`, written out when displayed (into a report's JSON directly).
    pub fn in_lang(&self, lang: Lang) -> InLang<'_> {
        InLang(self, lang)
    }

    fn en(&self) -> String {
        self.text(Lang::En)
    }

    fn zh(&self) -> String {
        self.text(Lang::ZhCn)
    }

    /// Writes the reason in English (no intermediate strings: reports render every check).
    fn write_en(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Reason::*;
        let t = Time;
        match self {
            TrustListExpired { exp, grace } => write!(f, "The trust list expired at {} and its grace period of {grace} s is over: this verifier cannot tell which certificates are trusted. Update the trust list and try again.", t(*exp)),
            TrustListInGrace { exp, grace } => write!(f, "The trust list expired at {}; using the last good copy during the grace period (until {}).", t(*exp), t(exp + grace)),
            TrustListValid { exp } => write!(f, "The trust list is valid until {}.", t(*exp)),
            TrustListValidFirstOnRecord { exp } => write!(f, "The trust list is valid until {}. It is the first this verifier has on record (its saved state is new or was lost): an older list replayed to it could not be told from it until a newer one arrives.", t(*exp)),
            NotAPresentation { detail } => write!(f, "This is not a zhengtong QR presentation: {detail}."),
            PresentationClaimsMalformed { detail } => write!(f, "The token's claims are incomplete or malformed: {detail}."),
            PresentationFormatOk => f.write_str("A compact JWS (ES256) with the claims of a QR presentation."),
            PresentationKidUntrusted { kid } => write!(f, "The token was signed with a certificate (kid {kid:?}) that is not in this verifier's trust list: it comes from a CA this verifier does not trust, or it is forged. Update the trust list, or do not accept it."),
            MayNotSignPresentations { cert } => write!(f, "{} may not sign presentations.", cert.text(Lang::En)),
            PresentationSignedBy { cert } => {
                let (c, ca) = signer(cert, Lang::En);
                write!(f, "Signed with {c}, issued by {ca} under the national root.")
            }
            PresentationSignatureMismatch => f.write_str("The signature does not match the content: the token was altered after signing, or was not signed with this certificate. Do not accept it."),
            PresentationSignatureValid => f.write_str("The ES256 signature is valid: the content is exactly what the region signed."),
            CertificateNamesNoRegion { cert } => write!(f, "{} names no region.", cert.text(Lang::En)),
            PresentationIssuedIn { region } => write!(f, "Issued in {} ({region}), signed with that region's key.", region.name()),
            PresentationNotYetValid { iat } => write!(f, "The QR code says it was made at {}, in the future: check this device's clock.", t(*iat)),
            QrExpired { exp, ago_s } => write!(f, "The QR code expired at {} ({ago_s} s ago). Ask the company to show a fresh one.", t(*exp)),
            CredentialBehindQrExpired { valid_until } => write!(f, "The credential behind the QR code expired at {}.", t(*valid_until)),
            QrValidUntil { exp } => write!(f, "The QR code is valid until {}.", t(*exp)),
            CertificateOutsideWindow { cert, from, to, signed_at } => write!(f, "{} (with its CA) is valid from {} to {}, but the signature is dated {}.", cert.text(Lang::En), t(*from), t(*to), t(*signed_at)),
            CertificateValidAtSigning { signed_at } => write!(f, "The signing certificate was valid when it signed ({}).", t(*signed_at)),
            CredentialTooLong => f.write_str("The credential is longer than 256 KiB."),
            NotAnSdJwt { detail } => write!(f, "This is not a valid SD-JWT credential: {detail}."),
            NoCredentialType => f.write_str("The credential has no known credential_type."),
            SdJwtFormatOk { kind, disclosures } => write!(f, "An SD-JWT VC ({}) with {disclosures} disclosure(s) that match their digests.", kind.as_str()),
            CredentialChainUntrusted { detail } => write!(f, "{detail}. The credential cannot be traced to a trusted regional CA."),
            CredentialSignedBy { cert } => {
                let (c, ca) = signer(cert, Lang::En);
                write!(f, "Signed with {c}, issued by {ca}.")
            }
            CredentialSignatureMismatch => f.write_str("The issuer's signature does not match the credential: it was altered after issuance."),
            CredentialSignatureValid => f.write_str("The issuer's ES256 signature is valid."),
            CredentialIssuedBy { region } => write!(f, "Issued by {} ({region}).", region.authority_name()),
            IssuerMismatch { iss } => write!(f, "iss {iss:?} is not the issuer the signing certificate names."),
            CredentialNotYetValid { nbf } => write!(f, "The credential is valid only from {}.", t(*nbf)),
            CredentialExpired { exp } => write!(f, "The credential expired at {}.", t(*exp)),
            CredentialValidUntil { exp } => write!(f, "Valid until {}.", t(*exp)),
            UnknownCredentialType => f.write_str("Unknown credential type."),
            TypeNotAllowed { region, kind } => write!(f, "The trust list does not allow {} ({region}) to issue {} ({}). Do not accept it.", region.name(), kind.name_zh(), kind.as_str()),
            StatusOffline => f.write_str("Offline verification: revocation was not checked. Verify online to learn whether the credential has been revoked."),
            StatusNotRevoked { list_signed_at: None, .. } => f.write_str("The issuing region's own records show the credential as not revoked (read at the time of this check)."),
            StatusNotRevoked { list_signed_at: Some(at), age_s } => write!(f, "The issuing region's status list, signed at {} ({age_s} s before this check), shows the credential as not revoked.", t(*at)),
            StatusNotRevokedFirstList { list_signed_at: at, age_s } => write!(f, "The issuing region's status list, signed at {} ({age_s} s before this check), shows the credential as not revoked. It is the first list this node has from that address, with no earlier one on record (new or lost state): a replayed older list could not be told from it until a newer one arrives.", t(*at)),
            RevokedAfterSigning { at, detail, signed_at } => write!(f, "Revoked at {} ({detail}), after this signature was made at {}: the signature stays valid, as a paper seal's impression does.", at.to_rfc3339(), t(*signed_at)),
            Revoked { at, detail } => {
                let when = at.map(|t| format!(" at {}", t.to_rfc3339())).unwrap_or_default();
                write!(f, "The credential was revoked{when}: {detail}. Do not accept it.")
            }
            StatusUnknown { detail } => write!(f, "The credential's status cannot be learned now ({detail}). Try again later; do not treat it as valid or as revoked."),
            RegionNotInTrustList { region } => write!(f, "It was signed under the CA of {} ({region}), a region that is not in the trust list: nothing it signs can be verified here.", region.name()),
            NotTheIssuedCredential { credential_id } => write!(f, "The issuing region holds a credential with id {credential_id}, but these bytes are not the credential it issued: a forgery reusing a real credential's id. Do not accept it."),
            NotASealSignatureType { typ } => write!(f, "This is a JWS but not a zhengtong seal signature (typ \"{typ}\")."),
            NotASealSignature { detail } => write!(f, "This is not a seal signature: {detail}."),
            SealPayloadMalformed { detail } => write!(f, "The seal signature's content is malformed: {detail}."),
            SealFormatOk => f.write_str("A compact JWS (ES256) seal signature."),
            SealChainUntrusted { detail } => write!(f, "{detail}. The seal's certificate cannot be traced to a trusted regional CA: do not rely on this seal."),
            SealedWith { cert } => {
                let (c, ca) = signer(cert, Lang::En);
                write!(f, "Sealed with {c}, issued by {ca}.")
            }
            SealSignatureMismatch => f.write_str("The seal signature does not match its content: it was altered after sealing."),
            SealSignatureValid => f.write_str("The seal's ES256 signature is valid."),
            PdfMalformed { detail } => write!(f, "The PDF or its signature cannot be read: {detail}."),
            PdfNoSignatures => f.write_str("The PDF has no signatures."),
            PdfFormatOk => f.write_str("A PDF signature: a detached CMS SignedData over its byte range, readable as the standard defines it."),
            PdfByteRangeInvalid => f.write_str("The signature's /ByteRange does not describe this file: it does not start at 0 or does not leave out exactly the /Contents string."),
            PdfByteRangeWrong { detail } => write!(f, "The signature's byte range does not describe this file: {detail}. Do not rely on this signature."),
            PdfModifiedAfterSigning { revision, detail } => write!(f, "The document was changed after this signature (in revision {revision}: {detail}). What a viewer shows is not what was signed: do not rely on this document."),
            PdfSignatureIntact => f.write_str("The signature is intact: the signed bytes and attributes are exactly what the signer's key signed."),
            PdfSigningCertificateMismatch => f.write_str("The signed attributes name another certificate than the one that signed: the signer may have been substituted. Do not rely on this signature."),
            PdfSignerUntrusted { signer, detail } => write!(f, "Signed by “{signer}”, whose certificate cannot be traced to a CA in this verifier's trust list ({detail}): the signature is intact, but who signed cannot be confirmed here."),
            PdfDocTimestamp { at, tsa } => write!(f, "A document timestamp by “{tsa}”, a trusted timestamp authority: the document as it stood at {} existed then.", t(*at)),
            PdfChangedAfterSigning { covered, total } => write!(f, "The PDF was changed after this signature: the signature covers {covered} bytes of {total}, and what follows is not covered by a later intact signature."),
            PdfSignedRevision { covered, total } => if covered == total {
                write!(f, "The signature covers the whole file ({total} bytes).")
            } else {
                write!(f, "The signature covers its revision ({covered} of {total} bytes); what follows is a later signature, itself intact.")
            },
            PdfSignedRevisionThenDss { covered, total } => write!(f, "The signature covers its revision ({covered} of {total} bytes); the revisions after it only add what PDF signatures allow (validation data in the document security store, document timestamps, further signatures), which changes nothing signed."),
            PdfNoTimestamp => f.write_str("The signature has no signature timestamp (PAdES B-B): its time is the one the signer claims."),
            PdfTimestamp { at, tsa } => write!(f, "The signature was timestamped at {} by “{tsa}”, a trusted timestamp authority: the signature existed at that time.", t(*at)),
            PdfTimestampMismatch => f.write_str("The signature timestamp covers another signature value than this one: it was taken from another signature or the signature was altered. Do not rely on it."),
            PdfTimestampInvalid { detail } => write!(f, "The signature timestamp is not valid: {detail}."),
            SealCertificateValidAtTimestamp { at } => write!(f, "The seal certificate was valid at the timestamp's time {}.", t(*at)),
            SealCertificateNotValidAtTimestamp { at } => write!(f, "The seal certificate was not valid at the timestamp's time {}.", t(*at)),
            PdfSealRevokedAfterTimestamp { revoked_at, timestamp } => write!(f, "The e-seal was revoked at {}, after the signature's timestamp {}: the signature stays valid, but the seal can no longer be used.", t(*revoked_at), t(*timestamp)),
            PdfSealRevokedBeforeTimestamp { revoked_at, timestamp } => write!(f, "The e-seal was revoked at {}, before the signature's timestamp {}: do not rely on this seal.", t(*revoked_at), t(*timestamp)),
            SealNoTimestamp => f.write_str("The seal signature carries no timestamp: its signing time is the one the signer claims. Ask for the timestamped signature (timestamped_signature) to have it attested by the region."),
            SealClaimedAfterTimestamp { claimed, at } => write!(f, "The signer claims to have sealed at {}, after the region's timestamp on the signature {}: the claimed time is false.", t(*claimed), t(*at)),
            PdfSealUnknown { seal_id } => write!(f, "The e-seal {seal_id:?} is not held by this node: its status and filed image were not checked here."),
            PdfSealActive => f.write_str("The e-seal is in force."),
            PdfSealRevokedAfterSigning { revoked_at } => write!(f, "The e-seal was revoked at {}, after this signature: the signature stays valid, but the seal can no longer be used.", t(*revoked_at)),
            PdfSealRevokedBeforeSigning { revoked_at } => write!(f, "The e-seal was revoked at {}, before the signing time: do not rely on this seal.", t(*revoked_at)),
            PdfSealImageFiled { image_sha256, filing_id } => write!(f, "The seal image named in the signature (SHA-256 {image_sha256}) is the one filed with the police (filing {filing_id})."),
            PdfSealImageMismatch { signed, filed } => write!(f, "The seal image named in the signature ({signed:?}) is not the filed one ({filed}): do not rely on this seal."),
            DocumentChanged { actual, sealed } => write!(f, "The document was changed after it was sealed: its SHA-256 is {actual}, the seal covers {sealed}."),
            DocumentUnchanged { sha256 } => write!(f, "The document is exactly the one sealed (SHA-256 {sha256})."),
            SealCertificateNotValidAtSigning { signed_at } => write!(f, "The seal certificate was not valid at the signing time {}.", t(*signed_at)),
            SealCertificateValidAtSigning { signed_at } => write!(f, "The seal certificate was valid at the signing time {} (claimed by the signer; no timestamp).", t(*signed_at)),
            ESealCredentialInvalid { inner } => write!(f, "The e-seal credential carried by the signature does not verify: {}", inner.as_ref().map(|r| r.en()).unwrap_or_default()),
            ESealCredentialMismatch => f.write_str("The e-seal credential does not belong to the key that sealed, or names another seal."),
            ESealCredentialOk { type_name, authority, company } => write!(f, "The e-seal credential ({type_name}) was issued by {authority} to {company} and binds this seal's key."),
            ESealNoStatusEntry => f.write_str("The e-seal credential names no region or status entry."),
            NoSealTemplate => f.write_str("The e-seal credential carries no readable seal template."),
            NoPoliceFilingSignature => f.write_str("The e-seal credential carries no police filing signature."),
            PoliceFilingMalformed { detail } => write!(f, "The police filing's signed content cannot be read ({detail}): the seal cannot be compared with the filing."),
            PoliceFilingKidUntrusted { kid } => write!(f, "The police filing was signed by a certificate (kid {kid:?}) this verifier does not trust as a police seal registry."),
            PoliceFilingSignatureInvalid => f.write_str("The police registry's signature on the filing is not valid."),
            SealImageNotFiled => f.write_str("同章同模 failed: the seal image is not the one filed with the police."),
            SealImageFiled { image_sha256, registry, filing_id } => write!(f, "同章同模: the seal image (SHA-256 {image_sha256}) is the one filed with {registry} (filing {filing_id}). Compare it with the paper seal."),
            KeyBindingBearer => f.write_str("No key-binding JWT: this is a bearer presentation. Nothing proves that whoever presented it holds the company's key; anyone with a copy can show it."),
            KeyBindingMissing => f.write_str("This verifier asked for proof of possession (a nonce or an audience), but the credential carries no key-binding JWT. Ask the company to answer your challenge from its wallet."),
            KeyBindingNotInQr => f.write_str("This verifier asked for proof of possession (a nonce or an audience), which a QR presentation cannot give. Ask for an SD-JWT presentation with key binding."),
            KeyBindingNoHolderKey => f.write_str("A key-binding JWT is attached, but the credential names no usable holder key (cnf.jwk, EC P-256) to check it with. Do not accept it."),
            KeyBindingTyp { typ } => write!(f, "The key-binding JWT has typ {typ:?}; \"kb+jwt\" is required."),
            KeyBindingMalformed { detail } => write!(f, "The key-binding JWT's claims are malformed: {detail}."),
            KeyBindingSignatureMismatch => f.write_str("The key-binding JWT is not signed by the holder key the credential names (cnf): whoever presented it does not hold the company's key. Do not accept it."),
            KeyBindingSdHashMismatch => f.write_str("The key-binding JWT's sd_hash does not match the presented SD-JWT: disclosures were added or removed after the holder signed. Do not accept it."),
            KeyBindingStale { iat, age_s, max_s } => write!(f, "The key-binding JWT was made at {} ({age_s} s ago); at most {max_s} s old is accepted: it may be replayed. Ask for a fresh presentation.", t(*iat)),
            KeyBindingInFuture { iat, max_s } => write!(f, "The key-binding JWT says it was made at {}, more than {max_s} s ahead of this verifier's clock: check the clocks.", t(*iat)),
            KeyBindingNonceMismatch { expected, got } => match got {
                Some(got) => write!(f, "The key-binding JWT answers nonce {got:?}, not the nonce {expected:?} this verifier gave: it was made for another challenge. Do not accept it."),
                None => write!(f, "The key-binding JWT has no nonce; this verifier gave {expected:?}. Do not accept it."),
            },
            KeyBindingAudMismatch { expected, got } => match got {
                Some(got) => write!(f, "The key-binding JWT is addressed to {got:?}, not to {expected:?}: it was made for another verifier. Do not accept it."),
                None => write!(f, "The key-binding JWT names no audience; this verifier expected {expected:?}. Do not accept it."),
            },
            KeyBindingValid { iat, nonce, aud } => {
                let asked = match (nonce, aud) {
                    (None, None) => String::new(),
                    (n, a) => format!(" It answers {}.", [n.as_ref().map(|n| format!("nonce {n:?}")), a.as_ref().map(|a| format!("audience {a:?}"))].into_iter().flatten().collect::<Vec<_>>().join(" and ")),
                };
                write!(f, "The presenter holds the company's key (cnf): the key-binding JWT, made at {}, is signed by it and covers exactly the presented disclosures.{asked}", t(*iat))
            }
        }
    }

    fn write_zh(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Reason::*;
        let t = Time;
        let zh = Lang::ZhCn;
        match self {
            TrustListExpired { exp, grace } => write!(f, "信任列表已于 {} 过期，{grace} 秒的宽限期也已结束：本查验端无法判断哪些证书可信。请更新信任列表后再试。", t(*exp)),
            TrustListInGrace { exp, grace } => write!(f, "信任列表已于 {} 过期，宽限期内（至 {}）暂用最后一份有效的信任列表。", t(*exp), t(exp + grace)),
            TrustListValid { exp } => write!(f, "信任列表有效，有效期至 {}。", t(*exp)),
            TrustListValidFirstOnRecord { exp } => write!(f, "信任列表有效，有效期至 {}。这是本验证端记录中的第一份信任列表（保存的状态为新或已丢失）：在收到更新的列表之前，无法排除这是重放的旧列表。", t(*exp)),
            NotAPresentation { .. } => f.write_str("这不是证通亮照二维码，无法读取其内容。"),
            PresentationClaimsMalformed { .. } => f.write_str("二维码中的信息不完整或格式有误。"),
            PresentationFormatOk => f.write_str("格式正确：这是一份证通亮照二维码（ES256 签名）。"),
            PresentationKidUntrusted { kid } => write!(f, "签名所用的证书（证书标识 “{kid}”）不在本查验端的信任列表中：它来自本查验端不信任的发证机构，或是伪造的。请更新信任列表；否则不要采信。"),
            MayNotSignPresentations { cert } => write!(f, "证书{}无权签发亮照二维码。", cert.text(zh)),
            PresentationSignedBy { cert } => {
                let (c, ca) = signer(cert, zh);
                write!(f, "由{c}签名，该证书由{ca}签发，可追溯至国家根证书。")
            }
            PresentationSignatureMismatch => f.write_str("签名与内容不符：二维码在签名后被改动过，或并非用该证书签名。请勿采信。"),
            PresentationSignatureValid => f.write_str("签名有效：内容与签发地区签名时完全一致。"),
            CertificateNamesNoRegion { cert } => write!(f, "证书{}未注明所属地区。", cert.text(zh)),
            PresentationIssuedIn { region } => write!(f, "由{}（{region}）签发，使用该地区的签名密钥。", region.name()),
            PresentationNotYetValid { iat } => write!(f, "二维码的生成时间为 {}，晚于当前时间：请检查本设备的时钟。", t(*iat)),
            QrExpired { exp, ago_s } => write!(f, "二维码已于 {} 过期（{ago_s} 秒前）。请企业重新出示新的二维码。", t(*exp)),
            CredentialBehindQrExpired { valid_until } => write!(f, "二维码对应的电子证照已于 {} 过期。", t(*valid_until)),
            QrValidUntil { exp } => write!(f, "二维码在有效期内，有效至 {}。", t(*exp)),
            CertificateOutsideWindow { cert, from, to, signed_at } => write!(f, "证书{}及其发证机构证书的有效期为 {} 至 {}，但签名时间为 {}，不在有效期内。", cert.text(zh), t(*from), t(*to), t(*signed_at)),
            CertificateValidAtSigning { signed_at } => write!(f, "签名时（{}）签名证书在有效期内。", t(*signed_at)),
            CredentialTooLong => f.write_str("该凭证超过 256 KiB，无法处理。"),
            NotAnSdJwt { .. } => f.write_str("这不是有效的 SD-JWT 凭证，无法读取其内容。"),
            NoCredentialType => f.write_str("凭证未注明可识别的凭证类型。"),
            SdJwtFormatOk { kind, disclosures } => write!(f, "格式正确：{}凭证（SD-JWT VC），{disclosures} 项披露信息均与其摘要一致。", kind.name_zh()),
            CredentialChainUntrusted { detail } => write!(f, "{}。该凭证的签名证书无法追溯到受信任的地区发证机构。", detail.zh()),
            CredentialSignedBy { cert } => {
                let (c, ca) = signer(cert, zh);
                write!(f, "由{c}签名，该证书由{ca}签发。")
            }
            CredentialSignatureMismatch => f.write_str("签发机关的签名与凭证内容不符：凭证在签发后被改动过。"),
            CredentialSignatureValid => f.write_str("签发机关的签名有效（ES256）。"),
            CredentialIssuedBy { region } => write!(f, "由{}（{region}）签发。", region.authority_name()),
            IssuerMismatch { iss } => write!(f, "凭证声明的签发者（“{iss}”）不是签名证书所载明的签发者。"),
            CredentialNotYetValid { nbf } => write!(f, "该凭证自 {} 起才生效，目前尚未生效。", t(*nbf)),
            CredentialExpired { exp } => write!(f, "该凭证已于 {} 过期。", t(*exp)),
            CredentialValidUntil { exp } => write!(f, "凭证在有效期内，有效至 {}。", t(*exp)),
            UnknownCredentialType => f.write_str("无法识别的凭证类型。"),
            TypeNotAllowed { region, kind } => write!(f, "信任列表不允许{}（{region}）签发{}。请勿采信。", region.name(), kind.name_zh()),
            StatusOffline => f.write_str("离线查验：未检查吊销状态。如需确认该凭证是否已被吊销，请联网查验。"),
            StatusNotRevoked { list_signed_at: None, .. } => f.write_str("签发地区的记录显示该凭证未被吊销（本次查验时读取）。"),
            StatusNotRevoked { list_signed_at: Some(at), age_s } => write!(f, "签发地区于 {} 签发的状态列表（本次查验前 {age_s} 秒）显示该凭证未被吊销。", t(*at)),
            StatusNotRevokedFirstList { list_signed_at: at, age_s } => write!(f, "签发地区于 {} 签发的状态列表（本次查验前 {age_s} 秒）显示该凭证未被吊销。这是本节点从该地址收到的第一份列表，此前没有记录（状态为新或已丢失）：在收到更新的列表之前，无法排除这是重放的旧列表。", t(*at)),
            RevokedAfterSigning { at, signed_at, .. } => write!(f, "该印章已于 {} 被吊销，但本次签章时间为 {}，早于吊销时间：签章仍然有效，如同吊销前盖下的纸质印章。", at.to_rfc3339(), t(*signed_at)),
            Revoked { at: Some(at), .. } => write!(f, "该凭证已于 {} 被吊销。请勿采信。", at.to_rfc3339()),
            Revoked { at: None, .. } => f.write_str("该凭证已被吊销。请勿采信。"),
            StatusUnknown { .. } => f.write_str("目前无法查询该凭证的吊销状态。请稍后再试；在此之前既不要当作有效，也不要当作已吊销。"),
            RegionNotInTrustList { region } => write!(f, "签名证书由{}（{region}）的发证机构签发，而该地区不在信任列表中：无法在此查验它签发的任何凭证。", region.name()),
            NotTheIssuedCredential { credential_id } => write!(f, "签发地区确有编号为 {credential_id} 的凭证，但所出示的内容并非其签发的凭证：这是冒用真实凭证编号的伪造件。请勿采信。"),
            NotASealSignatureType { .. } => f.write_str("这不是证通电子印章签章（签名类型不符）。"),
            NotASealSignature { .. } => f.write_str("这不是电子印章签章，无法读取其内容。"),
            SealPayloadMalformed { .. } => f.write_str("电子印章签章的内容格式有误。"),
            SealFormatOk => f.write_str("格式正确：这是一份电子印章签章（ES256 签名）。"),
            SealChainUntrusted { detail } => write!(f, "{}。该印章的证书无法追溯到受信任的地区发证机构：请勿信赖此印章。", detail.zh()),
            SealedWith { cert } => {
                let (c, ca) = signer(cert, zh);
                write!(f, "由{c}盖章，该证书由{ca}签发。")
            }
            SealSignatureMismatch => f.write_str("签章与内容不符：签章在盖章后被改动过。"),
            SealSignatureValid => f.write_str("电子印章的签名有效（ES256）。"),
            PdfMalformed { .. } => f.write_str("无法读取该 PDF 或其中的签名：文件格式有误或已损坏。"),
            PdfNoSignatures => f.write_str("该 PDF 中没有任何签名。"),
            PdfFormatOk => f.write_str("格式正确：这是一个 PDF 签名（分离式 CMS 签名数据，覆盖其字节范围）。"),
            PdfByteRangeInvalid => f.write_str("签名的字节范围（/ByteRange）与本文件不符：未从 0 开始，或未恰好排除签名值（/Contents）。"),
            PdfByteRangeWrong { .. } => f.write_str("签名的字节范围（/ByteRange）与本文件不符：它没有恰好排除本签名的签名值，或没有止于文件某一版本的结尾。请勿信赖此签名。"),
            PdfModifiedAfterSigning { revision, .. } => write!(f, "本签名之后，文件在第 {revision} 版中被改动过（不只是添加验证数据、时间戳或签名）：阅读器显示的内容不是签署时的内容，请勿采信该文件。"),
            PdfSignatureIntact => f.write_str("签名完好：所签字节和签名属性与签名人的密钥所签的完全一致。"),
            PdfSigningCertificateMismatch => f.write_str("签名属性中载明的证书不是实际签名的证书：签名人可能被替换，请勿信赖此签名。"),
            PdfSignerUntrusted { signer, .. } => write!(f, "由“{signer}”签名，但其证书无法追溯到本验证端信任列表中的发证机构：签名本身完好，但无法在此确认签名人身份。"),
            PdfDocTimestamp { at, tsa } => write!(f, "受信任的时间戳服务机构“{tsa}”加盖的文档时间戳：文件在 {} 时已是此内容。", t(*at)),
            PdfChangedAfterSigning { covered, total } => write!(f, "该 PDF 在本签名之后被改动过：签名只覆盖了 {total} 字节中的 {covered} 字节，其后的内容没有完好的后续签名覆盖。"),
            PdfSignedRevision { covered, total } => if covered == total {
                write!(f, "签名覆盖了整个文件（{total} 字节）。")
            } else {
                write!(f, "签名覆盖了它所在的版本（{total} 字节中的 {covered} 字节）；其后是另一个完好的签名。")
            },
            PdfSignedRevisionThenDss { covered, total } => write!(f, "签名覆盖了它所在的版本（{total} 字节中的 {covered} 字节）；其后的版本只添加了 PDF 签名规则允许的内容（验证数据、文档时间戳或其他签名），未改动任何已签名的内容。"),
            PdfNoTimestamp => f.write_str("该签名没有签名时间戳（PAdES B-B）：签章时间仅由盖章方声明。"),
            PdfTimestamp { at, tsa } => write!(f, "该签名已由受信任的时间戳服务机构“{tsa}”于 {} 加盖时间戳：签名在该时间已经存在。", t(*at)),
            PdfTimestampMismatch => f.write_str("签名时间戳对应的不是本签名的签名值：它取自另一个签名，或签名已被改动。请勿采信。"),
            PdfTimestampInvalid { .. } => f.write_str("签名时间戳无效：无法验证，或并非由受信任的时间戳服务机构签发。"),
            SealCertificateValidAtTimestamp { at } => write!(f, "时间戳时间 {} 时，印章证书在有效期内。", t(*at)),
            SealCertificateNotValidAtTimestamp { at } => write!(f, "时间戳时间 {} 时，印章证书不在有效期内。", t(*at)),
            PdfSealRevokedAfterTimestamp { revoked_at, timestamp } => write!(f, "该电子印章已于 {} 注销，晚于签名时间戳 {}：签章仍然有效，但该印章不能再使用。", t(*revoked_at), t(*timestamp)),
            PdfSealRevokedBeforeTimestamp { revoked_at, timestamp } => write!(f, "该电子印章已于 {} 注销，早于签名时间戳 {}：请勿采信。", t(*revoked_at), t(*timestamp)),
            SealNoTimestamp => f.write_str("该签章没有时间戳：签章时间仅由盖章方声明。请使用带时间戳的签章，由本地区时间戳服务机构证明签章时间。"),
            SealClaimedAfterTimestamp { claimed, at } => write!(f, "盖章方声明的签章时间 {} 晚于本地区为该签名加盖的时间戳 {}：声明的时间不实。", t(*claimed), t(*at)),
            PdfSealUnknown { seal_id } => write!(f, "本节点没有电子印章 “{seal_id}” 的记录：未在此核对其状态和备案印模。"),
            PdfSealActive => f.write_str("该电子印章现行有效。"),
            PdfSealRevokedAfterSigning { revoked_at } => write!(f, "该电子印章已于 {} 注销，晚于本次签章：签章仍然有效，但该印章不能再使用。", t(*revoked_at)),
            PdfSealRevokedBeforeSigning { revoked_at } => write!(f, "该电子印章已于 {} 注销，早于签章时间：请勿采信。", t(*revoked_at)),
            PdfSealImageFiled { image_sha256, filing_id } => write!(f, "签名所载的印模（SHA-256 摘要 {image_sha256}）与公安备案一致（备案号 {filing_id}）。"),
            PdfSealImageMismatch { signed, filed } => write!(f, "签名所载的印模（“{signed}”）与备案印模（{filed}）不一致：请勿采信。"),
            DocumentChanged { actual, sealed } => write!(f, "文件在盖章后被改动过：当前文件的 SHA-256 摘要为 {actual}，而盖章的文件为 {sealed}。"),
            DocumentUnchanged { sha256 } => write!(f, "文件与盖章时完全一致（SHA-256 摘要 {sha256}）。"),
            SealCertificateNotValidAtSigning { signed_at } => write!(f, "签章时间 {} 时，印章证书不在有效期内。", t(*signed_at)),
            SealCertificateValidAtSigning { signed_at } => write!(f, "签章时间 {} 时，印章证书在有效期内（签章时间由盖章方声明，没有可信时间戳）。", t(*signed_at)),
            ESealCredentialInvalid { inner: Some(inner) } => write!(f, "签章所附的电子印章凭证未通过查验：{}", inner.zh()),
            ESealCredentialInvalid { inner: None } => f.write_str("签章所附的电子印章凭证未通过查验。"),
            ESealCredentialMismatch => f.write_str("电子印章凭证与盖章所用的密钥不对应，或对应的是另一枚印章。"),
            ESealCredentialOk { type_name, authority, company } => write!(f, "电子印章凭证（{type_name}）由{authority}签发给{company}，并绑定了本次盖章所用的密钥。"),
            ESealNoStatusEntry => f.write_str("电子印章凭证未注明所属地区或状态登记项，无法查询吊销状态。"),
            NoSealTemplate => f.write_str("电子印章凭证中没有可读取的印模。"),
            NoPoliceFilingSignature => f.write_str("电子印章凭证中没有公安备案签名。"),
            PoliceFilingMalformed { .. } => f.write_str("公安备案的签名内容无法读取，无法与备案印模比对。"),
            PoliceFilingKidUntrusted { kid } => write!(f, "公安备案的签名证书（证书标识 “{kid}”）不是本查验端信任的公安印章备案机构证书。"),
            PoliceFilingSignatureInvalid => f.write_str("公安备案机构对备案信息的签名无效。"),
            SealImageNotFiled => f.write_str("同章同模核验未通过：印模图片与公安备案的不一致。"),
            SealImageFiled { image_sha256, registry, filing_id } => write!(f, "同章同模：印模图片（SHA-256 摘要 {image_sha256}）与在{registry}备案的一致（备案编号 {filing_id}）。请与纸质印章比对。"),
            KeyBindingBearer => f.write_str("未附持有人密钥绑定（KB-JWT）：这是一份无记名出示，无法证明出示者持有该企业的密钥，任何持有副本的人都能出示。"),
            KeyBindingMissing => f.write_str("本查验端要求出示者证明持有密钥（给出了随机数或接收方），但该凭证未附持有人密钥绑定（KB-JWT）。请企业用其钱包回应本次查验请求。"),
            KeyBindingNotInQr => f.write_str("本查验端要求出示者证明持有密钥（给出了随机数或接收方），而亮照二维码无法做到。请企业出示带持有人密钥绑定的 SD-JWT 凭证。"),
            KeyBindingNoHolderKey => f.write_str("凭证附有持有人密钥绑定（KB-JWT），但凭证中没有可用于核验的持有人密钥（cnf.jwk）。请勿采信。"),
            KeyBindingTyp { .. } => f.write_str("持有人密钥绑定（KB-JWT）的类型不符（应为 kb+jwt）。"),
            KeyBindingMalformed { .. } => f.write_str("持有人密钥绑定（KB-JWT）的内容格式有误。"),
            KeyBindingSignatureMismatch => f.write_str("持有人密钥绑定（KB-JWT）不是用凭证所载的持有人密钥签名的：出示者并不持有该企业的密钥。请勿采信。"),
            KeyBindingSdHashMismatch => f.write_str("持有人密钥绑定（KB-JWT）的摘要（sd_hash）与所出示的凭证不符：签名后披露信息被增删过。请勿采信。"),
            KeyBindingStale { iat, age_s, max_s } => write!(f, "持有人密钥绑定（KB-JWT）生成于 {}（{age_s} 秒前），超过了 {max_s} 秒的时限，可能是重放。请企业重新出示。", t(*iat)),
            KeyBindingInFuture { iat, max_s } => write!(f, "持有人密钥绑定（KB-JWT）声明的生成时间为 {}，比本查验端的时钟快了 {max_s} 秒以上：请检查时钟。", t(*iat)),
            KeyBindingNonceMismatch { expected, got: Some(got) } => write!(f, "持有人密钥绑定（KB-JWT）回应的随机数为 “{got}”，而不是本查验端给出的 “{expected}”：它是为另一次查验生成的。请勿采信。"),
            KeyBindingNonceMismatch { expected, got: None } => write!(f, "持有人密钥绑定（KB-JWT）中没有随机数，而本查验端给出了 “{expected}”。请勿采信。"),
            KeyBindingAudMismatch { expected, got: Some(got) } => write!(f, "持有人密钥绑定（KB-JWT）的接收方为 “{got}”，而不是 “{expected}”：它是为另一个查验端生成的。请勿采信。"),
            KeyBindingAudMismatch { expected, got: None } => write!(f, "持有人密钥绑定（KB-JWT）未注明接收方，而本查验端要求为 “{expected}”。请勿采信。"),
            KeyBindingValid { iat, .. } => write!(f, "出示者持有该企业的密钥：持有人密钥绑定（KB-JWT）生成于 {}，由凭证所载的持有人密钥签名，且与所出示的披露信息完全对应。", t(*iat)),
        }
    }
}

/// A [`Reason`] in one language, as text when displayed.
pub struct InLang<'a>(&'a Reason, Lang);

impl fmt::Display for InLang<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.1 {
            Lang::ZhCn => self.0.write_zh(f),
            Lang::En => self.0.write_en(f),
        }
    }
}

#[cfg(test)]
#[path = "catalogue_tests.rs"]
mod report_tests;

#[cfg(test)]
#[path = "catalogue_walk.rs"]
pub(crate) mod tests;
