//! 数电票 through the real server: invoicing rights, three lines at three rates checked to the
//! fen, refusals naming the field, wallets of seller and buyer with paging, numbers that
//! survive a crash, and the daily limit on online checks.

mod common;

use common::*;
use serde_json::{Value, json};

const SELLER: &str = "广州卖方示例科技有限公司";
const BUYER: &str = "广州买方示例贸易有限公司";

struct Setup {
    s: Server,
    tax: String,
    seller: String,
    seller_wallet: String,
    buyer: String,
    buyer_wallet: String,
}

fn setup(s: Server, n: u32) -> Setup {
    let auth = s.role_token("authority");
    let tax = s.role_token("tax");
    let (seller, seller_wallet, _) = s.register(&auth, &company(&uscc(n), SELLER));
    let (buyer, buyer_wallet, _) = s.register(&auth, &company(&uscc(n + 1), BUYER));
    Setup {
        s,
        tax,
        seller,
        seller_wallet,
        buyer,
        buyer_wallet,
    }
}

fn grant(st: &Setup) -> Value {
    let r = st.s.post(
        "/v1/tax/invoicing-rights",
        Some(&st.tax),
        &json!({"uscc": st.seller}),
    );
    assert_eq!(r.status(), 201, "{}", r.text().unwrap());
    r.json().unwrap()
}

fn line(name: &str, q: &str, p: &str, r: &str) -> Value {
    json!({"name": name, "quantity": q, "unit_price": p, "tax_rate": r})
}

/// Three lines at 13 %, 9 % and 6 %, with the hand-computed fen values in the comments.
fn three_lines() -> Vec<Value> {
    let mut a = line("办公电脑", "2", "4999.99", "13");
    a["spec"] = json!("ThinkPad X1");
    a["unit"] = json!("台");
    vec![
        a,                                        // 2 × 4999.99 = 999998 fen; × 13 % = 129999.74 → 130000
        line("运输服务", "3", "33.50", "9"),      // 10050 fen; × 9 % = 904.5 → 905 (half up)
        line("技术服务费", "1.5", "200.01", "6"), // 30001.5 → 30002 fen; × 6 % = 1800.12 → 1800
    ]
}

fn invoice(st: &Setup, body: &Value) -> reqwest::blocking::Response {
    st.s.post("/v1/tax/invoices", Some(&st.tax), body)
}

fn ok_invoice(st: &Setup, body: &Value) -> Value {
    let r = invoice(st, body);
    assert_eq!(r.status(), 201, "{}", r.text().unwrap());
    r.json().unwrap()
}

fn beijing_yy() -> String {
    (chrono::Utc::now() + chrono::Duration::hours(8))
        .format("%y")
        .to_string()
}

fn seq(number: &Value) -> u64 {
    number.as_str().unwrap()[5..].parse().unwrap()
}

