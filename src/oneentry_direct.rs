//! OneEntry straight from the browser: the calls of the flow's OneEntry steps. With
//! `oneentry: { projectUrl, appToken }` the shopper's sign-in goes to OneEntry itself
//! ([`sign_in`], for [`Effect::SignInAtProvider`]); with `direct: true` as well — storefronts
//! built on OneEntry with no backend of their own — the attempt is in
//! [`Mode::OneEntryDirect`] and the widget makes the calls OneEntry's own SDK makes from a
//! storefront, with the project's app token and the shopper's token: the accounts, the order
//! (priced by OneEntry from its products), the payment session, its status.
//!
//! What the answers mean is decided by `tolem_core::providers::oneentry::rules` (the same
//! rules the reference backend follows) and by the flow, which also waits for a late
//! `paymentUrl` ([`Event::PageNotReady`]). The user's tokens and the current try's order are
//! kept in sessionStorage under `tolem:oneentry:{order id}`.
//!
//! [`Effect::SignInAtProvider`]: tolem_core::flow::Effect::SignInAtProvider
//! [`Mode::OneEntryDirect`]: tolem_core::flow::Mode::OneEntryDirect
//! [`Event::PageNotReady`]: tolem_core::flow::Event::PageNotReady

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;

use tolem_core::api::{OrderInfo, PaymentMethod, RedirectTarget, SignInCredentials, UserToken};
use tolem_core::error::{CheckoutError, ErrorCode};
use tolem_core::flow::{DirectStart, SignedIn};
use tolem_core::http::{HttpRequest, Method};
use tolem_core::providers::oneentry::rules::{self, AfterUnauthorized};
use tolem_core::providers::oneentry::{self, CreatedOrder, NewOrder, OneEntryApi, PaymentAccount, Session};
use tolem_core::status::PaymentStatus;

use crate::browser::{self, Requests};
use crate::effects::PayOutcome;
use crate::options::{OneEntryProject, WidgetOptions};

/// What this browser remembers for one merchant order (sessionStorage, as JSON).
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Kept {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
    /// OneEntry's order for the current try.
    #[serde(default)]
    order_id: Option<i64>,
    /// The payment account that order was made for.
    #[serde(default)]
    method: Option<String>,
}

impl Kept {
    fn new(token: UserToken) -> Kept {
        Kept { access_token: token.access_token, refresh_token: token.refresh_token, order_id: None, method: None }
    }

    /// The current try's order and its account.
    fn order(&self) -> Option<(i64, &str)> {
        self.order_id.zip(self.method.as_deref())
    }

    fn forget_order(&mut self) {
        self.order_id = None;
        self.method = None;
    }
}

fn key(options: &WidgetOptions) -> String {
    format!("tolem:oneentry:{}", options.key)
}

/// The order: direct mode has no backend session, so the merchant names it (checked at mount).
fn mounted_order(options: &WidgetOptions) -> Result<&OrderInfo, CheckoutError> {
    options
        .order
        .as_ref()
        .ok_or_else(|| CheckoutError::new(ErrorCode::ConfigError, "order is required for OneEntry direct mode", false))
}

fn load(options: &WidgetOptions) -> Option<Kept> {
    let raw = browser::session_get(&key(options))?;
    browser::from_js(js_sys::JSON::parse(&raw).ok()?).ok()
}

/// Kept as JSON written by the browser's own `JSON.stringify`.
fn save(options: &WidgetOptions, kept: &Kept) {
    if let Some(json) = browser::to_json(kept) {
        browser::session_set(&key(options), &json);
    }
}

/// OneEntry's answer read as `T`; an answer of another shape names the value that did not fit.
fn read_answer<T: DeserializeOwned>(value: JsValue, what: &str) -> Result<T, CheckoutError> {
    browser::from_js(value).map_err(|e| provider_error(&format!("unexpected {what} from OneEntry: {e}"), true))
}

/// The user's tokens are gone or refused for good: OneEntry's own 401, after the one refresh.
fn signed_out() -> CheckoutError {
    CheckoutError::from_provider_status(401, "OneEntry no longer accepts the shopper's sign-in")
}

fn provider_error(message: &str, retryable: bool) -> CheckoutError {
    CheckoutError::new(ErrorCode::ProviderError, message, retryable)
}

fn api<'a>(project: &'a OneEntryProject, metadata: &'a str) -> OneEntryApi<'a> {
    OneEntryApi {
        project_url: &project.project_url,
        app_token: &project.app_token,
        device_metadata: metadata,
        lang_code: "en_US",
    }
}

fn metadata() -> String {
    oneentry::device_metadata("UQ_tolemwidget_000000000001", "web", "tolem", "kk-KZ")
}

