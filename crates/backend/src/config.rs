//! Configuration from the environment (see the README's table).

use std::path::PathBuf;
use std::time::Duration;

use tolem_core::ratelimit::RateLimit;

use crate::secret::Secret;

/// ioka settings.
#[derive(Clone, Debug)]
pub struct IokaConfig {
    /// API base, e.g. `https://stage-api.ioka.kz` or the sandbox's `…/sandbox/ioka`.
    pub base_url: String,
    /// `API-KEY`.
    pub api_key: Secret,
    /// The public key handed to the browser.
    pub public_key: String,
    /// The webhook `key` (from `POST /v2/webhooks` or the dashboard).
    pub webhook_key: Secret,
    /// `AUTO` (default) or `MANUAL` capture.
    pub manual_capture: bool,
}

/// Bereke (RBS gateway) settings.
#[derive(Clone, Debug)]
pub struct BerekeConfig {
    /// `…/payment/rest`, e.g. `https://3dsec.berekebank.kz/payment/rest` or the sandbox's.
    pub base_url: String,
    /// API user `userName`.
    pub user_name: String,
    /// API user `password`.
    pub password: Secret,
    /// Callback checksum token. `None` only when the merchant said its terminal's callbacks
    /// carry no checksum (`TOLEM_BEREKE_UNSIGNED_CALLBACKS=1`): a callback is then only a
    /// reason to read the order's status, never believed itself.
    pub callback_token: Option<Secret>,
    /// The `language` values the gateway's payment page has, in the shopper's order of
    /// preference (`TOLEM_BEREKE_LANGUAGES`); a shopper's language not listed is sent as
    /// `ru`. A `language` the gateway refuses (errorCode 5) is dropped and the order
    /// registered again without it.
    pub languages: Vec<String>,
    /// Two-stage payments: `registerPreAuth.do`, then capture (`deposit.do`) or release
    /// (`reverse.do`) from the admin API.
    pub two_stage: bool,
}

/// ECommPay settings.
#[derive(Clone, Debug)]
pub struct EcommpayConfig {
    /// Payment Page, e.g. `https://paymentpage.ecommpay.com/payment` or the sandbox's.
    pub payment_page_url: String,
    /// Gate API base, e.g. `https://api.ecommpay.com` or the sandbox's.
    pub gate_url: String,
    /// `project_id`.
    pub project_id: i64,
    /// The project's secret key.
    pub secret: Secret,
    /// `merchant_callback_url` to send with each payment (else the project's setting).
    pub callback_url: Option<String>,
    /// Authorise only (`operation_type=auth`); capture or cancel from the admin API.
    pub hold: bool,
}

/// Paytone (Corefy Commerce) settings. The account has two credentials that must not be
/// confused: the API key (the Private API's password) and the secret key (signs callbacks).
#[derive(Clone, Debug)]
pub struct PaytoneConfig {
    /// API base (Public API and `/hpp/`), e.g. the sandbox's `…/sandbox/paytone`.
    pub base_url: String,
    /// Private API base (`{BASE COM PRIVATE API URL}`).
    pub private_api_url: String,
    /// Public key (`pk_…`), browser-safe.
    pub public_key: String,
    /// The Commerce account's API key: the Private API's password (or Bearer token).
    pub api_key: Secret,
    /// The secret key that signs callbacks (`X-Signature`).
    pub callback_secret: Secret,
    /// How the Private API is authenticated (Basic with the account id by default).
    pub auth: tolem_core::providers::paytone::PrivateAuth,
    /// How a new invoice is written to the Private API (JSON:API by default).
    pub invoice_body: tolem_core::providers::paytone::InvoiceBody,
}

/// OneEntry settings.
#[derive(Clone, Debug)]
pub struct OneEntryConfig {
    /// `PROJECT_URL`, e.g. `https://shop.oneentry.cloud` or the sandbox's `…/sandbox/oneentry`.
    pub project_url: String,
    /// The project's app token (`x-app-token`).
    pub app_token: String,
    /// The orders storage marker.
    pub storage_marker: String,
    /// The order form's identifier.
    pub form_identifier: String,
    /// `formData` language.
    pub lang_code: String,
    /// Session status → Tolem status.
    pub statuses: tolem_core::providers::oneentry::SessionStatusTable,
    /// How long `pay` waits for a session's `paymentUrl` that is still null.
    pub page_wait: tolem_core::providers::oneentry::rules::PageWait,
    /// The project's order form markers for the try's reference, email and phone.
    pub form_markers: tolem_core::providers::oneentry::rules::FormMarkers,
    /// Payment accounts that open their own session once the order exists: Tolem waits for
    /// it instead of opening another.
    pub own_session_accounts: Vec<String>,
}

