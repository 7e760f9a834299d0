//! Configuration from the environment (see the README's table).

use std::path::PathBuf;
use std::time::Duration;

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

/// Backend settings.
#[derive(Clone, Debug)]
pub struct Config {
    /// SQLite file for attempts; `None` keeps them in memory (tests).
    pub db_path: Option<PathBuf>,
    /// Origins allowed to call the API from a browser, and to be return URLs
    /// (`https://shop.kz`, `http://127.0.0.1:8080`).
    pub allowed_origins: Vec<String>,
    /// Largest order amount accepted, in minor units.
    pub max_amount: i64,
    /// Timeout for each provider request.
    pub provider_timeout: Duration,
    /// ioka, if enabled.
    pub ioka: Option<IokaConfig>,
}

/// A required variable is missing or invalid.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(pub String);

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Config {
    /// Reads `TOLEM_*` variables:
    ///
    /// | variable | meaning | default |
    /// |---|---|---|
    /// | `TOLEM_DB` | SQLite file | `tolem-backend.db` |
    /// | `TOLEM_ALLOWED_ORIGINS` | comma-separated origins | none |
    /// | `TOLEM_MAX_AMOUNT` | max amount, minor units | `100000000000` |
    /// | `TOLEM_PROVIDER_TIMEOUT_MS` | provider request timeout | `10000` |
    /// | `TOLEM_IOKA_API_URL` | ioka API base | `https://stage-api.ioka.kz` |
    /// | `TOLEM_IOKA_API_KEY` | ioka `API-KEY` (enables ioka) | — |
    /// | `TOLEM_IOKA_PUBLIC_KEY` | ioka public key | — |
    /// | `TOLEM_IOKA_WEBHOOK_KEY` | ioka webhook key | — |
    /// | `TOLEM_IOKA_CAPTURE` | `AUTO` or `MANUAL` | `AUTO` |
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
        Ok(Config {
            db_path: Some(PathBuf::from(var("TOLEM_DB").unwrap_or_else(|| "tolem-backend.db".into()))),
            allowed_origins: var("TOLEM_ALLOWED_ORIGINS")
                .map(|v| {
                    v.split(',').map(|o| o.trim().trim_end_matches('/').to_owned()).filter(|o| !o.is_empty()).collect()
                })
                .unwrap_or_default(),
            max_amount,
            provider_timeout: Duration::from_millis(timeout_ms),
            ioka,
        })
    }

    /// True when `url` is an `http(s)` URL on one of the allowed origins, with no
    /// credentials, backslashes or whitespace (so a provider can only send shoppers back to
    /// the merchant's own pages).
    pub fn return_url_allowed(&self, url: &str) -> bool {
        origin_of(url).is_some_and(|o| self.allowed_origins.iter().any(|a| a.eq_ignore_ascii_case(&o)))
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

    #[test]
    fn return_urls_must_be_on_allowed_origins() {
        let c = Config {
            db_path: None,
            allowed_origins: vec!["https://shop.kz".into(), "http://127.0.0.1:8080".into()],
            max_amount: 1,
            provider_timeout: Duration::from_secs(1),
            ioka: None,
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
