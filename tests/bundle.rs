//! The start-up bundle (电子大礼包) through the real server: one call issues the licence, an
//! e-seal per police filing and the invoicing rights, all of which verify; a refusal or a
//! failure injected at any step leaves nothing behind, and a retry then succeeds.

mod common;

use common::*;
use serde_json::{Value, json};
use zhengtong::store::{Store, Tree};

const NAME: &str = "广州一步开办示例科技有限公司";

fn round(name: &str, bottom: Option<&str>, code: &str) -> Value {
    let mut t = json!({"shape": "round", "width_mm": 42, "height_mm": 42, "border_mm": 1.2, "star": true, "arc_text": name, "seal_code": code});
    if let Some(b) = bottom {
        t["width_mm"] = json!(40);
        t["height_mm"] = json!(40);
        t["bottom_text"] = json!(b);
    }
    t
}

/// The one standard form: company, three seals (official, finance, invoice), invoicing.
fn form(uscc: &str, name: &str, codes: [&str; 3]) -> Value {
    json!({
        "company": company(uscc, name),
        "seals": [
            {"seal_type": "official", "template": round(name, None, codes[0]), "engraver": "广州市某刻章店"},
            {"seal_type": "finance", "template": round(name, Some("财务专用章"), codes[1])},
            {"seal_type": "invoice", "template": {"shape": "oval", "width_mm": 40, "height_mm": 30, "border_mm": 1, "star": false, "arc_text": name, "center_text": uscc, "bottom_text": "发票专用章", "seal_code": codes[2]}},
        ],
        "invoicing": true,
    })
}

fn establish(s: &Server, auth: &str, body: &Value) -> Value {
    let r = s.post("/v1/establishments", Some(auth), body);
    assert_eq!(r.status(), 201, "{}", r.text().unwrap());
    r.json().unwrap()
}

/// Every credential of a bundle, checked online: TOTAL_PASSED. Returns the wallet listing.
fn all_verify(s: &Server, done: &Value) -> Value {
    let uscc = done["uscc"].as_str().unwrap();
    let token = done["wallet_token"].as_str().unwrap();
    let wallet: Value = s
        .get(&format!("/v1/wallets/{uscc}"), Some(token))
        .json()
        .unwrap();
    let creds = wallet["credentials"].as_array().unwrap();
    assert_eq!(creds.len(), done["credentials"].as_array().unwrap().len());
    for c in creds {
        let r = s.verify(c["sd_jwt"].as_str().unwrap());
        assert_eq!(r["indication"], "TOTAL_PASSED", "{} {r:#}", c["type"]);
        assert_eq!(r["summary"]["credential_type"], c["type"]);
        assert_eq!(r["summary"]["uscc"], uscc);
    }
    wallet
}

