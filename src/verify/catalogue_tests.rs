//! A zh-CN report for every sub-indication, built through the verifier (hand-made tokens,
//! status sources that answer as asked): every check's reason is Chinese, the
//! machine-readable fields are the same as in English.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value};

use super::tests::{english_run, has_cjk};
use crate::credential::jws;
use crate::domain::RegionCode;
use crate::node::RegionKeys;
use crate::pki::{Signer, TrustStore};
use crate::present::PresentationClaims;
use crate::verify::{
    Indication, Lang, Report, StatusAnswer, StatusQuery, StatusSource, SubIndication, Verifier,
};

struct Answer(fn() -> StatusAnswer);

impl StatusSource for Answer {
    fn status(&self, _: &StatusQuery) -> StatusAnswer {
        (self.0)()
    }
}

fn pki() -> (tempfile::TempDir, RegionKeys, TrustStore) {
    let dir = tempfile::tempdir().expect("tempdir");
    let region = RegionCode::parse("440100").expect("region");
    let (keys, trust) =
        crate::node::load_or_create(&dir.path().join("certs"), &region).expect("pki");
    (dir, keys, trust)
}

fn presentation(signer: &Signer, iat: DateTime<Utc>, ttl_s: i64) -> String {
    let claims = PresentationClaims {
        sub: "91440101MA5000001X".into(),
        n: "广州示例有限公司".into(),
        t: "bl".into(),
        cid: "cid-1".into(),
        jti: "jti-1".into(),
        iat: iat.timestamp(),
        exp: (iat + Duration::seconds(ttl_s)).timestamp(),
        vu: (iat + Duration::days(365)).timestamp(),
        s: Some((0, 1)),
        extra: Map::new(),
    };
    let mut header = Map::new();
    header.insert("kid".into(), Value::from(signer.kid.clone()));
    jws::sign(header, &serde_json::to_vec(&claims).expect("json"), signer)
}

/// The zh-CN JSON of `r`, checked: every reason Chinese, names and indications as in English.
fn check_zh(r: &Report, want: Option<SubIndication>) -> Value {
    assert_eq!(r.sub_indication, want, "{}", r.to_text(Lang::En));
    let zh = serde_json::to_value(r.localized(Lang::ZhCn)).expect("json");
    let en = serde_json::to_value(r.localized(Lang::En)).expect("json");
    for k in ["indication", "sub_indication", "subject", "validation_time"] {
        assert_eq!(zh[k], en[k], "{k}");
    }
    let (zc, ec) = (
        zh["checks"].as_array().expect("checks"),
        en["checks"].as_array().expect("checks"),
    );
    assert_eq!(zc.len(), ec.len());
    assert!(!zc.is_empty());
    for (z, e) in zc.iter().zip(ec) {
        assert_eq!(z["name"], e["name"]);
        assert_eq!(z["result"], e["result"]);
        let reason = z["reason"].as_str().expect("reason");
        assert!(has_cjk(reason), "{}: {reason}", z["name"]);
        assert!(
            english_run(reason).is_none(),
            "{}: English in {reason}",
            z["name"]
        );
        assert_ne!(z["reason"], e["reason"]);
    }
    let text = r.to_text(Lang::ZhCn);
    assert!(text.contains(r.indication.text(Lang::ZhCn)), "{text}");
    if let Some(sub) = want {
        assert!(
            text.contains(sub.as_str()) && text.contains(sub.text(Lang::ZhCn)),
            "{text}"
        );
    }
    assert!(english_run(&text).is_none(), "{text}");
    zh
}

#[test]
fn a_chinese_report_for_every_sub_indication_but_hash_failure() {
    use SubIndication::*;
    let (_dir, keys, trust) = pki();
    let now = Utc::now();
    let v = Verifier::new(trust.clone());
    let ok = presentation(&keys.presentation, now, 300);
    let valid = Answer(|| StatusAnswer::Valid {
        as_of: crate::verify::StatusAsOf::Records,
    });

    let r = v.verify(&ok, now, Some(&valid));
    assert_eq!(r.indication, Indication::TotalPassed);
    check_zh(&r, None);
    check_zh(&v.verify(&ok, now, None), None);

    check_zh(&v.verify("not a token", now, None), Some(FormatFailure));
    check_zh(&v.verify("a~b~", now, None), Some(FormatFailure));
    // The signature's first character changed (still valid base64url).
    let at = ok.rfind('.').unwrap() + 1;
    let mut tampered = ok.clone();
    let first = if &ok[at..at + 1] == "A" { "B" } else { "A" };
    tampered.replace_range(at..at + 1, first);
    check_zh(&v.verify(&tampered, now, None), Some(SigCryptoFailure));

    let revoked = Answer(|| StatusAnswer::Revoked {
        reason: "the issuing region has revoked it".into(),
        at: DateTime::from_timestamp(1_700_000_000, 0),
    });
    check_zh(&v.verify(&ok, now, Some(&revoked)), Some(Revoked));
    let expired = v.verify(&ok, now + Duration::seconds(301), None);
    check_zh(&expired, Some(Expired));
    check_zh(
        &v.verify(&ok, now - Duration::seconds(600), None),
        Some(NotYetValid),
    );

    let (_other_dir, other_keys, _) = pki();
    let foreign = presentation(&other_keys.presentation, now, 300);
    check_zh(
        &v.verify(&foreign, now, None),
        Some(NoCertificateChainFound),
    );
    // The licence issuer's certificate is trusted, but may not sign presentations.
    let wrong_role = presentation(&keys.licence, now, 300);
    check_zh(
        &v.verify(&wrong_role, now, None),
        Some(ChainConstraintsFailure),
    );

    let mut narrow = Verifier::new(trust.clone());
    narrow.allowed = Some(HashMap::from([(
        keys.region,
        vec![crate::credential::CredentialType::EInvoice],
    )]));
    check_zh(&narrow.verify(&ok, now, None), Some(SigConstraintsFailure));

    let unknown = Answer(|| StatusAnswer::Unknown("the status list could not be fetched".into()));
    check_zh(&v.verify(&ok, now, Some(&unknown)), Some(TryLater));
    let mut stale = Verifier::new(trust);
    stale.trust_list_expiry = Some((now.timestamp() - 10, 5));
    check_zh(&stale.verify(&ok, now, None), Some(TryLater));
    let mut grace = Verifier::new(stale.trust.clone());
    grace.trust_list_expiry = Some((now.timestamp() - 10, 3600));
    check_zh(&grace.verify(&ok, now, None), None);
}

#[test]
fn times_read_as_chrono_writes_them() {
    use chrono::{TimeZone, Utc};
    let mut ts: i64 = -62_167_219_200 - 86_400 * 400; // before year 0, then up past 9999
    while ts < 253_402_300_800 + 86_400 * 400 {
        let want = Utc
            .timestamp_opt(ts, 0)
            .single()
            .map(|t| t.to_rfc3339())
            .unwrap_or_else(|| ts.to_string());
        assert_eq!(crate::verify::Time(ts).to_string(), want, "{ts}");
        ts += 7_919_993; // a prime number of seconds: every field takes many values
    }
    for ts in [0, 1, -1, 1_767_225_599, 1_767_225_600, i64::MAX, i64::MIN] {
        let want = Utc
            .timestamp_opt(ts, 0)
            .single()
            .map(|t| t.to_rfc3339())
            .unwrap_or_else(|| ts.to_string());
        assert_eq!(crate::verify::Time(ts).to_string(), want, "{ts}");
    }
}
