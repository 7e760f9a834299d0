//! Bereke Bank (RBS gateway) emulator, mounted at `/bereke` (docs/providers.md).
//!
//! `/payment/rest/*.do` take `userName` + `password` as form fields (POST) or query
//! parameters (GET) and always answer HTTP 200 with JSON; failures are a string `errorCode`
//! other than `"0"` (1 reused order number, 3 unknown currency, 4 missing parameter, 5 access
//! denied or wrong value, 6 unknown order, 7 wrong order state). `formUrl` is the hosted page
//! (`hosted.rs`); callbacks are GET with the HMAC-SHA256 checksum (`callbacks.rs`).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::ids::{now_ms, uuid};
use crate::page::form_decode;
use crate::store::StoreError;
use crate::{Answer, Sandbox};

mod callbacks;
mod hosted;

pub use hosted::TEST_CARDS;

const PROVIDER: &str = "bereke";
/// Order kind in the store.
pub(crate) const KIND: &str = "rbs_order";
/// How long a registered order can be paid (`sessionTimeoutSecs` default, 20 minutes).
const DEFAULT_SESSION_SECS: i64 = 1200;

pub fn router(sb: Arc<Sandbox>) -> Router<Arc<Sandbox>> {
    Router::new()
        .route("/payment/rest/{method}", any(rest))
        .merge(hosted::router())
        .layer(middleware::from_fn_with_state(sb, faults))
}

async fn faults(State(sb): State<Arc<Sandbox>>, req: Request, next: Next) -> Response {
    crate::control::apply_http_fault(&sb, PROVIDER, req, next, |status| {
        (status, Json(json!({"errorCode": "7", "errorMessage": "Системная ошибка"}))).into_response()
    })
    .await
}

/// An RBS error answer (always HTTP 200).
fn rbs_error(code: &str, message: &str) -> Response {
    Json(json!({"errorCode": code, "errorMessage": message})).into_response()
}

fn store_failed(e: &StoreError) -> Response {
    tracing::error!(error = %e, "sandbox store");
    rbs_error("7", "Системная ошибка")
}

/// Request parameters: the query plus a form body, as RBS reads both.
struct Params(Vec<(String, String)>);

impl Params {
    fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
    }
}

async fn rest(
    State(sb): State<Arc<Sandbox>>,
    Path(method): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut pairs = query.as_deref().map(form_decode).unwrap_or_default();
    let is_form = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if is_form || (!body.is_empty() && !body.starts_with(b"{")) {
        pairs.extend(form_decode(&String::from_utf8_lossy(&body)));
    }
    let p = Params(pairs);
    let known = matches!(
        method.as_str(),
        "register.do"
            | "registerPreAuth.do"
            | "getOrderStatusExtended.do"
            | "getOrderStatus.do"
            | "deposit.do"
            | "reverse.do"
            | "decline.do"
            | "refund.do"
    );
    if !known {
        return (StatusCode::NOT_FOUND, "Not Found").into_response();
    }
    let m = &sb.config.bereke;
    if p.get("userName") != Some(m.user_name.as_str()) || p.get("password") != Some(m.password.as_str()) {
        return rbs_error("5", "Доступ запрещён.");
    }
    match method.as_str() {
        "register.do" => register(&sb, &p, false),
        "registerPreAuth.do" => register(&sb, &p, true),
        "getOrderStatusExtended.do" => status(&sb, &p, true).unwrap_or_else(|refused| refused),
        "getOrderStatus.do" => status(&sb, &p, false).unwrap_or_else(|refused| refused),
        "deposit.do" => deposit(&sb, &p).unwrap_or_else(|refused| refused),
        "reverse.do" => reverse(&sb, &p).unwrap_or_else(|refused| refused),
        "decline.do" => decline(&sb, &p).unwrap_or_else(|refused| refused),
        _ => refund(&sb, &p).unwrap_or_else(|refused| refused),
    }
}

