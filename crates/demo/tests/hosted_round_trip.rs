//! Bereke (RBS) and ECommPay round trips over real HTTP on loopback: backend ⇄ sandbox,
//! hosted pages, signed callbacks, holds, and the providers' own error semantics.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;
use tolem_i18n::hosted::Msg;
use tolem_i18n::Locale;

use common::*;
use serde_json::{json, Value};
use tolem_demo::{DemoOptions, DEMO_ADMIN_TOKEN};
use tolem_sandbox::demo_credentials as creds;

async fn demo_with_holds() -> Running {
    start_demo_with(DemoOptions {
        provider_timeout: Duration::from_secs(5),
        bereke_two_stage: true,
        ecommpay_hold: true,
        ioka_manual_capture: true,
        ..DemoOptions::default()
    })
    .await
}

impl Running {
    async fn pay_url(&self, attempt: &str, method: &str) -> String {
        self.pay_url_with(attempt, method, json!({})).await
    }

    /// Bereke: opens `formUrl`, then submits its form. Returns where the shopper lands.
    async fn bereke_page(&self, form_url: &str, action: &str, pan: &str) -> String {
        let page = self.http.get(form_url).send().await.unwrap();
        assert_eq!(page.status().as_u16(), 200);
        let html = page.text().await.unwrap();
        assert!(["pay", "decline", "cancel"].iter().all(|a| html.contains(&format!("value=\"{a}\">"))), "{html}");
        let md_order = form_url.split("mdOrder=").nth(1).unwrap().to_owned();
        self.hosted_with(form_url, action, pan, &[("mdOrder", &md_order)]).await
    }

    /// ECommPay: opens the Payment Page, then submits its form.
    async fn ecommpay_page(&self, page_url: &str, action: &str, pan: &str) -> String {
        let page = self.http.get(page_url).send().await.unwrap();
        assert_eq!(page.status().as_u16(), 200, "{}", page.text().await.unwrap_or_default());
        let payment_id = query_value(page_url, "payment_id");
        let submit = format!("{}/sandbox/ecommpay/payment", self.origin);
        self.hosted_with(&submit, action, pan, &[("payment_id", &payment_id)]).await
    }

    async fn rbs(&self, method: &str, params: &[(&str, &str)]) -> Value {
        let mut form = vec![("userName", creds::BEREKE_USER_NAME), ("password", creds::BEREKE_PASSWORD)];
        form.extend_from_slice(params);
        let url = format!("{}/sandbox/bereke/payment/rest/{method}", self.origin);
        answer(self.http.post(url).form(&form)).await.1
    }

    async fn admin(&self, action: &str, attempt: &str, token: &str) -> (u16, Value) {
        let request = self
            .http
            .post(format!("{}/api/checkout/admin/{action}", self.origin))
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {token}"))
            .body(json!({ "attemptId": attempt }).to_string());
        answer(request).await
    }

    async fn events(&self, provider: &str) -> Vec<Value> {
        let (_, log) = self.get("/sandbox/_control/webhooks").await;
        log.as_array().cloned().unwrap_or_default().into_iter().filter(|d| d["provider"] == provider).collect()
    }

