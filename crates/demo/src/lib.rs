//! `make demo` as a library: one process, one port, everything a new user needs.
//!
//! | path | what |
//! |---|---|
//! | `/` | the demo storefront (`demo/`: static pages using the built widget, under the strict CSP) |
//! | `/tolem/` | the widget files a merchant would host (`tolem.js`, `tolem_bg.wasm`, `tolem.css`, and the browser-direct build's `tolem-direct.js`, `tolem_direct_bg.wasm`) |
//! | `/api/checkout/*` | the reference merchant backend |
//! | `/shop/checkout` | the shop's own server: prices the cart and makes its checkout session ([`shop`]) |
//! | `/shop/notifications` | the shop's endpoint for the backend's notifications (POST, signed), and what it took (GET) |
//! | `/sandbox/*` | the provider sandbox |
//! | `/embed/*` | one page per way of embedding Tolem, served under the strict CSP merchants use |
//! | `/embed/vendor/tolem/` | the widget files again, in a sub-folder |
//! | `/embed/npm/` | an app bundled from the npm package (when `npm_app_dir` is set) |
//!
//! A second port serves the widget files with CORS, the way a CDN would, so the cross-origin
//! embed (`/embed/cdn.html`) works from `make demo` too.
//!
//! The backend reaches the sandbox over real HTTP on loopback, exactly as it would reach
//! ioka's stage API.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::http::{header, HeaderValue, StatusCode};
use axum::Router;
use tokio::net::TcpListener;
use tower_http::services::ServeDir;
use tower_http::set_header::{SetResponseHeader, SetResponseHeaderLayer};

use tolem_backend::{
    AppState, BerekeConfig, Config, EcommpayConfig, IokaConfig, OneEntryConfig, PaytoneConfig, Secret,
};
use tolem_sandbox::{demo_credentials, DemoCallbacks, Sandbox, SandboxConfig};

mod embed;
pub mod shop;

/// Where things are.
#[derive(Clone, Debug)]
pub struct DemoOptions {
    /// The storefront page (the repository's `index.html`, also trunk's entry), served at `/`.
    pub index_html: PathBuf,
    /// Storefront files (`demo/`).
    pub storefront_dir: PathBuf,
    /// Widget files.
    pub widget_dir: PathBuf,
    /// The embedding pages (`demo/embed`).
    pub embed_dir: PathBuf,
    /// An app bundled from the npm package, served at `/embed/npm/`.
    pub npm_app_dir: Option<PathBuf>,
    /// The port of the CDN-like second origin (0 picks a free port; `None`: no CDN).
    pub cdn_port: Option<u16>,
    /// Folder for the SQLite files; `None` keeps state in memory.
    pub state_dir: Option<PathBuf>,
    /// How long the backend waits for the provider (the sandbox) per request.
    pub provider_timeout: Duration,
    /// The origin the backend calls the providers' APIs on, when not the demo's own (a relay
    /// tests can close to make connections fail). Hosted pages and webhooks are unaffected.
    pub provider_origin: Option<String>,
    /// Bereke two-stage payments (hold, then capture/release through the admin API).
    pub bereke_two_stage: bool,
    /// ECommPay authorise-only payments (hold, then capture/cancel through the admin API).
    pub ecommpay_hold: bool,
    /// ioka orders with `capture_method: MANUAL` (hold, then capture/release through the
    /// admin API).
    pub ioka_manual_capture: bool,
    /// Bereke callbacks without a checksum: the sandbox's terminal signs none, and the
    /// backend runs with `TOLEM_BEREKE_UNSIGNED_CALLBACKS` (callbacks only trigger a read).
    pub bereke_unsigned_callbacks: bool,
    /// Changes to the sandbox's providers before it starts (a gateway without a Kazakh page,
    /// a shorter order number limit): how a test plays a stricter provider.
    pub sandbox_tweak: Option<fn(&mut SandboxConfig)>,
    /// The backend's per-client limit on `start` and `pay`. The demo's default is generous
    /// (every shopper of a local demo is 127.0.0.1); tests that prove the limit lower it.
    pub rate_limit: Option<tolem_backend::RateLimit>,
    /// How long a hosted payment page can be paid (the backend's `TOLEM_PAGE_LIFETIME_SECONDS`).
    pub page_lifetime: Duration,
    /// Proxies in front that append to `X-Forwarded-For` (the backend's `TOLEM_TRUSTED_PROXIES`).
    pub trusted_proxies: usize,
    /// Origins besides the demo's own whose pages may use its backend (CORS and return URLs):
    /// a shop's own dev server on another port, or `trunk serve` (`TOLEM_ALLOWED_ORIGINS`).
    pub extra_origins: Vec<String>,
}