/// ISO 4217 numeric codes the sandbox merchant accepts.
fn known_currency(code: &str) -> Option<&'static str> {
    match code {
        "398" => Some("KZT"),
        "643" => Some("RUB"),
        "840" => Some("USD"),
        "978" => Some("EUR"),
        _ => None,
    }
}

fn register(sb: &Sandbox, p: &Params, pre_auth: bool) -> Response {
    let Some(order_number) = p.get("orderNumber") else {
        return rbs_error("4", "Номер заказа не может быть пуст");
    };
    // RBS's table lists "invalid order number" under errorCode 1, beside "already
    // processed" and "registered but not paid" [GUESS: that a too long one is answered so].
    if order_number.is_empty() || order_number.chars().count() > sb.config.bereke.max_order_number_len {
        return rbs_error("1", "Неверный номер заказа");
    }
    let Some(amount) = p.get("amount") else {
        return rbs_error("4", "Сумма заказа не может быть пустой");
    };
    let amount = match amount.parse::<i64>() {
        Ok(a) if a > 0 => a,
        _ => return rbs_error("5", "Неверная сумма"),
    };
    let Some(return_url) = p.get("returnUrl") else {
        return rbs_error("4", "URL возврата не может быть пуст");
    };
    let currency = p.get("currency").unwrap_or("398");
    if known_currency(currency).is_none() {
        return rbs_error("3", "Неизвестная валюта");
    }
    let json_params: Value = match p.get("jsonParams") {
        Some(raw) => match serde_json::from_str::<Value>(raw) {
            Ok(v @ Value::Object(_)) => v,
            _ => return rbs_error("5", "Неверный формат jsonParams"),
        },
        None => json!({}),
    };
    let language = match p.get("language") {
        None => "ru",
        Some(l) if sb.config.bereke.languages.iter().any(|have| have == l) => l,
        Some(_) => return rbs_error("5", "Неверный язык"),
    };
    let session_secs = p.get("sessionTimeoutSecs").and_then(|s| s.parse::<i64>().ok()).unwrap_or(DEFAULT_SESSION_SECS);
    let md_order = uuid();
    let now = now_ms();
    let order = json!({
        "mdOrder": md_order,
        "orderNumber": order_number,
        "amount": amount,
        "currency": currency,
        "returnUrl": return_url,
        "failUrl": p.get("failUrl"),
        "description": p.get("description").unwrap_or(""),
        "language": language,
        "preAuth": pre_auth,
        "clientId": p.get("clientId"),
        "email": p.get("email"),
        "phone": p.get("phone"),
        "jsonParams": json_params,
        "date": now,
        "expiresMs": now + session_secs.clamp(60, 86_400 * 30) * 1000,
        "orderStatus": 0,
        "actionCode": -100,
        "actionCodeDescription": "",
        "approvedAmount": 0,
        "depositedAmount": 0,
        "refundedAmount": 0,
        "card": null,
    });
    match sb.store.insert(KIND, &md_order, None, Some(order_number), &order) {
        Ok(()) => {
            Json(json!({"orderId": md_order, "formUrl": hosted::form_url(sb, &md_order, language)})).into_response()
        }
        Err(StoreError::Duplicate) => match sb.store.list(KIND, Some(order_number), None) {
            Ok(existing) if existing.first().is_some_and(|o| o["orderStatus"] == 0) => {
                rbs_error("1", "Заказ с таким номером был зарегистрирован, но не был оплачен")
            }
            _ => rbs_error("1", "Заказ с таким номером уже обработан"),
        },
        Err(e) => store_failed(&e),
    }
}

/// The order named by `orderId` or `orderNumber`, with an expired session applied.
fn find_order(sb: &Sandbox, p: &Params) -> Result<Value, Response> {
    let found = match (p.get("orderId"), p.get("orderNumber")) {
        (Some(id), _) => sb.store.get(KIND, id),
        (None, Some(number)) => sb.store.list(KIND, Some(number), None).map(|v| v.into_iter().next()),
        (None, None) => return Err(rbs_error("1", "Ожидался orderId или orderNumber")),
    };
    match found {
        Ok(Some(order)) => Ok(expire_if_due(sb, order)),
        Ok(None) => Err(rbs_error("6", "Заказ не найден")),
        Err(e) => Err(store_failed(&e)),
    }
}

