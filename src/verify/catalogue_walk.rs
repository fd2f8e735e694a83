//! Walks the whole catalogue: every reason renders in both languages, the Chinese is
//! Chinese, no two reasons say the same.

use std::collections::HashMap;

use strum::IntoEnumIterator;

use super::*;

/// One of each reason, with plausible values.
pub(crate) fn samples() -> Vec<Reason> {
    use Reason::*;
    let dir = tempfile::tempdir().expect("tempdir");
    let region = RegionCode::parse("440100").expect("region");
    let (_, trust) = crate::node::load_or_create(&dir.path().join("certs"), &region).expect("pki");
    let signer = trust.trusted().next().expect("a role certificate").clone();
    let cert = CertName::of(&signer.info);
    let (exp, at) = (1_780_000_000, DateTime::from_timestamp(1_780_000_000, 0));
    let at = at.expect("time");
    let d = || "invalid base64".to_string();
    let sha = "ab".repeat(32);
    vec![
        TrustListExpired { exp, grace: 86_400 },
        TrustListInGrace { exp, grace: 86_400 },
        TrustListValid { exp },
        TrustListValidFirstOnRecord { exp },
        NotAPresentation { detail: d() },
        PresentationClaimsMalformed { detail: d() },
        PresentationFormatOk,
        PresentationKidUntrusted {
            kid: cert.kid.clone(),
        },
        MayNotSignPresentations { cert: cert.clone() },
        PresentationSignedBy {
            cert: signer.clone(),
        },
        PresentationSignatureMismatch,
        PresentationSignatureValid,
        CertificateNamesNoRegion { cert: cert.clone() },
        PresentationIssuedIn { region },
        PresentationNotYetValid { iat: exp },
        QrExpired { exp, ago_s: 30 },
        CredentialBehindQrExpired { valid_until: exp },
        QrValidUntil { exp },
        CertificateOutsideWindow {
            cert: cert.clone(),
            from: exp,
            to: exp,
            signed_at: exp,
        },
        CertificateValidAtSigning { signed_at: exp },
        CredentialTooLong,
        NotAnSdJwt { detail: d() },
        NoCredentialType,
        SdJwtFormatOk {
            kind: CredentialType::BusinessLicense,
            disclosures: 3,
        },
        CredentialChainUntrusted {
            detail: crate::pki::ChainError::NoTrustedIssuer {
                leaf: "“x” (kid k)".into(),
            },
        },
        CredentialSignedBy {
            cert: signer.clone(),
        },
        CredentialSignatureMismatch,
        CredentialSignatureValid,
        CredentialIssuedBy { region },
        IssuerMismatch {
            iss: "https://zhengtong.example/regions/440100".into(),
        },
        CredentialNotYetValid { nbf: exp },
        CredentialExpired { exp },
        CredentialValidUntil { exp },
        UnknownCredentialType,
        TypeNotAllowed {
            region,
            kind: CredentialType::EInvoice,
        },
        StatusOffline,
        StatusNotRevoked {
            list_signed_at: None,
            age_s: 0,
        },
        StatusNotRevoked {
            list_signed_at: Some(exp),
            age_s: 42,
        },
        StatusNotRevokedFirstList {
            list_signed_at: exp,
            age_s: 42,
        },
        RevokedAfterSigning {
            at,
            detail: d(),
            signed_at: exp,
        },
        Revoked {
            at: Some(at),
            detail: d(),
        },
        Revoked {
            at: None,
            detail: d(),
        },
        StatusUnknown { detail: d() },
        RegionNotInTrustList {
            region: RegionCode::parse("110000").expect("region"),
        },
        NotTheIssuedCredential {
            credential_id: "q3Zt9xYpLm2W".into(),
        },
        NotASealSignatureType {
            typ: crate::seal::sign::SEAL_TYP,
        },
        NotASealSignature { detail: d() },
        SealPayloadMalformed { detail: d() },
        SealFormatOk,
        SealChainUntrusted {
            detail: crate::pki::ChainError::CaNotUnderRoot { ca: "x".into() },
        },
        SealedWith {
            cert: signer.clone(),
        },
        SealSignatureMismatch,
        SealSignatureValid,
        PdfMalformed { detail: d() },
        PdfNoSignatures,
        PdfFormatOk,
        PdfByteRangeInvalid,
        PdfByteRangeWrong { detail: d() },
        PdfModifiedAfterSigning {
            revision: 3,
            detail: d(),
        },
        PdfSignatureIntact,
        PdfSigningCertificateMismatch,
        PdfSignerUntrusted {
            signer: "某某公司".into(),
            detail: d(),
        },
        PdfDocTimestamp {
            at: exp,
            tsa: "广州市市场监督管理局 时间戳服务".into(),
        },
        PdfChangedAfterSigning {
            covered: 10,
            total: 20,
        },
        PdfSignedRevision {
            covered: 10,
            total: 20,
        },
        PdfSignedRevisionThenDss {
            covered: 10,
            total: 20,
        },
        PdfNoTimestamp,
        PdfTimestamp {
            at: exp,
            tsa: "广州市市场监督管理局 时间戳服务".into(),
        },
        PdfTimestampMismatch,
        PdfTimestampInvalid { detail: d() },
        SealCertificateValidAtTimestamp { at: exp },
        SealCertificateNotValidAtTimestamp { at: exp },
        PdfSealRevokedAfterTimestamp {
            revoked_at: exp,
            timestamp: exp - 60,
        },
        PdfSealRevokedBeforeTimestamp {
            revoked_at: exp - 60,
            timestamp: exp,
        },
        SealNoTimestamp,
        SealClaimedAfterTimestamp {
            claimed: exp,
            at: exp - 3600,
        },
        PdfSealUnknown {
            seal_id: "s1".into(),
        },
        PdfSealActive,
        PdfSealRevokedAfterSigning { revoked_at: exp },
        PdfSealRevokedBeforeSigning { revoked_at: exp },
        PdfSealImageFiled {
            image_sha256: sha.clone(),
            filing_id: "f1".into(),
        },
        PdfSealImageMismatch {
            signed: "x".into(),
            filed: sha.clone(),
        },
        DocumentChanged {
            actual: sha.clone(),
            sealed: "cd".repeat(32),
        },
        DocumentUnchanged {
            sha256: sha.clone(),
        },
        SealCertificateNotValidAtSigning { signed_at: exp },
        SealCertificateValidAtSigning { signed_at: exp },
        ESealCredentialInvalid {
            inner: Some(Box::new(CredentialExpired { exp })),
        },
        ESealCredentialInvalid { inner: None },
        ESealCredentialMismatch,
        ESealCredentialOk {
            type_name: "公章".into(),
            authority: region.authority_name(),
            company: "广州示例有限公司".into(),
        },
        ESealNoStatusEntry,
        NoSealTemplate,
        NoPoliceFilingSignature,
        PoliceFilingMalformed { detail: d() },
        PoliceFilingKidUntrusted {
            kid: cert.kid.clone(),
        },
        PoliceFilingSignatureInvalid,
        SealImageNotFiled,
        SealImageFiled {
            image_sha256: sha,
            registry: "广州市公安局".into(),
            filing_id: "4401000012345".into(),
        },
        KeyBindingBearer,
        KeyBindingMissing,
        KeyBindingNotInQr,
        KeyBindingNoHolderKey,
        KeyBindingTyp {
            typ: "dc+sd-jwt".into(),
        },
        KeyBindingMalformed {
            detail: "no sd_hash".into(),
        },
        KeyBindingSignatureMismatch,
        KeyBindingSdHashMismatch,
        KeyBindingStale {
            iat: exp,
            age_s: 900,
            max_s: 300,
        },
        KeyBindingInFuture {
            iat: exp,
            max_s: 60,
        },
        KeyBindingNonceMismatch {
            expected: "n-1".into(),
            got: Some("n-2".into()),
        },
        KeyBindingNonceMismatch {
            expected: "n-1".into(),
            got: None,
        },
        KeyBindingAudMismatch {
            expected: "https://bank.example".into(),
            got: Some("https://other.example".into()),
        },
        KeyBindingAudMismatch {
            expected: "https://bank.example".into(),
            got: None,
        },
        KeyBindingValid {
            iat: exp,
            nonce: Some("n-1".into()),
            aud: Some("https://bank.example".into()),
        },
        KeyBindingValid {
            iat: exp,
            nonce: None,
            aud: None,
        },
    ]
}