/// The storefront page for `/` and `/index.html`; any other path the storefront folder lacks
/// is 404.
fn storefront_page(index_html: &std::path::Path) -> axum::Router {
    let page = tower_http::services::ServeFile::new(index_html);
    Router::new()
        .route_service("/", page.clone())
        .route_service("/index.html", page)
        .fallback(|| async { StatusCode::NOT_FOUND })
}

impl Default for DemoOptions {
    /// `make demo`'s folders, state in memory, single-stage payments, no CDN port.
    fn default() -> Self {
        DemoOptions {
            index_html: "index.html".into(),
            storefront_dir: "demo".into(),
            widget_dir: "dist".into(),
            embed_dir: "demo/embed".into(),
            npm_app_dir: None,
            cdn_port: None,
            state_dir: None,
            provider_timeout: Duration::from_secs(5),
            provider_origin: None,
            bereke_two_stage: false,
            ecommpay_hold: false,
            ioka_manual_capture: false,
            bereke_unsigned_callbacks: false,
            sandbox_tweak: None,
            rate_limit: Some(tolem_backend::RateLimit { per_minute: 1_200, burst: 200 }),
            page_lifetime: Duration::from_secs(1200),
            trusted_proxies: 0,
            extra_origins: Vec::new(),
        }
    }
}

/// The demo backend's admin token (`Authorization: Bearer …` on `/api/checkout/admin/*`).
pub const DEMO_ADMIN_TOKEN: &str = "tolem-demo-admin-token";

/// The secret the demo backend signs its notifications to the demo shop with
/// (`TOLEM_NOTIFY_SECRET`; the shop checks them at `POST /shop/notifications`).
pub const DEMO_NOTIFY_SECRET: &str = "tolem-demo-notify-secret-0123456789abcdef";

/// A running demo.
pub struct Demo {
    /// `http://127.0.0.1:PORT`
    pub origin: String,
    /// The CDN-like second origin serving the widget files, when there is one.
    pub cdn_origin: Option<String>,
    /// The sandbox, for tests that script faults directly.
    pub sandbox: Arc<Sandbox>,
    /// The backend state, for tests that inspect attempts.
    pub backend: Arc<AppState>,
    router: Router,
    listener: TcpListener,
    cdn: Option<(Router, TcpListener)>,
}

/// Failures while starting.
#[derive(Debug)]
pub struct StartError(pub String);

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StartError {}

