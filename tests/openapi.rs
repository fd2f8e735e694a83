//! The OpenAPI document (`schemas/openapi.json`, served at `/v1/openapi.json`) kept honest:
//! it documents exactly the routes of the router (`src/http/mod.rs`, read as text), it is
//! well formed (references resolve, path parameters match, every schema is valid JSON Schema
//! 2020-12, examples match their schemas), and the running server answers as it says: each
//! request below is checked against the documented request body, and each response's status,
//! content type and body against the documented responses.

mod common;

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use common::*;
use reqwest::blocking::RequestBuilder;
use serde_json::{Value, json};

const DOC: &str = include_str!("../schemas/openapi.json");
const ROUTER: &str = include_str!("../src/http/mod.rs");
const PAGES: &str = include_str!("../src/http/pages.rs");
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];
const DRAFT: &str = "https://json-schema.org/draft/2020-12/schema";
/// Where the claim schemas live (their `$id`s); the document refers to them relatively.
const BASE: &str = "https://zhengtong.example/schemas/openapi.json";

fn doc() -> Value {
    serde_json::from_str(DOC).expect("schemas/openapi.json is JSON")
}

/// The text from just after an opening bracket to just before its match.
fn balanced(s: &str) -> &str {
    let mut depth = 1;
    let mut in_str = false;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if in_str {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_str = true,
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => {
                depth -= 1;
                if depth == 0 {
                    return &s[..i];
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced brackets in {s:.80}");
}

/// The calls chained at the top level of a method router: `post(a).layer(b).get(c)` gives
/// post, layer, get.
fn chained_calls(handler: &str) -> Vec<&str> {
    let mut calls = vec![];
    let b = handler.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'(' | b'[' | b'{' => {
                i += 1 + balanced(&handler[i + 1..]).len() + 1;
                continue;
            }
            b'"' => panic!("a string literal in a route's handler: {handler}"),
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                let before = handler[..start].trim_end().chars().last();
                let is_call = handler[i..].trim_start().starts_with('(');
                if is_call && matches!(before, None | Some('.')) {
                    calls.push(&handler[start..i]);
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    calls
}

/// The (METHOD, path) pairs of every `.route("path", get(..).post(..))` in `src`.
fn routes_in(src: &str) -> BTreeSet<(String, String)> {
    let code: String = src
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .map(|l| format!("{l}\n"))
        .collect();
    for unsupported in [".nest(", ".nest_service(", ".route_service("] {
        assert!(
            !code.contains(unsupported),
            "the route scan does not understand {unsupported}: extend tests/openapi.rs"
        );
    }
    let mut routes = BTreeSet::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find(".route(") {
        rest = &rest[at + ".route(".len()..];
        let args = balanced(rest).trim();
        let path = args
            .strip_prefix('"')
            .and_then(|a| a.split_once('"'))
            .map(|(p, _)| p)
            .unwrap_or_else(|| panic!("a route whose path is not a literal: {args:.80}"));
        let handler = args[path.len() + 2..]
            .trim_start()
            .strip_prefix(',')
            .unwrap_or_else(|| panic!("route {path}: no handler"));
        let mut methods = 0;
        for call in chained_calls(handler) {
            if METHODS.contains(&call) {
                routes.insert((call.to_uppercase(), path.to_string()));
                methods += 1;
            } else {
                assert!(
                    ["layer", "route_layer", "with_state"].contains(&call),
                    "route {path}: the scan does not understand `{call}(`: extend tests/openapi.rs"
                );
            }
        }
        assert!(methods > 0, "route {path}: no method found in {handler}");
    }
    routes
}

fn is_page(path: &str) -> bool {
    matches!(path, "/" | "/wallet" | "/verify") || path.starts_with("/assets/")
}

fn documented_routes(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for m in METHODS {
            if item.get(m).is_some() {
                out.insert((m.to_uppercase(), path.clone()));
            }
        }
    }
    out
}

#[test]
fn documents_every_route_of_the_router() {
    let doc = doc();
    let version = doc["openapi"].as_str().expect("openapi is a string");
    assert!(version.starts_with("3.1"), "OpenAPI {version}, not 3.1");

    // The scan itself: it must see what we know is there.
    let router = routes_in(ROUTER);
    for known in [
        ("GET", "/healthz"),
        ("POST", "/v1/verify/image"),
        ("POST", "/v1/wallets/{uscc}/seals"),
        ("GET", "/v1/wallets/{uscc}/seals"),
    ] {
        let known = (known.0.to_string(), known.1.to_string());
        assert!(router.contains(&known), "the scan missed {known:?}");
    }
    // Other routers merged in: only the browser pages, which are not part of the API.
    let merged: Vec<&str> = ROUTER
        .match_indices(".merge(")
        .map(|(i, _)| &ROUTER[i..])
        .collect();
    assert_eq!(merged.len(), 1, "a router merged besides the pages");
    assert!(merged[0].starts_with(".merge(pages::routes())"));
    for (_, path) in routes_in(PAGES) {
        assert!(
            is_page(&path),
            "{path} is served by pages.rs but is not a page"
        );
    }

    let router: BTreeSet<_> = router.into_iter().filter(|(_, p)| !is_page(p)).collect();
    let documented = documented_routes(&doc);
    let undocumented: Vec<_> = router.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&router).collect();
    assert!(
        undocumented.is_empty() && unrouted.is_empty(),
        "routes missing from schemas/openapi.json: {undocumented:?}\n\
         documented but not routed in src/http/mod.rs: {unrouted:?}"
    );
}

/// Follows the `$ref`s of a reference object (a parameter, a response) within the
/// document; returns the final JSON pointer and value.
fn deref(doc: &Value, mut ptr: String) -> (String, &Value) {
    for _ in 0..8 {
        let v = doc
            .pointer(&ptr)
            .unwrap_or_else(|| panic!("nothing at #{ptr}"));
        match v.get("$ref").and_then(Value::as_str) {
            Some(r) if r.starts_with("#/") => ptr = r[1..].to_string(),
            _ => return (ptr, v),
        }
    }
    panic!("a $ref cycle at #{ptr}");
}

fn esc(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

/// Every JSON value of the document with its pointer.
fn walk<'a>(v: &'a Value, ptr: String, out: &mut Vec<(String, &'a Value)>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                walk(child, format!("{ptr}/{}", esc(k)), out);
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                walk(child, format!("{ptr}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push((ptr, v));
}

/// Compiles documented schemas (by their pointer in the document) and validates instances
/// against them. Responses are checked strictly: an object schema that lists its
/// properties is taken as closed, so that a field the server adds must be documented.
struct Schemas {
    doc: Value,
    registry: jsonschema::Registry<'static>,
    compiled: RefCell<HashMap<String, jsonschema::Validator>>,
}

impl Schemas {
    fn new(doc: &Value) -> Schemas {
        let mut strict = doc.clone();
        close_objects(&mut strict);
        let mut registry = jsonschema::Registry::new();
        for name in ["business_license.schema.json", "presentation.schema.json"] {
            let path = format!("{}/schemas/{name}", env!("CARGO_MANIFEST_DIR"));
            let schema: Value =
                serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
            let uri = format!("https://zhengtong.example/schemas/{name}");
            assert_eq!(schema["$id"], uri.as_str());
            registry = registry.add(uri, schema).unwrap();
        }
        Schemas {
            doc: strict,
            registry: registry.prepare().unwrap(),
            compiled: RefCell::new(HashMap::new()),
        }
    }

    /// Validation errors of `instance` against the schema at `ptr`.
    fn errors(&self, ptr: &str, instance: &Value) -> Vec<String> {
        let mut compiled = self.compiled.borrow_mut();
        let validator = compiled.entry(ptr.to_string()).or_insert_with(|| {
            // The document as a schema whose root refers to the one wanted: its internal
            // `#/components/...` references then resolve as in any OpenAPI tool.
            let mut root = self.doc.clone();
            root["$schema"] = json!(DRAFT);
            let fragment: String = ptr
                .chars()
                .map(|c| match c {
                    'A'..='Z' | 'a'..='z' | '0'..='9' | '/' | '~' | '-' | '_' | '.' | '+' => {
                        c.to_string()
                    }
                    c => c.to_string().bytes().map(|b| format!("%{b:02X}")).collect(),
                })
                .collect();
            root["$ref"] = json!(format!("#{fragment}"));
            jsonschema::options()
                .with_registry(&self.registry)
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

    fn assert_valid(&self, ptr: &str, instance: &Value, what: &str) {
        let errors = self.errors(ptr, instance);
        assert!(
            errors.is_empty(),
            "{what} does not match #{ptr}:\n{}\n{instance:#}",
            errors.join("\n")
        );
    }
}

/// Adds `additionalProperties: false` to object schemas that list properties and say
/// nothing about others.
fn close_objects(v: &mut Value) {
    match v {
        Value::Object(m) => {
            if m.get("type") == Some(&json!("object"))
                && m.get("properties").is_some_and(Value::is_object)
                && !m.contains_key("additionalProperties")
            {
                m.insert("additionalProperties".into(), json!(false));
            }
            m.values_mut().for_each(close_objects);
        }
        Value::Array(a) => a.iter_mut().for_each(close_objects),
        _ => {}
    }
}

fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
    let mut ops = vec![];
    for (path, item) in doc["paths"].as_object().unwrap() {
        for m in METHODS {
            if let Some(op) = item.get(m) {
                ops.push((path.clone(), m.to_string(), op));
            }
        }
    }
    ops
}

#[test]
fn the_document_is_well_formed() {
    let doc = doc();
    assert!(doc["info"]["title"].is_string());
    assert_eq!(
        doc["info"]["version"],
        env!("CARGO_PKG_VERSION"),
        "info.version follows Cargo.toml"
    );
    let mut nodes = vec![];
    walk(&doc, String::new(), &mut nodes);

    // References: within the document, or to a claim schema beside it.
    for (ptr, v) in &nodes {
        if !ptr.ends_with("/$ref") {
            continue;
        }
        let r = v
            .as_str()
            .unwrap_or_else(|| panic!("#{ptr} is not a string"));
        if let Some(target) = r.strip_prefix('#') {
            assert!(
                doc.pointer(target).is_some(),
                "#{ptr}: {r} resolves to nothing"
            );
        } else {
            let file = format!("{}/schemas/{r}", env!("CARGO_MANIFEST_DIR"));
            assert!(std::path::Path::new(&file).is_file(), "#{ptr}: no {file}");
        }
    }

    // Every schema, in components and inline, is valid JSON Schema 2020-12.
    let mut schema_ptrs: Vec<String> = doc["components"]["schemas"]
        .as_object()
        .unwrap()
        .keys()
        .map(|k| format!("/components/schemas/{}", esc(k)))
        .collect();
    schema_ptrs.extend(
        nodes
            .iter()
            .filter(|(p, v)| p.ends_with("/schema") && v.is_object())
            .map(|(p, _)| p.clone()),
    );
    let schemas = Schemas::new(&doc);
    for ptr in &schema_ptrs {
        let mut schema = doc.pointer(ptr).unwrap().clone();
        schema["$schema"] = json!(DRAFT);
        if let Err(e) = jsonschema::meta::validate(&schema) {
            panic!("#{ptr} is not valid JSON Schema 2020-12: {e}");
        }
        // Compiling resolves every reference it makes, the claim schemas included.
        schemas.errors(ptr, &Value::Null);
    }

    // Examples match their schemas.
    for (ptr, v) in &nodes {
        if let (Some(example), Some(_)) = (v.get("example"), v.get("schema")) {
            schemas.assert_valid(
                &format!("{ptr}/schema"),
                example,
                &format!("#{ptr}/example"),
            );
        }
        if ptr.starts_with("/components/schemas/")
            && let Some(examples) = v.get("examples").and_then(Value::as_array)
        {
            for e in examples {
                schemas.assert_valid(ptr, e, &format!("an example of #{ptr}"));
            }
        }
    }

    let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
    let mut operation_ids = BTreeSet::new();
    for (path, method, op) in operations(&doc) {
        let at = format!("{method} {path}");
        let id = op["operationId"]
            .as_str()
            .unwrap_or_else(|| panic!("{at}: no operationId"));
        assert!(
            operation_ids.insert(id.to_string()),
            "{at}: operationId {id} twice"
        );
        assert!(op["summary"].is_string(), "{at}: no summary");

        // Path parameters: exactly those of the template, all required.
        let in_template: BTreeSet<String> = path
            .split('{')
            .skip(1)
            .map(|s| s.split('}').next().unwrap().to_string())
            .collect();
        let base = format!("/paths/{}", esc(&path));
        let mut declared = BTreeSet::new();
        for (i, _) in op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            let (_, p) = deref(&doc, format!("{base}/{method}/parameters/{i}"));
            assert!(
                p["schema"].is_object(),
                "{at}: parameter {} has no schema",
                p["name"]
            );
            if p["in"] == "path" {
                assert_eq!(p["required"], true, "{at}: path parameter {}", p["name"]);
                declared.insert(p["name"].as_str().unwrap().to_string());
            }
        }
        assert_eq!(in_template, declared, "{at}: path parameters");

        // Security: known schemes; a protected route documents 401 and 403, others neither.
        let responses = op["responses"]
            .as_object()
            .unwrap_or_else(|| panic!("{at}: no responses"));
        assert!(!responses.is_empty(), "{at}: no responses");
        let secured = op
            .get("security")
            .and_then(Value::as_array)
            .is_some_and(|s| !s.is_empty());
        for req in op["security"].as_array().into_iter().flatten() {
            for name in req.as_object().unwrap().keys() {
                assert!(
                    schemes.contains_key(name),
                    "{at}: unknown security scheme {name}"
                );
            }
        }
        assert_eq!(
            responses.contains_key("401"),
            secured,
            "{at}: 401 and security"
        );
        assert_eq!(
            responses.contains_key("403"),
            secured,
            "{at}: 403 and security"
        );
        assert_eq!(
            op.get("x-roles").is_some(),
            secured,
            "{at}: x-roles and security"
        );

        // Responses: real status codes; errors are problem details.
        for code in responses.keys() {
            let n: u16 = code
                .parse()
                .unwrap_or_else(|_| panic!("{at}: response {code}"));
            assert!((100..600).contains(&n), "{at}: response {code}");
            let (ptr, r) = deref(&doc, format!("{base}/{method}/responses/{code}"));
            assert!(r["description"].is_string(), "#{ptr}: no description");
            if n >= 400 {
                let content = r["content"].as_object().unwrap();
                assert_eq!(
                    content.keys().collect::<Vec<_>>(),
                    ["application/problem+json"],
                    "#{ptr}"
                );
                assert_eq!(
                    content["application/problem+json"]["schema"]["$ref"],
                    "#/components/schemas/Problem",
                    "#{ptr}"
                );
            }
        }
    }
}

/// The company of the start-up bundle, which buys from the first one.
const BUYER16: &str = "广州天河示例商贸物流服务有限公司";

/// A request body.
enum Body {
    None,
    Json(Value),
    Raw(&'static str, Vec<u8>),
}

/// What came back, once checked against the document.
struct Reply {
    status: u16,
    headers: reqwest::header::HeaderMap,
    text: String,
    json: Value,
}

impl Reply {
    fn expect(self, status: u16) -> Reply {
        assert_eq!(self.status, status, "{}", self.text);
        self
    }

    fn str(&self, key: &str) -> String {
        self.json[key]
            .as_str()
            .unwrap_or_else(|| panic!("no {key} in {:#}", self.json))
            .to_string()
    }
}

/// The running server, spoken to through the document.
struct Api {
    server: Server,
    doc: Value,
    schemas: Schemas,
    /// (method, path, status) seen, to report what the flow did not reach.
    seen: RefCell<BTreeSet<(String, String, String)>>,
}

/// One request: `Api::call(...)` then `.token(..)`, `.json(..)`, ... and `.send()`.
struct Call<'a> {
    api: &'a Api,
    method: &'static str,
    template: &'static str,
    path: String,
    token: Option<String>,
    body: Body,
    headers: Vec<(&'static str, String)>,
    conforming: bool,
}

impl Api {
    fn call(&self, method: &'static str, template: &'static str, args: &[&str]) -> Call<'_> {
        let mut path = String::new();
        let mut args = args.iter();
        for (i, part) in template.split('{').enumerate() {
            match (i, part.split_once('}')) {
                (0, _) => path.push_str(part),
                (_, Some((_, rest))) => {
                    path.push_str(args.next().expect("an argument per path parameter"));
                    path.push_str(rest);
                }
                _ => panic!("bad template {template}"),
            }
        }
        assert!(args.next().is_none(), "more arguments than parameters");
        Call {
            api: self,
            method,
            template,
            path,
            token: None,
            body: Body::None,
            headers: vec![],
            conforming: true,
        }
    }

    fn get(&self, template: &'static str, args: &[&str]) -> Call<'_> {
        self.call("get", template, args)
    }

    fn post(&self, template: &'static str, args: &[&str]) -> Call<'_> {
        self.call("post", template, args)
    }

    fn delete(&self, template: &'static str, args: &[&str]) -> Call<'_> {
        self.call("delete", template, args)
    }
}

impl Call<'_> {
    fn token(mut self, t: &str) -> Self {
        self.token = Some(t.to_string());
        self
    }

    fn json(mut self, v: Value) -> Self {
        self.body = Body::Json(v);
        self
    }

    fn raw(mut self, content_type: &'static str, bytes: impl Into<Vec<u8>>) -> Self {
        self.body = Body::Raw(content_type, bytes.into());
        self
    }

    /// A query string (`limit=1&direction=issued`); each parameter must be documented, and
    /// in a conforming call its value must match the documented schema.
    fn query(mut self, q: &str) -> Self {
        self.path = format!("{}?{q}", self.path);
        self
    }

    fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_string()));
        self
    }

    /// A request that breaks the document on purpose (to see the documented error).
    fn nonconforming(mut self) -> Self {
        self.conforming = false;
        self
    }

    fn send(self) -> Reply {
        let api = self.api;
        let at = format!("{} {}", self.method.to_uppercase(), self.template);
        let op_ptr = format!("/paths/{}/{}", esc(self.template), self.method);
        let op = api
            .doc
            .pointer(&op_ptr)
            .unwrap_or_else(|| panic!("{at} is not documented"));

        // The request, as the document describes it.
        let content = &op["requestBody"]["content"];
        if self.conforming {
            match &self.body {
                Body::None => assert_ne!(op["requestBody"]["required"], true, "{at}: needs a body"),
                Body::Json(v) => {
                    assert!(
                        content["application/json"].is_object(),
                        "{at}: no JSON body"
                    );
                    api.schemas.assert_valid(
                        &format!("{op_ptr}/requestBody/content/application~1json/schema"),
                        v,
                        &format!("the request body of {at}"),
                    );
                }
                Body::Raw(ct, _) => assert!(content[*ct].is_object(), "{at}: no {ct} body"),
            }
        }

        // The query, as the document describes it.
        if let Some((_, query)) = self.path.split_once('?') {
            let params = op["parameters"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            for pair in query.split('&') {
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                let i = (0..params.len())
                    .find(|i| {
                        let (_, p) = deref(&api.doc, format!("{op_ptr}/parameters/{i}"));
                        p["in"] == "query" && p["name"] == name
                    })
                    .unwrap_or_else(|| panic!("{at}: query parameter {name} is not documented"));
                if self.conforming {
                    let (ptr, p) = deref(&api.doc, format!("{op_ptr}/parameters/{i}"));
                    let value = if p["schema"]["type"] == "integer" {
                        value.parse::<i64>().map_or(json!(value), |n| json!(n))
                    } else {
                        json!(value)
                    };
                    api.schemas.assert_valid(
                        &format!("{ptr}/schema"),
                        &value,
                        &format!("query parameter {name} of {at}"),
                    );
                }
            }
        }

        let client = &api.server.client;
        let url = api.server.url(&self.path);
        let mut req: RequestBuilder = match self.method {
            "get" => client.get(url),
            "post" => client.post(url),
            "delete" => client.delete(url),
            m => panic!("method {m}"),
        };
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        for (name, value) in &self.headers {
            req = req.header(*name, value);
        }
        req = match self.body {
            Body::None => req,
            Body::Json(v) => req.json(&v),
            Body::Raw(ct, bytes) => req.header("content-type", ct).body(bytes),
        };
        let resp = req.send().unwrap();
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().unwrap();

        // The response, as the document describes it.
        let code = status.to_string();
        let documented = op["responses"].as_object().unwrap();
        assert!(
            documented.contains_key(&code),
            "{at} answered {status}, which is not documented ({:?}): {text}",
            documented.keys().collect::<Vec<_>>()
        );
        let (resp_ptr, documented) = deref(&api.doc, format!("{op_ptr}/responses/{code}"));
        let content_type = headers.get("content-type").map(|v| {
            v.to_str()
                .unwrap()
                .split(';')
                .next()
                .unwrap()
                .trim()
                .to_string()
        });
        let mut json = Value::Null;
        match (documented.get("content"), content_type) {
            (None, _) => assert!(
                text.is_empty(),
                "{at} {status}: a body where none is documented"
            ),
            (Some(_), None) => panic!("{at} {status}: no Content-Type"),
            (Some(content), Some(ct)) => {
                assert!(
                    content.get(&ct).is_some(),
                    "{at} {status}: Content-Type {ct} is not documented"
                );
                let schema_ptr = format!("{resp_ptr}/content/{}/schema", esc(&ct));
                let instance = if ct == "application/json" || ct.ends_with("+json") {
                    json = serde_json::from_str(&text)
                        .unwrap_or_else(|e| panic!("{at} {status}: not JSON ({e}): {text}"));
                    json.clone()
                } else {
                    Value::from(text.clone())
                };
                api.schemas
                    .assert_valid(&schema_ptr, &instance, &format!("{at} {status}"));
            }
        }
        api.seen
            .borrow_mut()
            .insert((self.method.to_string(), self.template.to_string(), code));
        Reply {
            status,
            headers,
            text,
            json,
        }
    }
}

fn round_seal(arc_text: &str, seal_code: &str) -> Value {
    json!({"shape": "round", "width_mm": 42, "height_mm": 42, "border_mm": 1.2,
           "star": true, "arc_text": arc_text, "seal_code": seal_code})
}

#[test]
fn the_running_server_answers_as_documented() {
    let document = doc();
    let api = Api {
        server: Server::start(),
        schemas: Schemas::new(&document),
        doc: document,
        seen: RefCell::new(BTreeSet::new()),
    };
    let none: &[&str] = &[];

    // The document itself, byte for byte the file.
    let served = api.get("/v1/openapi.json", none).send().expect(200);
    assert_eq!(served.text, DOC);
    assert_eq!(served.json, doc());
    api.get("/healthz", none).send().expect(200);
    let certs = api.get("/v1/certs", none).send().expect(200);
    assert!(certs.text.matches("BEGIN CERTIFICATE").count() >= 3);
    api.get("/v1/trust-list", none).send().expect(404);

    // Tokens.
    let admin = api.server.admin_token();
    let tokens = "/v1/tokens";
    api.post(tokens, none)
        .json(json!({"role": "authority"}))
        .send()
        .expect(401);
    let auth = api
        .post(tokens, none)
        .token(&admin)
        .json(json!({"role": "authority", "label": "天河区窗口 1"}))
        .send()
        .expect(201)
        .str("token");
    let police = api
        .post(tokens, none)
        .token(&admin)
        .json(json!({"role": "police"}))
        .send();
    assert_eq!(police.json["label"], Value::Null);
    let police = police.expect(201).str("token");
    api.post(tokens, none)
        .token(&auth)
        .json(json!({"role": "police"}))
        .send()
        .expect(403);
    let bad = api
        .post(tokens, none)
        .token(&admin)
        .json(json!({"role": "king"}));
    assert_eq!(bad.nonconforming().send().expect(422).json["field"], "role");
    let bad = api
        .post(tokens, none)
        .token(&admin)
        .json(json!({"role": "tax", "colour": 1}));
    bad.nonconforming().send().expect(422);
    let bad = api
        .post(tokens, none)
        .token(&admin)
        .raw("text/plain", "role=tax");
    bad.nonconforming().send().expect(415);
    let bad = api
        .post(tokens, none)
        .token(&admin)
        .raw("application/json", "{");
    bad.nonconforming().send().expect(400);
    let bad = api.post(tokens, none).token(&admin);
    let bad = bad
        .json(json!({"role": "tax", "ttl_days": 0}))
        .nonconforming();
    assert_eq!(bad.send().expect(422).json["field"], "ttl_days");

    // Listing and revoking tokens.
    let partner = api
        .post(tokens, none)
        .token(&admin)
        .json(json!({"role": "partner", "ttl_days": 7}))
        .send()
        .expect(201);
    let (partner, partner_id) = (partner.str("token"), partner.str("id"));
    let listed = api.get(tokens, none).token(&admin).send().expect(200).json;
    assert!(
        !listed.to_string().contains(&partner),
        "a listing shows a token"
    );
    let admin_id = listed["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["role"] == "admin")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    api.get(tokens, none).token(&auth).send().expect(403);
    api.get(tokens, none).send().expect(401);
    let token_path = "/v1/tokens/{id}";
    api.delete(token_path, &[&partner_id])
        .token(&auth)
        .send()
        .expect(403);
    let revoked = api.delete(token_path, &[&partner_id]).token(&admin);
    assert_eq!(revoked.send().expect(200).json["revoked"], true);
    let p = api
        .get(tokens, none)
        .token(&partner)
        .send()
        .expect(401)
        .json;
    assert!(p["detail"].as_str().unwrap().contains("revoked"), "{p}");
    api.delete(token_path, &["tk_unknown"])
        .token(&admin)
        .send()
        .expect(404);
    api.delete(token_path, &[&admin_id])
        .token(&admin)
        .send()
        .expect(409);

    // Registration.
    let companies = "/v1/companies";
    let other = uscc(2);
    let third = uscc(3);
    let record = company(&uscc(1), NAME16);
    let reg = api
        .post(companies, none)
        .token(&auth)
        .json(record.clone())
        .send()
        .expect(201);
    let (uscc, wallet) = (reg.str("uscc"), reg.str("wallet_token"));
    let licence = reg.json["credentials"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    api.post(companies, none)
        .token(&auth)
        .json(record.clone())
        .send()
        .expect(409);
    api.post(companies, none)
        .token(&police)
        .json(record)
        .send()
        .expect(403);
    let mut broken = company(&other, NAME16);
    broken["legal_representative"]["id_number"] = json!("110105194912310021");
    let p = api
        .post(companies, none)
        .token(&auth)
        .json(broken)
        .send()
        .expect(422)
        .json;
    assert_eq!(p["field"], "legal_representative.id_number");
    let big = json!({"token": "a".repeat(70 * 1024)});
    api.post("/v1/verify", none).json(big).send().expect(413);

    // The wallet.
    let wallet_path = "/v1/wallets/{uscc}";
    let w = api
        .get(wallet_path, &[&uscc])
        .token(&wallet)
        .send()
        .expect(200)
        .json;
    let sd_jwt = w["credentials"][0]["sd_jwt"].as_str().unwrap().to_string();
    api.get(wallet_path, &[&uscc])
        .token(&auth)
        .send()
        .expect(200);
    api.get(wallet_path, &[&uscc]).send().expect(401);
    api.get(wallet_path, &[&uscc])
        .token("zt_nonsense")
        .send()
        .expect(401);
    api.get(wallet_path, &[&uscc])
        .token(&police)
        .send()
        .expect(403);
    api.get(wallet_path, &[&other])
        .token(&auth)
        .send()
        .expect(404);
    let wrong_check = format!(
        "{}{}",
        &other[..17],
        if other.ends_with('0') { '1' } else { '0' }
    );
    let bad = api.get(wallet_path, &[&wrong_check]).token(&auth);
    assert_eq!(bad.nonconforming().send().expect(422).json["field"], "uscc");

    // Presentations and verification.
    let presentations = "/v1/wallets/{uscc}/presentations";
    let shown = api
        .post(presentations, &[&uscc])
        .token(&wallet)
        .json(json!({"credential_id": licence, "ttl_s": 600}))
        .send()
        .expect(201);
    let qr_token = shown.str("token");
    let bad = api.post(presentations, &[&uscc]).token(&wallet);
    let bad = bad
        .json(json!({"credential_id": licence, "ttl_s": 0}))
        .nonconforming();
    assert_eq!(bad.send().expect(422).json["field"], "ttl_s");
    let missing = api.post(presentations, &[&uscc]).token(&wallet);
    let missing = missing
        .json(json!({"credential_id": "AAAAAAAAAAAA"}))
        .send()
        .expect(404);
    assert_eq!(missing.json["field"], "credential_id");
    let body = json!({"credential_id": licence});
    api.post(presentations, &[&uscc])
        .token(&auth)
        .json(body)
        .send()
        .expect(403);

    let verify = |token: &str| {
        api.post("/v1/verify", none)
            .json(json!({"token": token}))
            .send()
            .expect(200)
            .json
    };
    let r = verify(&qr_token);
    assert_eq!(
        (r["subject"].as_str(), r["indication"].as_str()),
        (Some("presentation"), Some("TOTAL_PASSED"))
    );
    let r = verify(&sd_jwt);
    assert_eq!(
        (r["subject"].as_str(), r["indication"].as_str()),
        (Some("credential"), Some("TOTAL_PASSED"))
    );
    let r = verify("not.a.token");
    assert_eq!(r["indication"], "TOTAL_FAILED");
    assert!(r["sub_indication"].is_string());
    api.post("/v1/verify", none)
        .json(json!({}))
        .nonconforming()
        .send()
        .expect(422);

    let png = zhengtong::b64::decode_std(&shown.str("qr_png_base64")).unwrap();
    let image = "/v1/verify/image";
    let r = api
        .post(image, none)
        .raw("image/png", png)
        .send()
        .expect(200)
        .json;
    assert_eq!(r["indication"], "TOTAL_PASSED");
    let p = api
        .post(image, none)
        .raw("image/jpeg", "not a photo")
        .send()
        .expect(422)
        .json;
    assert_eq!(p["field"], "body");
    api.post(image, none)
        .raw("image/png", "")
        .send()
        .expect(422);

    // Seals: filing, issuing, sealing, validating, revoking.
    let filings = "/v1/police/seal-filings";
    let filing = json!({"uscc": uscc, "seal_type": "official", "template": round_seal(NAME16, "4401000012345"), "engraver": "广州市示例刻章店"});
    let filed = api
        .post(filings, none)
        .token(&police)
        .json(filing.clone())
        .send()
        .expect(201);
    let filing_id = filed.str("id");
    let p = api
        .post(filings, none)
        .token(&police)
        .json(filing.clone())
        .send()
        .expect(422)
        .json;
    assert_eq!(p["field"], "template.seal_code");
    api.post(filings, none)
        .token(&wallet)
        .json(filing)
        .send()
        .expect(403);
    api.get("/v1/seal-filings/{id}", &[&filing_id])
        .send()
        .expect(200);
    let svg = api
        .get("/v1/seal-filings/{id}/image.svg", &[&filing_id])
        .send()
        .expect(200);
    assert_eq!(
        zhengtong::seal::sign::sha256_hex(svg.text.as_bytes()),
        filed.str("image_sha256")
    );
    api.get("/v1/seal-filings/{id}", &["AAAAAAAAAAAA"])
        .send()
        .expect(404);
    api.get("/v1/seal-filings/{id}/image.svg", &["AAAAAAAAAAAA"])
        .send()
        .expect(404);

    let seals = "/v1/wallets/{uscc}/seals";
    let issue = json!({"filing_id": filing_id, "template": round_seal(NAME16, "4401000012345")});
    let seal = api
        .post(seals, &[&uscc])
        .token(&auth)
        .json(issue.clone())
        .send()
        .expect(201);
    let (seal_id, seal_credential) = (seal.str("id"), seal.str("credential_id"));
    api.post(seals, &[&uscc])
        .token(&wallet)
        .json(issue)
        .send()
        .expect(403);
    let unknown = json!({"filing_id": "AAAAAAAAAAAA"});
    let p = api
        .post(seals, &[&uscc])
        .token(&auth)
        .json(unknown)
        .send()
        .expect(422)
        .json;
    assert_eq!(p["field"], "filing_id");
    api.post(seals, &[&other])
        .token(&auth)
        .json(json!({"filing_id": filing_id}))
        .send()
        .expect(404);

    let sign = "/v1/wallets/{uscc}/seals/{seal_id}/sign";
    let document = "合同全文：甲方与乙方……".repeat(100).into_bytes();
    let signed = api.post(sign, &[&uscc, &seal_id]).token(&wallet);
    let signed = signed
        .raw("application/octet-stream", document.clone())
        .send()
        .expect(201);
    assert_eq!(signed.json["document_size"], document.len());
    let digest = zhengtong::seal::sign::sha256_hex(&document);
    let by_hash = api.post(sign, &[&uscc, &seal_id]).token(&wallet);
    let by_hash = by_hash.json(json!({"sha256": digest})).send().expect(201);
    assert_eq!(by_hash.json["document_size"], Value::Null);
    let bad = api
        .post(sign, &[&uscc, &seal_id])
        .token(&wallet)
        .json(json!({"sha256": "abc"}));
    assert_eq!(
        bad.nonconforming().send().expect(422).json["field"],
        "sha256"
    );
    let empty = api.post(sign, &[&uscc, &seal_id]).token(&wallet);
    assert_eq!(
        empty
            .raw("application/octet-stream", "")
            .send()
            .expect(422)
            .json["field"],
        "body"
    );
    let doc_bytes = document.clone();
    api.post(sign, &[&uscc, &seal_id])
        .token(&auth)
        .raw("application/octet-stream", doc_bytes)
        .send()
        .expect(403);
    let doc_bytes = document.clone();
    api.post(sign, &[&uscc, "AAAAAAAAAAAA"])
        .token(&wallet)
        .raw("application/octet-stream", doc_bytes)
        .send()
        .expect(404);
    let listed = api
        .get(seals, &[&uscc])
        .token(&wallet)
        .send()
        .expect(200)
        .json;
    assert_eq!(listed["signings"].as_array().unwrap().len(), 2);
    api.get(seals, &[&uscc]).token(&police).send().expect(403);

    let validate = "/v1/signatures/validate";
    let signature = signed.str("signature");
    let body =
        json!({"document_base64": zhengtong::b64::encode_std(&document), "signature": signature});
    let r = api.post(validate, none).json(body).send().expect(200).json;
    assert_eq!(
        (r["subject"].as_str(), r["indication"].as_str()),
        (Some("sealed_document"), Some("TOTAL_PASSED"))
    );
    assert_eq!(r["summary"]["details"]["matches_police_filing"], true);
    let body = json!({"document_sha256": "00".repeat(32), "signature": signature});
    let r = api.post(validate, none).json(body).send().expect(200).json;
    assert_eq!(r["indication"], "TOTAL_FAILED");
    let both = json!({"document_base64": "", "document_sha256": digest, "signature": signature});
    api.post(validate, none)
        .json(both)
        .nonconforming()
        .send()
        .expect(422);

    let shown = api.post(presentations, &[&uscc]).token(&wallet);
    let shown = shown
        .json(json!({"credential_id": seal_credential}))
        .send()
        .expect(201);
    let r = verify(&shown.str("token"));
    assert_eq!(r["summary"]["credential_type"], "e_seal");
    assert!(r["summary"]["details"]["seal_image_svg"].is_string());

    let revocation = "/v1/wallets/{uscc}/seals/{seal_id}/revocation";
    api.post(revocation, &[&uscc, &seal_id])
        .token(&wallet)
        .send()
        .expect(403);
    let revoked = api
        .post(revocation, &[&uscc, &seal_id])
        .token(&auth)
        .send()
        .expect(200);
    assert_eq!(revoked.json["status"], "revoked");
    api.post(revocation, &[&uscc, &seal_id])
        .token(&auth)
        .send()
        .expect(200);
    api.post(revocation, &[&uscc, "AAAAAAAAAAAA"])
        .token(&auth)
        .send()
        .expect(404);
    let again = api
        .post(sign, &[&uscc, &seal_id])
        .token(&wallet)
        .raw("application/octet-stream", document);
    assert_eq!(again.send().expect(422).json["field"], "seal_id");

    // The start-up bundle.
    let tax = api
        .post(tokens, none)
        .token(&admin)
        .json(json!({"role": "tax"}))
        .send()
        .expect(201)
        .str("token");
    let establishments = "/v1/establishments";
    let bundle = json!({
        "company": company(&third, BUYER16),
        "seals": [{"seal_type": "official", "template": round_seal(BUYER16, "4401000012346"), "engraver": "广州市示例刻章店"}],
        "invoicing": true,
    });
    let established = api
        .post(establishments, none)
        .token(&auth)
        .json(bundle.clone())
        .send()
        .expect(201);
    let types: Vec<_> = established.json["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["business_license", "e_seal", "invoicing_rights"]);
    let third_wallet = established.str("wallet_token");
    api.post(establishments, none)
        .token(&auth)
        .json(bundle.clone())
        .send()
        .expect(409);
    api.post(establishments, none)
        .token(&tax)
        .json(bundle.clone())
        .send()
        .expect(403);
    let mut bad = bundle.clone();
    bad["company"]["uscc"] = json!(other);
    bad["seals"][0]["seal_type"] = json!("royal");
    let bad = api.post(establishments, none).token(&auth).json(bad);
    assert_eq!(
        bad.nonconforming().send().expect(422).json["field"],
        "seals[0].seal_type"
    );
    let record = "/v1/establishments/{uscc}";
    let rec = api
        .get(record, &[&third])
        .token(&third_wallet)
        .send()
        .expect(200)
        .json;
    assert_eq!(rec["credentials"], established.json["credentials"]);
    api.get(record, &[&third]).token(&auth).send().expect(200);
    api.get(record, &[&third]).send().expect(401);
    api.get(record, &[&third]).token(&wallet).send().expect(403);
    api.get(record, &[&uscc]).token(&auth).send().expect(404);
    let bad = api.get(record, &[&wrong_check]).token(&auth);
    assert_eq!(bad.nonconforming().send().expect(422).json["field"], "uscc");

    // Invoicing rights and invoices.
    let rights = "/v1/tax/invoicing-rights";
    let granted = api
        .post(rights, none)
        .token(&tax)
        .json(json!({"uscc": uscc}))
        .send()
        .expect(201);
    assert_eq!(granted.json["type"], "invoicing_rights");
    api.post(rights, none)
        .token(&tax)
        .json(json!({"uscc": uscc}))
        .send()
        .expect(409);
    api.post(rights, none)
        .token(&auth)
        .json(json!({"uscc": uscc}))
        .send()
        .expect(403);
    api.post(rights, none)
        .json(json!({"uscc": uscc}))
        .send()
        .expect(401);
    let p = api
        .post(rights, none)
        .token(&tax)
        .json(json!({"uscc": other}))
        .send()
        .expect(422)
        .json;
    assert_eq!(p["field"], "uscc");

    let invoices = "/v1/tax/invoices";
    let line = |name: &str, q: &str, price: &str, rate: &str| json!({"name": name, "quantity": q, "unit_price": price, "tax_rate": rate});
    let mut computer = line("办公电脑", "2", "4999.99", "13");
    computer["spec"] = json!("ThinkPad X1");
    computer["unit"] = json!("台");
    let sale = json!({
        "seller_uscc": uscc,
        "buyer": {"uscc": third, "name": BUYER16},
        "items": [computer, line("运输服务", "3", "33.50", "9")],
        "remarks": "合同号 HT-2025-001",
        "total_with_tax_fen": 1140953,
    });
    let issued = api
        .post(invoices, none)
        .token(&tax)
        .json(sale.clone())
        .send()
        .expect(201);
    assert_eq!(issued.json["delivered_to"], json!([uscc, third]));
    assert_eq!(issued.json["total_tax_fen"], 130905);
    let to_person = json!({"seller_uscc": uscc, "buyer": {"name": "赵六"}, "items": [line("书", "1", "50", "exempt")]});
    let second = api
        .post(invoices, none)
        .token(&tax)
        .json(to_person)
        .send()
        .expect(201);
    assert_eq!(second.json["remarks"], Value::Null);
    let mut bad = sale.clone();
    bad["items"][1]["tax_rate"] = json!("12");
    let bad = api.post(invoices, none).token(&tax).json(bad);
    assert_eq!(
        bad.nonconforming().send().expect(422).json["field"],
        "items[1].tax_rate"
    );
    let mut wrong_total = sale.clone();
    wrong_total["total_with_tax_fen"] = json!(1);
    let p = api
        .post(invoices, none)
        .token(&tax)
        .json(wrong_total)
        .send()
        .expect(422)
        .json;
    assert_eq!(p["field"], "total_with_tax_fen");
    let mut no_rights = sale.clone();
    no_rights["seller_uscc"] = json!(other);
    let p = api
        .post(invoices, none)
        .token(&tax)
        .json(no_rights)
        .send()
        .expect(422)
        .json;
    assert_eq!(p["field"], "seller_uscc");
    api.post(invoices, none)
        .token(&auth)
        .json(sale.clone())
        .send()
        .expect(403);

    let list = "/v1/wallets/{uscc}/invoices";
    let page = api
        .get(list, &[&uscc])
        .token(&wallet)
        .query("limit=1")
        .send()
        .expect(200)
        .json;
    assert_eq!(page["invoices"][0]["number"], second.json["number"]);
    let cursor = page["next_cursor"].as_str().unwrap().to_string();
    let page = api
        .get(list, &[&uscc])
        .token(&tax)
        .query(&format!("limit=1&cursor={cursor}&direction=issued"))
        .send()
        .expect(200)
        .json;
    assert_eq!(page["invoices"][0]["number"], issued.json["number"]);
    assert_eq!(page["next_cursor"], Value::Null);
    let received = api
        .get(list, &[&third])
        .token(&third_wallet)
        .query("direction=received")
        .send()
        .expect(200)
        .json;
    assert_eq!(received["invoices"][0]["direction"], "received");
    let bad = api.get(list, &[&uscc]).token(&wallet).query("limit=0");
    assert_eq!(
        bad.nonconforming().send().expect(422).json["field"],
        "limit"
    );
    api.get(list, &[&uscc]).send().expect(401);
    api.get(list, &[&uscc]).token(&police).send().expect(403);
    api.get(list, &[&third]).token(&wallet).send().expect(403);
    api.get(list, &[&other]).token(&tax).send().expect(404);

    // An invoice checked online too often: 429 with Retry-After, by token and by photo.
    let invoice_sd_jwt = issued.str("sd_jwt");
    let invoice_qr = api
        .post(presentations, &[&uscc])
        .token(&wallet)
        .json(json!({"credential_id": issued.str("credential_id")}))
        .send()
        .expect(201);
    for _ in 0..5 {
        assert_eq!(verify(&invoice_sd_jwt)["indication"], "TOTAL_PASSED");
    }
    let limited = api
        .post("/v1/verify", none)
        .json(json!({"token": invoice_sd_jwt}))
        .send()
        .expect(429);
    let retry: u64 = limited.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=86_400).contains(&retry), "{retry}");
    let png = zhengtong::b64::decode_std(&invoice_qr.str("qr_png_base64")).unwrap();
    let limited = api
        .post(image, none)
        .raw("image/png", png)
        .send()
        .expect(429);
    assert!(limited.headers.contains_key("retry-after"));

    let metrics = api.get("/v1/metrics", none).send().expect(200).text;
    for line in [
        "zt_establishments_total{region=\"440100\",outcome=\"issued\"} 1",
        "zt_credentials_issued_total{region=\"440100\",type=\"e_invoice\",channel=\"invoices\"} 2",
        "zt_invoice_checks_refused_total{region=\"440100\"} 2",
    ] {
        assert!(metrics.contains(line), "{line} not in {metrics}");
    }

    // Status lists.
    let lists = "/v1/status-lists/{id}";
    let list = api.get(lists, &["1"]).send().expect(200);
    let etag = list.headers["etag"].to_str().unwrap().to_string();
    assert!(
        list.headers["cache-control"]
            .to_str()
            .unwrap()
            .starts_with("public, max-age=")
    );
    api.get(lists, &["1"])
        .header("if-none-match", &etag)
        .send()
        .expect(304);
    api.get(lists, &["99"]).send().expect(404);
    api.get(lists, &["0"]).nonconforming().send().expect(404);

    // Changes and deregistration.
    let changes = "/v1/companies/{uscc}/changes";
    let changed = api.post(changes, &[&uscc]).token(&auth);
    let changed = changed
        .json(json!({"address": "广州市越秀区新地址8号"}))
        .send()
        .expect(201);
    assert_eq!(changed.json["version"], 2);
    api.post(changes, &[&uscc])
        .token(&auth)
        .json(json!({}))
        .nonconforming()
        .send()
        .expect(422);
    let body = json!({"registered_capital_fen": 1});
    api.post(changes, &[&uscc])
        .token(&police)
        .json(body.clone())
        .send()
        .expect(403);
    api.post(changes, &[&other])
        .token(&auth)
        .json(body.clone())
        .send()
        .expect(404);

    let deregistration = "/v1/companies/{uscc}/deregistration";
    api.post(deregistration, &[&uscc])
        .token(&police)
        .send()
        .expect(403);
    let gone = api
        .post(deregistration, &[&uscc])
        .token(&auth)
        .send()
        .expect(200);
    assert!(!gone.json["revoked"].as_array().unwrap().is_empty());
    api.post(deregistration, &[&uscc])
        .token(&auth)
        .send()
        .expect(409);
    api.post(deregistration, &[&other])
        .token(&auth)
        .send()
        .expect(404);
    let body_now = json!({"credential_id": licence});
    api.post(presentations, &[&uscc])
        .token(&wallet)
        .json(body_now)
        .send()
        .expect(409);
    api.post(changes, &[&uscc])
        .token(&auth)
        .json(body)
        .send()
        .expect(422);
    let w = api
        .get(wallet_path, &[&uscc])
        .token(&wallet)
        .send()
        .expect(200)
        .json;
    assert_eq!(w["company_status"], "deregistered");

    // Wallet token rotation (also for a deregistered company, whose wallet is still read).
    let rotation = "/v1/wallets/{uscc}/token";
    api.post(rotation, &[&uscc])
        .token(&police)
        .send()
        .expect(403);
    api.post(rotation, &[&other])
        .token(&auth)
        .send()
        .expect(404);
    let bad = api.post(rotation, &[&wrong_check]).token(&auth);
    assert_eq!(bad.nonconforming().send().expect(422).json["field"], "uscc");
    let rotated = api
        .post(rotation, &[&uscc])
        .token(&wallet)
        .send()
        .expect(201);
    api.get(wallet_path, &[&uscc])
        .token(&wallet)
        .send()
        .expect(401);
    api.get(wallet_path, &[&uscc])
        .token(&rotated.str("wallet_token"))
        .send()
        .expect(200);

    // Every route was called; report the documented answers the flow did not provoke.
    let seen = api.seen.borrow();
    let called: BTreeSet<_> = seen
        .iter()
        .map(|(m, p, _)| (m.clone(), p.clone()))
        .collect();
    let mut unseen: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (path, method, op) in operations(&api.doc) {
        assert!(
            called.contains(&(method.clone(), path.clone())),
            "{method} {path} is documented but the flow above never calls it: add a call"
        );
        for code in op["responses"].as_object().unwrap().keys() {
            if !seen.contains(&(method.clone(), path.clone(), code.clone())) {
                unseen
                    .entry(format!("{method} {path}"))
                    .or_default()
                    .push(code.clone());
            }
        }
    }
    eprintln!("documented responses not exercised: {unseen:#?}");
}
