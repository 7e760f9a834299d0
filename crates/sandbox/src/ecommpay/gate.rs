//! Gate API: payment status, and capture / cancel of an authorised (held) payment.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::hosted::{new_operation, payment_body, send_callback};
use super::{error_response, signed_request, KIND, OPENED};
use crate::ids::secret_hex;
use crate::{Answer, Sandbox};

/// The payment named in `general.payment_id`, if the Gate knows it (a page that was only
/// opened is not a Gate payment yet).
fn known_payment(sb: &Sandbox, request: &Value) -> Result<Value, Response> {
    let general = &request["general"];
    let id = general["payment_id"].as_str().unwrap_or_default();
    match sb.store.get(KIND, &super::key(id)) {
        Ok(Some(p)) if p["status"] != OPENED => Ok(p),
        Ok(_) => Err(error_response(
            StatusCode::BAD_REQUEST,
            "3061",
            "payment_id",
            "Transaction not found",
            "Payment with this payment_id was not found",
            general,
        )),
        Err(e) => Err(super::store_failed(&e)),
    }
}

/// `POST /v2/payment/status`: the payment, in a callback's shape, unsigned.
pub async fn status(State(sb): State<Arc<Sandbox>>, body: Bytes) -> Answer {
    let request = signed_request(&sb, &body)?;
    let payment = known_payment(&sb, &request)?;
    Ok(Json(payment_body(&sb, &payment)).into_response())
}

/// `POST /v2/payment/card/capture`.
pub async fn capture(State(sb): State<Arc<Sandbox>>, Path(method): Path<String>, body: Bytes) -> Answer {
    settle(&sb, &method, &body, "capture", "success").await
}

/// `POST /v2/payment/card/cancel`.
pub async fn cancel(State(sb): State<Arc<Sandbox>>, Path(method): Path<String>, body: Bytes) -> Answer {
    settle(&sb, &method, &body, "cancel", "cancelled").await
}

async fn settle(sb: &Sandbox, method: &str, body: &Bytes, operation: &str, new_status: &str) -> Answer {
    let request = signed_request(sb, body)?;
    let mut payment = known_payment(sb, &request)?;
    let general = &request["general"];
    // The operation is addressed by the payment's method, as ECommPay's plugins address it.
    let paid_with = payment["method"].as_str().unwrap_or("card");
    if method != paid_with {
        return Err(error_response(
            StatusCode::BAD_REQUEST,
            "3030",
            "payment_id",
            "Operation is not allowed for the payment method",
            &format!("the payment was made with {paid_with}, not {method}"),
            general,
        ));
    }
    if payment["status"] != "awaiting capture" {
        return Err(error_response(
            StatusCode::BAD_REQUEST,
            "3028",
            "payment_id",
            "Operation is not allowed for the payment status",
            &format!("payment status is {}", payment["status"].as_str().unwrap_or_default()),
            general,
        ));
    }
    if operation == "capture" {
        let requested = request["payment"]["amount"].as_i64();
        if requested.is_some_and(|a| Some(a) != payment["amount"].as_i64()) {
            return Err(error_response(
                StatusCode::BAD_REQUEST,
                "3029",
                "payment.amount",
                "Partial capture is not supported by the sandbox",
                "",
                general,
            ));
        }
    }
    payment["status"] = json!(new_status);
    let op = new_operation(&payment, operation, "success");
    if let Some(ops) = payment["operations"].as_array_mut() {
        ops.push(op);
    }
    let id = payment["payment_id"].as_str().unwrap_or_default().to_owned();
    sb.store.update(KIND, &super::key(&id), &payment).map_err(|e| super::store_failed(&e))?;
    send_callback(sb, &payment);
    Ok(Json(json!({
        "status": "success",
        "request_id": secret_hex(),
        "project_id": sb.config.ecommpay.project_id,
        "payment_id": id,
    }))
    .into_response())
}
