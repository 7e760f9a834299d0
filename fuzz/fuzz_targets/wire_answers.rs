//! Whatever the backend, ioka's and OneEntry's browser APIs or sessionStorage hand the widget,
//! read the way the widget reads it (serde, through `tolem_core::wire::read`): an answer, or
//! an error naming the value, never a panic; and a journal record that reads back writes back
//! the same. (The widget's deserializer is serde-wasm-bindgen's over the parsed value; the
//! `Deserialize` impls and the path tracking run here on serde_json's.)
#![no_main]
use libfuzzer_sys::fuzz_target;
use serde::de::DeserializeOwned;
use tolem_core::api::{IokaTokensResponse, PayResponse, StartResponse, StatusResponse, UserToken};
use tolem_core::journal::JournalRecord;
use tolem_core::providers::ioka::{IokaCard, IokaOrderSeen};
use tolem_core::providers::oneentry::{CreatedOrder, PaymentAccount, Session};
use tolem_core::wire;

fn read<T: DeserializeOwned>(text: &str) -> Option<T> {
    match wire::read::<T, _>(&mut serde_json::Deserializer::from_str(text)) {
        Ok(value) => Some(value),
        Err(e) => {
            let _ = e.to_string();
            None
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = read::<StartResponse>(text);
    let _ = read::<IokaTokensResponse>(text);
    let _ = read::<PayResponse>(text);
    let _ = read::<StatusResponse>(text);
    let _ = read::<IokaOrderSeen>(text);
    let _ = read::<Vec<IokaCard>>(text);
    let _ = read::<UserToken>(text);
    let _ = read::<Vec<PaymentAccount>>(text);
    let _ = read::<CreatedOrder>(text);
    let _ = read::<Vec<Session>>(text);
    let _ = read::<Session>(text);
    if let Some(record) = read::<JournalRecord>(text) {
        let again = serde_json::to_string(&record).ok().and_then(|t| read::<JournalRecord>(&t));
        assert_eq!(again.as_ref(), Some(&record), "a journal record does not survive a round trip");
    }
});
