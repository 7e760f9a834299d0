//! `tolem-backend`: the reference merchant backend.
//!
//! It holds the provider secrets the browser must never see, does the provider's
//! get-or-create dance exactly once per merchant order, keeps attempts in SQLite or PostgreSQL
//! (`store`; several instances may share one PostgreSQL),
//! verifies webhooks, and answers the widget's `start` / `pay` / `status` calls
//! (`www/backend-api.md`). Build the router with [`app`] and serve it under
//! `/api/checkout`.

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue, Method};
use axum::routing::{get, post};
use axum::Router;
use tower_http::cors::{AllowOrigin, CorsLayer};

pub mod cli;
pub mod config;
pub mod error;
pub mod locks;
pub mod metrics;
pub mod notify;
pub mod observe;
pub mod provider_http;
pub mod providers;
pub mod ratelimit;
mod routes;
pub mod secret;
pub mod steps;
pub mod store;

pub use config::{BerekeConfig, Config, EcommpayConfig, IokaConfig, OneEntryConfig, PaytoneConfig};
pub use secret::Secret;
pub use tolem_core::providers::oneentry::SessionStatusTable as OneEntryStatuses;
pub use tolem_core::providers::paytone::PrivateAuth as PaytoneAuth;
pub use tolem_core::ratelimit::RateLimit;

pub use tolem_core::api::CLIENT_SECRET_HEADER;

/// Largest request body accepted (webhooks included).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Everything the routes share.
pub struct AppState {
    /// Settings, as read from the environment.
    pub config: Config,
    /// Attempts, checkout sessions, leases.
    pub store: store::Store,
    /// The configured providers.
    pub providers: providers::Providers,
    /// One in-process lock per merchant order or attempt (see [`AppState::exclusive`]).
    pub locks: locks::KeyedLocks,
    /// Per-client request budgets for `start` and `pay`.
    pub limiter: ratelimit::ClientLimiter,
    /// Per-client request budgets for `status`.
    pub status_limiter: ratelimit::ClientLimiter,
    /// Set when shutdown began: readiness answers 503.
    pub draining: std::sync::atomic::AtomicBool,
}

impl AppState {
    /// Opens the store (applying its migrations; queuing notifications when `config.notify`
    /// is set) and builds the configured providers.
    ///
    /// # Errors
    /// When the store cannot be reached or migrated.
    pub async fn new(config: Config) -> Result<Arc<AppState>, store::StoreError> {
        // With TOLEM_NOTIFY_URL, every status change queues its notification.
        let options = store::StoreOptions {
            notifications: config.database.notifications || config.notify.is_some(),
            ..config.database.clone()
        };
        let store = store::Store::connect(&options).await?;
        let providers = providers::Providers::from_config(&config);
        Ok(AppState::with_providers(config, store, providers))
    }

    /// State over an open store with the given providers (tests register a fake one).
    /// Starts the shop's notification loop ([`notify`]) when `TOLEM_NOTIFY_URL` is set.
    pub fn with_providers(config: Config, store: store::Store, providers: providers::Providers) -> Arc<AppState> {
        let state = Arc::new(AppState {
            config,
            store,
            providers,
            locks: locks::KeyedLocks::default(),
            limiter: ratelimit::ClientLimiter::default(),
            status_limiter: ratelimit::ClientLimiter::default(),
            draining: std::sync::atomic::AtomicBool::new(false),
        });
        notify::spawn(&state);
        state
    }

