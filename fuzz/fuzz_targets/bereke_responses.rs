//! Bereke (RBS) answers: the first two bytes are the HTTP status, the rest the body.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tolem_core::providers::bereke::{
    self, RbsOrderStatusExtended, RbsOrderStatusShort, RbsRegisterResponse, RbsSimpleResponse,
};
use tolem_core::status::PaymentStatus;

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let status = u16::from_be_bytes([data[0], data[1]]);
    let Ok(body) = std::str::from_utf8(&data[2..]) else { return };
    if let Ok(order) = bereke::parse::<RbsOrderStatusExtended>(status, body) {
        let _ = PaymentStatus::from(&order);
    }
    let _ = bereke::parse::<RbsOrderStatusShort>(status, body);
    let _ = bereke::parse::<RbsRegisterResponse>(status, body);
    let _ = bereke::parse::<RbsSimpleResponse>(status, body);
});
