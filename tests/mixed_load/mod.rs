//! A mixed write load against a running server, and the check that everything it
//! acknowledged is there: registrations, changes, start-up bundles, police filings,
//! e-seals, seal signings, invoices and role tokens, from many threads at once.
//! Shared by the concurrency and the crash tests.
#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use reqwest::blocking::Client;
use serde_json::{Value, json};

/// The tokens the load runs with, and a company set up with seals and invoicing rights.
#[derive(Clone)]
pub struct Setup {
    pub base: String,
    pub admin: String,
    pub authority: String,
    pub police: String,
    pub tax: String,
    /// A bundle made before the load: its USCC, wallet token and official e-seal id.
    pub seller: (String, String, String),
}

/// Something the server acknowledged (answered 201 to).
#[derive(Debug, Clone)]
pub enum Ack {
    Company { uscc: String, licence: String },
    Change { uscc: String, licence: String },
    Bundle { uscc: String, credentials: usize },
    Filing { id: String },
    Seal { uscc: String, id: String },
    Signing { uscc: String, id: String },
    Invoice { seller: String, number: String },
    Token { token: String },
}

#[derive(Debug, Default)]
pub struct Outcome {
    pub acks: Vec<Ack>,
    /// Requests that got no answer within the client's timeout (a hang).
    pub timeouts: usize,
    /// Requests that failed at the connection (the server was killed meanwhile).
    pub connection_errors: usize,
    /// Answers other than 201, by status.
    pub refusals: HashMap<u16, usize>,
    /// Bundles that were sent, acknowledged or not (to check all-or-nothing).
    pub bundles_tried: Vec<String>,
}

impl Outcome {
    fn merge(&mut self, o: Outcome) {
        self.acks.extend(o.acks);
        self.timeouts += o.timeouts;
        self.connection_errors += o.connection_errors;
        for (k, v) in o.refusals {
            *self.refusals.entry(k).or_default() += v;
        }
        self.bundles_tried.extend(o.bundles_tried);
    }

    pub fn count(&self, kind: &str) -> usize {
        self.acks.iter().filter(|a| ack_kind(a) == kind).count()
    }

    pub fn summary(&self) -> String {
        let kinds = [
            "company", "change", "bundle", "filing", "seal", "signing", "invoice", "token",
        ];
        let counts: Vec<String> = kinds
            .iter()
            .map(|k| format!("{k}={}", self.count(k)))
            .collect();
        format!(
            "acknowledged: {} ({}); timeouts {}; connection errors {}; refusals {:?}",
            self.acks.len(),
            counts.join(" "),
            self.timeouts,
            self.connection_errors,
            self.refusals
        )
    }
}

fn ack_kind(a: &Ack) -> &'static str {
    match a {
        Ack::Company { .. } => "company",
        Ack::Change { .. } => "change",
        Ack::Bundle { .. } => "bundle",
        Ack::Filing { .. } => "filing",
        Ack::Seal { .. } => "seal",
        Ack::Signing { .. } => "signing",
        Ack::Invoice { .. } => "invoice",
        Ack::Token { .. } => "token",
    }
}

/// A valid USCC for company `n` of this load (nine digits of organisation code).
pub fn load_uscc(n: u64) -> String {
    zhengtong::domain::with_check_char(&format!("91440101{n:09}")).unwrap()
}

/// A seal code unique to company `n` and seal `k`.
fn seal_code(n: u64, k: u64) -> String {
    format!("44{n:09}{k:02}")
}

fn company(uscc: &str) -> Value {
    json!({
        "uscc": uscc,
        "name": "广州并发示例科技有限公司",
        "legal_representative": { "name": "张三", "id_number": "11010519491231002X" },
        "registered_capital_fen": 100_000_000,
        "address": "广州市天河区天河路1号",
        "business_scope": "软件开发",
        "established_on": "2024-03-01",
    })
}

fn round_template(code: &str, bottom: Option<&str>) -> Value {
    let mut t = json!({"shape": "round", "width_mm": 42, "height_mm": 42, "border_mm": 1.2,
        "star": true, "arc_text": "广州并发示例科技有限公司", "seal_code": code});
    if let Some(b) = bottom {
        t["width_mm"] = json!(40);
        t["height_mm"] = json!(40);
        t["bottom_text"] = json!(b);
    }
    t
}

