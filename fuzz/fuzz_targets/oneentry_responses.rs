//! OneEntry answers (sessions, accounts, orders, tokens): two bytes of HTTP status, then the body.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;
use tolem_core::providers::oneentry::{
    self, AuthTokens, CreatedOrder, PaymentAccount, SessionStatusTable, SessionsByOrder,
};

fuzz_target!(|data: &[u8]| {
    let Some((status, body)) = common::answer(data) else { return };
    if let Ok(sessions) = oneentry::parse::<SessionsByOrder>(status, body) {
        if let Some(s) = sessions.latest() {
            let _ = SessionStatusTable::default().map(&s.status);
        }
    }
    if let Ok(accounts) = oneentry::parse::<Vec<PaymentAccount>>(status, body) {
        let _ = oneentry::methods(&accounts, "en_US");
    }
    let _ = oneentry::parse::<CreatedOrder>(status, body);
    let _ = oneentry::parse::<AuthTokens>(status, body);
    // The status table's own overrides, from the same bytes.
    let _ = SessionStatusTable::with_overrides(body);
});
