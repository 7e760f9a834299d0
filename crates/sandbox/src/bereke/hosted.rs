//! The RBS hosted payment page at `formUrl`
//! (`/payment/merchants/{merchant}/payment_{lang}.html?mdOrder=…`): card form with **Pay**,
//! **Decline** and **Cancel**, a 3-D Secure step for the test card that needs it, then the
//! redirect to `returnUrl` (paid or held) or `failUrl` (declined or cancelled) with
//! `orderId` and `lang` appended.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde_json::{json, Value};

use super::{callbacks, expire_if_due, KIND};
use crate::ids::{now_ms, secret_hex};
use crate::page::Msg;
use crate::page::{self, append_query, see_other, three_ds_form, three_ds_passed, CardForm, CardInput, TestCard};
use crate::{Answer, Sandbox};

const LABEL: &str = "Bereke Bank";

/// The test cards; any other number succeeds.
pub const TEST_CARDS: [TestCard<Outcome>; 4] = [
    TestCard { pan: "5555555555555599", shown: Msg::CardSuccess, outcome: Outcome::Success },
    TestCard { pan: "4111111111111111", shown: Msg::CardThreeDs, outcome: Outcome::ThreeDs },
    TestCard {
        pan: "4444444444446666",
        shown: Msg::CardInsufficientFunds,
        outcome: Outcome::Decline(116, "Недостаточно средств на карте"),
    },
    TestCard {
        pan: "4444444411111111",
        shown: Msg::CardLimitExceeded,
        outcome: Outcome::Decline(2003, "Превышен лимит по карте"),
    },
];

pub fn router() -> Router<Arc<Sandbox>> {
    Router::new()
        .route("/payment/merchants/{merchant}/{page}", get(show).post(submit))
        .route("/payment/merchants/{merchant}/acs/{md_order}", post(acs))
}

/// `formUrl` for an order.
pub fn form_url(sb: &Sandbox, md_order: &str, language: &str) -> String {
    format!(
        "{}/bereke/payment/merchants/{}/payment_{language}.html?mdOrder={md_order}",
        sb.config.public_base, sb.config.bereke.merchant
    )
}

/// What paying with a test card does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Deposited (or held, two-stage).
    Success,
    /// 3-D Secure first.
    ThreeDs,
    /// Declined with this `actionCode` and text.
    Decline(i64, &'static str),
}

fn outcome_for(pan: &str) -> Outcome {
    TestCard::outcome(&TEST_CARDS, pan, Outcome::Success)
}

/// The order behind `mdOrder`, if it can still be paid; otherwise the page to show instead.
fn payable(sb: &Sandbox, md_order: &str) -> Result<Value, Response> {
    let order = match sb.store.get(KIND, md_order) {
        Ok(Some(o)) => expire_if_due(sb, o),
        Ok(None) => return Err(page::message(LABEL, Msg::NotFound, Msg::NotFoundText)),
        Err(e) => {
            tracing::error!(error = %e, "sandbox store");
            return Err(page::message(LABEL, Msg::Error, Msg::StoreFailure));
        }
    };
    match order["orderStatus"].as_i64() {
        Some(0) => Ok(order),
        Some(1 | 2) => Err(page::message(LABEL, Msg::AlreadyPaid, Msg::AlreadyPaidText)),
        _ => Err(page::message(LABEL, Msg::Closed, Msg::ClosedText)),
    }
}

fn form(order: &Value, error: Option<Msg>) -> Response {
    let md_order = order["mdOrder"].as_str().unwrap_or_default();
    let currency = match order["currency"].as_str() {
        Some("643") => "RUB",
        Some("840") => "USD",
        Some("978") => "EUR",
        _ => "KZT",
    };
    CardForm {
        provider: LABEL,
        action: "",
        amount: order["amount"].as_i64().unwrap_or(0),
        currency,
        description: order["description"].as_str().unwrap_or(""),
        error,
        hidden: &[("mdOrder", md_order)],
        offer_save: false,
        test_cards: &TestCard::listed(&TEST_CARDS),
    }
    .render()
}

