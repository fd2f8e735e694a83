//! A seal revoked before the signing time: REVOKED. In-process, because the service itself
//! refuses to sign with a revoked seal; this is the stolen-key case revocation exists for.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use zhengtong::domain::{CompanyRecord, CompanyRequest, RegionCode, Uscc};
use zhengtong::keystore::MasterKey;
use zhengtong::node;
use zhengtong::seal::{eseal, filing, jades, sign};
use zhengtong::store::Store;
use zhengtong::verify::{StatusAnswer, StatusQuery, StatusSource, Verifier};
use zhengtong::wallet::Wallet;

struct RevokedAt(DateTime<Utc>);

impl StatusSource for RevokedAt {
    fn status(&self, _: &StatusQuery) -> StatusAnswer {
        StatusAnswer::Revoked {
            reason: "reported lost".into(),
            at: Some(self.0),
        }
    }
}

#[tokio::test]
async fn revoked_before_signing_is_revoked_after_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let region = RegionCode::parse("440100").unwrap();
    let (keys, trust) = node::load_or_create(&dir.path().join("certs"), &region).unwrap();
    let mut wallet = Wallet::new(
        Store::open(&dir.path().join("data")).unwrap(),
        MasterKey::from_bytes(&[9; 32]).unwrap(),
        keys,
        "http://127.0.0.1:1",
    )
    .unwrap();
    let uscc = zhengtong::domain::with_check_char("91440101MA5000077").unwrap();
    let name = "广州吊销示例有限公司";
    let record = CompanyRecord::parse(&serde_json::from_value::<CompanyRequest>(json!({
        "uscc": uscc, "name": name, "legal_representative": {"name": "张三", "id_number": "11010519491231002X"},
        "registered_capital_fen": 1, "address": "广州", "business_scope": "贸易", "established_on": "2020-01-01"
    })).unwrap(), chrono::Utc::now().date_naive()).unwrap();
    wallet.register(record).await.unwrap();
    let f = filing::file(&wallet, serde_json::from_value(json!({"uscc": uscc, "seal_type": "official", "template": {
        "shape": "round", "width_mm": 42, "height_mm": 42, "border_mm": 1.2, "star": true, "arc_text": name, "seal_code": "440100777"
    }})).unwrap()).await.unwrap();
    let uscc = Uscc::parse(&uscc).unwrap();
    let (seal, _) = eseal::issue(
        &wallet,
        &uscc,
        serde_json::from_value(json!({"filing_id": f.id})).unwrap(),
    )
    .await
    .unwrap();
    let digest = sign::sha256_hex(b"contract");
    // Sealed two hours after the node's certificates were made, so that a timestamp can
    // predate the signing claim and still fall inside every certificate's validity.
    wallet.clock = zhengtong::clock::Clock::fixed(Utc::now() + Duration::hours(2));
    let sealing = sign::sign(&wallet, &uscc, &seal.id, &digest).await.unwrap();
    let signed_at = sealing.record.signed_at;
    let verifier = Verifier::new(trust);
    let text = |r: &zhengtong::verify::Report| r.to_text(zhengtong::verify::Lang::En);

    // Both forms: the compact JWS (the signer's iat) and the timestamped one.
    for signature in [&sealing.compact, &sealing.timestamped] {
        let before = RevokedAt(signed_at - Duration::seconds(60));
        let r = verifier.verify_sealed_document(signature, &digest, Utc::now(), Some(&before));
        assert_eq!(
            serde_json::to_value(r.sub_indication).unwrap(),
            "REVOKED",
            "{}",
            text(&r)
        );
        assert_eq!(r.exit_code(), 1);

        let after = RevokedAt(signed_at + Duration::seconds(60));
        let r = verifier.verify_sealed_document(signature, &digest, Utc::now(), Some(&after));
        assert_eq!(r.exit_code(), 0, "{}", text(&r));
    }

    // Timestamped two hours after it claims to be signed (a signer who waited, or whose
    // claim is false): it is known to exist only from the timestamp on, so a revocation an
    // hour after the claimed time is before the timestamp: REVOKED, where the compact form,
    // trusting the claim, passes.
    let late = zhengtong::clock::Clock::fixed(signed_at + Duration::hours(2));
    let token =
        zhengtong::tsa::timestamp(&wallet.keys.tsa, jades::imprint(&sealing.compact), &late)
            .unwrap();
    let late_stamped = jades::with_timestamp(&sealing.compact, &token);
    let between = RevokedAt(signed_at + Duration::hours(1));
    let r = verifier.verify_sealed_document(&late_stamped, &digest, Utc::now(), Some(&between));
    assert_eq!(
        serde_json::to_value(r.sub_indication).unwrap(),
        "REVOKED",
        "{}",
        text(&r)
    );
    let r = verifier.verify_sealed_document(&sealing.compact, &digest, Utc::now(), Some(&between));
    assert_eq!(r.exit_code(), 0, "{}", text(&r));

    // A signer claiming a time 90 minutes after the region's timestamp: the claim is false.
    let early = zhengtong::clock::Clock::fixed(signed_at - Duration::minutes(90));
    let token =
        zhengtong::tsa::timestamp(&wallet.keys.tsa, jades::imprint(&sealing.compact), &early)
            .unwrap();
    let r = verifier.verify_sealed_document(
        &jades::with_timestamp(&sealing.compact, &token),
        &digest,
        Utc::now(),
        Some(&RevokedAt(signed_at + Duration::days(1))),
    );
    assert_eq!(
        serde_json::to_value(r.sub_indication).unwrap(),
        "SIG_CONSTRAINTS_FAILURE",
        "{}",
        text(&r)
    );
}

