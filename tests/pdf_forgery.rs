//! The forgery corpus for sealed PDFs (issue 27): company A seals a contract ("Pay 100
//! CNY"), `tests/interop/pdf_attacks.py` turns it into one forged file per attack (each
//! checked to show "Pay 9999999 CNY" in poppler or MuPDF), and no validation of ours may
//! call A's seal TOTAL_PASSED on any of them: not online (`POST /v1/signatures/validate`),
//! not offline (`zhengtong seal verify` must exit non-zero). Hostile files that cost
//! memory or time are refused within seconds by a node whose memory stays bounded, and
//! `/healthz` keeps answering while 8 clients send them.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::pdf::*;
use common::*;
use serde_json::Value;

const A_NAME: &str = "广州甲方科技有限公司";
const B_NAME: &str = "广州乙方贸易有限公司";

/// The hostile tests run one at a time: each may take a capped node to its cap.
static HEAVY: Mutex<()> = Mutex::new(());
/// A node under hostile input may use this much address space (a debug node maps ~2 GiB
/// at rest); past it, it aborts instead of taking the machine's memory.
const CAP: u64 = 5 << 30;

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/pdf_attacks.py")
}

/// The corpus on disk: `dir/cases/CLASS-CASE.pdf`, each of a kind ("content": a forgery
/// a viewer shows; "refuse": not a document we may accept; "resource": hostile).
struct Corpus {
    dir: tempfile::TempDir,
    kinds: BTreeMap<String, String>,
}

impl Corpus {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).unwrap()
    }

    fn of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a String> + 'a {
        self.kinds
            .iter()
            .filter(move |(_, k)| *k == kind)
            .map(|(n, _)| n)
    }
}

/// Companies A and B on `s`; the contract and the attacker's drafts sealed by A; the
/// corpus built from them; the laundering update sealed by B.
fn corpus(s: &Server) -> Corpus {
    let auth = s.role_token("authority");
    let police = s.role_token("police");
    let a = setup_company(s, &auth, &police, 71, A_NAME, "4401000071001");
    let b = setup_company(s, &auth, &police, 72, B_NAME, "4401000072001");
    let dir = tempfile::tempdir().unwrap();
    let py = |args: &[&str]| {
        let (ok, out) = run(Command::new(python()).arg(script()).args(args));
        assert!(ok, "pdf_attacks.py {args:?}: {out}");
    };
    let d = dir.path().to_str().unwrap();
    py(&["drafts", d]);
    let mut drafts: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    drafts.sort();
    for draft in drafts {
        let r = seal_pdf(s, &a.0, &a.1, &a.2, "", &std::fs::read(&draft).unwrap());
        assert_eq!(r.status(), 201, "A seals {}", draft.display());
        let name = draft.file_name().unwrap().to_str().unwrap();
        std::fs::write(
            dir.path().join(format!("sealed-{name}")),
            r.bytes().unwrap(),
        )
        .unwrap();
    }
    py(&["attacks", d]);
    let mut kinds: BTreeMap<String, String> =
        serde_json::from_slice(&std::fs::read(dir.path().join("cases.json")).unwrap()).unwrap();
    for e in std::fs::read_dir(dir.path().join("pending")).unwrap() {
        let path = e.unwrap().path();
        let r = seal_pdf(s, &b.0, &b.1, &b.2, "", &std::fs::read(&path).unwrap());
        assert_eq!(r.status(), 201, "B seals {}", path.display());
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let out = dir.path().join("cases").join(&name);
        std::fs::write(&out, r.bytes().unwrap()).unwrap();
        let sealed = dir.path().join("sealed-contract.pdf");
        py(&["check", out.to_str().unwrap(), sealed.to_str().unwrap()]);
        kinds.insert(name, "content".into());
    }
    let kinds = kinds
        .into_iter()
        .map(|(n, k)| (format!("cases/{n}"), k))
        .collect();
    Corpus { dir, kinds }
}

/// "class/case" of `cases/class-case.pdf`.
fn case_name(file: &str) -> String {
    let stem = file.trim_start_matches("cases/").trim_end_matches(".pdf");
    match stem.split_once('-') {
        Some((class, case)) => format!("{class}/{case}"),
        None => stem.to_string(),
    }
}

