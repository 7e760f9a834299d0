//! The routes in-process (axum `oneshot`), over a fake provider that implements
//! `ProviderBackend`: what every provider gets from the routes and the shared steps — session
//! checks, the one-payment-per-order rule, amount checks, receipts, holds — without a
//! network. Each test scripts the fake and counts what reached it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::StatusCode;
use serde_json::{json, Value};
use tolem_backend::config::Config;
use tolem_backend::error::AppError;
use tolem_backend::providers::{BoxFuture, Incoming, Notice, Observation, Page, ProviderBackend, Providers};
use tolem_backend::steps::{self, Checkout};
use tolem_backend::store::{Attempt, Store, StoreOptions};
use tolem_backend::{AppState, Secret};
use tolem_core::api::{BrowserTokens, MethodKind, PayRequest, PaymentMethod, StartResponse};
use tolem_core::providers::Provider;
use tolem_core::status::PaymentStatus;

const MERCHANT_KEY: &str = "mk_test_handlers";
const ADMIN_TOKEN: &str = "admin_test_handlers";
const WEBHOOK_KEY: &str = "fake-webhook-key";
const SHOP: &str = "https://shop.example";

/// What the fake provider was asked, and what it is told to answer.
#[derive(Default)]
struct Script {
    /// Pages made (`page` calls that reached the provider).
    pages: u32,
    /// Status reads.
    reads: u32,
    /// Close requests.
    closes: u32,
    /// Captures or releases.
    settles: u32,
    /// What the next reads answer (the last one repeats); empty: nothing to read.
    observations: VecDeque<Observation>,
    /// Whether `close_page` can close a live page.
    can_close: bool,
}

/// A provider standing in one [`Provider`] slot of the registry. Its pages are
/// `https://pay.example/<reference>`, its webhooks JSON `{"reference", "status", "amount",
/// "currency", "id"}` signed by the `x-fake-key` header.
#[derive(Clone)]
struct Fake {
    slot: Provider,
    script: Arc<Mutex<Script>>,
}

impl Fake {
    fn new(slot: Provider) -> Fake {
        Fake { slot, script: Arc::default() }
    }

    fn script(&self) -> std::sync::MutexGuard<'_, Script> {
        self.script.lock().unwrap()
    }

    fn will_report(&self, status: PaymentStatus, amount: i64) {
        self.script().observations.push_back(Observation { status, money: Some((amount, "KZT".into())) });
    }
}

impl ProviderBackend for Fake {
    fn provider(&self) -> Provider {
        self.slot
    }

    fn page_hosts(&self) -> Vec<String> {
        vec!["pay.example".into()]
    }

