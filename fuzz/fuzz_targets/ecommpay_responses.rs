//! ECommPay Gate answers (status, capture/cancel): two bytes of HTTP status, then the body.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tolem_core::providers::ecommpay;

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let status = u16::from_be_bytes([data[0], data[1]]);
    let Ok(body) = std::str::from_utf8(&data[2..]) else { return };
    let _ = ecommpay::parse_status_answer(status, body, b"fuzz-secret");
    let _ = ecommpay::parse_settle_answer(status, body);
});