/// A report on A's seal: its signer (after the rewrite, `summary.signed_by`), or today
/// the signing-certificate check that names the company.
fn is_victims(report: &Value) -> bool {
    let signed_by = report["summary"]["signed_by"].as_str().unwrap_or_default();
    signed_by.contains(A_NAME)
        || report["checks"].as_array().is_some_and(|checks| {
            checks.iter().any(|c| {
                c["name"] == "signing_certificate"
                    && c["reason"].as_str().unwrap_or_default().contains(A_NAME)
            })
        })
}

/// Why an answer of `POST /v1/signatures/validate` accepts a forgery of A's seal (None:
/// it does not; a refusal of the whole document, 413/422/503 included, does not).
fn accepts(status: u16, body: &str) -> Option<String> {
    match status {
        200 => {
            let v: Value = serde_json::from_str(body).ok()?;
            let passed: Vec<&Value> = v["signatures"]
                .as_array()?
                .iter()
                .filter(|r| r["indication"] == "TOTAL_PASSED" && is_victims(r))
                .collect();
            (!passed.is_empty()).then(|| {
                let checks: Vec<String> = passed[0]["checks"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|c| format!("{}: {}", c["name"], c["reason"]))
                    .collect();
                format!("TOTAL_PASSED for A's seal ({})", checks.join("; "))
            })
        }
        413 | 422 | 503 => None,
        other => Some(format!("answered {other}: {body}")),
    }
}

fn post_pdf(
    client: &reqwest::blocking::Client,
    s: &Server,
    pdf: &[u8],
) -> reqwest::Result<(u16, String)> {
    let r = client
        .post(s.url("/v1/signatures/validate"))
        .header("content-type", "application/pdf")
        .body(pdf.to_vec())
        .send()?;
    let status = r.status().as_u16();
    Ok((status, r.text()?))
}

fn cli_verify(s: &Server, pdf: &Path) -> (i32, String) {
    let (code, out, err) = run_cli(&[
        "seal",
        "verify",
        "--certs",
        s.certs().to_str().unwrap(),
        "--document",
        pdf.to_str().unwrap(),
    ]);
    (code, format!("{out}{err}"))
}

#[test]
fn forgeries_of_a_seal_are_refused_online_and_offline() {
    let s = Server::start();
    let corpus = corpus(&s);
    // The control: the untouched sealed contract passes, online and offline.
    let sealed = corpus.read("sealed-contract.pdf");
    let (status, body) = post_pdf(&s.client, &s, &sealed).unwrap();
    assert!(
        accepts(status, &body).is_some(),
        "the sealed contract itself must pass: {body}"
    );
    let (code, out) = cli_verify(&s, &corpus.path("sealed-contract.pdf"));
    assert_eq!(code, 0, "the CLI passes the sealed contract: {out}");

    let mut accepted = Vec::new();
    let mut refused = Vec::new();
    let cases: Vec<&String> = corpus
        .of_kind("content")
        .chain(corpus.of_kind("refuse"))
        .collect();
    assert!(cases.len() >= 40, "the corpus has every case: {cases:?}");
    for file in cases {
        let name = case_name(file);
        let (status, body) = post_pdf(&s.client, &s, &corpus.read(file)).unwrap();
        let online = accepts(status, &body);
        let (code, out) = cli_verify(&s, &corpus.path(file));
        let offline = (code == 0).then(|| format!("the CLI exits 0: {out}"));
        let verdict = format!(
            "{name}: online {}, offline {}",
            if online.is_some() {
                "ACCEPTED"
            } else {
                "refused"
            },
            if offline.is_some() {
                "ACCEPTED"
            } else {
                "refused"
            },
        );
        eprintln!("{verdict}");
        match (online, offline) {
            (None, None) => refused.push(name),
            (on, off) => {
                accepted.push(format!("{verdict}\n    {}", on.or(off).unwrap_or_default()))
            }
        }
    }
    assert!(
        accepted.is_empty(),
        "{} forgeries of A's seal accepted ({} refused):\n{}",
        accepted.len(),
        refused.len(),
        accepted.join("\n")
    );
}

/// How long a refusal of one hostile file may take, and how much the node may grow.
const ANSWER_WITHIN: Duration = Duration::from_secs(5);
const GROWTH_KIB: u64 = 200 * 1024;