/// Backend settings.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where attempts are kept: a SQLite file by default, PostgreSQL for several instances.
    pub database: crate::store::StoreOptions,
    /// How long an instance's hold on an order or attempt lives without renewal (holders renew
    /// it every third of this): what an instance that crashed mid-call costs the next caller.
    pub lease_ttl: Duration,
    /// Origins allowed to call the API from a browser, and to be return URLs
    /// (`https://shop.kz`, `http://127.0.0.1:8080`).
    pub allowed_origins: Vec<String>,
    /// Largest order amount accepted, in minor units.
    pub max_amount: i64,
    /// How long a provider's payment page handed out at `pay` can be paid (RBS
    /// `sessionTimeoutSecs`, ECommPay `best_before`, Paytone `expires`). While one may still be
    /// paid, the shopper cannot start another provider for the same order.
    pub page_lifetime: Duration,
    /// Timeout for each provider request.
    pub provider_timeout: Duration,
    /// ioka, if enabled.
    pub ioka: Option<IokaConfig>,
    /// Bereke, if enabled.
    pub bereke: Option<BerekeConfig>,
    /// ECommPay, if enabled.
    pub ecommpay: Option<EcommpayConfig>,
    /// Paytone, if enabled.
    pub paytone: Option<PaytoneConfig>,
    /// OneEntry, if enabled.
    pub oneentry: Option<OneEntryConfig>,
    /// Bearer token for the merchant's own calls (`/admin/capture`, `/admin/release`);
    /// without it those routes are off.
    pub admin_token: Option<Secret>,
    /// Keys the shop's server authenticates `POST /sessions` with (several, so a key can be
    /// rotated: add the new one, move the shop to it, remove the old). Empty: no sessions can
    /// be made, so no payment can start.
    pub merchant_keys: Vec<Secret>,
    /// Per-client limit on `start` and `pay`; `None`: unlimited.
    pub rate_limit: Option<RateLimit>,
    /// Per-client limit on `status` (the widget polls it, so its budget is larger); `None`:
    /// unlimited.
    pub status_rate_limit: Option<RateLimit>,
    /// How many proxies in front of the backend append to `X-Forwarded-For`: the client is
    /// the entry that many from the right ([`tolem_core::ratelimit::forwarded_client`]). `0`:
    /// the peer address is the client, and the header is ignored.
    pub trusted_proxies: usize,
    /// More hosts the shopper may be sent to, for every provider (`TOLEM_REDIRECT_HOSTS`: a
    /// white-label or custom payment page); `start` passes them to the widget.
    pub redirect_hosts: Vec<String>,
    /// Notifications to the shop, when `TOLEM_NOTIFY_URL` is set ([`crate::notify`]).
    pub notify: Option<NotifyConfig>,
    /// Bearer token for `GET /metrics` (`TOLEM_METRICS_TOKEN`); without it the route is off.
    pub metrics_token: Option<Secret>,
}

/// Where and how the shop is told of status changes ([`crate::notify`]).
#[derive(Clone, Debug)]
pub struct NotifyConfig {
    /// The shop's endpoint (`TOLEM_NOTIFY_URL`), `https://` (or `http://` for a shop on the
    /// same host or network).
    pub url: String,
    /// The shared secret the notifications are signed with (`TOLEM_NOTIFY_SECRET`).
    pub secret: Secret,
    /// How long a notification is tried before it is marked failed (`TOLEM_NOTIFY_RETRY_HOURS`,
    /// default 72).
    pub retry_for: Duration,
    /// Timeout of each delivery (`TOLEM_NOTIFY_TIMEOUT_MS`, default 10 000).
    pub timeout: Duration,
    /// The wait after the first failed try, doubling after each next one up to an hour
    /// (`TOLEM_NOTIFY_FIRST_RETRY_MS`, default 10 000).
    pub first_retry: Duration,
}

/// The shortest notification secret accepted: 32 characters.
pub const MIN_NOTIFY_SECRET_LEN: usize = 32;

