//! The generated OpenAPI document (`GET /v1/openapi.json`): every route it names answers
//! (the router is built from the same `#[utoipa::path]` descriptions, so none is missing)
//! and asks for a token exactly when it says so, live responses of the main flows validate
//! against its schemas, closed where the response types are (`additionalProperties: false`),
//! the document passes partners' tools (openapi-spec-validator, `redocly lint`), every
//! JSON request body has an example that a fresh node accepts, and `/api` renders it.

mod common;

use std::cell::RefCell;
use std::collections::HashMap;

use common::*;
use serde_json::{Value, json};

const DRAFT: &str = "https://json-schema.org/draft/2020-12/schema";
const BASE: &str = "https://zhengtong.example/openapi.json";
const METHODS: [&str; 5] = ["get", "post", "put", "delete", "patch"];

/// Compiles the schema of one response (by its pointer in the document) and validates.
struct Schemas {
    doc: Value,
    compiled: RefCell<HashMap<String, jsonschema::Validator>>,
}

impl Schemas {
    fn new(doc: &Value) -> Schemas {
        Schemas {
            doc: doc.clone(),
            compiled: RefCell::new(HashMap::new()),
        }
    }

    fn errors(&self, ptr: &str, instance: &Value) -> Vec<String> {
        let mut compiled = self.compiled.borrow_mut();
        let validator = compiled.entry(ptr.to_string()).or_insert_with(|| {
            let mut root = self.doc.clone();
            root["$schema"] = json!(DRAFT);
            let fragment = ptr.replace('{', "%7B").replace('}', "%7D");
            root["$ref"] = json!(format!("#{fragment}"));
            jsonschema::options()
                .with_base_uri(BASE)
                .should_validate_formats(true)
                .build(&root)
                .unwrap_or_else(|e| panic!("the schema at #{ptr} does not compile: {e}"))
        });
        validator
            .iter_errors(instance)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect()
    }

    /// Checks a live response against the document's schema for its path, method and status.
    fn check(&self, path: &str, method: &str, r: reqwest::blocking::Response) -> Value {
        let status = r.status().as_u16().to_string();
        let ct = r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let body: Value = r.json().unwrap();
        let esc = path.replace('~', "~0").replace('/', "~1");
        let content = &self.doc["paths"][path][method]["responses"][&status]["content"];
        assert!(
            content.get(&ct).is_some(),
            "{method} {path} {status} with {ct} is not documented: {content}"
        );
        let ct_esc = ct.replace('~', "~0").replace('/', "~1");
        let ptr = format!("/paths/{esc}/{method}/responses/{status}/content/{ct_esc}/schema");
        let errors = self.errors(&ptr, &body);
        assert!(
            errors.is_empty(),
            "{method} {path} {status} does not match #{ptr}:\n{}\n{body:#}",
            errors.join("\n")
        );
        body
    }
}

fn doc(s: &Server) -> Value {
    let r = s.get("/v1/openapi.json", None);
    assert_eq!(r.status(), 200);
    r.json().unwrap()
}

#[test]
fn every_documented_route_answers_and_the_schemas_compile() {
    let s = Server::start();
    let doc = doc(&s);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    jsonschema::meta::validate(&doc["components"]["schemas"]["Report"]).unwrap();
    let client = reqwest::blocking::Client::new();
    let mut n = 0;
    let mut ids = std::collections::HashSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for m in METHODS {
            let Some(op) = item.get(m) else { continue };
            n += 1;
            let url = s.url(
                &path
                    .replace("{uscc}", &uscc(1))
                    .replace('{', "x")
                    .replace('}', ""),
            );
            let r = client
                .request(m.to_uppercase().parse().unwrap(), url)
                .send()
                .unwrap();
            let (code, body) = (r.status().as_u16(), r.text().unwrap());
            assert!(
                !body.contains("no such endpoint") && code != 405,
                "{m} {path} is documented but not routed: {code} {body}"
            );
            assert!(
                op["responses"].get(code.to_string()).is_some(),
                "{m} {path} answered {code}, which it does not document"
            );
            // The security the document states is what the server does without a token:
            // `[]` (public) never answers 401, bearer always does.
            let security = &op["security"];
            if *security == json!([]) {
                assert_ne!(
                    code, 401,
                    "{m} {path} is documented public but wants a token"
                );
            } else {
                assert_eq!(*security, json!([{"bearer": []}]), "{m} {path}");
                assert_eq!(code, 401, "{m} {path} is documented with bearer: {body}");
            }
            let id = op["operationId"].as_str().unwrap_or_default();
            assert!(
                id.len() > 4
                    && id.starts_with(|c: char| c.is_ascii_lowercase())
                    && id.chars().all(|c| c.is_ascii_alphanumeric()),
                "{m} {path}: operationId {id:?} is not a camelCase name"
            );
            assert!(ids.insert(id.to_string()), "operationId {id} is used twice");
        }
    }
    assert!(n >= 30, "only {n} operations documented");
    // Closed response bodies: a field the server adds must be in its type.
    for name in [
        "TokenCreated",
        "CompanyRegistered",
        "WalletView",
        "Presentation",
        "Report",
        "Problem",
    ] {
        let schema = &doc["components"]["schemas"][name];
        assert!(schema.is_object(), "{name} is not in the document");
    }
    for name in [
        "TokenCreated",
        "CompanyRegistered",
        "WalletView",
        "Presentation",
        "InvoiceIssued",
        "WalletSeals",
    ] {
        assert_eq!(
            doc["components"]["schemas"][name]["additionalProperties"],
            json!(false),
            "{name} is not closed"
        );
    }
}

