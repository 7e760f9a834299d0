//! The admin API over real databases: attempts searched and paged, one attempt with its
//! history and notifications, and the API closed to browsers and to callers without the token.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use serde_json::Value;
use tolem_backend::providers::Providers;
use tolem_backend::store::{Attempt, Engine, Store, StoreOptions};
use tolem_backend::{AppState, Config, Secret};
use tolem_core::providers::Provider;
use tolem_core::status::PaymentStatus::*;

const ADMIN_TOKEN: &str = "admin_test_admin_api";
const SHOP: &str = "https://shop.example";

async fn backend(database: StoreOptions) -> Arc<AppState> {
    let config = Config {
        allowed_origins: vec![SHOP.into()],
        admin_token: Some(Secret::new(ADMIN_TOKEN)),
        ..common::config(database)
    };
    let store = Store::connect(&config.database).await.unwrap();
    AppState::with_providers(config, store, Providers::default())
}

async fn get(app: &Arc<AppState>, uri: &str) -> (StatusCode, Value) {
    common::call(app, "GET", uri, &[("authorization", &format!("Bearer {ADMIN_TOKEN}"))], Value::Null).await
}

fn ids(list: &Value) -> Vec<String> {
    list["attempts"].as_array().unwrap().iter().map(|a| a["attemptId"].as_str().unwrap().to_owned()).collect()
}

/// Six attempts, made a few milliseconds apart (the newest last): two providers, three
/// statuses.
async fn six_attempts(store: &Store) -> Vec<String> {
    let mut made = Vec::new();
    for i in 0..6 {
        let id = format!("att_adm{i}");
        let provider = if i % 2 == 0 { Provider::Ioka } else { Provider::Bereke };
        let order = format!("ADM-{}", i / 2);
        store.insert_or_existing(&Attempt { provider, ..common::attempt(&id, &order) }).await.unwrap();
        match i % 3 {
            1 => {
                store.advance_status(&id, Paid, "webhook").await.unwrap();
            }
            2 => {
                store.advance_status(&id, Failed, "poll").await.unwrap();
            }
            _ => {}
        }
        made.push(id);
        tokio::time::sleep(Duration::from_millis(3)).await;
    }
    made
}