/// An unpaid order whose session ran out is declined with action code -2007.
pub(crate) fn expire_if_due(sb: &Sandbox, mut order: Value) -> Value {
    if order["orderStatus"] == 0 && order["expiresMs"].as_i64().is_some_and(|e| e < now_ms()) {
        order["orderStatus"] = json!(6);
        order["actionCode"] = json!(-2007);
        order["actionCodeDescription"] = json!("Истёк срок ожидания ввода данных.");
        if let Some(id) = order["mdOrder"].as_str() {
            if let Err(e) = sb.store.update(KIND, id, &order) {
                tracing::error!(error = %e, "expiring sandbox order");
            }
        }
    }
    order
}

fn payment_state(order: &Value) -> &'static str {
    match order["orderStatus"].as_i64() {
        Some(0) => "CREATED",
        Some(1) => "APPROVED",
        Some(2) => "DEPOSITED",
        Some(3) => "REVERSED",
        Some(4) => "REFUNDED",
        Some(5) => "STARTED",
        _ => "DECLINED",
    }
}

fn status(sb: &Sandbox, p: &Params, extended: bool) -> Answer {
    let order = find_order(sb, p)?;
    let card = &order["card"];
    if !extended {
        return Ok(Json(json!({
            "OrderStatus": order["orderStatus"],
            "ErrorCode": "0",
            "ErrorMessage": "Успешно",
            "OrderNumber": order["orderNumber"],
            "Pan": card["maskedPan"],
            "expiration": card["expiration"],
            "cardholderName": card["cardholderName"],
            "Amount": order["amount"],
            "currency": order["currency"],
            "approvalCode": card["approvalCode"],
            "Ip": "127.0.0.1",
        }))
        .into_response());
    }
    let merchant_params: Vec<Value> = order["jsonParams"]
        .as_object()
        .map(|m| m.iter().map(|(k, v)| json!({"name": k, "value": v})).collect())
        .unwrap_or_default();
    let mut answer = json!({
        "errorCode": "0",
        "errorMessage": "Успешно",
        "orderNumber": order["orderNumber"],
        "orderStatus": order["orderStatus"],
        "actionCode": order["actionCode"],
        "actionCodeDescription": order["actionCodeDescription"],
        "amount": order["amount"],
        "currency": order["currency"],
        "date": order["date"],
        "orderDescription": order["description"],
        "ip": "127.0.0.1",
        "merchantOrderParams": merchant_params,
        "transactionAttributes": [],
        "attributes": [{"name": "mdOrder", "value": order["mdOrder"]}],
        "terminalId": "TOLEM001",
        "paymentAmountInfo": {
            "paymentState": payment_state(&order),
            "approvedAmount": order["approvedAmount"],
            "depositedAmount": order["depositedAmount"],
            "refundedAmount": order["refundedAmount"],
            "feeAmount": 0,
            "totalAmount": order["amount"],
        },
        "bankInfo": {"bankName": "SANDBOX BANK", "bankCountryCode": "KZ", "bankCountryName": "Казахстан"},
        "chargeback": false,
    });
    if card.is_object() {
        answer["cardAuthInfo"] = card.clone();
        answer["authDateTime"] = order["authDateTime"].clone();
        answer["authRefNum"] = order["authRefNum"].clone();
    }
    Ok(Json(answer).into_response())
}

