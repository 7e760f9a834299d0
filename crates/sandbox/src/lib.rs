//! `tolem-sandbox`: a local, faithful emulator of the payment providers Tolem talks to.
//!
//! Each provider is served at its real paths under its own prefix (`/ioka/v2/orders`, …),
//! with the real field names, status codes, error bodies and webhook signatures, so that a
//! provider's own client library pointed at the sandbox works unchanged. State lives in
//! SQLite, so a restart loses nothing. A small control API (`/_control/…`) injects faults.
//!
//! This crate deliberately does **not** depend on `tolem-core`: it is a second, independent
//! reading of the providers' documentation, so a wrong field name or signing rule in the
//! adapters cannot be mirrored here and pass unnoticed.

// Handlers' helpers return a ready error `Response` (axum's idiom); its size does not matter.
#![allow(clippy::result_large_err)]

use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

use crate::page::TestCard;

/// What a handler answers. `Err` carries an error page or body already made, so a step that
/// fails ends the handler with `?`; both sides are sent as they are.
pub type Answer = Result<axum::response::Response, axum::response::Response>;

pub mod bereke;
mod control;
mod deliver;
pub mod ecommpay;
mod ids;
pub mod ioka;
mod ledger;
pub mod oneentry;
mod page;
pub mod paytone;
mod pyjson;
mod store;

pub use control::Faults;
pub use store::StoreError;

/// One registered webhook endpoint, as a merchant would register it in the dashboard or
/// through `POST /v2/webhooks`.
#[derive(Clone, Debug)]
pub struct SeedWebhook {
    /// Where to deliver.
    pub url: String,
    /// The signing key.
    pub key: String,
}

/// The ioka shop the sandbox emulates.
#[derive(Clone, Debug)]
pub struct IokaShop {
    /// `shp_…`
    pub shop_id: String,
    /// Server `API-KEY`.
    pub api_key: String,
    /// Browser `X-Public-Key`.
    pub public_key: String,
    /// Webhooks registered at start (more can be added with `POST /v2/webhooks`).
    pub webhooks: Vec<SeedWebhook>,
    /// Cards saved from now on say `cvc_required: true`: paying with one by its id alone is
    /// refused, and it is paid on the hosted page with its CVC. `false` (the demo): saved
    /// cards pay by id, as a shop ioka allows to charge without the CVC. ioka decides this
    /// per shop and card; nothing public says how [GUESS].
    pub saved_cards_need_cvc: bool,
}

/// The Bereke (RBS) merchant the sandbox emulates.
#[derive(Clone, Debug)]
pub struct BerekeMerchant {
    /// Merchant login (appears in `formUrl`).
    pub merchant: String,
    /// API user `userName`.
    pub user_name: String,
    /// API user `password`.
    pub password: String,
    /// The symmetric callback token (checksum key); `None`: this terminal's callbacks carry
    /// no checksum (RBS lets a bank switch checksums off).
    pub callback_token: Option<String>,
    /// The `language` values the payment page has; another is refused with errorCode 5.
    pub languages: Vec<String>,
    /// The longest `orderNumber` accepted (RBS documents 32).
    pub max_order_number_len: usize,
    /// Where callbacks go (configured by the bank per merchant), if anywhere.
    pub callback_url: Option<String>,
}

/// The ECommPay project the sandbox emulates.
#[derive(Clone, Debug)]
pub struct EcommpayProject {
    /// `project_id`.
    pub project_id: i64,
    /// The project's secret key (signs everything).
    pub secret: String,
    /// The project's callback URL (a `merchant_callback_url` parameter overrides it).
    pub callback_url: Option<String>,
}

