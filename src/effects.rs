//! The flow's effects, carried out: one function per kind of [`Effect`], each doing what the
//! effect says and answering the event the flow waits for. Nothing here decides anything
//! about the checkout (the flow did); these are calls, storage, navigation and DOM events.
//!
//! [`Effect`]: tolem_core::flow::Effect

use tolem_core::api::{
    EventDetail, FieldValues, MountedCheckout, OrderSummary, PayRequest, PayResponse, RedirectTarget,
    SignInCredentials, StartAnswer, StartRequest, StatusResponse, UserToken, CLIENT_SECRET_HEADER,
};
use tolem_core::error::{CheckoutError, ErrorCode};
use tolem_core::flow::{Attempt, Event, Mode, Notify, RedirectAnswer};
use tolem_core::http::{encode_component, Method};
use tolem_core::journal::JournalRecord;
use tolem_core::poll::MAX_WAIT_SECONDS;
use tolem_core::status::PaymentStatus;
use tolem_core::tabs::claim_key;

use std::rc::Rc;

use crate::browser::{self, Callbacks, EarlyStart, Requests};
use crate::direct;
use crate::options::{Presentation, WidgetOptions};

/// What `pay` came to.
pub enum PayOutcome {
    /// Go to the provider's page.
    Redirect(RedirectTarget),
    /// The order is placed, paid on delivery.
    Placed,
    /// The backend had the method charged; nothing to open.
    Charged,
    /// The provider has no page yet: read again later (OneEntry direct mode).
    #[cfg(feature = "browser-direct")]
    NotReady,
}

/// `POST {backend}/start`; the answer is Tolem's shape or ioka's guide shape. `early` is the
/// loader's request ([`early_start_fitting`]), taken when it is this very request.
pub async fn start(
    requests: Requests,
    options: Rc<WidgetOptions>,
    request: u64,
    idempotency_key: String,
    sign_in: Option<SignInCredentials>,
    user_token: Option<UserToken>,
    early: Option<EarlyStart>,
) -> Event {
    let (url, json) = start_request(&options, idempotency_key, sign_in, user_token);
    let early = early.and_then(|e| e.kept_if_same(&url, json.as_deref()));
    let answer = match (json, early) {
        (Some(_), Some(early)) => requests.adopt(early).await.and_then(|value| start_answer(value, &url)),
        (Some(json), None) => match requests.json_value(Method::Post, &url, &[], Some(json), false).await {
            Ok(value) => start_answer(value, &url),
            Err(e) => Err(e),
        },
        (None, _) => Err(CheckoutError::new(ErrorCode::Internal, "cannot encode the start request", false)),
    };
    Event::StartAnswered { request, answer }
}

/// The loader's early request, kept when it is byte for byte the checkout's first `start` (no
/// sign-in yet, the page's user token): then its key is the checkout's key, and its answer the
/// first start's. Any other is aborted and must not lend its key, which the backend may have
/// sent on to the provider with another body.
pub fn early_start_fitting(options: &WidgetOptions, early: EarlyStart) -> Option<EarlyStart> {
    let (url, json) = start_request(options, early.key.clone(), None, None);
    early.kept_if_same(&url, json.as_deref())
}

/// Where `start` goes and its JSON body.
fn start_request(
    options: &WidgetOptions,
    idempotency_key: String,
    sign_in: Option<SignInCredentials>,
    user_token: Option<UserToken>,
) -> (String, Option<String>) {
    let body = StartRequest::from_widget(
        MountedCheckout {
            provider: options.provider,
            client_secret: options.client_secret.clone(),
            order: options.order.clone(),
            customer: options.customer.clone(),
            idempotency_key,
            locale: Some(options.locale.tag().to_owned()),
            sign_in,
            user_token: user_token.or_else(|| options.user_token.clone()),
        },
        || options.return_url.clone().unwrap_or_else(browser::current_return_url),
    );
    // A backend of ioka's own guide gets the guide's request, and answers only the tokens.
    match (&options.ioka_tokens_url, &body.order) {
        (Some(url), Some(order)) => (url.clone(), direct::guide_request(order, &options.customer)),
        _ => (format!("{}/start", options.backend_url), to_json(&body)),
    }
}

