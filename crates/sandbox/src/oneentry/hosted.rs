//! The hosted payment page behind a OneEntry session's `paymentUrl` (standing in for the
//! Stripe / PayPal page OneEntry would send the shopper to): Pay, Decline, Cancel, then the
//! payment account's `successUrl` / `cancelUrl`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::Response;
use axum::Form;
use serde_json::{json, Value};

use super::{store_failed, SESSION};
use crate::ids::ioka_now;
use crate::page::Msg;
use crate::page::{self, see_other, CardForm, CardInput, TestCard};
use crate::Sandbox;

const LABEL: &str = "OneEntry";

/// What paying with a test card does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The payment goes through and the sandbox notifies the backend.
    Success,
    /// The issuer declines the card and the sandbox reports the payment failed.
    Decline,
}

/// The test cards; any other number succeeds.
pub const TEST_CARDS: [TestCard<Outcome>; 2] = [
    TestCard { pan: "4242424242424242", shown: Msg::CardSuccess, outcome: Outcome::Success },
    TestCard { pan: "4000000000000002", shown: Msg::CardDeclined, outcome: Outcome::Decline },
];

fn load(sb: &Sandbox, id: i64) -> Option<Value> {
    sb.store.get(SESSION, &id.to_string()).ok().flatten()
}

/// `GET /checkout/{session}`.
pub async fn page(State(sb): State<Arc<Sandbox>>, Path(id): Path<i64>) -> Response {
    match load(&sb, id) {
        Some(s) if s["status"] == "waiting" && !s["paymentUrl"].is_null() => form(&s, None),
        Some(s) if s["status"] == "waiting" => page::message(LABEL, Msg::NotReady, Msg::NotReadyText),
        Some(_) => page::message(LABEL, Msg::Closed, Msg::ClosedText),
        None => page::message(LABEL, Msg::NotFound, Msg::NotFoundText),
    }
}

fn form(s: &Value, problem: Option<Msg>) -> Response {
    let id = s["id"].to_string();
    CardForm {
        provider: LABEL,
        action: &id,
        amount: s["amount"].as_i64().unwrap_or(0) * 100,
        currency: "KZT",
        description: "",
        error: problem,
        hidden: &[],
        offer_save: false,
        test_cards: &TestCard::listed(&TEST_CARDS),
    }
    .render()
}

/// `POST /checkout/{session}`: Pay, Decline or Cancel.
pub async fn submit(
    State(sb): State<Arc<Sandbox>>,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let Some(mut s) = load(&sb, id).filter(|s| s["status"] == "waiting" && !s["paymentUrl"].is_null()) else {
        return page::message(LABEL, Msg::Closed, Msg::ClosedText);
    };
    let card = CardInput::from_form(&f);
    let status = match f.get("action").map(String::as_str) {
        Some("cancel") => "canceled",
        Some("decline") => "failed",
        Some("pay") => {
            if let Err(problem) = card.check() {
                return form(&s, Some(problem));
            }
            match TestCard::outcome(&TEST_CARDS, &card.pan, Outcome::Success) {
                Outcome::Decline => "failed",
                Outcome::Success => "paid",
            }
        }
        _ => return form(&s, Some(Msg::ChooseAction)),
    };
    s["status"] = json!(status);
    s["updatedDate"] = json!(format!("{}Z", &ioka_now()[..23]));
    if let Err(e) = sb.store.update(SESSION, &id.to_string(), &s) {
        return store_failed(&e);
    }
    see_other(&sb.config.oneentry.return_url)
}