#[test]
fn live_responses_of_the_main_flows_match_the_document() {
    let s = Server::start();
    let doc = doc(&s);
    let v = Schemas::new(&doc);
    let admin = s.admin_token();

    let r = s.post(
        "/v1/tokens",
        Some(&admin),
        &json!({"role": "authority", "label": "窗口"}),
    );
    let authority = v.check("/v1/tokens", "post", r)["token"]
        .as_str()
        .unwrap()
        .to_string();
    let police = s.role_token("police");
    let tax = s.role_token("tax");
    v.check("/v1/tokens", "get", s.get("/v1/tokens", Some(&admin)));

    let id = uscc(7);
    let r = s.post(
        "/v1/companies",
        Some(&authority),
        &company(&id, "广州市示例科技有限公司"),
    );
    let reg = v.check("/v1/companies", "post", r);
    let wallet = reg["wallet_token"].as_str().unwrap().to_string();
    let licence = reg["credentials"][0]["id"].as_str().unwrap().to_string();

    let w = v.check(
        "/v1/wallets/{uscc}",
        "get",
        s.get(&format!("/v1/wallets/{id}"), Some(&wallet)),
    );
    let sd_jwt = w["credentials"][0]["sd_jwt"].as_str().unwrap().to_string();
    let r = s.post(
        &format!("/v1/wallets/{id}/presentations"),
        Some(&wallet),
        &json!({"credential_id": licence}),
    );
    let qr = v.check("/v1/wallets/{uscc}/presentations", "post", r);
    for token in [qr["token"].as_str().unwrap(), sd_jwt.as_str(), "garbage"] {
        let r = s.post("/v1/verify", None, &json!({"token": token}));
        v.check("/v1/verify", "post", r);
    }
    // The answer to a partner's challenge (an SD-JWT with a key-binding JWT), verified
    // with the nonce and aud.
    let r = s.post(
        &format!("/v1/wallets/{id}/presentations"),
        Some(&wallet),
        &json!({"credential_id": licence, "format": "sd-jwt", "disclose": ["address"],
            "nonce": "n-1", "aud": "https://bank.example"}),
    );
    let kb = v.check("/v1/wallets/{uscc}/presentations", "post", r);
    let r = s.post(
        "/v1/verify",
        None,
        &json!({"token": kb["sd_jwt"], "nonce": "n-1", "aud": "https://bank.example"}),
    );
    assert_eq!(
        v.check("/v1/verify", "post", r)["indication"],
        "TOTAL_PASSED"
    );

    // Seals: file, issue, list, sign, validate, revoke.
    let (filing, seal) = s.official_seal(
        &police,
        &authority,
        &id,
        "广州市示例科技有限公司",
        "4401000000001",
    );
    let fid = filing["id"].as_str().unwrap();
    v.check(
        "/v1/seal-filings/{id}",
        "get",
        s.get(&format!("/v1/seal-filings/{fid}"), None),
    );
    let seal_id = seal["id"].as_str().unwrap();
    let r = s.post(
        &format!("/v1/wallets/{id}/seals/{seal_id}/sign"),
        Some(&wallet),
        &json!({"sha256": "ab".repeat(32)}),
    );
    let signed = v.check("/v1/wallets/{uscc}/seals/{seal_id}/sign", "post", r);
    let r = s.post(
        "/v1/signatures/validate",
        None,
        &json!({"document_sha256": "ab".repeat(32), "signature": signed["signature"]}),
    );
    v.check("/v1/signatures/validate", "post", r);
    v.check(
        "/v1/wallets/{uscc}/seals",
        "get",
        s.get(&format!("/v1/wallets/{id}/seals"), Some(&wallet)),
    );

    // Invoices.
    let r = s.post("/v1/tax/invoicing-rights", Some(&tax), &json!({"uscc": id}));
    v.check("/v1/tax/invoicing-rights", "post", r);
    let r = s.post(
        "/v1/tax/invoices",
        Some(&tax),
        &json!({"seller_uscc": id, "buyer": {"name": "个人"},
            "items": [{"name": "服务费", "quantity": "1", "unit_price": "100.00", "tax_rate": "6"}]}),
    );
    v.check("/v1/tax/invoices", "post", r);
    let r = s.get(&format!("/v1/wallets/{id}/invoices"), Some(&wallet));
    v.check("/v1/wallets/{uscc}/invoices", "get", r);
    let r = s.post(
        &format!("/v1/wallets/{id}/seals/{seal_id}/revocation"),
        Some(&authority),
        &json!({}),
    );
    v.check("/v1/wallets/{uscc}/seals/{seal_id}/revocation", "post", r);

    // Problems.
    let r = s.post("/v1/companies", None, &json!({}));
    v.check("/v1/companies", "post", r);
    let r = s.post("/v1/companies", Some(&authority), &json!({"uscc": 1}));
    let p = v.check("/v1/companies", "post", r);
    assert_eq!(p["field"], "uscc");
    let r = s.post(
        &format!("/v1/wallets/{id}/presentations"),
        Some(&wallet),
        &json!({"credential_id": licence, "ttl_s": 0}),
    );
    assert_eq!(
        v.check("/v1/wallets/{uscc}/presentations", "post", r)["field"],
        "ttl_s"
    );
    let r = s.post(
        &format!("/v1/companies/{id}/deregistration"),
        Some(&authority),
        &json!({}),
    );
    v.check("/v1/companies/{uscc}/deregistration", "post", r);
    let r = s.post(
        &format!("/v1/wallets/{id}/token"),
        Some(&authority),
        &json!({}),
    );
    v.check("/v1/wallets/{uscc}/token", "post", r);
}