pub fn bundle_form(uscc: &str, n: u64) -> Value {
    json!({
        "company": company(uscc),
        "seals": [
            {"seal_type": "official", "template": round_template(&seal_code(n, 1), None)},
            {"seal_type": "finance", "template": round_template(&seal_code(n, 2), Some("财务专用章"))},
        ],
        "invoicing": true,
    })
}

pub fn client(timeout: Duration) -> Client {
    Client::builder().timeout(timeout).build().unwrap()
}

fn post(
    c: &Client,
    base: &str,
    path: &str,
    token: &str,
    body: &Value,
) -> reqwest::Result<(u16, Value)> {
    let r = c
        .post(format!("{base}{path}"))
        .bearer_auth(token)
        .json(body)
        .send()?;
    let status = r.status().as_u16();
    let v = r.json::<Value>().unwrap_or(Value::Null);
    Ok((status, v))
}

fn get(c: &Client, base: &str, path: &str, token: &str) -> reqwest::Result<(u16, Value)> {
    let r = c.get(format!("{base}{path}")).bearer_auth(token).send()?;
    let status = r.status().as_u16();
    let v = r.json::<Value>().unwrap_or(Value::Null);
    Ok((status, v))
}

/// Makes the role tokens and a seller with seals and invoicing rights.
pub fn setup(base: &str, admin: &str, seller_n: u64) -> Setup {
    let c = client(Duration::from_secs(60));
    let token = |role: &str| {
        let (code, v) = post(&c, base, "/v1/tokens", admin, &json!({"role": role})).unwrap();
        assert_eq!(code, 201, "{v}");
        v["token"].as_str().unwrap().to_string()
    };
    let (authority, police, tax) = (token("authority"), token("police"), token("tax"));
    let uscc = load_uscc(seller_n);
    let (code, v) = post(
        &c,
        base,
        "/v1/establishments",
        &authority,
        &bundle_form(&uscc, seller_n),
    )
    .unwrap();
    assert_eq!(code, 201, "{v}");
    let seal = v["seals"][0]["id"].as_str().unwrap().to_string();
    let wallet = v["wallet_token"].as_str().unwrap().to_string();
    Setup {
        base: base.to_string(),
        admin: admin.to_string(),
        authority,
        police,
        tax,
        seller: (uscc, wallet, seal),
    }
}

/// Runs `workers` threads of mixed writes for `duration` (or until `stop` is set). Worker
/// `w` uses company numbers `first_n + w * 100_000 ..`, so runs with other `first_n` never
/// collide. Each request waits at most `timeout` for its answer.
pub fn run(
    setup: &Setup,
    workers: u64,
    first_n: u64,
    duration: Duration,
    timeout: Duration,
    stop: Arc<AtomicBool>,
) -> Outcome {
    let threads: Vec<_> = (0..workers)
        .map(|w| {
            let setup = setup.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                worker(&setup, w, first_n + w * 100_000, duration, timeout, &stop)
            })
        })
        .collect();
    let mut out = Outcome::default();
    for t in threads {
        out.merge(t.join().unwrap());
    }
    out
}

