//! What a registration costs on disk: the issuer JWT's header (with its certificate chain) is
//! stored once per signing key, not in every credential, and reads give the whole SD-JWT back.

use serde_json::json;
use zhengtong::domain::CompanyRecord;
use zhengtong::server::{ServeConfig, build_state};
use zhengtong::store::Tree;

fn record(i: u32) -> CompanyRecord {
    let uscc = zhengtong::domain::with_check_char(&format!("91440101MA{i:07}")).unwrap();
    serde_json::from_value(json!({
        "uscc": uscc, "name": format!("广州存储测试第{i}号科技有限公司"),
        "legal_representative": { "name": "张三", "id_number": "11010519491231002X" },
        "registered_capital_fen": 100_000_000, "address": "广州市天河区天河路1号",
        "business_scope": "软件开发", "established_on": "2024-03-01",
    }))
    .unwrap()
}

#[tokio::test]
async fn a_credential_record_does_not_repeat_the_issuers_certificate_chain() {
    let dir = tempfile::tempdir().unwrap();
    let state = build_state(&ServeConfig {
        data: dir.path().join("data"),
        certs: dir.path().join("certs"),
        listen: "127.0.0.1:0".parse().unwrap(),
        region: "440100".parse().unwrap(),
        public_url: None,
        status_ttl_s: 300,
        trust_list: None,
        trust_list_refresh_s: 300,
        trust_list_grace_s: 86_400,
        invoice_checks_per_day: 5,
        limits: Default::default(),
    })
    .await
    .unwrap();
    let wallet = &state.wallet;
    let mut issued = Vec::new();
    for i in 1..=3 {
        let r = wallet.register(record(i)).await.unwrap();
        issued.push(r.credentials[0].clone());
    }
    let store = wallet.store();
    assert_eq!(
        store
            .keys_with_prefix(Tree::Meta, "jws-header/")
            .unwrap()
            .len(),
        1,
        "one header for the one licence key"
    );
    for c in &issued {
        let back = wallet.credential(&c.id).unwrap().expect("stored");
        assert_eq!(back.sd_jwt, c.sd_jwt, "the whole SD-JWT comes back");
        let raw = store.get_raw(Tree::Credentials, &c.id).unwrap().unwrap();
        let header = c.sd_jwt.split('.').next().unwrap();
        assert!(
            raw.len() + 1000 < c.sd_jwt.len() * 4 / 3,
            "record of {} bytes for an SD-JWT of {} (header {}): the header is still in it",
            raw.len(),
            c.sd_jwt.len(),
            header.len()
        );
    }
}
