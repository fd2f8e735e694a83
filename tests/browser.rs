//! The wallet and verifier pages in a real browser: headless Chromium (Debian's
//! `/usr/bin/chromium`) driven by `tests/browser/drive.mjs` with playwright-core.
//!
//! The flow: seed a company through the API → the script signs in to `/wallet`, presses
//! 出示 and takes a screenshot → this test reads the QR code from that screenshot with
//! `zbarimg` and verifies it through `/v1/verify` → the script uploads the screenshot to
//! `/verify` and reads what the page says. Screenshots stay in `test-artifacts/browser/`.
//!
//! `scripts/test.sh` installs what this needs (chromium, zbar-tools, `npm ci` in
//! tests/browser); without them these tests fail and say so, they do not skip.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use serde_json::{Value, json};

fn browser_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

fn artifacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("test-artifacts/browser");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn chromium() -> PathBuf {
    let p = std::env::var_os("ZT_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(
        p.exists(),
        "Chromium is not installed at {}: run scripts/test.sh (it installs Debian's chromium) \
         or set ZT_CHROMIUM",
        p.display()
    );
    p
}

/// Fails (never skips) when node, the node modules or zbarimg are missing.
fn require_tools() {
    let node = Command::new("node").arg("--version").output();
    assert!(
        node.is_ok_and(|o| o.status.success()),
        "node is not installed: the browser tests need Node.js 20 or later"
    );
    let module = browser_dir().join("node_modules/playwright-core/package.json");
    assert!(
        module.exists(),
        "{} is missing: run scripts/test.sh (or `npm ci` in tests/browser)",
        module.display()
    );
    let zbar = Command::new("sh")
        .args(["-c", "command -v zbarimg"])
        .output();
    assert!(
        zbar.is_ok_and(|o| o.status.success()),
        "zbarimg is not installed: run scripts/test.sh (it installs zbar-tools)"
    );
}

/// Runs one phase of drive.mjs; returns its `RESULT` JSON, failing with its output otherwise.
fn drive(phase: &str, env: &[(&str, &str)]) -> Value {
    let out = Command::new("node")
        .arg(browser_dir().join("drive.mjs"))
        .arg(phase)
        .current_dir(browser_dir())
        .env("ZT_CHROMIUM", chromium())
        .env("ZT_ARTIFACTS", artifacts())
        .envs(env.iter().copied())
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "drive.mjs {phase} failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("RESULT "))
        .unwrap_or_else(|| panic!("drive.mjs {phase} printed no RESULT:\n{stdout}\n{stderr}"));
    let v: Value = serde_json::from_str(line).unwrap();
    // Nothing left this machine, and the pages ran without script errors or CSP refusals.
    assert_eq!(v["external_requests"], json!([]), "{phase}");
    assert_eq!(v["page_errors"], json!([]), "{phase}");
    v
}

