//! The hosted payment page at `checkout_url`: card form with **Pay**, **Decline** and
//! **Cancel**, the stage test cards, a 3-D Secure step, then the redirect to
//! `success_url` / `failure_url` / `back_url`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde_json::{json, Value};

use super::webhooks::send_event;
use crate::ids::{ioka_now, new_id};
use crate::page::Msg;
use crate::page::{self, card_brand, masked, see_other, three_ds_form, three_ds_passed, CardForm, CardInput, TestCard};
use crate::{Answer, Sandbox};

pub fn router() -> Router<Arc<Sandbox>> {
    Router::new()
        .route("/checkout/orders/{order_id}", get(page).post(submit))
        .route("/checkout/orders/{order_id}/3ds", get(three_ds_page).post(three_ds))
}

/// What paying with a test card does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Captured at once.
    Success,
    /// 3-D Secure first.
    ThreeDs,
    /// Declined with this ioka error code.
    Decline(&'static str),
}

/// The test cards; any other number succeeds.
pub const TEST_CARDS: [TestCard<Outcome>; 4] = [
    TestCard { pan: "5555555555555599", shown: Msg::CardSuccess, outcome: Outcome::Success },
    TestCard { pan: "4111111111111111", shown: Msg::CardThreeDs, outcome: Outcome::ThreeDs },
    TestCard {
        pan: "4444444444446666",
        shown: Msg::CardLimitExceeded,
        outcome: Outcome::Decline("CARD_LIMITATIONS_EXCEEDED"),
    },
    TestCard {
        pan: "4444444411111111",
        shown: Msg::CardInsufficientFunds,
        outcome: Outcome::Decline("NOT_ENOUGH_MONEY"),
    },
];

pub(super) fn outcome_for(pan: &str) -> Outcome {
    TestCard::outcome(&TEST_CARDS, pan, Outcome::Success)
}

const PROVIDER: &str = "ioka";

fn form(order: &Value, error: Option<Msg>) -> Response {
    let id = order["id"].as_str().unwrap_or_default();
    CardForm {
        provider: PROVIDER,
        action: id,
        amount: order["amount"].as_i64().unwrap_or(0),
        currency: order["currency"].as_str().unwrap_or("KZT"),
        description: order["description"].as_str().unwrap_or(""),
        error,
        hidden: &[],
        offer_save: true,
        test_cards: &TestCard::listed(&TEST_CARDS),
    }
    .render()
}

fn message(title: Msg, text: Msg) -> Response {
    page::message(PROVIDER, title, text)
}

async fn load_order(sb: &Sandbox, id: &str) -> Result<Value, Response> {
    match sb.store.get("order", id) {
        Ok(Some(o)) => Ok(o),
        Ok(None) => Err((StatusCode::NOT_FOUND, message(Msg::NotFound, Msg::NotFoundText)).into_response()),
        Err(e) => Err(super::store_failed(&e)),
    }
}

fn closed(order: &Value) -> Option<Response> {
    match order["status"].as_str() {
        Some("UNPAID") => None,
        Some("PAID") | Some("ON_HOLD") => Some(message(Msg::AlreadyPaid, Msg::AlreadyPaidText)),
        _ => Some(message(Msg::Closed, Msg::ClosedText)),
    }
}

/// The order, if it exists and can still be paid; otherwise the page to show instead.
async fn payable_order(sb: &Sandbox, id: &str) -> Result<Value, Response> {
    let order = load_order(sb, id).await?;
    match closed(&order) {
        Some(page) => Err(page),
        None => Ok(order),
    }
}

async fn page(State(sb): State<Arc<Sandbox>>, Path(id): Path<String>) -> Response {
    match payable_order(&sb, &id).await {
        Ok(order) => form(&order, None),
        Err(page) => page,
    }
}

/// Where the shopper goes: the specific URL, else `back_url`, else a result page.
fn go(order: &Value, specific: &str, title: Msg, text: Msg) -> Response {
    let url = order[specific].as_str().or_else(|| order["back_url"].as_str());
    match url {
        Some(u) => see_other(u),
        None => message(title, text),
    }
}

