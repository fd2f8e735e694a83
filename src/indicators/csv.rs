//! The indicators as CSV: one row per number, `indicator,key,value` (long format, so a
//! spreadsheet pivots it; `key` is the type, region, reason or day the number is for).

use super::{Indicators, Percentiles};

fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

pub fn to_csv(i: &Indicators) -> String {
    let mut rows: Vec<(String, String, String)> = Vec::new();
    let mut row = |name: &str, key: &str, value: String| {
        rows.push((name.to_string(), key.to_string(), value));
    };
    row(
        "from",
        "",
        i.from.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
    );
    row(
        "to",
        "",
        i.to.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
    );
    row("region", "", i.region.clone().unwrap_or_default());
    let s = &i.startups;
    row("startups.delivered", "", s.delivered.to_string());
    row(
        "startups.without_human_step",
        "",
        s.without_human_step.to_string(),
    );
    row(
        "startups.without_human_step_share",
        "",
        s.without_human_step_share.to_string(),
    );
    for (k, v) in &s.by_channel {
        row("startups.by_channel", k, v.to_string());
    }
    for (k, v) in &s.registered {
        row("startups.registered", k, v.to_string());
    }
    let mut pct = |name: &str, key: &str, p: &Percentiles| {
        for (q, v) in [
            ("p50", p.p50),
            ("p90", p.p90),
            ("p99", p.p99),
            ("max", p.max),
        ] {
            row(&format!("{name}.{q}"), key, v.to_string());
        }
    };
    if let Some(p) = &s.seconds {
        pct("startups.seconds", "", p);
    }
    for d in &s.daily {
        pct("startups.daily.seconds", &d.date.to_string(), &d.seconds);
    }
    let mut rows2: Vec<(String, String, String)> = Vec::new();
    let mut row = |name: &str, key: &str, value: String| {
        rows2.push((name.to_string(), key.to_string(), value));
    };
    for d in &s.daily {
        row(
            "startups.daily.count",
            &d.date.to_string(),
            d.count.to_string(),
        );
    }
    for (k, v) in &i.credentials_issued {
        row("credentials_issued", k, v.to_string());
    }
    row("changes", "", i.changes.to_string());
    row("deregistrations", "", i.deregistrations.to_string());
    row("revocations", "", i.revocations.to_string());
    row("seals.filed", "", i.seals.filed.to_string());
    row("seals.issued", "", i.seals.issued.to_string());
    row("seals.signatures", "", i.seals.signatures.to_string());
    row("invoices.issued", "", i.invoices.issued.to_string());
    row("invoices.total_fen", "", i.invoices.total_fen.to_string());
    row("presentations", "", i.presentations.to_string());
    let v = &i.verifications;
    row("verifications.total", "", v.total.to_string());
    row("verifications.cross_region", "", v.cross_region.to_string());
    row(
        "verifications.cross_region_claimed",
        "",
        v.cross_region_claimed.to_string(),
    );
    for (k, n) in &v.by_indication {
        row("verifications.by_indication", k, n.to_string());
    }
    for (k, n) in &v.by_sub_indication {
        row("verifications.by_sub_indication", k, n.to_string());
    }
    for (k, n) in &v.by_credential_type {
        row("verifications.by_credential_type", k, n.to_string());
    }
    for r in &v.by_region {
        for (name, n) in [
            ("total", r.total),
            ("total_passed", r.total_passed),
            ("total_failed", r.total_failed),
            ("indeterminate", r.indeterminate),
            ("cross_region", r.cross_region),
            ("cross_region_claimed", r.cross_region_claimed),
        ] {
            row(
                &format!("verifications.by_region.{name}"),
                &r.region,
                n.to_string(),
            );
        }
    }
    row(
        "online_checks_refused",
        "",
        i.online_checks_refused.to_string(),
    );
    row("refusals.total", "", i.refusals.total.to_string());
    for (k, n) in &i.refusals.by_reason {
        row("refusals.by_reason", k, n.to_string());
    }
    for (k, n) in &i.refusals.by_route {
        row("refusals.by_route", k, n.to_string());
    }
    row("refusals.failures", "", i.refusals.failures.to_string());
    row("events", "", i.events.to_string());
    let mut out = String::from("indicator,key,value\r\n");
    for (a, b, c) in rows.iter().chain(rows2.iter()) {
        out.push_str(&format!("{},{},{}\r\n", field(a), field(b), field(c)));
    }
    out
}
