//! ioka API v2 emulator (docs/providers.md), mounted at `/ioka`.
//!
//! Server endpoints take `API-KEY`; browser endpoints take `X-Public-Key` plus the order or
//! customer access token. Every answer carries an `x-trace-id` header, errors are
//! `{"code", "message"}`, creates answer 201, a duplicate `external_id` answers 409.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};

use crate::ids::{ioka_now, new_id, secret_hex};
use crate::store::StoreError;
use crate::{Answer, Sandbox};

mod hosted;
pub use hosted::TEST_CARDS;
mod webhooks;

const PROVIDER: &str = "ioka";

pub fn router(sb: Arc<Sandbox>) -> Router<Arc<Sandbox>> {
    let cors = tower_http::cors::CorsLayer::new()
        .allow_origin(tower_http::cors::AllowOrigin::mirror_request())
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderName::from_static("x-public-key"),
            axum::http::HeaderName::from_static("x-order-access-token"),
            axum::http::HeaderName::from_static("x-customer-access-token"),
        ])
        .expose_headers([axum::http::HeaderName::from_static("x-trace-id")]);
    Router::new()
        .route("/v2/customers", post(create_customer).get(search_customers))
        .route("/v2/customers/{customer_id}", get(get_customer))
        .route("/v2/customers/{customer_id}/cards", get(customer_cards))
        .route("/v2/customers/{customer_id}/cards/{card_id}", axum::routing::delete(delete_card))
        .route("/v2/orders", post(create_order).get(search_orders))
        .route("/v2/orders/{order_id}", get(get_order))
        .route("/v2/orders/{order_id}/capture", post(capture_order))
        .route("/v2/orders/{order_id}/cancel", post(cancel_order))
        .route("/v2/orders/{order_id}/payments/card", post(pay_with_saved_card))
        .route("/v2/orders/{order_id}/payments/{payment_id}", get(get_payment))
        .route("/v2/webhooks", post(create_webhook).get(list_webhooks))
        .merge(hosted::router())
        .layer(middleware::from_fn_with_state(sb, faults_and_trace))
        .layer(cors)
}

/// Scripted faults first, then the handler; every answer gets an `x-trace-id`.
async fn faults_and_trace(State(sb): State<Arc<Sandbox>>, req: Request, next: Next) -> Response {
    sb.faults.count_request(PROVIDER, req.method().as_str(), req.uri().path());
    let fault = sb.faults.take_http(PROVIDER, req.method().as_str(), req.uri().path());
    let mut response = match fault {
        Some(rule) => {
            if let Some(ms) = rule.latency_ms {
                tokio::time::sleep(Duration::from_millis(ms)).await;
            }
            if let Some(status) = rule.status {
                let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                if rule.malformed {
                    (status, "<html><body>upstream error").into_response()
                } else {
                    error(status, "BadGateway", "injected fault")
                }
            } else if rule.malformed {
                let inner = next.run(req).await;
                let status = inner.status();
                (status, [("content-type", "application/json")], "{\"order\": {\"id\": \"ord_").into_response()
            } else {
                crate::control::answer_late(next.run(req).await, rule.answer_after_ms).await
            }
        }
        None => next.run(req).await,
    };
    if let Ok(v) = HeaderValue::from_str(&secret_hex()[..32]) {
        response.headers_mut().insert("x-trace-id", v);
    }
    response
}

pub(crate) fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (status, axum::Json(json!({"code": code, "message": message}))).into_response()
}

fn created(v: Value) -> Response {
    (StatusCode::CREATED, axum::Json(v)).into_response()
}

fn ok(v: Value) -> Response {
    (StatusCode::OK, axum::Json(v)).into_response()
}

