//! `mount` options, read from a JS object (camelCase, docs/architecture.md).

use tolem_core::api::{CustomerInfo, OrderInfo, OrderSummary, UserToken};
use tolem_core::options::{CheckedOptions, MountOptions};
pub use tolem_core::options::{OneEntryProject, Presentation};
use tolem_core::providers::Provider;
use tolem_core::redirect::SandboxOrigin;

use crate::i18n::Locale;

/// Validated options.
#[derive(Clone, Debug, PartialEq)]
pub struct WidgetOptions {
    /// The provider this checkout pays with.
    pub provider: Provider,
    /// Merchant backend base, without a trailing slash.
    pub backend_url: String,
    /// The checkout session's client secret (from the shop's server): `start` sends it, and the
    /// backend takes the order, amount and shopper from the session.
    pub client_secret: Option<String>,
    /// The order the merchant named: what `start` sends when there is no client secret (ioka
    /// token mode against a backend of ioka's guide, OneEntry direct), else the order the
    /// widget expects the session to be for.
    pub order: Option<OrderInfo>,
    /// What this checkout is remembered by (journal, payment claim, radio group): the order id,
    /// else the session id.
    pub key: String,
    /// The shopper, as the page named them (sent only without a checkout session).
    pub customer: CustomerInfo,
    /// The shopper's language: the option, else `<html lang>`, else the browser's.
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
    /// ioka's guide endpoint the widget asks for the tokens instead of a Tolem backend's
    /// `start`.
    pub ioka_tokens_url: Option<String>,
    /// A signed-in user's token the page hands over (OneEntry), so no sign-in form is shown.
    pub user_token: Option<UserToken>,
    /// Sign in straight at this OneEntry project (else the sign-in goes through the backend).
    pub oneentry: Option<OneEntryProject>,
    /// `Some("light")` / `Some("dark")` forces a theme; `None` (`"auto"`) follows the
    /// shopper's `prefers-color-scheme`.
    pub theme: Option<&'static str>,
    /// Hosts the shopper may be sent to besides the provider's own (`redirectHosts` and the
    /// hosts of the provider URLs given).
    pub redirect_hosts: Vec<String>,
}

impl WidgetOptions {
    /// The OneEntry project when everything goes straight to it (no merchant backend).
    pub fn oneentry_direct(&self) -> Option<&OneEntryProject> {
        self.oneentry.as_ref().filter(|p| p.direct && self.provider == Provider::Oneentry)
    }
}

impl WidgetOptions {
    /// The order the widget expects answers to be about, when the merchant named one.
    pub fn expected_order(&self) -> Option<OrderSummary> {
        self.order.as_ref().map(OrderSummary::of)
    }

    /// Parses and validates.
    ///
    /// # Errors
    /// A message naming the bad option.
    pub fn from_js(value: &wasm_bindgen::JsValue) -> Result<WidgetOptions, String> {
        let raw: MountOptions = crate::browser::from_js(value.clone()).map_err(|e| format!("invalid options: {e}"))?;
        let CheckedOptions { provider, raw, locale, presentation, theme, key, redirect_hosts } = raw.check()?;
        // The backend-only build cannot call a provider's API itself: say so at mount.
        if !cfg!(feature = "browser-direct")
            && (raw.public_key.is_some() || raw.ioka_tokens_url.is_some() || raw.oneentry.is_some())
        {
            return Err(
                "publicKey, iokaTokensUrl and oneentry need the browser-direct build (tolem_direct_bg.wasm; the loader picks it by these options)"
                    .into(),
            );
        }
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
            client_secret: raw.client_secret,
            order: raw.order,
            key,
            customer: raw.customer,
            locale: locale.unwrap_or_else(crate::browser::default_locale),
            return_url: raw.return_url,
            public_key: raw.public_key,
            presentation,
            sandbox_url,
            sandbox_origin,
            ioka_api_url: raw.ioka_api_url.map(|s| s.trim_end_matches('/').to_owned()),
            ioka_tokens_url: raw.ioka_tokens_url,
            user_token: raw.user_token,
            oneentry: raw
                .oneentry
                .map(|p| OneEntryProject { project_url: p.project_url.trim_end_matches('/').to_owned(), ..p }),
            theme,
            redirect_hosts,
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
