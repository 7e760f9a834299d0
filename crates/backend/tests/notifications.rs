//! Notifications to the shop, against a real receiving server on loopback and real databases
//! (SQLite file and PostgreSQL): signed, in order per attempt, retried, given up and replayed,
//! kept across a restart, sent by one instance.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use serde_json::Value;
use tolem_backend::config::NotifyConfig;
use tolem_backend::providers::Providers;
use tolem_backend::store::{Attempt, DeliveryState, Engine, Store, StoreOptions};
use tolem_backend::{AppState, Config, Secret};
use tolem_core::notify::{verify, ShopNotification};
use tolem_core::providers::Provider;
use tolem_core::status::PaymentStatus::{self, *};

const SECRET: &str = "whsec_notifications_test_0123456789abcdef";
const ADMIN_TOKEN: &str = "admin_test_notifications";

/// The shop's endpoint: records what it was sent, and fails while `failing` is above zero
/// (`u32::MAX`: always).
#[derive(Clone, Default)]
struct Shop {
    received: Arc<Mutex<Vec<(HeaderMap, Bytes)>>>,
    failing: Arc<AtomicU32>,
}

impl Shop {
    /// Serves on a free loopback port; the URL of its endpoint.
    async fn serve(&self) -> String {
        let shop = self.clone();
        let router = axum::Router::new().route(
            "/hooks/tolem",
            axum::routing::post(move |headers: HeaderMap, body: Bytes| {
                let shop = shop.clone();
                async move {
                    let failing = shop.failing.load(Ordering::SeqCst);
                    if failing > 0 {
                        if failing != u32::MAX {
                            shop.failing.store(failing - 1, Ordering::SeqCst);
                        }
                        return StatusCode::INTERNAL_SERVER_ERROR;
                    }
                    shop.received.lock().unwrap().push((headers, body));
                    StatusCode::NO_CONTENT
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks/tolem", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await });
        url
    }

    /// What the shop took, each checked as the shop would check it.
    fn notifications(&self) -> Vec<ShopNotification> {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
        self.received
            .lock()
            .unwrap()
            .iter()
            .map(|(headers, body)| {
                let signature = headers.get("tolem-signature").unwrap().to_str().unwrap();
                verify(SECRET.as_bytes(), signature, body, now, 300).expect("signed with the shared secret");
                assert_eq!(headers.get("content-type").unwrap(), "application/json");
                serde_json::from_slice(body).unwrap()
            })
            .collect()
    }

    /// Waits until the shop took `n` notifications (or fails after 20 s).
    async fn until_taken(&self, n: usize) -> Vec<ShopNotification> {
        for _ in 0..400 {
            if self.received.lock().unwrap().len() >= n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let got = self.notifications();
        assert!(got.len() >= n, "the shop took {} of {n}: {got:?}", got.len());
        got
    }
}

/// A URL nothing listens on.
async fn closed_port_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks/tolem", listener.local_addr().unwrap());
    drop(listener);
    url
}

fn notify(url: &str) -> NotifyConfig {
    NotifyConfig {
        url: url.to_owned(),
        secret: Secret::new(SECRET),
        retry_for: Duration::from_secs(3600),
        timeout: Duration::from_secs(2),
        first_retry: Duration::from_millis(200),
    }
}

fn config(database: StoreOptions, notify: NotifyConfig) -> Config {
    Config {
        lease_ttl: Duration::from_secs(3),
        admin_token: Some(Secret::new(ADMIN_TOKEN)),
        notify: Some(notify),
        ..common::config(StoreOptions { notifications: true, ..database })
    }
}

/// An instance: its store and state (the delivery loop runs while the state lives).
async fn instance(config: Config) -> Arc<AppState> {
    let store = Store::connect(&config.database).await.unwrap();
    AppState::with_providers(config, store, Providers::default())
}

/// A Bereke attempt of 15 000 ₸ for `order`.
fn attempt(id: &str, order: &str) -> Attempt {
    Attempt {
        provider: Provider::Bereke,
        amount: 1_500_000,
        provider_order_id: format!("rbs_{id}"),
        ..common::attempt(id, order)
    }
}

/// An attempt made and moved through `statuses` on `store`.
async fn pay_through(store: &Store, id: &str, order: &str, statuses: &[PaymentStatus]) {
    store.insert_or_existing(&attempt(id, order)).await.unwrap();
    for status in statuses {
        store.advance_status(id, *status, "webhook").await.unwrap();
    }
}

async fn admin(app: &Arc<AppState>, method: &str, uri: &str, token: &str, body: Value) -> (StatusCode, Value) {
    common::call(app, method, uri, &[("authorization", &format!("Bearer {token}"))], body).await
}

on_both_engines!(every_change_reaches_the_shop_signed_and_in_order);
async fn every_change_reaches_the_shop_signed_and_in_order(engine: Engine) {
    let db = common::fresh(engine).await;
    let shop = Shop::default();
    let app = instance(config(db.options.clone(), notify(&shop.serve().await))).await;
    pay_through(&app.store, "att_n1", "N-1", &[Authorized, Paid]).await;

    let got = shop.until_taken(3).await;
    let seen: Vec<(i64, PaymentStatus, bool)> = got.iter().map(|n| (n.sequence, n.status, n.is_final)).collect();
    assert_eq!(seen, [(1, Pending, false), (2, Authorized, true), (3, Paid, true)]);
    let paid = &got[2];
    assert_eq!(paid.id, "att_n1.3");
    assert_eq!((paid.attempt_id.as_str(), paid.order_id.as_str(), paid.provider.as_str()), ("att_n1", "N-1", "bereke"));
    assert_eq!((paid.amount, paid.currency.as_str()), (1_500_000, "KZT"));
    assert_eq!(paid.reference.as_deref(), Some("rbs_att_n1"));
    assert!(paid.at.ends_with("+00:00") && paid.at.len() == 25, "RFC 3339 UTC: {}", paid.at);

    // A status that does not move (a repeated webhook) is no change: nothing more is sent.
    app.store.advance_status("att_n1", Paid, "webhook").await.unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(shop.notifications().len(), 3);
    let (code, list) = admin(&app, "GET", "/admin/notifications?attemptId=att_n1", ADMIN_TOKEN, Value::Null).await;
    assert_eq!(code, StatusCode::OK, "{list}");
    let states: Vec<&str> =
        list["notifications"].as_array().unwrap().iter().map(|n| n["state"].as_str().unwrap()).collect();
    assert_eq!(states, ["delivered"; 3]);
}

on_both_engines!(a_failing_shop_gets_retries_in_order_then_a_replay);
async fn a_failing_shop_gets_retries_in_order_then_a_replay(engine: Engine) {
    let db = common::fresh(engine).await;
    let shop = Shop::default();
    shop.failing.store(3, Ordering::SeqCst);
    let app = instance(config(db.options.clone(), notify(&shop.serve().await))).await;
    pay_through(&app.store, "att_r1", "R-1", &[Paid]).await;

    // Three refusals of the first, then both in order: the second waited for the first.
    let got = shop.until_taken(2).await;
    let order: Vec<i64> = got.iter().map(|n| n.sequence).collect();
    assert_eq!(order, [1, 2]);
    let list = app.store.notifications(None, Some("att_r1"), 10).await.unwrap();
    let first = list.iter().find(|r| r.step == 1).unwrap();
    assert_eq!((first.state, first.tries), (DeliveryState::Delivered, 3), "{first:?}");

    // A shop that keeps failing: given up once the retry window ran out, then replayed.
    drop(app);
    let db2 = common::fresh(engine).await;
    let stubborn = Shop::default();
    stubborn.failing.store(u32::MAX, Ordering::SeqCst);
    let short = NotifyConfig { retry_for: Duration::from_millis(600), ..notify(&stubborn.serve().await) };
    let app = instance(config(db2.options.clone(), short)).await;
    pay_through(&app.store, "att_r2", "R-2", &[]).await;
    let mut failed = Vec::new();
    for _ in 0..100 {
        failed = app.store.notifications(Some(DeliveryState::Failed), None, 10).await.unwrap();
        if !failed.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(failed.len(), 1, "given up after the window");
    assert_eq!(failed[0].last_error.as_deref(), Some("HTTP 500"));
    let (code, list) = admin(&app, "GET", "/admin/notifications?state=failed", ADMIN_TOKEN, Value::Null).await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(list["notifications"][0]["id"], "att_r2.1");
    assert_eq!(list["notifications"][0]["lastError"], "HTTP 500");

    stubborn.failing.store(0, Ordering::SeqCst);
    let replay = serde_json::json!({"attemptId": "att_r2", "sequence": 1});
    let (code, answer) = admin(&app, "POST", "/admin/notifications/replay", ADMIN_TOKEN, replay).await;
    assert_eq!(code, StatusCode::OK, "{answer}");
    assert_eq!(answer["notifications"][0]["state"], "pending");
    let got = stubborn.until_taken(1).await;
    assert_eq!((got[0].id.as_str(), got[0].status), ("att_r2.1", Pending));
}

on_both_engines!(a_restart_loses_no_notification);
async fn a_restart_loses_no_notification(engine: Engine) {
    let db = common::fresh(engine).await;
    // The shop is down while the payment happens; the instance then stops.
    let first = instance(config(db.options.clone(), notify(&closed_port_url().await))).await;
    pay_through(&first.store, "att_s1", "S-1", &[Paid]).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let pending = first.store.notifications(Some(DeliveryState::Pending), None, 10).await.unwrap();
    assert_eq!(pending.len(), 2);
    assert!(pending.iter().any(|r| r.tries > 0 && r.last_error.as_deref() == Some("could not connect")), "{pending:?}");
    first.store.close().await;
    drop(first);

    // The next instance takes over once the first one's lease runs out.
    let shop = Shop::default();
    let second = instance(config(db.options.clone(), notify(&shop.serve().await))).await;
    let got = shop.until_taken(2).await;
    let seen: Vec<(i64, PaymentStatus)> = got.iter().map(|n| (n.sequence, n.status)).collect();
    assert_eq!(seen, [(1, Pending), (2, Paid)]);
    drop(second);
}

on_both_engines!(two_instances_send_each_notification_once);
async fn two_instances_send_each_notification_once(engine: Engine) {
    let db = common::fresh(engine).await;
    let shop = Shop::default();
    let url = shop.serve().await;
    let a = instance(config(db.options.clone(), notify(&url))).await;
    let b = instance(config(db.options.clone(), notify(&url))).await;
    for i in 0..10 {
        let store = if i % 2 == 0 { &a.store } else { &b.store };
        pay_through(store, &format!("att_m{i}"), &format!("M-{i}"), &[Paid]).await;
    }
    let got = shop.until_taken(20).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let got_later = shop.notifications();
    assert_eq!(got_later.len(), 20, "each change once: {:?}", got_later.iter().map(|n| &n.id).collect::<Vec<_>>());
    let mut ids: Vec<&str> = got.iter().map(|n| n.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 20);
}

#[tokio::test]
async fn the_admin_routes_are_closed_without_the_token_and_check_their_input() {
    let db = common::fresh(Engine::Sqlite).await;
    let app = instance(config(db.options.clone(), notify(&closed_port_url().await))).await;
    let (code, _) = admin(&app, "GET", "/admin/notifications", "guess", Value::Null).await;
    assert_eq!(code, StatusCode::UNAUTHORIZED);
    let (code, _) = admin(&app, "POST", "/admin/notifications/replay", "guess", serde_json::json!({})).await;
    assert_eq!(code, StatusCode::UNAUTHORIZED);
    for (uri, named) in [
        ("/admin/notifications?state=lost", "state"),
        ("/admin/notifications?limit=0", "limit"),
        ("/admin/notifications?limit=201", "limit"),
        ("/admin/notifications?attemptId=%3Cscript%3E", "attemptId"),
    ] {
        let (code, answer) = admin(&app, "GET", uri, ADMIN_TOKEN, Value::Null).await;
        assert_eq!(code, StatusCode::BAD_REQUEST, "{uri}: {answer}");
        assert!(answer.to_string().contains(named), "{uri}: {answer}");
    }
    let unknown = serde_json::json!({"attemptId": "att_nothing", "sequence": 1});
    let (code, _) = admin(&app, "POST", "/admin/notifications/replay", ADMIN_TOKEN, unknown).await;
    assert_eq!(code, StatusCode::NOT_FOUND);
    let extra = serde_json::json!({"attemptId": "att_nothing", "sequence": 1, "url": "https://evil.example"});
    let (code, _) = admin(&app, "POST", "/admin/notifications/replay", ADMIN_TOKEN, extra).await;
    assert_eq!(code, StatusCode::BAD_REQUEST, "unknown fields are refused");
}

/// The README's check for the shop's side (Node), run by Node on what the backend signs.
#[test]
fn the_readme_check_accepts_what_the_backend_signs_and_refuses_the_rest() {
    let readme = include_str!("../../../README.md");
    let start = readme.find("import { createHmac").expect("the README has the Node check");
    let end = start + readme[start..].find("```").unwrap();
    let dir = std::env::temp_dir().join(common::unique("tolem-readme-check"));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("verify.mjs"), &readme[start..end]).unwrap();
    std::fs::write(
        dir.join("run.mjs"),
        "import { verifyTolem } from './verify.mjs';\n\
         const cases = JSON.parse(process.argv[2]);\n\
         console.log(JSON.stringify(cases.map(([body, header, secret, now]) => verifyTolem(Buffer.from(body), header, secret, now))));\n",
    )
    .unwrap();
    let body = r#"{"id":"att_1.2","attemptId":"att_1","status":"paid","amount":1500000}"#;
    let header = tolem_core::notify::sign(SECRET.as_bytes(), 1_800_000_000, body.as_bytes());
    let cases = serde_json::json!([
        [body, header, SECRET, 1_800_000_100],
        [body.replace("1500000", "1"), header, SECRET, 1_800_000_100],
        [body, header, "whsec_another_secret_0123456789abcdef", 1_800_000_100],
        [body, header, SECRET, 1_800_000_301],
        [body, header.replacen("t=1800000000", "t=1800000100", 1), SECRET, 1_800_000_100],
        [body, "t=1800000000", SECRET, 1_800_000_100],
    ]);
    let out = std::process::Command::new("node")
        .arg(dir.join("run.mjs"))
        .arg(cases.to_string())
        .output()
        .expect("node runs (make test installs it)");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let verdicts: Vec<bool> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(verdicts, [true, false, false, false, false, false]);
}

on_both_engines!(each_notification_names_the_try_it_was_about);
async fn each_notification_names_the_try_it_was_about(engine: Engine) {
    let db = common::fresh(engine).await;
    let shop = Shop::default();
    // The shop refuses the first delivery, so every one is sent after all the changes below.
    shop.failing.store(1, Ordering::SeqCst);
    let app = instance(config(db.options.clone(), notify(&shop.serve().await))).await;
    // Declined on the first try, then paid on the second, under a new provider reference.
    pay_through(&app.store, "att_t1", "T-1", &[Failed]).await;
    app.store.next_try("att_t1", 1, "T-1~2", tolem_backend::store::Leaving::Always).await.unwrap();
    app.store.advance_status("att_t1", Paid, "webhook").await.unwrap();

    let got = shop.until_taken(4).await;
    let seen: Vec<(i64, PaymentStatus, Option<&str>)> =
        got.iter().map(|n| (n.sequence, n.status, n.reference.as_deref())).collect();
    assert_eq!(
        seen,
        [
            (1, Pending, Some("rbs_att_t1")),
            (2, Failed, Some("rbs_att_t1")),
            (3, Pending, Some("T-1~2")),
            (4, Paid, Some("T-1~2")),
        ]
    );
}
