//! Paytone round trips over real HTTP on loopback: backend ⇄ sandbox (Public and Private
//! API), the hosted page, signed callbacks (duplicated, batched, out of order, forged), a
//! decline and a new try, a cancel, an invoice that expires.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;
use tolem_i18n::hosted::Msg;
use tolem_i18n::Locale;

use common::*;
use serde_json::{json, Value};
use tolem_demo::DemoOptions;
use tolem_sandbox::demo_credentials as creds;

impl Running {
    async fn paytone_start(&self, order_id: &str) -> Value {
        let (status, body) = self.post("/api/checkout/start", self.start_body_for("paytone", order_id).await).await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// Opens the HPP, then presses a button on it. Returns where the payer lands.
    async fn hpp(&self, url: &str, action: &str, pan: &str) -> String {
        let page = self.http.get(url).send().await.unwrap();
        assert_eq!(page.status().as_u16(), 200);
        let html = page.text().await.unwrap();
        assert!(["pay", "decline", "cancel"].iter().all(|a| html.contains(&format!("value=\"{a}\">"))), "{html}");
        let cpi = url.split("cpi=").nth(1).unwrap().to_owned();
        self.hosted_with(&format!("{}/sandbox/paytone/hpp/", self.origin), action, pan, &[("cpi", &cpi)]).await
    }

    async fn invoice(&self, cpi: &str) -> Value {
        let (code, body) = self.get(&format!("/sandbox/paytone/public-api/payment-invoices/{cpi}")).await;
        assert_eq!(code, 200, "{body}");
        body["data"].clone()
    }

    async fn paytone_events(&self, n: usize) -> Vec<Value> {
        self.deliveries(n).await.into_iter().filter(|d| d["provider"] == "paytone").collect()
    }

    async fn fault(&self, rule: Value) {
        let (code, body) = self.post("/sandbox/_control/faults", rule).await;
        assert_eq!(code, 201, "{body}");
    }
}

fn cpi_of(url: &str) -> String {
    url.split("cpi=").nth(1).unwrap().to_owned()
}

#[tokio::test]
async fn card_payment_round_trip_with_methods_from_the_prerequest() {
    let demo = start_demo(None).await;
    let started = demo.paytone_start("PT-CARD-1").await;
    assert_eq!(started["tokens"]["publicKey"], creds::PAYTONE_PUBLIC_KEY);
    assert!(started["tokens"].get("secretKey").is_none());
    let methods = started["methods"].as_array().unwrap();
    let ids: Vec<&str> = methods.iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["bank_card_kzt_hpp", "paytone_wallet_kzt_hpp"]);
    assert_eq!(methods[0]["label"], "Bank card");
    assert!(methods[0]["logo"].as_str().unwrap().starts_with(&format!("{}/sandbox/paytone/logos/", demo.origin)));
    assert_eq!(methods[1]["fields"][0]["key"], "phone");
    assert_eq!(methods[1]["fields"][0]["label"], "Номер телефона", "the shopper's language (kk falls back to ru)");
    assert_eq!(methods[1]["fields"][0]["pattern"], r"^\+7\d{10}$");
    assert_eq!(methods[1]["fields"][0]["required"], true);

    let attempt = started["attemptId"].as_str().unwrap();
    let url = demo.pay_url_with(attempt, "bank_card_kzt_hpp", json!({})).await;
    assert!(url.starts_with(&format!("{}/sandbox/paytone/hpp/?cpi=cpi_", demo.origin)), "{url}");
    assert_eq!(demo.pay_url_with(attempt, "bank_card_kzt_hpp", json!({})).await, url, "a second pay: the same page");
    let invoice = demo.invoice(&cpi_of(&url)).await;
    assert_eq!(invoice["attributes"]["amount"], json!(15000), "major units: 1 500 000 tiyn = 15 000 ₸");
    assert_eq!(invoice["attributes"]["reference_id"], "PT-CARD-1");
    assert_eq!(invoice["attributes"]["metadata"]["tolem_attempt"], attempt);
    assert_eq!(invoice["attributes"]["status"], "created");