#[test]
fn three_lines_every_amount_in_fen_and_refusals() {
    let st = setup(Server::start(), 60);
    let s = &st.s;
    let body = json!({
        "seller_uscc": st.seller,
        "buyer": {"uscc": st.buyer, "name": BUYER},
        "items": three_lines(),
        "remarks": "合同号 HT-2026-001",
        "total_amount_fen": 1_040_050, "total_tax_fen": 132_705, "total_with_tax_fen": 1_172_755,
    });

    // No invoicing rights yet: refused, naming the seller.
    let (code, p) = problem(invoice(&st, &body));
    assert_eq!(
        (code, p["field"].as_str()),
        (422, Some("seller_uscc")),
        "{p}"
    );
    assert!(
        p["detail"].as_str().unwrap().contains("invoicing rights"),
        "{p}"
    );
    let rights = grant(&st);
    assert_eq!(rights["type"], "invoicing_rights");
    let (code, _) = problem(s.post(
        "/v1/tax/invoicing-rights",
        Some(&st.tax),
        &json!({"uscc": st.seller}),
    ));
    assert_eq!(code, 409);
    // Only the tax bureau issues invoices.
    assert_eq!(
        problem(s.post("/v1/tax/invoices", Some(&st.seller_wallet), &body)).0,
        403
    );

    let inv = ok_invoice(&st, &body);
    let amounts: Vec<(i64, i64)> = inv["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["amount_fen"].as_i64().unwrap(),
                l["tax_fen"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        amounts,
        [(999_998, 130_000), (10_050, 905), (30_002, 1_800)]
    );
    assert_eq!(inv["total_amount_fen"], 1_040_050);
    assert_eq!(inv["total_tax_fen"], 132_705);
    assert_eq!(inv["total_with_tax_fen"], 1_172_755);
    assert_eq!(inv["total_in_words"], "壹万壹仟柒佰贰拾柒圆伍角伍分");
    assert_eq!(inv["items"][0]["unit"], "台");
    assert_eq!(inv["items"][2]["quantity"], "1.5");
    let number = inv["number"].as_str().unwrap();
    assert_eq!(number.len(), 20);
    assert!(number.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(&number[..5], format!("{}441", beijing_yy()), "{number}");
    assert_eq!(inv["delivered_to"], json!([st.seller, st.buyer]));

    // The example of the brief: 1000 yuan at 13 % is 壹仟壹佰叁拾圆整; and numbers follow on.
    let second = ok_invoice(
        &st,
        &json!({"seller_uscc": st.seller, "buyer": {"uscc": st.buyer, "name": BUYER},
                "items": [line("软件许可", "1", "1000", "13")]}),
    );
    assert_eq!(second["total_in_words"], "壹仟壹佰叁拾圆整");
    assert_eq!(second["total_with_tax_fen"], 113_000);
    assert_eq!(seq(&second["number"]), seq(&inv["number"]) + 1);

    // The credential verifies, signed by the tax bureau's key.
    let report = s.verify(inv["sd_jwt"].as_str().unwrap());
    assert_eq!(report["indication"], "TOTAL_PASSED", "{report:#}");
    assert_eq!(report["summary"]["credential_type"], "e_invoice");
    assert_eq!(report["summary"]["details"]["invoice_number"], number);
    assert_eq!(
        report["summary"]["details"]["total_with_tax_fen"],
        1_172_755
    );
    let report = s.verify(rights["sd_jwt"].as_str().unwrap());
    assert_eq!(report["indication"], "TOTAL_PASSED", "{report:#}");
    assert_eq!(report["summary"]["credential_type"], "invoicing_rights");

    // A third invoice, to a person (no USCC): only in the seller's wallet.
    let third = ok_invoice(
        &st,
        &json!({"seller_uscc": st.seller, "buyer": {"name": "李四"},
                "items": [line("维修服务", "1", "88.88", "3")]}),
    );
    assert_eq!((third["items"][0]["tax_fen"].as_i64()), Some(267)); // 8888 × 3 % = 266.64
    assert_eq!(third["delivered_to"], json!([st.seller]));

    // Wallet lists, newest first, with paging.
    let list = |who: &str, token: &str, q: &str| -> Value {
        let r = s.get(&format!("/v1/wallets/{who}/invoices{q}"), Some(token));
        assert_eq!(r.status(), 200);
        r.json().unwrap()
    };
    let page1 = list(&st.seller, &st.seller_wallet, "?limit=2");
    let numbers = |p: &Value| -> Vec<String> {
        p["invoices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["number"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        numbers(&page1),
        [
            third["number"].as_str().unwrap(),
            second["number"].as_str().unwrap()
        ]
    );
    assert_eq!(page1["invoices"][0]["direction"], "issued");
    let cursor = page1["next_cursor"].as_str().unwrap();
    let page2 = list(
        &st.seller,
        &st.seller_wallet,
        &format!("?limit=2&cursor={cursor}"),
    );
    assert_eq!(numbers(&page2), [number]);
    assert!(page2["next_cursor"].is_null());
    let received = list(&st.buyer, &st.buyer_wallet, "");
    assert_eq!(
        numbers(&received),
        [second["number"].as_str().unwrap(), number]
    );
    assert_eq!(received["invoices"][0]["direction"], "received");
    assert!(
        list(&st.buyer, &st.buyer_wallet, "?direction=issued")["invoices"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        numbers(&list(&st.seller, &st.tax, "?direction=issued&limit=100")).len(),
        3
    );
    // The buyer's wallet holds the invoice like any credential, and can show it as a QR code.
    let wallet: Value = s
        .get(&format!("/v1/wallets/{}", st.buyer), Some(&st.buyer_wallet))
        .json()
        .unwrap();
    assert!(
        wallet["credentials"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == inv["credential_id"])
    );
    let qr = s.present(
        &st.buyer,
        &st.buyer_wallet,
        inv["credential_id"].as_str().unwrap(),
        None,
    );
    let r = s.verify(qr["token"].as_str().unwrap());
    assert_eq!(r["indication"], "TOTAL_PASSED", "{r:#}");
    assert_eq!(r["summary"]["details"]["no"], number);
    assert_eq!(r["summary"]["details"]["tt"], 1_172_755);
    for (q, field) in [
        ("?limit=0", "limit"),
        ("?limit=101", "limit"),
        ("?cursor=12", "cursor"),
        ("?direction=x", "direction"),
        ("?colour=red", "colour"),
    ] {
        let (code, p) = problem(s.get(
            &format!("/v1/wallets/{}/invoices{q}", st.seller),
            Some(&st.seller_wallet),
        ));
        assert_eq!((code, p["field"].as_str()), (422, Some(field)), "{q}");
    }
    assert_eq!(
        problem(s.get(
            &format!("/v1/wallets/{}/invoices", st.seller),
            Some(&st.buyer_wallet)
        ))
        .0,
        403
    );

    // Refusals, each naming the line and the field.
    let with = |i: usize, k: &str, v: &str| {
        let mut b = body.clone();
        b["items"][i][k] = json!(v);
        b.as_object_mut()
            .unwrap()
            .retain(|k, _| !k.starts_with("total"));
        b
    };
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            with(1, "tax_rate", "10"),
            "items[1].tax_rate",
            "must be one of",
        ),
        (
            with(0, "tax_rate", "13%"),
            "items[0].tax_rate",
            "must be one of",
        ),
        (
            with(2, "tax_rate", "Exempt"),
            "items[2].tax_rate",
            "must be one of",
        ),
        (
            with(0, "quantity", "-1"),
            "items[0].quantity",
            "not a plain decimal",
        ),
        (
            with(0, "quantity", "0"),
            "items[0].quantity",
            "greater than 0",
        ),
        (
            with(1, "quantity", "99999999999"),
            "items[1].quantity",
            "larger than",
        ),
        (
            with(1, "quantity", "1e9"),
            "items[1].quantity",
            "not a plain decimal",
        ),
        (
            with(2, "unit_price", "1.234"),
            "items[2].unit_price",
            "more than 2 decimal places",
        ),
        (
            with(2, "unit_price", "-5"),
            "items[2].unit_price",
            "not a plain decimal",
        ),
        (with(0, "name", "  "), "items[0].name", "blank"),
        (
            {
                let mut b = body.clone();
                b["total_tax_fen"] = json!(132_704);
                b
            },
            "total_tax_fen",
            "132705",
        ),
        (
            {
                let mut b = body.clone();
                b["total_with_tax_fen"] = json!(1);
                b
            },
            "total_with_tax_fen",
            "1172755",
        ),
        (
            {
                let mut b = body.clone();
                b["items"] = json!([]);
                b
            },
            "items",
            "1 to 200",
        ),
        (
            {
                let mut b = body.clone();
                b["seller_uscc"] = json!(uscc(69));
                b
            },
            "seller_uscc",
            "not registered",
        ),
        (
            {
                let mut b = body.clone();
                b["seller_uscc"] = json!("91440101MA59XXXXX0");
                b
            },
            "seller_uscc",
            "",
        ),
        (
            {
                let mut b = body.clone();
                b["buyer"]["name"] = json!("别的公司");
                b
            },
            "buyer.name",
            "registered as",
        ),
        (
            {
                let mut b = body.clone();
                b["buyer"]["uscc"] = json!(st.seller);
                b["buyer"]["name"] = json!(SELLER);
                b
            },
            "buyer.uscc",
            "cannot be the seller",
        ),
        (
            {
                let mut b = body.clone();
                b["buyer"]["name"] = json!("");
                b
            },
            "buyer.name",
            "1 to 100",
        ),
        (
            {
                let mut b = body.clone();
                b["remarks"] = json!("备".repeat(201));
                b
            },
            "remarks",
            "200",
        ),
    ];
    for (b, field, words) in cases {
        let (code, p) = problem(invoice(&st, &b));
        assert_eq!((code, p["field"].as_str()), (422, Some(field)), "{p}");
        assert!(p["detail"].as_str().unwrap().contains(words), "{p}");
    }
    // A field the API does not know (a client-side discount) is refused, not ignored.
    let mut b = body.clone();
    b["items"][0]["discount_fen"] = json!(100);
    assert_eq!(problem(invoice(&st, &b)).0, 422);
    // Nothing refused drew a number: the next invoice follows the third.
    let next = ok_invoice(
        &st,
        &json!({"seller_uscc": st.seller, "buyer": {"name": "王五"}, "items": [line("服务", "1", "1", "exempt")]}),
    );
    assert_eq!(seq(&next["number"]), seq(&third["number"]) + 1);
    assert_eq!(next["items"][0]["tax_fen"], 0);
}

#[test]
fn numbers_are_never_reused_after_a_crash() {
    let st = setup(Server::start(), 70);
    grant(&st);
    let body = json!({"seller_uscc": st.seller, "buyer": {"name": "个人"}, "items": [line("咖啡", "2", "18", "6")]});
    let a = ok_invoice(&st, &body);
    let Setup { s, .. } = st;
    let dir = s.kill_keep_dir(); // SIGKILL, right after the 201
    let s = Server::start_with(dir, None, "440100", &[]);
    let tax = s.role_token("tax");
    let r = s.post("/v1/tax/invoices", Some(&tax), &body);
    assert_eq!(r.status(), 201);
    let b: Value = r.json().unwrap();
    assert!(seq(&b["number"]) > seq(&a["number"]), "{a} {b}");
    // The first invoice is still there.
    let r = s.verify(a["sd_jwt"].as_str().unwrap());
    assert_eq!(r["indication"], "TOTAL_PASSED");
}

#[test]
fn online_checks_are_limited_per_day_offline_are_not() {
    let st = setup(Server::start(), 80);
    let s = &st.s;
    grant(&st);
    let body = json!({"seller_uscc": st.seller, "buyer": {"uscc": st.buyer, "name": BUYER}, "items": [line("办公用品", "10", "9.9", "13")]});
    let inv = ok_invoice(&st, &body);
    let other = ok_invoice(&st, &body);
    let cid = inv["credential_id"].as_str().unwrap();
    let qr = s.present(&st.seller, &st.seller_wallet, cid, None);
    let qr = qr["token"].as_str().unwrap();
    let sd_jwt = inv["sd_jwt"].as_str().unwrap();
    // Five online checks a day, by QR code or by the credential itself: the same invoice.
    for t in [qr, qr, sd_jwt, qr, sd_jwt] {
        assert_eq!(s.verify(t)["indication"], "TOTAL_PASSED");
    }
    for t in [qr, sd_jwt] {
        let r = s.post("/v1/verify", None, &json!({"token": t}));
        assert_eq!(r.status(), 429);
        let retry: u64 = r.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=86_400).contains(&retry), "{retry}");
        let (_, p) = problem(r);
        assert!(p["detail"].as_str().unwrap().contains("offline"), "{p}");
    }
    // Another invoice has its own count; licences are not limited; a forged token uses none.
    assert_eq!(
        s.verify(other["sd_jwt"].as_str().unwrap())["indication"],
        "TOTAL_PASSED"
    );
    let mut forged = sd_jwt.to_string();
    forged.insert(forged.find('.').unwrap() + 5, 'x');
    assert_ne!(s.verify(&forged)["indication"], "TOTAL_PASSED");
    // Offline verification is unlimited.
    let certs = s.certs();
    let (code, out, _) = run_cli(&["verify", "--certs", certs.to_str().unwrap(), qr]);
    assert_eq!(code, 0, "{out}");
    let metrics = s.get("/v1/metrics", None).text().unwrap();
    assert!(
        metrics.contains("zt_invoice_checks_refused_total{region=\"440100\"} 2"),
        "{metrics}"
    );
    assert!(metrics.contains("zt_credentials_issued_total{region=\"440100\",type=\"e_invoice\",channel=\"invoices\"} 2"), "{metrics}");

    // The limit is configurable.
    let s2 = Server::start_args(&["--invoice-checks-per-day", "1"]);
    let st2 = setup(s2, 85);
    grant(&st2);
    let inv = ok_invoice(
        &st2,
        &json!({"seller_uscc": st2.seller, "buyer": {"name": "赵六"}, "items": [line("书", "1", "50", "0")]}),
    );
    assert_eq!(
        st2.s.verify(inv["sd_jwt"].as_str().unwrap())["indication"],
        "TOTAL_PASSED"
    );
    let r = st2
        .s
        .post("/v1/verify", None, &json!({"token": inv["sd_jwt"]}));
    assert_eq!(r.status(), 429);
}

