//! Issue 13: every indicator computed from the event log, through the real server with a set
//! clock: a known set of start-ups (two bundles, one stepwise with clock steps between its
//! officers' actions), a change, a deregistration, seals, an invoice, presentations,
//! verifications (one failed, one revoked, one from another region), an online check refused
//! and refusals. Every indicator's exact value is checked, then again after a graceful
//! restart (SIGTERM: the queued verification events are drained), offline with
//! `zhengtong indicators`, and in CSV.

mod common;

use chrono::{DateTime, Utc};
use common::*;
use serde_json::{Value, json};

const NAME_A: &str = "广州指标示例甲科技有限公司";
const NAME_B: &str = "广州指标示例乙科技有限公司";
const NAME_C: &str = "广州指标示例丙科技有限公司";

fn round(name: &str, bottom: Option<&str>, code: &str) -> Value {
    let mut t = json!({"shape": "round", "width_mm": 42, "height_mm": 42, "border_mm": 1.2, "star": true, "arc_text": name, "seal_code": code});
    if let Some(b) = bottom {
        t["width_mm"] = json!(40);
        t["height_mm"] = json!(40);
        t["bottom_text"] = json!(b);
    }
    t
}

fn time(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap().parse().unwrap()
}

/// Application to delivery in seconds, as the indicators count it (whole milliseconds).
fn secs(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_milliseconds() as f64 / 1000.0
}

const ALL: &str = "from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z";

fn indicators(s: &Server, token: &str, query: &str) -> Value {
    let r = s.get(&format!("/v1/indicators?{query}"), Some(token));
    assert_eq!(r.status(), 200, "{}", r.text().unwrap());
    r.json().unwrap()
}

fn stop_gracefully(mut s: Server) -> tempfile::TempDir {
    let pid = s.pid().to_string();
    let st = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(st.success());
    let code = s.child.wait().unwrap();
    assert!(code.success(), "graceful stop: {code:?}\n{}", s.log());
    assert!(s.log().contains("event log drained"), "{}", s.log());
    std::mem::replace(&mut s.dir, tempfile::tempdir().unwrap())
}