    let landed = demo.hpp(&url, "pay", "4242424242424242").await;
    assert_eq!(landed, format!("{}/?provider=paytone", demo.origin), "one return URL, nothing appended");
    let events = demo.paytone_events(2).await;
    assert_eq!(events.len(), 2, "processing, then processed");
    assert!(events.iter().all(|e| e["status"] == 200), "{events:?}");
    let status = demo.status_becomes(attempt, "paid").await;
    assert_eq!(status["final"], true);
    let (code, body) = demo.pay(attempt, "bank_card_kzt_hpp", json!({})).await;
    assert_eq!(code, 409, "a paid attempt is never offered again: {body}");
}

#[tokio::test]
async fn wallet_fields_are_required_and_checked_by_the_provider() {
    let demo = start_demo(None).await;
    let attempt = demo.paytone_start("PT-WALLET-1").await["attemptId"].as_str().unwrap().to_owned();
    let (code, body) = demo.pay(&attempt, "paytone_wallet_kzt_hpp", json!({})).await;
    assert_eq!(code, 400, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("phone: is required"), "{body}");
    let (code, body) = demo.pay(&attempt, "paytone_wallet_kzt_hpp", json!({"phone": "8701"})).await;
    assert_eq!(code, 400, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("phone"), "{body}");
    let (code, body) = demo.pay(&attempt, "no_such_service", json!({})).await;
    assert_eq!(code, 400, "{body}");
    let (code, body) = demo.pay(&attempt, "paytone_wallet_kzt_hpp", json!({"phone": "+7\u{0}"})).await;
    assert_eq!(code, 400, "control characters never reach the provider: {body}");

    let url = demo.pay_url_with(&attempt, "paytone_wallet_kzt_hpp", json!({"phone": "+77011234567"})).await;
    let invoice = demo.invoice(&cpi_of(&url)).await;
    assert_eq!(invoice["attributes"]["service"], "paytone_wallet_kzt_hpp");
    // The shopper goes back and picks the card instead: an untouched invoice is replaced.
    let card_url = demo.pay_url_with(&attempt, "bank_card_kzt_hpp", json!({})).await;
    assert_ne!(card_url, url);
    assert_eq!(demo.invoice(&cpi_of(&card_url)).await["attributes"]["reference_id"], "PT-WALLET-1~2");
    demo.hpp(&card_url, "pay", "4242424242424242").await;
    demo.status_becomes(&attempt, "paid").await;
}

#[tokio::test]
async fn decline_then_a_new_try_and_cancel() {
    let demo = start_demo(None).await;
    let attempt = demo.paytone_start("PT-DECL-1").await["attemptId"].as_str().unwrap().to_owned();
    let url = demo.pay_url_with(&attempt, "bank_card_kzt_hpp", json!({})).await;
    demo.hpp(&url, "pay", "4000000000000002").await;
    demo.status_becomes(&attempt, "failed").await;
    assert_eq!(demo.invoice(&cpi_of(&url)).await["attributes"]["status"], "process_failed");

    let again = demo.paytone_start("PT-DECL-1").await;
    assert_eq!(again["attemptId"], attempt.as_str());
    assert_eq!(again["status"], "pending");
    let retry_url = demo.pay_url_with(&attempt, "bank_card_kzt_hpp", json!({})).await;
    assert_ne!(retry_url, url);
    assert_eq!(demo.invoice(&cpi_of(&retry_url)).await["attributes"]["reference_id"], "PT-DECL-1~2");
    demo.hpp(&retry_url, "pay", "4242424242424242").await;
    demo.status_becomes(&attempt, "paid").await;

    let cancelled = demo.paytone_start("PT-CANCEL-1").await["attemptId"].as_str().unwrap().to_owned();
    let url = demo.pay_url_with(&cancelled, "bank_card_kzt_hpp", json!({})).await;
    let landed = demo.hpp(&url, "cancel", "").await;
    assert_eq!(landed, format!("{}/?provider=paytone", demo.origin));
    demo.status_becomes(&cancelled, "cancelled").await;
    assert_eq!(demo.invoice(&cpi_of(&url)).await["attributes"]["status"], "terminated");
}