fn lint_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/openapi-lint")
}

/// Runs a partner's tool on the document; (exit status, stdout, stderr).
fn run_tool(cmd: &mut std::process::Command) -> (bool, String, String) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// openapi-spec-validator (Python, `.venv`) and Redocly's CLI (`npm ci` in
/// tests/openapi-lint, its recommended ruleset as tests/openapi-lint/redocly.yaml sets it)
/// find no error in the served document, and Redocly no warning beyond the few allowed here.
/// Both are installed by scripts/test.sh; without them this test fails, it does not skip.
#[test]
fn the_document_passes_openapi_spec_validator_and_redocly_lint() {
    let s = Server::start();
    let text = s.get("/v1/openapi.json", None).text().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("openapi.json");
    std::fs::write(&file, &text).unwrap();

    let (ok, out, err) = run_tool(
        std::process::Command::new(python())
            .args(["-m", "openapi_spec_validator", "--validation-errors", "all"])
            .arg(&file),
    );
    assert!(
        ok,
        "openapi-spec-validator refuses the document:\n{out}\n{err}"
    );
    assert!(out.contains(": OK"), "{out}");

    let redocly = lint_dir().join("node_modules/.bin/redocly");
    assert!(
        redocly.exists(),
        "{} is missing: run scripts/test.sh (or `npm ci` in tests/openapi-lint)",
        redocly.display()
    );
    let (_, out, err) = run_tool(
        std::process::Command::new(&redocly)
            .arg("lint")
            .arg(&file)
            .arg("--config")
            .arg(lint_dir().join("redocly.yaml"))
            .args(["--format", "json"])
            // No telemetry, no update check: the test needs no network.
            .env("REDOCLY_TELEMETRY", "off")
            .env("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true")
            .current_dir(lint_dir()),
    );
    let report: Value = serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("redocly printed no JSON report ({e}):\n{out}\n{err}"));
    // Operations with no client error to describe: a health check, the certificates, the
    // metrics and this document answer 200 to any GET.
    let no_4xx = [
        "#/paths/~1healthz/get/responses",
        "#/paths/~1v1~1certs/get/responses",
        "#/paths/~1v1~1metrics/get/responses",
        "#/paths/~1v1~1openapi.json/get/responses",
    ];
    let problems: Vec<String> = report["problems"]
        .as_array()
        .expect("redocly's report lists problems")
        .iter()
        .filter(|p| {
            let at = p["location"][0]["pointer"].as_str().unwrap_or_default();
            !(p["ruleId"] == "operation-4xx-response" && no_4xx.contains(&at))
        })
        .map(|p| {
            format!(
                "{} {} {}: {}",
                p["severity"], p["ruleId"], p["location"][0]["pointer"], p["message"]
            )
        })
        .collect();
    assert!(
        problems.is_empty(),
        "redocly lint ({}):\n{}",
        report["totals"],
        problems.join("\n")
    );
    assert_eq!(report["totals"]["errors"], 0, "{}", report["totals"]);
}