/// The Paytone (Corefy Commerce) account the sandbox emulates.
#[derive(Clone, Debug)]
pub struct PaytoneAccount {
    /// Public API key (`pk_test_…`), browser-safe.
    pub public_key: String,
    /// Secret key: signs callbacks (and nothing else).
    pub secret_key: String,
    /// The Commerce account's API key: the Private API's password.
    pub api_key: String,
    /// Commerce account id (HTTP Basic login of the Private API).
    pub account_id: String,
    /// Whether the Private API also takes `Authorization: Bearer <api key>` (off: Basic only,
    /// as Corefy's authentication page documents).
    pub accepts_bearer: bool,
    /// The longest `reference_id` taken (255 here [GUESS]: Corefy documents none).
    pub max_reference_len: usize,
    /// The callback URL of the Commerce settings, if any.
    pub callback_url: Option<String>,
}

/// The OneEntry project the sandbox emulates.
#[derive(Clone, Debug)]
pub struct OneEntryProject {
    /// The project's app token (`x-app-token`).
    pub app_token: String,
    /// Users who can sign in: (email, password).
    pub users: Vec<(String, String)>,
    /// The orders storage marker.
    pub storage_marker: String,
    /// The payment accounts' `successUrl` / `cancelUrl` (where the hosted page sends the
    /// shopper back).
    pub return_url: String,
}

/// Sandbox configuration.
#[derive(Clone, Debug)]
pub struct SandboxConfig {
    /// Absolute URL where the sandbox router is mounted, without a trailing slash
    /// (`http://127.0.0.1:8080/sandbox`); used to build hosted-page URLs.
    pub public_base: String,
    /// SQLite file for the emulated providers' state (`None`: in memory).
    pub state_path: Option<PathBuf>,
    /// The ioka shop.
    pub ioka: IokaShop,
    /// The Bereke merchant.
    pub bereke: BerekeMerchant,
    /// The ECommPay project.
    pub ecommpay: EcommpayProject,
    /// The Paytone account.
    pub paytone: PaytoneAccount,
    /// The OneEntry project.
    pub oneentry: OneEntryProject,
}

/// The well-known demo credentials (like stripe-mock's test keys): fixed, public, and only
/// good against this sandbox.
pub mod demo_credentials {
    /// ioka shop id.
    pub const IOKA_SHOP_ID: &str = "shp_TOLEMDEMO1";
    /// ioka server key.
    pub const IOKA_API_KEY: &str = "shp_TOLEMDEMO1_test_private_sandbox0000000000000001";
    /// ioka public key.
    pub const IOKA_PUBLIC_KEY: &str = "shp_TOLEMDEMO1_test_public_sandbox0000000000000001";
    /// The key of the pre-registered ioka webhook.
    pub const IOKA_WEBHOOK_KEY: &str = "5a1d0c0ffee0d15ea5edba5eba11cafe0000000000000000000000000000feed";
    /// Bereke merchant login.
    pub const BEREKE_MERCHANT: &str = "tolem_demo";
    /// Bereke API user.
    pub const BEREKE_USER_NAME: &str = "tolem_demo-api";
    /// Bereke API password.
    pub const BEREKE_PASSWORD: &str = "tolem-demo-sandbox-password";
    /// Bereke callback token.
    pub const BEREKE_CALLBACK_TOKEN: &str = "tolem-demo-bereke-callback-token";
    /// ECommPay project id.
    pub const ECOMMPAY_PROJECT_ID: i64 = 240_001;
    /// ECommPay project secret.
    pub const ECOMMPAY_SECRET: &str = "tolem-demo-ecommpay-secret";
    /// Paytone public key.
    pub const PAYTONE_PUBLIC_KEY: &str = "pk_test_TOLEMDEMO0000000000000001";
    /// Paytone secret key (signs callbacks).
    pub const PAYTONE_SECRET_KEY: &str = "sk_test_TOLEMDEMO0000000000000001";
    /// Paytone Commerce account API key (the Private API's password).
    pub const PAYTONE_API_KEY: &str = "tolem-demo-paytone-api-key";
    /// Paytone Commerce account id.
    pub const PAYTONE_ACCOUNT_ID: &str = "coma_TOLEMDEMO";
    /// OneEntry app token.
    pub const ONEENTRY_APP_TOKEN: &str = "oe_app_TOLEMDEMO0000000000000001";
    /// OneEntry demo user email.
    pub const ONEENTRY_EMAIL: &str = "shopper@example.kz";
    /// OneEntry demo user password.
    pub const ONEENTRY_PASSWORD: &str = "tolem-demo-password";
    /// The demo backend's merchant key (`TOLEM_MERCHANT_KEYS`): what the shop's server
    /// authenticates `POST /sessions` with. A Tolem credential, listed here with the others.
    pub const TOLEM_MERCHANT_KEY: &str = "tolem-demo-merchant-key";
}

