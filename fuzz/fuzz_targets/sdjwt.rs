//! SD-JWT parsing: disclosures, digests, `_sd` resolution (`credential::sdjwt`).
#![no_main]
use libfuzzer_sys::fuzz_target;
use zhengtong::credential::sdjwt;

fuzz_target!(|data: &[u8]| {
    let Some(s) = zhengtong_fuzz::text(data) else {
        return;
    };
    let _ = sdjwt::decode(s);
    let _ = sdjwt::select(s, &["name", "address"]);
});