fn worker(
    s: &Setup,
    w: u64,
    first_n: u64,
    duration: Duration,
    timeout: Duration,
    stop: &AtomicBool,
) -> Outcome {
    let c = client(timeout);
    let mut out = Outcome::default();
    let deadline = Instant::now() + duration;
    // This worker's last registered company, for changes, filings and e-seals.
    let mut mine: Option<String> = None;
    let mut filing: Option<(String, String)> = None;
    let mut n = first_n;
    let mut i = w; // start workers on different kinds
    while Instant::now() < deadline && !stop.load(Ordering::Relaxed) {
        i += 1;
        let (path, token, body) = match (i % 8, &mine, &filing) {
            (1, Some(u), _) => (
                format!("/v1/companies/{u}/changes"),
                &s.authority,
                json!({"address": format!("广州市越秀区新地址{i}号")}),
            ),
            (2, _, _) => {
                n += 1;
                let u = load_uscc(n);
                out.bundles_tried.push(u.clone());
                (
                    "/v1/establishments".into(),
                    &s.authority,
                    bundle_form(&u, n),
                )
            }
            (3, Some(u), _) => (
                "/v1/police/seal-filings".into(),
                &s.police,
                json!({"uscc": u, "seal_type": "contract",
                       "template": round_template(&seal_code(n, 10 + i % 80), Some("合同专用章"))}),
            ),
            (4, Some(u), Some((fu, fid))) if fu == u => (
                format!("/v1/wallets/{u}/seals"),
                &s.authority,
                json!({"filing_id": fid}),
            ),
            (5, _, _) => (
                format!("/v1/wallets/{}/seals/{}/sign", s.seller.0, s.seller.2),
                &s.seller.1,
                json!({"sha256": format!("{:064x}", n * 1000 + i)}),
            ),
            (6, _, _) => (
                "/v1/tax/invoices".into(),
                &s.tax,
                json!({"seller_uscc": s.seller.0, "buyer": {"name": "并发客户"},
                       "items": [{"name": "咨询", "quantity": "1", "unit_price": "100", "tax_rate": "6"}]}),
            ),
            (7, _, _) => ("/v1/tokens".into(), &s.admin, json!({"role": "partner"})),
            _ => {
                n += 1;
                ("/v1/companies".into(), &s.authority, company(&load_uscc(n)))
            }
        };
        match post(&c, &s.base, &path, token, &body) {
            Err(e) if e.is_timeout() => out.timeouts += 1,
            Err(_) => out.connection_errors += 1,
            Ok((201, v)) => {
                if let Some(a) = ack(&path, &body, &v) {
                    if let Ack::Company { uscc, .. } = &a {
                        mine = Some(uscc.clone());
                    }
                    if let Ack::Filing { id } = &a {
                        filing = mine.clone().map(|u| (u, id.clone()));
                    }
                    out.acks.push(a);
                }
            }
            Ok((code, _)) => *out.refusals.entry(code).or_default() += 1,
        }
    }
    out
}