/// The daily count is durable: five checks, a restart (SIGKILL), and the sixth is still 429.
#[test]
fn online_check_counts_survive_a_restart() {
    let st = setup(Server::start(), 90);
    grant(&st);
    let body = json!({"seller_uscc": st.seller, "buyer": {"name": "个人"}, "items": [line("茶", "1", "20", "6")]});
    let inv = ok_invoice(&st, &body);
    let sd_jwt = inv["sd_jwt"].as_str().unwrap().to_string();
    for _ in 0..5 {
        assert_eq!(st.s.verify(&sd_jwt)["indication"], "TOTAL_PASSED");
    }
    let Setup { s, .. } = st;
    let dir = s.kill_keep_dir();
    let s = Server::start_with(dir, None, "440100", &[]);
    let r = s.post("/v1/verify", None, &json!({"token": sd_jwt}));
    assert_eq!(r.status(), 429, "the count was forgotten by the restart");
    assert!(r.headers().contains_key("retry-after"));
}

/// A deregistered seller cannot invoice. Deregistration itself is issue 5's; here the
/// company is marked deregistered directly in the store, in-process.
#[tokio::test]
async fn a_deregistered_seller_is_refused() {
    use zhengtong::domain::{CompanyRecord, CompanyRequest, RegionCode, Uscc};
    use zhengtong::invoice::{rights, service};
    use zhengtong::store::{Batch, Store};
    use zhengtong::wallet::{CompanyStatus, StoredCompany, Wallet, WalletError};

    let dir = tempfile::tempdir().unwrap();
    let region = RegionCode::parse("440100").unwrap();
    let (keys, _) = zhengtong::node::load_or_create(&dir.path().join("certs"), &region).unwrap();
    let wallet = Wallet::new(
        Store::open(&dir.path().join("data")).unwrap(),
        zhengtong::keystore::MasterKey::from_bytes(&[7; 32]).unwrap(),
        keys,
        "http://127.0.0.1:1",
    )
    .unwrap();
    let u = uscc(90);
    let req: CompanyRequest = serde_json::from_value(company(&u, SELLER)).unwrap();
    wallet
        .register(CompanyRecord::parse(&req, chrono::Utc::now().date_naive()).unwrap())
        .await
        .unwrap();
    let u = Uscc::parse(&u).unwrap();
    rights::grant(&wallet, &u).await.unwrap();
    let body = || -> service::InvoiceRequest {
        serde_json::from_value(json!({"seller_uscc": u, "buyer": {"name": "李四"}, "items": [line("茶", "1", "10", "13")]})).unwrap()
    };
    service::issue(&wallet, body()).await.unwrap();

    let mut c: StoredCompany = wallet.company(&u).unwrap().unwrap();
    c.status = CompanyStatus::Deregistered;
    let mut b = Batch::default();
    wallet.put_company(&mut b, &c, false).unwrap();
    wallet.store().apply(b).await.unwrap();

    match service::issue(&wallet, body()).await {
        Err(WalletError::Invalid { field, reason }) => {
            assert_eq!(field, "seller_uscc");
            assert!(reason.contains("deregistered"), "{reason}");
        }
        other => panic!("expected a refusal, got {:?}", other.map(|(i, _)| i.number)),
    }
    assert!(matches!(
        rights::grant(&wallet, &u).await,
        Err(WalletError::Invalid { field, .. }) if field == "uscc"
    ));
}

