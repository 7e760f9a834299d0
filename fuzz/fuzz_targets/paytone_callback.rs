//! Paytone callback: the first line is the `X-Signature` header, the rest the raw body; the
//! key of the §7.4 vector, so the vector (a seed) verifies.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tolem_core::providers::paytone;
use tolem_core::status::PaymentStatus;

fuzz_target!(|data: &[u8]| {
    let (header, body) = match data.iter().position(|b| *b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let header = std::str::from_utf8(header).ok();
    if let Ok(invoices) = paytone::verify_callback(b"test_secret_key", body, header) {
        for invoice in invoices {
            let _ = PaymentStatus::from(invoice.attributes.status);
        }
    }
});
