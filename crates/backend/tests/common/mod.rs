//! Test databases: a fresh PostgreSQL database per test on the throw-away cluster `make test`
//! starts (`TOLEM_TEST_POSTGRES_URL`, see `tools/pg.sh`), or a fresh SQLite file.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use std::path::PathBuf;

use sqlx::Connection;
use tolem_backend::config::Config;
use tolem_backend::store::{Attempt, AttemptDetails, Engine, StoreOptions};
use tolem_core::money::Currency;
use tolem_core::providers::Provider;
use tolem_core::status::PaymentStatus;

/// One request through the router (a JSON body unless `body` is null): the status and the
/// JSON answer (null when it is not JSON).
pub async fn call(
    app: &std::sync::Arc<tolem_backend::AppState>,
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
    body: serde_json::Value,
) -> (axum::http::StatusCode, serde_json::Value) {
    use tower::ServiceExt;
    let mut req = axum::http::Request::builder().method(method).uri(uri).header("content-type", "application/json");
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let body = if body.is_null() { axum::body::Body::empty() } else { axum::body::Body::from(body.to_string()) };
    let response = tolem_backend::app(app.clone()).oneshot(req.body(body).unwrap()).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null))
}

/// Every provider off, no keys, no limits, on `database`: a test sets what it needs with
/// `Config { …, ..common::config(database) }`.
pub fn config(database: StoreOptions) -> Config {
    Config {
        database,
        lease_ttl: tolem_backend::config::DEFAULT_LEASE_TTL,
        allowed_origins: vec![],
        max_amount: 100_000_000_000,
        page_lifetime: std::time::Duration::from_secs(1200),
        provider_timeout: std::time::Duration::from_secs(2),
        ioka: None,
        bereke: None,
        ecommpay: None,
        paytone: None,
        oneentry: None,
        admin_token: None,
        merchant_keys: vec![],
        rate_limit: None,
        status_rate_limit: None,
        trusted_proxies: 0,
        redirect_hosts: vec![],
        notify: None,
        metrics_token: None,
    }
}

/// A pending ioka attempt of 1000 tiyn for `order`, provider order `ord_<id>`.
pub fn attempt(id: &str, order: &str) -> Attempt {
    Attempt {
        attempt_id: id.into(),
        provider: Provider::Ioka,
        order_id: order.into(),
        amount: 1000,
        currency: Currency::Kzt,
        idempotency_key: "k".into(),
        provider_customer_id: None,
        provider_order_id: format!("ord_{id}"),
        order_access_token: None,
        customer_access_token: None,
        checkout_url: None,
        status: PaymentStatus::Pending,
        try_number: 1,
        provider_session_id: None,
        details: AttemptDetails::default(),
        attention: None,
        superseded_by: None,
        payable_until_ms: None,
    }
}

/// A database for one test; its folder (SQLite) is removed when dropped.
pub struct TestDb {
    pub options: StoreOptions,
    dir: Option<PathBuf>,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// A unique name for this process and call.
pub fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    format!("{prefix}_{}_{}_{nanos}", std::process::id(), N.fetch_add(1, Ordering::SeqCst))
}

/// The throw-away cluster's URL. Without it the PostgreSQL tests fail (they never skip):
/// run them through `make test`, or `tools/pg.sh run cargo test -p tolem-backend`.
pub fn postgres_url() -> String {
    std::env::var("TOLEM_TEST_POSTGRES_URL").unwrap_or_else(|_| {
        panic!("TOLEM_TEST_POSTGRES_URL is not set: run `tools/pg.sh run cargo test -p tolem-backend` (make test does)")
    })
}

/// A new, empty database on `engine`.
pub async fn fresh(engine: Engine) -> TestDb {
    match engine {
        Engine::Sqlite => {
            let dir = std::env::temp_dir().join(unique("tolem-store"));
            std::fs::create_dir_all(&dir).unwrap();
            TestDb { options: StoreOptions::sqlite_file(&dir.join("backend.db")), dir: Some(dir) }
        }
        Engine::Postgres => {
            let admin = postgres_url();
            let name = unique("tolem");
            let mut conn = sqlx::PgConnection::connect(&admin).await.expect("the test cluster answers");
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await.unwrap();
            conn.close().await.unwrap();
            let (base, _) = admin.rsplit_once('/').unwrap();
            TestDb { options: StoreOptions::url(&format!("{base}/{name}")), dir: None }
        }
    }
}

/// Runs one scenario on both engines, as two tests named after them (`scenario::postgres`,
/// `scenario::sqlite`). The scenario is an `async fn(Engine)` beside the macro call.
#[macro_export]
macro_rules! on_both_engines {
    ($scenario:ident) => {
        mod $scenario {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                super::$scenario(tolem_backend::store::Engine::Postgres).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                super::$scenario(tolem_backend::store::Engine::Sqlite).await;
            }
        }
    };
}
