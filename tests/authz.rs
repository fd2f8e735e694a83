//! The authorization matrix: every (method, path) of the served OpenAPI document (which
//! tests/openapi.rs proves equal to the router's routes) × every kind of caller, each cell
//! checked against the table below. A route missing from the table fails the test, so a
//! new route cannot escape; path parameters are filled with real ids.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::*;
use serde_json::{Value, json};

/// Who may call a route. `own`: the company named in the path, with its wallet token.
/// `*`: anyone, no token needed.
const TABLE: &[(&str, &[&str])] = &[
    ("GET /healthz", &["*"]),
    ("GET /v1/openapi.json", &["*"]),
    ("GET /v1/certs", &["*"]),
    ("GET /v1/trust-list", &["*"]),
    ("GET /v1/metrics", &["*"]),
    ("POST /v1/verify", &["*"]),
    ("POST /v1/verify/image", &["*"]),
    ("POST /v1/signatures/validate", &["*"]),
    ("GET /v1/status-lists/{id}", &["*"]),
    ("GET /v1/crl/{region}", &["*"]),
    ("POST /v1/tsa", &["*"]),
    ("POST /v1/pdf/extend", &["*"]),
    ("GET /v1/vct/{type}", &["*"]),
    ("GET /v1/crl/{region}/{ca_kid}", &["*"]),
    ("GET /v1/ca/{region}/{ca_kid}", &["*"]),
    ("GET /v1/seal-filings/{id}", &["*"]),
    ("GET /v1/seal-filings/{id}/image.svg", &["*"]),
    ("POST /v1/tokens", &["admin"]),
    ("GET /v1/tokens", &["admin"]),
    ("DELETE /v1/tokens/{id}", &["admin"]),
    ("POST /v1/companies", &["authority", "admin"]),
    ("POST /v1/companies/{uscc}/changes", &["authority", "admin"]),
    (
        "POST /v1/companies/{uscc}/deregistration",
        &["authority", "admin"],
    ),
    ("GET /v1/wallets/{uscc}", &["own", "authority", "admin"]),
    (
        "POST /v1/wallets/{uscc}/token",
        &["own", "authority", "admin"],
    ),
    ("POST /v1/wallets/{uscc}/presentations", &["own"]),
    ("POST /v1/police/seal-filings", &["police", "admin"]),
    ("POST /v1/wallets/{uscc}/seals", &["authority", "admin"]),
    (
        "GET /v1/wallets/{uscc}/seals",
        &["own", "authority", "admin"],
    ),
    ("POST /v1/wallets/{uscc}/seals/{seal_id}/sign", &["own"]),
    (
        "POST /v1/wallets/{uscc}/seals/{seal_id}/revocation",
        &["authority", "admin"],
    ),
    ("POST /v1/tax/invoicing-rights", &["tax", "admin"]),
    ("POST /v1/tax/invoices", &["tax", "admin"]),
    (
        "GET /v1/wallets/{uscc}/invoices",
        &["own", "authority", "tax", "admin"],
    ),
    ("POST /v1/establishments", &["authority", "admin"]),
    ("GET /v1/indicators", &["authority", "admin"]),
    (
        "GET /v1/establishments/{uscc}",
        &["own", "authority", "admin"],
    ),
];

/// Routes that change what later cells see run last, in this order.
const LAST: &[&str] = &[
    "POST /v1/companies/{uscc}/changes",
    "POST /v1/wallets/{uscc}/seals",
    "POST /v1/wallets/{uscc}/seals/{seal_id}/revocation",
    "POST /v1/companies/{uscc}/deregistration",
];

#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    /// Past authorization: a 2xx, or a refusal of the request itself (404, 409, 422), never
    /// 401, 403 or a server error.
    Allowed,
    Unauthorized,
    Forbidden,
    /// A business refusal with this status (a deregistered company's wallet is read-only).
    Exactly(u16),
}

/// A company the test acts for: its USCC, current wallet token, licence, seal, filing.
#[derive(Clone)]
struct Co {
    uscc: String,
    token: String,
    licence: String,
    seal: String,
    filing: String,
}

fn setup_company(s: &Server, auth: &str, police: &str, n: u32, code: &str) -> Co {
    let name = format!("广州授权矩阵测试{n}号科技有限公司");
    let (uscc, token, licence) = s.register(auth, &company(&uscc(n), &name));
    let (filing, seal) = s.official_seal(police, auth, &uscc, &name, code);
    Co {
        uscc,
        token,
        licence,
        seal: seal["id"].as_str().unwrap().into(),
        filing: filing["id"].as_str().unwrap().into(),
    }
}

fn created(r: reqwest::blocking::Response) -> Value {
    assert_eq!(r.status(), 201, "{}", r.text().unwrap());
    r.json().unwrap()
}