pub(crate) fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// Three ASCII words in a row ("does not match"): English prose, not a code or a name.
pub(crate) fn english_run(s: &str) -> Option<String> {
    let words: Vec<&str> = s
        .split(|c: char| c.is_whitespace() || !c.is_ascii())
        .map(|w| w.trim_matches(|c: char| c.is_ascii_punctuation()))
        .collect();
    words
        .windows(3)
        .find(|w| {
            w.iter()
                .all(|x| x.len() > 1 && x.chars().all(|c| c.is_ascii_alphabetic() || c == '\''))
        })
        .map(|w| w.join(" "))
}

#[test]
fn the_english_detector_sees_english() {
    let en = Reason::PresentationSignatureMismatch.text(Lang::En);
    assert_eq!(english_run(&en).as_deref(), Some("The signature does"));
    assert!(english_run("签名有效（ES256）：SD-JWT VC，证书标识 _2lH6m38noc。").is_none());
    assert!(english_run("由广州市 区域CA 440100签发").is_none());
}

#[test]
fn every_reason_renders_in_both_languages() {
    let all = samples();
    let covered: Vec<ReasonKey> = all.iter().map(ReasonKey::from).collect();
    for key in ReasonKey::iter() {
        assert!(covered.contains(&key), "no sample of {key:?}");
    }
    let mut seen: HashMap<(Lang, String), ReasonKey> = HashMap::new();
    for r in &all {
        let key = ReasonKey::from(r);
        for lang in Lang::ALL {
            let text = r.text(lang);
            assert!(!text.trim().is_empty(), "{key:?} {lang}: empty");
            if let Some(prev) = seen.insert((lang, text.clone()), key) {
                assert_eq!(prev, key, "{key:?} and {prev:?} say the same: {text}");
            }
        }
        let zh = r.text(Lang::ZhCn);
        assert!(has_cjk(&zh), "{key:?}: no Chinese in {zh:?}");
        assert!(english_run(&zh).is_none(), "{key:?}: English in {zh:?}");
        assert!(
            !has_cjk(&r.text(Lang::En)) || en_may_quote_chinese(key),
            "{key:?}"
        );
    }
}

