//! The widget's `mount` options as the merchant writes them (camelCase, docs/architecture.md), and the
//! checks that need no browser. The widget reads the JS object into [`MountOptions`], calls
//! [`MountOptions::check`], then resolves what only a browser can (relative URLs, the default
//! language).

use serde::Deserialize;
use tolem_i18n::Locale;

use crate::api::{check_id, session_id_of, CustomerInfo, OrderInfo, UserToken};
use crate::providers::Provider;

/// Options as the merchant passes them.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MountOptions {
    /// `ioka`, `bereke`, `ecommpay`, `paytone`, `oneentry`.
    pub provider: String,
    /// The merchant backend base (`/api/checkout`).
    #[serde(default, deserialize_with = "crate::wire::or_default")]
    pub backend_url: String,
    /// The checkout session's client secret, from the shop's server (`POST /sessions`): the
    /// order and its amount then come from the backend.
    #[serde(default)]
    pub client_secret: Option<String>,
    /// The order. Without a client secret it is what `start` sends (ioka token mode, OneEntry
    /// direct); with one, what the widget expects the session to be for (an answer for
    /// another order or amount is refused).
    #[serde(default)]
    pub order: Option<OrderInfo>,
    /// The shopper, as the page knows them (sent only without a checkout session).
    #[serde(default, deserialize_with = "crate::wire::or_default")]
    pub customer: CustomerInfo,
    /// `kk`, `ru` or `en`; `None`: the page's language.
    #[serde(default)]
    pub locale: Option<String>,
    /// Where the provider sends the shopper back; `None`: this page.
    #[serde(default)]
    pub return_url: Option<String>,
    /// ioka public key (token mode).
    #[serde(default)]
    pub public_key: Option<String>,
    /// `redirect` (default) or `new-tab`.
    #[serde(default)]
    pub presentation: Option<String>,
    /// The sandbox base URL, possibly relative (`/sandbox`).
    #[serde(default)]
    pub sandbox_url: Option<String>,
    /// ioka API base for token mode.
    #[serde(default)]
    pub ioka_api_url: Option<String>,
    /// An endpoint of ioka's own merchant guide (`/startPaymentWithSavedCard`), in place of a
    /// Tolem backend: the widget posts it the guide's request and takes the guide's answer, the
    /// order's and the customer's access tokens (ioka token mode).
    #[serde(default)]
    pub ioka_tokens_url: Option<String>,
    /// A signed-in OneEntry user's token.
    #[serde(default)]
    pub user_token: Option<UserToken>,
    /// A OneEntry project to sign in at directly.
    #[serde(default)]
    pub oneentry: Option<OneEntryProject>,
    /// `auto`, `light` or `dark`.
    #[serde(default)]
    pub theme: Option<String>,
    /// Host names the shopper may also be sent to (a white-label or custom payment page host):
    /// added to the provider's own, compared exactly.
    #[serde(default, deserialize_with = "crate::wire::or_default")]
    pub redirect_hosts: Vec<String>,
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

/// [`MountOptions`] after the checks that need no browser.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckedOptions {
    /// The provider, checked against the five known.
    pub provider: Provider,
    /// The options as given.
    pub raw: MountOptions,
    /// The language asked for, if any.
    pub locale: Option<Locale>,
    /// Same window or new tab.
    pub presentation: Presentation,
    /// `Some("light")` / `Some("dark")` forces a theme; `None` follows the shopper's scheme.
    pub theme: Option<&'static str>,
    /// What this checkout is remembered by across reloads and tabs (the journal, the payment
    /// claim): the order id, else the session id of the client secret.
    pub key: String,
    /// Hosts the shopper may be sent to besides the provider's own: `redirectHosts`, checked
    /// and lower-cased.
    pub redirect_hosts: Vec<String>,
}

