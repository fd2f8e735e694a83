//! The verifier's entry point (`POST /v1/verify`): QR presentations and SD-JWT credentials.
#![no_main]
use libfuzzer_sys::fuzz_target;
use zhengtong_fuzz::{NOW, VERIFIER};

fuzz_target!(|data: &[u8]| {
    let Some(s) = zhengtong_fuzz::text(data) else {
        return;
    };
    let r = VERIFIER.verify(s, *NOW, None);
    let _ = r.indication;
});
