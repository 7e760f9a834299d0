//! OneEntry round trips over real HTTP on loopback: sign-in (required, wrong, right, a
//! token from the page), accounts as methods, the order priced by OneEntry, sessions whose
//! `paymentUrl` comes at once, later or never (cash), a token refresh mid-flow, decline and
//! a new try, cancel.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use serde_json::{json, Value};
use tolem_sandbox::demo_credentials as creds;

impl Running {
    /// The session of a one-tea order, and the `start` body for it with `auth` merged in.
    async fn oneentry_body(&self, order_id: &str, auth: Value) -> Value {
        self.oneentry_body_from(self.session_body_for("oneentry", order_id), auth).await
    }

    /// The session the shop makes with `session`, and the `start` body for it.
    async fn oneentry_body_from(&self, session: Value, auth: Value) -> Value {
        let order_id = session["order"]["id"].as_str().unwrap().to_owned();
        let secret = self.client_secret(session).await;
        let mut body = Running::start_body_with("oneentry", &secret, &order_id);
        if let Some(map) = auth.as_object() {
            for (k, v) in map {
                body[k] = v.clone();
            }
        }
        body
    }

    async fn oneentry_start(&self, order_id: &str) -> Value {
        let sign_in = json!({"signIn": {"email": creds::ONEENTRY_EMAIL, "password": creds::ONEENTRY_PASSWORD}});
        let (code, body) = self.post("/api/checkout/start", self.oneentry_body(order_id, sign_in).await).await;
        assert_eq!(code, 200, "{body}");
        body
    }

    /// Signs in at the sandbox directly, as the OneEntry SDK would in a browser.
    async fn oneentry_tokens(&self) -> Value {
        let request = self
            .http
            .post(format!("{}/sandbox/oneentry/api/content/users-auth-providers/marker/email/users/auth", self.origin))
            .header("content-type", "application/json")
            .header("x-app-token", creds::ONEENTRY_APP_TOKEN)
            .header("x-device-metadata", r#"{"fingerprint":"UQ_test"}"#)
            .body(
                json!({"authData": [{"marker": "email_reg", "value": creds::ONEENTRY_EMAIL}, {"marker": "password_reg", "value": creds::ONEENTRY_PASSWORD}]})
                    .to_string(),
            );
        let (code, body) = answer(request).await;
        assert_eq!(code, 200, "{body}");
        body
    }

    async fn oneentry_get(&self, path: &str, token: &str) -> (u16, Value) {
        let request = self
            .http
            .get(format!("{}/sandbox/oneentry/api/content{path}", self.origin))
            .header("x-app-token", creds::ONEENTRY_APP_TOKEN)
            .header("authorization", format!("Bearer {token}"));
        answer(request).await
    }

    /// Presses a button on the session's hosted page; returns where the shopper lands.
    async fn oneentry_page(&self, url: &str, action: &str, pan: &str) -> String {
        let html = self.http.get(url).send().await.unwrap().text().await.unwrap();
        assert!(["pay", "decline", "cancel"].iter().all(|a| html.contains(&format!("value=\"{a}\">"))), "{html}");
        self.hosted_with(url, action, pan, &[]).await
    }
}

#[tokio::test]
async fn sign_in_is_asked_for_refused_when_wrong_and_accounts_become_methods() {
    let demo = start_demo(None).await;
    let (code, body) = demo.post("/api/checkout/start", demo.oneentry_body("OE-SIGN-1", json!({})).await).await;
    assert_eq!((code, body["error"]["code"].as_str()), (401, Some("SIGN_IN_REQUIRED")), "{body}");
    let wrong = json!({"signIn": {"email": creds::ONEENTRY_EMAIL, "password": "nope"}});
    let (code, body) = demo.post("/api/checkout/start", demo.oneentry_body("OE-SIGN-1", wrong).await).await;
    assert_eq!((code, body["error"]["code"].as_str()), (401, Some("SIGN_IN_FAILED")), "{body}");
    assert!(!body.to_string().contains("nope"));
    let mut no_items = demo.session_body_for("oneentry", "OE-NOITEMS-1");
    no_items["order"]["items"] = json!([]);
    let no_items = demo.oneentry_body_from(no_items, json!({})).await;
    let (code, body) = demo.post("/api/checkout/start", no_items).await;
    assert_eq!((code, body["error"]["code"].as_str()), (400, Some("INVALID_REQUEST")), "{body}");

    let started = demo.oneentry_start("OE-SIGN-1").await;
    let methods: Vec<(String, String, String)> = started["methods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (m["id"].as_str().unwrap().into(), m["kind"].as_str().unwrap().into(), m["label"].as_str().unwrap().into())
        })
        .collect();
    assert_eq!(
        methods,
        [
            ("stripe".into(), "card".into(), "Card (Stripe)".into()),
            ("paypal".into(), "wallet".into(), "PayPal".into()),
            ("cash".into(), "cash".into(), "Cash".into())
        ]
    );
    assert!(!started.to_string().contains("oe_at_"), "the user's tokens stay on the server");
    // A later start for the same order needs no sign-in: the backend kept the tokens.
    let (code, again) = demo.post("/api/checkout/start", demo.oneentry_body("OE-SIGN-1", json!({})).await).await;
    assert_eq!(code, 200, "{again}");
    assert_eq!(again["attemptId"], started["attemptId"]);

