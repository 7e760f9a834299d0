//! Whatever the backend, ioka's browser API or sessionStorage hands the widget, read the way
//! the widget reads it (`tolem_core::wire`): an answer or an error naming the value, never a
//! panic; and a journal record that reads back writes back the same.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tolem_core::wire;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    let _ = wire::is_tolem_start_answer(&value);
    let _ = wire::start_response(&value);
    let _ = wire::ioka_tokens_response(&value);
    let _ = wire::pay_response(&value);
    let _ = wire::status_response(&value);
    let _ = wire::ioka_order(&value);
    let _ = wire::ioka_cards(&value);
    if let Ok(record) = wire::journal_record(&value) {
        let again = serde_json::to_value(&record).ok().and_then(|v| wire::journal_record(&v).ok());
        assert_eq!(again.as_ref(), Some(&record), "a journal record does not survive a round trip");
    }
});
