//! ECommPay emulator, mounted at `/ecommpay` (docs/providers.md).
//!
//! * `GET /payment?…&signature=…`: the Payment Page. The query is URL-decoded first, then the
//!   signature is checked over the decoded values exactly as ECommPay's SDKs compute it
//!   (either sort order), so a URL built by any official SDK works unchanged. A bad or
//!   missing signature or parameter answers 400 with `{"status":"error","errors":[…]}`.
//! * The page posts back to `/payment` (Pay / Decline / Cancel, 3-D Secure at `/payment/acs`),
//!   then redirects to `merchant_success_url` / `merchant_fail_url` / `merchant_return_url`
//!   (nothing appended) when the matching `merchant_*_enabled` switches it on, and POSTs the
//!   signed JSON callback.
//! * Gate: `POST /v2/payment/status`, `/v2/payment/{method}/capture` and `…/cancel` (the
//!   path names the payment's method: `card` for the page's card payments),
//!   signed requests (`general.signature`); answers are not signed (nothing public shows that
//!   they are, and ECommPay's plugins do not check).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use crate::page::form_decode;
use crate::store::StoreError;
use crate::Sandbox;

mod gate;
mod hosted;
pub mod signer;

pub use hosted::TEST_CARDS;

const PROVIDER: &str = "ecommpay";
/// Payment kind in the store.
pub(crate) const KIND: &str = "ep_payment";
/// The store key of a `payment_id`: ECommPay's reference says a payment id is
/// case-insensitive, so `A-1` and `a-1` are one payment.
pub(crate) fn key(payment_id: &str) -> String {
    payment_id.to_lowercase()
}

/// Internal status of a payment page opened but not submitted: the Gate does not know it yet.
const OPENED: &str = "opened";

/// Payment Page parameters that are booleans: the Python SDK puts `True`/`False` in the URL
/// but signs `1`/`0`, so they are normalised before checking.
const BOOLEAN_PARAMS: [&str; 6] =
    ["close_on_missclick", "redirect", "redirect_on_mobile", "force_acs_new_window", "recurring_register", "force_acs"];

pub fn router(sb: Arc<Sandbox>) -> Router<Arc<Sandbox>> {
    Router::new()
        .route("/payment", get(open_page).post(hosted::submit))
        .route("/payment/acs", post(hosted::acs))
        .route("/v2/payment/status", post(gate::status))
        .route("/v2/payment/{method}/capture", post(gate::capture))
        .route("/v2/payment/{method}/cancel", post(gate::cancel))
        .layer(middleware::from_fn_with_state(sb, faults))
}

async fn faults(State(sb): State<Arc<Sandbox>>, req: Request, next: Next) -> Response {
    crate::control::apply_http_fault(&sb, PROVIDER, req, next, |status| {
        error_response(status, "1", "", "Internal error", "injected fault", &Value::Null)
    })
    .await
}

/// ECommPay's error answer.
pub(crate) fn error_response(
    status: StatusCode,
    code: &str,
    field: &str,
    message: &str,
    description: &str,
    general: &Value,
) -> Response {
    let body = json!({
        "status": "error",
        "errors": [{"code": code, "field": field, "message": message, "description": description}],
        "project_id": general["project_id"],
        "payment_id": general["payment_id"],
    });
    (status, Json(body)).into_response()
}

fn bad_request(code: &str, field: &str, message: &str) -> Response {
    error_response(StatusCode::BAD_REQUEST, code, field, message, message, &Value::Null)
}

pub(crate) fn store_failed(e: &StoreError) -> Response {
    tracing::error!(error = %e, "sandbox store");
    error_response(StatusCode::INTERNAL_SERVER_ERROR, "1", "", "Internal error", "sandbox store failure", &Value::Null)
}

