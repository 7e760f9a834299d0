//! Hostile input against the real backend over loopback HTTP: every field of `sessions`,
//! `start` and `pay` refused with a clear 400 naming it, bodies over the limit refused with 413, CORS only
//! for the configured origin, per-client rate limits on `start` and `pay`, forged signatures
//! refused whichever byte differs, and nothing created at the provider by any of it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{answer, start_demo, start_demo_with};
use serde_json::{json, Value};
use tolem_demo::DemoOptions;

/// `start_body` with one field replaced (a JSON pointer) or removed (`None`).
fn with(mut body: Value, pointer: &str, value: Option<Value>) -> Value {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let target = body.pointer_mut(parent).unwrap().as_object_mut().unwrap();
    match value {
        Some(v) => target.insert(key.to_owned(), v),
        None => target.remove(key),
    };
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_session_field_is_checked_and_nothing_reaches_the_provider() {
    let demo = start_demo(None).await;
    let base = demo.session_body_for("ioka", "H-1");
    let long_id = "A".repeat(65);
    let cases: Vec<(&str, Option<Value>, &str)> = vec![
        ("/order/amount", Some(json!(0)), "order.amount"),
        ("/order/amount", Some(json!(-100)), "order.amount"),
        ("/order/amount", Some(json!(1.5)), "order.amount"),
        ("/order/amount", Some(json!("1500000")), "order.amount"),
        ("/order/amount", Some(json!(100_000_000_001_i64)), "order.amount"), // over the configured limit
        ("/order/amount", Some(json!(1e30)), "order.amount"),
        ("/order/amount", None, "order"),
        ("/order/currency", Some(json!("XYZ")), "currency"),
        ("/order/currency", Some(json!("kzt")), "currency"),
        ("/order/id", Some(json!("")), "order.id"),
        ("/order/id", Some(json!(long_id)), "order.id"),
        ("/order/id", Some(json!("A 1")), "order.id"),
        ("/order/id", Some(json!("A-1~2")), "order.id"), // `~n` is how Tolem numbers tries
        ("/order/id", Some(json!("../../etc/passwd")), "order.id"),
        ("/order/id", Some(json!("<script>")), "order.id"),
        ("/order/id", Some(json!("Заказ-1")), "order.id"),
        ("/order/description", Some(json!("x".repeat(256))), "order.description"),
        ("/order/description", Some(json!("line\u{0}break")), "order.description"),
        ("/customer/id", Some(json!("u 42")), "customer.id"),
        ("/customer/email", Some(json!("not-an-email")), "customer.email"),
        ("/customer/email", Some(json!(format!("{}@x.kz", "a".repeat(130)))), "customer.email"),
        ("/customer/phone", Some(json!("+7 701 000")), "customer.phone"),
        ("/customer/phone", Some(json!("+")), "customer.phone"),
        ("/returnUrl", Some(json!("https://evil.example/")), "returnUrl"),
        ("/returnUrl", Some(json!("javascript:alert(1)")), "returnUrl"),
        ("/returnUrl", Some(json!(format!("{}@evil.example/", demo.origin))), "returnUrl"),
        ("/returnUrl", Some(json!(format!("{}/{}", demo.origin, "x".repeat(2100)))), "returnUrl"),
        ("/returnUrl", None, "returnUrl"),
        ("/providers", Some(json!(["paypal"])), "providers"),
        ("/expiresInSeconds", Some(json!(10)), "expiresInSeconds"),
        ("/expiresInSeconds", Some(json!(86_401)), "expiresInSeconds"),
    ];
    for (pointer, value, named) in cases {
        let shown = format!("{pointer} = {value:?}");
        let (status, body) = demo.session(with(base.clone(), pointer, value)).await;
        assert_eq!(status, 400, "{shown}: {body}");
        assert_eq!(body["error"]["code"], "INVALID_REQUEST", "{shown}: {body}");
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(named), "{shown}: the message names {named}: {message}");
    }
    // Too many item lines, bad quantities.
    let items: Vec<Value> = (1..=101).map(|i| json!({"productId": i, "quantity": 1})).collect();
    let (status, _) = demo.session(with(base.clone(), "/order/items", Some(json!(items)))).await;
    assert_eq!(status, 400);
    let (status, _) =
        demo.session(with(base.clone(), "/order/items", Some(json!([{"productId": 1, "quantity": 0}])))).await;
    assert_eq!(status, 400);
    assert_eq!(demo.ioka_orders("H-1").await.len(), 0, "no refused request created anything at ioka");

    // Malformed bodies and sizes.
    let url = format!("{}/api/checkout/sessions", demo.origin);
    let key = format!("Bearer {}", tolem_sandbox::demo_credentials::TOLEM_MERCHANT_KEY);
    let post = |body: String| {
        demo.http.post(&url).header("content-type", "application/json").header("authorization", &key).body(body)
    };
    for broken in ["", "{", "[1,2", "null", "\u{feff}{}", "{\"order\":{},\"order\":1}"] {
        let (status, body) = answer(post(broken.to_owned())).await;
        assert_eq!(status, 400, "{broken:?}: {body}");
        assert_eq!(body["error"]["code"], "INVALID_REQUEST", "{broken:?}: {body}");
    }
    let limit = tolem_backend::MAX_BODY_BYTES;
    // A body of exactly `size` bytes: the session request with a long description.
    let padded = |size: usize| {
        let short = with(base.clone(), "/order/description", Some(json!(""))).to_string();
        with(base.clone(), "/order/description", Some(json!("x".repeat(size - short.len())))).to_string()
    };
    assert_eq!(padded(limit + 1).len(), limit + 1);
    let (status, _) = answer(post(padded(limit + 1))).await;
    assert_eq!(status, 413, "over the body limit");
    let (status, body) = answer(post(padded(limit))).await;
    assert_eq!(status, 400, "at the limit it is read (and refused for its description): {body}");
    assert!(body["error"]["message"].as_str().unwrap_or_default().contains("order.description"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_start_field_is_checked_and_nothing_reaches_the_provider() {
    let demo = start_demo(None).await;
    let base = demo.start_body("H-1").await;
    let cases: Vec<(&str, Option<Value>, &str)> = vec![
        ("/idempotencyKey", Some(json!("key with spaces")), "idempotencyKey"),
        ("/idempotencyKey", Some(json!("k".repeat(65))), "idempotencyKey"),
        ("/idempotencyKey", None, "idempotencyKey"),
        ("/locale", Some(json!("de")), "locale"),
        ("/provider", Some(json!("paypal")), "provider"),
        ("/provider", None, "provider"),
        // What the session decides cannot be said again, even when it agrees.
        ("/order", Some(json!({"id": "H-1", "amount": 1_500_000, "currency": "KZT"})), "clientSecret"),
        ("/customer", Some(json!({"id": "u-42"})), "clientSecret"),
        ("/returnUrl", Some(json!(format!("{}/", demo.origin))), "clientSecret"),
    ];
    for (pointer, value, named) in cases {
        let shown = format!("{pointer} = {value:?}");
        let (status, body) = demo.post("/api/checkout/start", with(base.clone(), pointer, value)).await;
        assert_eq!(status, 400, "{shown}: {body}");
        assert_eq!(body["error"]["code"], "INVALID_REQUEST", "{shown}: {body}");
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(named), "{shown}: the message names {named}: {message}");
    }
    // A currency the shop may sell in, but ioka does not take.
    let mut usd = demo.session_body_for("ioka", "H-USD");
    usd["order"]["currency"] = json!("USD");
    let secret = demo.client_secret(usd).await;
    let (status, body) =
        demo.post("/api/checkout/start", common::Running::start_body_with("ioka", &secret, "H-USD")).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["error"]["message"].as_str().unwrap_or_default().contains("order.currency"), "{body}");
    assert_eq!(demo.ioka_orders("H-1").await.len(), 0, "no refused request created anything at ioka");
    assert_eq!(demo.ioka_orders("H-USD").await.len(), 0);

    let url = format!("{}/api/checkout/start", demo.origin);
    for broken in ["", "{", "[1,2", "null", "\u{feff}{}", "{\"provider\":\"ioka\",\"provider\":1}"] {
        let (status, body) = answer(demo.http.post(&url).header("content-type", "application/json").body(broken)).await;
        assert_eq!(status, 400, "{broken:?}: {body}");
        assert_eq!(body["error"]["code"], "INVALID_REQUEST", "{broken:?}: {body}");
    }
    let huge = with(base.clone(), "/locale", Some(json!("x".repeat(tolem_backend::MAX_BODY_BYTES)))).to_string();
    let (status, body) = answer(demo.http.post(&url).header("content-type", "application/json").body(huge)).await;
    assert_eq!((status, body["error"]["code"].as_str()), (413, Some("TOO_LARGE")), "over the body limit: {body}");
    // Only JSON bodies: a form or text post (what any page can send cross-origin without a
    // CORS preflight) is refused before it is read.
    let valid = base.to_string();
    for content_type in [None, Some("text/plain"), Some("application/x-www-form-urlencoded"), Some("application/jsonx")]
    {
        let mut request = demo.http.post(&url).body(valid.clone());
        if let Some(t) = content_type {
            request = request.header("content-type", t);
        }
        let (status, body) = answer(request).await;
        assert_eq!((status, body["error"]["code"].as_str()), (415, Some("UNSUPPORTED_MEDIA_TYPE")), "{content_type:?}");
    }
    let read = with(base.clone(), "/locale", Some(json!("de"))).to_string();
    let (status, body) =
        answer(demo.http.post(&url).header("content-type", "Application/JSON; charset=utf-8").body(read)).await;
    assert_eq!(status, 400, "parameters and case do not matter: the body is read (and its locale refused): {body}");

    // `pay` and `status` check their ids too.
    let started = demo.start("H-2").await;
    let attempt = started["attemptId"].as_str().unwrap();
    for (body, code) in [
        (json!({"attemptId": "att nope", "methodId": "card"}), 400),
        (json!({"attemptId": "att_unknown0000000", "methodId": "card"}), 404),
        (json!({"attemptId": attempt, "methodId": "<img>"}), 400),
        (json!({"attemptId": attempt, "methodId": "card", "fields": {"k e y": "v"}}), 400),
        (
            json!({"attemptId": attempt, "methodId": "card",
                   "fields": (0..20).map(|i| (format!("f{i}"), json!("v"))).collect::<serde_json::Map<_, _>>()}),
            400,
        ),
    ] {
        let (status, answer) = demo.post("/api/checkout/pay", body.clone()).await;
        assert_eq!(status, code, "{body}: {answer}");
    }
    for query in ["attemptId=", "attemptId=%3Cscript%3E", "attemptId=a%20b", "provider=bereke&orderId=%3Cscript%3E"] {
        let (status, _) = demo.get(&format!("/api/checkout/status?{query}")).await;
        assert_eq!(status, 400, "{query}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_answers_only_the_configured_origin() {
    let demo = start_demo(None).await;
    let url = format!("{}/api/checkout/start", demo.origin);
    let preflight = |origin: String| {
        demo.http
            .request(reqwest::Method::OPTIONS, &url)
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
    };
    let allowed = preflight(demo.origin.clone()).await.unwrap();
    assert_eq!(
        allowed.headers().get("access-control-allow-origin").and_then(|v| v.to_str().ok()),
        Some(demo.origin.as_str())
    );
    for foreign in ["https://evil.example", "null", &format!("{}.evil.example", demo.origin), "http://127.0.0.1:1"] {
        let refused = preflight(foreign.to_owned()).await.unwrap();
        assert!(refused.headers().get("access-control-allow-origin").is_none(), "{foreign} must get no CORS grant");
    }
    // A simple cross-origin POST is answered without a grant, so the browser hides the answer.
    let r = demo.http.post(&url).header("origin", "https://evil.example").body("{}").send().await.unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_and_pay_are_rate_limited_per_client() {
    let demo = start_demo_with(DemoOptions {
        rate_limit: Some(tolem_backend::RateLimit { per_minute: 6, burst: 3 }),
        ..DemoOptions::default()
    })
    .await;
    let mut statuses = Vec::new();
    for i in 0..3 {
        let (status, _) = demo.post("/api/checkout/start", demo.start_body(&format!("RL-{i}")).await).await;
        statuses.push(status);
    }
    assert_eq!(statuses, [200, 200, 200], "the burst is allowed");
    let rl3 = demo.start_body("RL-3").await;
    let r = demo
        .http
        .post(format!("{}/api/checkout/start", demo.origin))
        .header("content-type", "application/json")
        // Not trusted by default: a client cannot pick its own bucket.
        .header("x-forwarded-for", "203.0.113.7")
        .body(rl3.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 429);
    let retry_after: u64 =
        r.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok()).unwrap();
    assert!((1..=60).contains(&retry_after), "Retry-After {retry_after}");
    let body: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    assert_eq!(body["error"]["code"], "RATE_LIMITED");
    let (status, _) = demo.post("/api/checkout/pay", json!({"attemptId": "att_x", "methodId": "card"})).await;
    assert_eq!(status, 429, "pay shares the budget");
    // Status reads (the widget's polling) are not limited, and nothing was created by the refused start.
    let (status, _) = demo.get("/api/checkout/status?attemptId=att_unknown0000000").await;
    assert_eq!(status, 404);
    assert_eq!(demo.ioka_orders("RL-3").await.len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signature_wrong_in_any_single_byte_is_refused() {
    let demo = start_demo(None).await;
    let started = demo.start("SIG-1").await;
    let attempt = started["attemptId"].as_str().unwrap().to_owned();
    let order_id = demo.ioka_orders("SIG-1").await[0]["id"].as_str().unwrap().to_owned();
    let event = json!({"event": "ORDER_PAID", "order": {"id": order_id, "status": "PAID", "amount": 1_500_000, "currency": "KZT"}});
    let good = tolem_core::signature::hex_lower(&tolem_core::signature::hmac_sha256(
        tolem_sandbox::demo_credentials::IOKA_WEBHOOK_KEY.as_bytes(),
        tolem_core::pyjson::dumps_sorted(&event).as_bytes(),
    ));
    let url = format!("{}/api/checkout/webhooks/ioka", demo.origin);
    // The comparison is constant-time (`signature::constant_time_eq`), so it must look at every
    // byte: a signature wrong only in its first, middle or last character is refused alike.
    for at in [0, good.len() / 2, good.len() - 1] {
        let mut forged = good.clone().into_bytes();
        forged[at] = if forged[at] == b'0' { b'1' } else { b'0' };
        let forged = String::from_utf8(forged).unwrap();
        let r = demo.http.post(&url).header("X-Signature", forged).body(event.to_string()).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 401, "wrong at {at}");
    }
    let short = &good[..good.len() - 2];
    let r = demo.http.post(&url).header("X-Signature", short).body(event.to_string()).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401, "a prefix of the signature");
    assert_eq!(demo.status(&attempt).await["status"], "pending");
    let r = demo.http.post(&url).header("X-Signature", &good).body(event.to_string()).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    demo.status_becomes(&attempt, "paid").await;
}