    /// Waits (bounded) for `n` deliveries from `provider`.
    async fn wait_events(&self, provider: &str, n: usize) -> Vec<Value> {
        for _ in 0..200 {
            let log = self.events(provider).await;
            if log.len() >= n {
                return log;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("fewer than {n} {provider} deliveries");
    }

    async fn fault(&self, rule: Value) {
        let (code, _) = self.post("/sandbox/_control/faults", rule).await;
        assert_eq!(code, 201);
    }
}

/// A query parameter's decoded value.
fn query_value(url: &str, name: &str) -> String {
    let query = url.split_once('?').unwrap().1;
    tolem_core::http::decode_form(query).into_iter().find(|(k, _)| k == name).unwrap().1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bereke_pay_decline_retry_cancel_and_callbacks() {
    let demo = start_demo(None).await;
    let started = demo.start_for("bereke", "B-100").await;
    let attempt = started["attemptId"].as_str().unwrap().to_owned();
    assert_eq!(started["methods"][0]["id"], "card");
    assert!(!started.to_string().contains(creds::BEREKE_PASSWORD));

    // Pay: register.do → formUrl → Pay → returnUrl?…&orderId=…&lang=kk → callback → paid.
    let form_url = demo.pay_url(&attempt, "card").await;
    assert!(form_url
        .starts_with(&format!("{}/sandbox/bereke/payment/merchants/tolem_demo/payment_kk.html?mdOrder=", demo.origin)));
    assert_eq!(demo.pay_url(&attempt, "card").await, form_url, "a second click gets the same page, no new order");
    let md_order = query_value(&form_url, "mdOrder");
    let back = demo.bereke_page(&form_url, "pay", "5555555555555599").await;
    assert_eq!(back, format!("{}/?provider=bereke&tolem_return=success&orderId={md_order}&lang=kk", demo.origin));
    let log = demo.wait_events("bereke", 1).await;
    assert_eq!((log[0]["event"].as_str(), log[0]["status"].as_u64()), (Some("deposited:1"), Some(200)));
    demo.status_becomes(&attempt, "paid").await;
    // Without the journal: the return's orderId finds the attempt, for the session's widget only.
    let by_md_order = format!("/api/checkout/status?provider=bereke&orderId={md_order}");
    let secret = demo.client_secret(demo.session_body_for("bereke", "B-100")).await;
    let (code, by_return) = demo.get_as_session(&by_md_order, &secret).await;
    assert_eq!((code, by_return["attemptId"].as_str()), (200, Some(attempt.as_str())));
    assert_eq!((by_return["orderId"].as_str(), by_return["amount"].as_i64()), (Some("B-100"), Some(1_500_000)));
    let (code, body) = demo.get(&by_md_order).await;
    assert_eq!((code, body["error"]["code"].as_str()), (401, Some("SESSION_INVALID")), "no secret: {body}");
    let other = demo.client_secret(demo.session_body_for("bereke", "B-OTHER")).await;
    let (code, body) = demo.get_as_session(&by_md_order, &other).await;
    assert_eq!(code, 404, "another order's session learns nothing of B-100: {body}");
    let (code, _) = demo.post("/api/checkout/pay", json!({"attemptId": attempt, "methodId": "card"})).await;
    assert_eq!(code, 409, "a paid attempt cannot be paid again");
    let status = demo.rbs("getOrderStatusExtended.do", &[("orderNumber", "B-100")]).await;
    assert_eq!(
        (status["orderStatus"].as_i64(), status["paymentAmountInfo"]["paymentState"].as_str()),
        (Some(2), Some("DEPOSITED"))
    );

    // Decline, then "try again": a new orderNumber (RBS refuses to reuse one), then paid.
    let attempt = demo.start_for("bereke", "B-101").await["attemptId"].as_str().unwrap().to_owned();
    let form_url = demo.pay_url(&attempt, "card").await;
    let back = demo.bereke_page(&form_url, "pay", "4444444444446666").await;
    assert!(back.contains("tolem_return=failure&orderId="), "{back}");
    demo.status_becomes(&attempt, "failed").await;
    let again = demo.start_for("bereke", "B-101").await;
    assert_eq!((again["attemptId"].as_str(), again["status"].as_str()), (Some(attempt.as_str()), Some("pending")));
    let second_url = demo.pay_url(&attempt, "card").await;
    assert_ne!(second_url, form_url);
    assert_eq!(demo.rbs("getOrderStatusExtended.do", &[("orderNumber", "B-101~2")]).await["orderStatus"], 0);
    demo.bereke_page(&second_url, "pay", "5555555555555599").await;
    demo.status_becomes(&attempt, "paid").await;
    // The first order is closed for good: its page says so, in the Kazakh the order was
    // registered with (`language=kk`, so `payment_kk.html`).
    let closed = demo.http.get(&form_url).send().await.unwrap().text().await.unwrap();
    assert!(closed.contains(Msg::ClosedText.text(Locale::Kk)), "{closed}");

    // Cancel: back to failUrl, the bank order stays payable, the next pay reuses it.
    let attempt = demo.start_for("bereke", "B-102").await["attemptId"].as_str().unwrap().to_owned();
    let form_url = demo.pay_url(&attempt, "card").await;
    let back = demo.bereke_page(&form_url, "cancel", "").await;
    assert!(back.contains("tolem_return=failure&orderId="), "{back}");
    assert_eq!(demo.status(&attempt).await["status"], "pending");
    assert_eq!(demo.pay_url(&attempt, "card").await, form_url);

    // 3-D Secure: the test card asks for the password.
    let attempt = demo.start_for("bereke", "B-103").await["attemptId"].as_str().unwrap().to_owned();
    let form_url = demo.pay_url(&attempt, "card").await;
    let md_order = query_value(&form_url, "mdOrder");
    let form = [
        ("action", "pay"),
        ("pan", "4111111111111111"),
        ("exp", "12/30"),
        ("cvc", "123"),
        ("holder", "T"),
        ("mdOrder", &md_order),
    ];
    let page = demo.http.post(&form_url).form(&form).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("3-D Secure"), "{page}");
    let acs = format!("{}/sandbox/bereke/payment/merchants/tolem_demo/acs/{md_order}", demo.origin);
    let r = demo.http.post(&acs).form(&[("action", "confirm"), ("password", "12345678")]).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 303);
    demo.status_becomes(&attempt, "paid").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bereke_callbacks_early_late_duplicate_and_forged() {
    let demo = start_demo(None).await;
    // The shopper comes back before the callback: the status read finds the payment.
    demo.fault(json!({"provider": "bereke", "webhook": "delay", "latencyMs": 1500, "times": 1})).await;
    let attempt = demo.start_for("bereke", "C-1").await["attemptId"].as_str().unwrap().to_owned();
    let form_url = demo.pay_url(&attempt, "card").await;
    demo.bereke_page(&form_url, "pay", "5555555555555599").await;
    assert!(demo.events("bereke").await.is_empty(), "the callback is still on its way");
    demo.status_becomes(&attempt, "paid").await;
    let log = demo.wait_events("bereke", 1).await;
    assert_eq!(log[0]["status"], 200, "the late callback is accepted and changes nothing");

    // A duplicated callback: both answered 200, the second recognised as a replay.
    demo.fault(json!({"provider": "bereke", "webhook": "duplicate", "times": 1})).await;
    let attempt = demo.start_for("bereke", "C-2").await["attemptId"].as_str().unwrap().to_owned();
    let form_url = demo.pay_url(&attempt, "card").await;
    demo.bereke_page(&form_url, "pay", "5555555555555599").await;
    let log = demo.wait_events("bereke", 3).await;
    assert!(log.iter().all(|d| d["status"] == 200), "{log:?}");

    // Forged and tampered callbacks are refused.
    let md_order = query_value(&form_url, "mdOrder");
    let genuine = format!("amount=1500000&mdOrder={md_order}&operation=reversed&orderNumber=C-2&status=1");
    let forged = format!("{genuine}&checksum={}", "A".repeat(64));
    let (code, body) = answer(demo.http.get(format!("{}/api/checkout/webhooks/bereke?{forged}", demo.origin))).await;
    assert_eq!((code, body["error"]["code"].as_str()), (401, Some("BAD_SIGNATURE")));
    let (code, _) = answer(demo.http.get(format!("{}/api/checkout/webhooks/bereke?{genuine}", demo.origin))).await;
    assert_eq!(code, 401, "no checksum, no trust");
    demo.status_becomes(&attempt, "paid").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bereke_gateway_semantics() {
    let demo = start_demo(None).await;
    let register = [("orderNumber", "R-1"), ("amount", "1000"), ("returnUrl", "https://shop.kz/r")];
    let first = demo.rbs("register.do", &register).await;
    assert!(first["orderId"].is_string() && first["formUrl"].is_string(), "{first}");
    assert!(first.get("errorCode").is_none_or(|c| c == "0"));
    let reused = demo.rbs("register.do", &register).await;
    assert_eq!(reused["errorCode"], "1", "a reused orderNumber");
    assert_eq!(reused["errorMessage"], "Заказ с таким номером был зарегистрирован, но не был оплачен");
    let long =
        [("orderNumber", "R-0123456789012345678901234567890"), ("amount", "1000"), ("returnUrl", "https://s.kz")];
    assert_eq!(demo.rbs("register.do", &long).await["errorMessage"], "Неверный номер заказа", "33 characters");
    let german = [("orderNumber", "R-DE"), ("amount", "1000"), ("returnUrl", "https://s.kz"), ("language", "de")];
    assert_eq!(demo.rbs("register.do", &german).await["errorCode"], "5");
    assert_eq!(
        demo.rbs("getOrderStatusExtended.do", &[("orderId", "00000000-0000-0000-0000-000000000000")]).await
            ["errorCode"],
        "6"
    );
    assert_eq!(demo.rbs("getOrderStatusExtended.do", &[]).await["errorCode"], "1");
    assert_eq!(demo.rbs("register.do", &[("amount", "1000"), ("returnUrl", "https://s.kz")]).await["errorCode"], "4");
    assert_eq!(
        demo.rbs(
            "register.do",
            &[("orderNumber", "R-2"), ("amount", "1"), ("returnUrl", "https://s.kz"), ("currency", "999")]
        )
        .await["errorCode"],
        "3"
    );
    let url = format!("{}/sandbox/bereke/payment/rest/register.do", demo.origin);
    let denied = answer(demo.http.post(url).form(&[("userName", "x"), ("password", "y")])).await.1;
    assert_eq!(denied["errorCode"], "5");
    let status = demo.rbs("getOrderStatusExtended.do", &[("orderId", first["orderId"].as_str().unwrap())]).await;
    assert_eq!(
        (status["errorCode"].as_str(), status["orderStatus"].as_i64(), status["actionCode"].as_i64()),
        (Some("0"), Some(0), Some(-100))
    );
    assert_eq!(status["currency"], "398", "currency defaults to the merchant's (KZT)");
    let short = demo.rbs("getOrderStatus.do", &[("orderNumber", "R-1")]).await;
    assert_eq!(short["OrderStatus"], 0);
    assert_eq!(
        demo.rbs("deposit.do", &[("orderId", first["orderId"].as_str().unwrap())]).await["errorCode"],
        "7",
        "nothing held"
    );
}

/// How often the sandbox's RBS answered `method` (`register.do`, …).
async fn rbs_calls(demo: &Running, method: &str) -> u64 {
    demo.provider_calls(&format!("bereke POST /payment/rest/{method}")).await
}

/// A gateway whose page has no Kazakh: the `language` it refuses is dropped, the order
/// registered again without it, and the Kazakh shopper pays on the Russian page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bereke_without_a_kazakh_page_still_takes_kazakh_shoppers() {
    let demo = start_demo_with(DemoOptions {
        sandbox_tweak: Some(|config| config.bereke.languages = vec!["ru".into(), "en".into()]),
        ..DemoOptions::default()
    })
    .await;
    let refused = demo
        .rbs(
            "register.do",
            &[("orderNumber", "L-0"), ("amount", "1000"), ("returnUrl", "https://s.kz"), ("language", "kk")],
        )
        .await;
    assert_eq!(refused["errorCode"], "5", "{refused}");
    let attempt = demo.start_for("bereke", "L-1").await["attemptId"].as_str().unwrap().to_owned();
    let form_url = demo.pay_url(&attempt, "card").await;
    assert!(form_url.contains("/payment_ru.html?mdOrder="), "{form_url}");
    assert_eq!(rbs_calls(&demo, "register.do").await, 3, "the test's own, then kk refused, then without a language");
    demo.bereke_page(&form_url, "pay", "5555555555555599").await;
    demo.status_becomes(&attempt, "paid").await;
}

/// errorCode 1 for a number the gateway finds invalid is not walked through 20 tries: the
/// order read by that number does not exist, so the pay fails at once, cleanly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bereke_order_number_the_gateway_finds_invalid_fails_at_once() {
    let demo = start_demo_with(DemoOptions {
        sandbox_tweak: Some(|config| config.bereke.max_order_number_len = 8),
        ..DemoOptions::default()
    })
    .await;
    let attempt = demo.start_for("bereke", "BK-LONG-1").await["attemptId"].as_str().unwrap().to_owned();
    let (code, body) = demo.pay(&attempt, "card", json!({})).await;
    assert_eq!((code, body["error"]["code"].as_str()), (502, Some("PROVIDER_ERROR")), "{body}");
    assert_eq!(rbs_calls(&demo, "register.do").await, 1, "one register, not one per try");
    let (_, ledger) = demo.get("/sandbox/_control/ledger?order=BK-LONG-1").await;
    assert_eq!(ledger["bereke"]["orders"].as_u64().unwrap_or(0), 0, "{ledger}");
}

/// register.do's answer is lost, and the order it made gets paid after all: the next pay
/// hears errorCode 1, reads the order by its number, finds the money, and settles the
/// attempt, instead of registering a second order the shopper could pay again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_bereke_registration_that_was_paid_settles_the_attempt() {
    let demo = start_demo_with_timeout(None, Duration::from_millis(700)).await;
    let attempt = demo.start_for("bereke", "LOST-1").await["attemptId"].as_str().unwrap().to_owned();
    demo.fault(json!({"provider": "bereke", "path": "/payment/rest/register.do", "answerAfterMs": 1500, "times": 1}))
        .await;
    let (code, body) = demo.pay(&attempt, "card", json!({})).await;
    assert_eq!(code, 502, "the answer did not come in time: {body}");
    // The order exists at the gateway; someone pays it.
    let order = demo.rbs("getOrderStatusExtended.do", &[("orderNumber", "LOST-1")]).await;
    let md_order = order["attributes"][0]["value"].as_str().unwrap().to_owned();
    let form_url =
        format!("{}/sandbox/bereke/payment/merchants/tolem_demo/payment_ru.html?mdOrder={md_order}", demo.origin);
    demo.fault(json!({"provider": "bereke", "webhook": "drop", "times": 1})).await;
    demo.bereke_page(&form_url, "pay", "5555555555555599").await;
    let (code, body) = demo.pay(&attempt, "card", json!({})).await;
    assert_eq!(code, 409, "{body}");
    assert_eq!(demo.status(&attempt).await["status"], "paid");
    let (_, ledger) = demo.get("/sandbox/_control/ledger?order=LOST-1").await;
    assert_eq!(
        (ledger["bereke"]["orders"].as_u64(), ledger["bereke"]["paid"].as_u64()),
        (Some(1), Some(1)),
        "{ledger}"
    );
}

