//! The Paytone hosted payment page (`/hpp/?cpi=…`), the outcome, expiry, and the signed
//! callbacks.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use base64::Engine as _;
use serde_json::{json, Value};
use sha1::{Digest, Sha1};

use super::{document, error, load, now_s, store_failed, KIND};
use crate::control::WebhookFault;
use crate::deliver::{self, Outgoing};
use crate::page::Msg;
use crate::page::{self, esc, see_other, CardForm, CardInput, TestCard};
use crate::{Answer, Sandbox};
use tolem_i18n::fill;

const LABEL: &str = "Paytone";

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

/// Statuses after which the page can no longer take a payment.
const CLOSED: [&str; 5] = ["processed", "process_failed", "expired", "terminated", "refunded"];

/// `X-Signature`: `base64(sha1(secret . body . secret))`, raw digest (docs/providers.md).
pub fn signature(secret: &str, body: &str) -> String {
    let mut h = Sha1::new();
    h.update(secret.as_bytes());
    h.update(body.as_bytes());
    h.update(secret.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(h.finalize())
}

/// `GET /hpp/?cpi=…`.
pub async fn page(State(sb): State<Arc<Sandbox>>, Query(q): Query<HashMap<String, String>>) -> Response {
    let Some(cpi) = q.get("cpi") else {
        return error(StatusCode::BAD_REQUEST, "Bad request", "cpi is required", None);
    };
    match load(&sb, cpi) {
        // The page speaks the invoice's `locale` (en, uk, ru), as Paytone's does.
        Ok(inv) => page::speaking(inv["locale"].as_str(), || form(&inv, None)),
        Err(_) => page::message(LABEL, Msg::NotFound, Msg::NotFoundText),
    }
}

fn form(inv: &Value, problem: Option<Msg>) -> Response {
    let id = inv["id"].as_str().unwrap_or_default();
    let status = inv["status"].as_str().unwrap_or_default();
    if status == "processed" {
        return page::message(LABEL, Msg::AlreadyPaid, Msg::AlreadyPaidText);
    }
    if CLOSED.contains(&status) {
        return page::message(LABEL, Msg::Closed, Msg::ClosedText);
    }
    let amount = inv["amount_minor"].as_i64().unwrap_or(0);
    let currency = inv["currency"].as_str().unwrap_or_default();
    let description = inv["description"].as_str().unwrap_or_default();
    if inv["method"] == "bank_card" || inv["method"].is_null() {
        return CardForm {
            provider: LABEL,
            action: "./",
            amount,
            currency,
            description,
            error: problem,
            hidden: &[("cpi", id)],
            offer_save: false,
            test_cards: &TestCard::listed(&TEST_CARDS),
        }
        .render();
    }
    let phone = inv["fields"]["phone"].as_str().unwrap_or_default();
    let body = format!(
        "<h1>{}</h1><p class=\"amount\">{}</p><p>{}</p><p>{}</p>{}",
        esc(page::tr(Msg::Payment)),
        page::money(amount, currency),
        esc(description),
        esc(&fill(page::tr(Msg::WalletConfirm), &[("phone", phone)])),
        page::post_form("./", &[("cpi", id)], &page::pay_buttons()),
    );
    page::layout(LABEL, Msg::Payment, &body)
}

/// `POST /hpp/`: Pay, Decline or Cancel.
pub async fn submit(State(sb): State<Arc<Sandbox>>, Form(f): Form<HashMap<String, String>>) -> Answer {
    let cpi = f.get("cpi").cloned().unwrap_or_default();
    let inv = load(&sb, &cpi).map_err(|_| page::message(LABEL, Msg::NotFound, Msg::NotFoundText))?;
    if CLOSED.contains(&inv["status"].as_str().unwrap_or_default()) {
        return Ok(form(&inv, None));
    }
    let is_card = inv["method"] == "bank_card" || inv["method"].is_null();
    let steps: &[(&str, &str)] = match f.get("action").map(String::as_str) {
        Some("cancel") => &[("terminated", "terminated_by_payer")],
        Some("decline") => &[("processing", "ok"), ("process_failed", "declined")],
        Some("pay") if is_card => {
            let card = CardInput::from_form(&f);
            if let Err(problem) = card.check() {
                return Ok(form(&inv, Some(problem)));
            }
            match TestCard::outcome(&TEST_CARDS, &card.pan, Outcome::Success) {
                Outcome::Decline => &[("processing", "ok"), ("process_failed", "declined")],
                Outcome::Success => &[("processing", "ok"), ("processed", "ok")],
            }
        }
        Some("pay") => &[("processing", "ok"), ("processed", "ok")],
        _ => return Ok(form(&inv, Some(Msg::ChooseAction))),
    };
    let inv = advance(&sb, inv, steps)?;
    Ok(match inv["return_url"].as_str() {
        Some(url) => see_other(url),
        None => page::message(LABEL, Msg::Done, Msg::DoneText),
    })
}

/// Moves the invoice through `steps` (status, resolution), stamping `updated` one second
/// apart, and sends one callback per step (or one batched callback).
fn advance(sb: &Sandbox, mut inv: Value, steps: &[(&str, &str)]) -> Result<Value, Response> {
    let id = inv["id"].as_str().unwrap_or_default().to_owned();
    let start = now_s().max(inv["updated"].as_i64().unwrap_or(0) + 1);
    let mut documents = Vec::new();
    for (i, (status, resolution)) in steps.iter().enumerate() {
        inv["status"] = json!(status);
        inv["resolution"] = json!(resolution);
        inv["updated"] = json!(start + i64::try_from(i).unwrap_or(0));
        documents.push((status.to_string(), document(sb, &inv)));
    }
    sb.store.update(KIND, &id, &inv).map_err(|e| store_failed(&e))?;
    send_callbacks(sb, documents);
    Ok(inv)
}

/// The invoice, expired (and the callback sent) if its lifetime ran out unpaid.
pub fn expire_if_due(sb: &Sandbox, inv: Value) -> Value {
    let due = inv["expires"].as_i64().is_some_and(|e| e <= now_s());
    if due && matches!(inv["status"].as_str(), Some("created")) {
        match advance(sb, inv.clone(), &[("expired", "expired")]) {
            Ok(expired) => return expired,
            Err(_) => return inv,
        }
    }
    inv
}

/// `POST /_control/invoices/{id}/expire`: the lifetime passes now.
pub async fn expire(State(sb): State<Arc<Sandbox>>, Path(id): Path<String>) -> Answer {
    let mut inv = load(&sb, &id)?;
    if inv["status"] != "created" {
        return Err(error(StatusCode::CONFLICT, "Conflict", "only a created invoice can expire", None));
    }
    inv["expires"] = json!(now_s());
    let inv = advance(&sb, inv, &[("expired", "expired")])?;
    Ok(Json(document(&sb, &inv)).into_response())
}

/// Signs and sends the callbacks to the account's callback URL (set in the Commerce
/// settings; it cannot be overridden per invoice). A scripted `batch` fault puts them all in
/// one body.
fn send_callbacks(sb: &Sandbox, documents: Vec<(String, Value)>) {
    let Some(url) = sb.config.paytone.callback_url.clone() else {
        return;
    };
    let secret = sb.config.paytone.secret_key.clone();
    let batch = sb.faults.take_webhook_kind("paytone", WebhookFault::Batch).is_some();
    let bodies: Vec<(String, String)> = if batch && documents.len() > 1 {
        let events: Vec<String> = documents.iter().map(|(e, _)| e.clone()).collect();
        let data: Vec<Value> = documents.into_iter().map(|(_, d)| d["data"].clone()).collect();
        vec![(events.join("+"), json!({"data": data}).to_string())]
    } else {
        documents.into_iter().map(|(e, d)| (e, d.to_string())).collect()
    };
    for (event, body) in bodies {
        let sig = signature(&secret, &body);
        deliver::send(
            sb,
            Outgoing {
                provider: "paytone",
                event,
                url: url.clone(),
                body: Some(body),
                headers: vec![("content-type", "application/json".to_owned()), ("x-signature", sig)],
            },
        );
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn signature_matches_the_published_rule() {
        let body = r#"{"data":{"type":"payment-invoices","id":"cpi_UoIW6RdSYyIRj8vR","attributes":{"status":"processed","resolution":"ok","amount":4,"currency":"UAH","reference_id":"e2041fe2-44da-44da-0090-4ffe9d2f25d0","test_mode":true}}}"#;
        assert_eq!(super::signature("test_secret_key", body), "aVFNhpSS6VwvPthuiY6BxZa/tko=");
    }
}
