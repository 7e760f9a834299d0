//! Bereke (RBS) answers: the first two bytes are the HTTP status, the rest the body.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;
use tolem_core::providers::bereke::{
    self, RbsOrderStatusExtended, RbsOrderStatusShort, RbsRegisterResponse, RbsSimpleResponse,
};
use tolem_core::status::PaymentStatus;

fuzz_target!(|data: &[u8]| {
    let Some((status, body)) = common::answer(data) else { return };
    if let Ok(order) = bereke::parse::<RbsOrderStatusExtended>(status, body) {
        let _ = PaymentStatus::from(&order);
    }
    let _ = bereke::parse::<RbsOrderStatusShort>(status, body);
    let _ = bereke::parse::<RbsRegisterResponse>(status, body);
    let _ = bereke::parse::<RbsSimpleResponse>(status, body);
});
