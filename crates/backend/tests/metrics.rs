//! `GET /metrics`, request ids and JSON logs, over the router and a provider call on loopback.
//! One test: the counters are the process's, so nothing else in this binary may move them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::StatusCode;
use serde_json::Value;
use tolem_backend::providers::Providers;
use tolem_backend::store::{Engine, Store};
use tolem_backend::{AppState, Config, Secret};
use tower::ServiceExt;

const METRICS_TOKEN: &str = "metrics_test_token";

/// A writer the test's log lines go to.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

async fn raw(app: &Arc<AppState>, method: &str, uri: &str, headers: &[(&str, &str)]) -> axum::response::Response {
    let mut req = axum::http::Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    tolem_backend::app(app.clone()).oneshot(req.body(axum::body::Body::empty()).unwrap()).await.unwrap()
}

async fn scrape(app: &Arc<AppState>) -> String {
    let response = raw(app, "GET", "/metrics", &[("authorization", &format!("Bearer {METRICS_TOKEN}"))]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/plain; version=0.0.4; charset=utf-8");
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn value_of(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series).and_then(|rest| rest.strip_prefix(' ')))
        .map_or(0.0, |v| v.trim().parse().unwrap())
}

#[tokio::test(flavor = "current_thread")]
async fn metrics_count_what_happened_and_every_answer_and_log_line_names_its_request() {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_current_span(true)
        .with_span_list(false)
        .with_writer(move || writer.clone())
        .finish();
    let _logging = tracing::subscriber::set_default(subscriber);

    let db = common::fresh(Engine::Sqlite).await;
    let config = Config { metrics_token: Some(Secret::new(METRICS_TOKEN)), ..common::config(db.options.clone()) };
    let store = Store::connect(&config.database).await.unwrap();
    let app = AppState::with_providers(config, store, Providers::default());

    // Closed without the token.
    assert_eq!(raw(&app, "GET", "/metrics", &[]).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        raw(&app, "GET", "/metrics", &[("authorization", "Bearer guess")]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let before = scrape(&app).await;

    // Three unknown attempts asked for, one webhook for a provider that is not configured.
    for _ in 0..3 {
        let r = raw(&app, "GET", "/status?attemptId=att_nothing", &[("x-request-id", "shop-req-42")]).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert_eq!(r.headers()["x-request-id"], "shop-req-42", "the caller's id comes back");
    }
    let r = raw(&app, "GET", "/status?attemptId=att_nothing", &[("x-request-id", "<script>")]).await;
    let made = r.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert!(made.len() == 32 && made.bytes().all(|b| b.is_ascii_hexdigit()), "a fresh id, not the bad one: {made}");
    assert_ne!(raw(&app, "GET", "/health", &[]).await.headers()["x-request-id"], made.as_str());
    raw(&app, "POST", "/webhooks/paytone", &[("x-request-id", "hook-1")]).await;

    // A provider call, through the one client every adapter uses, to a server on loopback.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let provider =
        axum::Router::new().route("/v2/orders", axum::routing::get(|| async { (StatusCode::BAD_GATEWAY, "{}") }));
    tokio::spawn(async move { axum::serve(listener, provider).await });
    let client = tolem_backend::provider_http::client(Duration::from_secs(2));
    let request = tolem_core::http::HttpRequest {
        method: tolem_core::http::Method::Get,
        url: format!("{base}/v2/orders?secret=s3cr3t"),
        headers: vec![],
        body: None,
    };
    let span = tracing::info_span!("request", request_id = "call-7");
    let (status, _) =
        tracing::Instrument::instrument(tolem_backend::provider_http::send(&client, "ioka", request), span)
            .await
            .unwrap();
    assert_eq!(status, 502);

    let after = scrape(&app).await;
    let grew = |series: &str| value_of(&after, series) - value_of(&before, series);
    assert_eq!(grew(r#"tolem_http_requests_total{route="/status",status="404"}"#), 4.0, "{after}");
    assert_eq!(grew(r#"tolem_http_requests_total{route="/health",status="200"}"#), 1.0);
    assert_eq!(grew(r#"tolem_provider_calls_total{provider="ioka",outcome="http_error"}"#), 1.0);
    assert_eq!(grew(r#"tolem_provider_call_seconds_count{provider="ioka"}"#), 1.0);
    assert_eq!(value_of(&after, r#"tolem_notifications{state="pending"}"#), 0.0);
    assert!(after.contains("# TYPE tolem_status_waiters gauge"), "{after}");
    assert!(!after.contains("s3cr3t") && !after.contains("att_nothing"), "no secrets, no ids in the labels");

    // The logs: JSON lines, the provider call's inside its request's span, no query string.
    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).expect("each log line is JSON")).collect();
    let call = lines.iter().find(|l| l["fields"]["message"] == "provider call").expect("the provider call is logged");
    assert_eq!(call["span"]["request_id"], "call-7", "{call}");
    assert_eq!((call["fields"]["provider"].as_str(), call["fields"]["status"].as_u64()), (Some("ioka"), Some(502)));
    assert!(!text.contains("s3cr3t"), "the query string (where credentials may be) is never logged");
}
