//! Helpers shared by the round-trip tests: a demo on a free loopback port, JSON calls, the
//! hosted pages' forms, the sandbox's delivery log.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{json, Value};
use tolem_demo::{Demo, DemoOptions};
use tolem_sandbox::demo_credentials as creds;

pub struct Running {
    pub origin: String,
    pub http: reqwest::Client,
}

pub async fn start_demo(state_dir: Option<PathBuf>) -> Running {
    start_demo_with_timeout(state_dir, Duration::from_secs(5)).await
}

pub async fn start_demo_with_timeout(state_dir: Option<PathBuf>, provider_timeout: Duration) -> Running {
    start_demo_with(DemoOptions { state_dir, provider_timeout, ..DemoOptions::default() }).await
}

pub async fn start_demo_with(options: DemoOptions) -> Running {
    start_demo_with_store(options).await.0
}

/// A demo, and its backend's attempt store (for tests that read history directly).
pub async fn start_demo_with_store(options: DemoOptions) -> (Running, tolem_backend::store::Store) {
    let demo = Demo::bind(0, options).await.expect("bind");
    let origin = demo.origin.clone();
    let store = demo.backend.store.clone();
    tokio::spawn(demo.serve(std::future::pending()));
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    (Running { origin, http }, store)
}

/// Sends a request; answers the status and the body as JSON (or as a string if it is not JSON).
pub async fn answer(request: reqwest::RequestBuilder) -> (u16, Value) {
    let r = request.send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

impl Running {
    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let request = self
            .http
            .post(format!("{}{path}", self.origin))
            .header("content-type", "application/json")
            .body(body.to_string());
        answer(request).await
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        answer(self.http.get(format!("{}{path}", self.origin)).header("API-KEY", creds::IOKA_API_KEY)).await
    }

    /// How often the sandbox answered one provider call, named as `/sandbox/_control/requests`
    /// names it (`ioka GET /v2/orders/ord_…`); 0 when never.
    pub async fn provider_calls(&self, call: &str) -> u64 {
        let (_, requests) = self.get("/sandbox/_control/requests").await;
        requests[call].as_u64().unwrap_or(0)
    }

    /// What the shop's server sends `POST /sessions` for an order of 15 000 ₸ (one tea).
    pub fn session_body_for(&self, provider: &str, order_id: &str) -> Value {
        json!({
            "order": {"id": order_id, "amount": 1_500_000, "currency": "KZT", "description": "Заказ",
                      "items": [{"productId": 1, "quantity": 1}]},
            "customer": {"id": "u-42", "email": "shopper@example.kz", "phone": "+77010000000"},
            "returnUrl": format!("{}/?provider={provider}", self.origin),
        })
    }

    /// `POST /sessions` as the shop's server sends it (the demo's merchant key).
    pub async fn session(&self, body: Value) -> (u16, Value) {
        self.session_with_key(body, Some(creds::TOLEM_MERCHANT_KEY)).await
    }

    /// `POST /sessions` with this key (or none).
    pub async fn session_with_key(&self, body: Value, key: Option<&str>) -> (u16, Value) {
        let mut request = self
            .http
            .post(format!("{}/api/checkout/sessions", self.origin))
            .header("content-type", "application/json")
            .body(body.to_string());
        if let Some(key) = key {
            request = request.header("authorization", format!("Bearer {key}"));
        }
        answer(request).await
    }

    /// The client secret of a session that must be made.
    pub async fn client_secret(&self, body: Value) -> String {
        let (status, session) = self.session(body).await;
        assert_eq!(status, 200, "{session}");
        session["clientSecret"].as_str().unwrap().to_owned()
    }

    /// The `start` body the widget sends for a client secret.
    pub fn start_body_with(provider: &str, client_secret: &str, order_id: &str) -> Value {
        json!({
            "provider": provider,
            "clientSecret": client_secret,
            "locale": "kk",
            "idempotencyKey": format!("key-{order_id}"),
        })
    }

    /// The shop makes the order's session; the answer is the widget's `start` body for it.
    pub async fn start_body(&self, order_id: &str) -> Value {
        self.start_body_for("ioka", order_id).await
    }

    /// [`Running::start_body`] for a provider.
    pub async fn start_body_for(&self, provider: &str, order_id: &str) -> Value {
        let secret = self.client_secret(self.session_body_for(provider, order_id)).await;
        Self::start_body_with(provider, &secret, order_id)
    }

    pub async fn start(&self, order_id: &str) -> Value {
        self.start_for("ioka", order_id).await
    }

    /// A session for the order, then `start` with this provider, which must succeed.
    pub async fn start_for(&self, provider: &str, order_id: &str) -> Value {
        let (status, body) = self.post("/api/checkout/start", self.start_body_for(provider, order_id).await).await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// `POST /pay` with field values; answers the status and body.
    pub async fn pay(&self, attempt: &str, method: &str, fields: Value) -> (u16, Value) {
        self.post("/api/checkout/pay", json!({"attemptId": attempt, "methodId": method, "fields": fields})).await
    }

    /// `POST /pay` that must succeed; answers the redirect URL.
    pub async fn pay_url_with(&self, attempt: &str, method: &str, fields: Value) -> String {
        let (code, pay) = self.pay(attempt, method, fields).await;
        assert_eq!(code, 200, "{pay}");
        pay["redirect"]["url"].as_str().unwrap().to_owned()
    }

    pub async fn ioka_orders(&self, external_id: &str) -> Vec<Value> {
        let (status, body) = self.get(&format!("/sandbox/ioka/v2/orders?external_id={external_id}")).await;
        assert_eq!(status, 200);
        body.as_array().cloned().unwrap_or_default()
    }

    /// Submits the hosted page form; returns the `Location` it redirects to.
    pub async fn hosted(&self, checkout_url: &str, action: &str, pan: &str) -> String {
        self.hosted_with(checkout_url, action, pan, &[]).await
    }

    /// Submits a hosted page form with extra (hidden) fields; returns the redirect target.
    pub async fn hosted_with(&self, url: &str, action: &str, pan: &str, extra: &[(&str, &str)]) -> String {
        let mut form = vec![("action", action), ("pan", pan), ("exp", "12/30"), ("cvc", "123"), ("holder", "TEST")];
        form.extend_from_slice(extra);
        let r = self.http.post(url).form(&form).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 303, "{}", r.text().await.unwrap_or_default());
        r.headers().get("location").unwrap().to_str().unwrap().to_owned()
    }

    /// `GET` a backend path with the widget's `X-Tolem-Client-Secret` header.
    pub async fn get_as_session(&self, path: &str, client_secret: &str) -> (u16, Value) {
        let request =
            self.http.get(format!("{}{path}", self.origin)).header(tolem_backend::CLIENT_SECRET_HEADER, client_secret);
        answer(request).await
    }

    pub async fn status(&self, attempt_id: &str) -> Value {
        let (code, body) = self.get(&format!("/api/checkout/status?attemptId={attempt_id}")).await;
        assert_eq!(code, 200, "{body}");
        body
    }

    /// Polls `status` until the attempt reaches `want` (bounded: a few seconds). The backend
    /// reads the provider at most once a second per attempt, so a status that only a provider
    /// read can bring shows up within about a second.
    pub async fn status_becomes(&self, attempt_id: &str, want: &str) -> Value {
        for _ in 0..120 {
            let status = self.status(attempt_id).await;
            if status["status"] == want {
                return status;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("attempt {attempt_id} never became {want}: {}", self.status(attempt_id).await);
    }

    /// Waits (bounded) until the sandbox has delivered `n` webhooks.
    pub async fn deliveries(&self, n: usize) -> Vec<Value> {
        for _ in 0..200 {
            let (_, log) = self.get("/sandbox/_control/webhooks").await;
            let log = log.as_array().cloned().unwrap_or_default();
            if log.len() >= n {
                return log;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("fewer than {n} webhooks delivered");
    }
}
