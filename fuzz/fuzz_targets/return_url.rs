//! The way back from a provider: the return URL's query (Bereke's `orderId`, Tolem's
//! `tolem_return` hint) and the journal a tab keeps in sessionStorage.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tolem_core::flow::ReturnHint;
use tolem_core::journal::JournalRecord;
use tolem_core::providers::{bereke, Provider};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Some(r) = bereke::parse_return(text) {
        assert!(!r.order_id.is_empty() && r.order_id.len() <= 64, "parse_return let through {:?}", r.order_id);
    }
    let _ = ReturnHint::from_query_value(text);
    if let Ok(record) = serde_json::from_str::<JournalRecord>(text) {
        let _ = record.resumable(Provider::Ioka, "A-1", 1_764_633_600_000);
    }
});
