//! `mount` options, read from a JS object (camelCase, as in DESIGN §3).

use serde::Deserialize;
use tolem_core::api::{CustomerInfo, OrderInfo, UserToken};
use tolem_core::providers::Provider;
use tolem_core::redirect::SandboxOrigin;

use crate::i18n::Locale;

/// Options as the merchant passes them.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawOptions {
    provider: String,
    #[serde(default)]
    backend_url: String,
    order: OrderInfo,
    #[serde(default)]
    customer: CustomerInfo,
    #[serde(default)]
    locale: Option<String>,
    #[serde(default)]
    return_url: Option<String>,
    #[serde(default)]
    public_key: Option<String>,
    #[serde(default)]
    presentation: Option<String>,
    #[serde(default)]
    sandbox_url: Option<String>,
    #[serde(default)]
    ioka_api_url: Option<String>,
    #[serde(default)]
    user_token: Option<UserToken>,
    #[serde(default)]
    oneentry: Option<OneEntryProject>,
    #[serde(default)]
    theme: Option<String>,
}

/// A OneEntry project the widget signs the shopper in at directly, so the password goes only
/// to OneEntry; the backend then gets the user's token.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OneEntryProject {
    /// `PROJECT_URL`, e.g. `https://shop.oneentry.cloud`.
    pub project_url: String,
    /// The project's app token (a public project token).
    pub app_token: String,
    /// Everything straight from the browser (accounts, order, session, status), with no
    /// merchant backend; else only the sign-in is.
    #[serde(default)]
    pub direct: bool,
    /// The orders storage marker (direct mode).
    #[serde(default = "orders_storage")]
    pub orders_storage: String,
    /// The order form identifier (direct mode).
    #[serde(default = "order_form")]
    pub order_form: String,
}

fn orders_storage() -> String {
    "orders".into()
}

fn order_form() -> String {
    "orderForm".into()
}

/// How to open the provider's page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presentation {
    /// Same window (default).
    Redirect,
    /// A new tab; this tab keeps polling.
    NewTab,
}

/// Validated options.
#[derive(Clone, Debug, PartialEq)]
pub struct WidgetOptions {
    /// Provider.
    pub provider: Provider,
    /// Merchant backend base, without a trailing slash.
    pub backend_url: String,
    /// The order.
    pub order: OrderInfo,
    /// The shopper.
    pub customer: CustomerInfo,
    /// Language.
    pub locale: Locale,
    /// Where the provider sends the shopper back; `None`: this page.
    pub return_url: Option<String>,
    /// ioka public key (token mode).
    pub public_key: Option<String>,
    /// Same window or new tab.
    pub presentation: Presentation,
    /// Sandbox base URL, e.g. `http://127.0.0.1:8080/sandbox`.
    pub sandbox_url: Option<String>,
    /// The sandbox origin parsed from `sandbox_url`.
    pub sandbox_origin: Option<SandboxOrigin>,
    /// ioka API base for token mode.
    pub ioka_api_url: Option<String>,
    /// A signed-in user's token the page hands over (OneEntry), so no sign-in form is shown.
    pub user_token: Option<UserToken>,
    /// Sign in straight at this OneEntry project (else the sign-in goes through the backend).
    pub oneentry: Option<OneEntryProject>,
    /// `Some("light")` / `Some("dark")` forces a theme; `None` (`"auto"`) follows the
    /// shopper's `prefers-color-scheme`.
    pub theme: Option<&'static str>,
}

impl WidgetOptions {
    /// The OneEntry project when everything goes straight to it (no merchant backend).
    pub fn oneentry_direct(&self) -> Option<&OneEntryProject> {
        self.oneentry.as_ref().filter(|p| p.direct && self.provider == Provider::Oneentry)
    }
}

impl WidgetOptions {
    /// Parses and validates.
    ///
    /// # Errors
    /// A message naming the bad option.
    pub fn from_js(value: &wasm_bindgen::JsValue) -> Result<WidgetOptions, String> {
        let raw: RawOptions =
            serde_wasm_bindgen::from_value(value.clone()).map_err(|e| format!("invalid options: {e}"))?;
        let provider =
            Provider::from_wire(&raw.provider).ok_or_else(|| format!("unknown provider {:?}", raw.provider))?;
        tolem_core::api::check_id("order.id", &raw.order.id).map_err(|e| e.to_string())?;
        if raw.order.amount.0 <= 0 {
            return Err("order.amount must be a positive integer in minor units".into());
        }
        let direct = provider == Provider::Oneentry && raw.oneentry.as_ref().is_some_and(|p| p.direct);
        if raw.backend_url.is_empty() && !direct {
            return Err("backendUrl is required".into());
        }
        let locale = match raw.locale.as_deref() {
            Some(l) => Locale::negotiate(Some(l), None, [])?,
            None => crate::browser::default_locale(),
        };
        let theme = match raw.theme.as_deref() {
            None | Some("auto") => None,
            Some("light") => Some("light"),
            Some("dark") => Some("dark"),
            Some(other) => return Err(format!("theme must be 'auto', 'light' or 'dark', not {other:?}")),
        };
        let presentation = match raw.presentation.as_deref() {
            None | Some("redirect") => Presentation::Redirect,
            Some("new-tab") => Presentation::NewTab,
            Some(other) => return Err(format!("presentation must be 'redirect' or 'new-tab', not {other:?}")),
        };
        // Relative to the page, like every other URL the merchant writes (`/sandbox`).
        let sandbox_url = match raw.sandbox_url {
            Some(u) => Some(
                crate::browser::absolute_url(&u)
                    .map(|a| a.trim_end_matches('/').to_owned())
                    .ok_or_else(|| format!("sandboxUrl {u:?} is not a URL"))?,
            ),
            None => None,
        };
        let sandbox_origin = match &sandbox_url {
            Some(u) => Some(crate::browser::origin_parts(u).ok_or_else(|| format!("sandboxUrl {u:?} is not a URL"))?),
            None => None,
        };
        Ok(WidgetOptions {
            provider,
            backend_url: raw.backend_url.trim_end_matches('/').to_owned(),
            order: raw.order,
            customer: raw.customer,
            locale,
            return_url: raw.return_url,
            public_key: raw.public_key,
            presentation,
            sandbox_url,
            sandbox_origin,
            ioka_api_url: raw.ioka_api_url.map(|s| s.trim_end_matches('/').to_owned()),
            user_token: raw.user_token,
            oneentry: raw
                .oneentry
                .map(|p| OneEntryProject { project_url: p.project_url.trim_end_matches('/').to_owned(), ..p }),
            theme,
        })
    }

    /// The ioka API base for browser calls (token mode).
    pub fn ioka_api(&self) -> String {
        if let Some(u) = &self.ioka_api_url {
            return u.clone();
        }
        if let Some(s) = &self.sandbox_url {
            return format!("{s}/ioka");
        }
        tolem_core::providers::ioka::default_api_for_key(self.public_key.as_deref().unwrap_or_default()).to_owned()
    }
}