#[tokio::test]
async fn callbacks_duplicated_batched_out_of_order_and_forged() {
    let demo = start_demo(None).await;
    // Out of order: the `processing` callback is held back and lands after `processed`.
    demo.fault(json!({"provider": "paytone", "webhook": "delay", "latencyMs": 600, "times": 1})).await;
    let attempt = demo.paytone_start("PT-ORDER-1").await["attemptId"].as_str().unwrap().to_owned();
    let url = demo.pay_url_with(&attempt, "bank_card_kzt_hpp", json!({})).await;
    demo.hpp(&url, "pay", "4242424242424242").await;
    let events = demo.paytone_events(2).await;
    assert_eq!(events[0]["event"], "processed", "the newer callback arrived first: {events:?}");
    assert_eq!(events[1]["event"], "processing");
    demo.status_becomes(&attempt, "paid").await;

    // Duplicated: both copies accepted, one change.
    let _ = demo.http.delete(format!("{}/sandbox/_control/faults", demo.origin)).send().await.unwrap();
    demo.fault(json!({"provider": "paytone", "webhook": "duplicate", "times": 2})).await;
    let attempt = demo.paytone_start("PT-DUP-1").await["attemptId"].as_str().unwrap().to_owned();
    let url = demo.pay_url_with(&attempt, "bank_card_kzt_hpp", json!({})).await;
    demo.hpp(&url, "pay", "4242424242424242").await;
    let events = demo.paytone_events(4).await;
    assert_eq!(events.len(), 4);
    assert!(events.iter().all(|e| e["status"] == 200));

    // Batched: one body with both versions.
    let _ = demo.http.delete(format!("{}/sandbox/_control/faults", demo.origin)).send().await.unwrap();
    demo.fault(json!({"provider": "paytone", "webhook": "batch", "times": 1})).await;
    let attempt = demo.paytone_start("PT-BATCH-1").await["attemptId"].as_str().unwrap().to_owned();
    let url = demo.pay_url_with(&attempt, "bank_card_kzt_hpp", json!({})).await;
    demo.hpp(&url, "pay", "4242424242424242").await;
    let events = demo.paytone_events(1).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["event"], "processing+processed");
    assert_eq!(events[0]["status"], 200);

    // The same batched body replayed by hand: 200, duplicates, nothing changes.
    let cpi = cpi_of(&url);
    let body = json!({"data": [demo.invoice(&cpi).await]}).to_string();
    let signature = tolem_sandbox::paytone::signature(creds::PAYTONE_SECRET_KEY, &body);
    let webhook = format!("{}/api/checkout/webhooks/paytone", demo.origin);
    let replay = demo.http.post(&webhook).header("x-signature", &signature).body(body.clone()).send().await.unwrap();
    assert_eq!(replay.status().as_u16(), 200);
    let forged_body = body.replace("processed", "refunded");
    let forged = demo.http.post(&webhook).header("x-signature", &signature).body(forged_body).send().await.unwrap();
    assert_eq!(forged.status().as_u16(), 401);
    let unsigned = demo.http.post(&webhook).body(body).send().await.unwrap();
    assert_eq!(unsigned.status().as_u16(), 401);
    demo.status_becomes(&attempt, "paid").await;
}

#[tokio::test]
async fn an_invoice_that_expires_ends_expired_and_a_new_start_makes_a_new_try() {
    let demo = start_demo(None).await;
    let attempt = demo.paytone_start("PT-EXP-1").await["attemptId"].as_str().unwrap().to_owned();
    let url = demo.pay_url_with(&attempt, "bank_card_kzt_hpp", json!({})).await;
    let (code, body) =
        demo.post(&format!("/sandbox/paytone/_control/invoices/{}/expire", cpi_of(&url)), json!({})).await;
    assert_eq!(code, 200, "{body}");
    demo.status_becomes(&attempt, "expired").await;
    let page = demo.http.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(Msg::ClosedText.text(Locale::Ru)), "{page}");
    let again = demo.paytone_start("PT-EXP-1").await;
    assert_eq!(again["status"], "pending");
    let fresh = demo.pay_url_with(&attempt, "bank_card_kzt_hpp", json!({})).await;
    assert_eq!(demo.invoice(&cpi_of(&fresh)).await["attributes"]["reference_id"], "PT-EXP-1~2");
}