#[test]
fn a_seller_deregistered_through_the_api_cannot_invoice_and_its_rights_are_revoked() {
    let st = setup(Server::start(), 90);
    let rights = grant(&st);
    let body = json!({"seller_uscc": st.seller, "buyer": {"name": BUYER}, "items": [line("咨询服务", "1", "100.00", "6")]});
    let issued = ok_invoice(&st, &body);
    let auth = st.s.role_token("authority");
    let r = st.s.post(
        &format!("/v1/companies/{}/deregistration", st.seller),
        Some(&auth),
        &json!({}),
    );
    assert_eq!(r.status(), 200);
    let revoked: Value = r.json().unwrap();
    assert!(
        revoked["revoked"]
            .as_array()
            .unwrap()
            .contains(&rights["credential_id"]),
        "{revoked}"
    );
    let (code, p) = problem(invoice(&st, &body));
    assert_eq!((code, p["field"].as_str()), (422, Some("seller_uscc")));
    assert!(
        p["detail"].as_str().unwrap().contains("deregistered"),
        "{p}"
    );
    // The invoice issued before deregistration stays valid (it records a sale that happened).
    let sd = issued["sd_jwt"].as_str().unwrap();
    assert_eq!(st.s.verify(sd)["indication"], "TOTAL_PASSED");
}