    // A token the page already has works instead of a sign-in.
    let tokens = demo.oneentry_tokens().await;
    let handed = json!({"userToken": {"accessToken": tokens["accessToken"], "refreshToken": tokens["refreshToken"]}});
    let (code, body) = demo.post("/api/checkout/start", demo.oneentry_body("OE-TOKEN-1", handed).await).await;
    assert_eq!(code, 200, "{body}");
}

#[tokio::test]
async fn stripe_account_pays_through_the_session_page_and_the_order_is_priced_by_oneentry() {
    let demo = start_demo(None).await;
    let attempt = demo.oneentry_start("OE-PAY-1").await["attemptId"].as_str().unwrap().to_owned();
    let (code, pay) = demo.pay(&attempt, "stripe", json!({})).await;
    assert_eq!(code, 200, "{pay}");
    let url = pay["redirect"]["url"].as_str().unwrap().to_owned();
    assert!(url.starts_with(&format!("{}/sandbox/oneentry/checkout/", demo.origin)), "{url}");
    let (_, again) = demo.pay(&attempt, "stripe", json!({})).await;
    assert_eq!(again["redirect"]["url"], url.as_str(), "double pay: the same session");

    let token = demo.oneentry_tokens().await["accessToken"].as_str().unwrap().to_owned();
    let session_id = url.rsplit('/').next().unwrap();
    let (code, session) = demo.oneentry_get(&format!("/payments/sessions/{session_id}"), &token).await;
    assert_eq!(code, 200, "{session}");
    let order_id = session["orderId"].as_i64().unwrap();
    let (_, order) = demo.oneentry_get(&format!("/orders-storage/marker/orders/orders/{order_id}"), &token).await;
    assert_eq!(order["totalSum"], "15000.00", "priced from the product, read back as a string");
    assert_eq!(order["paymentAccountIdentifier"], "stripe");
    assert_eq!(order["formData"][0], json!({"marker": "order_number", "value": "OE-PAY-1", "type": "string"}));
    let (_, sessions) = demo.oneentry_get(&format!("/payments/sessions/order/{order_id}"), &token).await;
    assert!(sessions.is_array(), "real instances answer an array: {sessions}");
    assert_eq!(sessions.as_array().unwrap().len(), 1, "one session for two pays");

    let landed = demo.oneentry_page(&url, "pay", "4242424242424242").await;
    assert_eq!(landed, format!("{}/?provider=oneentry", demo.origin), "the account's successUrl");
    let status = demo.status(&attempt).await;
    assert_eq!((status["status"].as_str(), status["final"].as_bool()), (Some("paid"), Some(true)), "{status}");
}

/// The sandbox's request count of OneEntry session creations.
const SESSION_CREATES: &str = "oneentry POST /api/content/payments/sessions";

#[tokio::test]
async fn a_payment_url_that_appears_only_on_a_later_read_and_a_cash_order() {
    let demo = start_demo(None).await;
    let attempt = demo.oneentry_start("OE-LATE-1").await["attemptId"].as_str().unwrap().to_owned();
    let (code, pay) = demo.pay(&attempt, "paypal", json!({})).await;
    assert_eq!(code, 200, "the backend kept reading until paymentUrl appeared: {pay}");
    let url = pay["redirect"]["url"].as_str().unwrap().to_owned();
    // PayPal opens the order's session by itself (a moment after the order, so the first
    // reads find none: a 404): Tolem waited for it and opened no second one.
    assert_eq!(demo.provider_calls(SESSION_CREATES).await, 0);
    demo.oneentry_page(&url, "pay", "4242424242424242").await;
    demo.status_becomes(&attempt, "paid").await;

    // A Stripe account's session is opened by Tolem (the count is read at the same key).
    let stripe = demo.oneentry_start("OE-LATE-2").await["attemptId"].as_str().unwrap().to_owned();
    assert_eq!(demo.pay(&stripe, "stripe", json!({})).await.0, 200);
    assert_eq!(demo.provider_calls(SESSION_CREATES).await, 1);

    let cash = demo.oneentry_start("OE-CASH-1").await["attemptId"].as_str().unwrap().to_owned();
    let (code, placed) = demo.pay(&cash, "cash", json!({})).await;
    assert_eq!(code, 200, "{placed}");
    assert_eq!(placed, json!({"placed": true}), "no redirect for cash");
    let status = demo.status(&cash).await;
    assert_eq!((status["status"].as_str(), status["final"].as_bool()), (Some("pending"), Some(false)), "not paid yet");
}