/// The notification settings, when `TOLEM_NOTIFY_URL` is set. `var` reads a setting (the
/// environment, or a table in tests).
fn notify_config(var: impl Fn(&str) -> Option<String>) -> Result<Option<NotifyConfig>, ConfigError> {
    let Some(url) = var("TOLEM_NOTIFY_URL") else {
        if var("TOLEM_NOTIFY_SECRET").is_some() {
            return Err(ConfigError("TOLEM_NOTIFY_SECRET is set but TOLEM_NOTIFY_URL is not".into()));
        }
        return Ok(None);
    };
    let parsed =
        reqwest::Url::parse(url.trim()).map_err(|e| ConfigError(format!("TOLEM_NOTIFY_URL is not a URL: {e}")))?;
    if !matches!(parsed.scheme(), "https" | "http") || parsed.host_str().is_none() {
        return Err(ConfigError("TOLEM_NOTIFY_URL must be an http(s) URL with a host".into()));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(ConfigError("TOLEM_NOTIFY_URL must not carry credentials (the signature authenticates)".into()));
    }
    let secret =
        var("TOLEM_NOTIFY_SECRET").ok_or_else(|| ConfigError("TOLEM_NOTIFY_URL needs TOLEM_NOTIFY_SECRET".into()))?;
    if secret.trim().chars().count() < MIN_NOTIFY_SECRET_LEN {
        return Err(ConfigError(format!("TOLEM_NOTIFY_SECRET must be at least {MIN_NOTIFY_SECRET_LEN} characters")));
    }
    let number = |name: &str, default: u64| -> Result<u64, ConfigError> {
        var(name)
            .map_or(Ok(default), |v| v.trim().parse().map_err(|_| ConfigError(format!("{name} must be an integer"))))
    };
    let hours = number("TOLEM_NOTIFY_RETRY_HOURS", 72)?;
    let timeout_ms = number("TOLEM_NOTIFY_TIMEOUT_MS", 10_000)?;
    let first_retry_ms = number("TOLEM_NOTIFY_FIRST_RETRY_MS", 10_000)?;
    Ok(Some(NotifyConfig {
        url: parsed.to_string(),
        secret: Secret::new(secret.trim()),
        // At least a minute, at most 30 days.
        retry_for: Duration::from_secs(hours.saturating_mul(3600).clamp(60, 30 * 86_400)),
        timeout: Duration::from_millis(timeout_ms.clamp(100, 60_000)),
        first_retry: Duration::from_millis(first_retry_ms.clamp(100, 3_600_000)),
    }))
}

/// How long an unrenewed lease lives unless `TOLEM_LEASE_MS` says otherwise.
pub const DEFAULT_LEASE_TTL: Duration = Duration::from_secs(5);

/// How the `tolem-backend` process stops (its own settings; the router needs none of them).
#[derive(Clone, Copy, Debug)]
pub struct Shutdown {
    /// `TOLEM_DRAIN_MS` (default 0): after SIGTERM, how long readiness answers 503 before the
    /// listener closes.
    pub drain: Duration,
    /// `TOLEM_SHUTDOWN_TIMEOUT_MS` (default 30 000): then, the longest wait for requests in
    /// flight.
    pub grace: Duration,
    /// `TOLEM_MAX_SECONDS`: start the same shutdown after this long (tests set it; a value
    /// that is not a number is ignored).
    pub max_running: Option<Duration>,
}

impl Shutdown {
    /// Reads the three variables.
    ///
    /// # Errors
    /// [`ConfigError`] naming a drain or timeout that is not an integer.
    pub fn from_env() -> Result<Shutdown, ConfigError> {
        let millis = |name: &str, default: u64| -> Result<Duration, ConfigError> {
            match var(name) {
                Some(v) => v
                    .trim()
                    .parse()
                    .map(Duration::from_millis)
                    .map_err(|_| ConfigError(format!("{name} must be an integer"))),
                None => Ok(Duration::from_millis(default)),
            }
        };
        Ok(Shutdown {
            drain: millis("TOLEM_DRAIN_MS", 0)?,
            grace: millis("TOLEM_SHUTDOWN_TIMEOUT_MS", 30_000)?,
            max_running: var("TOLEM_MAX_SECONDS").and_then(|v| v.trim().parse().ok()).map(Duration::from_secs),
        })
    }
}

/// A required variable is missing or invalid.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(pub String);

/// The entries of a comma-separated setting, trimmed, empty ones left out.
fn comma_list(text: &str) -> impl Iterator<Item = &str> {
    text.split(',').map(str::trim).filter(|entry| !entry.is_empty())
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Paytone's settings, when any of its keys is set; each missing one is named. `var` reads a
/// setting (the environment, or a table in tests).
fn paytone_config(var: impl Fn(&str) -> Option<String>) -> Result<Option<PaytoneConfig>, ConfigError> {
    use tolem_core::providers::paytone::{default_private_api, InvoiceBody, PrivateAuth, DEFAULT_API};
    const KEYS: [&str; 4] =
        ["TOLEM_PAYTONE_PUBLIC_KEY", "TOLEM_PAYTONE_API_KEY", "TOLEM_PAYTONE_SECRET_KEY", "TOLEM_PAYTONE_ACCOUNT_ID"];
    if KEYS.iter().all(|k| var(k).is_none()) {
        return Ok(None);
    }
    let required = |name: &str, what: &str| {
        var(name).ok_or_else(|| ConfigError(format!("{name} is required for Paytone: {what}")))
    };
    let auth = match var("TOLEM_PAYTONE_PRIVATE_AUTH").as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("basic") => PrivateAuth::Basic {
            account_id: required("TOLEM_PAYTONE_ACCOUNT_ID", "the Commerce account id, the Private API's login")?,
        },
        Some("bearer") => PrivateAuth::Bearer,
        Some(other) => {
            return Err(ConfigError(format!("TOLEM_PAYTONE_PRIVATE_AUTH must be basic or bearer, not {other:?}")))
        }
    };
    let invoice_body = match var("TOLEM_PAYTONE_INVOICE_BODY").as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("jsonapi") => InvoiceBody::JsonApi,
        Some("flat") => InvoiceBody::Flat,
        Some(other) => {
            return Err(ConfigError(format!("TOLEM_PAYTONE_INVOICE_BODY must be jsonapi or flat, not {other:?}")))
        }
    };
    let base_url = var("TOLEM_PAYTONE_API_URL").unwrap_or_else(|| DEFAULT_API.to_owned());
    Ok(Some(PaytoneConfig {
        private_api_url: var("TOLEM_PAYTONE_PRIVATE_API_URL").unwrap_or_else(|| default_private_api(&base_url)),
        base_url,
        public_key: required("TOLEM_PAYTONE_PUBLIC_KEY", "the public key (pk_…)")?,
        api_key: Secret::new(required(
            "TOLEM_PAYTONE_API_KEY",
            "the Commerce account's API key for the Private API (not the secret key that signs callbacks)",
        )?),
        callback_secret: Secret::new(required("TOLEM_PAYTONE_SECRET_KEY", "the secret key that signs callbacks")?),
        auth,
        invoice_body,
    }))
}