on_both_engines!(attempts_are_searched_and_paged_newest_first);
async fn attempts_are_searched_and_paged_newest_first(engine: Engine) {
    let db = common::fresh(engine).await;
    let app = backend(db.options.clone()).await;
    let made = six_attempts(&app.store).await;
    let newest_first: Vec<String> = made.iter().rev().cloned().collect();

    // Two at a time, following the cursor: every attempt once, newest first.
    let mut seen = Vec::new();
    let mut uri = "/admin/attempts?limit=2".to_owned();
    loop {
        let (code, page) = get(&app, &uri).await;
        assert_eq!(code, StatusCode::OK, "{page}");
        assert!(ids(&page).len() <= 2);
        seen.extend(ids(&page));
        match page["nextCursor"].as_str() {
            Some(cursor) => uri = format!("/admin/attempts?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, newest_first);

    let (_, ioka) = get(&app, "/admin/attempts?provider=ioka").await;
    assert_eq!(ids(&ioka), ["att_adm4", "att_adm2", "att_adm0"]);
    let (_, paid) = get(&app, "/admin/attempts?status=paid").await;
    assert_eq!(ids(&paid), ["att_adm4", "att_adm1"]);
    let (_, order) = get(&app, "/admin/attempts?orderId=ADM-1").await;
    assert_eq!(ids(&order), ["att_adm3", "att_adm2"]);
    let (_, both) = get(&app, "/admin/attempts?provider=bereke&status=failed").await;
    assert_eq!(ids(&both), ["att_adm5"]);

    // A time window: from the third attempt's creation up to (not including) the fifth's.
    let created = |id: &str, list: &Value| {
        list["attempts"].as_array().unwrap().iter().find(|a| a["attemptId"] == id).unwrap()["createdMs"]
            .as_i64()
            .unwrap()
    };
    let (_, all) = get(&app, "/admin/attempts").await;
    let (from, to) = (created("att_adm2", &all), created("att_adm4", &all));
    let (_, window) = get(&app, &format!("/admin/attempts?from={from}&to={to}")).await;
    assert_eq!(ids(&window), ["att_adm3", "att_adm2"]);
    assert!(all["nextCursor"].is_null());

    let first = &all["attempts"][5];
    assert_eq!(first["attemptId"], "att_adm0");
    assert_eq!((first["provider"].as_str(), first["amount"].as_i64()), (Some("ioka"), Some(1000)));
    assert_eq!((first["status"].as_str(), first["final"].as_bool()), (Some("pending"), Some(false)));
    assert_eq!(first["reference"], "ord_att_adm0");
    assert!(first.get("orderAccessToken").is_none() && !first.to_string().contains("token"), "{first}");
}

on_both_engines!(one_attempt_comes_with_its_history_and_notifications);
async fn one_attempt_comes_with_its_history_and_notifications(engine: Engine) {
    let db = common::fresh(engine).await;
    let app = backend(StoreOptions { notifications: true, ..db.options.clone() }).await;
    app.store.insert_or_existing(&common::attempt("att_one", "ONE-1")).await.unwrap();
    app.store.advance_status("att_one", Authorized, "webhook").await.unwrap();
    app.store.advance_status("att_one", Paid, "capture").await.unwrap();

    let (code, one) = get(&app, "/admin/attempts/att_one").await;
    assert_eq!(code, StatusCode::OK, "{one}");
    assert_eq!((one["attemptId"].as_str(), one["status"].as_str()), (Some("att_one"), Some("paid")));
    let history: Vec<(i64, &str, &str)> = one["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["sequence"].as_i64().unwrap(), h["status"].as_str().unwrap(), h["source"].as_str().unwrap()))
        .collect();
    assert_eq!(history, [(1, "pending", "start"), (2, "authorized", "webhook"), (3, "paid", "capture")]);
    // Queued (no TOLEM_NOTIFY_URL here, so nobody sends them): the shop's three, pending.
    let notifications = one["notifications"].as_array().unwrap();
    assert_eq!(notifications.len(), 3);
    assert!(notifications.iter().all(|n| n["state"] == "pending"), "{one}");

    let (code, _) = get(&app, "/admin/attempts/att_none").await;
    assert_eq!(code, StatusCode::NOT_FOUND);
    let (code, _) = get(&app, "/admin/attempts/has%20space").await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_admin_api_needs_its_token_checks_its_input_and_is_closed_to_browsers() {
    let db = common::fresh(Engine::Sqlite).await;
    let app = backend(db.options.clone()).await;
    for uri in ["/admin/attempts", "/admin/attempts/att_1", "/admin/notifications"] {
        let (code, _) = common::call(&app, "GET", uri, &[("authorization", "Bearer guess")], Value::Null).await;
        assert_eq!(code, StatusCode::UNAUTHORIZED, "{uri}");
        let (code, _) = common::call(&app, "GET", uri, &[], Value::Null).await;
        assert_eq!(code, StatusCode::UNAUTHORIZED, "{uri}");
    }
    for (uri, named) in [
        ("/admin/attempts?provider=paypal", "provider"),
        ("/admin/attempts?status=won", "status"),
        ("/admin/attempts?from=yesterday", "from"),
        ("/admin/attempts?to=-1", "to"),
        ("/admin/attempts?limit=500", "limit"),
        ("/admin/attempts?cursor=garbage", "cursor"),
        ("/admin/attempts?cursor=12.%3Cx%3E", "cursor"),
        ("/admin/attempts?orderId=a%20b", "orderId"),
    ] {
        let (code, answer) = get(&app, uri).await;
        assert_eq!(code, StatusCode::BAD_REQUEST, "{uri}: {answer}");
        assert!(answer.to_string().contains(named), "{uri}: {answer}");
    }

    // A page on an allowed origin gets CORS for the widget's routes, none for the admin's.
    let preflight = |path: &'static str| {
        let app = app.clone();
        async move {
            use tower::ServiceExt;
            let req = axum::http::Request::builder()
                .method("OPTIONS")
                .uri(path)
                .header("origin", SHOP)
                .header("access-control-request-method", "GET")
                .header("access-control-request-headers", "authorization")
                .body(axum::body::Body::empty())
                .unwrap();
            let response = tolem_backend::app(app).oneshot(req).await.unwrap();
            response.headers().get("access-control-allow-origin").map(|v| v.to_str().unwrap().to_owned())
        }
    };
    assert_eq!(preflight("/status").await.as_deref(), Some(SHOP));
    assert_eq!(preflight("/admin/attempts").await, None);
    assert_eq!(preflight("/admin/notifications").await, None);

    // Without a token configured the admin API is not there at all.
    let closed = {
        let db = common::fresh(Engine::Sqlite).await;
        let config = common::config(db.options.clone());
        let store = Store::connect(&config.database).await.unwrap();
        let app = AppState::with_providers(config, store, Providers::default());
        common::call(&app, "GET", "/admin/attempts", &[("authorization", "Bearer x")], Value::Null).await.0
    };
    assert_eq!(closed, StatusCode::NOT_FOUND);
}