fn str_of(v: &Value, p: &str) -> String {
    v.pointer(p)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn ack(path: &str, body: &Value, v: &Value) -> Option<Ack> {
    Some(if path == "/v1/companies" {
        Ack::Company {
            uscc: str_of(v, "/uscc"),
            licence: str_of(v, "/credentials/0/id"),
        }
    } else if path.ends_with("/changes") {
        Ack::Change {
            uscc: str_of(v, "/uscc"),
            licence: str_of(v, "/credentials/0/id"),
        }
    } else if path == "/v1/establishments" {
        Ack::Bundle {
            uscc: str_of(v, "/uscc"),
            credentials: v["credentials"].as_array().map_or(0, Vec::len),
        }
    } else if path == "/v1/police/seal-filings" {
        Ack::Filing {
            id: str_of(v, "/id"),
        }
    } else if path.ends_with("/seals") {
        Ack::Seal {
            uscc: path.split('/').nth(3)?.to_string(),
            id: str_of(v, "/id"),
        }
    } else if path.ends_with("/sign") {
        Ack::Signing {
            uscc: path.split('/').nth(3)?.to_string(),
            id: str_of(v, "/signing_id"),
        }
    } else if path == "/v1/tax/invoices" {
        Ack::Invoice {
            seller: str_of(body, "/seller_uscc"),
            number: str_of(v, "/number"),
        }
    } else if path == "/v1/tokens" {
        Ack::Token {
            token: str_of(v, "/token"),
        }
    } else {
        return None;
    })
}

/// Checks that every acknowledged write is there, that no invoice number was issued twice,
/// and that every bundle tried is whole or absent. Returns a list of what is wrong.
pub fn check(setup: &Setup, out: &Outcome, admin: &str) -> Vec<String> {
    let c = client(Duration::from_secs(60));
    let base = &setup.base;
    let auth = &setup.authority;
    let mut wrong = Vec::new();
    let mut wallets: HashMap<String, Value> = HashMap::new();
    let mut wallet = |u: &str| -> Value {
        wallets
            .entry(u.to_string())
            .or_insert_with(|| get(&c, base, &format!("/v1/wallets/{u}"), auth).unwrap().1)
            .clone()
    };
    let holds = |w: &Value, id: &str| {
        w["credentials"]
            .as_array()
            .is_some_and(|cs| cs.iter().any(|c| c["id"] == id))
    };
    for a in &out.acks {
        match a {
            Ack::Company { uscc, licence } | Ack::Change { uscc, licence } => {
                if !holds(&wallet(uscc), licence) {
                    wrong.push(format!("lost: licence {licence} of {uscc}"));
                }
            }
            Ack::Bundle { uscc, credentials } => {
                let n = wallet(uscc)["credentials"].as_array().map_or(0, Vec::len);
                if n < *credentials {
                    wrong.push(format!("lost: bundle {uscc} has {n} of {credentials}"));
                }
            }
            Ack::Filing { id } => {
                let (code, _) = get(&c, base, &format!("/v1/seal-filings/{id}"), auth).unwrap();
                if code != 200 {
                    wrong.push(format!("lost: filing {id} ({code})"));
                }
            }
            Ack::Seal { .. } | Ack::Signing { .. } | Ack::Invoice { .. } | Ack::Token { .. } => {}
        }
    }
    // Seals and signings, from each company's seal listing.
    let mut listings: HashMap<String, Value> = HashMap::new();
    for a in &out.acks {
        let (uscc, id, field, key) = match a {
            Ack::Seal { uscc, id } => (uscc, id, "seals", "id"),
            Ack::Signing { uscc, id } => (uscc, id, "signings", "id"),
            _ => continue,
        };
        let l = listings.entry(uscc.clone()).or_insert_with(|| {
            get(&c, base, &format!("/v1/wallets/{uscc}/seals"), auth)
                .unwrap()
                .1
        });
        let found = l[field]
            .as_array()
            .is_some_and(|xs| xs.iter().any(|x| x[key] == id.as_str()));
        if !found {
            wrong.push(format!("lost: {field} {id} of {uscc}"));
        }
    }
    // Invoices: every acknowledged number listed, and no number twice.
    let sellers: HashSet<&String> = out
        .acks
        .iter()
        .filter_map(|a| match a {
            Ack::Invoice { seller, .. } => Some(seller),
            _ => None,
        })
        .collect();
    let mut listed: Vec<String> = Vec::new();
    for seller in sellers {
        let mut cursor: Option<String> = None;
        loop {
            let q = cursor
                .as_deref()
                .map_or(String::new(), |c| format!("&cursor={c}"));
            let (code, page) = get(
                &c,
                base,
                &format!("/v1/wallets/{seller}/invoices?limit=100&direction=issued{q}"),
                auth,
            )
            .unwrap();
            assert_eq!(code, 200, "{page}");
            for inv in page["invoices"].as_array().unwrap() {
                listed.push(str_of(inv, "/number"));
            }
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_string()),
                None => break,
            }
        }
    }
    let unique: HashSet<&String> = listed.iter().collect();
    if unique.len() != listed.len() {
        wrong.push(format!(
            "{} invoice numbers listed twice",
            listed.len() - unique.len()
        ));
    }
    for a in &out.acks {
        if let Ack::Invoice { number, .. } = a
            && !unique.contains(number)
        {
            wrong.push(format!("lost: invoice {number}"));
        }
    }
    // Tokens: each acknowledged one authenticates (the listing of tokens is the admin's).
    for a in &out.acks {
        if let Ack::Token { token } = a {
            let (code, _) = get(&c, base, "/v1/wallets/00", token).unwrap();
            if code == 401 {
                wrong.push("lost: an acknowledged token is not accepted".into());
            }
        }
    }
    // Every bundle tried is whole (licence, two seals, invoicing rights) or not there at all.
    for u in &out.bundles_tried {
        let (code, rec) = get(&c, base, &format!("/v1/establishments/{u}"), admin).unwrap();
        let (wcode, w) = get(&c, base, &format!("/v1/wallets/{u}"), admin).unwrap();
        match code {
            200 => {
                let n = w["credentials"].as_array().map_or(0, Vec::len);
                if n < 4 || rec["credentials"].as_array().map_or(0, Vec::len) < 4 {
                    wrong.push(format!("partial bundle {u}: {n} credentials"));
                }
            }
            404 if wcode == 404 => {}
            404 => {
                // Registered, but not through a bundle: only if a plain registration won.
                let types: Vec<&str> = w["credentials"]
                    .as_array()
                    .map(|cs| cs.iter().filter_map(|c| c["type"].as_str()).collect())
                    .unwrap_or_default();
                if types.iter().any(|t| *t != "business_license") {
                    wrong.push(format!("partial bundle {u}: no record but {types:?}"));
                }
            }
            other => wrong.push(format!("bundle {u}: record answered {other}")),
        }
    }
    wrong
}