/// English reasons quote Chinese names (regions, authorities, 同章同模), never prose.
fn en_may_quote_chinese(key: ReasonKey) -> bool {
    use ReasonKey::*;
    matches!(
        key,
        PresentationIssuedIn
            | CredentialIssuedBy
            | TypeNotAllowed
            | RegionNotInTrustList
            | ESealCredentialOk
            | SealImageNotFiled
            | SealImageFiled
            | PresentationSignedBy
            | CredentialSignedBy
            | SealedWith
            | MayNotSignPresentations
            | CertificateNamesNoRegion
            | CertificateOutsideWindow
            | PdfTimestamp
            | PdfSignerUntrusted
            | PdfDocTimestamp
    )
}

#[test]
fn every_label_in_both_languages() {
    use strum::IntoEnumIterator;
    let names: Vec<CheckName> = CheckName::iter().collect();
    for n in &names {
        assert_eq!(
            serde_json::to_value(n).expect("json"),
            serde_json::json!(n.as_str())
        );
        assert!(has_cjk(n.label(Lang::ZhCn)), "{n:?}");
    }
    let zh: std::collections::HashSet<_> = names.iter().map(|n| n.label(Lang::ZhCn)).collect();
    assert_eq!(zh.len(), names.len(), "two checks share a Chinese label");
    for s in SubIndication::iter() {
        assert_eq!(
            serde_json::to_value(s).expect("json"),
            serde_json::json!(s.as_str())
        );
        assert!(has_cjk(s.text(Lang::ZhCn)) && !s.text(Lang::En).is_empty());
    }
    for i in [
        Indication::TotalPassed,
        Indication::TotalFailed,
        Indication::Indeterminate,
    ] {
        assert!(has_cjk(i.text(Lang::ZhCn)) && !i.text(Lang::En).is_empty());
    }
}