async fn send(requests: &Requests, req: HttpRequest) -> Result<JsValue, CheckoutError> {
    let headers: Vec<(&str, &str)> = req.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    requests.json_value(req.method, &req.url, &headers, req.body.clone(), true).await
}

fn unauthorized(e: &CheckoutError) -> bool {
    e.http_status == Some(401)
}

/// A per-user call: on 401, refresh once (the new tokens go into `kept`) and retry once, as
/// [`rules::after_unauthorized`] says.
async fn as_user(
    requests: &Requests,
    project: &OneEntryProject,
    kept: &mut Kept,
    build: &dyn Fn(&OneEntryApi<'_>, &str) -> HttpRequest,
) -> Result<JsValue, CheckoutError> {
    let metadata = metadata();
    let api = api(project, &metadata);
    let mut refreshed = false;
    loop {
        let error = match send(requests, build(&api, &kept.access_token)).await {
            Err(e) if unauthorized(&e) => e,
            other => return other,
        };
        let refresh_token = match rules::after_unauthorized(refreshed, kept.refresh_token.as_deref()) {
            AfterUnauthorized::Refresh(token) => token,
            AfterUnauthorized::SignIn => return Err(if refreshed { signed_out() } else { error }),
        };
        let fresh = send(requests, api.refresh(&refresh_token)).await.map_err(|e| {
            if unauthorized(&e) {
                signed_out()
            } else {
                e
            }
        })?;
        let fresh: UserToken = read_answer(fresh, "refresh answer")?;
        kept.access_token = fresh.access_token;
        kept.refresh_token = fresh.refresh_token;
        refreshed = true;
    }
}

/// The newest session of an order (`getSessionByOrderId` answers an array or an object).
async fn latest_session(
    requests: &Requests,
    project: &OneEntryProject,
    kept: &mut Kept,
    order_id: i64,
) -> Result<Option<Session>, CheckoutError> {
    // "None yet" is an empty list or a 404 (OneEntry's own rules code allows for an error).
    let answer = match as_user(requests, project, kept, &|api, token| api.sessions_by_order(order_id, token)).await {
        Err(e) if e.http_status == Some(404) => return Ok(None),
        other => other?,
    };
    if answer.is_null() || answer.is_undefined() {
        return Ok(None);
    }
    if !js_sys::Array::is_array(&answer) {
        return read_answer(answer, "session").map(Some);
    }
    let sessions: Vec<Session> = read_answer(answer, "sessions")?;
    Ok(sessions.into_iter().max_by_key(|s| s.id))
}

fn session_status(session: &Session) -> PaymentStatus {
    oneentry::session_status(&session.status)
}

/// Signs the shopper in at the OneEntry project (its app token is a public project token).
/// OneEntry answers a wrong email or password with 400, 401, 403 or 404.
pub async fn sign_in(
    requests: &Requests,
    project: &OneEntryProject,
    credentials: &SignInCredentials,
) -> Result<SignedIn, CheckoutError> {
    let metadata = metadata();
    match send(requests, api(project, &metadata).sign_in(&credentials.email, &credentials.password)).await {
        Ok(token) => read_answer(token, "sign-in answer").map(SignedIn::Token),
        Err(e) if matches!(e.http_status, Some(400 | 401 | 403 | 404)) => Ok(SignedIn::Refused),
        Err(e) => Err(e),
    }
}

/// The shopper's accounts, and the current try's status: who the shopper is comes from a
/// sign-in just made, else the page's token, else what this browser kept.
pub async fn start(
    requests: &Requests,
    options: &WidgetOptions,
    project: &OneEntryProject,
    user_token: Option<UserToken>,
) -> Result<DirectStart, CheckoutError> {
    let kept = load(options);
    let mut kept = match (user_token.or_else(|| options.user_token.clone()), kept) {
        (Some(token), Some(k)) => Kept { order_id: k.order_id, method: k.method, ..Kept::new(token) },
        (Some(token), None) => Kept::new(token),
        (None, Some(k)) => k,
        (None, None) => return Ok(DirectStart::SignInNeeded),
    };
    let read = accounts_and_status(requests, project, &mut kept).await;
    save(options, &kept);
    let (accounts, status) = match read {
        Ok(read) => read,
        // Neither the token nor its refresh is accepted: the shopper signs in again.
        Err(e) if unauthorized(&e) => return Ok(DirectStart::SignInNeeded),
        Err(e) => return Err(e),
    };
    let methods: Vec<PaymentMethod> = oneentry::methods(&accounts, oneentry::lang_code(options.locale.tag()));
    if methods.is_empty() {
        return Err(provider_error("OneEntry offers no payment account", false));
    }
    Ok(DirectStart::Accounts { status, methods })
}

/// The current try's status (pending when there is none, or when it is over: the next `pay`
/// makes a new order), then the project's payment accounts.
async fn accounts_and_status(
    requests: &Requests,
    project: &OneEntryProject,
    kept: &mut Kept,
) -> Result<(Vec<PaymentAccount>, PaymentStatus), CheckoutError> {
    let mut status = PaymentStatus::Pending;
    if let Some((order_id, _)) = kept.order() {
        status = latest_session(requests, project, kept, order_id).await?.map_or(status, |s| session_status(&s));
        if rules::try_is_over(status) {
            kept.forget_order();
            status = PaymentStatus::Pending;
        }
    }
    let accounts = as_user(requests, project, kept, &|api, token| api.accounts(token)).await?;
    let accounts: Vec<PaymentAccount> = read_answer(accounts, "payment accounts")?;
    Ok((accounts, status))
}

/// The order for this try (made for the chosen account, priced by OneEntry and refused when
/// that is not the amount shown), then its session's `paymentUrl`; a cash account places the
/// order. A session whose page is not there yet is [`PayOutcome::NotReady`]: the flow reads
/// again after a pause.
pub async fn pay(
    requests: &Requests,
    options: &WidgetOptions,
    project: &OneEntryProject,
    method_id: &str,
) -> Result<PayOutcome, CheckoutError> {
    let order = mounted_order(options)?;
    let mut kept = load(options).ok_or_else(signed_out)?;
    let order_id = match rules::order_for_account(kept.order(), method_id) {
        Some(id) => id,
        None => {
            let form = rules::order_form(
                &rules::FormMarkers::default(),
                &order.id,
                options.customer.email.as_deref(),
                options.customer.phone.as_deref(),
            );
            let products = rules::product_lines(&order.items);
            let new_order = NewOrder {
                storage_marker: &project.orders_storage,
                form_identifier: &project.order_form,
                payment_account_identifier: method_id,
                form_data: &form,
                products: &products,
            };
            let created =
                as_user(requests, project, &mut kept, &|api, token| api.create_order(&new_order, token)).await;
            let created = match created {
                Ok(created) => created,
                Err(e) => {
                    save(options, &kept);
                    return Err(e);
                }
            };
            let created: CreatedOrder = match read_answer(created, "order") {
                Ok(created) => created,
                Err(e) => {
                    save(options, &kept);
                    return Err(e);
                }
            };
            let id = created.id;
            if rules::check_price(created.total_sum.as_ref().map(|t| t.0.as_str()), order.amount, order.currency)
                .is_err()
            {
                save(options, &kept);
                return Err(CheckoutError::new(
                    ErrorCode::ConfigError,
                    "OneEntry prices the order differently from order.amount",
                    false,
                ));
            }
            kept.order_id = Some(id);
            kept.method = Some(method_id.to_owned());
            id
        }
    };
    save(options, &kept);
    if oneentry::is_cash(method_id) {
        return Ok(PayOutcome::Placed);
    }
    let mut session = latest_session(requests, project, &mut kept, order_id).await?;
    if let Some(s) = &session {
        let status = session_status(s);
        if status != PaymentStatus::Pending {
            save(options, &kept);
            return Err(CheckoutError::new(
                ErrorCode::BackendError,
                format!("this order is already {}", status.as_str()),
                false,
            ));
        }
    }
    // An account that opens its own session (PayPal) is waited for, never given a second one.
    if session.is_none() && rules::may_open_session(method_id, &rules::OWN_SESSION_ACCOUNTS) {
        let created = as_user(requests, project, &mut kept, &|api, token| api.create_session(order_id, token)).await;
        session = Some(created.and_then(|s| read_answer(s, "session"))?);
    }
    save(options, &kept);
    Ok(match session.and_then(|s| s.payment_url) {
        Some(url) => PayOutcome::Redirect(RedirectTarget { url, method: Method::Get, fields: vec![] }),
        None => PayOutcome::NotReady,
    })
}

/// The newest session of this try's order.
pub async fn status(
    requests: &Requests,
    options: &WidgetOptions,
    project: &OneEntryProject,
) -> Result<PaymentStatus, CheckoutError> {
    let mut kept = load(options).ok_or_else(|| provider_error("this browser holds no OneEntry order for it", false))?;
    let (order_id, _) = kept.order().ok_or_else(|| provider_error("no OneEntry order yet", false))?;
    let session = latest_session(requests, project, &mut kept, order_id).await?;
    save(options, &kept);
    Ok(session.map_or(PaymentStatus::Pending, |s| session_status(&s)))
}