async fn show(
    State(sb): State<Arc<Sandbox>>,
    Path((_merchant, page_name)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if !is_payment_page(&page_name) {
        return page::message(LABEL, Msg::NotFound, Msg::NotFoundText);
    }
    let md_order = q.get("mdOrder").map(String::as_str).unwrap_or_default();
    match payable(&sb, md_order) {
        Ok(order) => form(&order, None),
        Err(page) => page,
    }
}

fn is_payment_page(name: &str) -> bool {
    name.strip_prefix("payment_").and_then(|r| r.strip_suffix(".html")).is_some_and(|l| l.len() == 2)
}

/// `returnUrl` or `failUrl` (falling back to `returnUrl`) with `orderId` and `lang`.
fn back_to_shop(order: &Value, success: bool) -> Response {
    let return_url = order["returnUrl"].as_str().unwrap_or_default();
    let url = if success { return_url } else { order["failUrl"].as_str().unwrap_or(return_url) };
    let md_order = order["mdOrder"].as_str().unwrap_or_default();
    let lang = order["language"].as_str().unwrap_or("ru");
    see_other(&append_query(url, &[("orderId", md_order), ("lang", lang)]))
}

async fn submit(
    State(sb): State<Arc<Sandbox>>,
    Path((merchant, page_name)): Path<(String, String)>,
    Form(f): Form<HashMap<String, String>>,
) -> Answer {
    if !is_payment_page(&page_name) {
        return Err(page::message(LABEL, Msg::NotFound, Msg::NotFoundText));
    }
    let md_order = f.get("mdOrder").cloned().unwrap_or_default();
    let order = payable(&sb, &md_order)?;
    let card = CardInput::from_form(&f);
    Ok(match f.get("action").map(String::as_str) {
        // The order stays registered (payable until its session ends), as when a shopper
        // leaves the bank's page.
        Some("cancel") => back_to_shop(&order, false),
        Some("decline") => finish(&sb, order, &card, Err((100, "Отказ эмитента"))),
        Some("pay") => {
            if let Err(problem) = card.check() {
                return Ok(form(&order, Some(problem)));
            }
            match outcome_for(&card.pan) {
                Outcome::Success => finish(&sb, order, &card, Ok(())),
                Outcome::Decline(code, text) => finish(&sb, order, &card, Err((code, text))),
                Outcome::ThreeDs => {
                    let pending = json!({"pan": card.pan, "exp": card.exp, "holder": card.holder});
                    let mut order = order;
                    order["orderStatus"] = json!(5);
                    order["pendingCard"] = pending;
                    if let Err(e) = sb.store.update(KIND, &md_order, &order) {
                        tracing::error!(error = %e, "sandbox store");
                    }
                    let acs = format!("{}/bereke/payment/merchants/{merchant}/acs/{md_order}", sb.config.public_base);
                    three_ds_form(LABEL, &acs, &[])
                }
            }
        }
        _ => form(&order, Some(Msg::ChooseAction)),
    })
}

async fn acs(
    State(sb): State<Arc<Sandbox>>,
    Path((_merchant, md_order)): Path<(String, String)>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let order = match sb.store.get(KIND, &md_order) {
        Ok(Some(o)) if o["orderStatus"] == 5 => o,
        _ => return page::message(LABEL, Msg::NotFound, Msg::NotFoundText),
    };
    let pending = &order["pendingCard"];
    let card = CardInput {
        pan: pending["pan"].as_str().unwrap_or_default().to_owned(),
        exp: pending["exp"].as_str().unwrap_or_default().to_owned(),
        holder: pending["holder"].as_str().unwrap_or_default().to_owned(),
        ..CardInput::default()
    };
    let result = if three_ds_passed(&f) {
        Ok(())
    } else {
        Err((-2006, "Не пройдена аутентификация 3-D Secure"))
    };
    finish(&sb, order, &card, result)
}

/// Settles the order (paid or held, or declined), sends the callback, redirects the shopper.
fn finish(sb: &Sandbox, mut order: Value, card: &CardInput, result: Result<(), (i64, &str)>) -> Response {
    let amount = order["amount"].as_i64().unwrap_or(0);
    let pre_auth = order["preAuth"] == true;
    let (exp_month, exp_year) = card.exp.split_once('/').unwrap_or(("", ""));
    let digits = secret_hex().bytes().filter(u8::is_ascii_digit).collect::<Vec<u8>>();
    let approval: String = digits.iter().take(6).map(|b| char::from(*b)).collect();
    order["card"] = json!({
        "maskedPan": rbs_masked(&card.pan),
        "expiration": format!("20{exp_year}{exp_month}"),
        "cardholderName": card.holder,
        "approvalCode": format!("{approval:0>6}"),
        "pan": rbs_masked(&card.pan),
        "paymentSystem": page::card_brand(&card.pan),
    });
    if let Some(map) = order.as_object_mut() {
        map.remove("pendingCard");
    }
    order["authDateTime"] = json!(now_ms());
    order["authRefNum"] = json!(format!("{:0>12}", now_ms() % 1_000_000_000_000));
    let success = result.is_ok();
    match result {
        Ok(()) => {
            order["orderStatus"] = json!(if pre_auth { 1 } else { 2 });
            order["actionCode"] = json!(0);
            order["actionCodeDescription"] = json!("");
            order["approvedAmount"] = json!(amount);
            order["depositedAmount"] = json!(if pre_auth { 0 } else { amount });
        }
        Err((code, text)) => {
            order["orderStatus"] = json!(6);
            order["actionCode"] = json!(code);
            order["actionCodeDescription"] = json!(text);
        }
    }
    let md_order = order["mdOrder"].as_str().unwrap_or_default().to_owned();
    if let Err(e) = sb.store.update(KIND, &md_order, &order) {
        tracing::error!(error = %e, "sandbox store");
        return page::message(LABEL, Msg::Error, Msg::StoreFailure);
    }
    callbacks::send(sb, &order, if pre_auth { "approved" } else { "deposited" }, success);
    back_to_shop(&order, success)
}

/// RBS masks as `555555**5599`.
fn rbs_masked(pan: &str) -> String {
    if pan.len() < 10 || !pan.bytes().all(|b| b.is_ascii_digit()) {
        return "**".to_owned();
    }
    format!("{}**{}", &pan[..6], &pan[pan.len() - 4..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_and_cards() {
        assert!(is_payment_page("payment_ru.html") && is_payment_page("payment_kk.html"));
        assert!(!is_payment_page("acs") && !is_payment_page("payment_.html"));
        assert!(matches!(outcome_for("4111111111111111"), Outcome::ThreeDs));
        assert!(matches!(outcome_for("4444444444446666"), Outcome::Decline(116, _)));
        assert_eq!(rbs_masked("5555555555555599"), "555555**5599");
        for card in TEST_CARDS {
            assert!(page::luhn_ok(card.pan), "{}", card.pan);
        }
    }
}