/// A terminal whose callbacks carry no checksum, with the backend told so: a callback only
/// makes the backend read the order, and what the read says is applied; a made-up callback
/// changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bereke_callbacks_without_a_checksum_only_trigger_a_read() {
    let demo = start_demo_with(DemoOptions { bereke_unsigned_callbacks: true, ..DemoOptions::default() }).await;
    let attempt = demo.start_for("bereke", "U-1").await["attemptId"].as_str().unwrap().to_owned();
    let form_url = demo.pay_url(&attempt, "card").await;
    let md_order = query_value(&form_url, "mdOrder");
    // Made up: "deposited" for an order nobody paid.
    let made_up = format!("amount=1500000&mdOrder={md_order}&operation=deposited&orderNumber=U-1&status=1");
    let (code, _) = answer(demo.http.get(format!("{}/api/checkout/webhooks/bereke?{made_up}", demo.origin))).await;
    assert_eq!(code, 200);
    assert_eq!(demo.status(&attempt).await["status"], "pending", "the read found nothing paid");
    let reads_before = rbs_calls(&demo, "getOrderStatusExtended.do").await;
    demo.bereke_page(&form_url, "pay", "5555555555555599").await;
    let log = demo.wait_events("bereke", 1).await;
    assert!(!log[0]["url"].as_str().unwrap_or_default().contains("checksum="), "{log:?}");
    assert_eq!(log[0]["status"], 200, "{log:?}");
    assert!(rbs_calls(&demo, "getOrderStatusExtended.do").await > reads_before, "the callback was read");
    demo.status_becomes(&attempt, "paid").await;
}