impl Config {
    /// Reads `TOLEM_*` variables:
    ///
    /// | variable | meaning | default |
    /// |---|---|---|
    /// | `DATABASE_URL` | `postgres://…` (several instances) or `sqlite:…` | — |
    /// | `TOLEM_DB` | SQLite file, when `DATABASE_URL` is unset | `tolem-backend.db` |
    /// | `TOLEM_DB_MAX_CONNECTIONS` | PostgreSQL pool size (SQLite uses one connection) | `8` |
    /// | `TOLEM_LEASE_MS` | a hold on an order lives this long unrenewed (a crashed holder's) | `5000` |
    /// | `TOLEM_ALLOWED_ORIGINS` | comma-separated origins | none |
    /// | `TOLEM_MAX_AMOUNT` | max amount, minor units | `100000000000` |
    /// | `TOLEM_PAGE_LIFETIME_SECONDS` | how long a hosted payment page can be paid (60–86400) | `1200` |
    /// | `TOLEM_PROVIDER_TIMEOUT_MS` | provider request timeout | `10000` |
    /// | `TOLEM_IOKA_API_URL` | ioka API base | `https://stage-api.ioka.kz` |
    /// | `TOLEM_IOKA_API_KEY` | ioka `API-KEY` (enables ioka) | — |
    /// | `TOLEM_IOKA_PUBLIC_KEY` | ioka public key | — |
    /// | `TOLEM_IOKA_WEBHOOK_KEY` | ioka webhook key | — |
    /// | `TOLEM_IOKA_CAPTURE` | `AUTO` or `MANUAL` | `AUTO` |
    /// | `TOLEM_BEREKE_USERNAME` | RBS API user (enables Bereke) | — |
    /// | `TOLEM_BEREKE_PASSWORD` | RBS API password | — |
    /// | `TOLEM_BEREKE_API_URL` | RBS base | `https://3dsec.berekebank.kz/payment/rest` |
    /// | `TOLEM_BEREKE_CALLBACK_TOKEN` | callback checksum token | — |
    /// | `TOLEM_BEREKE_TWO_STAGE` | `1`: hold, then capture/release | off |
    /// | `TOLEM_BEREKE_UNSIGNED_CALLBACKS` | `1`: the terminal's callbacks carry no checksum | off |
    /// | `TOLEM_BEREKE_LANGUAGES` | `language` values the payment page has | `kk,ru,en` |
    /// | `TOLEM_ECOMMPAY_PROJECT_ID` | project id (enables ECommPay) | — |
    /// | `TOLEM_ECOMMPAY_SECRET` | project secret key | — |
    /// | `TOLEM_ECOMMPAY_PAYMENT_PAGE_URL` | Payment Page | `https://paymentpage.ecommpay.com/payment` |
    /// | `TOLEM_ECOMMPAY_GATE_URL` | Gate API base | `https://api.ecommpay.com` |
    /// | `TOLEM_ECOMMPAY_CALLBACK_URL` | `merchant_callback_url` | the project's |
    /// | `TOLEM_ECOMMPAY_HOLD` | `1`: authorise only, then capture/cancel | off |
    /// | `TOLEM_PAYTONE_PUBLIC_KEY` | public key (any `TOLEM_PAYTONE_*` key enables Paytone) | — |
    /// | `TOLEM_PAYTONE_API_KEY` | the Commerce account's API key (Private API) | — |
    /// | `TOLEM_PAYTONE_ACCOUNT_ID` | Commerce account id (Private API login) | — |
    /// | `TOLEM_PAYTONE_SECRET_KEY` | secret key (verifies callbacks) | — |
    /// | `TOLEM_PAYTONE_API_URL` | Public API and `/hpp/` base | `https://com.paycore.io` |
    /// | `TOLEM_PAYTONE_PRIVATE_API_URL` | Private API base | `{TOLEM_PAYTONE_API_URL}/api` |
    /// | `TOLEM_PAYTONE_PRIVATE_AUTH` | `basic` (account id + API key) or `bearer` (API key) | `basic` |
    /// | `TOLEM_PAYTONE_INVOICE_BODY` | `jsonapi` or `flat`: how a new invoice is written | `jsonapi` |
    /// | `TOLEM_ONEENTRY_URL` | project URL (enables OneEntry) | — |
    /// | `TOLEM_ONEENTRY_APP_TOKEN` | app token | — |
    /// | `TOLEM_ONEENTRY_STORAGE` | orders storage marker | `orders` |
    /// | `TOLEM_ONEENTRY_FORM` | order form identifier | `orderForm` |
    /// | `TOLEM_ONEENTRY_LANG` | `formData` language | `en_US` |
    /// | `TOLEM_ONEENTRY_STATUSES` | more session statuses, `name=status,…` | — |
    /// | `TOLEM_ONEENTRY_FORM_FIELDS` | form markers, `order_number=…,email=…,phone=…` | the same names |
    /// | `TOLEM_ONEENTRY_OWN_SESSION_ACCOUNTS` | accounts that open their own session | `paypal` |
    /// | `TOLEM_ADMIN_TOKEN` | bearer token for `/admin/*` | off |
    /// | `TOLEM_MERCHANT_KEYS` | comma-separated keys for `POST /sessions` (the shop's server) | none |
    /// | `TOLEM_RATE_LIMIT_PER_MINUTE` | `start` + `pay` per client per minute (`0`: off) | `60` |
    /// | `TOLEM_RATE_LIMIT_BURST` | requests a client may make back to back | `20` |
    /// | `TOLEM_STATUS_RATE_LIMIT_PER_MINUTE` | `status` per client per minute (`0`: off) | `240` |
    /// | `TOLEM_STATUS_RATE_LIMIT_BURST` | `status` requests a client may make back to back | `40` |
    /// | `TOLEM_TRUSTED_PROXIES` | proxies in front that append to `X-Forwarded-For` | `0` |
    /// | `TOLEM_TRUST_FORWARDED_FOR` | `1`: the same as `TOLEM_TRUSTED_PROXIES=1` | off |
    /// | `TOLEM_REDIRECT_HOSTS` | more payment page hosts for the widget, comma-separated | — |
    /// | `TOLEM_METRICS_TOKEN` | bearer token for `GET /metrics` (Prometheus) | off |
    /// | `TOLEM_NOTIFY_URL` | the shop's endpoint for status changes (enables notifications) | off |
    /// | `TOLEM_NOTIFY_SECRET` | their signing secret, at least 32 characters | — |
    /// | `TOLEM_NOTIFY_RETRY_HOURS` | how long a failing notification is tried | `72` |
    /// | `TOLEM_NOTIFY_TIMEOUT_MS` | timeout of each delivery | `10000` |
    /// | `TOLEM_NOTIFY_FIRST_RETRY_MS` | wait after a first failed try (then doubling, up to an hour) | `10000` |
    ///
    /// # Errors
    /// [`ConfigError`] naming the variable.
    pub fn from_env() -> Result<Config, ConfigError> {
        let max_amount = match var("TOLEM_MAX_AMOUNT") {
            Some(v) => v.parse().map_err(|_| ConfigError("TOLEM_MAX_AMOUNT must be an integer".into()))?,
            None => 100_000_000_000,
        };
        let timeout_ms: u64 = match var("TOLEM_PROVIDER_TIMEOUT_MS") {
            Some(v) => v.parse().map_err(|_| ConfigError("TOLEM_PROVIDER_TIMEOUT_MS must be an integer".into()))?,
            None => 10_000,
        };
        let number = |name: &str, default: u32| -> Result<u32, ConfigError> {
            var(name).map_or(Ok(default), |v| v.parse().map_err(|_| ConfigError(format!("{name} must be an integer"))))
        };
        let mut database = match var("DATABASE_URL") {
            Some(url) => {
                if crate::store::Engine::of_url(&url).is_none() {
                    return Err(ConfigError(
                        "DATABASE_URL must start with postgres://, postgresql:// or sqlite:".into(),
                    ));
                }
                crate::store::StoreOptions::url(&url)
            }
            None => crate::store::StoreOptions::sqlite_file(&PathBuf::from(
                var("TOLEM_DB").unwrap_or_else(|| "tolem-backend.db".into()),
            )),
        };
        database.max_connections = number("TOLEM_DB_MAX_CONNECTIONS", database.max_connections)?.max(1);
        let default_lease_ms = u32::try_from(DEFAULT_LEASE_TTL.as_millis()).unwrap_or(u32::MAX);
        let lease_ms = number("TOLEM_LEASE_MS", default_lease_ms)?;
        let per_minute = number("TOLEM_RATE_LIMIT_PER_MINUTE", 60)?;
        let rate_limit =
            (per_minute > 0).then_some(RateLimit { per_minute, burst: number("TOLEM_RATE_LIMIT_BURST", 20)?.max(1) });
        let status_per_minute = number("TOLEM_STATUS_RATE_LIMIT_PER_MINUTE", 240)?;
        let status_rate_limit = (status_per_minute > 0).then_some(RateLimit {
            per_minute: status_per_minute,
            burst: number("TOLEM_STATUS_RATE_LIMIT_BURST", 40)?.max(1),
        });
        let legacy_proxy = u32::from(var("TOLEM_TRUST_FORWARDED_FOR").as_deref() == Some("1"));
        let redirect_hosts = match var("TOLEM_REDIRECT_HOSTS") {
            None => vec![],
            Some(list) => list
                .split([',', ' '])
                .filter(|h| !h.is_empty())
                .map(|h| {
                    tolem_core::redirect::host_entry(h).ok_or_else(|| {
                        ConfigError(format!("TOLEM_REDIRECT_HOSTS: {h:?} is not a host name (write only the host)"))
                    })
                })
                .collect::<Result<_, _>>()?,
        };
        let trusted_proxies = usize::try_from(number("TOLEM_TRUSTED_PROXIES", legacy_proxy)?.min(16)).unwrap_or(0);
        let ioka = match var("TOLEM_IOKA_API_KEY") {
            Some(key) => Some(IokaConfig {
                base_url: var("TOLEM_IOKA_API_URL")
                    .unwrap_or_else(|| tolem_core::providers::ioka::STAGE_API.to_owned()),
                api_key: Secret::new(key),
                public_key: var("TOLEM_IOKA_PUBLIC_KEY")
                    .ok_or_else(|| ConfigError("TOLEM_IOKA_PUBLIC_KEY is required with TOLEM_IOKA_API_KEY".into()))?,
                webhook_key: Secret::new(
                    var("TOLEM_IOKA_WEBHOOK_KEY").ok_or_else(|| {
                        ConfigError("TOLEM_IOKA_WEBHOOK_KEY is required with TOLEM_IOKA_API_KEY".into())
                    })?,
                ),
                manual_capture: var("TOLEM_IOKA_CAPTURE").is_some_and(|c| c.eq_ignore_ascii_case("MANUAL")),
            }),
            None => None,
        };
        let required =
            |name: &str, with: &str| var(name).ok_or_else(|| ConfigError(format!("{name} is required with {with}")));
        let flag = |name: &str| var(name).is_some_and(|v| matches!(v.as_str(), "1" | "true" | "yes" | "on"));
        let bereke = match var("TOLEM_BEREKE_USERNAME") {
            Some(user_name) => Some(BerekeConfig {
                base_url: var("TOLEM_BEREKE_API_URL")
                    .unwrap_or_else(|| tolem_core::providers::bereke::TEST_API.to_owned()),
                user_name,
                password: Secret::new(required("TOLEM_BEREKE_PASSWORD", "TOLEM_BEREKE_USERNAME")?),
                callback_token: match (var("TOLEM_BEREKE_CALLBACK_TOKEN"), flag("TOLEM_BEREKE_UNSIGNED_CALLBACKS")) {
                    (Some(token), _) => Some(Secret::new(token)),
                    (None, true) => None,
                    (None, false) => {
                        return Err(ConfigError(
                            "TOLEM_BEREKE_CALLBACK_TOKEN is required with TOLEM_BEREKE_USERNAME (or, for a terminal whose callbacks carry no checksum, TOLEM_BEREKE_UNSIGNED_CALLBACKS=1)".into(),
                        ))
                    }
                },
                languages: var("TOLEM_BEREKE_LANGUAGES").map_or_else(
                    || tolem_core::providers::bereke::PAGE_LANGUAGES.iter().map(|l| (*l).to_owned()).collect(),
                    |list| comma_list(&list).map(str::to_ascii_lowercase).collect(),
                ),
                two_stage: flag("TOLEM_BEREKE_TWO_STAGE"),
            }),
            None => None,
        };
        let ecommpay = match var("TOLEM_ECOMMPAY_PROJECT_ID") {
            Some(id) => Some(EcommpayConfig {
                payment_page_url: var("TOLEM_ECOMMPAY_PAYMENT_PAGE_URL")
                    .unwrap_or_else(|| tolem_core::providers::ecommpay::PAYMENT_PAGE_URL.to_owned()),
                gate_url: var("TOLEM_ECOMMPAY_GATE_URL")
                    .unwrap_or_else(|| tolem_core::providers::ecommpay::GATE_API.to_owned()),
                project_id: id
                    .parse()
                    .map_err(|_| ConfigError("TOLEM_ECOMMPAY_PROJECT_ID must be an integer".into()))?,
                secret: Secret::new(required("TOLEM_ECOMMPAY_SECRET", "TOLEM_ECOMMPAY_PROJECT_ID")?),
                callback_url: var("TOLEM_ECOMMPAY_CALLBACK_URL"),
                hold: flag("TOLEM_ECOMMPAY_HOLD"),
            }),
            None => None,
        };
        let paytone = paytone_config(var)?;
        let notify = notify_config(var)?;
        let oneentry = match var("TOLEM_ONEENTRY_URL") {
            Some(project_url) => Some(OneEntryConfig {
                project_url,
                app_token: required("TOLEM_ONEENTRY_APP_TOKEN", "TOLEM_ONEENTRY_URL")?,
                storage_marker: var("TOLEM_ONEENTRY_STORAGE").unwrap_or_else(|| "orders".into()),
                form_identifier: var("TOLEM_ONEENTRY_FORM").unwrap_or_else(|| "orderForm".into()),
                lang_code: var("TOLEM_ONEENTRY_LANG").unwrap_or_else(|| "en_US".into()),
                statuses: tolem_core::providers::oneentry::SessionStatusTable::with_overrides(
                    &var("TOLEM_ONEENTRY_STATUSES").unwrap_or_default(),
                )
                .map_err(|e| ConfigError(format!("TOLEM_ONEENTRY_STATUSES: {e}")))?,
                page_wait: tolem_core::providers::oneentry::rules::PageWait::default(),
                form_markers: tolem_core::providers::oneentry::rules::FormMarkers::parse(
                    &var("TOLEM_ONEENTRY_FORM_FIELDS").unwrap_or_default(),
                )
                .map_err(|e| ConfigError(format!("TOLEM_ONEENTRY_FORM_FIELDS: {e}")))?,
                own_session_accounts: var("TOLEM_ONEENTRY_OWN_SESSION_ACCOUNTS").map_or_else(
                    || tolem_core::providers::oneentry::rules::OWN_SESSION_ACCOUNTS.map(str::to_owned).to_vec(),
                    |list| comma_list(&list).map(str::to_owned).collect(),
                ),
            }),
            None => None,
        };
        Ok(Config {
            bereke,
            ecommpay,
            paytone,
            oneentry,
            admin_token: var("TOLEM_ADMIN_TOKEN").map(Secret::new),
            merchant_keys: var("TOLEM_MERCHANT_KEYS")
                .map(|v| comma_list(&v).map(Secret::new).collect())
                .unwrap_or_default(),
            database,
            lease_ttl: Duration::from_millis(u64::from(lease_ms.max(1))),
            allowed_origins: var("TOLEM_ALLOWED_ORIGINS")
                .map(|v| {
                    v.split(',').map(|o| o.trim().trim_end_matches('/').to_owned()).filter(|o| !o.is_empty()).collect()
                })
                .unwrap_or_default(),
            max_amount,
            page_lifetime: Duration::from_secs(u64::from(
                number("TOLEM_PAGE_LIFETIME_SECONDS", 1200)?.clamp(60, 86_400),
            )),
            provider_timeout: Duration::from_millis(timeout_ms),
            rate_limit,
            status_rate_limit,
            trusted_proxies,
            redirect_hosts,
            ioka,
            notify,
            metrics_token: var("TOLEM_METRICS_TOKEN").map(Secret::new),
        })
    }

