//! In the backend-only build (`tolem_bg.wasm`, without the `browser-direct` feature): the
//! browser-direct modes' functions (`direct.rs` in the `tolem-direct` build), each answering
//! that this build has none. The options that ask for these modes are refused at mount
//! (`options.rs`), and the loader sends such pages to `tolem_direct_bg.wasm`, so these answers
//! are reached only by a journal record or a backend answer that names such a mode.

use tolem_core::api::{CustomerInfo, OrderInfo, PaymentMethod, SignInCredentials, StartAnswer, UserToken};
use tolem_core::error::{CheckoutError, ErrorCode};
use tolem_core::flow::{Attempt, DirectStart, SignedIn};
use tolem_core::status::PaymentStatus;

use crate::browser::{self, Requests};
use crate::effects::PayOutcome;
use crate::options::WidgetOptions;

/// What every function here answers.
pub const ABSENT: &str = "this build of Tolem has no browser-direct modes (ioka token mode, OneEntry sign-in and direct mode): the page needs tolem_direct_bg.wasm";

fn absent() -> CheckoutError {
    CheckoutError::new(ErrorCode::ConfigError, ABSENT, false)
}

pub async fn start(_: &Requests, _: &WidgetOptions, _: Option<UserToken>) -> Result<DirectStart, CheckoutError> {
    Err(absent())
}

pub async fn sign_in(_: &Requests, _: &WidgetOptions, _: &SignInCredentials) -> Result<SignedIn, CheckoutError> {
    Err(absent())
}

pub async fn methods(_: &Requests, _: &WidgetOptions, _: &Attempt) -> Result<Vec<PaymentMethod>, CheckoutError> {
    Err(absent())
}

pub async fn pay(_: &Requests, _: &WidgetOptions, _: &Attempt, _: &str) -> Result<PayOutcome, CheckoutError> {
    Err(absent())
}

pub async fn status(_: &Requests, _: &WidgetOptions, _: &Attempt) -> Result<PaymentStatus, CheckoutError> {
    Err(absent())
}

pub fn guide_request(_: &OrderInfo, _: &CustomerInfo) -> Option<String> {
    None
}

/// Without the guide's shape, an answer without `attemptId` is read as Tolem's (and its error
/// names the missing member).
pub fn tokens_answer(value: wasm_bindgen::JsValue, url: &str) -> Result<StartAnswer, CheckoutError> {
    browser::decode(value, url, false).map(StartAnswer::Attempt)
}