/// OneEntry direct mode, in place of `start`: the user's accounts at the project.
pub async fn start_direct(
    requests: Requests,
    options: Rc<WidgetOptions>,
    request: u64,
    user_token: Option<UserToken>,
) -> Event {
    let answer = direct::start(&requests, &options, user_token).await;
    Event::DirectStartAnswered { request, answer }
}

/// The shopper's sign-in, straight at the provider.
pub async fn sign_in_at_provider(
    requests: Requests,
    options: Rc<WidgetOptions>,
    request: u64,
    credentials: SignInCredentials,
) -> Event {
    let answer = direct::sign_in(&requests, &options, &credentials).await;
    Event::SignedIn { request, answer }
}

/// ioka token mode: the order (proving the token works) and the customer's saved cards.
pub async fn load_methods(requests: Requests, options: Rc<WidgetOptions>, request: u64, attempt: Attempt) -> Event {
    let answer = direct::methods(&requests, &options, &attempt).await;
    Event::MethodsAnswered { request, answer }
}

/// Claims the order's payment for this tab, then asks where to send the shopper.
pub async fn pay(
    requests: Requests,
    options: Rc<WidgetOptions>,
    request: u64,
    attempt: Attempt,
    method_id: String,
    fields: FieldValues,
    take_over: bool,
) -> Event {
    let key = claim_key(options.provider, &options.key);
    if !browser::claim_payment(&key, take_over).await {
        return Event::PayingElsewhere { request, now_ms: browser::now_ms() };
    }
    let answer = match redirect_target(&requests, &options, &attempt, &method_id, fields).await {
        Ok(PayOutcome::Placed) => return Event::OrderPlaced { request },
        Ok(PayOutcome::Charged) => return Event::Charged { request, now_ms: browser::now_ms() },
        #[cfg(feature = "browser-direct")]
        Ok(PayOutcome::NotReady) => return Event::PageNotReady { request },
        Ok(PayOutcome::Redirect(target)) => {
            let parsed = browser::parse_url(&target.url);
            Ok(RedirectAnswer { target, parsed })
        }
        Err(e) => Err(e),
    };
    Event::PayAnswered { request, answer, now_ms: browser::now_ms() }
}

/// `POST {backend}/methods/remove` with the attempt and the saved method: any 2xx means the
/// provider keeps it no more.
pub async fn remove_method(
    requests: Requests,
    options: Rc<WidgetOptions>,
    attempt: Attempt,
    method_id: String,
) -> Event {
    let body =
        PayRequest { attempt_id: attempt.attempt_id, method_id: method_id.clone(), fields: FieldValues::default() };
    let url = format!("{}/methods/remove", options.backend_url);
    let answer = match to_json(&body) {
        Some(json) => requests.json_value(Method::Post, &url, &[], Some(json), false).await.map(|_| ()),
        None => Err(CheckoutError::new(ErrorCode::Internal, "cannot encode", false)),
    };
    Event::MethodRemoved { method_id, answer }
}

/// Reads the attempt's status.
pub async fn fetch_status(
    requests: Requests,
    options: Rc<WidgetOptions>,
    request: u64,
    attempt: Attempt,
    wait: bool,
) -> Event {
    let sent_ms = browser::now_ms();
    let (answer, order) = match status(&requests, &options, &attempt, wait).await {
        Ok((status, order)) => (Ok(status), order),
        Err(e) => (Err(e), None),
    };
    let (now_ms, random) = (browser::now_ms(), browser::random());
    Event::StatusAnswered { request, answer, order, now_ms, random, held_ms: now_ms.saturating_sub(sent_ms) }
}

/// Writes the journal record, saying so on the console when the browser keeps nothing.
pub fn write_journal(record: &JournalRecord) {
    if !browser::write_journal(record) {
        web_sys::console::warn_1(&"tolem: sessionStorage unavailable; a reload will not resume this payment".into());
    }
}

/// Forgets this order's attempt in this tab, and lets the other tabs know.
pub fn clear_journal(options: &WidgetOptions) {
    browser::clear_journal(options.provider, &options.key);
    browser::release_payment(&claim_key(options.provider, &options.key));
}

/// Sends the shopper to the provider; `false` when the browser did not go.
pub fn navigate(options: &WidgetOptions, target: &RedirectTarget) -> bool {
    browser::navigate(target, options.presentation == Presentation::NewTab)
}