/// ioka's MANUAL capture: the hold is captured with `POST /v2/orders/{id}/capture` or
/// released with `…/cancel`, each once, and nothing else at ioka changes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ioka_holds_are_captured_or_released_by_the_merchant() {
    let demo = demo_with_holds().await;
    let mut orders = Vec::new();
    for (order, action, want) in [("IOKA-H1", "capture", "paid"), ("IOKA-H2", "release", "cancelled")] {
        let attempt = demo.start_for("ioka", order).await["attemptId"].as_str().unwrap().to_owned();
        let url = demo.pay_url(&attempt, "card").await;
        demo.hosted(&url, "pay", "5555555555555599").await;
        demo.status_becomes(&attempt, "authorized").await;
        let (code, settled) = demo.admin(action, &attempt, DEMO_ADMIN_TOKEN).await;
        assert_eq!((code, settled["status"].as_str()), (200, Some(want)), "{action}: {settled}");
        let (code, _) = demo.admin(action, &attempt, DEMO_ADMIN_TOKEN).await;
        assert_eq!(code, 409, "{action}: settled once; no hold is left");
        orders.push(demo.ioka_orders(order).await[0]["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(demo.provider_calls(&format!("ioka POST /v2/orders/{}/capture", orders[0])).await, 1);
    assert_eq!(demo.provider_calls(&format!("ioka POST /v2/orders/{}/cancel", orders[1])).await, 1);
    let (_, ledger) = demo.get("/sandbox/_control/ledger?order=IOKA-H2").await;
    assert_eq!(ledger["ioka"]["paid"], 0, "the released hold took nothing: {ledger}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn holds_are_captured_or_released_by_the_merchant() {
    let demo = demo_with_holds().await;
    let mut released_attempts = Vec::new();
    for (provider, method) in [("bereke", "card"), ("ecommpay", "payment_page")] {
        let capture_id = format!("{provider}-H1");
        let attempt = demo.start_for(provider, &capture_id).await["attemptId"].as_str().unwrap().to_owned();
        let url = demo.pay_url(&attempt, method).await;
        if provider == "bereke" {
            demo.bereke_page(&url, "pay", "5555555555555599").await;
        } else {
            assert_eq!(query_value(&url, "operation_type"), "auth");
            demo.ecommpay_page(&url, "pay", "4000000000000077").await;
        }
        demo.status_becomes(&attempt, "authorized").await;
        let (code, _) = demo.admin("capture", &attempt, "wrong").await;
        assert_eq!(code, 401);
        let (code, captured) = demo.admin("capture", &attempt, DEMO_ADMIN_TOKEN).await;
        assert_eq!((code, captured["status"].as_str()), (200, Some("paid")), "{provider}: {captured}");
        let (code, _) = demo.admin("release", &attempt, DEMO_ADMIN_TOKEN).await;
        assert_eq!(code, 409, "a captured payment is not a hold any more");

        let release_id = format!("{provider}-H2");
        let delay = json!({"provider": provider, "webhook": "delay", "latencyMs": 1_500, "times": 1});
        assert_eq!(demo.post("/sandbox/_control/faults", delay).await.0, 201);
        let attempt = demo.start_for(provider, &release_id).await["attemptId"].as_str().unwrap().to_owned();
        let url = demo.pay_url(&attempt, method).await;
        if provider == "bereke" {
            demo.bereke_page(&url, "pay", "5555555555555599").await;
        } else {
            demo.ecommpay_page(&url, "pay", "4000000000000077").await;
        }
        let (code, released) = demo.admin("release", &attempt, DEMO_ADMIN_TOKEN).await;
        assert_eq!((code, released["status"].as_str()), (200, Some("cancelled")), "{provider}: {released}");
        released_attempts.push(attempt);
    }
    let bereke = demo.rbs("getOrderStatusExtended.do", &[("orderNumber", "bereke-H2")]).await;
    assert_eq!(bereke["orderStatus"], 3, "reverse.do released the hold");
    // ECommPay's holds were settled at their method's Gate path; another method's is refused.
    assert_eq!(demo.provider_calls("ecommpay POST /v2/payment/card/capture").await, 1);
    assert_eq!(demo.provider_calls("ecommpay POST /v2/payment/card/cancel").await, 1);
    let gate = tolem_core::providers::ecommpay::Gate {
        base_url: &format!("{}/sandbox/ecommpay", demo.origin),
        project_id: creds::ECOMMPAY_PROJECT_ID,
        secret: creds::ECOMMPAY_SECRET.as_bytes(),
    };
    let wrong = gate.settle_hold("ecommpay-H1", "googlepay", false, 1_500_000, "KZT");
    let request = demo.http.post(&wrong.url).header("content-type", "application/json").body(wrong.body.unwrap());
    let (code, body) = answer(request).await;
    assert_eq!((code, body["errors"][0]["code"].as_str()), (400, Some("3030")), "{body}");

    // The hold's own notifications were held back (a slow provider): they arrive after the
    // release, genuine and signed, and undo nothing.
    let mut arrived = 0;
    for _ in 0..100 {
        let (_, log) = demo.get("/sandbox/_control/webhooks").await;
        arrived = log
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| {
                let what = format!("{}{}", d["url"], d["body"]);
                ((what.contains("bereke-H2") && d["event"] == "approved:1")
                    || (what.contains("ecommpay-H2") && d["event"] == "awaiting capture"))
                    && d["status"] == 200
            })
            .count();
        if arrived == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(arrived, 2, "both held-back hold notifications were delivered and accepted");
    for attempt in &released_attempts {
        assert_eq!(demo.status(attempt).await["status"], "cancelled", "a late authorisation never undoes a release");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ecommpay_pay_decline_retry_cancel_and_tampering() {
    let demo = start_demo(None).await;
    let started = demo.start_for("ecommpay", "E-100").await;
    let attempt = started["attemptId"].as_str().unwrap().to_owned();
    assert_eq!(started["methods"][0]["id"], "payment_page");
    let url = demo.pay_url(&attempt, "payment_page").await;
    assert!(url.starts_with(&format!(
        "{}/sandbox/ecommpay/payment?project_id={}&payment_id=E-100&",
        demo.origin,
        creds::ECOMMPAY_PROJECT_ID
    )));
    assert!(!url.contains(creds::ECOMMPAY_SECRET));
    assert_eq!(query_value(&url, "language_code"), "kk");
    // The first page of a try is made without asking the Gate: it does not know the id yet,
    // and nothing public says how it answers for one.
    assert_eq!(gate_status_reads(&demo).await, 0);
    assert_eq!(query_value(&url, "customer_phone"), "77010000000", "digits only, as ECommPay takes them");
    // ECommPay treats payment ids case-insensitively: another order spelled e-100 would be
    // E-100's payment, so it is refused before anything is made.
    let secret = demo.client_secret(demo.session_body_for("ecommpay", "e-100")).await;
    let (code, body) = demo.post("/api/checkout/start", Running::start_body_with("ecommpay", &secret, "e-100")).await;
    assert_eq!(code, 409, "{body}");
    assert!(body["error"]["message"].as_str().unwrap_or_default().contains("letter case"), "{body}");

    // A tampered URL (amount lowered) is refused with ECommPay's error shape.
    let cheaper = url.replace("payment_amount=1500000", "payment_amount=100");
    let (code, body) = answer(demo.http.get(&cheaper)).await;
    assert_eq!(code, 400);
    assert_eq!(body["errors"][0]["message"], "Signature is invalid", "{body}");
    let (code, body) = answer(demo.http.get(url.split("&signature=").next().unwrap())).await;
    assert_eq!((code, body["errors"][0]["field"].as_str()), (400, Some("signature")));

    // Before the shopper submits, the Gate does not know the payment: still pending.
    assert_eq!(demo.status(&attempt).await["status"], "pending");
    let back = demo.ecommpay_page(&url, "pay", "4000000000000077").await;
    assert_eq!(back, format!("{}/?provider=ecommpay&tolem_return=success", demo.origin));
    let log = demo.wait_events("ecommpay", 1).await;
    assert_eq!((log[0]["event"].as_str(), log[0]["status"].as_u64()), (Some("success"), Some(200)));
    demo.status_becomes(&attempt, "paid").await;
    let (code, _) = answer(demo.http.get(&url)).await;
    assert_eq!(code, 400, "a processed payment_id cannot be paid again");
    // The same callback replayed with its keys in another order and other whitespace (its
    // signature still matches: ECommPay signs the sorted values) is the same news: a duplicate.
    let delivered: Value = serde_json::from_str(log[0]["body"].as_str().unwrap()).unwrap();
    let entries: Vec<String> = delivered
        .as_object()
        .unwrap()
        .iter()
        .rev()
        .map(|(k, v)| format!("\n  {}: {}", json!(k), serde_json::to_string_pretty(v).unwrap()))
        .collect();
    let reformatted = format!("{{{}\n}}", entries.join(","));
    assert_ne!(reformatted, log[0]["body"].as_str().unwrap());
    let replay =
        demo.http.post(log[0]["url"].as_str().unwrap()).header("content-type", "application/json").body(reformatted);
    let (code, replayed) = answer(replay).await;
    assert_eq!((code, replayed["duplicate"].as_bool()), (200, Some(true)), "{replayed}");
    assert_eq!(demo.status(&attempt).await["status"], "paid");
    let (_, ledger) = demo.get("/sandbox/_control/ledger?order=E-100").await;
    assert_eq!(ledger["ecommpay"]["paid"], 1, "{ledger}");

    // Decline → failure URL → failed; try again → payment_id E-101~2 → paid.
    let attempt = demo.start_for("ecommpay", "E-101").await["attemptId"].as_str().unwrap().to_owned();
    let url = demo.pay_url(&attempt, "payment_page").await;
    let back = demo.ecommpay_page(&url, "decline", "").await;
    assert!(back.ends_with("tolem_return=failure"), "{back}");
    demo.status_becomes(&attempt, "failed").await;
    demo.start_for("ecommpay", "E-101").await;
    let url = demo.pay_url(&attempt, "payment_page").await;
    assert_eq!(query_value(&url, "payment_id"), "E-101~2");
    demo.ecommpay_page(&url, "pay", "5555555555555599").await;
    demo.status_becomes(&attempt, "paid").await;

    // Cancel → merchant_return_url (tolem_return=back); nothing at the Gate.
    let attempt = demo.start_for("ecommpay", "E-102").await["attemptId"].as_str().unwrap().to_owned();
    let url = demo.pay_url(&attempt, "payment_page").await;
    let back = demo.ecommpay_page(&url, "cancel", "").await;
    assert!(back.ends_with("tolem_return=back"), "{back}");
    assert_eq!(demo.status(&attempt).await["status"], "pending");

    // Forged and replayed callbacks.
    let forged = json!({"project_id": creds::ECOMMPAY_PROJECT_ID, "payment": {"id": "E-102", "status": "success"}, "signature": "bm9wZQ=="});
    let (code, _) = demo.post("/api/checkout/webhooks/ecommpay", forged).await;
    assert_eq!(code, 401);
    let unsigned = json!({"project_id": creds::ECOMMPAY_PROJECT_ID, "payment": {"id": "E-102", "status": "success"}});
    let (code, _) = demo.post("/api/checkout/webhooks/ecommpay", unsigned).await;
    assert_eq!(code, 401);
    assert_eq!(demo.status(&attempt).await["status"], "pending");
}

/// How often the sandbox's ECommPay Gate was asked for a payment's status.
async fn gate_status_reads(demo: &Running) -> u64 {
    demo.provider_calls("ecommpay POST /v2/payment/status").await
}

/// Opens a Payment Page URL and pays it with a success card: the answer's status and
/// `Location`.
async fn pay_ecommpay_page(demo: &Running, url: String) -> (u16, Option<String>) {
    let (code, _) = answer(demo.http.get(&url)).await;
    assert_eq!(code, 200, "{url}");
    let payment_id = query_value(&url, "payment_id");
    let form = [
        ("action", "pay"),
        ("pan", "4000000000000077"),
        ("exp", "12/30"),
        ("cvc", "123"),
        ("holder", "T"),
        ("payment_id", payment_id.as_str()),
    ];
    let r = demo.http.post(format!("{}/sandbox/ecommpay/payment", demo.origin)).form(&form).send().await.unwrap();
    (r.status().as_u16(), r.headers().get("location").map(|l| l.to_str().unwrap().to_owned()))
}

/// The Payment Page leads back to the shop only where `merchant_<way>_enabled` allows it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ecommpay_leads_back_only_when_the_way_back_is_enabled() {
    let demo = start_demo(None).await;
    let page = |payment_id: &str, extra: &[(&str, &str)]| {
        let mut params = serde_json::Map::new();
        for (k, v) in [
            ("project_id", creds::ECOMMPAY_PROJECT_ID.to_string().as_str()),
            ("payment_id", payment_id),
            ("payment_amount", "5000"),
            ("payment_currency", "KZT"),
            ("merchant_success_url", "https://shop.example/paid"),
        ]
        .iter()
        .chain(extra)
        {
            params.insert((*k).to_owned(), json!(v));
        }
        let signature =
            tolem_core::providers::ecommpay::sign(&Value::Object(params.clone()), creds::ECOMMPAY_SECRET.as_bytes());
        let query: Vec<String> = params
            .iter()
            .map(|(k, v)| format!("{k}={}", tolem_core::http::encode_component(v.as_str().unwrap())))
            .chain([format!("signature={}", tolem_core::http::encode_component(&signature))])
            .collect();
        format!("{}/sandbox/ecommpay/payment?{}", demo.origin, query.join("&"))
    };
    assert_eq!(
        pay_ecommpay_page(&demo, page("WB-1", &[])).await,
        (200, None),
        "no flag: the page shows its own result"
    );
    assert_eq!(pay_ecommpay_page(&demo, page("WB-2", &[("merchant_success_enabled", "0")])).await, (200, None));
    for (id, enabled) in [("WB-3", "1"), ("WB-4", "2")] {
        let url = page(id, &[("merchant_success_enabled", enabled), ("merchant_success_redirect_mode", "parent_page")]);
        assert_eq!(
            pay_ecommpay_page(&demo, url).await,
            (303, Some("https://shop.example/paid".to_owned())),
            "enabled={enabled}"
        );
    }
    let (code, body) = answer(demo.http.get(page("WB-5", &[("merchant_success_redirect_mode", "popup")]))).await;
    assert_eq!((code, body["errors"][0]["field"].as_str()), (400, Some("merchant_success_redirect_mode")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ecommpay_accepts_urls_signed_the_sdk_ways() {
    let demo = start_demo(None).await;
    // As the Python SDK writes it: `+` for spaces, `{"id": 24}`, a boolean as `True`;
    // the signature is over the decoded values with the boolean as `1`.
    let params = json!({
        "project_id": creds::ECOMMPAY_PROJECT_ID.to_string(),
        "payment_id": "SDK 1",
        "payment_amount": "5000",
        "payment_currency": "KZT",
        "payment_description": "Тест & co",
        "interface_type": "{\"id\": 24}",
        "close_on_missclick": true,
    });
    let signature = tolem_core::providers::ecommpay::sign(&params, creds::ECOMMPAY_SECRET.as_bytes());
    let encode = |s: &str| tolem_core::http::encode_component(s).replace("%20", "+");
    let query = format!(
        "project_id={}&payment_id=SDK+1&payment_amount=5000&payment_currency=KZT&payment_description={}&interface_type={}&close_on_missclick=True&signature={}",
        creds::ECOMMPAY_PROJECT_ID,
        encode("Тест & co"),
        encode("{\"id\": 24}"),
        encode(&signature)
    );
    let page = demo.http.get(format!("{}/sandbox/ecommpay/payment?{query}", demo.origin)).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200, "{}", page.text().await.unwrap_or_default());
    // Signed with the wrong secret: refused.
    let wrong = tolem_core::providers::ecommpay::sign(&params, b"not the secret");
    let bad = query.replace(&encode(&signature), &encode(&wrong));
    let (code, _) = answer(demo.http.get(format!("{}/sandbox/ecommpay/payment?{bad}", demo.origin))).await;
    assert_eq!(code, 400);
}

/// Hosted pages speak the shopper's language: the provider's language parameter first
/// (Bereke's `language` → `payment_<lang>.html`), else `Accept-Language`, else Russian; and a
/// form post answers in the language of the page it came from.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hosted_pages_speak_the_shoppers_language() {
    let demo = start_demo(None).await;
    let attempt = demo.start_for("bereke", "B-LANG").await["attemptId"].as_str().unwrap().to_owned();
    let form_url = demo.pay_url(&attempt, "card").await;
    assert!(form_url.contains("/payment_kk.html?"), "{form_url}");
    // The page name wins over the browser's languages.
    let page = demo.http.get(&form_url).header("accept-language", "en").send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<html lang=\"kk\">"), "{page}");
    for msg in [Msg::Payment, Msg::CardNumber, Msg::Pay, Msg::Decline, Msg::Cancel, Msg::TestCards] {
        assert!(page.contains(msg.text(Locale::Kk)), "{:?} in Kazakh: {page}", msg);
    }
    assert!(!page.contains(">Pay<"), "no English left: {page}");
    let action = page.split("<form method=\"post\" action=\"").nth(1).unwrap().split('"').next().unwrap();
    assert!(action.ends_with("lang=kk"), "{action}");
    // A bad card number is refused in Kazakh by the page the form posts to (the same page).
    assert!(action.starts_with('?'), "{action}");
    let target = format!("{}{}", form_url.split('?').next().unwrap(), action.replace("&amp;", "&"));
    let md_order = form_url.split("mdOrder=").nth(1).unwrap();
    let refused = demo
        .http
        .post(target)
        .form(&[("action", "pay"), ("pan", "1234"), ("exp", "12/30"), ("cvc", "123"), ("mdOrder", md_order)])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(refused.contains(Msg::CheckCardNumber.text(Locale::Kk)), "{refused}");

    // No language parameter (ioka): the browser's Accept-Language, by quality; else Russian.
    let started = demo.start("IOKA-LANG").await;
    let attempt = started["attemptId"].as_str().unwrap().to_owned();
    let checkout_url = demo.pay_url(&attempt, "card").await;
    let page_in = |lang: Option<&'static str>| {
        let mut r = demo.http.get(&checkout_url);
        if let Some(l) = lang {
            r = r.header("accept-language", l);
        }
        async move { r.send().await.unwrap().text().await.unwrap() }
    };
    let english = page_in(Some("de-DE,en;q=0.8,ru;q=0.5")).await;
    assert!(english.contains("<html lang=\"en\">") && english.contains(">Pay<"), "{english}");
    let russian = page_in(None).await;
    assert!(russian.contains("<html lang=\"ru\">") && russian.contains(Msg::Pay.text(Locale::Ru)), "{russian}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_shop_hears_of_a_bereke_payment_signed_and_refuses_a_forged_notification() {
    let demo = start_demo(None).await;
    let attempt = demo.start_for("bereke", "B-NOTE").await["attemptId"].as_str().unwrap().to_owned();
    let form_url = demo.pay_url(&attempt, "card").await;
    demo.bereke_page(&form_url, "pay", "5555555555555599").await;
    demo.status_becomes(&attempt, "paid").await;

    // The backend's outbox reaches the shop's endpoint on its own: pending (the attempt made),
    // then paid, each checked against its signature by the shop before it was kept.
    let mut seen = Vec::new();
    for _ in 0..200 {
        let (_, kept) = demo.get("/shop/notifications").await;
        seen = kept["notifications"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["orderId"] == "B-NOTE")
            .map(|n| (n["sequence"].as_i64().unwrap(), n["status"].as_str().unwrap().to_owned()))
            .collect();
        if seen.iter().any(|(_, s)| s == "paid") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    seen.sort();
    assert_eq!(seen, [(1, "pending".to_owned()), (2, "paid".to_owned())]);

    // Anyone can POST to a shop's endpoint: without the secret, nothing is believed.
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let forged = json!({"id": "att_forged.9", "attemptId": "att_forged", "orderId": "B-NOTE", "provider": "bereke",
        "status": "refunded", "final": true, "amount": 1_500_000, "currency": "KZT", "reference": null,
        "sequence": 9, "at": "2026-12-07T03:00:00+00:00"})
    .to_string();
    let signature = tolem_core::notify::sign(b"a guessed secret, 32 characters!!", now, forged.as_bytes());
    let response = demo
        .http
        .post(format!("{}/shop/notifications", demo.origin))
        .header("tolem-signature", signature)
        .body(forged)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    let (_, kept) = demo.get("/shop/notifications").await;
    assert!(!kept.to_string().contains("att_forged"), "{kept}");
}