#[test]
fn one_call_issues_licence_seals_and_invoicing_and_all_verify() {
    let s = Server::start();
    let auth = s.role_token("authority");
    let police = s.role_token("police");
    let tax = s.role_token("tax");
    let u = uscc(100);
    let done = establish(
        &s,
        &auth,
        &form(&u, NAME, ["440100100001", "440100100002", "440100100003"]),
    );
    let types: Vec<&str> = done["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "business_license",
            "e_seal",
            "e_seal",
            "e_seal",
            "invoicing_rights"
        ]
    );
    all_verify(&s, &done);
    let token = done["wallet_token"].as_str().unwrap();

    // The filings are on the police record, signed by the police registry, as any filing.
    for f in done["filings"].as_array().unwrap() {
        let filing: Value = s
            .get(
                &format!("/v1/seal-filings/{}", f["id"].as_str().unwrap()),
                None,
            )
            .json()
            .unwrap();
        assert_eq!(filing["status"], "active");
        assert_eq!(filing["uscc"], u.as_str());
        assert_eq!(filing["signature"].as_str().unwrap().split('.').count(), 3);
    }
    // The e-seal seals a document, and the sealed document validates.
    let seal_id = done["seals"][0]["id"].as_str().unwrap();
    let r = s.post(
        &format!("/v1/wallets/{u}/seals/{seal_id}/sign"),
        Some(token),
        &json!({"sha256": "ab".repeat(32)}),
    );
    assert_eq!(r.status(), 201);
    let sig: Value = r.json().unwrap();
    let r: Value = s
        .post(
            "/v1/signatures/validate",
            None,
            &json!({"document_sha256": "ab".repeat(32), "signature": sig["signature"]}),
        )
        .json()
        .unwrap();
    assert_eq!(r["indication"], "TOTAL_PASSED", "{r:#}");
    // Invoicing works at once.
    let r = s.post(
        "/v1/tax/invoices",
        Some(&tax),
        &json!({"seller_uscc": u, "buyer": {"name": "首位客户"}, "items": [{"name": "开业咨询", "quantity": "1", "unit_price": "1000", "tax_rate": "6"}]}),
    );
    assert_eq!(r.status(), 201, "{}", r.text().unwrap());

    // Every time is recorded: the application, then each credential.
    let rec: Value = s
        .get(&format!("/v1/establishments/{u}"), Some(&auth))
        .json()
        .unwrap();
    let at = |v: &Value| chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap();
    let received = at(&rec["received_at"]);
    assert_eq!(rec["credentials"].as_array().unwrap().len(), 5);
    for c in rec["credentials"].as_array().unwrap() {
        assert!(at(&c["issued_at"]) >= received);
        assert!(at(&c["issued_at"]) <= at(&rec["completed_at"]));
    }
    let metrics = s.get("/v1/metrics", None).text().unwrap();
    for line in [
        "zt_credentials_issued_total{region=\"440100\",type=\"e_seal\",channel=\"establishment\"} 3",
        "zt_credentials_issued_total{region=\"440100\",type=\"business_license\",channel=\"establishment\"} 1",
        "zt_credentials_issued_total{region=\"440100\",type=\"invoicing_rights\",channel=\"establishment\"} 1",
        "zt_issuance_seconds_count{region=\"440100\",type=\"e_seal\"} 3",
        // prometheus-client writes `le` first (label order carries no meaning).
        "zt_issuance_seconds_bucket{le=\"+Inf\",region=\"440100\",type=\"business_license\"} 1",
        "zt_establishments_total{region=\"440100\",outcome=\"issued\"} 1",
        "# TYPE zt_issuance_seconds histogram",
    ] {
        assert!(metrics.contains(line), "{line}\n{metrics}");
    }

    // The same company again: 409. A police filing of a bundle's seal code: on record.
    assert_eq!(
        problem(s.post(
            "/v1/establishments",
            Some(&auth),
            &form(&u, NAME, ["440100100011", "440100100012", "440100100013"])
        ))
        .0,
        409
    );
    let (code, p) = problem(s.post(
        "/v1/police/seal-filings",
        Some(&police),
        &json!({"uscc": u, "seal_type": "official", "template": round(NAME, None, "440100100001")}),
    ));
    assert_eq!(
        (code, p["field"].as_str()),
        (422, Some("template.seal_code"))
    );

    // Refusals name the seal and the field; nothing of the refused bundle remains.
    let u2 = uscc(101);
    let name2 = "广州一步开办第二示例有限公司";
    let good = form(&u2, name2, ["440100100021", "440100100022", "440100100023"]);
    let mut bad = good.clone();
    bad["seals"][1]["template"]["bottom_text"] = json!("合同专用章");
    let mut dup_type = good.clone();
    dup_type["seals"][2] = dup_type["seals"][0].clone();
    dup_type["seals"][2]["template"]["seal_code"] = json!("440100100029");
    let mut dup_code = good.clone();
    dup_code["seals"][1]["template"]["seal_code"] = json!("440100100021");
    let mut taken_code = good.clone();
    taken_code["seals"][2]["template"]["seal_code"] = json!("440100100003");
    let mut bad_company = good.clone();
    bad_company["company"]["legal_representative"]["id_number"] = json!("110105194912310021");
    let mut wrong_arc = good.clone();
    wrong_arc["seals"][0]["template"]["arc_text"] = json!(NAME);
    for (b, field, words) in [
        (&bad, "seals[1].template.bottom_text", "财务专用章"),
        (&dup_type, "seals[2].seal_type", "one of each type"),
        (&dup_code, "seals[1].template.seal_code", "same seal code"),
        (
            &taken_code,
            "seals[2].template.seal_code",
            "already on record",
        ),
        (&bad_company, "company.legal_representative.id_number", ""),
        (&wrong_arc, "seals[0].template.arc_text", name2),
    ] {
        let (code, p) = problem(s.post("/v1/establishments", Some(&auth), b));
        assert_eq!((code, p["field"].as_str()), (422, Some(field)), "{p}");
        assert!(p["detail"].as_str().unwrap().contains(words), "{p}");
        assert_eq!(
            s.get(&format!("/v1/wallets/{u2}"), Some(&auth)).status(),
            404
        );
    }
    // The retry, with the codes the refused bundles carried: nothing of them was left.
    all_verify(&s, &establish(&s, &auth, &good));
    // Only the authority sets companies up.
    assert_eq!(
        problem(s.post("/v1/establishments", Some(&tax), &good)).0,
        403
    );
    // A bundle without seals or invoicing is a licence alone.
    let lone = establish(
        &s,
        &auth,
        &json!({"company": company(&uscc(102), "广州单照示例有限公司")}),
    );
    assert_eq!(lone["credentials"].as_array().unwrap().len(), 1);
    let metrics = s.get("/v1/metrics", None).text().unwrap();
    assert!(
        metrics.contains("zt_establishments_total{region=\"440100\",outcome=\"refused\"} 7"),
        "{metrics}"
    );
}

