//! The Payment Page's card form, its 3-D Secure step, the outcome, the callback and the
//! redirect back to the merchant.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use axum::Form;
use serde_json::{json, Value};

use super::{signer, KIND, OPENED};
use crate::deliver::{self, Outgoing};
use crate::ids::{ecommpay_now, now_ms, secret_hex};
use crate::page::Msg;
use crate::page::{self, see_other, three_ds_form, three_ds_passed, CardForm, CardInput, TestCard};
use crate::{Answer, Sandbox};

const LABEL: &str = "ECommPay";

/// What paying with a test card does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The payment goes through and the sandbox notifies the backend.
    Success,
    /// 3-D Secure first.
    ThreeDs,
    /// The issuer declines the card and the sandbox reports the payment failed.
    Decline,
}

/// The test cards; any other number succeeds.
pub const TEST_CARDS: [TestCard<Outcome>; 4] = [
    TestCard { pan: "4000000000000077", shown: Msg::CardSuccess, outcome: Outcome::Success },
    TestCard { pan: "4314220000000056", shown: Msg::CardThreeDs, outcome: Outcome::ThreeDs },
    TestCard { pan: "4000000000000002", shown: Msg::CardDeclined, outcome: Outcome::Decline },
    TestCard { pan: "5555555555555599", shown: Msg::CardSuccess, outcome: Outcome::Success },
];

/// The card form for a payment.
pub fn form(payment: &Value, error: Option<Msg>) -> Response {
    let payment_id = payment["payment_id"].as_str().unwrap_or_default();
    CardForm {
        provider: LABEL,
        action: "payment",
        amount: payment["amount"].as_i64().unwrap_or(0),
        currency: payment["currency"].as_str().unwrap_or(""),
        description: payment["description"].as_str().unwrap_or(""),
        error,
        hidden: &[("payment_id", payment_id)],
        offer_save: false,
        test_cards: &TestCard::listed(&TEST_CARDS),
    }
    .render()
}

fn opened(sb: &Sandbox, payment_id: &str) -> Result<Value, Response> {
    match sb.store.get(KIND, &super::key(payment_id)) {
        // A page past its `best_before` can no longer be paid.
        Ok(Some(p)) if p["status"] == OPENED && p["best_before_ms"].as_i64().is_some_and(|b| b <= now_ms()) => {
            Err(page::message(LABEL, Msg::Closed, Msg::ClosedText))
        }
        Ok(Some(p)) if p["status"] == OPENED || p["status"] == "awaiting 3ds result" => Ok(p),
        Ok(Some(p)) if p["status"] == "success" || p["status"] == "awaiting capture" => {
            Err(page::message(LABEL, Msg::AlreadyPaid, Msg::AlreadyPaidText))
        }
        Ok(Some(_)) => Err(page::message(LABEL, Msg::Closed, Msg::ClosedText)),
        Ok(None) => Err(page::message(LABEL, Msg::NotFound, Msg::NotFoundText)),
        Err(e) => {
            tracing::error!(error = %e, "sandbox store");
            Err(page::message(LABEL, Msg::Error, Msg::StoreFailure))
        }
    }
}

/// `POST /payment`: Pay, Decline or Cancel.
pub async fn submit(State(sb): State<Arc<Sandbox>>, Form(f): Form<HashMap<String, String>>) -> Answer {
    let payment_id = f.get("payment_id").cloned().unwrap_or_default();
    let mut payment = opened(&sb, &payment_id)?;
    let card = CardInput::from_form(&f);
    Ok(match f.get("action").map(String::as_str) {
        Some("cancel") => {
            let url = payment["return_url"].as_str().or(payment["fail_url"].as_str());
            match url {
                Some(u) => see_other(u),
                None => page::message(LABEL, Msg::Cancelled, Msg::CancelledText),
            }
        }
        Some("decline") => finish(&sb, payment, &card, false),
        Some("pay") => {
            if let Err(problem) = card.check() {
                return Ok(form(&payment, Some(problem)));
            }
            match TestCard::outcome(&TEST_CARDS, &card.pan, Outcome::Success) {
                Outcome::Decline => finish(&sb, payment, &card, false),
                Outcome::ThreeDs => {
                    payment["status"] = json!("awaiting 3ds result");
                    payment["pending_card"] = json!({"pan": card.pan, "exp": card.exp, "holder": card.holder});
                    if let Err(e) = sb.store.update(KIND, &super::key(&payment_id), &payment) {
                        return Err(super::store_failed(&e));
                    }
                    let acs = format!("{}/ecommpay/payment/acs", sb.config.public_base);
                    three_ds_form(LABEL, &acs, &[("payment_id", &payment_id)])
                }
                Outcome::Success => finish(&sb, payment, &card, true),
            }
        }
        _ => form(&payment, Some(Msg::ChooseAction)),
    })
}

