//! The hosted payment page at `checkout_url`: card form with **Pay**, **Decline** and
//! **Cancel**, the stage test cards, a 3-D Secure step, then the redirect to
//! `success_url` / `failure_url` / `back_url`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde_json::{json, Value};

use super::webhooks::send_event;
use crate::ids::{ioka_now, new_id};
use crate::Sandbox;

pub fn router() -> Router<Arc<Sandbox>> {
    Router::new()
        .route("/checkout/orders/{order_id}", get(page).post(submit))
        .route("/checkout/orders/{order_id}/3ds", post(three_ds))
}

/// The stage test cards' ACS password.
const ACS_PASSWORD: &str = "12345678";

enum Outcome {
    Success,
    ThreeDs,
    Decline(&'static str),
}

fn luhn_ok(pan: &str) -> bool {
    if !(12..=19).contains(&pan.len()) || !pan.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = pan
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

fn outcome_for(pan: &str) -> Outcome {
    match pan {
        "4111111111111111" => Outcome::ThreeDs,
        "4444444444446666" => Outcome::Decline("CARD_LIMITATIONS_EXCEEDED"),
        "4444444411111111" => Outcome::Decline("NOT_ENOUGH_MONEY"),
        _ => Outcome::Success,
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

fn layout(title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<link rel=\"icon\" href=\"data:,\"><title>{title} · ioka sandbox</title><style>\
body{{font:16px/1.5 system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}}\
.banner{{background:#fff4ce;border:1px solid #c9a400;padding:.5rem;border-radius:6px;font-size:.875rem}}\
label{{display:block;margin-top:.75rem}}input{{font:inherit;padding:.4rem;width:100%;box-sizing:border-box}}\
.row{{display:flex;gap:.5rem;margin-top:1rem}}button{{font:inherit;padding:.5rem 1rem;border-radius:6px;border:1px solid #444;background:#fff;cursor:pointer}}\
button.primary{{background:#0b5cad;color:#fff;border-color:#0b5cad}}.amount{{font-size:1.5rem;font-weight:600}}.err{{color:#a00000}}\
</style></head><body><p class=\"banner\">ioka sandbox: no real money moves.</p>{body}</body></html>"
    );
    Html(html).into_response()
}

fn money(amount: i64, currency: &str) -> String {
    let major = amount / 100;
    let minor = amount % 100;
    let digits = major.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push('\u{202f}');
        }
        grouped.push(c);
    }
    if minor == 0 {
        format!("{grouped} {currency}")
    } else {
        format!("{grouped},{minor:02} {currency}")
    }
}

fn form(order: &Value, error: Option<&str>) -> Response {
    let id = order["id"].as_str().unwrap_or_default();
    let amount = money(order["amount"].as_i64().unwrap_or(0), order["currency"].as_str().unwrap_or("KZT"));
    let description = esc(order["description"].as_str().unwrap_or(""));
    let error = error.map(|e| format!("<p class=\"err\" role=\"alert\">{}</p>", esc(e))).unwrap_or_default();
    let body = format!(
        "<h1>Payment</h1><p class=\"amount\">{amount}</p><p>{description}</p>{error}\
<form method=\"post\" action=\"{id}\"><label>Card number<input name=\"pan\" inputmode=\"numeric\" autocomplete=\"cc-number\" value=\"5555555555555599\"></label>\
<label>Expiry (MM/YY)<input name=\"exp\" autocomplete=\"cc-exp\" value=\"12/30\"></label>\
<label>CVC<input name=\"cvc\" inputmode=\"numeric\" autocomplete=\"cc-csc\" value=\"123\"></label>\
<label>Card holder<input name=\"holder\" autocomplete=\"cc-name\" value=\"TEST HOLDER\"></label>\
<label><input type=\"checkbox\" name=\"save\" value=\"1\" style=\"width:auto\"> Save card</label>\
<div class=\"row\"><button class=\"primary\" name=\"action\" value=\"pay\">Pay</button>\
<button name=\"action\" value=\"decline\">Decline</button>\
<button name=\"action\" value=\"cancel\">Cancel</button></div></form>\
<p><small>Test cards: 5555555555555599 success · 4111111111111111 3-D Secure (password 12345678) · 4444444444446666 limit exceeded · 4444444411111111 not enough money</small></p>",
        id = esc(id)
    );
    layout("Payment", &body)
}

fn message(title: &str, text: &str) -> Response {
    layout(title, &format!("<h1>{}</h1><p role=\"status\">{}</p>", esc(title), esc(text)))
}

async fn load_order(sb: &Sandbox, id: &str) -> Result<Value, Response> {
    match sb.store.get("order", id) {
        Ok(Some(o)) => Ok(o),
        Ok(None) => Err((StatusCode::NOT_FOUND, message("Not found", "No such order.")).into_response()),
        Err(e) => Err(super::store_failed(&e)),
    }
}

fn closed(order: &Value) -> Option<Response> {
    match order["status"].as_str() {
        Some("UNPAID") => None,
        Some("PAID") | Some("ON_HOLD") => Some(message("Already paid", "This order has already been paid.")),
        _ => Some(message("Order closed", "This order can no longer be paid.")),
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
fn go(order: &Value, specific: &str, title: &str, text: &str) -> Response {
    let url = order[specific].as_str().or_else(|| order["back_url"].as_str());
    match url {
        Some(u) => (StatusCode::SEE_OTHER, [(header::LOCATION, u.to_owned())], super::empty()).into_response(),
        None => message(title, text),
    }
}

fn card_brand(pan: &str) -> &'static str {
    match pan.as_bytes().first() {
        Some(b'4') => "VISA",
        Some(b'5') | Some(b'2') => "MASTERCARD",
        _ => "UNKNOWN",
    }
}

fn masked(pan: &str) -> String {
    // Only a plausible card number is partly shown; anything else (the Decline button does
    // not validate the field) is hidden whole, and never sliced on a non-ASCII boundary.
    if pan.len() < 10 || !pan.bytes().all(|b| b.is_ascii_digit()) {
        return "*".repeat(pan.chars().count().min(19));
    }
    format!("{}{}{}", &pan[..6], "*".repeat(pan.len() - 10), &pan[pan.len() - 4..])
}

async fn submit(
    State(sb): State<Arc<Sandbox>>,
    Path(id): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let order = match payable_order(&sb, &id).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    let field = |k: &str| f.get(k).map(|s| s.trim().replace(' ', "")).unwrap_or_default();
    match f.get("action").map(String::as_str) {
        Some("cancel") => go(&order, "back_url", "Cancelled", "You cancelled the payment."),
        Some("decline") => {
            let payment = new_payment(&order, &field("pan"), &f);
            finish(&sb, order, payment, Err("DECLINED_BY_ISSUER")).await
        }
        Some("pay") => {
            let pan = field("pan");
            if !luhn_ok(&pan) {
                return form(&order, Some("Check the card number."));
            }
            let exp = field("exp");
            let exp_ok = exp.len() == 5
                && exp.as_bytes()[2] == b'/'
                && exp[..2].parse::<u8>().is_ok_and(|m| (1..=12).contains(&m));
            let cvc = field("cvc");
            if !exp_ok || !(3..=4).contains(&cvc.len()) || !cvc.bytes().all(|b| b.is_ascii_digit()) {
                return form(&order, Some("Check the expiry date and CVC."));
            }
            let mut payment = new_payment(&order, &pan, &f);
            match outcome_for(&pan) {
                Outcome::Success => {
                    save_card(&sb, &order, &pan, &exp, &f);
                    finish(&sb, order, payment, Ok(())).await
                }
                Outcome::Decline(code) => finish(&sb, order, payment, Err(code)).await,
                Outcome::ThreeDs => {
                    payment["status"] = json!("REQUIRES_ACTION");
                    let pid = payment["id"].as_str().unwrap_or_default().to_owned();
                    payment["action"] = json!({"url": format!("{}/ioka/checkout/orders/{}/3ds?payment_id={pid}", sb.config.public_base, id)});
                    if f.contains_key("save") {
                        payment["save_card"] = json!({"pan": pan, "exp": exp});
                    }
                    if let Err(e) = sb.store.insert("payment", &pid, Some(&id), None, &payment) {
                        return super::store_failed(&e);
                    }
                    send_event(&sb, "PAYMENT_ACTION_REQUIRED", &order, Some(&payment));
                    let body = format!(
                        "<h1>3-D Secure</h1><p>Enter the one-time password sent by your bank.</p>\
<form method=\"post\" action=\"{id}/3ds\"><input type=\"hidden\" name=\"payment_id\" value=\"{pid}\">\
<label>Password<input name=\"password\" autocomplete=\"one-time-code\" value=\"\"></label>\
<div class=\"row\"><button class=\"primary\" name=\"action\" value=\"confirm\">Confirm</button>\
<button name=\"action\" value=\"cancel\">Cancel</button></div></form>",
                        id = esc(&id),
                        pid = esc(&pid)
                    );
                    layout("3-D Secure", &body)
                }
            }
        }
        _ => form(&order, Some("Choose Pay, Decline or Cancel.")),
    }
}

async fn three_ds(
    State(sb): State<Arc<Sandbox>>,
    Path(id): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let order = match payable_order(&sb, &id).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    let pid = f.get("payment_id").cloned().unwrap_or_default();
    let payment = match sb.store.get("payment", &pid) {
        Ok(Some(p)) if p["order_id"] == order["id"] && p["status"] == "REQUIRES_ACTION" => p,
        Ok(_) => return message("Not found", "No such payment awaiting 3-D Secure."),
        Err(e) => return super::store_failed(&e),
    };
    let confirmed = f.get("action").map(String::as_str) == Some("confirm")
        && f.get("password").map(String::as_str) == Some(ACS_PASSWORD);
    if confirmed {
        if let (Some(pan), Some(exp)) = (payment["save_card"]["pan"].as_str(), payment["save_card"]["exp"].as_str()) {
            let mut form = HashMap::new();
            form.insert("save".to_owned(), "1".to_owned());
            save_card(&sb, &order, pan, exp, &form);
        }
        finish(&sb, order, payment, Ok(())).await
    } else {
        finish(&sb, order, payment, Err("DECLINED_BY_3DSEC")).await
    }
}

fn new_payment(order: &Value, pan: &str, f: &HashMap<String, String>) -> Value {
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
            "pan_masked": masked(pan),
            "expiry_date": f.get("exp").cloned(),
            "holder": f.get("holder").cloned(),
            "payment_system": card_brand(pan),
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

fn save_card(sb: &Sandbox, order: &Value, pan: &str, exp: &str, f: &HashMap<String, String>) {
    let (Some(customer_id), Some(_)) = (order["customer_id"].as_str(), f.get("save")) else {
        return;
    };
    let id = new_id("crd");
    let card = json!({
        "id": id,
        "customer_id": customer_id,
        "created_at": ioka_now(),
        "pan_masked": masked(pan),
        "expiry_date": exp,
        "holder": f.get("holder"),
        "payment_system": card_brand(pan),
        "emitter": "SANDBOX BANK",
        "cvc_required": true,
        "error": null,
        "status": "APPROVED"
    });
    if let Err(e) = sb.store.insert("card", &id, Some(customer_id), None, &card) {
        tracing::error!(error = %e, "saving sandbox card");
    }
}

/// Settles a payment (success or decline), updates the order, sends the webhook and
/// redirects the shopper.
async fn finish(sb: &Sandbox, mut order: Value, mut payment: Value, result: Result<(), &'static str>) -> Response {
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
        return super::store_failed(&e);
    }
    send_event(sb, event, &order, Some(&payment));
    if order["status"] == "EXPIRED" {
        send_event(sb, "ORDER_EXPIRED", &order, None);
    }
    match result {
        Ok(()) => go(&order, "success_url", "Payment successful", "The payment went through."),
        Err(code) => go(&order, "failure_url", "Payment declined", decline_text(code)),
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
    fn test_cards_pass_luhn_and_map_to_outcomes() {
        for pan in ["5555555555555599", "4111111111111111", "4444444444446666", "4444444411111111"] {
            assert!(luhn_ok(pan), "{pan}");
        }
        assert!(!luhn_ok("5555555555555598"));
        assert!(matches!(outcome_for("4111111111111111"), Outcome::ThreeDs));
        assert!(matches!(outcome_for("4444444411111111"), Outcome::Decline("NOT_ENOUGH_MONEY")));
        assert_eq!(masked("5555555555555599"), "555555******5599");
        assert_eq!(masked("ёёёёёёёёёёёё"), "************");
        assert_eq!(money(1_500_000, "KZT"), "15\u{202f}000 KZT");
    }
}