/// Every key in every tree of a stopped server's store, with its raw value.
fn dump(data: &std::path::Path) -> Vec<(Tree, String, Vec<u8>)> {
    let store = Store::open(data).unwrap();
    let mut out = vec![];
    for t in Tree::all() {
        for k in store.keys_with_prefix(t, "").unwrap() {
            let v = store.get_raw(t, &k).unwrap().unwrap_or_default();
            out.push((t, k, v));
        }
    }
    out
}

/// A failure at each step of a bundle — a refused filing, a key that cannot be made, a
/// certificate that cannot be signed, a write that aborts half-way — leaves no company,
/// wallet, token, secret, filing, seal-code index, seal, credential or record; a retry succeeds.
#[test]
fn a_failure_at_any_step_leaves_nothing_and_a_retry_succeeds() {
    let steps = [
        "licence.holder_key",
        "licence.sign",
        "filing.sign",
        "filing.sign#3",
        "eseal.key",
        "eseal.key#2",
        "eseal.certificate#3",
        "invoicing_rights.sign",
        "bundle.write",
        "", // no fault: a police rule refuses the third seal
    ];
    for (n, step) in steps.iter().enumerate() {
        let u = uscc(200 + n as u32);
        let good = form(&u, NAME, ["4401002001", "4401002002", "4401002003"]);
        let mut body = good.clone();
        if step.is_empty() {
            body["seals"][2]["template"]["center_text"] = json!(uscc(299));
        }
        let env: &[(&str, &str)] = &[("ZT_FAULT_INJECT", step)];
        let s = Server::start_env(tempfile::tempdir().unwrap(), None, "440100", &[], env);
        let auth = s.role_token("authority");
        let (code, p) = problem(s.post("/v1/establishments", Some(&auth), &body));
        if step.is_empty() {
            assert_eq!(
                (code, p["field"].as_str()),
                (422, Some("seals[2].template.center_text"))
            );
        } else {
            assert_eq!(code, 500, "{step}: {p}");
            assert!(
                p["detail"]
                    .as_str()
                    .unwrap()
                    .contains("nothing was changed")
            );
            assert!(s.log().contains("injected fault"), "{step}");
        }
        assert_eq!(
            s.get(&format!("/v1/wallets/{u}"), Some(&auth)).status(),
            404,
            "{step}"
        );
        assert_eq!(
            s.get(&format!("/v1/establishments/{u}"), Some(&auth))
                .status(),
            404,
            "{step}"
        );

        let dir = s.kill_keep_dir();
        let data = dir.path().join("data");
        let left = dump(&data);
        let tokens = left.iter().filter(|(t, _, _)| *t == Tree::Tokens).count();
        assert_eq!(tokens, 2, "{step}: only the admin and authority tokens");
        let ids = left
            .iter()
            .filter(|(t, k, _)| *t == Tree::Index && k.starts_with("token-id/"))
            .count();
        assert_eq!(ids, 2, "{step}: the ids of those two tokens");
        for (t, k, v) in &left {
            match t {
                Tree::Tokens => {}
                // The two tokens' ids (`GET /v1/tokens`, `DELETE /v1/tokens/{id}`).
                Tree::Index if k.starts_with("token-id/") => {}
                // The admin token's place in the index of admin tokens, and the mark that
                // the index is complete (written at start-up).
                Tree::Index if k.starts_with("admin-token/") => {}
                Tree::Meta if k == "tokens/admin-indexed" => {}
                Tree::Meta => assert!(k.starts_with("counter/"), "{step}: {k}"),
                // The event log records the failed and refused requests themselves (the
                // bundle, the 404s that check it left nothing; issue 13), nothing of them.
                Tree::Events if k.starts_with("log/") => {
                    let e: Value = serde_json::from_slice(v).unwrap();
                    assert_eq!(e["kind"], "refused", "{step}: {e}");
                }
                other => panic!("{step}: {other:?} {k} was left behind"),
            }
            let bytes = [k.as_bytes(), v].concat();
            assert!(
                !bytes.windows(u.len()).any(|w| w == u.as_bytes()),
                "{step}: {t:?} {k} mentions {u}"
            );
        }

        // The same form again, on the same data, without the fault: the whole bundle.
        let s = Server::start_with(dir, None, "440100", &[]);
        let auth = s.role_token("authority");
        let done = establish(&s, &auth, &good);
        assert_eq!(done["credentials"].as_array().unwrap().len(), 5, "{step}");
        all_verify(&s, &done);
        if n == steps.len() - 1 {
            // The same inspection does see a bundle that was written.
            let dir = s.kill_keep_dir();
            let left = dump(&dir.path().join("data"));
            for t in [
                Tree::Companies,
                Tree::Filings,
                Tree::Seals,
                Tree::Establishments,
            ] {
                assert!(
                    left.iter()
                        .any(|(x, _, v)| *x == t && v.windows(u.len()).any(|w| w == u.as_bytes())),
                    "{t:?}"
                );
            }
        }
    }
}

