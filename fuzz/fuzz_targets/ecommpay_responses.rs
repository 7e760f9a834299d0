//! ECommPay Gate answers (status, capture/cancel): two bytes of HTTP status, then the body.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;
use tolem_core::providers::ecommpay;

fuzz_target!(|data: &[u8]| {
    let Some((status, body)) = common::answer(data) else { return };
    let _ = ecommpay::parse_status_answer(status, body);
    let _ = ecommpay::parse_settle_answer(status, body);
});