#[tokio::test]
async fn an_expired_access_token_is_refreshed_mid_flow_and_the_payment_goes_on() {
    let demo = start_demo(None).await;
    let attempt = demo.oneentry_start("OE-REFRESH-1").await["attemptId"].as_str().unwrap().to_owned();
    let (code, expired) = demo.post("/sandbox/oneentry/_control/tokens/expire", json!({})).await;
    assert_eq!(code, 200);
    assert!(expired["expired"].as_i64().unwrap() >= 1);
    let (code, pay) = demo.pay(&attempt, "stripe", json!({})).await;
    assert_eq!(code, 200, "{pay}");
    let (_, refreshes) = demo.get("/sandbox/oneentry/_control/refreshes").await;
    assert_eq!(refreshes["refreshes"], 1, "one refresh, then the retry worked");
    // Expired again before the status read: refreshed again with the new refresh token.
    demo.post("/sandbox/oneentry/_control/tokens/expire", json!({})).await;
    demo.oneentry_page(pay["redirect"]["url"].as_str().unwrap(), "pay", "4242424242424242").await;
    demo.status_becomes(&attempt, "paid").await;
    let (_, refreshes) = demo.get("/sandbox/oneentry/_control/refreshes").await;
    assert_eq!(refreshes["refreshes"], 2);
}

#[tokio::test]
async fn decline_then_a_new_order_then_paid_and_cancel() {
    let demo = start_demo(None).await;
    let attempt = demo.oneentry_start("OE-DECL-1").await["attemptId"].as_str().unwrap().to_owned();
    let url = demo.pay(&attempt, "stripe", json!({})).await.1["redirect"]["url"].as_str().unwrap().to_owned();
    demo.oneentry_page(&url, "decline", "").await;
    demo.status_becomes(&attempt, "failed").await;
    let (code, _) = demo.pay(&attempt, "stripe", json!({})).await;
    assert_eq!(code, 409, "a failed try is not offered again without a new start");
    let again = demo.post("/api/checkout/start", demo.oneentry_body("OE-DECL-1", json!({})).await).await.1;
    assert_eq!(again["status"], "pending");
    let retry = demo.pay(&attempt, "stripe", json!({})).await.1["redirect"]["url"].as_str().unwrap().to_owned();
    assert_ne!(retry, url, "a new order and session for the new try");
    demo.oneentry_page(&retry, "pay", "4242424242424242").await;
    demo.status_becomes(&attempt, "paid").await;

    let cancelled = demo.oneentry_start("OE-CANCEL-1").await["attemptId"].as_str().unwrap().to_owned();
    let url = demo.pay(&cancelled, "stripe", json!({})).await.1["redirect"]["url"].as_str().unwrap().to_owned();
    demo.oneentry_page(&url, "cancel", "").await;
    demo.status_becomes(&cancelled, "cancelled").await;
}

#[tokio::test]
async fn prices_that_differ_from_the_amount_are_refused_and_the_app_token_is_required() {
    let demo = start_demo(None).await;
    // The shop priced one tea at 1 ₸; OneEntry prices it at 15 000 ₸: never paid at either.
    let mut session = demo.session_body_for("oneentry", "OE-PRICE-1");
    session["order"]["amount"] = json!(100);
    let sign_in = json!({"signIn": {"email": creds::ONEENTRY_EMAIL, "password": creds::ONEENTRY_PASSWORD}});
    let body = demo.oneentry_body_from(session, sign_in).await;
    let (code, started) = demo.post("/api/checkout/start", body).await;
    assert_eq!(code, 200, "{started}");
    let (code, refused) = demo.pay(started["attemptId"].as_str().unwrap(), "stripe", json!({})).await;
    assert_eq!((code, refused["error"]["code"].as_str()), (409, Some("CONFLICT")), "{refused}");

    let (code, body) =
        answer(demo.http.get(format!("{}/sandbox/oneentry/api/content/payments/accounts", demo.origin))).await;
    assert_eq!(code, 403, "{body}");
    assert_eq!(body["statusCode"], 403);
    assert!(body.get("pageData").is_some() && body["timestamp"].is_string());
}
