//! Paytone callback: the first line is the `X-Signature` header, the rest the raw body; the
//! key of the Paytone callback vector, so the vector (a seed) verifies.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;
use tolem_core::providers::paytone;
use tolem_core::status::PaymentStatus;

fuzz_target!(|data: &[u8]| {
    let (header, body) = common::signed(data);
    if let Ok(invoices) = paytone::verify_callback(b"test_secret_key", body, header) {
        for invoice in invoices {
            let _ = PaymentStatus::from(invoice.attributes.status);
        }
    }
});
