//! `zhengtong demo`: registers a demo company on a running server, through the public API
//! as an authority would, and prints what a newcomer needs to open its wallet page.

use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, anyhow, bail};
use reqwest::blocking::{Client, Response};
use serde_json::{Value, json};

use zhengtong::domain::with_check_char;

pub const DEMO_NAME: &str = "广州证通演示科技有限公司";

pub fn run(server: &str, data: &Path) -> ExitCode {
    match register(server, data) {
        Ok(d) => {
            let base = server.trim_end_matches('/');
            println!("演示企业已登记 (demo company registered): {DEMO_NAME}");
            println!("uscc:         {}", d.uscc);
            println!("wallet_token: {}", d.wallet_token);
            println!("wallet_url:   {base}/wallet?uscc={}", d.uscc);
            println!("verify_url:   {base}/verify");
            match &d.seal {
                Ok(filing) => println!("seal_filing:  {filing} (公章, 已备案并发入钱包)"),
                Err(e) => println!("seal_filing:  none ({e})"),
            }
            println!();
            println!("打开 wallet_url，粘贴 wallet_token 登录，按“出示”即显示二维码（亮照）；");
            println!("在 verify_url 上传二维码截图或粘贴令牌即可核验。钱包令牌只显示这一次。");
            println!("Open wallet_url, sign in with wallet_token, press 出示 to show the QR code;");
            println!(
                "upload a screenshot of it at verify_url. The wallet token is shown only once."
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("zhengtong demo: {e:#}");
            ExitCode::FAILURE
        }
    }
}

struct Demo {
    uscc: String,
    wallet_token: String,
    /// The police filing of the demo company's official seal, or why there is none.
    seal: Result<String, String>,
}

fn register(server: &str, data: &Path) -> anyhow::Result<Demo> {
    let base = server.trim_end_matches('/');
    let admin_path = data.join("admin.token");
    let admin = std::fs::read_to_string(&admin_path).with_context(|| {
        format!(
            "cannot read {}: start the server first (`zhengtong serve --data {}`), which creates it, or pass --data",
            admin_path.display(),
            data.display()
        )
    })?;
    let client = Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .context("cannot create the HTTP client")?;
    let authority = answer(
        client
            .post(format!("{base}/v1/tokens"))
            .bearer_auth(admin.trim())
            .json(&json!({ "role": "authority", "label": "demo" }))
            .send(),
        base,
        201,
    )?;
    let authority = str_field(&authority, "token")?;

    // Any number will do as a seed; a clock before 1970 gives 0.
    let seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    // A registered USCC is refused a second time: a new one per run, a few tries on a clash.
    for attempt in 0..5 {
        let uscc = demo_uscc(seed + attempt * 7919)?;
        let resp = client
            .post(format!("{base}/v1/companies"))
            .bearer_auth(&authority)
            .json(&demo_company(&uscc))
            .send();
        if let Ok(r) = &resp
            && r.status().as_u16() == 409
        {
            continue;
        }
        let v = answer(resp, base, 201)?;
        let uscc = str_field(&v, "uscc")?;
        let seal =
            add_seal(&client, base, admin.trim(), &authority, &uscc).map_err(|e| format!("{e:#}"));
        return Ok(Demo {
            wallet_token: str_field(&v, "wallet_token")?,
            uscc,
            seal,
        });
    }
    bail!("every demo USCC tried is already registered on {base}")
}

/// Files the company's official seal with the police (as the police would) and issues the
/// e-seal into its wallet (as the authority would); returns the filing id.
fn add_seal(
    client: &Client,
    base: &str,
    admin: &str,
    authority: &str,
    uscc: &str,
) -> anyhow::Result<String> {
    let police = answer(
        client
            .post(format!("{base}/v1/tokens"))
            .bearer_auth(admin)
            .json(&json!({ "role": "police", "label": "demo" }))
            .send(),
        base,
        201,
    )?;
    let police = str_field(&police, "token")?;
    // Seal codes are unique on record: this one follows the USCC's organisation digits.
    let digits = uscc.get(11..16).unwrap_or("00000");
    let filing = answer(
        client
            .post(format!("{base}/v1/police/seal-filings"))
            .bearer_auth(&police)
            .json(&json!({
                "uscc": uscc,
                "seal_type": "official",
                "template": {
                    "shape": "round", "width_mm": 42, "height_mm": 42, "border_mm": 1.2,
                    "star": true, "arc_text": DEMO_NAME, "seal_code": format!("44010000{digits}"),
                },
                "engraver": "广州市演示刻章店",
            }))
            .send(),
        base,
        201,
    )?;
    let filing_id = str_field(&filing, "id")?;
    answer(
        client
            .post(format!("{base}/v1/wallets/{uscc}/seals"))
            .bearer_auth(authority)
            .json(&json!({ "filing_id": filing_id }))
            .send(),
        base,
        201,
    )?;
    Ok(filing_id)
}

/// The registration record of the demo company.
fn demo_company(uscc: &str) -> Value {
    json!({
        "uscc": uscc,
        "name": DEMO_NAME,
        "legal_representative": { "name": "张三", "id_number": "11010519491231002X" },
        "registered_capital_fen": 500_000_000,
        "address": "广州市天河区珠江新城华夏路8号",
        "business_scope": "软件开发；信息系统集成服务；数据处理和存储支持服务",
        "established_on": "2024-03-01",
    })
}

/// A valid Guangzhou USCC (`91440101`, organisation code `MA5` + 5 digits + its GB 11714
/// check character, then the GB 32100 check character), varying with `seed`.
pub fn demo_uscc(seed: u64) -> anyhow::Result<String> {
    let org8 = format!("MA5{:05}", seed % 100_000);
    let weights = [3u32, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = org8
        .chars()
        .zip(weights)
        .map(|(c, w)| c.to_digit(36).unwrap_or(0) * w)
        .sum();
    let check = match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        n => char::from_digit(n, 10).unwrap_or('0'),
    };
    with_check_char(&format!("91440101{org8}{check}"))
        .ok_or_else(|| anyhow!("cannot make a demo USCC from {org8}"))
}

fn answer(resp: reqwest::Result<Response>, base: &str, expected: u16) -> anyhow::Result<Value> {
    let r = resp.with_context(|| {
        format!("cannot reach the server at {base}: is `zhengtong serve` running there?")
    })?;
    let status = r.status().as_u16();
    let url = r.url().path().to_string();
    let body: Value = r.json().unwrap_or(Value::Null);
    if status != expected {
        let detail = body["detail"].as_str().unwrap_or("no detail");
        bail!("{url} answered {status}: {detail}");
    }
    Ok(body)
}

fn str_field(v: &Value, name: &str) -> anyhow::Result<String> {
    v[name]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow!("the server's answer has no {name:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use zhengtong::domain::Uscc;

    #[test]
    fn demo_usccs_are_valid_and_pass_the_inner_check() {
        for seed in [0, 1, 42, 99_999, 1_764_000_000] {
            let s = demo_uscc(seed).unwrap();
            let u = Uscc::parse(&s).unwrap_or_else(|e| panic!("{s}: {e}"));
            assert!(u.organisation_code_warning().is_none(), "{s}");
        }
    }
}
