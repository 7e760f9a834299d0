//! ECommPay callback: the JSON body with its `signature` inside; the SDK vectors' secret, so
//! those (seeds) verify.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tolem_core::providers::ecommpay;

fuzz_target!(|data: &[u8]| {
    if let Ok(callback) = ecommpay::verify_callback(data, b"qwerty") {
        let _ = ecommpay::callback_status(&callback);
    }
});