    /// Holds `name` (`start:ioka:A-1`, `pay:att_…`) against every other caller on every
    /// instance sharing the store, until the guard is dropped.
    ///
    /// # Errors
    /// [`error::AppError::Busy`] when another caller keeps it longer than three provider
    /// timeouts.
    pub async fn exclusive(&self, name: &str) -> Result<locks::Exclusive<'_>, error::AppError> {
        // A live holder makes a few provider calls, each bounded by the provider timeout.
        let terms = locks::LeaseTerms { ttl: self.config.lease_ttl, max_wait: self.config.provider_timeout * 3 };
        locks::exclusive(&self.locks, &self.store, name, terms).await
    }

    /// Stops answering readiness with 200 (a load balancer sends no new shoppers), while
    /// requests keep being served until the server is shut down.
    pub fn start_draining(&self) {
        self.draining.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

/// `GET /ready`: 200 when the store answers and the instance is not shutting down; 503
/// otherwise (take it out of the load balancer).
async fn ready(
    axum::extract::State(app): axum::extract::State<Arc<AppState>>,
) -> (axum::http::StatusCode, &'static str) {
    use axum::http::StatusCode;
    if app.draining.load(std::sync::atomic::Ordering::SeqCst) {
        return (StatusCode::SERVICE_UNAVAILABLE, "draining");
    }
    match app.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(e) => {
            tracing::warn!(error = %e, "not ready: the store does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "store unavailable")
        }
    }
}

/// The backend router: `POST /sessions` (the shop's server, merchant key), `POST /start`, `POST /pay`,
/// `POST /methods/remove` (a saved card), `GET /status`, `POST /webhooks/{provider}`
/// (also GET, for RBS callbacks), the admin API (bearer token, no CORS: `POST
/// /admin/capture|release`, `GET /admin/attempts[/{id}]`, `GET /admin/notifications`, `POST
/// /admin/notifications/replay`), `GET /metrics` (Prometheus, its own bearer token), `GET /health`
/// (liveness: the process answers), `GET /ready` (readiness: the store answers and the
/// instance is not draining). Mount it under `/api/checkout`.
/// Serve it with `into_make_service_with_connect_info::<SocketAddr>()` so that rate limits
/// know each client (without it, all clients share one budget).
pub fn app(state: Arc<AppState>) -> Router {
    let origins: Vec<HeaderValue> =
        state.config.allowed_origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect();
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, header::HeaderName::from_static(CLIENT_SECRET_HEADER)]);
    let limited = Router::new()
        .route("/start", post(routes::start::start))
        .route("/pay", post(routes::pay::pay))
        .route("/methods/remove", post(routes::pay::remove_method))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), ratelimit::limit));
    let json = Router::new()
        .merge(limited)
        .route("/sessions", post(routes::sessions::create))
        .route_layer(axum::middleware::from_fn(require_json));
    let status = Router::new()
        .route("/status", get(routes::status::status))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), ratelimit::limit_status));
    // The merchant's own calls, for its servers: outside the CORS layer, so no browser page
    // on an allowed origin can call them with a shopper's or an employee's ambient rights.
    let admin = Router::new()
        .route("/admin/capture", post(routes::admin::capture))
        .route("/admin/release", post(routes::admin::release))
        .route("/admin/notifications/replay", post(routes::admin::replay_notification))
        .route_layer(axum::middleware::from_fn(require_json))
        .route("/admin/attempts", get(routes::admin::attempts))
        .route("/admin/attempts/{attempt_id}", get(routes::admin::attempt))
        .route("/admin/notifications", get(routes::admin::notifications))
        .route("/metrics", get(metrics_route));
    Router::new()
        .merge(json)
        .merge(status)
        .route("/webhooks/{provider}", post(routes::webhooks::webhook).get(routes::webhooks::webhook))
        .route("/health", get(|| async { "ok" }))
        .route("/ready", get(ready))
        .layer(cors)
        .merge(admin)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::map_response(json_too_large))
        .layer(axum::middleware::from_fn(observe::request_id))
        .with_state(state)
}

/// `GET /metrics` ([`metrics`]): the Prometheus text format, with the bearer token of
/// `TOLEM_METRICS_TOKEN`; 404 without one configured.
async fn metrics_route(
    axum::extract::State(app): axum::extract::State<Arc<AppState>>,
    headers: axum::http::HeaderMap,
) -> Result<([(header::HeaderName, &'static str); 1], String), error::AppError> {
    routes::require_token(app.config.metrics_token.as_ref(), &headers)?;
    let (pending, failed) = app.store.notification_counts().await?;
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], metrics::render(pending, failed)))
}

/// The JSON routes take `Content-Type: application/json` only (parameters such as
/// `charset=utf-8` allowed). Anything else is `415` before the body is read: a form or
/// `text/plain` post, which any page can send cross-origin without a CORS preflight, never
/// reaches a handler.
async fn require_json(req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    use axum::response::IntoResponse;
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let media_type = content_type.split(';').next().unwrap_or_default().trim();
    if !media_type.eq_ignore_ascii_case("application/json") {
        return error::AppError::UnsupportedMediaType.into_response();
    }
    next.run(req).await
}

/// A body over the limit is refused by axum with a plain-text `413`; it gets the JSON error
/// every other refusal has.
async fn json_too_large(response: axum::response::Response) -> axum::response::Response {
    use axum::response::IntoResponse;
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if response.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE && !is_json {
        return error::AppError::TooLarge.into_response();
    }
    response
}