/// Where each provider sends its webhooks/callbacks in the demo set-up.
#[derive(Clone, Debug, Default)]
pub struct DemoCallbacks {
    /// ioka webhook URL.
    pub ioka: Option<String>,
    /// Bereke callback URL.
    pub bereke: Option<String>,
    /// ECommPay project callback URL.
    pub ecommpay: Option<String>,
    /// Paytone callback URL.
    pub paytone: Option<String>,
    /// Where OneEntry's payment accounts send the shopper back (the storefront).
    pub oneentry_return: Option<String>,
}

impl SandboxConfig {
    /// The demo configuration: demo credentials, one webhook to `webhook_url`.
    pub fn demo(public_base: String, state_path: Option<PathBuf>, callbacks: DemoCallbacks) -> Self {
        use demo_credentials::*;
        SandboxConfig {
            public_base: public_base.clone(),
            state_path,
            ioka: IokaShop {
                shop_id: IOKA_SHOP_ID.to_owned(),
                api_key: IOKA_API_KEY.to_owned(),
                public_key: IOKA_PUBLIC_KEY.to_owned(),
                webhooks: callbacks
                    .ioka
                    .map(|url| SeedWebhook { url, key: IOKA_WEBHOOK_KEY.to_owned() })
                    .into_iter()
                    .collect(),
                saved_cards_need_cvc: false,
            },
            bereke: BerekeMerchant {
                merchant: BEREKE_MERCHANT.to_owned(),
                user_name: BEREKE_USER_NAME.to_owned(),
                password: BEREKE_PASSWORD.to_owned(),
                callback_token: Some(BEREKE_CALLBACK_TOKEN.to_owned()),
                languages: ["ru", "en", "kk"].map(str::to_owned).to_vec(),
                max_order_number_len: 32,
                callback_url: callbacks.bereke,
            },
            ecommpay: EcommpayProject {
                project_id: ECOMMPAY_PROJECT_ID,
                secret: ECOMMPAY_SECRET.to_owned(),
                callback_url: callbacks.ecommpay,
            },
            paytone: PaytoneAccount {
                public_key: PAYTONE_PUBLIC_KEY.to_owned(),
                secret_key: PAYTONE_SECRET_KEY.to_owned(),
                api_key: PAYTONE_API_KEY.to_owned(),
                account_id: PAYTONE_ACCOUNT_ID.to_owned(),
                accepts_bearer: false,
                max_reference_len: 255,
                callback_url: callbacks.paytone,
            },
            oneentry: OneEntryProject {
                app_token: ONEENTRY_APP_TOKEN.to_owned(),
                users: vec![(ONEENTRY_EMAIL.to_owned(), ONEENTRY_PASSWORD.to_owned())],
                storage_marker: "orders".to_owned(),
                return_url: callbacks.oneentry_return.unwrap_or_else(|| format!("{public_base}/oneentry/done")),
            },
        }
    }
}

/// Shared state of all emulated providers.
pub struct Sandbox {
    config: SandboxConfig,
    store: store::Store,
    faults: Arc<Faults>,
    http: reqwest::Client,
}

impl Sandbox {
    /// Opens (or creates) the state file.
    ///
    /// # Errors
    /// When the SQLite file cannot be opened or migrated.
    pub fn open(config: SandboxConfig) -> Result<Arc<Sandbox>, StoreError> {
        let store = store::Store::open(config.state_path.as_deref())?;
        let http = reqwest::Client::builder().timeout(std::time::Duration::from_secs(10)).build().unwrap_or_default();
        Ok(Arc::new(Sandbox { config, store, faults: Arc::new(Faults::default()), http }))
    }