/// `GET /payment?…`: verify, record, show the card form.
async fn open_page(State(sb): State<Arc<Sandbox>>, RawQuery(query): RawQuery) -> Response {
    let mut params = Map::new();
    for (k, v) in form_decode(query.as_deref().unwrap_or_default()) {
        let v = if BOOLEAN_PARAMS.contains(&k.as_str()) {
            match v.as_str() {
                "True" | "true" => "1".to_owned(),
                "False" | "false" => "0".to_owned(),
                _ => v,
            }
        } else {
            v
        };
        params.insert(k, Value::String(v));
    }
    let Some(signature) = params.remove("signature").and_then(|v| v.as_str().map(str::to_owned)) else {
        return bad_request("1201", "signature", "Signature is required");
    };
    for field in ["project_id", "payment_id", "payment_amount", "payment_currency"] {
        if params.get(field).and_then(Value::as_str).is_none_or(str::is_empty) {
            return bad_request("1202", field, &format!("{field} is required"));
        }
    }
    let text = |k: &str| params.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
    if text("project_id") != sb.config.ecommpay.project_id.to_string() {
        return bad_request("1203", "project_id", "Project not found");
    }
    if !signer::verify(&Value::Object(params.clone()), &sb.config.ecommpay.secret, &signature) {
        return bad_request("1204", "signature", "Signature is invalid");
    }
    let amount = match text("payment_amount").parse::<i64>() {
        Ok(a) if a > 0 => a,
        _ => return bad_request("1205", "payment_amount", "payment_amount must be a positive integer"),
    };
    let currency = text("payment_currency");
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
        return bad_request("1206", "payment_currency", "payment_currency must be ISO 4217 alpha-3");
    }
    let best_before_ms = match params.get("best_before").and_then(Value::as_str) {
        None => None,
        Some(b) => match crate::ids::iso_to_ms(b) {
            Some(ms) if ms > crate::ids::now_ms() => Some(ms),
            Some(_) => return bad_request("1210", "best_before", "The payment page has expired"),
            None => return bad_request("1211", "best_before", "best_before must be an ISO 8601 date-time"),
        },
    };
    let ways_back = match ways_back(&params) {
        Ok(w) => w,
        Err(refused) => return refused,
    };
    let payment_id = text("payment_id");
    let operation = match params.get("operation_type").or(params.get("card_operation_type")).and_then(Value::as_str) {
        None | Some("sale") => "sale",
        Some("auth") => "auth",
        Some(_) => return bad_request("1207", "operation_type", "operation_type must be sale or auth"),
    };
    let existing = match sb.store.get(KIND, &key(&payment_id)) {
        Ok(p) => p,
        Err(e) => return store_failed(&e),
    };
    let payment = match existing {
        Some(p) if p["amount"] != amount || p["currency"] != currency.as_str() => {
            return bad_request("1208", "payment_id", "A payment with this payment_id exists with other data")
        }
        Some(p) if p["status"] == OPENED => p,
        Some(_) => return bad_request("1209", "payment_id", "Payment with this payment_id was already processed"),
        None => {
            let p = json!({
                "payment_id": payment_id,
                "amount": amount,
                "currency": currency,
                "description": text("payment_description"),
                "customer_id": params.get("customer_id"),
                "language": params.get("language_code"),
                "operation_type": operation,
                "success_url": ways_back["success"],
                "fail_url": ways_back["fail"],
                "return_url": ways_back["return"],
                "callback_url": params.get("merchant_callback_url"),
                "best_before_ms": best_before_ms,
                "status": OPENED,
            });
            match sb.store.insert(KIND, &key(&payment_id), None, None, &p) {
                Ok(()) | Err(StoreError::Duplicate) => p,
                Err(e) => return store_failed(&e),
            }
        }
    };
    hosted::form(&payment, None)
}

/// Where the page may send the shopper back after success, a decline and "back to the shop":
/// `merchant_<way>_url`, used only when `merchant_<way>_enabled` is `1` or `2` (the page is
/// opened on its own here, which is what `1` asks for). Absent or `0`, there is no way back
/// and the page shows its own result ([GUESS]: ECommPay documents the flag, not its default;
/// the emulator takes the strict reading). `merchant_<way>_redirect_mode` must be one of the
/// documented modes.
fn ways_back(params: &Map<String, Value>) -> Result<Map<String, Value>, Response> {
    let mut ways = Map::new();
    for way in ["success", "fail", "return"] {
        let get = |suffix: &str| params.get(&format!("merchant_{way}_{suffix}")).and_then(Value::as_str);
        if let Some(mode) = get("redirect_mode") {
            if !["iframe", "parent_page", "blank_page"].contains(&mode) {
                let field = format!("merchant_{way}_redirect_mode");
                return Err(bad_request("1212", &field, "redirect mode must be iframe, parent_page or blank_page"));
            }
        }
        let enabled = match get("enabled") {
            None | Some("0") => false,
            Some("1" | "2") => true,
            Some(_) => {
                let field = format!("merchant_{way}_enabled");
                return Err(bad_request("1213", &field, "must be 0, 1 or 2"));
            }
        };
        // The older `redirect_success_url` / `redirect_fail_url` still lead back as before.
        let legacy = params.get(&format!("redirect_{way}_url")).and_then(Value::as_str).filter(|_| way != "return");
        let url = get("url").filter(|_| enabled).or(legacy).map(|u| Value::String(u.to_owned()));
        ways.insert(way.to_owned(), url.unwrap_or(Value::Null));
    }
    Ok(ways)
}

/// Reads a signed Gate request body: JSON, `general.project_id` ours, signature valid.
pub(crate) fn signed_request(sb: &Sandbox, body: &Bytes) -> Result<Value, Response> {
    let mut value: Value = match serde_json::from_slice(body) {
        Ok(v @ Value::Object(_)) => v,
        _ => return Err(bad_request("1101", "", "Request body is not a JSON object")),
    };
    let general = value["general"].clone();
    let Some(signature) = signer::strip(&mut value) else {
        return Err(error_response(
            StatusCode::BAD_REQUEST,
            "1102",
            "signature",
            "Signature is required",
            "",
            &general,
        ));
    };
    if general["project_id"].as_i64() != Some(sb.config.ecommpay.project_id)
        && general["project_id"].as_str() != Some(&sb.config.ecommpay.project_id.to_string())
    {
        return Err(error_response(StatusCode::BAD_REQUEST, "1103", "project_id", "Project not found", "", &general));
    }
    if !signer::verify(&value, &sb.config.ecommpay.secret, &signature) {
        return Err(error_response(
            StatusCode::BAD_REQUEST,
            "1104",
            "signature",
            "Signature is invalid",
            "Signature is invalid",
            &general,
        ));
    }
    Ok(value)
}
