//! Our parsers of request bodies and their fields: company registration (USCC, ID number,
//! region), invoice items (decimal amounts, tax rates, totals), seal templates (and the SVG
//! rendered from one), invoice numbers. The first byte picks the parser.
#![no_main]
use libfuzzer_sys::fuzz_target;
use zhengtong::domain::{CompanyRecord, CompanyRequest, IdNumber, RegionCode, Uscc};
use zhengtong::invoice::calc::{self, InvoiceNumber, ItemInput};
use zhengtong::seal::template::SealTemplate;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    match pick % 4 {
        0 => {
            if let Ok(req) = serde_json::from_slice::<CompanyRequest>(rest) {
                // A fixed "today" (the seeds' time), so that runs are reproducible.
                let _ = CompanyRecord::parse(&req, zhengtong_fuzz::NOW.date_naive());
            }
        }
        1 => {
            if let Ok(items) = serde_json::from_slice::<Vec<ItemInput>>(rest) {
                let _ = calc::compute(&items);
            }
        }
        2 => {
            if let Ok(t) = serde_json::from_slice::<SealTemplate>(rest)
                && t.check().is_ok()
            {
                let _ = t.render_svg();
                let _ = t.image_sha256();
            }
        }
        _ => {
            if let Ok(s) = std::str::from_utf8(rest) {
                let _ = Uscc::parse(s);
                let _ = IdNumber::parse(s);
                let _ = RegionCode::parse(s);
                let _ = InvoiceNumber::parse(s);
                let _ = calc::TaxRate::parse(s);
            }
        }
    }
});