/// The text of the QR code in a screenshot, read by zbarimg (not by our own decoder).
fn zbar(png: &Path) -> String {
    let out = Command::new("zbarimg")
        .args(["--quiet", "--raw", "-Sdisable", "-Sqrcode.enable"])
        .arg(png)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "zbarimg found no QR code in {}: {}",
        png.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn page_modules_decode_and_format_exactly() {
    require_tools();
    let v = drive("unit", &[]);
    assert_eq!(v["unit"], "passed");
}

#[test]
fn pages_are_served_with_a_strict_policy() {
    let s = Server::start();
    for (path, ct) in [
        ("/", "text/html; charset=utf-8"),
        ("/wallet", "text/html; charset=utf-8"),
        ("/verify", "text/html; charset=utf-8"),
        ("/assets/app.css", "text/css; charset=utf-8"),
        ("/assets/wallet.js", "text/javascript; charset=utf-8"),
        ("/assets/verify.js", "text/javascript; charset=utf-8"),
    ] {
        let r = s.get(path, None);
        assert_eq!(r.status(), 200, "{path}");
        let h = r.headers();
        assert_eq!(h["content-type"], ct, "{path}");
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(csp.contains("img-src 'self' data: blob:"), "{path}: {csp}");
        assert!(!csp.contains("unsafe"), "{path}: {csp}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        let etag = h["etag"].to_str().unwrap().to_string();
        // A revalidation of an unchanged file costs no body.
        let again = s
            .client
            .get(s.url(path))
            .header("if-none-match", &etag)
            .send()
            .unwrap();
        assert_eq!(again.status(), 304, "{path}");
    }
    let html = s.get("/wallet", None).text().unwrap();
    assert!(html.contains("<script type=\"module\" src=\"/assets/wallet.js\">"));
    let (status, _) = problem(s.get("/assets/nope.js", None));
    assert_eq!(status, 404);
}

#[test]
fn wallet_shows_the_licence_and_a_qr_that_verifies() {
    require_tools();
    let s = Server::start();
    let auth = s.role_token("authority");
    let mut body = company(&uscc(601), NAME16);
    // 12,345.678901 万元: exact integer arithmetic shows every digit.
    body["registered_capital_fen"] = 12_345_678_901i64.into();
    let (uscc, wallet, _) = s.register(&auth, &body);
    let base = s.base.clone();

    let w = drive(
        "wallet",
        &[
            ("ZT_BASE", &base),
            ("ZT_USCC", &uscc),
            ("ZT_WALLET_TOKEN", &wallet),
        ],
    );
    // The licence card, laid out from the SD-JWT, personal data masked.
    let l = &w["licence"];
    assert_eq!(l["uscc"], uscc.as_str());
    assert_eq!(l["name"], NAME16);
    assert_eq!(l["legal_representative"], "张*");
    assert_eq!(l["registered_capital"], "人民币12345.678901万元");
    assert_eq!(l["established_on"], "2024年03月01日");
    assert_eq!(l["address"], "广州市天河区天河路1号");
    assert_eq!(l["business_scope"], "软件开发；信息技术咨询服务");
    assert_eq!(l["issuing_authority"], "广州市市场监督管理局");
    assert_eq!(l["status"], "有效");
    let text = w["wallet_text"].as_str().unwrap();
    assert!(!text.contains("张三"), "the full name is shown:\n{text}");
    assert!(
        !text.contains("11010519491231002X"),
        "the ID number is shown"
    );
    // The token lives in sessionStorage only; a wrong one is refused in Chinese with the
    // server's reason; signing out forgets it.
    assert!(!w["url_after_signin"].as_str().unwrap().contains(&wallet));
    assert_eq!(w["session_has_token"], true);
    let bad = w["bad_signin_message"].as_str().unwrap();
    assert!(
        bad.starts_with("登录失败") && bad.contains("not valid"),
        "{bad}"
    );
    assert_eq!(w["session_after_signout"], 0);
    // A large code on the phone, renewed before it expires, hidden rather than stale.
    assert!(
        w["qr_box"]["width"].as_f64().unwrap() >= 280.0,
        "{}",
        w["qr_box"]
    );
    assert_eq!(w["countdown_first"], "5:00");
    assert_eq!(w["renewed"], true);
    assert_eq!(w["qr_hidden_near_expiry"], true);
    assert!(
        w["renew_error_message"]
            .as_str()
            .unwrap()
            .contains("无法连接服务器")
    );
    assert_eq!(w["recovered"], true);

    // Both screenshots carry a QR code that zbarimg reads and the server accepts.
    let shots = artifacts();
    let first = zbar(&shots.join("present-phone.png"));
    let renewed = zbar(&shots.join("present-renewed.png"));
    assert_ne!(first, renewed, "the renewed code is a new presentation");
    for token in [&first, &renewed] {
        let report = s.verify(token);
        assert_eq!(report["indication"], "TOTAL_PASSED", "{report:#}");
        assert_eq!(report["summary"]["uscc"], uscc.as_str());
        assert_eq!(report["summary"]["company_name"], NAME16);
    }

    // The verifier's page: the screenshot uploaded says 有效; bad tokens say 无效.
    let v = drive(
        "verifier",
        &[
            ("ZT_BASE", &base),
            (
                "ZT_IMAGE",
                shots.join("present-phone.png").to_str().unwrap(),
            ),
            ("ZT_TOKEN", &first),
        ],
    );
    assert_eq!(v["upload"]["verdict"], "有效");
    assert_eq!(v["upload"]["class"], "result ok");
    let facts = v["upload"]["facts"].as_str().unwrap();
    assert!(facts.contains(NAME16) && facts.contains(&uscc), "{facts}");
    assert!(facts.contains("广州市市场监督管理局"), "{facts}");
    assert_eq!(v["pasted"]["verdict"], "有效");
    for bad in ["garbage", "tampered"] {
        assert_eq!(v[bad]["verdict"], "无效", "{bad}");
        assert_eq!(v[bad]["class"], "result bad", "{bad}");
    }
    assert!(
        v["tampered"]["reason"]
            .as_str()
            .unwrap()
            .contains("签名与内容不符"),
        "{}",
        v["tampered"]
    );
    assert!(
        v["no_qr_message"]
            .as_str()
            .unwrap()
            .contains("没有从图片中读出二维码"),
        "{}",
        v["no_qr_message"]
    );
    assert_eq!(v["no_qr_result_hidden"], true);
    if v["has_barcode_detector"] == false {
        assert!(
            v["camera_message"]
                .as_str()
                .unwrap()
                .contains("BarcodeDetector"),
            "{}",
            v["camera_message"]
        );
    }
}

#[test]
fn a_seal_is_shown_with_its_filed_image_and_verifies() {
    require_tools();
    let s = Server::start();
    let auth = s.role_token("authority");
    let police = s.role_token("police");
    let (uscc, wallet, _) = s.register(&auth, &company(&uscc(602), NAME16));
    let (filing, seal) = s.official_seal(&police, &auth, &uscc, NAME16, "4401000012345");
    let fid = filing["id"].as_str().unwrap();
    let cid = seal["credential_id"].as_str().unwrap();

    let v = drive(
        "seals",
        &[
            ("ZT_BASE", &s.base),
            ("ZT_USCC", &uscc),
            ("ZT_WALLET_TOKEN", &wallet),
            ("ZT_SEAL_CREDENTIAL", cid),
        ],
    );
    // The wallet draws the seal from the filing's canonical image.
    assert_eq!(
        v["seal_image_src"],
        format!("/v1/seal-filings/{fid}/image.svg")
    );
    let card = v["seal_card"].as_str().unwrap();
    assert!(card.contains("公章") && card.contains(fid), "{card}");
    assert!(card.contains("4401000012345"), "{card}");
    let other = v["other_seal_card"].as_str().unwrap();
    assert!(other.contains("印模图片暂不可用"), "{other}");
    let invoices = v["invoice_cards"].as_str().unwrap();
    assert!(invoices.contains("¥113.00"), "{invoices}");
    assert!(invoices.contains("广州某某贸易有限公司"), "{invoices}");

    // The seal's QR code, from the screenshot, verifies and carries the filed image.
    let token = zbar(&artifacts().join("present-seal-phone.png"));
    let report = s.verify(&token);
    assert_eq!(report["indication"], "TOTAL_PASSED", "{report:#}");
    assert_eq!(report["summary"]["credential_type"], "e_seal");
    assert!(
        report["summary"]["details"]["seal_image_svg"]
            .as_str()
            .is_some_and(|svg| svg.contains("<svg")),
        "{report:#}"
    );
    // …and so does the verifier's page, with the image.
    let r = &v["seal_report"];
    assert_eq!(r["verdict"], "有效");
    assert!(r["facts"].as_str().unwrap().contains("公章"), "{r}");
    assert!(r["caption"].as_str().unwrap().contains(fid), "{r}");
    assert!(v["matching_caption"].as_str().unwrap().contains("同章同模"));
    assert_eq!(v["unknown_report"]["verdict"], "无法确认");
    assert_eq!(v["unknown_report"]["class"], "result unsure");
    assert!(
        v["unknown_report"]["reason"]
            .as_str()
            .unwrap()
            .contains("not reachable")
    );
    assert_eq!(v["unknown_seal_hidden"], true);
}

/// The value at an indicator path as the page names it (`startups.daily.<date>.p50`,
/// `verifications.by_region.<region>.total`): arrays are entered by their `date` or
/// `region`, a day's percentiles are under its `seconds`.
fn at_path<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    let mut cur = v;
    for seg in path.split('.') {
        cur = match cur {
            Value::Array(a) => a.iter().find(|e| e["date"] == seg || e["region"] == seg)?,
            Value::Object(o) => match o.get(seg) {
                Some(x) => x,
                None => o.get("seconds")?.get(seg)?,
            },
            _ => return None,
        };
    }
    Some(cur)
}

#[test]
fn indicators_page_draws_the_api_figures() {
    require_tools();
    let s = Server::start();
    let authority = s.role_token("authority");
    let tax = s.role_token("tax");
    // A bundle, a stepwise start-up two hours long, verifications (one from Shanghai, one
    // failed) and a refusal.
    let u1 = uscc(141);
    let r = s.post(
        "/v1/establishments",
        Some(&authority),
        &json!({"company": company(&u1, "广州指标页示例甲有限公司"), "invoicing": true}),
    );
    assert_eq!(r.status(), 201, "{}", r.text().unwrap());
    let done: Value = r.json().unwrap();
    let u2 = uscc(142);
    s.register(&authority, &company(&u2, "广州指标页示例乙有限公司"));
    s.advance_clock(7200.0);
    let r = s.post("/v1/tax/invoicing-rights", Some(&tax), &json!({"uscc": u2}));
    assert_eq!(r.status(), 201, "{}", r.text().unwrap());
    let wallet = done["wallet_token"].as_str().unwrap();
    let qr = s.present(
        &u1,
        wallet,
        done["credentials"][0]["id"].as_str().unwrap(),
        None,
    );
    assert_eq!(
        s.verify(qr["token"].as_str().unwrap())["indication"],
        "TOTAL_PASSED"
    );
    let r = s
        .client
        .post(s.url("/v1/verify"))
        .bearer_auth(s.role_token("partner"))
        .header("X-Verifier-Region", "310000")
        .json(&json!({"token": qr["token"]}))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(s.verify("garbage")["indication"], "TOTAL_FAILED");
    assert_eq!(
        s.post("/v1/companies", Some(&tax), &company(&uscc(143), "某公司"))
            .status(),
        403
    );

    // The page's period: whole UTC days around the server's (advanced) clock.
    let now: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(done["delivered_at"].clone()).unwrap();
    let from = (now - chrono::Duration::days(1)).date_naive();
    let to = (now + chrono::Duration::days(1)).date_naive();
    let api: Value = s
        .get(
            &format!(
                "/v1/indicators?from={from}T00:00:00Z&to={}T00:00:00Z",
                to + chrono::Duration::days(1)
            ),
            Some(&authority),
        )
        .json()
        .unwrap();
    assert_eq!(api["startups"]["delivered"], 2, "{api:#}");

    let v = drive(
        "indicators",
        &[
            ("ZT_BASE", &s.base),
            ("ZT_TOKEN", &authority),
            ("ZT_FROM", &from.to_string()),
            ("ZT_TO", &to.to_string()),
        ],
    );
    for device in ["desktop", "phone"] {
        let page = &v[device];
        let figures = page["figures"].as_object().unwrap();
        // Every figure the page shows is the API's, and the page shows them all.
        for (k, shown) in figures {
            let want = at_path(&api, k).unwrap_or_else(|| panic!("{k} is not in the API"));
            let shown: f64 = shown.as_str().unwrap().parse().unwrap();
            assert_eq!(Some(shown), want.as_f64(), "{device}: {k}");
        }
        for k in [
            "startups.delivered",
            "startups.without_human_step_share",
            "startups.seconds.p50",
            "startups.seconds.max",
            "verifications.by_region.310000.cross_region",
            "verifications.by_region.440100.total_failed",
            "credentials_issued.business_license",
            "credentials_issued.invoicing_rights",
            "refusals.by_reason.forbidden",
        ] {
            assert!(figures.contains_key(k), "{device}: {k} not shown");
        }
        // The charts: one SVG each, bars of the API's numbers.
        let issued: Vec<f64> = api["credentials_issued"]
            .as_object()
            .unwrap()
            .values()
            .map(|n| n.as_f64().unwrap())
            .collect();
        let bars: Vec<f64> = page["issued"]["bars"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b[1].as_f64().unwrap())
            .collect();
        assert_eq!(bars, issued, "{device}");
        assert_eq!(page["startups"]["svg"], 1);
        let days = api["startups"]["daily"].as_array().unwrap();
        assert_eq!(
            page["startups"]["dots"].as_array().unwrap().len(),
            2 * days.len()
        );
        let passed: f64 = page["verifications"]["bars"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|b| b[0] == "有效")
            .map(|b| b[1].as_f64().unwrap())
            .sum();
        assert_eq!(passed, 2.0, "{device}");
    }
    assert!(
        v["bad_token_error"].as_str().unwrap().contains("令牌")
            || v["bad_token_error"].as_str().unwrap().contains("401"),
        "{}",
        v["bad_token_error"]
    );
    assert_eq!(v["bad_token_hidden"], true);
    assert!(artifacts().join("indicators-desktop.png").exists());
    assert!(artifacts().join("indicators-phone.png").exists());
}

/// `/api` renders the served OpenAPI document: every operation with its Chinese name,
/// every request example and schema shown, every schema link resolving, no sideways
/// scrolling on a phone, no script error and nothing fetched from elsewhere.
#[test]
fn api_page_renders_every_operation_with_a_chinese_name() {
    require_tools();
    let s = Server::start();
    let doc: Value = s.get("/v1/openapi.json", None).json().unwrap();
    let mut ids = Vec::new();
    let mut examples = 0;
    for item in doc["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            ids.push(op["operationId"].as_str().unwrap().to_string());
            let content = op["requestBody"]["content"].as_object();
            examples += content
                .into_iter()
                .flatten()
                .filter(|(_, m)| m.get("example").is_some())
                .count();
        }
    }
    ids.sort();
    let v = drive("api", &[("ZT_BASE", &s.base)]);
    for device in ["desktop", "phone"] {
        let page = &v[device];
        let mut shown: Vec<String> = page["ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i.as_str().unwrap().to_string())
            .collect();
        shown.sort();
        assert_eq!(shown, ids, "{device}");
        for name in page["names"].as_array().unwrap() {
            let name = name.as_str().unwrap();
            assert!(
                name.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{device}: {name:?} is not a Chinese name"
            );
        }
        assert_eq!(page["examples"], examples, "{device}");
        assert_eq!(
            page["schemas"].as_u64().unwrap() as usize,
            doc["components"]["schemas"].as_object().unwrap().len()
        );
        assert_eq!(page["schema_links"], json!([]), "{device}: dangling links");
        assert_eq!(page["error_hidden"], true, "{device}");
    }
    assert!(artifacts().join("api-phone.png").exists());
}