/// The OpenWallet reference library (`pip install sd-jwt`, in `.venv` from scripts/test.sh)
/// verifies every credential of a bundle and an invoice, chain checked to the root.
#[test]
fn reference_library_verifies_bundle_credentials_and_invoices() {
    let s = Server::start();
    let auth = s.role_token("authority");
    let tax = s.role_token("tax");
    let u = uscc(110);
    let done = establish(
        &s,
        &auth,
        &form(&u, NAME, ["440100110001", "440100110002", "440100110003"]),
    );
    let wallet = all_verify(&s, &done);
    let r = s.post(
        "/v1/tax/invoices",
        Some(&tax),
        &json!({"seller_uscc": u, "buyer": {"name": "李四"}, "items": [{"name": "咨询", "quantity": "1", "unit_price": "1000", "tax_rate": "13"}]}),
    );
    assert_eq!(r.status(), 201);
    let inv: Value = r.json().unwrap();
    let mut tokens: Vec<(String, String)> = wallet["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["type"].as_str().unwrap().into(),
                c["sd_jwt"].as_str().unwrap().into(),
            )
        })
        .collect();
    tokens.push(("e_invoice".into(), inv["sd_jwt"].as_str().unwrap().into()));
    for (kind, sd) in tokens {
        let out = py_check("sdjwt", &s.certs().join("root.crt"), &sd);
        let payload: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(payload["credential_type"], kind.as_str());
        assert_eq!(payload["uscc"], u.as_str());
        assert!(
            payload["status"]["status_list"]["uri"].is_string(),
            "{kind}"
        );
        if kind == "e_invoice" {
            assert_eq!(payload["total_in_words"], "壹仟壹佰叁拾圆整");
            assert_eq!(payload["buyer"]["name"], "李四"); // a disclosure, resolved
        }
    }
}

/// Four identical applications at once: one bundle is issued, the others are refused as
/// already registered, and the wallet holds exactly one bundle's credentials.
#[test]
fn concurrent_identical_applications_issue_one_bundle() {
    let s = Server::start();
    let auth = s.role_token("authority");
    let u = uscc(120);
    let body = form(&u, NAME, ["440100120001", "440100120002", "440100120003"]);
    let codes: Vec<u16> = std::thread::scope(|sc| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                sc.spawn(|| {
                    s.post("/v1/establishments", Some(&auth), &body)
                        .status()
                        .as_u16()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(codes.iter().filter(|c| **c == 201).count(), 1, "{codes:?}");
    assert_eq!(codes.iter().filter(|c| **c == 409).count(), 3, "{codes:?}");
    let w: Value = s
        .get(&format!("/v1/wallets/{u}"), Some(&auth))
        .json()
        .unwrap();
    assert_eq!(w["credentials"].as_array().unwrap().len(), 5);
    let seals: Value = s
        .get(&format!("/v1/wallets/{u}/seals"), Some(&auth))
        .json()
        .unwrap();
    assert_eq!(seals["seals"].as_array().unwrap().len(), 3);
}