/// Saves `order` and answers `{"errorCode":"0"}`, sending the callback for `operation`.
fn settle(sb: &Sandbox, order: &Value, operation: &str) -> Response {
    let Some(id) = order["mdOrder"].as_str() else {
        return rbs_error("7", "Системная ошибка");
    };
    if let Err(e) = sb.store.update(KIND, id, order) {
        return store_failed(&e);
    }
    callbacks::send(sb, order, operation, true);
    Json(json!({"errorCode": "0", "errorMessage": "Успешно"})).into_response()
}

fn amount_param(p: &Params) -> Result<i64, Response> {
    match p.get("amount").map(str::parse::<i64>) {
        None => Ok(0),
        Some(Ok(a)) if a >= 0 => Ok(a),
        Some(_) => Err(rbs_error("5", "Неверная сумма")),
    }
}

fn deposit(sb: &Sandbox, p: &Params) -> Result<Response, Response> {
    let mut order = find_order(sb, p)?;
    let amount = amount_param(p)?;
    if order["orderStatus"] != 1 {
        return Err(rbs_error("7", "Неверное состояние заказа для завершения"));
    }
    let approved = order["approvedAmount"].as_i64().unwrap_or(0);
    let take = if amount == 0 { approved } else { amount };
    if take > approved {
        return Err(rbs_error("5", "Сумма завершения превышает сумму предавторизации"));
    }
    order["orderStatus"] = json!(2);
    order["depositedAmount"] = json!(take);
    Ok(settle(sb, &order, "deposited"))
}

fn reverse(sb: &Sandbox, p: &Params) -> Result<Response, Response> {
    let mut order = find_order(sb, p)?;
    if !(order["orderStatus"] == 1 || order["orderStatus"] == 2) || order["refundedAmount"].as_i64() != Some(0) {
        return Err(rbs_error("7", "Неверное состояние заказа для отмены"));
    }
    order["orderStatus"] = json!(3);
    order["depositedAmount"] = json!(0);
    Ok(settle(sb, &order, "reversed"))
}

/// `decline.do`: the merchant closes an order nobody paid; its page then refuses the card.
/// RBS documents no callback for it, so none is sent.
fn decline(sb: &Sandbox, p: &Params) -> Result<Response, Response> {
    let mut order = find_order(sb, p)?;
    if order["orderStatus"] != 0 {
        return Err(rbs_error("7", "Неверное состояние заказа для отклонения"));
    }
    order["orderStatus"] = json!(6);
    order["actionCode"] = json!(-2014);
    order["actionCodeDescription"] = json!("Заказ отклонён продавцом.");
    let Some(id) = order["mdOrder"].as_str() else {
        return Err(rbs_error("7", "Системная ошибка"));
    };
    if let Err(e) = sb.store.update(KIND, id, &order) {
        return Err(store_failed(&e));
    }
    Ok(Json(json!({"errorCode": "0", "errorMessage": "Успешно"})).into_response())
}

fn refund(sb: &Sandbox, p: &Params) -> Result<Response, Response> {
    let mut order = find_order(sb, p)?;
    let amount = amount_param(p)?;
    if order["orderStatus"] != 2 {
        return Err(rbs_error("7", "Неверное состояние заказа для возврата"));
    }
    let deposited = order["depositedAmount"].as_i64().unwrap_or(0);
    let refunded = order["refundedAmount"].as_i64().unwrap_or(0);
    let give = if amount == 0 { deposited - refunded } else { amount };
    if give <= 0 || refunded + give > deposited {
        return Err(rbs_error("5", "Сумма возврата превышает сумму списания"));
    }
    order["refundedAmount"] = json!(refunded + give);
    if refunded + give == deposited {
        order["orderStatus"] = json!(4);
    }
    Ok(settle(sb, &order, "refunded"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payment_states_follow_order_status() {
        for (status, state) in [(0, "CREATED"), (1, "APPROVED"), (2, "DEPOSITED"), (3, "REVERSED"), (6, "DECLINED")] {
            assert_eq!(payment_state(&json!({ "orderStatus": status })), state);
        }
        assert_eq!(known_currency("398"), Some("KZT"));
        assert_eq!(known_currency("999"), None);
    }
}
