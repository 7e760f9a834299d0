//! OneEntry (headless CMS) Payments: sign-in and refresh, an order in an orders storage, a
//! payment session and its `paymentUrl`, payment accounts as methods, and the session
//! status table (docs/providers.md).
//!
//! Every call carries the project's `x-app-token` (a public project token); per-user calls
//! add the user's `Authorization: Bearer`; POSTs add `x-device-metadata`. A 401 means the
//! access token expired: refresh once with the refresh token, then retry once
//! ([`OneEntryError::Unauthorized`] tells the caller to do so).

use serde_json::Value;

use crate::api::{MethodKind, PaymentMethod};
use crate::http::{encode_component, HttpRequest, Method};
use crate::status::PaymentStatus;

#[path = "oneentry/rules.rs"]
pub mod rules;
#[path = "oneentry/transformers.rs"]
pub mod transformers;
pub use transformers::*;

/// The auth provider marker of email sign-in.
pub const EMAIL_AUTH_MARKER: &str = "email";
/// The orders storage marker the vendor's examples use.
pub const ORDERS_STORAGE: &str = "orders";
/// Account identifiers that mean "pay on delivery": no hosted page, the order is placed.
pub const CASH_ACCOUNTS: [&str; 2] = ["cash", "cash_on_delivery"];

/// Why a OneEntry answer could not be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OneEntryError {
    /// 401: the access token expired or is wrong (refresh once, retry once).
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// Any other error answer, with OneEntry's message.
    #[error("HTTP {status}: {message}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// OneEntry's words, shortened.
        message: String,
    },
    /// A success status with a body we cannot read.
    #[error("malformed answer: {0}")]
    Malformed(String),
}

/// A OneEntry project, as seen by one device.
pub struct OneEntryApi<'a> {
    /// `PROJECT_URL` (`https://<project>.oneentry.cloud`, or the sandbox's
    /// `…/sandbox/oneentry`); paths are appended by plain concatenation, as the SDK does.
    pub project_url: &'a str,
    /// The project's app token (`x-app-token`).
    pub app_token: &'a str,
    /// `x-device-metadata` JSON (see [`device_metadata`]).
    pub device_metadata: &'a str,
    /// `en_US`, `ru_RU`, …
    pub lang_code: &'a str,
}

/// An order to create in an orders storage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewOrder<'a> {
    /// The storage's marker (`orders`).
    pub storage_marker: &'a str,
    /// The order form's identifier (`orderForm`).
    pub form_identifier: &'a str,
    /// The chosen payment account (`stripe`, `cash`).
    pub payment_account_identifier: &'a str,
    /// The form's fields.
    pub form_data: &'a [FormEntry],
    /// Products and quantities: OneEntry prices them (`totalSum`).
    pub products: &'a [ProductLine],
}

/// The `x-device-metadata` value for a device with this fingerprint.
pub fn device_metadata(fingerprint: &str, os: &str, browser: &str, location: &str) -> String {
    format!(
        r#"{{"fingerprint":{},"deviceInfo":{{"os":{},"browser":{},"location":{}}}}}"#,
        json_text(fingerprint),
        json_text(os),
        json_text(browser),
        json_text(location)
    )
}

/// `s` as a JSON string literal, quotes included. Written out by hand so that the widget,
/// which signs in straight at OneEntry, carries no JSON serialiser for it.
pub fn json_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    crate::pyjson::write_string(&mut out, s);
    out
}

/// `en_US`-style code for a Tolem locale.
pub fn lang_code(locale: &str) -> &'static str {
    match locale {
        "kk" => "kk_KZ",
        "ru" => "ru_RU",
        _ => "en_US",
    }
}

