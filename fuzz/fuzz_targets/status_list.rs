//! Status lists: the signed `statuslist+jwt` (`verify::check_status_list`) and the raw
//! `lst` bitstring (`status::bits::StatusBits::decode_lst`, ZLIB inside base64url).
#![no_main]
use libfuzzer_sys::fuzz_target;
use zhengtong::domain::RegionCode;
use zhengtong::status::bits::StatusBits;
use zhengtong_fuzz::{NOW, VERIFIER};

fuzz_target!(|data: &[u8]| {
    let Some(s) = zhengtong_fuzz::text(data) else {
        return;
    };
    let uri = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/pki/status-uri"))
        .unwrap_or_default();
    if let Ok(region) = RegionCode::parse("440100") {
        let _ =
            zhengtong::verify::check_status_list(s, uri.trim(), region, &VERIFIER, NOW.timestamp());
    }
    let _ = StatusBits::decode_lst(s, None);
    let _ = StatusBits::decode_lst(s, Some(131_072));
});