fn store_failed(e: &StoreError) -> Response {
    tracing::error!(error = %e, "sandbox store");
    error(StatusCode::INTERNAL_SERVER_ERROR, "InternalError", "sandbox store failure")
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

fn server_auth(sb: &Sandbox, h: &HeaderMap) -> Result<(), Response> {
    match header(h, "api-key") {
        Some(k) if k == sb.config.ioka.api_key => Ok(()),
        _ => Err(error(StatusCode::UNAUTHORIZED, "Unauthorized", "Invalid API-KEY")),
    }
}

/// Server key, or public key plus the object's access token in `token_header`.
fn server_or_browser_auth(sb: &Sandbox, h: &HeaderMap, token_header: &str, object: &Value) -> Result<(), Response> {
    if server_auth(sb, h).is_ok() {
        return Ok(());
    }
    let public_ok = header(h, "x-public-key") == Some(sb.config.ioka.public_key.as_str());
    let token_ok = header(h, token_header).is_some_and(|t| Some(t) == object["access_token"].as_str());
    if public_ok && token_ok {
        Ok(())
    } else {
        Err(error(StatusCode::UNAUTHORIZED, "Unauthorized", "Invalid credentials"))
    }
}

fn parse_json(body: &Bytes) -> Result<Value, Response> {
    match serde_json::from_slice::<Value>(body) {
        Ok(v @ Value::Object(_)) => Ok(v),
        _ => Err(error(StatusCode::BAD_REQUEST, "InvalidRequest", "Request body is not a JSON object")),
    }
}

fn optional_string(v: &Value, field: &str, max: usize) -> Result<Option<String>, Response> {
    match &v[field] {
        Value::Null => Ok(None),
        Value::String(s) if s.chars().count() <= max => Ok(Some(s.clone())),
        _ => Err(error(StatusCode::BAD_REQUEST, "InvalidRequest", &format!("{field}: invalid value"))),
    }
}

// ---- customers ----

async fn create_customer(State(sb): State<Arc<Sandbox>>, headers: HeaderMap, body: Bytes) -> Answer {
    server_auth(&sb, &headers)?;
    let input = parse_json(&body)?;
    let field = |f: &str| optional_string(&input, f, if f == "back_url" { 2083 } else { 255 });
    let (external_id, email, phone) = (field("external_id")?, field("email")?, field("phone")?);
    field("back_url")?;
    let id = new_id("cus");
    let token = format!("{id}_secret_{}", secret_hex());
    let customer = json!({
        "id": id,
        "shop_id": sb.config.ioka.shop_id,
        "external_id": external_id,
        "email": email,
        "phone": phone,
        "created_at": ioka_now(),
        "status": "READY",
        "accounts": [],
        "access_token": token,
    });
    match sb.store.insert("customer", &id, None, external_id.as_deref(), &customer) {
        Ok(()) => Ok(created(json!({"customer": customer, "customer_access_token": token}))),
        Err(StoreError::Duplicate) => {
            Err(error(StatusCode::CONFLICT, "CustomerExists", "Customer with this external_id already exists"))
        }
        Err(e) => Err(store_failed(&e)),
    }
}

#[derive(serde::Deserialize)]
struct SearchQuery {
    external_id: Option<String>,
    page: Option<usize>,
    limit: Option<usize>,
}

fn paged(items: Vec<Value>, q: &SearchQuery) -> Response {
    let total = items.len();
    let limit = q.limit.unwrap_or(10).clamp(1, 1000);
    let page = q.page.unwrap_or(1).max(1);
    let slice: Vec<Value> = items.into_iter().skip((page - 1) * limit).take(limit).collect();
    let mut r = ok(Value::Array(slice));
    if let Ok(v) = HeaderValue::from_str(&total.to_string()) {
        r.headers_mut().insert("x-count", v);
    }
    r
}

async fn search_customers(
    State(sb): State<Arc<Sandbox>>,
    headers: HeaderMap,
    Query(q): Query<SearchQuery>,
) -> Response {
    if let Err(r) = server_auth(&sb, &headers) {
        return r;
    }
    match sb.store.list("customer", q.external_id.as_deref(), None) {
        Ok(items) => paged(items, &q),
        Err(e) => store_failed(&e),
    }
}

async fn get_customer(State(sb): State<Arc<Sandbox>>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if let Err(r) = server_auth(&sb, &headers) {
        return r;
    }
    match sb.store.get("customer", &id) {
        Ok(Some(c)) => ok(c),
        Ok(None) => error(StatusCode::NOT_FOUND, "CustomerNotFound", "Customer not found"),
        Err(e) => store_failed(&e),
    }
}

/// A saved card as the API shows it (`ExtendedCard`), without the sandbox's own fields.
fn card_view(card: &Value) -> Value {
    let mut v = card.clone();
    if let Some(map) = v.as_object_mut() {
        map.remove("sandbox_pan");
    }
    v
}

/// A payment as the API shows it (`ExtendedPayment`), without the card a 3-D Secure step is
/// to save.
fn payment_view(payment: &Value) -> Value {
    let mut v = payment.clone();
    if let Some(map) = v.as_object_mut() {
        map.remove("save_card");
    }
    v
}

/// The customer, if the request carries what the OpenAPI asks for the customer's cards:
/// the customer's `X-Customer-Access-Token`, with the `API-KEY` (or, from the browser, the
/// `X-Public-Key`). A key without the token is refused.
fn customer_with_token(sb: &Sandbox, headers: &HeaderMap, id: &str) -> Result<Value, Response> {
    let customer = match sb.store.get("customer", id) {
        Ok(Some(c)) => c,
        Ok(None) => {
            server_auth(sb, headers)?;
            return Err(error(StatusCode::NOT_FOUND, "CustomerNotFound", "Customer not found"));
        }
        Err(e) => return Err(store_failed(&e)),
    };
    let token_ok =
        header(headers, "x-customer-access-token").is_some_and(|t| Some(t) == customer["access_token"].as_str());
    let key_ok =
        server_auth(sb, headers).is_ok() || header(headers, "x-public-key") == Some(sb.config.ioka.public_key.as_str());
    if !(token_ok && key_ok) {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "API-KEY (or X-Public-Key) and X-Customer-Access-Token are required",
        ));
    }
    Ok(customer)
}