    fn start<'a>(
        &'a self,
        app: &'a AppState,
        checkout: &'a Checkout,
    ) -> BoxFuture<'a, Result<StartResponse, AppError>> {
        Box::pin(async move {
            let method = PaymentMethod::plain("fake-card", MethodKind::Card, "Fake card");
            steps::start_hosted_page(app, checkout, vec![method], BrowserTokens::default()).await
        })
    }

    fn page<'a>(
        &'a self,
        app: &'a AppState,
        attempt: Attempt,
        choice: &'a PayRequest,
    ) -> BoxFuture<'a, Result<Page, AppError>> {
        Box::pin(async move {
            if choice.method_id != "fake-card" {
                return Err(AppError::Invalid("methodId: unknown method".into()));
            }
            let (_guard, attempt) = steps::with_attempt_lease(app, &attempt.attempt_id).await?;
            if let Some(url) = &attempt.checkout_url {
                return Ok(Page::Redirect(url.clone()));
            }
            self.script().pages += 1;
            let url = format!("https://pay.example/{}", attempt.provider_order_id);
            let (_, until) = steps::page_lifetime(app);
            Ok(Page::Redirect(steps::store_page(app, &attempt, None, &url, Some(until)).await?))
        })
    }

    fn read<'a>(
        &'a self,
        _app: &'a AppState,
        _attempt: &'a Attempt,
    ) -> BoxFuture<'a, Result<Option<Observation>, AppError>> {
        Box::pin(async move {
            let mut script = self.script();
            script.reads += 1;
            let next = if script.observations.len() > 1 {
                script.observations.pop_front()
            } else {
                script.observations.front().cloned()
            };
            Ok(next)
        })
    }

    fn notifications<'a>(
        &'a self,
        app: &'a AppState,
        incoming: &'a Incoming,
    ) -> BoxFuture<'a, Result<Vec<Notice>, AppError>> {
        Box::pin(async move {
            let key = incoming.headers.get("x-fake-key").and_then(|v| v.to_str().ok());
            if key != Some(WEBHOOK_KEY) {
                return Err(AppError::BadSignature("wrong key".into()));
            }
            let body: Value = serde_json::from_slice(&incoming.body).map_err(|e| AppError::Invalid(e.to_string()))?;
            let reference = body["reference"].as_str().unwrap_or_default().to_owned();
            let status = serde_json::from_value(body["status"].clone()).unwrap_or(PaymentStatus::Pending);
            let money = body["amount"].as_i64().map(|a| (a, body["currency"].as_str().unwrap_or("KZT").to_owned()));
            let receipt = body["id"].as_str().unwrap_or_default().to_owned();
            let observed = Observation { status, money };
            Ok(vec![steps::notice_for_reference(app, self.slot, &reference, receipt, observed).await?])
        })
    }

    fn close_page<'a>(&'a self, app: &'a AppState, attempt: &'a Attempt) -> BoxFuture<'a, Result<bool, AppError>> {
        Box::pin(async move {
            let closed = {
                let mut script = self.script();
                script.closes += 1;
                script.can_close
            };
            if closed {
                app.store.advance_status(&attempt.attempt_id, PaymentStatus::Cancelled, "switch").await?;
            }
            Ok(closed)
        })
    }

    fn settle_hold<'a>(
        &'a self,
        _app: &'a AppState,
        _attempt: &'a Attempt,
        capture: bool,
    ) -> BoxFuture<'a, Result<PaymentStatus, AppError>> {
        Box::pin(async move {
            self.script().settles += 1;
            Ok(if capture { PaymentStatus::Paid } else { PaymentStatus::Cancelled })
        })
    }
}

fn config() -> Config {
    Config {
        allowed_origins: vec![SHOP.into()],
        admin_token: Some(Secret::new(ADMIN_TOKEN)),
        merchant_keys: vec![Secret::new(MERCHANT_KEY)],
        ..common::config(StoreOptions::memory())
    }
}

/// A backend whose only providers are `fakes`.
async fn backend(fakes: &[&Fake]) -> Arc<AppState> {
    backend_with(config(), fakes).await
}

/// A backend with `config` whose only providers are `fakes`.
async fn backend_with(config: Config, fakes: &[&Fake]) -> Arc<AppState> {
    let store = Store::connect(&config.database).await.unwrap();
    let mut providers = Providers::default();
    for fake in fakes {
        providers.register((*fake).clone());
    }
    AppState::with_providers(config, store, providers)
}

use common::call;