/// A one-page PDF (lopdf, no fonts).
fn one_page_pdf() -> Vec<u8> {
    use lopdf::{Document, Object, dictionary};
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let page = doc.add_object(dictionary! { "Type" => "Page", "Parent" => pages_id });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => vec![Object::from(page)], "Count" => 1,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

/// A sealed PDF (B-T) whose seal is revoked before the signature's timestamp: REVOKED,
/// saying it was before the timestamp; revoked after it: valid, with a warning.
#[tokio::test]
async fn a_pdf_seal_revoked_before_its_timestamp_is_revoked() {
    use zhengtong::pdf::service::{Level, NationalRevinfo, seal_pdf};
    use zhengtong::pdf::update::Position;
    let dir = tempfile::tempdir().unwrap();
    let region = RegionCode::parse("440100").unwrap();
    let (keys, trust) = node::load_or_create(&dir.path().join("certs"), &region).unwrap();
    let mut wallet = Wallet::new(
        Store::open(&dir.path().join("data")).unwrap(),
        MasterKey::from_bytes(&[9; 32]).unwrap(),
        keys,
        "http://127.0.0.1:1",
    )
    .unwrap();
    wallet.clock = zhengtong::clock::Clock::fixed(Utc::now());
    let verifier = Verifier::new(trust);
    let seal_one = async |n: u32| {
        let uscc = zhengtong::domain::with_check_char(&format!("91440101MA50001{n:02}")).unwrap();
        let name = format!("广州吊销示例{n}有限公司");
        let record = CompanyRecord::parse(&serde_json::from_value::<CompanyRequest>(json!({
            "uscc": uscc, "name": name, "legal_representative": {"name": "张三", "id_number": "11010519491231002X"},
            "registered_capital_fen": 1, "address": "广州", "business_scope": "贸易", "established_on": "2020-01-01"
        })).unwrap(), chrono::Utc::now().date_naive()).unwrap();
        wallet.register(record).await.unwrap();
        let f = filing::file(&wallet, serde_json::from_value(json!({"uscc": uscc, "seal_type": "official", "template": {
            "shape": "round", "width_mm": 42, "height_mm": 42, "border_mm": 1.2, "star": true, "arc_text": name, "seal_code": format!("4401007770{n:02}")
        }})).unwrap()).await.unwrap();
        let uscc = Uscc::parse(&uscc).unwrap();
        let (seal, _) = eseal::issue(
            &wallet,
            &uscc,
            serde_json::from_value(json!({"filing_id": f.id})).unwrap(),
        )
        .await
        .unwrap();
        let (pdf, _) = seal_pdf(
            &wallet,
            &uscc,
            &seal.id,
            &one_page_pdf(),
            Position::BottomRight { page: None },
            Level::default(),
            &NationalRevinfo::default(),
        )
        .await
        .unwrap();
        (uscc, seal.id, pdf)
    };
    let (uscc, seal_id, pdf) = seal_one(1).await;
    let (uscc2, seal_id2, pdf2) = seal_one(2).await;

    // The first seal revoked an hour before the timestamp (the key was stolen, and the
    // revocation came before the thief sealed), the second an hour after it.
    wallet.clock.advance(Duration::hours(-1));
    eseal::revoke(&wallet, &uscc, &seal_id).await.unwrap();
    wallet.clock.advance(Duration::hours(2));
    eseal::revoke(&wallet, &uscc2, &seal_id2).await.unwrap();

    let lang = zhengtong::verify::Lang::En;
    let r = &zhengtong::pdf::validate::validate(&pdf, &verifier, &wallet)[0];
    let text = r.to_text(lang);
    assert_eq!(
        serde_json::to_value(r.sub_indication).unwrap(),
        "REVOKED",
        "{text}"
    );
    assert!(text.contains("before the signature's timestamp"), "{text}");

    let r = &zhengtong::pdf::validate::validate(&pdf2, &verifier, &wallet)[0];
    let text = r.to_text(lang);
    assert_eq!(r.exit_code(), 0, "{text}");
    assert!(text.contains("after the signature's timestamp"), "{text}");
}
