//! Signed trust lists (`trustlist::verify`) and the trust store built from one.
#![no_main]
use libfuzzer_sys::fuzz_target;
use zhengtong_fuzz::VERIFIER;

fuzz_target!(|data: &[u8]| {
    let Some(s) = zhengtong_fuzz::text(data) else {
        return;
    };
    if let Ok(list) = zhengtong::trustlist::verify(s, &VERIFIER.trust) {
        let _ = list.trust_store(&VERIFIER.trust);
        let _ = list.allowed_types();
    }
});
