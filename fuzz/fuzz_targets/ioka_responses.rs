//! ioka API answers: the first two bytes are the HTTP status, the rest the body, read as
//! every answer the backend and the widget parse.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;
use tolem_core::providers::ioka::{
    self, IokaCard, IokaCustomer, IokaCustomerCreated, IokaOrder, IokaOrderCreated, IokaPayment,
};
use tolem_core::status::PaymentStatus;

fuzz_target!(|data: &[u8]| {
    let Some((status, body)) = common::answer(data) else { return };
    if let Ok(order) = ioka::parse::<IokaOrder>(status, body) {
        let _ = PaymentStatus::from(order.status);
    }
    let _ = ioka::parse::<IokaOrderCreated>(status, body);
    let _ = ioka::parse::<IokaCustomerCreated>(status, body);
    let _ = ioka::parse::<IokaPayment>(status, body);
    let _ = ioka::parse_search::<IokaCustomer>(status, body);
    if let Ok(cards) = ioka::parse::<Vec<IokaCard>>(status, body) {
        let _ = ioka::methods_from_cards(&cards, "Bank card");
    }
});
