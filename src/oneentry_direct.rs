//! OneEntry straight from the browser. With `oneentry: { projectUrl, appToken }` the
//! shopper's sign-in goes to OneEntry itself ([`sign_in`]); with `direct: true` as well —
//! for storefronts built on OneEntry with no backend of their own — the widget makes the calls
//! OneEntry's own SDK makes from a storefront, with the project's app token and the shopper's
//! token — sign-in, payment accounts, the order (priced by OneEntry from its products), the
//! payment session, its status. A 401 refreshes the user's tokens once and retries once.
//!
//! The flow does not know: this module answers the `start`, `pay` and `status` effects in
//! place of the merchant backend. The user's tokens and the order of the current try are
//! kept in sessionStorage under `tolem:oneentry:{order id}`. Bodies are written with
//! [`oneentry::json_text`] and answers read with `Reflect`, so no JSON library is shipped.

use js_sys::{Array, Reflect};
use wasm_bindgen::JsValue;

use tolem_core::api::{
    OrderInfo, OrderSummary, PaymentMethod, RedirectTarget, SignInCredentials, StartAnswer, StartResponse, UserToken,
};
use tolem_core::error::{CheckoutError, ErrorCode, SIGN_IN_FAILED, SIGN_IN_REQUIRED};
use tolem_core::http::HttpRequest;
use tolem_core::money::minor_from_major;
use tolem_core::providers::oneentry::{
    self, json_text, AccountSummary, FormEntry, NewOrder, OneEntryApi, ProductLine, SessionStatusTable,
};
use tolem_core::status::PaymentStatus;

use crate::browser::{self, Requests};
use crate::checkout::PayOutcome;
use crate::options::{OneEntryProject, WidgetOptions};

