//! The QR image decoder behind `POST /v1/verify/image` (`present::qr::decode_image`).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = zhengtong::present::qr::decode_image(data);
});
