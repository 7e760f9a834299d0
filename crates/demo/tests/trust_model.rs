//! The shop's server decides what is paid: attacks a shopper with devtools and curl would try
//! on checkout sessions, played over real loopback HTTP against the demo process. Each one
//! must fail with a clear error, and the sandbox's ledger proves nothing was created or
//! changed at any provider.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use serde_json::{json, Value};
use tolem_sandbox::demo_credentials as creds;

impl Running {
    /// `{provider: {orders, paid}}` the sandbox holds for a merchant order.
    async fn ledger(&self, order_id: &str) -> Value {
        self.get(&format!("/sandbox/_control/ledger?order={order_id}")).await.1
    }

    /// True when no provider holds anything for the order.
    async fn untouched(&self, order_id: &str) -> bool {
        let ledger = self.ledger(order_id).await;
        let counts: Vec<u64> = ["ioka", "bereke", "ecommpay", "paytone", "oneentry"]
            .iter()
            .flat_map(|p| [ledger[p]["orders"].as_u64(), ledger[p]["paid"].as_u64()])
            .map(|n| n.expect("a ledger count"))
            .collect();
        counts.iter().all(|n| *n == 0)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_browser_cannot_set_the_price() {
    let demo = start_demo(None).await;
    // The old way: the widget names order and amount itself. Without a session it starts nothing.
    let priced_by_browser = json!({
        "provider": "ioka",
        "order": {"id": "TM-PRICE", "amount": 100, "currency": "KZT"},
        "customer": {"id": "u-42"},
        "returnUrl": format!("{}/", demo.origin),
        "idempotencyKey": "k-tm-price",
    });
    let (code, body) = demo.post("/api/checkout/start", priced_by_browser).await;
    assert_eq!((code, body["error"]["code"].as_str()), (401, Some("SESSION_INVALID")), "{body}");
    for provider in ["bereke", "ecommpay", "paytone", "oneentry"] {
        let mut body = Running::start_body_with(provider, "", "TM-PRICE");
        body["clientSecret"] = Value::Null;
        let (code, _) = demo.post("/api/checkout/start", body).await;
        assert_eq!(code, 401, "{provider}");
    }
    assert!(demo.untouched("TM-PRICE").await, "nothing at any provider");

    // With the page's real secret, an amount (or any order field) alongside it is refused...
    let start = demo.start_body("TM-PRICE").await;
    for tampered in [
        json!({"id": "TM-PRICE", "amount": 100, "currency": "KZT"}),
        json!({"id": "TM-PRICE", "amount": 1_500_000, "currency": "USD"}),
        json!({"id": "TM-OTHER", "amount": 1_500_000, "currency": "KZT"}),
    ] {
        let mut body = start.clone();
        body["order"] = tampered.clone();
        let (code, answer) = demo.post("/api/checkout/start", body).await;
        assert_eq!(code, 400, "{tampered}: {answer}");
    }
    assert!(demo.untouched("TM-PRICE").await && demo.untouched("TM-OTHER").await);

    // ...and the honest start pays exactly what the shop priced.
    let (code, started) = demo.post("/api/checkout/start", start).await;
    assert_eq!(code, 200, "{started}");
    assert_eq!((started["orderId"].as_str(), started["amount"].as_i64()), (Some("TM-PRICE"), Some(1_500_000)));
    assert_eq!(demo.ioka_orders("TM-PRICE").await[0]["amount"], 1_500_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_shops_server_makes_sessions() {
    let demo = start_demo(None).await;
    let body = demo.session_body_for("ioka", "TM-KEY");
    let url = format!("{}/api/checkout/sessions", demo.origin);
    let wrong_keys = [
        None,
        Some(format!("Bearer {}x", creds::TOLEM_MERCHANT_KEY)),
        Some(format!("Bearer {}", &creds::TOLEM_MERCHANT_KEY[..creds::TOLEM_MERCHANT_KEY.len() - 1])),
        Some("Bearer ".to_owned()),
        Some(format!("Basic {}", creds::TOLEM_MERCHANT_KEY)),
        Some(creds::TOLEM_MERCHANT_KEY.to_owned()),
        Some(format!("Bearer {}", creds::IOKA_API_KEY)),
        Some("Bearer tolem-demo-admin-token".to_owned()),
    ];
    for key in wrong_keys {
        let mut request = demo.http.post(&url).header("content-type", "application/json").body(body.to_string());
        if let Some(k) = &key {
            request = request.header("authorization", k);
        }
        let (code, answer) = common::answer(request).await;
        assert_eq!((code, answer["error"]["code"].as_str()), (401, Some("UNAUTHORIZED")), "{key:?}: {answer}");
        assert!(!answer.to_string().contains(creds::TOLEM_MERCHANT_KEY), "the refusal does not echo the key");
    }
    // The key in the query string or a cookie is not the key either.
    let (code, _) =
        common::answer(demo.http.post(format!("{url}?key={}", creds::TOLEM_MERCHANT_KEY)).body(body.to_string())).await;
    assert_eq!(code, 401);
    let (code, session) = demo.session(body.clone()).await;
    assert_eq!(code, 200, "{session}");
    assert!(session["clientSecret"].as_str().unwrap().starts_with(session["id"].as_str().unwrap()));
    assert!(session["expiresAt"].as_i64().unwrap() > 1_700_000_000, "{session}");
    let (code, again) = demo.session(body).await;
    assert_eq!((code, &again["clientSecret"]), (200, &session["clientSecret"]), "same order and price: same session");
    assert!(demo.untouched("TM-KEY").await, "a session alone creates nothing at a provider");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_browser_cannot_pick_the_shopper() {
    let demo = start_demo(None).await;
    let mut start = demo.start_body("TM-WHO").await;
    start["customer"] = json!({"id": "u-7", "email": "someone-else@example.kz"});
    let (code, body) = demo.post("/api/checkout/start", start.clone()).await;
    assert_eq!(code, 400, "{body}");
    assert!(!body.to_string().contains("customer_access_token"), "{body}");
    let (_, others) = demo.get("/sandbox/ioka/v2/customers?external_id=u-7").await;
    assert_eq!(others.as_array().map(Vec::len), Some(0), "no ioka customer looked up or made for u-7");
    assert!(demo.untouched("TM-WHO").await);

    // The session's shopper is the one the start is for.
    start.as_object_mut().unwrap().remove("customer");
    let (code, started) = demo.post("/api/checkout/start", start).await;
    assert_eq!(code, 200, "{started}");
    let (_, customers) = demo.get("/sandbox/ioka/v2/customers?external_id=u-42").await;
    let customer_id = customers[0]["id"].as_str().unwrap();
    assert_eq!(demo.ioka_orders("TM-WHO").await[0]["customer_id"].as_str(), Some(customer_id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_price_changes_only_until_a_payment_starts() {
    let demo = start_demo(None).await;
    let first = demo.client_secret(demo.session_body_for("ioka", "TM-REPRICE")).await;
    // Before anything started, the shop may change its mind: a new session, the old secret dead.
    let mut cheaper = demo.session_body_for("ioka", "TM-REPRICE");
    cheaper["order"]["amount"] = json!(990_000);
    let second = demo.client_secret(cheaper.clone()).await;
    assert_ne!(first, second);
    let (code, body) = demo.post("/api/checkout/start", Running::start_body_with("ioka", &first, "TM-REPRICE")).await;
    assert_eq!((code, body["error"]["code"].as_str()), (401, Some("SESSION_INVALID")), "{body}");
    assert!(demo.untouched("TM-REPRICE").await);

    let (code, started) =
        demo.post("/api/checkout/start", Running::start_body_with("ioka", &second, "TM-REPRICE")).await;
    assert_eq!((code, started["amount"].as_i64()), (200, Some(990_000)), "{started}");
    // Once started, no new price: 409, and the order and its secret stay as they were.
    let (code, body) = demo.session(demo.session_body_for("ioka", "TM-REPRICE")).await;
    assert_eq!((code, body["error"]["code"].as_str()), (409, Some("CONFLICT")), "{body}");
    assert_eq!(demo.client_secret(cheaper).await, second, "the started session is still the order's");
    let orders = demo.ioka_orders("TM-REPRICE").await;
    assert_eq!((orders.len(), orders[0]["amount"].as_i64()), (1, Some(990_000)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_learns_nothing_of_another_orders_attempts() {
    let demo = start_demo(None).await;
    let mine = demo.client_secret(demo.session_body_for("ioka", "TM-MINE")).await;
    let theirs = demo.start("TM-THEIRS").await;
    let their_attempt = theirs["attemptId"].as_str().unwrap();
    // An edited journal names their attempt: with my secret the backend does not know it.
    let path = format!("/api/checkout/status?attemptId={their_attempt}");
    let (code, body) = demo.get_as_session(&path, &mine).await;
    assert_eq!(code, 404, "{body}");
    assert!(!body.to_string().contains("TM-THEIRS"), "{body}");
    // A made-up secret of the right shape is no session at all.
    let forged = format!("{}ff", &mine[..mine.len() - 2]);
    let (code, body) = demo.get_as_session(&path, &forged).await;
    assert_eq!((code, body["error"]["code"].as_str()), (401, Some("SESSION_INVALID")), "{body}");
    // Their own widget, with their secret, reads it and sees which order and amount it is.
    let secret = demo.client_secret(demo.session_body_for("ioka", "TM-THEIRS")).await;
    let (code, body) = demo.get_as_session(&path, &secret).await;
    assert_eq!((code, body["orderId"].as_str(), body["amount"].as_i64()), (200, Some("TM-THEIRS"), Some(1_500_000)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_session_starts_nothing_but_still_reads_its_status() {
    let demo = tolem_demo::Demo::bind(0, tolem_demo::DemoOptions::default()).await.unwrap();
    let store = demo.backend.store.clone();
    let running = Running { origin: demo.origin.clone(), http: reqwest::Client::new() };
    tokio::spawn(demo.serve(std::future::pending()));

    let started = running.start("TM-LATE").await;
    let secret = running.client_secret(running.session_body_for("ioka", "TM-LATE")).await;
    let id = tolem_core::api::session_id_of(&secret).unwrap();
    let session = store.session_by_id(id).await.unwrap().unwrap();
    store.refresh_session(id, &session.request, 1).await.unwrap(); // ran out long ago

    let (code, body) =
        running.post("/api/checkout/start", Running::start_body_with("ioka", &secret, "TM-LATE-2")).await;
    assert_eq!((code, body["error"]["code"].as_str()), (401, Some("SESSION_INVALID")), "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("expired"), "{body}");
    // The shopper who comes back after the session ran out still learns how their payment went.
    let path = format!("/api/checkout/status?attemptId={}", started["attemptId"].as_str().unwrap());
    let (code, body) = running.get_as_session(&path, &secret).await;
    assert_eq!((code, body["status"].as_str()), (200, Some("pending")), "{body}");
    assert_eq!(running.ioka_orders("TM-LATE").await.len(), 1, "still the one ioka order");
}
