//! Bereke (RBS) callback: the query string, checksum included.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tolem_core::providers::bereke;

fuzz_target!(|data: &[u8]| {
    if let Ok(query) = std::str::from_utf8(data) {
        if let Ok(callback) = bereke::verify_callback(query, b"fuzz-callback-token") {
            let _ = callback.status();
        }
    }
});
