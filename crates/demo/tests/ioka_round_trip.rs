//! The ioka round trip over real HTTP on loopback: backend ⇄ sandbox, hosted page, webhooks.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::*;
use serde_json::{json, Value};
use tolem_sandbox::demo_credentials as creds;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pay_decline_cancel_and_webhooks() {
    let demo = start_demo(None).await;

    // start → methods (saved cards none yet, new card)
    let started = demo.start("A-1").await;
    let attempt = started["attemptId"].as_str().unwrap().to_owned();
    assert_eq!(started["status"], "pending");
    assert_eq!(started["methods"][0]["id"], "card");
    assert_eq!(started["tokens"]["publicKey"], creds::IOKA_PUBLIC_KEY);
    assert!(started["tokens"]["orderAccessToken"].as_str().unwrap().contains("_secret_"));
    assert!(!started.to_string().contains(creds::IOKA_API_KEY), "no secret reaches the browser");

    // a second start of the same order is the same attempt and the same ioka order
    assert_eq!(demo.start("A-1").await["attemptId"], attempt.as_str());
    assert_eq!(demo.ioka_orders("A-1").await.len(), 1);

    // pay → the hosted page → success_url → webhook → paid
    let (code, pay) = demo.post("/api/checkout/pay", json!({"attemptId": attempt, "methodId": "card"})).await;
    assert_eq!(code, 200, "{pay}");
    let checkout_url = pay["redirect"]["url"].as_str().unwrap().to_owned();
    assert!(checkout_url.starts_with(&format!("{}/sandbox/ioka/checkout/orders/ord_", demo.origin)));
    let back = demo.hosted(&checkout_url, "pay", "5555555555555599").await;
    assert_eq!(back, format!("{}/?provider=ioka&tolem_return=success", demo.origin));
    let log = demo.deliveries(1).await;
    assert_eq!(log[0]["event"], "PAYMENT_CAPTURED");
    assert_eq!(log[0]["status"], 200, "the backend accepted the signed webhook");
    assert_eq!(
        demo.status(&attempt).await,
        json!({"attemptId": attempt, "orderId": "A-1", "amount": 1_500_000, "currency": "KZT", "status": "paid", "final": true})
    );
    // a paid attempt cannot be paid again
    let (code, _) = demo.post("/api/checkout/pay", json!({"attemptId": attempt, "methodId": "card"})).await;
    assert_eq!(code, 409);

    // decline → failure_url → failed
    let declined = demo.start("A-2").await;
    let attempt2 = declined["attemptId"].as_str().unwrap().to_owned();
    let (_, pay) = demo.post("/api/checkout/pay", json!({"attemptId": attempt2, "methodId": "card"})).await;
    let back = demo.hosted(pay["redirect"]["url"].as_str().unwrap(), "pay", "4444444411111111").await;
    assert!(back.ends_with("tolem_return=failure"), "{back}");
    demo.deliveries(2).await;
    demo.status_becomes(&attempt2, "failed").await;
    // trying again reopens the same attempt on the same, still payable, ioka order
    let again = demo.start("A-2").await;
    assert_eq!((again["attemptId"].as_str(), again["status"].as_str()), (Some(attempt2.as_str()), Some("pending")));
    let (_, pay) = demo.post("/api/checkout/pay", json!({"attemptId": attempt2, "methodId": "card"})).await;
    demo.hosted(pay["redirect"]["url"].as_str().unwrap(), "pay", "5555555555555599").await;
    demo.deliveries(3).await;
    demo.status_becomes(&attempt2, "paid").await;
    assert_eq!(demo.ioka_orders("A-2").await.len(), 1);

    // cancel → back_url, nothing paid
    let cancelled = demo.start("A-3").await;
    let attempt3 = cancelled["attemptId"].as_str().unwrap().to_owned();
    let (_, pay) = demo.post("/api/checkout/pay", json!({"attemptId": attempt3, "methodId": "card"})).await;
    let back = demo.hosted(pay["redirect"]["url"].as_str().unwrap(), "cancel", "").await;
    assert!(back.ends_with("tolem_return=back"), "{back}");
    assert_eq!(demo.status(&attempt3).await["status"], "pending");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_starts_create_exactly_one_provider_order() {
    let demo = std::sync::Arc::new(start_demo(None).await);
    let mut tasks = Vec::new();
    for _ in 0..12 {
        let demo = demo.clone();
        tasks
            .push(tokio::spawn(async move { demo.post("/api/checkout/start", demo.start_body("RACE-1").await).await }));
    }
    let mut attempts = std::collections::HashSet::new();
    for t in tasks {
        let (code, body) = t.await.unwrap();
        assert_eq!(code, 200, "{body}");
        attempts.insert(body["attemptId"].as_str().unwrap().to_owned());
    }
    assert_eq!(attempts.len(), 1);
    assert_eq!(demo.ioka_orders("RACE-1").await.len(), 1);
    let (_, customers) = demo.get("/sandbox/ioka/v2/customers?external_id=u-42").await;
    assert_eq!(customers.as_array().map(Vec::len), Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_forged_webhooks_and_provider_faults() {
    let demo = start_demo(None).await;

    // hostile or broken requests get {"error": {code, message}}
    let base = demo.start_body("B-1").await;
    let with = |key: &str, value: Value| {
        let mut b = base.clone();
        b[key] = value;
        b
    };
    for (body, status, code) in [
        (json!("not an object"), 400, "INVALID_REQUEST"),
        (json!({"provider": "ioka"}), 400, "INVALID_REQUEST"),
        (with("order", json!({"id": "B-1", "amount": 100, "currency": "KZT"})), 400, "INVALID_REQUEST"),
        (with("returnUrl", json!("https://evil.example/")), 400, "INVALID_REQUEST"),
        (with("customer", json!({"id": "u-7"})), 400, "INVALID_REQUEST"),
        (with("provider", json!("paypal")), 400, "INVALID_REQUEST"),
        (
            with("clientSecret", json!("cs_0000000000000000_secret_00000000000000000000000000000000")),
            401,
            "SESSION_INVALID",
        ),
    ] {
        let (got, answer) = demo.post("/api/checkout/start", body).await;
        assert_eq!(got, status, "{answer}");
        assert_eq!(answer["error"]["code"], code, "{answer}");
        assert!(answer["error"]["message"].is_string());
    }
    assert_eq!(demo.ioka_orders("B-1").await.len(), 0, "nothing refused reached ioka");
    let raw = demo
        .http
        .post(format!("{}/api/checkout/start", demo.origin))
        .header("content-type", "application/json")
        .body("{\"provider\":")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status().as_u16(), 400);
    let big = "x".repeat(200_000);
    let raw = demo
        .http
        .post(format!("{}/api/checkout/start", demo.origin))
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status().as_u16(), 413);
    let (status, _) = demo.get("/api/checkout/status?attemptId=att_nope").await;
    assert_eq!(status, 404);

    // a forged webhook is refused; a genuine one replayed changes nothing
    let started = demo.start("W-1").await;
    let attempt = started["attemptId"].as_str().unwrap().to_owned();
    let order_id = demo.ioka_orders("W-1").await[0]["id"].as_str().unwrap().to_owned();
    let event = json!({"event": "PAYMENT_CAPTURED", "order": {"id": order_id, "status": "PAID", "amount": 1_500_000, "currency": "KZT"},
        "payment": {"id": "pay_X", "order_id": order_id, "status": "CAPTURED", "captured_amount": 1_500_000}});
    let body = event.to_string();
    let canonical = tolem_core::pyjson::dumps_sorted(&event);
    let good = tolem_core::signature::hex_lower(&tolem_core::signature::hmac_sha256(
        creds::IOKA_WEBHOOK_KEY.as_bytes(),
        canonical.as_bytes(),
    ));
    let url = format!("{}/api/checkout/webhooks/ioka", demo.origin);
    let forged = demo.http.post(&url).header("X-Signature", "00".repeat(32)).body(body.clone()).send().await.unwrap();
    assert_eq!(forged.status().as_u16(), 401);
    let unsigned = demo.http.post(&url).body(body.clone()).send().await.unwrap();
    assert_eq!(unsigned.status().as_u16(), 401);
    assert_eq!(demo.status(&attempt).await["status"], "pending", "forged webhooks change nothing");
    for expect_duplicate in [false, true] {
        let r = demo.http.post(&url).header("X-Signature", &good).body(body.clone()).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let answer: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
        assert_eq!(answer["duplicate"].as_bool().unwrap_or(false), expect_duplicate, "{answer}");
    }
    demo.status_becomes(&attempt, "paid").await;
    // a stale "declined" after "paid" never moves it back
    let stale = json!({"event": "PAYMENT_DECLINED", "order": {"id": order_id, "status": "UNPAID", "amount": 1_500_000, "currency": "KZT"},
        "payment": {"id": "pay_Y", "order_id": order_id, "status": "DECLINED"}});
    let sig = tolem_core::signature::hex_lower(&tolem_core::signature::hmac_sha256(
        creds::IOKA_WEBHOOK_KEY.as_bytes(),
        tolem_core::pyjson::dumps_sorted(&stale).as_bytes(),
    ));
    let r = demo.http.post(&url).header("X-Signature", sig).body(stale.to_string()).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    demo.status_becomes(&attempt, "paid").await;

    // provider faults: a malformed create answer is a clear 502, and the retry still makes
    // exactly one ioka order (the first create did succeed at the provider)
    let (code, _) = demo
        .post(
            "/sandbox/_control/faults",
            json!({"provider": "ioka", "method": "POST", "path": "/v2/orders", "malformed": true, "times": 1}),
        )
        .await;
    assert_eq!(code, 201);
    let (status, answer) = demo.post("/api/checkout/start", demo.start_body("F-1").await).await;
    assert_eq!(status, 502, "{answer}");
    assert_eq!(answer["error"]["code"], "PROVIDER_ERROR");
    assert!(!answer.to_string().contains("ord_"), "no provider internals leak: {answer}");
    demo.start("F-1").await;
    assert_eq!(demo.ioka_orders("F-1").await.len(), 1);
    // 503 from ioka, then recovery
    demo.post(
        "/sandbox/_control/faults",
        json!({"provider": "ioka", "method": "GET", "path": "/v2/orders", "status": 503, "times": 1}),
    )
    .await;
    let (status, answer) = demo.post("/api/checkout/start", demo.start_body("F-2").await).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (502, Some("PROVIDER_ERROR")));
    demo.start("F-2").await;
    assert_eq!(demo.ioka_orders("F-2").await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_survives_a_restart() {
    let dir = std::env::temp_dir().join(format!("tolem-demo-restart-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let attempt = {
        let demo = start_demo(Some(dir.clone())).await;
        demo.start("R-1").await["attemptId"].as_str().unwrap().to_owned()
    };
    let demo = start_demo(Some(dir.clone())).await;
    assert_eq!(demo.start("R-1").await["attemptId"], attempt.as_str(), "the backend remembers the attempt");
    assert_eq!(demo.ioka_orders("R-1").await.len(), 1, "the sandbox remembers the order");
    assert_eq!(demo.status(&attempt).await["status"], "pending");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_d_secure_card_asks_for_the_password() {
    let demo = start_demo(None).await;
    for (order, password, outcome, status) in
        [("S-1", "12345678", "tolem_return=success", "paid"), ("S-2", "00000000", "tolem_return=failure", "failed")]
    {
        let started = demo.start(order).await;
        let attempt = started["attemptId"].as_str().unwrap().to_owned();
        let (_, pay) = demo.post("/api/checkout/pay", json!({"attemptId": attempt, "methodId": "card"})).await;
        let checkout_url = pay["redirect"]["url"].as_str().unwrap().to_owned();
        let form = [("action", "pay"), ("pan", "4111111111111111"), ("exp", "12/30"), ("cvc", "123")];
        let page = demo.http.post(&checkout_url).form(&form).send().await.unwrap();
        assert_eq!(page.status().as_u16(), 200);
        let html = page.text().await.unwrap();
        assert!(html.contains("3-D Secure"), "{html}");
        let payment_id =
            html.split("name=\"payment_id\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
        let (_, payment) = demo
            .get(&format!("/sandbox/ioka/v2/orders/{}/payments/{payment_id}", checkout_url.rsplit('/').next().unwrap()))
            .await;
        assert_eq!(payment["status"], "REQUIRES_ACTION");
        assert!(payment["action"]["url"].is_string());
        let confirm = [("payment_id", payment_id.as_str()), ("password", password), ("action", "confirm")];
        let r = demo.http.post(format!("{checkout_url}/3ds")).form(&confirm).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 303);
        assert!(r.headers()["location"].to_str().unwrap().ends_with(outcome));
        // the webhook lands asynchronously: the status endpoint reads ioka too, so poll briefly
        let mut seen = String::new();
        for _ in 0..100 {
            seen = demo.status(&attempt).await["status"].as_str().unwrap().to_owned();
            if seen == status {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(seen, status, "{order}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_provider_times_out_cleanly_and_nothing_is_lost() {
    let demo = start_demo_with_timeout(None, Duration::from_millis(300)).await;
    let (code, _) = demo
        .post(
            "/sandbox/_control/faults",
            json!({"provider": "ioka", "method": "GET", "path": "/v2/orders", "latencyMs": 2000, "times": 1}),
        )
        .await;
    assert_eq!(code, 201);
    let (status, answer) = demo.post("/api/checkout/start", demo.start_body("T-1").await).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (502, Some("PROVIDER_ERROR")), "{answer}");
    assert!(!answer.to_string().contains("timed out"), "details stay in the logs: {answer}");
    // the next try goes through and still makes exactly one ioka order
    demo.start("T-1").await;
    assert_eq!(demo.ioka_orders("T-1").await.len(), 1);
}

/// The create's answer is lost; the next start finds the order by `external_id`. A search
/// result carries no `access_token` (ioka's `SearchOrderOut`), so the order is read by id for
/// it, and the widget still gets the order's token.
#[tokio::test]
async fn an_order_found_by_search_is_read_for_its_access_token() {
    let demo = start_demo_with_timeout(None, Duration::from_millis(500)).await;
    let fault = json!({"provider": "ioka", "method": "POST", "path": "/v2/orders", "answerAfterMs": 1200, "times": 1});
    assert_eq!(demo.post("/sandbox/_control/faults", fault).await.0, 201);
    let (status, _) = demo.post("/api/checkout/start", demo.start_body("T-SEARCH").await).await;
    assert_eq!(status, 502, "the create's answer did not come in time");
    let started = demo.start("T-SEARCH").await;
    let orders = demo.ioka_orders("T-SEARCH").await;
    assert_eq!(orders.len(), 1, "found, not made again");
    let id = orders[0]["id"].as_str().unwrap();
    assert!(started["tokens"]["orderAccessToken"].as_str().is_some_and(|t| t.starts_with(id)), "{started}");
    assert!(demo.provider_calls(&format!("ioka GET /v2/orders/{id}")).await >= 1);
}

/// The shopper saves a card on ioka's page, comes back with another order and pays with it by
/// its id (no page: ioka charges it), a second click charges nothing more; a card id that is
/// not this shopper's is refused before ioka is asked; the shopper removes the card and it is
/// gone at ioka.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_card_pays_by_id_and_can_be_removed() {
    let demo = start_demo(None).await;
    let first = demo.start("SC-1").await;
    let url = demo.pay_url_with(first["attemptId"].as_str().unwrap(), "card", json!({})).await;
    demo.hosted_with(&url, "pay", "5555555555555599", &[("save", "on")]).await;
    demo.status_becomes(first["attemptId"].as_str().unwrap(), "paid").await;

    // the shopper comes back: the card is offered first
    let second = demo.start("SC-2").await;
    let attempt = second["attemptId"].as_str().unwrap().to_owned();
    assert_eq!(second["methods"][0]["kind"], "saved_card", "{second}");
    assert_eq!(second["methods"][0]["label"], "555555******5599");
    let saved = second["methods"][0]["id"].as_str().unwrap().to_owned();
    let order_id = demo.ioka_orders("SC-2").await[0]["id"].as_str().unwrap().to_owned();
    let charges = format!("ioka POST /v2/orders/{order_id}/payments/card");

    // forged: a card id ioka does not list for this shopper is refused, and ioka is not asked
    for forged in ["card:crd_NOTTHEIRS", "card:", "card:../cards"] {
        let (code, body) = demo.pay(&attempt, forged, json!({})).await;
        assert_eq!(code, 400, "{forged}: {body}");
    }
    assert_eq!(demo.provider_calls(&charges).await, 0);

    // paid by id: nothing to open, the status is already paid
    let (code, pay) = demo.pay(&attempt, &saved, json!({})).await;
    assert_eq!((code, &pay), (200, &json!({"charged": true})));
    assert_eq!(demo.status(&attempt).await["status"], "paid");
    // a second click charges nothing
    let (code, _) = demo.pay(&attempt, &saved, json!({})).await;
    assert_eq!(code, 409);
    assert_eq!(demo.provider_calls(&charges).await, 1);
    let (_, order) = demo.get(&format!("/sandbox/ioka/v2/orders/{order_id}")).await;
    assert_eq!(order["status"], "PAID");

    // another shopper cannot pay with (or remove) this card
    let mut other = demo.session_body_for("ioka", "SC-3");
    other["customer"]["id"] = json!("u-43");
    let secret = demo.client_secret(other).await;
    let (_, theirs) = demo.post("/api/checkout/start", Running::start_body_with("ioka", &secret, "SC-3")).await;
    let their_attempt = theirs["attemptId"].as_str().unwrap().to_owned();
    assert_eq!(theirs["methods"].as_array().unwrap().len(), 1, "u-43 has no saved cards: {theirs}");
    let (code, _) = demo.pay(&their_attempt, &saved, json!({})).await;
    assert_eq!(code, 400);
    let their_order = demo.ioka_orders("SC-3").await[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(demo.provider_calls(&format!("ioka POST /v2/orders/{their_order}/payments/card")).await, 0);
    let (code, _) =
        demo.post("/api/checkout/methods/remove", json!({"attemptId": their_attempt, "methodId": saved})).await;
    assert_eq!(code, 400);
    let owner = demo.ioka_orders("SC-2").await[0]["customer_id"].as_str().unwrap().to_owned();
    let delete = format!("ioka DELETE /v2/customers/{owner}/cards/{}", saved.trim_start_matches("card:"));
    assert_eq!(demo.provider_calls(&delete).await, 0, "ioka was asked nothing for them");

    // removing it: from a paid attempt no, from a payable one yes, and ioka forgets it
    let (code, _) = demo.post("/api/checkout/methods/remove", json!({"attemptId": attempt, "methodId": saved})).await;
    assert_eq!(code, 409, "a paid attempt is over");
    let fourth = demo.start("SC-4").await;
    let attempt4 = fourth["attemptId"].as_str().unwrap().to_owned();
    let (code, body) =
        demo.post("/api/checkout/methods/remove", json!({"attemptId": attempt4, "methodId": saved})).await;
    assert_eq!((code, &body), (200, &json!({"removed": true})));
    assert_eq!(demo.provider_calls(&delete).await, 1, "the owner's removal is the one DELETE");
    let again = demo.start("SC-4").await;
    assert_eq!(again["methods"].as_array().unwrap().len(), 1, "only a new card is left: {again}");
    let (code, _) = demo.pay(&attempt4, &saved, json!({})).await;
    assert_eq!(code, 400, "a removed card pays nothing");
}

/// A saved card whose issuer asks for 3-D Secure: `pay` answers ioka's confirmation page, the
/// same page again on a second click (one payment), and the shopper confirms there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_card_with_three_d_secure_opens_the_confirmation_page() {
    let demo = start_demo(None).await;
    let first = demo.start("SC3-1").await;
    let checkout_url = demo.pay_url_with(first["attemptId"].as_str().unwrap(), "card", json!({})).await;
    let form = [("action", "pay"), ("pan", "4111111111111111"), ("exp", "12/30"), ("cvc", "123"), ("save", "on")];
    let html = demo.http.post(&checkout_url).form(&form).send().await.unwrap().text().await.unwrap();
    let payment_id = html.split("name=\"payment_id\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let confirm = [("payment_id", payment_id.as_str()), ("password", "12345678"), ("action", "confirm")];
    demo.http.post(format!("{checkout_url}/3ds")).form(&confirm).send().await.unwrap();
    demo.status_becomes(first["attemptId"].as_str().unwrap(), "paid").await;

    let second = demo.start("SC3-2").await;
    let attempt = second["attemptId"].as_str().unwrap().to_owned();
    let saved = second["methods"][0]["id"].as_str().unwrap().to_owned();
    assert!(saved.starts_with("card:crd_"), "{second}");
    let page = demo.pay_url_with(&attempt, &saved, json!({})).await;
    assert!(page.contains("/3ds?payment_id=pay_"), "{page}");
    assert_eq!(demo.pay_url_with(&attempt, &saved, json!({})).await, page, "the same payment, not a second one");
    let order_id = demo.ioka_orders("SC3-2").await[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(demo.provider_calls(&format!("ioka POST /v2/orders/{order_id}/payments/card")).await, 1);
    assert_eq!(demo.status(&attempt).await["status"], "pending");

    let shown = demo.http.get(&page).send().await.unwrap();
    assert_eq!(shown.status().as_u16(), 200);
    let pid = page.rsplit("payment_id=").next().unwrap();
    let confirm = [("payment_id", pid), ("password", "12345678"), ("action", "confirm")];
    let r = demo.http.post(page.split('?').next().unwrap()).form(&confirm).send().await.unwrap();
    assert!(r.headers()["location"].to_str().unwrap().ends_with("tolem_return=success"));
    demo.status_becomes(&attempt, "paid").await;
}

/// A shop whose saved cards need their CVC: the saved card goes to ioka's page (which asks
/// for it), and the backend never tries to charge it by id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_card_that_needs_its_cvc_goes_to_iokas_page() {
    let demo = start_demo_with(tolem_demo::DemoOptions {
        sandbox_tweak: Some(|c| c.ioka.saved_cards_need_cvc = true),
        ..tolem_demo::DemoOptions::default()
    })
    .await;
    let first = demo.start("CVC-1").await;
    let url = demo.pay_url_with(first["attemptId"].as_str().unwrap(), "card", json!({})).await;
    demo.hosted_with(&url, "pay", "5555555555555599", &[("save", "on")]).await;
    let second = demo.start("CVC-2").await;
    let saved = second["methods"][0]["id"].as_str().unwrap().to_owned();
    assert!(saved.starts_with("card:crd_"), "{second}");
    let page = demo.pay_url_with(second["attemptId"].as_str().unwrap(), &saved, json!({})).await;
    let order_id = demo.ioka_orders("CVC-2").await[0]["id"].as_str().unwrap().to_owned();
    assert!(page.ends_with(&format!("/ioka/checkout/orders/{order_id}")), "{page}");
    assert_eq!(demo.provider_calls(&format!("ioka POST /v2/orders/{order_id}/payments/card")).await, 0);
    // asked directly, the sandbox (like ioka) refuses a CVC-bound card without its CVC
    let customer = demo.ioka_orders("CVC-2").await[0]["customer_id"].as_str().unwrap().to_owned();
    let body = json!({"customer_id": customer, "card_id": saved.trim_start_matches("card:")});
    let request = demo
        .http
        .post(format!("{}/sandbox/ioka/v2/orders/{order_id}/payments/card", demo.origin))
        .header("API-KEY", creds::IOKA_API_KEY)
        .header("content-type", "application/json")
        .body(body.to_string());
    let (code, refused) = answer(request).await;
    assert_eq!((code, refused["code"].as_str()), (400, Some("CvcRequired")));
}