/// A checkout session for `order` at 500 000 tiyn; its client secret.
async fn session(app: &Arc<AppState>, order: &str) -> String {
    let auth = format!("Bearer {MERCHANT_KEY}");
    let body =
        json!({"order": {"id": order, "amount": 500_000, "currency": "KZT"}, "returnUrl": format!("{SHOP}/checkout")});
    let (status, answer) = call(app, "POST", "/sessions", &[("authorization", &auth)], body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    answer["clientSecret"].as_str().unwrap().to_owned()
}

async fn start(app: &Arc<AppState>, secret: &str, provider: Provider) -> (StatusCode, Value) {
    let body = json!({"provider": provider, "clientSecret": secret, "idempotencyKey": "idem-handlers-1"});
    call(app, "POST", "/start", &[], body).await
}

async fn pay(app: &Arc<AppState>, attempt_id: &str) -> (StatusCode, Value) {
    call(app, "POST", "/pay", &[], json!({"attemptId": attempt_id, "methodId": "fake-card"})).await
}

async fn status(app: &Arc<AppState>, attempt_id: &str) -> (StatusCode, Value) {
    call(app, "GET", &format!("/status?attemptId={attempt_id}"), &[], Value::Null).await
}

/// The attempt's status once the once-a-second provider read may be claimed again.
async fn status_after_read_window(app: &Arc<AppState>, attempt_id: &str) -> (StatusCode, Value) {
    tokio::time::sleep(Duration::from_millis(1100)).await;
    status(app, attempt_id).await
}

#[tokio::test]
async fn start_pay_and_status_go_through_the_registered_provider() {
    let fake = Fake::new(Provider::Paytone);
    let app = backend(&[&fake]).await;
    let secret = session(&app, "H-1").await;

    let (code, started) = start(&app, &secret, Provider::Paytone).await;
    assert_eq!(code, StatusCode::OK, "{started}");
    assert_eq!(started["methods"][0]["id"], "fake-card");
    assert_eq!(started["amount"], 500_000, "{started}");
    let attempt_id = started["attemptId"].as_str().unwrap();

    let (code, paid) = pay(&app, attempt_id).await;
    assert_eq!(code, StatusCode::OK, "{paid}");
    assert_eq!(paid["redirect"]["url"], "https://pay.example/H-1");
    assert_eq!(paid["redirect"]["method"], "GET");
    let (_, again) = pay(&app, attempt_id).await;
    assert_eq!(again["redirect"]["url"], "https://pay.example/H-1");
    assert_eq!(fake.script().pages, 1, "a second pay gets the stored page");

    fake.will_report(PaymentStatus::Paid, 500_000);
    let (code, answer) = status_after_read_window(&app, attempt_id).await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(answer["status"], "paid");
    assert_eq!(answer["final"], true);
    assert!(answer.get("attention").is_none(), "{answer}");

    // Settled: the provider is not asked for another page.
    let (code, refused) = pay(&app, attempt_id).await;
    assert_eq!(code, StatusCode::CONFLICT, "{refused}");
    assert_eq!(fake.script().pages, 1);
}

#[tokio::test]
async fn start_vouches_for_the_providers_configured_hosts_and_the_merchants() {
    let fake = Fake::new(Provider::Paytone);
    let config = Config { redirect_hosts: vec!["pay.mybank.kz".into(), "com.paycore.io".into()], ..config() };
    let app = backend_with(config, &[&fake]).await;
    let secret = session(&app, "H-HOSTS").await;
    let (code, started) = start(&app, &secret, Provider::Paytone).await;
    assert_eq!(code, StatusCode::OK, "{started}");
    // The provider's configured host and the merchant's; not Paytone's own, which the widget knows.
    assert_eq!(started["redirectHosts"], json!(["pay.example", "pay.mybank.kz"]));
}

#[tokio::test]
async fn a_read_for_another_amount_is_not_believed() {
    let fake = Fake::new(Provider::Paytone);
    let app = backend(&[&fake]).await;
    let secret = session(&app, "H-2").await;
    let (_, started) = start(&app, &secret, Provider::Paytone).await;
    let attempt_id = started["attemptId"].as_str().unwrap();
    pay(&app, attempt_id).await;

    fake.will_report(PaymentStatus::Paid, 100);
    let (_, answer) = status_after_read_window(&app, attempt_id).await;
    assert_eq!(answer["status"], "pending", "{answer}");
    assert!(answer["attention"].as_str().unwrap().contains("100"), "{answer}");
    let stored = app.store.by_id(attempt_id).await.unwrap().unwrap();
    assert_eq!(stored.status, PaymentStatus::Pending);
}

#[tokio::test]
async fn webhooks_are_verified_and_applied_once() {
    let fake = Fake::new(Provider::Paytone);
    let app = backend(&[&fake]).await;
    let secret = session(&app, "H-3").await;
    let (_, started) = start(&app, &secret, Provider::Paytone).await;
    let attempt_id = started["attemptId"].as_str().unwrap().to_owned();
    pay(&app, &attempt_id).await;

    let counted = |outcome: &str| {
        let series = format!("tolem_webhooks_total{{provider=\"paytone\",outcome=\"{outcome}\"}} ");
        let text = tolem_backend::metrics::render(0, 0);
        text.lines().find_map(|l| l.strip_prefix(series.as_str())).map_or(0.0, |v| v.parse::<f64>().unwrap())
    };
    let (refused_before, verified_before) = (counted("refused"), counted("verified"));
    let news = json!({"reference": "H-3", "status": "paid", "amount": 500_000, "id": "evt-1"});
    let (code, refused) = call(&app, "POST", "/webhooks/paytone", &[("x-fake-key", "guess")], news.clone()).await;
    assert_eq!(code, StatusCode::UNAUTHORIZED, "{refused}");
    assert_eq!(app.store.by_id(&attempt_id).await.unwrap().unwrap().status, PaymentStatus::Pending);

    let (code, applied) = call(&app, "POST", "/webhooks/paytone", &[("x-fake-key", WEBHOOK_KEY)], news.clone()).await;
    assert_eq!(code, StatusCode::OK, "{applied}");
    assert_eq!(applied, json!({"ok": true, "status": "paid"}));
    let (_, replay) = call(&app, "POST", "/webhooks/paytone", &[("x-fake-key", WEBHOOK_KEY)], news).await;
    assert_eq!(replay, json!({"ok": true, "duplicate": true}));

    let unknown = json!({"reference": "NOT-OURS", "status": "paid", "amount": 1, "id": "evt-2"});
    let (_, ignored) = call(&app, "POST", "/webhooks/paytone", &[("x-fake-key", WEBHOOK_KEY)], unknown).await;
    assert_eq!(ignored, json!({"ok": true, "ignored": "unknown order"}));

    let history = app.store.history(&attempt_id).await.unwrap();
    assert_eq!(history.iter().filter(|(s, _)| *s == PaymentStatus::Paid).count(), 1, "{history:?}");
    // Counted for /metrics (other tests of this binary may add to the same counters).
    assert!(counted("refused") >= refused_before + 1.0);
    assert!(counted("verified") >= verified_before + 3.0, "the paid one, its replay and the unknown order");
}

#[tokio::test]
async fn webhook_money_for_another_amount_flags_and_stays_pending() {
    let fake = Fake::new(Provider::Paytone);
    let app = backend(&[&fake]).await;
    let secret = session(&app, "H-4").await;
    let (_, started) = start(&app, &secret, Provider::Paytone).await;
    let attempt_id = started["attemptId"].as_str().unwrap().to_owned();

    let news = json!({"reference": "H-4", "status": "paid", "amount": 499_999, "id": "evt-1"});
    let (_, answer) = call(&app, "POST", "/webhooks/paytone", &[("x-fake-key", WEBHOOK_KEY)], news).await;
    assert_eq!(answer["status"], "pending", "{answer}");
    let stored = app.store.by_id(&attempt_id).await.unwrap().unwrap();
    assert_eq!(stored.status, PaymentStatus::Pending);
    assert!(stored.attention.is_some());
}

#[tokio::test]
async fn a_provider_that_is_not_registered_is_refused_before_anything_is_stored() {
    let fake = Fake::new(Provider::Paytone);
    let app = backend(&[&fake]).await;
    let secret = session(&app, "H-5").await;

    let (code, answer) = start(&app, &secret, Provider::Ioka).await;
    assert_eq!(code, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(answer["error"]["code"], "CONFIG_ERROR");
    assert!(app.store.for_order("H-5").await.unwrap().is_empty());

    let (code, _) = call(&app, "POST", "/webhooks/ioka", &[], json!({})).await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    let (code, _) = call(&app, "POST", "/webhooks/nobody", &[], json!({})).await;
    assert_eq!(code, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn switching_provider_closes_the_live_page_or_waits_for_it() {
    let first = Fake::new(Provider::Paytone);
    let second = Fake::new(Provider::Ecommpay);
    let app = backend(&[&first, &second]).await;
    let secret = session(&app, "H-6").await;
    let (_, started) = start(&app, &secret, Provider::Paytone).await;
    let first_attempt = started["attemptId"].as_str().unwrap().to_owned();
    pay(&app, &first_attempt).await;

    // The first page is live and its provider cannot close it: the switch waits.
    let (code, refused) = start(&app, &secret, Provider::Ecommpay).await;
    assert_eq!(code, StatusCode::CONFLICT, "{refused}");
    assert_eq!(first.script().closes, 1);
    assert!(app.store.by_order(Provider::Ecommpay, "H-6").await.unwrap().is_none());

    // Once it can, the page is closed and the order moves to the second provider.
    first.script().can_close = true;
    let (code, switched) = start(&app, &secret, Provider::Ecommpay).await;
    assert_eq!(code, StatusCode::OK, "{switched}");
    let left = app.store.by_id(&first_attempt).await.unwrap().unwrap();
    assert_eq!(left.status, PaymentStatus::Cancelled);
    assert_eq!(left.superseded_by, Some(Provider::Ecommpay));
    let (code, _) = pay(&app, &first_attempt).await;
    assert_eq!(code, StatusCode::CONFLICT);
    assert_eq!(first.script().pages, 1, "the left attempt gets no new page");
}

#[tokio::test]
async fn a_hold_is_settled_through_the_provider_only_when_held() {
    let fake = Fake::new(Provider::Paytone);
    let app = backend(&[&fake]).await;
    let secret = session(&app, "H-7").await;
    let (_, started) = start(&app, &secret, Provider::Paytone).await;
    let attempt_id = started["attemptId"].as_str().unwrap().to_owned();
    pay(&app, &attempt_id).await;
    let admin = format!("Bearer {ADMIN_TOKEN}");

    let (code, _) =
        call(&app, "POST", "/admin/capture", &[("authorization", "Bearer wrong")], json!({"attemptId": attempt_id}))
            .await;
    assert_eq!(code, StatusCode::UNAUTHORIZED);

    fake.will_report(PaymentStatus::Pending, 500_000);
    let (code, refused) =
        call(&app, "POST", "/admin/capture", &[("authorization", &admin)], json!({"attemptId": attempt_id})).await;
    assert_eq!(code, StatusCode::CONFLICT, "{refused}");
    assert_eq!(fake.script().settles, 0);

    fake.script().observations =
        VecDeque::from([Observation { status: PaymentStatus::Authorized, money: Some((500_000, "KZT".into())) }]);
    let (code, captured) =
        call(&app, "POST", "/admin/capture", &[("authorization", &admin)], json!({"attemptId": attempt_id})).await;
    assert_eq!(code, StatusCode::OK, "{captured}");
    assert_eq!(captured["status"], "paid");
    assert_eq!(fake.script().settles, 1);
}

#[test]
fn every_refusal_code_is_documented_in_the_backend_api_and_no_other() {
    let doc = include_str!("../../../www/backend-api.md");
    let documented: Vec<&str> = doc
        .lines()
        .filter_map(|l| l.strip_prefix("| ")?.split(" | ").nth(1))
        .filter_map(|code| code.strip_prefix('`')?.strip_suffix('`'))
        .filter(|code| code.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
        .collect();
    for refusal in tolem_core::error::Refusal::ALL {
        assert!(documented.contains(&refusal.as_str()), "{} is not in www/backend-api.md", refusal.as_str());
    }
    for code in &documented {
        assert!(tolem_core::error::Refusal::from_code(code).is_some(), "www/backend-api.md documents {code}");
    }
    assert_eq!(documented.len(), tolem_core::error::Refusal::ALL.len());
}