async fn submit(
    State(sb): State<Arc<Sandbox>>,
    Path(id): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Answer {
    let order = payable_order(&sb, &id).await?;
    let card = CardInput::from_form(&f);
    Ok(match f.get("action").map(String::as_str) {
        Some("cancel") => go(&order, "back_url", Msg::Cancelled, Msg::CancelledText),
        Some("decline") => {
            let payment = new_payment(&order, &card);
            finish(&sb, order, payment, Err("DECLINED_BY_ISSUER")).await
        }
        Some("pay") => {
            if let Err(problem) = card.check() {
                return Ok(form(&order, Some(problem)));
            }
            let mut payment = new_payment(&order, &card);
            match outcome_for(&card.pan) {
                Outcome::Success => {
                    save_card(&sb, &order, &card);
                    finish(&sb, order, payment, Ok(())).await
                }
                Outcome::Decline(code) => finish(&sb, order, payment, Err(code)).await,
                Outcome::ThreeDs => {
                    if card.save {
                        payment["save_card"] = json!({"pan": card.pan, "exp": card.exp, "holder": card.holder});
                    }
                    let pid = require_action(&sb, &order, payment)?;
                    three_ds_form(PROVIDER, &format!("{id}/3ds"), &[("payment_id", &pid)])
                }
            }
        }
        _ => form(&order, Some(Msg::ChooseAction)),
    })
}

/// Stores `payment` as waiting for 3-D Secure at this order's confirmation page (its
/// `action.url`) and sends `PAYMENT_ACTION_REQUIRED`; answers the payment id.
pub(super) fn require_action(sb: &Sandbox, order: &Value, mut payment: Value) -> Result<String, Response> {
    let id = order["id"].as_str().unwrap_or_default();
    let pid = payment["id"].as_str().unwrap_or_default().to_owned();
    payment["status"] = json!("REQUIRES_ACTION");
    payment["action"] =
        json!({"url": format!("{}/ioka/checkout/orders/{id}/3ds?payment_id={pid}", sb.config.public_base)});
    sb.store.insert("payment", &pid, Some(id), None, &payment).map_err(|e| super::store_failed(&e))?;
    send_event(sb, "PAYMENT_ACTION_REQUIRED", order, Some(&payment));
    Ok(pid)
}

/// `action.url`: the 3-D Secure page of a payment waiting for it (a saved card paid by id
/// opens it here; the hosted form shows the same form inline).
async fn three_ds_page(
    State(sb): State<Arc<Sandbox>>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Answer {
    let pid = q.get("payment_id").cloned().unwrap_or_default();
    waiting_payment(&sb, &id, &pid).await?;
    Ok(three_ds_form(PROVIDER, "3ds", &[("payment_id", &pid)]))
}

/// The payable order `id` and its payment `pid` waiting for 3-D Secure; otherwise the page
/// to show instead.
async fn waiting_payment(sb: &Sandbox, id: &str, pid: &str) -> Result<(Value, Value), Response> {
    let order = payable_order(sb, id).await?;
    match sb.store.get("payment", pid).map_err(|e| super::store_failed(&e))? {
        Some(p) if p["order_id"] == order["id"] && p["status"] == "REQUIRES_ACTION" => Ok((order, p)),
        _ => Err(message(Msg::NotFound, Msg::NotFoundText)),
    }
}

async fn three_ds(
    State(sb): State<Arc<Sandbox>>,
    Path(id): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Answer {
    let pid = f.get("payment_id").cloned().unwrap_or_default();
    let (order, payment) = waiting_payment(&sb, &id, &pid).await?;
    if three_ds_passed(&f) {
        if let (Some(pan), Some(exp)) = (payment["save_card"]["pan"].as_str(), payment["save_card"]["exp"].as_str()) {
            let holder = payment["save_card"]["holder"].as_str().unwrap_or_default().to_owned();
            let card =
                CardInput { pan: pan.to_owned(), exp: exp.to_owned(), holder, save: true, ..CardInput::default() };
            save_card(&sb, &order, &card);
        }
        Ok(finish(&sb, order, payment, Ok(())).await)
    } else {
        Ok(finish(&sb, order, payment, Err("DECLINED_BY_3DSEC")).await)
    }
}

pub(super) fn new_payment(order: &Value, card: &CardInput) -> Value {
    json!({
        "id": new_id("pay"),
        "order_id": order["id"],
        "status": "PENDING",
        "created_at": ioka_now(),
        "approved_amount": 0,
        "captured_amount": 0,
        "refunded_amount": 0,
        "processing_fee": 0.0,
        "payer": {
            "pan_masked": masked(&card.pan),
            "expiry_date": card.exp,
            "holder": card.holder,
            "payment_system": card_brand(&card.pan),
            "emitter": null,
            "email": null,
            "phone": null,
            "customer_id": order["customer_id"],
            "card_id": null
        },
        "error": null,
        "acquirer": {"name": "SANDBOX", "reference": null},
        "action": null
    })
}

fn save_card(sb: &Sandbox, order: &Value, card: &CardInput) {
    let (Some(customer_id), true) = (order["customer_id"].as_str(), card.save) else {
        return;
    };
    let id = new_id("crd");
    // `sandbox_pan` is the sandbox's own: it decides what paying with the card by its id
    // does (the test card's outcome), and no answer shows it (`card_view`).
    let card = json!({
        "id": id,
        "customer_id": customer_id,
        "created_at": ioka_now(),
        "pan_masked": masked(&card.pan),
        "expiry_date": card.exp,
        "holder": card.holder,
        "payment_system": card_brand(&card.pan),
        "emitter": "SANDBOX BANK",
        "cvc_required": sb.config.ioka.saved_cards_need_cvc,
        "error": null,
        "status": "APPROVED",
        "sandbox_pan": card.pan
    });
    if let Err(e) = sb.store.insert("card", &id, Some(customer_id), None, &card) {
        tracing::error!(error = %e, "saving sandbox card");
    }
}

/// Settles a payment (success or decline), updates the order, sends the webhook and
/// redirects the shopper.
async fn finish(sb: &Sandbox, order: Value, payment: Value, result: Result<(), &'static str>) -> Response {
    match settle(sb, order, payment, result) {
        Ok((order, _)) => match result {
            Ok(()) => go(&order, "success_url", Msg::Successful, Msg::SuccessfulText),
            Err(code) => go(&order, "failure_url", Msg::Declined, decline_page_text(code)),
        },
        Err(response) => response,
    }
}

/// Settles a payment (success or decline): stores it and the order, and sends the webhooks.
/// Answers the order and the payment as they now are.
pub(super) fn settle(
    sb: &Sandbox,
    mut order: Value,
    mut payment: Value,
    result: Result<(), &'static str>,
) -> Result<(Value, Value), Response> {
    let amount = order["amount"].as_i64().unwrap_or(0);
    let manual = order["capture_method"] == "MANUAL";
    if let Some(map) = payment.as_object_mut() {
        map.remove("save_card");
    }
    let event = match result {
        Ok(()) => {
            payment["status"] = json!(if manual { "APPROVED" } else { "CAPTURED" });
            payment["approved_amount"] = json!(amount);
            payment["captured_amount"] = json!(if manual { 0 } else { amount });
            payment["action"] = Value::Null;
            order["status"] = json!(if manual { "ON_HOLD" } else { "PAID" });
            if manual {
                "PAYMENT_APPROVED"
            } else {
                "PAYMENT_CAPTURED"
            }
        }
        Err(code) => {
            payment["status"] = json!("DECLINED");
            payment["action"] = Value::Null;
            payment["error"] = json!({"code": code, "message": decline_text(code)});
            let left = order["attempts_left"].as_i64().unwrap_or(1) - 1;
            order["attempts_left"] = json!(left);
            if left <= 0 {
                order["status"] = json!("EXPIRED");
            }
            "PAYMENT_DECLINED"
        }
    };
    let pid = payment["id"].as_str().unwrap_or_default().to_owned();
    let oid = order["id"].as_str().unwrap_or_default().to_owned();
    let stored = match sb.store.get("payment", &pid) {
        Ok(Some(_)) => sb.store.update("payment", &pid, &payment),
        _ => sb.store.insert("payment", &pid, Some(&oid), None, &payment),
    };
    if let Err(e) = stored.and_then(|()| sb.store.update("order", &oid, &order)) {
        return Err(super::store_failed(&e));
    }
    send_event(sb, event, &order, Some(&payment));
    if order["status"] == "EXPIRED" {
        send_event(sb, "ORDER_EXPIRED", &order, None);
    }
    Ok((order, payment))
}

/// The shopper's words for a decline code, on the page shown when there is no `failure_url`.
fn decline_page_text(code: &str) -> Msg {
    match code {
        "CARD_LIMITATIONS_EXCEEDED" => Msg::CardLimitExceeded,
        "NOT_ENOUGH_MONEY" => Msg::CardInsufficientFunds,
        _ => Msg::CardDeclined,
    }
}

fn decline_text(code: &str) -> &'static str {
    match code {
        "CARD_LIMITATIONS_EXCEEDED" => "Card limit for internet payments exceeded",
        "NOT_ENOUGH_MONEY" => "Not enough money on the card",
        "DECLINED_BY_3DSEC" => "3-D Secure authentication failed",
        _ => "Declined by the issuer",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_cards_map_to_outcomes() {
        assert!(matches!(outcome_for("4111111111111111"), Outcome::ThreeDs));
        assert!(matches!(outcome_for("4444444411111111"), Outcome::Decline("NOT_ENOUGH_MONEY")));
        assert!(matches!(outcome_for("5555555555555599"), Outcome::Success));
    }
}