impl MountOptions {
    /// Checks everything a browser is not needed for.
    ///
    /// # Errors
    /// A message naming the bad option.
    pub fn check(self) -> Result<CheckedOptions, String> {
        let provider =
            Provider::from_wire(&self.provider).ok_or_else(|| format!("unknown provider {:?}", self.provider))?;
        if let Some(order) = &self.order {
            check_id("order.id", &order.id).map_err(|e| e.to_string())?;
            if order.amount.0 <= 0 {
                return Err("order.amount must be a positive integer in minor units".into());
            }
        }
        let session = match self.client_secret.as_deref() {
            Some(secret) => Some(session_id_of(secret).ok_or("clientSecret is not a client secret (cs_…_secret_…)")?),
            None => None,
        };
        let key = match (&self.order, session) {
            (Some(order), _) => order.id.clone(),
            (None, Some(session)) => session.to_owned(),
            (None, None) => return Err("clientSecret is required (or order, for ioka token mode)".into()),
        };
        let direct = provider == Provider::Oneentry && self.oneentry.as_ref().is_some_and(|p| p.direct);
        if direct && self.order.is_none() {
            return Err("order is required for OneEntry direct mode".into());
        }
        if let Some(url) = &self.ioka_tokens_url {
            if provider != Provider::Ioka || url.is_empty() {
                return Err("iokaTokensUrl is for provider ioka, and names ioka's guide endpoint".into());
            }
            if self.order.is_none() || self.public_key.is_none() {
                return Err("iokaTokensUrl needs order and publicKey".into());
            }
        } else if self.backend_url.is_empty() && !direct {
            return Err("backendUrl is required".into());
        }
        let locale = match self.locale.as_deref() {
            Some(l) => Some(Locale::negotiate(Some(l), None, [])?),
            None => None,
        };
        let theme = match self.theme.as_deref() {
            None | Some("auto") => None,
            Some("light") => Some("light"),
            Some("dark") => Some("dark"),
            Some(other) => return Err(format!("theme must be 'auto', 'light' or 'dark', not {other:?}")),
        };
        let presentation = match self.presentation.as_deref() {
            None | Some("redirect") => Presentation::Redirect,
            Some("new-tab") => Presentation::NewTab,
            Some(other) => return Err(format!("presentation must be 'redirect' or 'new-tab', not {other:?}")),
        };
        let mut redirect_hosts = Vec::new();
        for given in &self.redirect_hosts {
            let host = crate::redirect::host_entry(given)
                .ok_or_else(|| format!("redirectHosts: {given} is not a host name (write only the host)"))?;
            redirect_hosts.push(host);
        }
        Ok(CheckedOptions { provider, raw: self, locale, presentation, theme, key, redirect_hosts })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(json: &str) -> Result<CheckedOptions, String> {
        serde_json::from_str::<MountOptions>(json).map_err(|e| e.to_string())?.check()
    }

    const GOOD: &str =
        r#"{"provider":"ioka","backendUrl":"/api/checkout","order":{"id":"A-1","amount":1500000,"currency":"KZT"}}"#;

    #[test]
    fn ioka_guide_endpoint_needs_the_order_and_the_public_key_and_no_backend() {
        let guide = r#"{"provider":"ioka","iokaTokensUrl":"/startPaymentWithSavedCard","publicKey":"shp_x_public","order":{"id":"A-1","amount":1500000,"currency":"KZT"}}"#;
        assert!(options(guide).is_ok(), "no backendUrl needed");
        for (from, to) in [
            (r#""publicKey":"shp_x_public","#, ""),
            (r#","order":{"id":"A-1","amount":1500000,"currency":"KZT"}"#, ""),
            (r#""provider":"ioka""#, r#""provider":"bereke""#),
            (r#""/startPaymentWithSavedCard""#, r#""""#),
        ] {
            let changed = guide.replace(from, to);
            assert_ne!(changed, guide);
            let refused = options(&changed).unwrap_err();
            assert!(refused.contains("iokaTokensUrl") || refused.contains("order"), "{changed}: {refused}");
        }
    }

    #[test]
    fn the_guides_request_is_the_guides_shape() {
        let order: OrderInfo = serde_json::from_str(r#"{"id":"A-1","amount":1500000,"currency":"KZT"}"#).unwrap();
        let customer = CustomerInfo { id: Some("u-42".into()), email: Some("s@x.kz".into()), phone: None };
        let body = serde_json::to_value(crate::api::IokaGuideRequest::of(&order, &customer)).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"customer_external_id": "u-42", "email": "s@x.kz", "phone": null,
                               "order_external_id": "A-1", "amount": 1500000})
        );
    }

    #[test]
    fn good_options_pass_and_each_bad_one_is_named() {
        let ok = options(GOOD).unwrap();
        assert_eq!(
            (ok.provider, ok.presentation, ok.theme, ok.locale),
            (Provider::Ioka, Presentation::Redirect, None, None)
        );
        for (change, named) in [
            (r#""provider":"paypal""#, "provider"),
            (r#""provider":"ioka","theme":"pink""#, "theme"),
            (r#""provider":"ioka","presentation":"popup""#, "presentation"),
            (r#""provider":"ioka","locale":"de""#, "de"),
        ] {
            let json = GOOD.replace(r#""provider":"ioka""#, change);
            let err = options(&json).unwrap_err();
            assert!(err.contains(named), "{json}: {err}");
        }
        assert!(options(&GOOD.replace("A-1", "A 1")).unwrap_err().contains("order.id"));
        let session = r#"{"provider":"ioka","backendUrl":"/b","clientSecret":"cs_12ab_secret_ff"}"#;
        assert_eq!(options(session).map(|o| o.key), Ok("cs_12ab".to_owned()), "a session alone is enough");
        assert!(options(&session.replace("cs_12ab_secret_ff", "sk_live_1")).unwrap_err().contains("clientSecret"));
        assert!(options(r#"{"provider":"ioka","backendUrl":"/b"}"#).unwrap_err().contains("clientSecret"));
        assert_eq!(options(GOOD).map(|o| o.key), Ok("A-1".to_owned()));
        // redirectHosts: host names only, lower-cased.
        let hosts = GOOD.replace(r#""provider":"ioka""#, r#""provider":"ioka","redirectHosts":["Pay.MyBank.kz"]"#);
        assert_eq!(options(&hosts).map(|o| o.redirect_hosts), Ok(vec!["pay.mybank.kz".into()]));
        for bad in ["https://pay.mybank.kz", "*.mybank.kz", "pay.mybank.kz:8443"] {
            let json = GOOD.replace(r#""provider":"ioka""#, &format!(r#""provider":"ioka","redirectHosts":["{bad}"]"#));
            assert!(options(&json).unwrap_err().contains("redirectHosts"), "{bad}");
        }
        assert!(options(&GOOD.replace("1500000", "0")).unwrap_err().contains("order.amount"));
        assert!(options(&GOOD.replace(r#""backendUrl":"/api/checkout","#, "")).unwrap_err().contains("backendUrl"));
        let direct = GOOD
            .replace(r#""provider":"ioka","backendUrl":"/api/checkout""#, r#""provider":"oneentry""#)
            .replace("}}", r#"},"oneentry":{"projectUrl":"https://x.oneentry.cloud","appToken":"t","direct":true}}"#);
        assert_eq!(options(&direct).map(|o| o.provider), Ok(Provider::Oneentry), "direct OneEntry needs no backend");
    }
}