impl Demo {
    /// Binds `127.0.0.1:port` (0 picks a free port) and wires everything together.
    ///
    /// # Errors
    /// When the port is taken or a store cannot be opened.
    pub async fn bind(port: u16, options: DemoOptions) -> Result<Demo, StartError> {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .map_err(|e| StartError(format!("cannot listen on 127.0.0.1:{port}: {e}")))?;
        let port = listener.local_addr().map_err(|e| StartError(e.to_string()))?.port();
        let origin = format!("http://127.0.0.1:{port}");

        if let Some(dir) = &options.state_dir {
            std::fs::create_dir_all(dir).map_err(|e| StartError(format!("cannot create {}: {e}", dir.display())))?;
        }
        let state_file = |name: &str| options.state_dir.as_ref().map(|d| d.join(name));

        let mut sandbox_config = SandboxConfig::demo(
            format!("{origin}/sandbox"),
            state_file("sandbox.db"),
            DemoCallbacks {
                ioka: Some(format!("{origin}/api/checkout/webhooks/ioka")),
                bereke: Some(format!("{origin}/api/checkout/webhooks/bereke")),
                ecommpay: Some(format!("{origin}/api/checkout/webhooks/ecommpay")),
                paytone: Some(format!("{origin}/api/checkout/webhooks/paytone")),
                oneentry_return: Some(format!("{origin}/?provider=oneentry")),
            },
        );
        if options.bereke_unsigned_callbacks {
            sandbox_config.bereke.callback_token = None;
        }
        if let Some(tweak) = options.sandbox_tweak {
            tweak(&mut sandbox_config);
        }
        let sandbox = Sandbox::open(sandbox_config).map_err(|e| StartError(format!("sandbox store: {e}")))?;

        let api = options.provider_origin.clone().unwrap_or_else(|| origin.clone());
        let backend = AppState::new(Config {
            database: match state_file("backend.db") {
                Some(path) => tolem_backend::store::StoreOptions::sqlite_file(&path),
                None => tolem_backend::store::StoreOptions::memory(),
            },
            lease_ttl: tolem_backend::config::DEFAULT_LEASE_TTL,
            allowed_origins: std::iter::once(origin.clone()).chain(options.extra_origins.iter().cloned()).collect(),
            max_amount: 100_000_000_000,
            page_lifetime: options.page_lifetime,
            provider_timeout: options.provider_timeout,
            ioka: Some(IokaConfig {
                base_url: format!("{api}/sandbox/ioka"),
                api_key: Secret::new(demo_credentials::IOKA_API_KEY),
                public_key: demo_credentials::IOKA_PUBLIC_KEY.to_owned(),
                webhook_key: Secret::new(demo_credentials::IOKA_WEBHOOK_KEY),
                manual_capture: options.ioka_manual_capture,
            }),
            bereke: Some(BerekeConfig {
                base_url: format!("{api}/sandbox/bereke/payment/rest"),
                user_name: demo_credentials::BEREKE_USER_NAME.to_owned(),
                password: Secret::new(demo_credentials::BEREKE_PASSWORD),
                callback_token: match options.bereke_unsigned_callbacks {
                    true => None,
                    false => Some(Secret::new(demo_credentials::BEREKE_CALLBACK_TOKEN)),
                },
                languages: tolem_core::providers::bereke::PAGE_LANGUAGES.map(str::to_owned).to_vec(),
                two_stage: options.bereke_two_stage,
            }),
            ecommpay: Some(EcommpayConfig {
                payment_page_url: format!("{origin}/sandbox/ecommpay/payment"),
                gate_url: format!("{api}/sandbox/ecommpay"),
                project_id: demo_credentials::ECOMMPAY_PROJECT_ID,
                secret: Secret::new(demo_credentials::ECOMMPAY_SECRET),
                callback_url: None,
                hold: options.ecommpay_hold,
            }),
            paytone: Some(PaytoneConfig {
                base_url: format!("{api}/sandbox/paytone"),
                private_api_url: format!("{api}/sandbox/paytone/api"),
                public_key: demo_credentials::PAYTONE_PUBLIC_KEY.to_owned(),
                api_key: Secret::new(demo_credentials::PAYTONE_API_KEY),
                callback_secret: Secret::new(demo_credentials::PAYTONE_SECRET_KEY),
                auth: tolem_backend::PaytoneAuth::Basic { account_id: demo_credentials::PAYTONE_ACCOUNT_ID.to_owned() },
                invoice_body: tolem_core::providers::paytone::InvoiceBody::JsonApi,
            }),
            oneentry: Some(OneEntryConfig {
                project_url: format!("{api}/sandbox/oneentry"),
                app_token: demo_credentials::ONEENTRY_APP_TOKEN.to_owned(),
                storage_marker: "orders".to_owned(),
                form_identifier: "orderForm".to_owned(),
                lang_code: "en_US".to_owned(),
                statuses: tolem_backend::OneEntryStatuses::default(),
                page_wait: tolem_core::providers::oneentry::rules::PageWait { reads: 6, pause_ms: 300 },
                form_markers: tolem_core::providers::oneentry::rules::FormMarkers::default(),
                own_session_accounts: tolem_core::providers::oneentry::rules::OWN_SESSION_ACCOUNTS
                    .map(str::to_owned)
                    .to_vec(),
            }),
            admin_token: Some(Secret::new(DEMO_ADMIN_TOKEN)),
            merchant_keys: vec![Secret::new(demo_credentials::TOLEM_MERCHANT_KEY)],
            rate_limit: options.rate_limit,
            status_rate_limit: options.rate_limit,
            trusted_proxies: options.trusted_proxies,
            redirect_hosts: vec![],
            // The backend tells the demo shop of every status change, as it would a real shop.
            notify: Some(tolem_backend::config::NotifyConfig {
                url: format!("{origin}/shop/notifications"),
                secret: Secret::new(DEMO_NOTIFY_SECRET),
                retry_for: Duration::from_secs(3600),
                timeout: Duration::from_secs(5),
                first_retry: Duration::from_secs(1),
            }),
            metrics_token: None,
        })
        .await
        .map_err(|e| StartError(format!("backend store: {e}")))?;

        let cdn = match options.cdn_port {
            Some(p) => {
                let l = TcpListener::bind(("127.0.0.1", p))
                    .await
                    .map_err(|e| StartError(format!("cannot listen on 127.0.0.1:{p} (CDN): {e}")))?;
                let p = l.local_addr().map_err(|e| StartError(e.to_string()))?.port();
                Some((format!("http://127.0.0.1:{p}"), l))
            }
            None => None,
        };
        let cdn_origin = cdn.as_ref().map(|(o, _)| o.clone());

        let no_cache = SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        let shop = Arc::new(shop::Shop {
            origin: origin.clone(),
            sessions_url: format!("{origin}/api/checkout/sessions"),
            merchant_key: demo_credentials::TOLEM_MERCHANT_KEY.to_owned(),
            http: reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap_or_default(),
            notify_secret: DEMO_NOTIFY_SECRET.to_owned(),
            notifications: std::sync::Mutex::default(),
        });
        let router = Router::new()
            .route("/shop/checkout", axum::routing::post(shop::checkout).with_state(shop.clone()))
            .route(
                "/shop/notifications",
                axum::routing::post(shop::notification).get(shop::notifications).with_state(shop.clone()),
            )
            .nest("/api/checkout", tolem_backend::app(backend.clone()))
            .nest("/sandbox", tolem_sandbox::app(sandbox.clone()))
            .nest_service("/tolem", ServeDir::new(&options.widget_dir))
            .nest("/embed", embed::router(&options, cdn_origin.clone(), shop.clone()))
            .fallback_service(SetResponseHeader::if_not_present(
                ServeDir::new(&options.storefront_dir).fallback(storefront_page(&options.index_html)),
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(embed::STRICT_CSP),
            ))
            .layer(no_cache.clone());
        let cdn = cdn.map(|(_, listener)| (embed::cdn_router(&options.widget_dir).layer(no_cache), listener));
        Ok(Demo { origin, cdn_origin, sandbox, backend, router, listener, cdn })
    }

    /// Serves until `shutdown` resolves, then finishes in-flight requests.
    ///
    /// # Errors
    /// When the server fails.
    pub async fn serve(self, shutdown: impl std::future::Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let cdn = self.cdn.map(|(router, listener)| tokio::spawn(async move { axum::serve(listener, router).await }));
        let app = self.router.into_make_service_with_connect_info::<std::net::SocketAddr>();
        let served = axum::serve(self.listener, app).with_graceful_shutdown(shutdown).await;
        if let Some(task) = cdn {
            task.abort();
        }
        served
    }
}