#[test]
fn every_indicator_from_the_event_log_survives_a_restart() {
    let s = Server::start_args(&["--invoice-checks-per-day", "1"]);
    let (authority, police, tax) = (
        s.role_token("authority"),
        s.role_token("police"),
        s.role_token("tax"),
    );
    let admin = s.admin_token();

    // Two bundles: A with three seals and invoicing, B with invoicing only.
    let (ua, ub, uc) = (uscc(131), uscc(132), uscc(133));
    let form_a = json!({
        "company": company(&ua, NAME_A),
        "seals": [
            {"seal_type": "official", "template": round(NAME_A, None, "4401000031001"), "engraver": "广州市某刻章店"},
            {"seal_type": "finance", "template": round(NAME_A, Some("财务专用章"), "4401000031002")},
            {"seal_type": "invoice", "template": {"shape": "oval", "width_mm": 40, "height_mm": 30, "border_mm": 1, "star": false, "arc_text": NAME_A, "center_text": ua, "bottom_text": "发票专用章", "seal_code": "4401000031003"}},
        ],
        "invoicing": true,
    });
    let r = s.post("/v1/establishments", Some(&authority), &form_a);
    assert_eq!(r.status(), 201, "{}", r.text().unwrap());
    let a: Value = r.json().unwrap();
    let r = s.post(
        "/v1/establishments",
        Some(&authority),
        &json!({"company": company(&ub, NAME_B), "invoicing": true}),
    );
    assert_eq!(r.status(), 201, "{}", r.text().unwrap());
    assert_eq!(r.json::<Value>().unwrap()["uscc"], ub);

    // C stepwise: registration, an hour later the police filing and the e-seal, an hour
    // after that the invoicing rights (the delivery).
    let (_, wallet_c, _) = s.register(&authority, &company(&uc, NAME_C));
    s.advance_clock(3600.0);
    s.official_seal(&police, &authority, &uc, NAME_C, "4401000031004");
    s.advance_clock(3600.0);
    let r = s.post("/v1/tax/invoicing-rights", Some(&tax), &json!({"uscc": uc}));
    assert_eq!(r.status(), 201, "{}", r.text().unwrap());

    // Refusals: a second bundle for A (409), a bundle with a bad field (422), the tax bureau
    // registering a company (403).
    assert_eq!(
        s.post("/v1/establishments", Some(&authority), &form_a)
            .status(),
        409
    );
    let mut bad = json!({"company": company(&uscc(134), NAME_A)});
    bad["company"]["registered_capital_fen"] = json!(-1);
    assert_eq!(
        s.post("/v1/establishments", Some(&authority), &bad)
            .status(),
        422
    );
    assert_eq!(
        s.post("/v1/companies", Some(&tax), &company(&uscc(135), NAME_C))
            .status(),
        403
    );

    // A change of C (its first licence revoked, a second issued); B deregistered (licence
    // and invoicing rights revoked).
    let r = s.post(
        &format!("/v1/companies/{uc}/changes"),
        Some(&authority),
        &json!({"address": "广州市越秀区东风中路1号"}),
    );
    assert_eq!(r.status(), 201, "{}", r.text().unwrap());
    let r = s.post(
        &format!("/v1/companies/{ub}/deregistration"),
        Some(&authority),
        &json!({}),
    );
    assert!(r.status().is_success(), "{}", r.text().unwrap());

    // A seals a document and issues an invoice.
    let wallet_a = a["wallet_token"].as_str().unwrap();
    let official = a["seals"][0]["id"].as_str().unwrap();
    s.seal_document(&ua, wallet_a, official, b"contract");
    let r = s.post(
        "/v1/tax/invoices",
        Some(&tax),
        &json!({"seller_uscc": ua, "buyer": {"name": "首位客户"}, "items": [{"name": "开业咨询", "quantity": "1", "unit_price": "1000", "tax_rate": "6"}]}),
    );
    assert_eq!(r.status(), 201, "{}", r.text().unwrap());
    let inv: Value = r.json().unwrap();
    assert_eq!(inv["total_with_tax_fen"], 106_000);

    // Verifications: A's licence as a QR (here, and from a Shanghai counter), garbage, C's
    // revoked first licence, the invoice (passed, then refused: one online check a day).
    let licence_a = a["credentials"][0]["id"].as_str().unwrap();
    let qr = s.present(&ua, wallet_a, licence_a, None);
    let qr_token = qr["token"].as_str().unwrap();
    assert_eq!(s.verify(qr_token)["indication"], "TOTAL_PASSED");
    let r = s
        .client
        .post(s.url("/v1/verify"))
        // A partner's token vouches for the region (without one it is only claimed).
        .bearer_auth(s.role_token("partner"))
        .header("X-Verifier-Region", "310000")
        .json(&json!({"token": qr_token}))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().unwrap()["indication"], "TOTAL_PASSED");
    let garbage = s.verify("not-a-token");
    assert_eq!(garbage["indication"], "TOTAL_FAILED");
    assert_eq!(garbage["sub_indication"], "FORMAT_FAILURE");
    let wc: Value = s
        .get(&format!("/v1/wallets/{uc}"), Some(&wallet_c))
        .json()
        .unwrap();
    let creds = wc["credentials"].as_array().unwrap();
    let old = creds
        .iter()
        .find(|c| c["type"] == "business_license" && c["status"] == "revoked")
        .unwrap();
    let revoked = s.verify(old["sd_jwt"].as_str().unwrap());
    assert_eq!(revoked["indication"], "TOTAL_FAILED", "{revoked:#}");
    assert_eq!(revoked["sub_indication"], "REVOKED");
    assert_eq!(
        s.verify(inv["sd_jwt"].as_str().unwrap())["indication"],
        "TOTAL_PASSED"
    );
    assert_eq!(
        s.post("/v1/verify", None, &json!({"token": inv["sd_jwt"]}))
            .status(),
        429
    );

    // The start-up times, from the records each start-up left.
    let est = |u: &str| -> Value {
        s.get(&format!("/v1/establishments/{u}"), Some(&authority))
            .json()
            .unwrap()
    };
    let (ea, eb) = (est(&ua), est(&ub));
    let da = time(&ea["completed_at"]);
    let db = time(&eb["completed_at"]);
    let ta = secs(time(&ea["received_at"]), da);
    let tb = secs(time(&eb["received_at"]), db);
    let at = |t: &str| -> DateTime<Utc> {
        time(
            &creds
                .iter()
                .find(|c| c["type"] == t && c["status"] == "valid")
                .unwrap()["issued_at"],
        )
    };
    let registered_c = time(&old["issued_at"]);
    let delivered_c = at("invoicing_rights");
    let tc = secs(registered_c, delivered_c);
    assert!(tc >= 7200.0 && ta < 60.0 && tb < 60.0, "{ta} {tb} {tc}");
    let mut sorted = [ta, tb];
    sorted.sort_by(f64::total_cmp);
    let daily = |day: chrono::NaiveDate, mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let rank = |p: usize| v[(p * n).div_ceil(100).max(1) - 1];
        json!({"date": day.to_string(), "count": n, "seconds": {"p50": rank(50), "p90": rank(90), "p99": rank(99), "max": v[n - 1]}})
    };
    let expected_daily = if da.date_naive() == delivered_c.date_naive() {
        vec![daily(da.date_naive(), vec![ta, tb, tc])]
    } else {
        vec![
            daily(da.date_naive(), vec![ta, tb]),
            daily(delivered_c.date_naive(), vec![tc]),
        ]
    };

    let expected = json!({
        "from": "2000-01-01T00:00:00Z",
        "to": "2100-01-01T00:00:00Z",
        "startups": {
            "delivered": 3,
            "without_human_step": 2,
            "without_human_step_share": 2.0 / 3.0,
            "by_channel": {"bundle": 2, "stepwise": 1},
            "registered": {"bundle": 2, "stepwise": 1},
            "seconds": {"p50": sorted[1], "p90": tc, "p99": tc, "max": tc},
            "daily": expected_daily,
        },
        "credentials_issued": {"business_license": 4, "e_seal": 4, "invoicing_rights": 3, "e_invoice": 1},
        "changes": 1,
        "deregistrations": 1,
        "revocations": 3,
        "seals": {"filed": 4, "issued": 4, "signatures": 1},
        "invoices": {"issued": 1, "total_fen": 106_000},
        "presentations": 1,
        "verifications": {
            "total": 5,
            "by_indication": {"TOTAL_PASSED": 3, "TOTAL_FAILED": 2},
            "by_sub_indication": {"FORMAT_FAILURE": 1, "REVOKED": 1},
            "by_region": [
                {"region": "310000", "total": 1, "total_passed": 1, "total_failed": 0, "indeterminate": 0, "cross_region": 1, "cross_region_claimed": 0},
                {"region": "440100", "total": 4, "total_passed": 2, "total_failed": 2, "indeterminate": 0, "cross_region": 0, "cross_region_claimed": 0},
            ],
            "cross_region": 1,
            "cross_region_claimed": 0,
            "by_credential_type": {"business_license": 3, "e_invoice": 1, "unknown": 1},
        },
        "online_checks_refused": 1,
        "refusals": {
            "total": 4,
            "by_reason": {"conflict": 1, "forbidden": 1, "too-many-requests": 1, "unprocessable-entity": 1},
            "by_route": {"POST /v1/companies": 1, "POST /v1/establishments": 2, "POST /v1/verify": 1},
            "failures": 0,
        },
    });
    let got = indicators(&s, &authority, ALL);
    let mut without_count = got.clone();
    let events = without_count
        .as_object_mut()
        .unwrap()
        .remove("events")
        .unwrap();
    assert_eq!(without_count, expected, "{got:#}");
    // Every event once: 2 bundles (registered, credentials, filings, delivered) = 1+5+3+1
    // and 1+2+1; C: 1+1, filing, e-seal, rights, delivered; refusals 4; change 1+1+1
    // revoked; deregistration 1+2; signature 1; invoice 1+1; presentation 1; verifications
    // 5; check refused 1.
    assert_eq!(
        events,
        10 + 4 + 6 + 4 + 3 + 3 + 1 + 2 + 1 + 5 + 1,
        "{got:#}"
    );

    // A region and periods: nothing for Shanghai's own events; after C's delivery, no
    // start-ups but the change; before the first application, nothing.
    let sh = indicators(&s, &admin, &format!("{ALL}&region=310000"));
    assert_eq!(sh["events"], 0);
    assert_eq!(sh["verifications"]["total"], 0);
    let after = (delivered_c + chrono::Duration::milliseconds(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let later = indicators(
        &s,
        &admin,
        &format!("from={after}&to=2100-01-01T00:00:00Z&region=440100"),
    );
    assert_eq!(later["startups"]["delivered"], 0);
    assert_eq!(later["changes"], 1);
    assert_eq!(later["verifications"]["total"], 5);
    let first = time(&ea["received_at"]).to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let before = indicators(&s, &admin, &format!("from=2000-01-01T00:00:00Z&to={first}"));
    assert_eq!(before["events"], 0);

    // Who may ask, and what is refused.
    assert_eq!(s.get("/v1/indicators", Some(&tax)).status(), 403);
    assert_eq!(s.get("/v1/indicators", None).status(), 401);
    let (code, p) = problem(s.get("/v1/indicators?from=yesterday", Some(&admin)));
    assert_eq!((code, p["field"].as_str()), (422, Some("from")));
    let (code, p) = problem(s.get(
        "/v1/indicators?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z",
        Some(&admin),
    ));
    assert_eq!((code, p["field"].as_str()), (422, Some("from")));

    // CSV: by parameter and by Accept.
    let csv = s
        .get(&format!("/v1/indicators?{ALL}&format=csv"), Some(&admin))
        .text()
        .unwrap();
    for row in [
        "indicator,key,value\r\n",
        "startups.delivered,,3\r\n",
        "credentials_issued,e_seal,4\r\n",
        "verifications.by_region.cross_region,310000,1\r\n",
        "invoices.total_fen,,106000\r\n",
        "refusals.by_reason,conflict,1\r\n",
    ] {
        assert!(csv.contains(row), "{row:?} in\n{csv}");
    }
    let r = s
        .client
        .get(s.url(&format!("/v1/indicators?{ALL}")))
        .bearer_auth(&admin)
        .header("Accept", "text/csv")
        .send()
        .unwrap();
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    assert_eq!(r.text().unwrap(), csv);

    // Prometheus, fed by the same events.
    let metrics = s.get("/v1/metrics", None).text().unwrap();
    let expected_metrics = [
        "zt_establishments_total{region=\"440100\",outcome=\"issued\"} 2",
        "zt_establishments_total{region=\"440100\",outcome=\"refused\"} 2",
        "zt_credentials_issued_total{region=\"440100\",type=\"e_seal\",channel=\"establishment\"} 3",
        "zt_credentials_issued_total{region=\"440100\",type=\"e_seal\",channel=\"seals\"} 1",
        "zt_invoice_checks_refused_total{region=\"440100\"} 1",
        "zt_verifications_total{region=\"310000\",indication=\"TOTAL_PASSED\",cross_region=\"true\"} 1",
        // The 403 above and the one to /v1/indicators.
        "zt_refusals_total{region=\"440100\",reason=\"forbidden\"} 2",
    ];
    for m in expected_metrics {
        assert!(metrics.contains(m), "{m} in\n{metrics}");
    }

    // The refusals of /v1/indicators itself are counted too (403, 401, two 422s).
    let got = indicators(&s, &authority, ALL);
    assert_eq!(got["refusals"]["total"], 8);
    assert_eq!(got["refusals"]["by_route"]["GET /v1/indicators"], 4);

    // A graceful restart: the same figures, from disk; the metrics primed from the log.
    let dir = stop_gracefully(s);
    let data = dir.path().join("data");
    let s = Server::start_with(dir, None, "440100", &["--invoice-checks-per-day", "1"]);
    assert_eq!(indicators(&s, &authority, ALL), got);
    let metrics = s.get("/v1/metrics", None).text().unwrap();
    for m in expected_metrics {
        assert!(metrics.contains(m), "after the restart: {m} in\n{metrics}");
    }

    // Offline, from the stopped server's folder: the same JSON.
    let dir = stop_gracefully(s);
    let (code, out, err) = run_cli(&[
        "indicators",
        "--data",
        data.to_str().unwrap(),
        "--from",
        "2000-01-01T00:00:00Z",
        "--to",
        "2100-01-01T00:00:00Z",
    ]);
    assert_eq!(code, 0, "{err}");
    let offline: Value = serde_json::from_str(&out).unwrap();
    // The reads after the restart added no events.
    assert_eq!(offline, got);
    let (code, out, _) = run_cli(&[
        "indicators",
        "--data",
        data.to_str().unwrap(),
        "--from",
        "2000-01-01T00:00:00Z",
        "--to",
        "2100-01-01T00:00:00Z",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0);
    assert_eq!(out, csv);
    drop(dir);
}