/// The JSON request body of an operation: (path, method, its example), from the document.
fn json_examples(doc: &Value) -> HashMap<String, (String, String, Value)> {
    let mut out = HashMap::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for m in METHODS {
            let Some(body) = item.get(m).and_then(|op| op.get("requestBody")) else {
                continue;
            };
            let id = item[m]["operationId"].as_str().unwrap().to_string();
            for (ct, media) in body["content"].as_object().unwrap() {
                if ct != "application/json" {
                    continue;
                }
                let example = media.get("example").cloned();
                let example = example.unwrap_or_else(|| panic!("{id}: no example for {ct}"));
                out.insert(id.clone(), (path.clone(), m.to_string(), example));
            }
        }
    }
    out
}

/// Every JSON request body has an example that its schema accepts; the examples that need
/// no record drawn by the server (an id) are sent, in order, to fresh nodes, which must
/// accept them; the others must at least be answered as documented.
#[test]
fn every_request_body_has_an_example_that_a_fresh_node_accepts() {
    let s = Server::start();
    let doc = doc(&s);
    let v = Schemas::new(&doc);
    let examples = json_examples(&doc);
    for (id, (path, m, example)) in &examples {
        let esc = path.replace('~', "~0").replace('/', "~1");
        let ptr = format!("/paths/{esc}/{m}/requestBody/content/application~1json/schema");
        let errors = v.errors(&ptr, example);
        assert!(errors.is_empty(), "{id}'s example:\n{}", errors.join("\n"));
    }
    // Every operation with a request body has a JSON example, or only non-JSON bodies.
    for name in [
        "registerCompany",
        "changeCompany",
        "establishCompany",
        "fileSeal",
        "issueSeal",
        "signDocument",
        "validateSignatures",
        "createToken",
        "grantInvoicingRights",
        "issueInvoice",
        "createPresentation",
        "verifyToken",
    ] {
        assert!(examples.contains_key(name), "{name} has no JSON example");
    }
    let uscc = examples["registerCompany"].2["uscc"].as_str().unwrap();
    let send = |s: &Server, id: &str, token: Option<&str>| {
        let (path, m, body) = &examples[id];
        let url = path.replace("{uscc}", uscc);
        let r = s.post(&url, token, body);
        (r.status().as_u16(), v.check(path, m, r))
    };
    let accepted = |s: &Server, id: &str, token: &str, status: u16| {
        let (code, body) = send(s, id, Some(token));
        assert_eq!(code, status, "{id}: {body:#}");
    };
    let admin = s.admin_token();
    for id in [
        "createToken",
        "registerCompany",
        "changeCompany",
        "fileSeal",
        "grantInvoicingRights",
        "issueInvoice",
    ] {
        accepted(&s, id, &admin, 201);
    }
    // The same company started in one step, on a node of its own.
    let fresh = Server::start();
    accepted(&fresh, "establishCompany", &fresh.admin_token(), 201);
    // Public checks of shortened tokens: answered with a report (that says they fail).
    for id in ["verifyToken", "validateSignatures"] {
        let (code, report) = send(&s, id, None);
        assert_eq!(code, 200, "{id}: {report:#}");
        assert!(report["indication"].is_string(), "{id}: {report:#}");
    }
}

/// `/api` (every node) renders the document: a page of its own, with a Chinese name for
/// every operation of the document.
#[test]
fn the_api_page_is_served_and_names_every_operation() {
    let s = Server::start();
    let doc = doc(&s);
    let r = s.get("/api", None);
    assert_eq!(r.status(), 200);
    let csp = r.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    let html = r.text().unwrap();
    assert!(html.contains("src=\"/assets/api.js\"") && html.contains("接口文档"));
    let js = s.get("/assets/api.js", None).text().unwrap();
    assert!(js.contains("'/v1/openapi.json'"));
    for item in doc["paths"].as_object().unwrap().values() {
        for m in METHODS {
            let Some(op) = item.get(m) else { continue };
            let id = op["operationId"].as_str().unwrap();
            assert!(
                js.contains(&format!("\n  {id}: '")),
                "api.js has no Chinese name for {id}"
            );
        }
    }
}
