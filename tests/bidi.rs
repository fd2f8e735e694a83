//! Bidirectional control characters (U+202E, U+2066…) in names, addresses and remarks are
//! refused at the edge with a 422 naming the field, raw or `\u`-escaped, so that no page,
//! API text or CLI output shows text they reorder (issue 28, item 6).

mod common;

use common::*;
use serde_json::{Value, json};

fn refused(r: reqwest::blocking::Response, field: &str) {
    let (status, p) = problem(r);
    assert_eq!(status, 422, "{p}");
    assert_eq!(p["field"], field, "{p}");
    assert!(p["detail"].to_string().contains("bidirectional"), "{p}");
}

#[test]
fn bidi_controls_are_refused_naming_the_field() {
    let s = Server::start();
    let auth = s.role_token("authority");
    let tax = s.role_token("tax");

    // "广州示例<U+202E>司公限有" would show as "广州示例有限公司".
    let mut body = company(&uscc(85), "广州示例\u{202E}司公限有");
    refused(s.post("/v1/companies", Some(&auth), &body), "name");
    body["name"] = json!("广州双向示例有限公司");
    body["legal_representative"]["name"] = json!("张\u{2067}三");
    refused(
        s.post("/v1/companies", Some(&auth), &body),
        "legal_representative.name",
    );

    // Escaped in the JSON text, not raw: the same.
    body["legal_representative"]["name"] = json!("张三");
    let text = serde_json::to_string(&body)
        .unwrap()
        .replace("\"address\":\"", "\"address\":\"\\u2066");
    let r = s
        .client
        .post(s.url("/v1/companies"))
        .bearer_auth(&auth)
        .header("content-type", "application/json")
        .body(text)
        .send()
        .unwrap();
    refused(r, "address");

    // Clean text with ordinary punctuation passes; a change cannot bring one in later.
    let (uscc, _, _) = s.register(&auth, &body);
    let change = json!({"address": "广州市天河区\u{202B}某路1号"});
    refused(
        s.post(
            &format!("/v1/companies/{uscc}/changes"),
            Some(&auth),
            &change,
        ),
        "address",
    );

    // Invoice remarks and item names, nested paths named.
    let line = json!({"name": "咖啡", "quantity": "1", "unit_price": "18", "tax_rate": "6"});
    let invoice = |remarks: &str, item: Value| json!({"seller_uscc": uscc, "buyer": {"name": "李四"}, "items": [line, item], "remarks": remarks});
    refused(
        s.post(
            "/v1/tax/invoices",
            Some(&tax),
            &invoice("备注\u{2066}", line.clone()),
        ),
        "remarks",
    );
    let mut bad = line.clone();
    bad["name"] = json!("茶\u{200F}");
    refused(
        s.post("/v1/tax/invoices", Some(&tax), &invoice("备注", bad)),
        "items[1].name",
    );
}