impl OneEntryApi<'_> {
    fn request_text(&self, method: Method, path: &str, token: Option<&str>, body: Option<String>) -> HttpRequest {
        let mut headers = vec![
            ("Content-Type".to_owned(), "application/json".to_owned()),
            ("x-app-token".to_owned(), self.app_token.to_owned()),
        ];
        if method == Method::Post {
            headers.push(("x-device-metadata".to_owned(), self.device_metadata.to_owned()));
        }
        if let Some(t) = token {
            headers.push(("Authorization".to_owned(), format!("Bearer {t}")));
        }
        HttpRequest { method, url: format!("{}{path}", self.project_url.trim_end_matches('/')), headers, body }
    }

    fn auth_path(marker: &str, action: &str) -> String {
        format!("/api/content/users-auth-providers/marker/{}/users/{action}", encode_component(marker))
    }

    /// Email sign-in: `authData` with the `email_reg` and `password_reg` markers.
    pub fn sign_in(&self, email: &str, password: &str) -> HttpRequest {
        let body = format!(
            r#"{{"authData":[{{"marker":"email_reg","value":{}}},{{"marker":"password_reg","value":{}}}]}}"#,
            json_text(email),
            json_text(password)
        );
        self.request_text(Method::Post, &Self::auth_path(EMAIL_AUTH_MARKER, "auth"), None, Some(body))
    }

    /// Trades a refresh token for a new pair.
    pub fn refresh(&self, refresh_token: &str) -> HttpRequest {
        let body = format!(r#"{{"refreshToken":{}}}"#, json_text(refresh_token));
        self.request_text(Method::Post, &Self::auth_path(EMAIL_AUTH_MARKER, "refresh"), None, Some(body))
    }

    /// The project's payment accounts.
    pub fn accounts(&self, token: &str) -> HttpRequest {
        self.request_text(Method::Get, "/api/content/payments/accounts", Some(token), None)
    }

    /// Creates an order (`formData` under the language code).
    pub fn create_order(&self, order: &NewOrder<'_>, token: &str) -> HttpRequest {
        let mut body = format!(
            r#"{{"formIdentifier":{},"paymentAccountIdentifier":{},"formData":{{{}:["#,
            json_text(order.form_identifier),
            json_text(order.payment_account_identifier),
            json_text(self.lang_code)
        );
        for (i, f) in order.form_data.iter().enumerate() {
            let sep = if i == 0 { "" } else { "," };
            let entry = format!(
                r#"{sep}{{"marker":{},"value":{},"type":{}}}"#,
                json_text(&f.marker),
                json_text(&f.value),
                json_text(&f.kind)
            );
            body.push_str(&entry);
        }
        body.push_str(r#"]},"products":["#);
        for (i, p) in order.products.iter().enumerate() {
            let sep = if i == 0 { "" } else { "," };
            body.push_str(&format!(r#"{sep}{{"productId":{},"quantity":{}}}"#, p.product_id, p.quantity));
        }
        body.push_str("]}");
        let path = format!(
            "/api/content/orders-storage/marker/{}/orders?langCode={}",
            encode_component(order.storage_marker),
            encode_component(self.lang_code)
        );
        self.request_text(Method::Post, &path, Some(token), Some(body))
    }

    /// Opens a payment session for an order.
    pub fn create_session(&self, order_id: i64, token: &str) -> HttpRequest {
        let body = format!(r#"{{"orderId":{order_id},"type":"session","automaticTaxEnabled":false}}"#);
        self.request_text(Method::Post, "/api/content/payments/sessions", Some(token), Some(body))
    }

    /// The order's sessions (an array or an object, see [`SessionsByOrder`]).
    pub fn sessions_by_order(&self, order_id: i64, token: &str) -> HttpRequest {
        self.request_text(Method::Get, &format!("/api/content/payments/sessions/order/{order_id}"), Some(token), None)
    }
}

/// Reads an answer: 2xx → `T`; 401 → [`OneEntryError::Unauthorized`]; other errors →
/// [`OneEntryError::Refused`] with OneEntry's `message`.
///
/// # Errors
/// As above, or [`OneEntryError::Malformed`].
pub fn parse<T: serde::de::DeserializeOwned>(status: u16, body: &str) -> Result<T, OneEntryError> {
    if (200..300).contains(&status) {
        return serde_json::from_str(body).map_err(|e| OneEntryError::Malformed(e.to_string()));
    }
    let message = match serde_json::from_str::<OneEntryErrorBody>(body) {
        Ok(e) => match e.message {
            Value::String(s) => s,
            Value::Array(parts) => parts.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("; "),
            _ => format!("status {}", e.status_code),
        },
        Err(_) => body.chars().take(120).collect(),
    };
    let message: String = message.chars().take(200).collect();
    if status == 401 {
        Err(OneEntryError::Unauthorized(message))
    } else {
        Err(OneEntryError::Refused { status, message })
    }
}

/// Maps session statuses (free strings) to [`PaymentStatus`]. The known ones are `waiting`
/// (pending), `paid` and `completed` (paid); others are configurable, and anything not in
/// the table is pending — never success.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionStatusTable {
    entries: Vec<(String, PaymentStatus)>,
}

/// The session statuses OneEntry's SDK and rules name, and what they mean.
const KNOWN_SESSION_STATUSES: [(&str, PaymentStatus); 8] = [
    ("waiting", PaymentStatus::Pending),
    ("paid", PaymentStatus::Paid),
    ("completed", PaymentStatus::Paid),
    ("canceled", PaymentStatus::Cancelled),
    ("cancelled", PaymentStatus::Cancelled),
    ("expired", PaymentStatus::Expired),
    ("failed", PaymentStatus::Failed),
    ("refunded", PaymentStatus::Refunded),
];

/// A session status through the default table (what [`SessionStatusTable::default`] maps),
/// without building one: case-insensitive, anything unknown pending.
pub fn session_status(status: &str) -> PaymentStatus {
    let status = status.trim();
    KNOWN_SESSION_STATUSES
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(status))
        .map_or(PaymentStatus::Pending, |(_, v)| *v)
}

impl Default for SessionStatusTable {
    fn default() -> Self {
        SessionStatusTable { entries: KNOWN_SESSION_STATUSES.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect() }
    }
}

impl SessionStatusTable {
    /// The default table with `spec` entries added or replaced: `declined=failed,void=cancelled`.
    ///
    /// # Errors
    /// The first entry that is not `name=status` with a Tolem status.
    pub fn with_overrides(spec: &str) -> Result<Self, String> {
        let mut table = SessionStatusTable::default();
        for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (name, status) = item.split_once('=').ok_or_else(|| format!("`{item}` is not name=status"))?;
            let status =
                PaymentStatus::from_wire(status.trim()).ok_or_else(|| format!("`{status}` is not a status"))?;
            let name = name.trim().to_ascii_lowercase();
            table.entries.retain(|(k, _)| *k != name);
            table.entries.push((name, status));
        }
        Ok(table)
    }

    /// The status for a session status string (case-insensitive).
    pub fn map(&self, status: &str) -> PaymentStatus {
        let status = status.trim().to_ascii_lowercase();
        self.entries.iter().find(|(k, _)| *k == status).map_or(PaymentStatus::Pending, |(_, v)| *v)
    }
}

impl LocalizedTitles {
    /// The title in this language, else the flat title, else `en_US`, else any.
    pub fn title_in(&self, lang_code: &str) -> Option<String> {
        let by = |lang: &str| self.by_language.iter().find(|(l, _)| l == lang).map(|(_, t)| t.clone());
        self.title
            .clone()
            .or_else(|| by(lang_code))
            .or_else(|| by("en_US"))
            .or_else(|| self.by_language.first().map(|(_, t)| t.clone()))
    }
}

/// True for an account that takes no payment online (the order is placed, paid on delivery).
pub fn is_cash(identifier: &str) -> bool {
    CASH_ACCOUNTS.iter().any(|c| identifier.eq_ignore_ascii_case(c))
}

/// Visible payment accounts as methods: id = account identifier; a Stripe account is a card,
/// a cash account pays on delivery, any other (PayPal, …) is a wallet named as OneEntry names it
/// in this language (else the identifier).
pub fn methods(accounts: &[PaymentAccount], lang_code: &str) -> Vec<PaymentMethod> {
    accounts
        .iter()
        .filter(|a| a.is_visible)
        .map(|a| {
            let kind = if is_cash(&a.identifier) {
                MethodKind::Cash
            } else if a.kind.as_deref() == Some("stripe") {
                MethodKind::Card
            } else {
                MethodKind::Wallet
            };
            let title = a.localize_infos.title_in(lang_code).unwrap_or_else(|| a.identifier.clone());
            PaymentMethod::plain(&a.identifier, kind, &title)
        })
        .collect()
}

#[cfg(test)]
#[path = "oneentry/tests.rs"]
mod tests;
