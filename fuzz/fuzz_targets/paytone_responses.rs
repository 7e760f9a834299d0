//! Paytone answers (invoice, pre-request): two bytes of HTTP status, then the body.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;
use tolem_core::providers::paytone::{self, Document, Invoice, Prerequest};

fuzz_target!(|data: &[u8]| {
    let Some((status, body)) = common::answer(data) else { return };
    if let Ok(doc) = paytone::parse::<Document<Invoice>>(status, body) {
        let _ = paytone::payer_url("https://com.paycore.io", &doc.data);
    }
    if let Ok(doc) = paytone::parse::<Document<Prerequest>>(status, body) {
        for locale in ["kk", "ru", "en"] {
            let _ = paytone::methods(&doc.data, locale, Some("https://com.paycore.io"));
        }
    }
});
