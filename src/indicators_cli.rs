//! `zhengtong indicators --data DIR [--from --to --region --format json|csv]`: the indicators
//! of `GET /v1/indicators`, offline, from a stopped server's data folder (a running server
//! holds the database's lock).

use std::path::Path;
use std::process::ExitCode;

use zhengtong::events::EventLog;
use zhengtong::indicators::{self, Period};
use zhengtong::store::{Store, StoreError};

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum IndicatorFormat {
    Json,
    Csv,
}

pub fn run(
    data: &Path,
    from: Option<&str>,
    to: Option<&str>,
    region: Option<&str>,
    format: IndicatorFormat,
) -> ExitCode {
    let fail = |m: String| {
        eprintln!("zhengtong: {m}");
        ExitCode::FAILURE
    };
    let now = zhengtong::clock::Clock::from_env().now();
    let period = match Period::parse(from, to, region, now) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("zhengtong: --{e}");
            return ExitCode::from(64);
        }
    };
    if !data.join("db").exists() {
        return fail(format!(
            "{} holds no database (give the server's --data folder)",
            data.display()
        ));
    }
    let store = match Store::open(data) {
        Ok(s) => s,
        Err(StoreError::Sled(sled::Error::Io(e)))
            if e.to_string().contains("could not acquire lock") =>
        {
            return fail(format!(
                "{} is in use by a running server: ask it instead (GET /v1/indicators), or stop it",
                data.display()
            ));
        }
        Err(e) => return fail(format!("{}: {e}", data.display())),
    };
    let log = match EventLog::new(store) {
        Ok(l) => l,
        Err(e) => return fail(e.to_string()),
    };
    let out = match indicators::compute(&log, &period) {
        Ok(o) => o,
        Err(e) => return fail(e.to_string()),
    };
    match format {
        IndicatorFormat::Csv => print!("{}", indicators::to_csv(&out)),
        IndicatorFormat::Json => match serde_json::to_string_pretty(&out) {
            Ok(s) => println!("{s}"),
            Err(e) => return fail(e.to_string()),
        },
    }
    ExitCode::SUCCESS
}