#[test]
fn every_route_times_every_caller() {
    let s = Server::start();
    let admin = s.admin_token();
    let auth = s.role_token("authority");
    let police = s.role_token("police");
    let tax = s.role_token("tax");
    let partner = s.role_token("partner");
    let mut a = setup_company(&s, &auth, &police, 1, "4401000000011");
    let b = setup_company(&s, &auth, &police, 2, "4401000000022");
    let mut d = setup_company(&s, &auth, &police, 3, "4401000000033");
    let r = s.post(
        &format!("/v1/companies/{}/deregistration", d.uscc),
        Some(&auth),
        &json!({}),
    );
    assert_eq!(r.status(), 200, "{}", r.text().unwrap());
    created(s.post(
        "/v1/tax/invoicing-rights",
        Some(&tax),
        &json!({"uscc": a.uscc}),
    ));

    // A revoked token, an expired one (valid for one second), a token to revoke in a cell.
    let mk = |body: Value| created(s.post("/v1/tokens", Some(&admin), &body));
    let revoked = mk(json!({"role": "authority"}));
    let r = s
        .client
        .delete(s.url(&format!("/v1/tokens/{}", revoked["id"].as_str().unwrap())))
        .bearer_auth(&admin)
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    let expired = mk(json!({"role": "authority", "ttl_s": 1}));
    let victim = mk(json!({"role": "partner"}))["id"]
        .as_str()
        .unwrap()
        .to_string();
    // The token's 1 s passes on the server's clock, not by sleeping.
    s.advance_clock(2.0);
    let expired = expired["token"].as_str().unwrap().to_string();
    let revoked = revoked["token"].as_str().unwrap().to_string();
    for (t, why) in [(&expired, "expired"), (&revoked, "revoked")] {
        let (code, p) = problem(s.get("/v1/tokens", Some(t)));
        assert_eq!(code, 401);
        assert!(p["detail"].as_str().unwrap().contains(why), "{p}");
    }

    // The routes, from the served document.
    let doc: Value = s.get("/v1/openapi.json", None).json().unwrap();
    let mut routes: Vec<String> = vec![];
    for (path, item) in doc["paths"].as_object().unwrap() {
        for m in ["get", "post", "put", "delete", "patch"] {
            if item.get(m).is_some() {
                routes.push(format!("{} {path}", m.to_uppercase()));
            }
        }
    }
    let table: BTreeMap<&str, &[&str]> = TABLE.iter().copied().collect();
    let missing: Vec<_> = routes
        .iter()
        .filter(|r| !table.contains_key(r.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "routes with no expectation in tests/authz.rs: {missing:?}"
    );
    let served: BTreeSet<&str> = routes.iter().map(String::as_str).collect();
    let stale: Vec<_> = table.keys().filter(|r| !served.contains(*r)).collect();
    assert!(
        stale.is_empty(),
        "expectations for routes that do not exist: {stale:?}"
    );
    routes.sort_by_key(|r| LAST.iter().position(|l| l == r).map_or(0, |i| i + 1));

    let callers = [
        "none",
        "garbage",
        "admin",
        "authority",
        "police",
        "tax",
        "partner",
        "company A on A",
        "company A on B",
        "deregistered company",
        "revoked token",
        "expired token",
    ];
    let mut n = 100;
    let mut cells = 0;
    let mut failures = vec![];
    let mut granted: BTreeMap<u16, u32> = BTreeMap::new();
    for route in &routes {
        let (method, template) = route.split_once(' ').unwrap();
        let allowed = table[route.as_str()];
        for caller in callers {
            n += 1;
            // The company in the path, and the token presented.
            let (co, token) = match caller {
                "none" => (a.clone(), None),
                "garbage" => (a.clone(), Some("zt_garbage".to_string())),
                "admin" => (a.clone(), Some(admin.clone())),
                "authority" => (a.clone(), Some(auth.clone())),
                "police" => (a.clone(), Some(police.clone())),
                "tax" => (a.clone(), Some(tax.clone())),
                "partner" => (a.clone(), Some(partner.clone())),
                "company A on A" => (a.clone(), Some(a.token.clone())),
                "company A on B" => (b.clone(), Some(a.token.clone())),
                "deregistered company" => (d.clone(), Some(d.token.clone())),
                "revoked token" => (a.clone(), Some(revoked.clone())),
                "expired token" => (a.clone(), Some(expired.clone())),
                _ => unreachable!(),
            };
            let path = template
                .replace("{uscc}", &co.uscc)
                .replace("{seal_id}", &co.seal)
                .replace("{region}", "440100")
                .replace("{type}", "business_license")
                .replace(
                    "{id}",
                    if template.starts_with("/v1/tokens/") {
                        &victim
                    } else if template.starts_with("/v1/status-lists/") {
                        "1"
                    } else {
                        &co.filing
                    },
                );
            let body = body_for(route, &co, n, &a);
            let mut req = match method {
                "GET" => s.client.get(s.url(&path)),
                "POST" => s.client.post(s.url(&path)),
                "DELETE" => s.client.delete(s.url(&path)),
                m => panic!("method {m}"),
            };
            if let Some(t) = &token {
                req = req.bearer_auth(t);
            }
            req = match body {
                Some(Body::Json(v)) => req.json(&v),
                Some(Body::Raw(ct, bytes)) => req.header("content-type", ct).body(bytes),
                None => req,
            };
            let resp = req.send().unwrap();
            let status = resp.status().as_u16();
            let text = resp.text().unwrap();
            let expect = expectation(allowed, caller, route);
            let ok = match expect {
                Expect::Allowed => ![401, 403].contains(&status) && status < 500,
                Expect::Unauthorized => status == 401,
                Expect::Forbidden => status == 403,
                Expect::Exactly(c) => status == c,
            };
            cells += 1;
            if expect == Expect::Allowed && !allowed.contains(&"*") {
                *granted.entry(status).or_insert(0) += 1;
            }
            if !ok {
                failures.push(format!(
                    "{route} as {caller}: {status}, expected {expect:?}: {text:.200}"
                ));
            }
            // A rotated wallet token replaces the company's token for the cells after.
            if template == "/v1/wallets/{uscc}/token" && status == 201 {
                let v: Value = serde_json::from_str(&text).unwrap();
                let new = v["wallet_token"].as_str().unwrap().to_string();
                for c in [&mut a, &mut d] {
                    if c.uscc == co.uscc {
                        c.token = new.clone();
                    }
                }
            }
        }
    }
    eprintln!(
        "authorization matrix: {} routes × {} callers = {cells} cells, {} failed",
        routes.len(),
        callers.len(),
        failures.len()
    );
    eprintln!("statuses of the cells granted to a token: {granted:?}");
    assert!(
        failures.is_empty(),
        "cells not as expected:\n{}",
        failures.join("\n")
    );
}

fn expectation(allowed: &[&str], caller: &str, route: &str) -> Expect {
    if allowed.contains(&"*") {
        return Expect::Allowed;
    }
    let role = match caller {
        "none" | "garbage" | "revoked token" | "expired token" => return Expect::Unauthorized,
        "company A on A" | "deregistered company" => "own",
        "company A on B" => "another company",
        r => r,
    };
    if !allowed.contains(&role) {
        return Expect::Forbidden;
    }
    match (caller, route) {
        // One answer for "not registered and active": 422 (presenting answered 409 before).
        ("deregistered company", "POST /v1/wallets/{uscc}/presentations") => Expect::Exactly(422),
        ("deregistered company", "POST /v1/wallets/{uscc}/seals/{seal_id}/sign") => {
            Expect::Exactly(422)
        }
        _ => Expect::Allowed,
    }
}

enum Body {
    Json(Value),
    Raw(&'static str, Vec<u8>),
}

/// A valid request body for the route (so that a refusal is about the caller, not the body);
/// `n` makes what must be unique unique.
fn body_for(route: &str, co: &Co, n: u32, a: &Co) -> Option<Body> {
    let j = |v: Value| Some(Body::Json(v));
    match route {
        "POST /v1/tokens" => j(json!({"role": "partner", "ttl_s": 600})),
        "POST /v1/companies" => j(company(&uscc(n), "广州授权矩阵登记示例有限公司")),
        "POST /v1/companies/{uscc}/changes" => {
            j(json!({"address": format!("广州市天河区矩阵路{n}号")}))
        }
        "POST /v1/wallets/{uscc}/presentations" => j(json!({"credential_id": co.licence})),
        "POST /v1/verify" => j(json!({"token": "not.a.token"})),
        "POST /v1/verify/image" => Some(Body::Raw("image/png", b"not an image".to_vec())),
        // Not a query: answered (anyone may ask) with a rejection reply, not refused.
        "POST /v1/tsa" => Some(Body::Raw(
            "application/timestamp-query",
            b"not a query".to_vec(),
        )),
        // Not a signed PDF: answered (anyone may ask) with a 422, not refused.
        "POST /v1/pdf/extend" => Some(Body::Raw("application/pdf", b"%PDF-1.7 no".to_vec())),
        "POST /v1/signatures/validate" => {
            j(json!({"document_sha256": "0".repeat(64), "signature": "a.b.c"}))
        }
        "POST /v1/police/seal-filings" => j(json!({
            "uscc": a.uscc, "seal_type": "finance", "engraver": "广州市某刻章店",
            "template": {"shape": "round", "width_mm": 40, "height_mm": 40, "border_mm": 1.2,
                "star": true, "arc_text": "广州授权矩阵测试1号科技有限公司", "bottom_text": "财务专用章", "seal_code": format!("44010{n:08}")}})),
        "POST /v1/wallets/{uscc}/seals" => j(json!({"filing_id": co.filing})),
        "POST /v1/wallets/{uscc}/seals/{seal_id}/sign" => j(json!({"sha256": "ab".repeat(32)})),
        "POST /v1/tax/invoicing-rights" => j(json!({"uscc": a.uscc})),
        "POST /v1/tax/invoices" => j(json!({"seller_uscc": a.uscc, "buyer": {"name": "个人"},
            "items": [{"name": "咖啡", "quantity": "1", "unit_price": "18", "tax_rate": "6"}]})),
        "POST /v1/establishments" => {
            j(json!({"company": company(&uscc(n + 5000), "广州授权矩阵开办示例有限公司")}))
        }
        _ => None,
    }
}
