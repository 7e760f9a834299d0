//! ioka webhook: the first line is the `X-Signature` header, the rest the body. Signed with
//! the test vector's key, so the vector (a seed) reaches the event parsing too.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;
use tolem_core::providers::ioka;

fuzz_target!(|data: &[u8]| {
    let (header, body) = common::signed(data);
    if let Ok(event) = ioka::verify_webhook(IOKA_KEY, body, header) {
        let _ = ioka::webhook_status(&event);
    }
});

/// The key of the test vector in `crates/core/vectors/ioka_webhook_canonical_body.txt`.
const IOKA_KEY: &[u8] = b"11cf6a7d5999eac284b117ebb7a443c6da9af8904cf99d5601e9c5287af6874b";