async fn customer_cards(State(sb): State<Arc<Sandbox>>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if let Err(r) = customer_with_token(&sb, &headers, &id) {
        return r;
    }
    match sb.store.list("card", None, Some(&id)) {
        Ok(cards) => ok(Value::Array(cards.iter().map(card_view).collect())),
        Err(e) => store_failed(&e),
    }
}

/// `DELETE /v2/customers/{id}/cards/{card_id}`: the OpenAPI asks the `API-KEY` and the
/// customer's token both (the browser's public key is not enough); 204, or 404 when the
/// customer has no such card.
async fn delete_card(
    State(sb): State<Arc<Sandbox>>,
    headers: HeaderMap,
    Path((id, card_id)): Path<(String, String)>,
) -> Response {
    if let Err(r) = server_auth(&sb, &headers).and_then(|()| customer_with_token(&sb, &headers, &id)) {
        return r;
    }
    match sb.store.get("card", &card_id) {
        Ok(Some(card)) if card["customer_id"] == id.as_str() => match sb.store.delete("card", &card_id) {
            Ok(_) => StatusCode::NO_CONTENT.into_response(),
            Err(e) => store_failed(&e),
        },
        Ok(_) => error(StatusCode::NOT_FOUND, "CardNotFound", "Card not found"),
        Err(e) => store_failed(&e),
    }
}