    /// True when `url` is an `http(s)` URL on one of the allowed origins, with no
    /// credentials, backslashes or whitespace (so a provider can only send shoppers back to
    /// the merchant's own pages).
    pub fn return_url_allowed(&self, url: &str) -> bool {
        origin_of(url).is_some_and(|o| self.allowed_origins.iter().any(|a| a.eq_ignore_ascii_case(&o)))
    }

    /// True when `key` is one of the merchant keys, compared in constant time against each
    /// (so neither the key nor which one matched shows in the timing).
    pub fn is_merchant_key(&self, key: &str) -> bool {
        let mut found = false;
        for k in &self.merchant_keys {
            found |= tolem_core::signature::constant_time_eq(key.as_bytes(), k.expose().as_bytes());
        }
        found
    }
}

/// `scheme://host[:port]` of an absolute http(s) URL, or `None` for anything suspicious.
pub fn origin_of(url: &str) -> Option<String> {
    if url.chars().any(|c| c.is_whitespace() || c.is_control() || c == '\\') {
        return None;
    }
    let (scheme, rest) = url.split_once("://")?;
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next()?;
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    Some(format!("{scheme}://{}", authority.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Settings read from `pairs` instead of the environment.
    fn table(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: std::collections::HashMap<String, String> =
            pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        move |name: &str| map.get(name).cloned()
    }

    #[test]
    fn paytone_takes_its_two_credentials_apart_and_basic_by_default() {
        use tolem_core::providers::paytone::PrivateAuth;
        assert!(paytone_config(table(&[])).unwrap().is_none(), "no key: Paytone is off");
        let full = [
            ("TOLEM_PAYTONE_PUBLIC_KEY", "pk_test_1"),
            ("TOLEM_PAYTONE_API_KEY", "api-key"),
            ("TOLEM_PAYTONE_ACCOUNT_ID", "coma_1"),
            ("TOLEM_PAYTONE_SECRET_KEY", "callback-secret"),
        ];
        let c = paytone_config(table(&full)).unwrap().unwrap();
        assert_eq!(c.auth, PrivateAuth::Basic { account_id: "coma_1".into() });
        assert_eq!((c.api_key.expose(), c.callback_secret.expose()), ("api-key", "callback-secret"));
        assert_eq!(
            (c.base_url.as_str(), c.private_api_url.as_str()),
            ("https://com.paycore.io", "https://com.paycore.io/api")
        );
        // A deployment configured the old way (one secret for both) is told what is missing.
        let old = table(&[
            ("TOLEM_PAYTONE_PUBLIC_KEY", "pk"),
            ("TOLEM_PAYTONE_SECRET_KEY", "s"),
            ("TOLEM_PAYTONE_ACCOUNT_ID", "a"),
        ]);
        let err = paytone_config(old).unwrap_err().to_string();
        assert!(err.contains("TOLEM_PAYTONE_API_KEY") && err.contains("not the secret key"), "{err}");
        let no_login: Vec<_> = full.iter().copied().filter(|(k, _)| *k != "TOLEM_PAYTONE_ACCOUNT_ID").collect();
        assert!(paytone_config(table(&no_login)).unwrap_err().to_string().contains("TOLEM_PAYTONE_ACCOUNT_ID"));
        let mut bearer = no_login.clone();
        bearer.extend([
            ("TOLEM_PAYTONE_PRIVATE_AUTH", "Bearer"),
            ("TOLEM_PAYTONE_PRIVATE_API_URL", "https://private.example/v1"),
        ]);
        let c = paytone_config(table(&bearer)).unwrap().unwrap();
        assert_eq!((c.auth, c.private_api_url.as_str()), (PrivateAuth::Bearer, "https://private.example/v1"));
        let mut wrong = full.to_vec();
        wrong.push(("TOLEM_PAYTONE_PRIVATE_AUTH", "digest"));
        assert!(paytone_config(table(&wrong)).is_err());
    }

    #[test]
    fn notifications_need_a_url_with_a_long_secret() {
        let secret = ("TOLEM_NOTIFY_SECRET", "whsec_0123456789abcdef0123456789abcdef");
        assert!(notify_config(table(&[])).unwrap().is_none(), "off without a URL");
        let c = notify_config(table(&[("TOLEM_NOTIFY_URL", "https://shop.kz/hooks/tolem"), secret])).unwrap().unwrap();
        assert_eq!(c.url, "https://shop.kz/hooks/tolem");
        assert_eq!(c.retry_for, Duration::from_secs(72 * 3600));
        assert_eq!(c.timeout, Duration::from_secs(10));
        for (settings, named) in [
            (vec![("TOLEM_NOTIFY_URL", "https://shop.kz/h")], "TOLEM_NOTIFY_SECRET"),
            (vec![("TOLEM_NOTIFY_URL", "https://shop.kz/h"), ("TOLEM_NOTIFY_SECRET", "short")], "32"),
            (vec![("TOLEM_NOTIFY_URL", "ftp://shop.kz/h"), secret], "http(s)"),
            (vec![("TOLEM_NOTIFY_URL", "https://user:pw@shop.kz/h"), secret], "credentials"),
            (vec![("TOLEM_NOTIFY_URL", "not a url"), secret], "not a URL"),
            (vec![secret], "TOLEM_NOTIFY_URL"),
            (
                vec![("TOLEM_NOTIFY_URL", "https://shop.kz/h"), secret, ("TOLEM_NOTIFY_RETRY_HOURS", "soon")],
                "RETRY_HOURS",
            ),
        ] {
            let e = notify_config(table(&settings)).unwrap_err().to_string();
            assert!(e.contains(named), "{settings:?}: {e}");
        }
    }

    #[test]
    fn return_urls_must_be_on_allowed_origins() {
        let c = Config {
            database: crate::store::StoreOptions::memory(),
            lease_ttl: Duration::from_secs(3),
            allowed_origins: vec!["https://shop.kz".into(), "http://127.0.0.1:8080".into()],
            max_amount: 1,
            page_lifetime: Duration::from_secs(1200),
            provider_timeout: Duration::from_secs(1),
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
        };
        for (url, ok) in [
            ("https://shop.kz/checkout?x=1", true),
            ("https://SHOP.kz", true),
            ("http://127.0.0.1:8080/", true),
            ("http://shop.kz/", false),
            ("https://shop.kz.evil.com/", false),
            ("https://shop.kz@evil.com/", false),
            ("https://evil.com\\@shop.kz/", false),
            ("javascript:alert(1)", false),
            ("//shop.kz/x", false),
            ("https://shop.kz /x", false),
        ] {
            assert_eq!(c.return_url_allowed(url), ok, "{url}");
        }
    }
}
