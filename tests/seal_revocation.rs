//! A seal revoked before the signing time: REVOKED. In-process, because the service itself
//! refuses to sign with a revoked seal; this is the stolen-key case revocation exists for.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use zhengtong::domain::{CompanyRecord, CompanyRequest, RegionCode, Uscc};
use zhengtong::keystore::MasterKey;
use zhengtong::node;
use zhengtong::seal::{eseal, filing, sign};
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
    let wallet = Wallet::new(
        Store::open(&dir.path().join("data")).unwrap(),
        MasterKey::from_bytes(&[9; 32]).unwrap(),
        keys,
        "http://127.0.0.1:1",
    );
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
    let (signature, record) = sign::sign(&wallet, &uscc, &seal.id, &digest).await.unwrap();
    let verifier = Verifier::new(trust);

    let before = RevokedAt(record.signed_at - Duration::seconds(60));
    let r = verifier.verify_sealed_document(&signature, &digest, Utc::now(), Some(&before));
    assert_eq!(
        serde_json::to_value(r.sub_indication).unwrap(),
        "REVOKED",
        "{}",
        r.to_text(zhengtong::verify::Lang::En)
    );
    assert_eq!(r.exit_code(), 1);

    let after = RevokedAt(record.signed_at + Duration::seconds(60));
    let r = verifier.verify_sealed_document(&signature, &digest, Utc::now(), Some(&after));
    assert_eq!(
        r.exit_code(),
        0,
        "{}",
        r.to_text(zhengtong::verify::Lang::En)
    );
}