/// `POST /payment/acs`: the 3-D Secure password.
pub async fn acs(State(sb): State<Arc<Sandbox>>, Form(f): Form<HashMap<String, String>>) -> Response {
    let payment_id = f.get("payment_id").cloned().unwrap_or_default();
    let payment = match sb.store.get(KIND, &super::key(&payment_id)) {
        Ok(Some(p)) if p["status"] == "awaiting 3ds result" => p,
        _ => return page::message(LABEL, Msg::NotFound, Msg::NotFoundText),
    };
    let pending = &payment["pending_card"];
    let card = CardInput {
        pan: pending["pan"].as_str().unwrap_or_default().to_owned(),
        exp: pending["exp"].as_str().unwrap_or_default().to_owned(),
        holder: pending["holder"].as_str().unwrap_or_default().to_owned(),
        ..CardInput::default()
    };
    finish(&sb, payment, &card, three_ds_passed(&f))
}

fn finish(sb: &Sandbox, mut payment: Value, card: &CardInput, approved: bool) -> Response {
    let auth = payment["operation_type"] == "auth";
    let status = match (approved, auth) {
        (true, true) => "awaiting capture",
        (true, false) => "success",
        (false, _) => "decline",
    };
    let (month, year) = card.exp.split_once('/').unwrap_or(("", ""));
    payment["status"] = json!(status);
    payment["account"] = json!({
        "number": page::masked(&card.pan),
        "type": page::card_brand(&card.pan).to_ascii_lowercase(),
        "card_holder": card.holder,
        "expiry_month": month,
        "expiry_year": format!("20{year}"),
    });
    if let Some(map) = payment.as_object_mut() {
        map.remove("pending_card");
    }
    let operation = if auth { "auth" } else { "sale" };
    payment["operations"] = json!([new_operation(&payment, operation, if approved { "success" } else { "decline" })]);
    let id = payment["payment_id"].as_str().unwrap_or_default().to_owned();
    if let Err(e) = sb.store.update(KIND, &super::key(&id), &payment) {
        return super::store_failed(&e);
    }
    send_callback(sb, &payment);
    let url = if approved { payment["success_url"].as_str() } else { payment["fail_url"].as_str() }
        .or(payment["return_url"].as_str());
    match url {
        Some(u) => see_other(u),
        None if approved => page::message(LABEL, Msg::Successful, Msg::SuccessfulText),
        None => page::message(LABEL, Msg::Declined, Msg::DeclinedText),
    }
}

/// A Gate operation record.
pub fn new_operation(payment: &Value, kind: &str, status: &str) -> Value {
    let digits: String = secret_hex().bytes().filter(u8::is_ascii_digit).map(char::from).take(6).collect();
    let sum = json!({"amount": payment["amount"], "currency": payment["currency"]});
    let (code, message) = if status == "decline" { ("20105", "General decline") } else { ("0", "Success") };
    json!({
        "id": 5_028_800_000_000_000_i64 + now_ms() % 10_000_000_000,
        "type": kind,
        "status": status,
        "date": ecommpay_now(),
        "created_date": ecommpay_now(),
        "request_id": secret_hex(),
        "sum_initial": sum,
        "sum_converted": sum,
        "provider": {"id": 6, "payment_id": now_ms().to_string(), "date": ecommpay_now(), "auth_code": format!("{digits:0>6}"), "endpoint_id": 6},
        "code": code,
        "message": message,
    })
}

/// The callback / status body of a payment (format "1" of the docs), unsigned.
pub fn payment_body(sb: &Sandbox, payment: &Value) -> Value {
    let last_operation = payment["operations"].as_array().and_then(|ops| ops.last()).cloned().unwrap_or(Value::Null);
    let mut body = json!({
        "project_id": sb.config.ecommpay.project_id,
        "payment": {
            "id": payment["payment_id"],
            "type": "purchase",
            "status": payment["status"],
            "date": ecommpay_now(),
            "method": "card",
            "sum": {"amount": payment["amount"], "currency": payment["currency"]},
            "description": payment["description"],
        },
        "account": payment["account"],
        "customer": {"id": payment["customer_id"]},
        "operation": last_operation,
    });
    if payment["status"] == "decline" {
        body["errors"] = json!([{"code": "20105", "message": "General decline"}]);
    }
    drop_nulls(&mut body);
    body
}

/// ECommPay leaves out what it does not know rather than sending `null` (ECommPay's own JS
/// SDK cannot even read a callback with a `null` in it: it recurses into every object).
fn drop_nulls(value: &mut Value) {
    if let Value::Object(map) = value {
        map.retain(|_, v| !v.is_null());
        map.values_mut().for_each(drop_nulls);
        map.retain(|_, v| !v.as_object().is_some_and(serde_json::Map::is_empty));
    }
}

/// Signs and POSTs the callback to the payment's (or the project's) callback URL.
pub fn send_callback(sb: &Sandbox, payment: &Value) {
    let url = payment["callback_url"].as_str().map(str::to_owned).or_else(|| sb.config.ecommpay.callback_url.clone());
    let Some(url) = url else {
        return;
    };
    let mut body = payment_body(sb, payment);
    let signature = signer::sign(&body, &sb.config.ecommpay.secret);
    body["signature"] = json!(signature);
    deliver::send(
        sb,
        Outgoing {
            provider: "ecommpay",
            event: payment["status"].as_str().unwrap_or_default().to_owned(),
            url,
            body: Some(body.to_string()),
            headers: vec![("content-type", "application/json".to_owned())],
        },
    );
}