    /// The fault switchboard (also reachable over HTTP at `/_control/faults`).
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// A handle that records webhook deliveries from background tasks.
    pub(crate) fn delivery_log(&self) -> control::DeliveryLog {
        control::DeliveryLog(self.faults.clone())
    }
}

/// The sandbox router: mount it under `/sandbox`.
pub fn app(sandbox: Arc<Sandbox>) -> Router {
    Router::new()
        .route("/credentials.json", get(credentials))
        .nest("/ioka", ioka::router(sandbox.clone()))
        .nest("/bereke", bereke::router(sandbox.clone()))
        .nest("/ecommpay", ecommpay::router(sandbox.clone()))
        .nest("/paytone", paytone::router(sandbox.clone()))
        .nest("/oneentry", oneentry::router(sandbox.clone()))
        .nest("/_control", control::router(sandbox.clone()))
        // Hosted pages speak the shopper's language (API answers carry no prose to translate).
        .layer(axum::middleware::from_fn(page::shopper_locale))
        .with_state(sandbox)
}

async fn credentials(State(sb): State<Arc<Sandbox>>) -> Json<serde_json::Value> {
    let shop = &sb.config.ioka;
    Json(serde_json::json!({
        "note": "Well-known demo credentials. They only work against this sandbox.",
        "tolem": {
            "merchantKey": demo_credentials::TOLEM_MERCHANT_KEY,
            "sessions": "POST /api/checkout/sessions with Authorization: Bearer <merchantKey>, from the shop's server only"
        },
        "ioka": {
            "apiBase": format!("{}/ioka", sb.config.public_base),
            "shopId": shop.shop_id,
            "apiKey": shop.api_key,
            "publicKey": shop.public_key,
            "webhookKey": demo_credentials::IOKA_WEBHOOK_KEY,
            "testCards": TestCard::json(&ioka::TEST_CARDS)
        },
        "bereke": {
            "apiBase": format!("{}/bereke/payment/rest", sb.config.public_base),
            "userName": sb.config.bereke.user_name,
            "password": sb.config.bereke.password,
            "callbackToken": sb.config.bereke.callback_token,
            "testCards": TestCard::json(&bereke::TEST_CARDS)
        },
        "ecommpay": {
            "paymentPageUrl": format!("{}/ecommpay/payment", sb.config.public_base),
            "gateApiBase": format!("{}/ecommpay", sb.config.public_base),
            "projectId": sb.config.ecommpay.project_id,
            "secretKey": sb.config.ecommpay.secret,
            "testCards": TestCard::json(&ecommpay::TEST_CARDS)
        },
        "paytone": {
            "apiBase": format!("{}/paytone", sb.config.public_base),
            "publicKey": sb.config.paytone.public_key,
            "privateApiBase": format!("{}/paytone/api", sb.config.public_base),
            "secretKey": sb.config.paytone.secret_key,
            "apiKey": sb.config.paytone.api_key,
            "accountId": sb.config.paytone.account_id,
            "privateAuth": "HTTP Basic: accountId as the login, apiKey as the password",
            "testCards": TestCard::json(&paytone::TEST_CARDS),
            "wallet": "Paytone Wallet needs a phone number +7 and 10 digits"
        },
        "oneentry": {
            "projectUrl": format!("{}/oneentry", sb.config.public_base),
            "appToken": sb.config.oneentry.app_token,
            "users": sb.config.oneentry.users.iter().map(|(e, p)| serde_json::json!({"email": e, "password": p})).collect::<Vec<_>>(),
            "ordersStorage": sb.config.oneentry.storage_marker,
            "products": oneentry::PRODUCTS.iter().map(|(id, title, price)| serde_json::json!({"id": id, "title": title, "price": price / 100})).collect::<Vec<_>>(),
            "testCards": TestCard::json(&oneentry::TEST_CARDS),
            "accounts": ["stripe (hosted page at once)", "paypal (paymentUrl from the second read)", "cash (no page: pay on delivery)"]
        }
    }))
}