#[test]
fn hostile_pdfs_are_refused_quickly_with_bounded_memory() {
    let _one = HEAVY.lock().unwrap_or_else(|e| e.into_inner());
    let sealer = Server::start();
    let corpus = corpus(&sealer);
    drop(sealer);
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let mut node = Server::start_capped(CAP);
    let mut failures = Vec::new();
    let cases: Vec<&String> = corpus.of_kind("resource").collect();
    assert!(cases.len() >= 4, "{cases:?}");
    for file in cases {
        let name = case_name(file);
        let before = node.hwm_kib().expect("the node runs");
        let start = Instant::now();
        let answer = post_pdf(&client, &node, &corpus.read(file));
        let took = start.elapsed();
        let grew = node.hwm_kib().map(|after| after.saturating_sub(before));
        let healthy = node.alive()
            && node
                .client
                .get(node.url("/healthz"))
                .timeout(Duration::from_secs(2))
                .send()
                .is_ok_and(|r| r.status() == 200);
        let mut why = Vec::new();
        match &answer {
            Ok((status, body)) => {
                if let Some(a) = accepts(*status, body) {
                    why.push(a);
                }
            }
            Err(e) => why.push(format!("no answer: {e}")),
        }
        if took > ANSWER_WITHIN {
            why.push(format!("took {took:.1?}"));
        }
        match grew {
            Some(kib) if kib >= GROWTH_KIB => why.push(format!("grew by {} MiB", kib / 1024)),
            None => why.push("the node died".into()),
            _ => {}
        }
        if !healthy {
            why.push("the node is down afterwards".into());
        }
        eprintln!(
            "{name}: {:.1?}, grew {:?} KiB, {}",
            took,
            grew,
            if why.is_empty() {
                "ok".into()
            } else {
                why.join("; ")
            }
        );
        if !why.is_empty() {
            failures.push(format!("{name}: {}", why.join("; ")));
            // The next case gets a fresh node (this one may still be chewing, or dead).
            node = Server::start_capped(CAP);
        }
    }
    assert!(
        failures.is_empty(),
        "hostile files:\n{}",
        failures.join("\n")
    );
}

#[test]
fn healthz_answers_within_a_second_while_8_clients_send_hostile_pdfs() {
    let _one = HEAVY.lock().unwrap_or_else(|e| e.into_inner());
    let sealer = Server::start();
    let corpus = corpus(&sealer);
    drop(sealer);
    let hostile: Vec<Vec<u8>> = corpus.of_kind("resource").map(|f| corpus.read(f)).collect();
    let mut node = Server::start_capped(CAP);
    let hwm_before = node.hwm_kib().unwrap_or(0);
    let until = Instant::now() + Duration::from_secs(8);
    let mut slow = Vec::new();
    let mut slowest = Duration::ZERO;
    let polls = std::thread::scope(|scope| {
        for i in 0..8 {
            let (node, hostile) = (&node, &hostile);
            scope.spawn(move || {
                let client = reqwest::blocking::Client::builder()
                    .timeout(Duration::from_secs(15))
                    .build()
                    .unwrap();
                let mut k = i;
                while Instant::now() < until {
                    let _ = post_pdf(&client, node, &hostile[k % hostile.len()]);
                    k += 1;
                }
            });
        }
        let client = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap();
        let mut polls = 0;
        while Instant::now() < until {
            let start = Instant::now();
            let ok = client
                .get(node.url("/healthz"))
                .send()
                .is_ok_and(|r| r.status() == 200);
            let took = start.elapsed();
            polls += 1;
            slowest = slowest.max(took);
            if !ok || took > Duration::from_secs(1) {
                slow.push(format!(
                    "{took:.1?}{}",
                    if ok { "" } else { " (no answer)" }
                ));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        polls
    });
    let alive = node.alive();
    // The figures RELIABILITY.md quotes.
    eprintln!(
        "8 hostile clients for 8 s: {polls} /healthz polls, slowest {slowest:.3?}; peak RSS {} MiB before, {} MiB after",
        hwm_before / 1024,
        node.hwm_kib().unwrap_or(0) / 1024
    );
    assert!(
        slow.is_empty() && alive,
        "/healthz under hostile load: {} of {polls} polls slower than 1 s or unanswered ({}); node alive afterwards: {alive}",
        slow.len(),
        slow.join(", ")
    );
}