/// `POST /v2/orders/{id}/payments/card` with `CustomerCard` `{customer_id, card_id, cvc?}`
/// (`API-KEY`): pays an `UNPAID` order with a card saved for the order's customer. What
/// happens is what the saved test card does on the hosted page: paid (or held), 3-D Secure
/// first (`REQUIRES_ACTION` with `action.url`), or declined. A card that needs its CVC is
/// refused without one. 201 with the payment in every case the payment was made.
async fn pay_with_saved_card(
    State(sb): State<Arc<Sandbox>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Answer {
    server_auth(&sb, &headers)?;
    let request = parse_json(&body)?;
    let field = |name: &str| request.get(name).and_then(Value::as_str).filter(|v| !v.is_empty());
    let (Some(customer_id), Some(card_id)) = (field("customer_id"), field("card_id")) else {
        return Err(error(StatusCode::BAD_REQUEST, "ValidationError", "customer_id and card_id are required"));
    };
    let order = match sb.store.get("order", &id).map_err(|e| store_failed(&e))? {
        Some(o) => o,
        None => return Err(error(StatusCode::NOT_FOUND, "OrderNotFound", "Order not found")),
    };
    if order["status"] != "UNPAID" {
        return Err(error(StatusCode::BAD_REQUEST, "OrderNotPayable", "The order cannot be paid"));
    }
    if order["customer_id"] != customer_id {
        return Err(error(StatusCode::BAD_REQUEST, "CustomerMismatch", "The order belongs to another customer"));
    }
    let card = match sb.store.get("card", card_id).map_err(|e| store_failed(&e))? {
        Some(c) if c["customer_id"] == customer_id && c["status"] == "APPROVED" => c,
        _ => return Err(error(StatusCode::NOT_FOUND, "CardNotFound", "Card not found")),
    };
    let cvc_given = field("cvc").is_some_and(|c| (3..=4).contains(&c.len()) && c.bytes().all(|b| b.is_ascii_digit()));
    if card["cvc_required"] != false && !cvc_given {
        return Err(error(StatusCode::BAD_REQUEST, "CvcRequired", "This card is paid with its CVC"));
    }
    let pan = card["sandbox_pan"].as_str().unwrap_or_default();
    let input = crate::page::CardInput {
        pan: pan.to_owned(),
        exp: card["expiry_date"].as_str().unwrap_or_default().to_owned(),
        holder: card["holder"].as_str().unwrap_or_default().to_owned(),
        ..crate::page::CardInput::default()
    };
    let mut payment = hosted::new_payment(&order, &input);
    payment["payer"]["card_id"] = json!(card_id);
    let payment = match hosted::outcome_for(pan) {
        hosted::Outcome::ThreeDs => {
            let pid = hosted::require_action(&sb, &order, payment)?;
            sb.store.get("payment", &pid).map_err(|e| store_failed(&e))?.unwrap_or_default()
        }
        hosted::Outcome::Success => hosted::settle(&sb, order, payment, Ok(()))?.1,
        hosted::Outcome::Decline(code) => hosted::settle(&sb, order, payment, Err(code))?.1,
    };
    Ok(created(payment_view(&payment)))
}

// ---- orders ----

/// `OrderOut` as the API shows it.
fn order_view(o: &Value) -> Value {
    let mut v = o.clone();
    if let Some(map) = v.as_object_mut() {
        map.remove("attempts_left");
    }
    v
}

async fn create_order(State(sb): State<Arc<Sandbox>>, headers: HeaderMap, body: Bytes) -> Answer {
    server_auth(&sb, &headers)?;
    let input = parse_json(&body)?;
    let invalid = |m: &str| error(StatusCode::BAD_REQUEST, "InvalidRequest", m);
    let amount = match input["amount"].as_i64() {
        Some(a) if a >= 100 && input["amount"].is_i64() => a,
        _ => return Err(invalid("amount: must be an integer >= 100")),
    };
    let currency = match &input["currency"] {
        Value::Null => "KZT".to_owned(),
        Value::String(c) if c == "KZT" => c.clone(),
        _ => return Err(invalid("currency: value is not a valid enumeration member; permitted: 'KZT'")),
    };
    let capture_method = match &input["capture_method"] {
        Value::Null => "AUTO".to_owned(),
        Value::String(c) if c == "AUTO" || c == "MANUAL" => c.clone(),
        _ => return Err(invalid("capture_method: permitted: 'AUTO', 'MANUAL'")),
    };
    let attempts = match &input["attempts"] {
        Value::Null => 10,
        v => match v.as_i64() {
            Some(n) if (1..=50).contains(&n) => n,
            _ => return Err(invalid("attempts: must be between 1 and 50")),
        },
    };
    let mut strings = Vec::new();
    for (field, max) in [
        ("external_id", 255),
        ("description", 1024),
        ("customer_id", 64),
        ("card_id", 64),
        ("back_url", 2083),
        ("success_url", 2083),
        ("failure_url", 2083),
        ("mcc", 4),
        ("template", 64),
        ("due_date", 64),
    ] {
        strings.push(optional_string(&input, field, max)?);
    }
    let [external_id, description, customer_id, card_id, back_url, success_url, failure_url, mcc, template, due_date] =
        match <[Option<String>; 10]>::try_from(strings) {
            Ok(a) => a,
            Err(_) => return Err(invalid("invalid body")),
        };
    if external_id.as_deref() == Some("") {
        return Err(invalid("external_id: ensure this value has at least 1 characters"));
    }
    if let Some(cid) = &customer_id {
        match sb.store.get("customer", cid) {
            Ok(Some(_)) => {}
            Ok(None) => return Err(error(StatusCode::NOT_FOUND, "CustomerNotFound", "Customer not found")),
            Err(e) => return Err(store_failed(&e)),
        }
    }
    let id = new_id("ord");
    let token = format!("{id}_secret_{}", secret_hex());
    let order = json!({
        "id": id,
        "shop_id": sb.config.ioka.shop_id,
        "status": "UNPAID",
        "created_at": ioka_now(),
        "amount": amount,
        "currency": currency,
        "capture_method": capture_method,
        "external_id": external_id,
        "description": description,
        "extra_info": input.get("extra_info").cloned().unwrap_or(Value::Null),
        "attempts": attempts,
        "due_date": due_date,
        "customer_id": customer_id,
        "card_id": card_id,
        "back_url": back_url,
        "success_url": success_url,
        "failure_url": failure_url,
        "template": template,
        "checkout_url": format!("{}/ioka/checkout/orders/{id}", sb.config.public_base),
        "access_token": token,
        "mcc": mcc,
        "features": input.get("features").cloned().unwrap_or(json!([])),
        "attempts_left": attempts,
    });
    match sb.store.insert("order", &id, customer_id.as_deref(), external_id.as_deref(), &order) {
        Ok(()) => Ok(created(json!({"order": order_view(&order), "order_access_token": token}))),
        Err(StoreError::Duplicate) => {
            Err(error(StatusCode::CONFLICT, "OrderExists", "Order with this external_id already exists"))
        }
        Err(e) => Err(store_failed(&e)),
    }
}

async fn search_orders(State(sb): State<Arc<Sandbox>>, headers: HeaderMap, Query(q): Query<SearchQuery>) -> Response {
    if let Err(r) = server_auth(&sb, &headers) {
        return r;
    }
    match sb.store.list("order", q.external_id.as_deref(), None) {
        Ok(items) => paged(items.iter().map(search_view).collect(), &q),
        Err(e) => store_failed(&e),
    }
}

/// `SearchOrderOut`: an order as a search lists it, without its `access_token` (the
/// OpenAPI's search schema has none; `GET /v2/orders/{id}` gives it).
fn search_view(o: &Value) -> Value {
    let mut v = order_view(o);
    if let Some(map) = v.as_object_mut() {
        map.remove("access_token");
    }
    v
}

/// `POST /v2/orders/{id}/capture` `{amount}` (API-KEY): takes all or part of the order's held
/// payment; the order is then `PAID` and `PAYMENT_CAPTURED` is sent.
async fn capture_order(
    State(sb): State<Arc<Sandbox>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    settle_order(&sb, &headers, &id, &body, true)
}

/// `POST /v2/orders/{id}/cancel` (API-KEY): releases the order's held payment; the payment is
/// `CANCELLED`, the order `UNPAID` again [GUESS: ioka documents no cancelled order status], and
/// `PAYMENT_CANCELLED` is sent.
async fn cancel_order(
    State(sb): State<Arc<Sandbox>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    settle_order(&sb, &headers, &id, &body, false)
}

fn settle_order(sb: &Sandbox, headers: &HeaderMap, id: &str, body: &Bytes, capture: bool) -> Response {
    if let Err(r) = server_auth(sb, headers) {
        return r;
    }
    let request = if body.is_empty() { Ok(json!({})) } else { parse_json(body) };
    let request = match request {
        Ok(r) => r,
        Err(r) => return r,
    };
    let mut order = match sb.store.get("order", id) {
        Ok(Some(o)) => o,
        Ok(None) => return error(StatusCode::NOT_FOUND, "OrderNotFound", "Order not found"),
        Err(e) => return store_failed(&e),
    };
    let held =
        sb.store.list("payment", None, Some(id)).unwrap_or_default().into_iter().find(|p| p["status"] == "APPROVED");
    let (Some(mut payment), true) = (held, order["status"] == "ON_HOLD") else {
        return error(StatusCode::BAD_REQUEST, "OrderHasNoApprovedPayment", "The order has no approved payment");
    };
    let approved = payment["approved_amount"].as_i64().unwrap_or(0);
    let event = if capture {
        let amount = match request.get("amount") {
            None => approved,
            Some(a) => match a.as_i64() {
                Some(a) if a > 0 && a <= approved => a,
                Some(a) if a > approved => {
                    return error(
                        StatusCode::BAD_REQUEST,
                        "PaymentCaptureAmountExceeded",
                        "The amount exceeds the approved amount",
                    )
                }
                _ => return error(StatusCode::BAD_REQUEST, "InvalidRequest", "amount: must be a positive integer"),
            },
        };
        payment["status"] = json!("CAPTURED");
        payment["captured_amount"] = json!(amount);
        order["status"] = json!("PAID");
        "PAYMENT_CAPTURED"
    } else {
        payment["status"] = json!("CANCELLED");
        order["status"] = json!("UNPAID");
        "PAYMENT_CANCELLED"
    };
    let pid = payment["id"].as_str().unwrap_or_default().to_owned();
    if let Err(e) = sb.store.update("payment", &pid, &payment).and_then(|()| sb.store.update("order", id, &order)) {
        return store_failed(&e);
    }
    webhooks::send_event(sb, event, &order, Some(&payment));
    ok(payment)
}

async fn get_order(State(sb): State<Arc<Sandbox>>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let order = match sb.store.get("order", &id) {
        Ok(Some(o)) => o,
        Ok(None) => {
            return match server_auth(&sb, &headers) {
                Ok(()) => error(StatusCode::NOT_FOUND, "OrderNotFound", "Order not found"),
                Err(r) => r,
            }
        }
        Err(e) => return store_failed(&e),
    };
    if let Err(r) = server_or_browser_auth(&sb, &headers, "x-order-access-token", &order) {
        return r;
    }
    ok(order_view(&order))
}

async fn get_payment(
    State(sb): State<Arc<Sandbox>>,
    headers: HeaderMap,
    Path((order_id, payment_id)): Path<(String, String)>,
) -> Response {
    let order = match sb.store.get("order", &order_id) {
        Ok(Some(o)) => o,
        Ok(None) => return error(StatusCode::NOT_FOUND, "OrderNotFound", "Order not found"),
        Err(e) => return store_failed(&e),
    };
    if let Err(r) = server_or_browser_auth(&sb, &headers, "x-order-access-token", &order) {
        return r;
    }
    match sb.store.get("payment", &payment_id) {
        Ok(Some(p)) if p["order_id"] == order["id"] => ok(payment_view(&p)),
        Ok(_) => error(StatusCode::NOT_FOUND, "PaymentNotFound", "Payment not found"),
        Err(e) => store_failed(&e),
    }
}

// ---- webhooks ----

async fn create_webhook(State(sb): State<Arc<Sandbox>>, headers: HeaderMap, body: Bytes) -> Answer {
    server_auth(&sb, &headers)?;
    let input = parse_json(&body)?;
    let url = match input["url"].as_str() {
        Some(u) if u.starts_with("http://") || u.starts_with("https://") => u.to_owned(),
        _ => return Err(error(StatusCode::BAD_REQUEST, "InvalidRequest", "url: invalid or missing URL")),
    };
    let events = match &input["events"] {
        Value::Array(e) if !e.is_empty() && e.iter().all(Value::is_string) => Value::Array(e.clone()),
        _ => return Err(error(StatusCode::BAD_REQUEST, "InvalidRequest", "events: must be a non-empty list")),
    };
    let id = new_id("whk");
    let hook =
        json!({"id": id, "url": url, "events": events, "created_at": ioka_now(), "active": true, "key": secret_hex()});
    sb.store.insert("webhook", &id, None, None, &hook).map_err(|e| store_failed(&e))?;
    Ok(created(hook))
}

async fn list_webhooks(State(sb): State<Arc<Sandbox>>, headers: HeaderMap) -> Response {
    if let Err(r) = server_auth(&sb, &headers) {
        return r;
    }
    match sb.store.list("webhook", None, None) {
        Ok(hooks) => ok(Value::Array(hooks)),
        Err(e) => store_failed(&e),
    }
}