/// What this browser remembers for one merchant order.
struct Stored {
    access_token: String,
    refresh_token: Option<String>,
    /// OneEntry's order for the current try, and the account it was made with.
    order: Option<(i64, String)>,
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

fn text(v: &JsValue, name: &str) -> Option<String> {
    Reflect::get(v, &name.into()).ok().and_then(|v| v.as_string())
}

fn number(v: &JsValue, name: &str) -> Option<f64> {
    Reflect::get(v, &name.into()).ok().and_then(|v| v.as_f64())
}

fn load(options: &WidgetOptions) -> Option<Stored> {
    let raw = browser::session_get(&key(options))?;
    let v = js_sys::JSON::parse(&raw).ok()?;
    let order = match (number(&v, "orderId"), text(&v, "method")) {
        (Some(id), Some(method)) => Some((id as i64, method)),
        _ => None,
    };
    Some(Stored { access_token: text(&v, "accessToken")?, refresh_token: text(&v, "refreshToken"), order })
}

fn save(options: &WidgetOptions, s: &Stored) {
    let mut json = format!(r#"{{"accessToken":{}"#, json_text(&s.access_token));
    if let Some(r) = &s.refresh_token {
        json.push_str(&format!(r#","refreshToken":{}"#, json_text(r)));
    }
    if let Some((id, method)) = &s.order {
        json.push_str(&format!(r#","orderId":{id},"method":{}"#, json_text(method)));
    }
    json.push('}');
    browser::session_set(&key(options), &json);
}

fn sign_in_required() -> CheckoutError {
    CheckoutError::from_backend_status(401, Some(SIGN_IN_REQUIRED), "please sign in")
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
    requests.json_value(req.method.as_str(), &req.url, &headers, req.body.clone(), true).await
}

fn unauthorized(e: &CheckoutError) -> bool {
    e.backend_code.as_deref() == Some("HTTP_401")
}

/// A per-user call: on 401, refresh once (the new tokens go into `stored`) and retry once.
async fn as_user(
    requests: &Requests,
    project: &OneEntryProject,
    stored: &mut Stored,
    build: &dyn Fn(&OneEntryApi<'_>, &str) -> HttpRequest,
) -> Result<JsValue, CheckoutError> {
    let metadata = metadata();
    let api = api(project, &metadata);
    match send(requests, build(&api, &stored.access_token)).await {
        Err(e) if unauthorized(&e) => {}
        other => return other,
    }
    let refresh = stored.refresh_token.clone().ok_or_else(sign_in_required)?;
    let fresh =
        send(requests, api.refresh(&refresh))
            .await
            .map_err(|e| if unauthorized(&e) { sign_in_required() } else { e })?;
    stored.access_token =
        text(&fresh, "accessToken").ok_or_else(|| provider_error("OneEntry refresh answered no token", true))?;
    stored.refresh_token = text(&fresh, "refreshToken");
    send(requests, build(&api, &stored.access_token)).await.map_err(|e| {
        if unauthorized(&e) {
            sign_in_required()
        } else {
            e
        }
    })
}

fn account(v: &JsValue) -> Option<AccountSummary> {
    let infos = Reflect::get(v, &"localizeInfos".into()).unwrap_or(JsValue::UNDEFINED);
    let titles = if infos.is_object() {
        js_sys::Object::entries(&infos.clone().into())
            .iter()
            .filter_map(|pair| {
                let pair: Array = pair.into();
                Some((pair.get(0).as_string()?, text(&pair.get(1), "title")?))
            })
            .collect()
    } else {
        Vec::new()
    };
    Some(AccountSummary {
        identifier: text(v, "identifier")?,
        kind: text(v, "type"),
        is_visible: Reflect::get(v, &"isVisible".into()).ok().and_then(|b| b.as_bool()).unwrap_or(true),
        title: text(&infos, "title"),
        titles,
    })
}

/// The newest session of an order (`getSessionByOrderId` answers an array or an object).
async fn latest_session(
    requests: &Requests,
    project: &OneEntryProject,
    stored: &mut Stored,
    order_id: i64,
) -> Result<Option<JsValue>, CheckoutError> {
    let answer = as_user(requests, project, stored, &|api, token| api.sessions_by_order(order_id, token)).await?;
    if !Array::is_array(&answer) {
        return Ok(answer.is_object().then_some(answer));
    }
    let sessions: Array = answer.into();
    Ok(sessions.iter().max_by(|a, b| number(a, "id").unwrap_or(0.0).total_cmp(&number(b, "id").unwrap_or(0.0))))
}

fn session_status(session: &JsValue) -> PaymentStatus {
    SessionStatusTable::default().map(&text(session, "status").unwrap_or_default())
}

/// Signs the shopper in at the OneEntry project (its app token is a public project token). A
/// refusal reads as the backend's `SIGN_IN_FAILED`, so the form says so.
pub async fn sign_in(
    requests: &Requests,
    project: &OneEntryProject,
    sign_in: &SignInCredentials,
) -> Result<UserToken, CheckoutError> {
    let metadata = metadata();
    match send(requests, api(project, &metadata).sign_in(&sign_in.email, &sign_in.password)).await {
        Ok(answer) => match (text(&answer, "accessToken"), text(&answer, "refreshToken")) {
            (Some(access_token), refresh_token) => Ok(UserToken { access_token, refresh_token }),
            (None, _) => Err(provider_error("OneEntry sign-in answered no accessToken", true)),
        },
        Err(e) if matches!(e.backend_code.as_deref(), Some("HTTP_400" | "HTTP_401" | "HTTP_403" | "HTTP_404")) => {
            Err(CheckoutError::from_backend_status(401, Some(SIGN_IN_FAILED), "wrong email or password"))
        }
        Err(e) => Err(e),
    }
}

/// In place of `POST /start`: who the shopper is (a sign-in, the page's token, or what this
/// browser kept), and the project's accounts as methods.
pub async fn start(
    requests: &Requests,
    options: &WidgetOptions,
    project: &OneEntryProject,
    sign_in: Option<SignInCredentials>,
) -> Result<StartAnswer, CheckoutError> {
    let kept = load(options);
    let (token, order) = match (sign_in, &options.user_token) {
        (Some(s), _) => (self::sign_in(requests, project, &s).await?, kept.and_then(|k| k.order)),
        (None, Some(t)) => (t.clone(), kept.and_then(|k| k.order)),
        (None, None) => match kept {
            Some(k) => (UserToken { access_token: k.access_token, refresh_token: k.refresh_token }, k.order),
            None => return Err(sign_in_required()),
        },
    };
    let mut stored = Stored { access_token: token.access_token, refresh_token: token.refresh_token, order };
    let mut status = PaymentStatus::Pending;
    if let Some((order_id, _)) = stored.order {
        status = match latest_session(requests, project, &mut stored, order_id).await? {
            Some(session) => session_status(&session),
            None => PaymentStatus::Pending,
        };
        if matches!(status, PaymentStatus::Failed | PaymentStatus::Cancelled | PaymentStatus::Expired) {
            // That try is over: the next one gets a new order.
            stored.order = None;
            status = PaymentStatus::Pending;
        }
    }
    let accounts = as_user(requests, project, &mut stored, &|api, token| api.accounts(token)).await?;
    save(options, &stored);
    let accounts: Vec<AccountSummary> = Array::from(&accounts).iter().filter_map(|a| account(&a)).collect();
    let methods: Vec<PaymentMethod> = oneentry::methods_from(&accounts, oneentry::lang_code(options.locale.tag()));
    if methods.is_empty() {
        return Err(provider_error("OneEntry offers no payment account", false));
    }
    let order = mounted_order(options)?;
    Ok(StartAnswer::Attempt(StartResponse {
        order: OrderSummary::of(order),
        attempt_id: format!("oneentry-{}", order.id),
        status,
        methods,
        tokens: Default::default(),
    }))
}

/// In place of `POST /pay`: the order for this try (priced by OneEntry, and refused when
/// that is not the amount shown), then its session and `paymentUrl`, read again while null;
/// a cash account places the order.
pub async fn pay(
    requests: &Requests,
    options: &WidgetOptions,
    project: &OneEntryProject,
    method_id: &str,
) -> Result<PayOutcome, CheckoutError> {
    let order = mounted_order(options)?;
    let mut stored = load(options).ok_or_else(sign_in_required)?;
    let order_id = match &stored.order {
        Some((id, method)) if method == method_id => *id,
        _ => {
            let mut form_data =
                vec![FormEntry { marker: "order_number".into(), value: order.id.clone(), kind: "string".into() }];
            for (marker, value) in [("email", &options.customer.email), ("phone", &options.customer.phone)] {
                if let Some(v) = value {
                    form_data.push(FormEntry { marker: marker.into(), value: v.clone(), kind: "string".into() });
                }
            }
            let products: Vec<ProductLine> =
                order.items.iter().map(|i| ProductLine { product_id: i.product_id, quantity: i.quantity }).collect();
            let new_order = NewOrder {
                storage_marker: &project.orders_storage,
                form_identifier: &project.order_form,
                payment_account_identifier: method_id,
                form_data: &form_data,
                products: &products,
            };
            let created =
                as_user(requests, project, &mut stored, &|api, token| api.create_order(&new_order, token)).await?;
            let id = number(&created, "id")
                .ok_or_else(|| provider_error("OneEntry created an order without an id", false))?
                as i64;
            let total = Reflect::get(&created, &"totalSum".into()).ok().and_then(|t| match t.as_string() {
                Some(s) => Some(s),
                // JSON's own spelling of the number: no Rust float formatting in the wasm.
                None if t.as_f64().is_some() => js_sys::JSON::stringify(&t).ok().and_then(|s| s.as_string()),
                None => None,
            });
            if total.and_then(|t| minor_from_major(&t, order.currency)) != Some(order.amount) {
                save(options, &stored);
                return Err(CheckoutError::new(
                    ErrorCode::ConfigError,
                    "OneEntry prices the order differently from order.amount",
                    false,
                ));
            }
            stored.order = Some((id, method_id.to_owned()));
            id
        }
    };
    save(options, &stored);
    if oneentry::is_cash(method_id) {
        return Ok(PayOutcome::Placed);
    }
    let mut session = latest_session(requests, project, &mut stored, order_id).await?;
    if let Some(s) = &session {
        let status = session_status(s);
        if status != PaymentStatus::Pending {
            save(options, &stored);
            return Err(CheckoutError::new(
                ErrorCode::BackendError,
                format!("this order is already {}", status.as_str()),
                false,
            ));
        }
    }
    if session.is_none() {
        session =
            Some(as_user(requests, project, &mut stored, &|api, token| api.create_session(order_id, token)).await?);
    }
    for _ in 0..6 {
        if let Some(url) = session.as_ref().and_then(|s| text(s, "paymentUrl")) {
            save(options, &stored);
            return Ok(PayOutcome::Redirect(RedirectTarget { url, method: "GET".into(), fields: vec![] }));
        }
        browser::sleep_ms(500).await;
        session = latest_session(requests, project, &mut stored, order_id).await?;
    }
    save(options, &stored);
    Err(provider_error("the OneEntry payment page is not ready yet", true))
}

/// In place of `GET /status`: the newest session of this try's order.
pub async fn status(
    requests: &Requests,
    options: &WidgetOptions,
    project: &OneEntryProject,
) -> Result<PaymentStatus, CheckoutError> {
    let mut stored =
        load(options).ok_or_else(|| provider_error("this browser holds no OneEntry order for it", false))?;
    let (order_id, _) = stored.order.clone().ok_or_else(|| provider_error("no OneEntry order yet", false))?;
    let session = latest_session(requests, project, &mut stored, order_id).await?;
    save(options, &stored);
    Ok(session.map_or(PaymentStatus::Pending, |s| session_status(&s)))
}