#[test]
fn invoice_and_rights_claims_match_their_schemas() {
    let st = setup(Server::start(), 93);
    let rights = grant(&st);
    let mut body = json!({"seller_uscc": st.seller, "buyer": {"uscc": st.buyer, "name": BUYER}, "items": three_lines()});
    body["remarks"] = json!("合同号 HT-2026-001");
    let issued = ok_invoice(&st, &body);
    let schema = |name: &str| {
        let path = format!("{}/schemas/{name}", env!("CARGO_MANIFEST_DIR"));
        jsonschema::validator_for(
            &serde_json::from_str::<Value>(&std::fs::read_to_string(path).unwrap()).unwrap(),
        )
        .unwrap()
    };
    let claims = |sd: &str| Value::from(zhengtong::credential::sdjwt::decode(sd).unwrap().claims);
    for (file, sd) in [
        ("e_invoice.schema.json", &issued["sd_jwt"]),
        ("invoicing_rights.schema.json", &rights["sd_jwt"]),
    ] {
        let v = schema(file);
        let c = claims(sd.as_str().unwrap());
        let errors: Vec<String> = v.iter_errors(&c).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{file}: {errors:?}\n{c:#}");
        let mut broken = c.clone();
        broken["unexpected"] = json!(1);
        assert!(!v.is_valid(&broken), "{file} must be able to fail");
    }
}
