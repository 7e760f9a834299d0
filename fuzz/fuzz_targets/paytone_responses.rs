//! Paytone answers (invoice, pre-request): two bytes of HTTP status, then the body.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tolem_core::providers::paytone::{self, Document, Invoice, Prerequest};

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let status = u16::from_be_bytes([data[0], data[1]]);
    let Ok(body) = std::str::from_utf8(&data[2..]) else { return };
    if let Ok(doc) = paytone::parse::<Document<Invoice>>(status, body) {
        let _ = paytone::payer_url("https://com.paycore.io", &doc.data);
    }
    if let Ok(doc) = paytone::parse::<Document<Prerequest>>(status, body) {
        for locale in ["kk", "ru", "en"] {
            let _ = paytone::methods(&doc.data, locale, Some("https://com.paycore.io"));
        }
    }
});