#[tokio::test]
async fn private_api_with_basic_auth_and_provider_outages() {
    let demo =
        start_demo_with(DemoOptions { provider_timeout: Duration::from_millis(800), ..DemoOptions::default() }).await;
    let attempt = demo.paytone_start("PT-BASIC-1").await["attemptId"].as_str().unwrap().to_owned();
    // The Private API takes the account id and the API key, as HTTP Basic: not a Bearer token
    // (this account is not set up for one), and not the secret key that signs callbacks.
    let basic = |login: &str, password: &str| {
        format!("Basic {}", tolem_core::signature::base64_encode(format!("{login}:{password}").as_bytes()))
    };
    let invoice_url = format!("{}/sandbox/paytone/api/payment-invoices/cpi_x", demo.origin);
    for refused in [
        "Bearer wrong".to_owned(),
        format!("Bearer {}", creds::PAYTONE_API_KEY),
        basic(creds::PAYTONE_ACCOUNT_ID, creds::PAYTONE_SECRET_KEY),
        basic("coma_other", creds::PAYTONE_API_KEY),
    ] {
        let (code, _) = answer(demo.http.get(&invoice_url).header("authorization", &refused)).await;
        assert_eq!(code, 401, "{refused}");
    }
    let (code, _) = answer(
        demo.http.get(&invoice_url).header("authorization", basic(creds::PAYTONE_ACCOUNT_ID, creds::PAYTONE_API_KEY)),
    )
    .await;
    assert_eq!(code, 404, "the right credentials reach the invoice lookup");
    // A 503 on create: a clean PROVIDER_ERROR, then it works.
    demo.fault(
        json!({"provider": "paytone", "method": "POST", "path": "/api/payment-invoices", "status": 503, "times": 1}),
    )
    .await;
    let (code, body) = demo.pay(&attempt, "bank_card_kzt_hpp", json!({})).await;
    assert_eq!((code, body["error"]["code"].as_str()), (502, Some("PROVIDER_ERROR")), "{body}");
    // A timeout on the pre-request: `start` says so cleanly.
    demo.fault(json!({"provider": "paytone", "path": "/public-api/payment-prerequest", "latencyMs": 2000, "times": 1}))
        .await;
    let (code, body) = demo.post("/api/checkout/start", demo.start_body_for("paytone", "PT-BASIC-2").await).await;
    assert_eq!((code, body["error"]["code"].as_str()), (502, Some("PROVIDER_ERROR")), "{body}");
    // A malformed invoice read keeps the stored status.
    let url = demo.pay_url_with(&attempt, "bank_card_kzt_hpp", json!({})).await;
    demo.fault(json!({"provider": "paytone", "method": "GET", "path": "/api/payment-invoices/*", "malformed": true, "times": 1})).await;
    assert_eq!(demo.status(&attempt).await["status"], "pending");
    demo.hpp(&url, "pay", "4242424242424242").await;
    demo.status_becomes(&attempt, "paid").await;
}

/// A 422 about the reference that a fresh reference gets too is not a lost answer: the pay
/// fails with Paytone's words after two creates, not twenty.
#[tokio::test]
async fn a_reference_refused_twice_is_not_walked_through_the_tries() {
    let demo = start_demo_with(DemoOptions {
        sandbox_tweak: Some(|config| config.paytone.max_reference_len = 6),
        ..DemoOptions::default()
    })
    .await;
    let attempt = demo.paytone_start("PT-REF-1").await["attemptId"].as_str().unwrap().to_owned();
    let (code, body) = demo.pay(&attempt, "bank_card_kzt_hpp", json!({})).await;
    assert_eq!((code, body["error"]["code"].as_str()), (502, Some("PROVIDER_ERROR")), "{body}");
    assert_eq!(demo.provider_calls("paytone POST /api/payment-invoices").await, 2);
}