/// Tells the merchant's page: the `tolem:*` event and its callback.
pub fn notify(host: &web_sys::Element, callbacks: &Callbacks, provider: &str, n: Notify) {
    let event = n.event();
    let detail = match n {
        Notify::Ready => browser::event_detail(&EventDetail::Ready { provider }),
        Notify::Method { method_id } | Notify::Placed { method_id } => {
            browser::event_detail(&EventDetail::Method { method_id: &method_id })
        }
        Notify::Redirect { url } => browser::event_detail(&EventDetail::Redirect { url: &url }),
        Notify::Status { status } => {
            browser::event_detail(&EventDetail::Status { status: status.as_str(), is_final: status.is_final() })
        }
        Notify::Error(e) => browser::error_detail(e.code.as_str(), &e.message),
    };
    callbacks.emit(host, event, &detail);
}

/// Tolem's `start` answer (it has `attemptId`) or ioka's guide shape (only the tokens): one
/// look at the body picks the reader, so it is read once, and its errors name that shape's fields.
fn start_answer(value: wasm_bindgen::JsValue, url: &str) -> Result<StartAnswer, CheckoutError> {
    if browser::has_member(&value, "attemptId") {
        browser::decode(value, url, false).map(StartAnswer::Attempt)
    } else {
        direct::tokens_answer(value, url)
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Option<String> {
    browser::to_json(value)
}

async fn redirect_target(
    requests: &Requests,
    options: &WidgetOptions,
    attempt: &Attempt,
    method_id: &str,
    fields: FieldValues,
) -> Result<PayOutcome, CheckoutError> {
    match &attempt.mode {
        Mode::Backend => {
            let body = PayRequest { attempt_id: attempt.attempt_id.clone(), method_id: method_id.to_owned(), fields };
            let json = to_json(&body).ok_or_else(|| CheckoutError::new(ErrorCode::Internal, "cannot encode", false))?;
            let url = format!("{}/pay", options.backend_url);
            let answer: PayResponse = requests.json(Method::Post, &url, &[], Some(json), false).await?;
            match (answer.redirect, answer.placed, answer.charged) {
                (Some(target), ..) => Ok(PayOutcome::Redirect(target)),
                (None, true, _) => Ok(PayOutcome::Placed),
                (None, false, true) => Ok(PayOutcome::Charged),
                (None, false, false) => Err(CheckoutError::new(
                    ErrorCode::BackendError,
                    "pay answered no redirect, placed or charged",
                    false,
                )),
            }
        }
        Mode::ProviderReturn { .. } => {
            Err(CheckoutError::new(ErrorCode::Internal, "a looked-up attempt cannot start a payment", false))
        }
        Mode::OneEntryDirect | Mode::IokaToken { .. } => direct::pay(requests, options, attempt, method_id).await,
    }
}

/// The status, and the order the backend says it is about (ioka's browser API and OneEntry
/// direct do not say; the flow then relies on what it mounted with).
async fn status(
    requests: &Requests,
    options: &WidgetOptions,
    attempt: &Attempt,
    wait: bool,
) -> Result<(PaymentStatus, Option<OrderSummary>), CheckoutError> {
    let wait_s = if wait { MAX_WAIT_SECONDS } else { 0 };
    let url = match &attempt.mode {
        // A backend that supports it holds the request until the status changes (`wait`, a
        // long poll); one that does not answers at once, and the flow keeps its schedule.
        Mode::Backend => {
            format!("{}/status?attemptId={}&wait={wait_s}", options.backend_url, encode_component(&attempt.attempt_id))
        }
        Mode::ProviderReturn { provider_order_id } => format!(
            "{}/status?provider={}&orderId={}&wait={wait_s}",
            options.backend_url,
            options.provider.as_str(),
            encode_component(provider_order_id)
        ),
        Mode::IokaToken { .. } | Mode::OneEntryDirect => {
            return Ok((direct::status(requests, options, attempt).await?, None))
        }
    };
    // The session's secret limits the answer to its own order's attempts.
    let headers: Vec<(&str, &str)> =
        options.client_secret.as_deref().map(|s| (CLIENT_SECRET_HEADER, s)).into_iter().collect();
    let held_ms = u32::try_from(wait_s * 1000).unwrap_or(u32::MAX);
    let answer: StatusResponse = requests.json_held(&url, &headers, held_ms).await?;
    Ok((answer.status, Some(answer.order)))
}
