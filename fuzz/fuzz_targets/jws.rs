//! Compact JWS parsing (`credential::jws::Parsed`): header, payload, signature, x5c.
#![no_main]
use libfuzzer_sys::fuzz_target;
use zhengtong::credential::jws::Parsed;

fuzz_target!(|data: &[u8]| {
    let Some(s) = zhengtong_fuzz::text(data) else {
        return;
    };
    if let Ok(p) = Parsed::parse(s) {
        let _ = p.x5c();
        let _ = p.payload_object();
        let _ = p.header_str("typ");
        let _ = p.verify(&[4; 65]);
    }
});
