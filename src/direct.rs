//! The modes in which the browser calls a provider's API itself: ioka token mode (a backend of
//! ioka's own guide answers the order's and the customer's access tokens, and the widget reads
//! the order, the saved cards and the status from ioka's browser API) and OneEntry's sign-in
//! and direct mode ([`crate::oneentry_direct`]).
//!
//! Built only with the `browser-direct` feature: into `tolem_direct_bg.wasm` (crates/direct),
//! which the loader fetches for pages whose options ask for these modes. The backend-only
//! `tolem_bg.wasm` most pages load has `direct_absent.rs` in this module's place: the same
//! functions, each answering that this build has no such mode.

use tolem_core::api::{CustomerInfo, StartAnswer};
use tolem_core::api::{IokaGuideRequest, OrderInfo, PaymentMethod, RedirectTarget, SignInCredentials, UserToken};
use tolem_core::error::{CheckoutError, ErrorCode};
use tolem_core::flow::{Attempt, DirectStart, Mode, SignedIn};
use tolem_core::http::{HttpRequest, Method};
use tolem_core::providers::ioka::{self, IokaBrowser, IokaCard, IokaOrderSeen};
use tolem_core::status::PaymentStatus;

use crate::browser::{self, Requests};
use crate::effects::PayOutcome;
use crate::i18n::{t, Msg};
use crate::oneentry_direct;
use crate::options::{OneEntryProject, WidgetOptions};

/// OneEntry direct mode, in place of `start`: the user's accounts at the project.
pub async fn start(
    requests: &Requests,
    options: &WidgetOptions,
    user_token: Option<UserToken>,
) -> Result<DirectStart, CheckoutError> {
    oneentry_direct::start(requests, options, project(options)?, user_token).await
}

/// The shopper's sign-in, straight at the OneEntry project.
pub async fn sign_in(
    requests: &Requests,
    options: &WidgetOptions,
    credentials: &SignInCredentials,
) -> Result<SignedIn, CheckoutError> {
    oneentry_direct::sign_in(requests, project(options)?, credentials).await
}

/// ioka token mode: the order (reading it proves the token works) and the customer's saved cards.
pub async fn methods(
    requests: &Requests,
    options: &WidgetOptions,
    attempt: &Attempt,
) -> Result<Vec<PaymentMethod>, CheckoutError> {
    let Mode::IokaToken { order_access_token, customer_access_token } = &attempt.mode else {
        return Err(CheckoutError::new(ErrorCode::Internal, "not ioka token mode", false));
    };
    ioka_order(requests, options, order_access_token).await?;
    let (base, key) = ioka_browser(options)?;
    let cards: Vec<IokaCard> = match customer_access_token {
        // Saved cards are a convenience: if they cannot be read, a new card still works.
        Some(token) => send_provider(requests, IokaBrowser { base_url: &base, public_key: &key }.customer_cards(token))
            .await
            .unwrap_or_default(),
        None => Vec::new(),
    };
    Ok(ioka::methods_from_cards(&cards, t(options.locale, Msg::NewCard)))
}

/// Where a browser-direct attempt pays: ioka's `checkout_url`, or OneEntry's session page.
pub async fn pay(
    requests: &Requests,
    options: &WidgetOptions,
    attempt: &Attempt,
    method_id: &str,
) -> Result<PayOutcome, CheckoutError> {
    match &attempt.mode {
        Mode::OneEntryDirect => oneentry_direct::pay(requests, options, project(options)?, method_id).await,
        Mode::IokaToken { order_access_token, .. } => {
            let order = ioka_order(requests, options, order_access_token).await?;
            let url = order.checkout_url.ok_or_else(|| {
                CheckoutError::new(ErrorCode::ProviderError, "the ioka order has no checkout_url", false)
            })?;
            Ok(PayOutcome::Redirect(RedirectTarget { url, method: Method::Get, fields: vec![] }))
        }
        Mode::Backend | Mode::ProviderReturn { .. } => Err(not_direct()),
    }
}

/// A browser-direct attempt's status, read from the provider.
pub async fn status(
    requests: &Requests,
    options: &WidgetOptions,
    attempt: &Attempt,
) -> Result<PaymentStatus, CheckoutError> {
    match &attempt.mode {
        Mode::IokaToken { order_access_token, .. } => {
            Ok(ioka_order(requests, options, order_access_token).await?.status.into())
        }
        Mode::OneEntryDirect => oneentry_direct::status(requests, options, project(options)?).await,
        Mode::Backend | Mode::ProviderReturn { .. } => Err(not_direct()),
    }
}

/// ioka's guide request to a backend of ioka's own guide (`iokaTokensUrl`).
pub fn guide_request(order: &OrderInfo, customer: &CustomerInfo) -> Option<String> {
    browser::to_json(&IokaGuideRequest::of(order, customer))
}

/// A `start` answer without `attemptId`: ioka's guide shape, only the tokens.
pub fn tokens_answer(value: wasm_bindgen::JsValue, url: &str) -> Result<StartAnswer, CheckoutError> {
    browser::decode(value, url, false).map(StartAnswer::IokaTokens)
}

fn not_direct() -> CheckoutError {
    CheckoutError::new(ErrorCode::Internal, "not a browser-direct attempt", false)
}

/// The OneEntry project the options name (the flow asks for it only when they do).
fn project(options: &WidgetOptions) -> Result<&OneEntryProject, CheckoutError> {
    options.oneentry.as_ref().ok_or_else(|| config_error("no oneentry project"))
}

fn config_error(message: &str) -> CheckoutError {
    CheckoutError::new(ErrorCode::ConfigError, message, false)
}

async fn send_provider<T: serde::de::DeserializeOwned>(
    requests: &Requests,
    req: Option<HttpRequest>,
) -> Result<T, CheckoutError> {
    let req = req.ok_or_else(|| CheckoutError::new(ErrorCode::BackendError, "malformed access token", false))?;
    let headers: Vec<(&str, &str)> = req.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    requests.json(req.method, &req.url, &headers, req.body.clone(), true).await
}

fn ioka_browser(options: &WidgetOptions) -> Result<(String, String), CheckoutError> {
    let key = options
        .public_key
        .clone()
        .ok_or_else(|| config_error("publicKey is required when the backend answers with ioka tokens"))?;
    Ok((options.ioka_api(), key))
}

async fn ioka_order(requests: &Requests, options: &WidgetOptions, token: &str) -> Result<IokaOrderSeen, CheckoutError> {
    let (base, key) = ioka_browser(options)?;
    send_provider(requests, IokaBrowser { base_url: &base, public_key: &key }.get_order(token)).await
}
