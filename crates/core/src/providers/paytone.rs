//! Paytone Checkout (a white label of the Corefy "Commerce" platform): the payment
//! pre-request (methods), invoices, the hosted payment page URL, invoice statuses and the
//! callback signature (docs/providers.md).
//!
//! Paytone wants amounts in **major** units as JSON numbers; Tolem keeps integer minor units
//! and converts with [`crate::money::major_decimal`] / [`crate::money::minor_from_major`], so
//! no amount ever passes through floating-point arithmetic on our side.
//!
//! Paytone's hosts and the Private API's authentication are not in the sources ([GUESS]):
//! the base URL and [`PrivateAuth`] are configuration.

use serde_json::{json, Map, Value};
use sha1::{Digest, Sha1};

use crate::api::{FieldValues, MethodField, MethodKind, PaymentMethod};
use crate::http::{encode_component, HttpRequest, Method};
use crate::money::{major_decimal, Currency, MinorUnits};
use crate::signature::{base64_decode, base64_encode, constant_time_eq};

#[path = "paytone/transformers.rs"]
pub mod transformers;
pub use transformers::*;

/// The Corefy platform's default API host (Paytone's own is configured).
pub const DEFAULT_API: &str = "https://com.paycore.io";

/// Why a Paytone answer could not be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PaytoneError {
    /// The fields the payer gave were refused (HTTP 422).
    #[error("validation failed: {0}")]
    Validation(String),
    /// Any other error answer (401, 403, 404, 429, 5xx).
    #[error("HTTP {status}: {message}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// The provider's words, shortened.
        message: String,
    },
    /// A success status with a body we cannot read.
    #[error("malformed answer: {0}")]
    Malformed(String),
}

/// Why a callback was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CallbackError {
    /// No `X-Signature` header.
    #[error("X-Signature header is missing")]
    MissingSignature,
    /// The signature does not match the body.
    #[error("X-Signature does not match the body")]
    BadSignature,
    /// Signed, but not a payment-invoices document.
    #[error("callback body is not a payment invoice: {0}")]
    Malformed(String),
}

/// The Public API: browser-safe, authenticated by the public key in the body.
pub struct PublicApi<'a> {
    /// API base (`https://com.paycore.io`, or the sandbox's `…/sandbox/paytone`).
    pub base_url: &'a str,
    /// `pk_test_…` / `pk_live_…`.
    pub public_key: &'a str,
}

impl PublicApi<'_> {
    /// `POST /public-api/payment-prerequest`: the services and methods for this amount.
    pub fn prerequest(&self, currency: Currency, amount: MinorUnits) -> HttpRequest {
        let body = json!({
            "public_key": self.public_key,
            "currency": currency.code(),
            "amount": major_number(amount, currency),
        });
        json_request(Method::Post, format!("{}/public-api/payment-prerequest", trim(self.base_url)), vec![], Some(body))
    }
}

/// How the Private API is authenticated. Corefy's authentication page: "Use the Account ID as
/// Login (Username) and API key as Password … `Authorization = Basic base64(username:password)`";
/// `Bearer` is kept for accounts set up that way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PrivateAuth {
    /// `Authorization: Basic base64(account_id:api_key)` (the documented default).
    Basic {
        /// The Commerce account id (login).
        account_id: String,
    },
    /// `Authorization: Bearer <api_key>`.
    Bearer,
}

/// The Private API base when none is configured: `{API base}/api`. Corefy's docs write it
/// `{BASE COM PRIVATE API URL}` and say the host is issued by the manager, so Tolem takes it
/// as a setting and this is only its default ([GUESS], from the 2021 docs).
pub fn default_private_api(api_base: &str) -> String {
    format!("{}/api", trim(api_base))
}

/// The Private API: server-only, authenticated with the Commerce account's API key (not the
/// secret key that signs callbacks: they are two credentials).
pub struct PrivateApi<'a> {
    /// Private API base (`{BASE COM PRIVATE API URL}`, e.g. `https://com.paycore.io/api`).
    pub base_url: &'a str,
    /// The Commerce account's API key.
    pub api_key: &'a str,
    /// How to present it.
    pub auth: &'a PrivateAuth,
    /// How an invoice to create is written.
    pub body: InvoiceBody,
}

/// How the Private API takes a new invoice. Its answers are JSON:API documents; Corefy's
/// published docs show the Public API's create body flat and point to a Swagger reference for
/// the Private API's that is not public, so which one it takes is a setting ([GUESS]:
/// JSON:API, like its answers; `TOLEM_PAYTONE_INVOICE_BODY`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum InvoiceBody {
    /// `{"data": {"type": "payment-invoices", "attributes": {…}}}`.
    #[default]
    JsonApi,
    /// The attributes as the body itself, as the Public API takes them.
    Flat,
}

/// What Tolem asks Paytone to collect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvoiceRequest<'a> {
    /// Our reference for this try (the merchant order id, then `id~n`).
    pub reference_id: &'a str,
    /// Minor units.
    pub amount: MinorUnits,
    /// The currency the amount is in (major units on the wire).
    pub currency: Currency,
    /// Shown to the payer.
    pub description: Option<&'a str>,
    /// The chosen service code (the method id the widget sent).
    pub service: &'a str,
    /// The service's fields, as the payer filled them in.
    pub fields: &'a FieldValues,
    /// Where the hosted page sends the payer back.
    pub return_url: &'a str,
    /// HPP language (`en`, `ru`, `uk`; Kazakh falls back to Russian).
    pub locale: Option<&'a str>,
    /// The merchant's customer id.
    pub customer_id: Option<&'a str>,
    /// Customer email.
    pub email: Option<&'a str>,
    /// Customer phone.
    pub phone: Option<&'a str>,
    /// `expires` (unix seconds): after it the invoice can no longer be paid.
    pub expires: Option<i64>,
    /// Travels in `metadata` (our attempt id and idempotency key).
    pub metadata: &'a [(&'a str, &'a str)],
}

impl PrivateApi<'_> {
    fn authorization(&self) -> (String, String) {
        let value = match self.auth {
            PrivateAuth::Bearer => format!("Bearer {}", self.api_key),
            PrivateAuth::Basic { account_id } => {
                format!("Basic {}", base64_encode(format!("{account_id}:{}", self.api_key).as_bytes()))
            }
        };
        ("Authorization".to_owned(), value)
    }

    /// `POST {private}/payment-invoices` with a JSON:API body.
    pub fn create_invoice(&self, r: &InvoiceRequest<'_>) -> HttpRequest {
        let mut attributes = Map::new();
        attributes.insert("reference_id".into(), json!(r.reference_id));
        attributes.insert("amount".into(), major_number(r.amount, r.currency));
        attributes.insert("currency".into(), json!(r.currency.code()));
        attributes.insert("service".into(), json!(r.service));
        attributes.insert("return_url".into(), json!(r.return_url));
        if let Some(d) = r.description {
            attributes.insert("description".into(), json!(d));
        }
        if let Some(e) = r.expires {
            attributes.insert("expires".into(), json!(e));
        }
        if let Some(l) = r.locale {
            attributes.insert("locale".into(), json!(hpp_locale(l)));
        }
        if !r.fields.is_empty() {
            attributes.insert("fields".into(), json!(r.fields));
        }
        let mut customer = Map::new();
        for (key, value) in [("reference_id", r.customer_id), ("email", r.email), ("phone", r.phone)] {
            if let Some(v) = value {
                customer.insert(key.into(), json!(v));
            }
        }
        if !customer.is_empty() {
            attributes.insert("customer".into(), Value::Object(customer));
        }
        let metadata: Map<String, Value> = r.metadata.iter().map(|(k, v)| ((*k).to_owned(), json!(v))).collect();
        if !metadata.is_empty() {
            attributes.insert("metadata".into(), Value::Object(metadata));
        }
        let body = match self.body {
            InvoiceBody::JsonApi => json!({"data": {"type": "payment-invoices", "attributes": attributes}}),
            InvoiceBody::Flat => Value::Object(attributes),
        };
        json_request(
            Method::Post,
            format!("{}/payment-invoices", trim(self.base_url)),
            vec![self.authorization()],
            Some(body),
        )
    }

    /// `GET {private}/payment-invoices/{id}`.
    pub fn invoice(&self, invoice_id: &str) -> HttpRequest {
        json_request(
            Method::Get,
            format!("{}/payment-invoices/{}", trim(self.base_url), encode_component(invoice_id)),
            vec![self.authorization()],
            None,
        )
    }
}

/// The hosted payment page for an invoice ("secure redirection"): `{base}/hpp/?cpi={id}`.
pub fn hpp_url(base_url: &str, invoice_id: &str) -> String {
    format!("{}/hpp/?cpi={}", trim(base_url), encode_component(invoice_id))
}

/// Where to send the payer for a new invoice: the invoice's own `flow_data.action` when
/// Paytone gives a plain GET page there ("where to send the customer"), else the secure
/// redirection page on the API host ([`hpp_url`]).
pub fn payer_url(base_url: &str, invoice: &Invoice) -> String {
    let flow = invoice.attributes.flow_data.as_ref();
    let action =
        flow.and_then(|f| f["action"].as_str()).filter(|a| a.starts_with("https://") || a.starts_with("http://"));
    let plain_get = flow.is_some_and(|f| {
        f["method"].as_str().is_none_or(|m| m.eq_ignore_ascii_case("GET"))
            && f["params"].as_array().is_none_or(Vec::is_empty)
            && f["params"].as_object().is_none_or(Map::is_empty)
    });
    match action {
        Some(a) if plain_get => a.to_owned(),
        _ => hpp_url(base_url, &invoice.id),
    }
}

/// The HPP speaks `en`, `uk` and `ru`; Kazakh shoppers get Russian.
pub fn hpp_locale(locale: &str) -> &'static str {
    match locale {
        "en" => "en",
        _ => "ru",
    }
}

fn trim(base: &str) -> &str {
    base.trim_end_matches('/')
}

/// The amount as a JSON number in major units. The decimal text is exact; as an `f64` it
/// round-trips exactly for any amount below 2^53 minor units (far above any limit).
fn major_number(amount: MinorUnits, currency: Currency) -> Value {
    let text = major_decimal(amount, currency);
    serde_json::from_str::<serde_json::Number>(&text).map(Value::Number).unwrap_or(Value::Null)
}

fn json_request(method: Method, url: String, mut headers: Vec<(String, String)>, body: Option<Value>) -> HttpRequest {
    headers.push(("Accept".to_owned(), "application/vnd.api+json, application/json".to_owned()));
    if body.is_some() {
        headers.push(("Content-Type".to_owned(), "application/json".to_owned()));
    }
    HttpRequest { method, url, headers, body: body.map(|b| b.to_string()) }
}

/// Reads an answer: 2xx → `T`; 422 → [`PaytoneError::Validation`]; any other status, or a
/// 2xx body carrying `errors`/`error` (the SDK's rule), → [`PaytoneError::Refused`].
///
/// # Errors
/// As above, or [`PaytoneError::Malformed`] for a body that is not the expected document.
pub fn parse<T: serde::de::DeserializeOwned>(status: u16, body: &str) -> Result<T, PaytoneError> {
    let error: Option<PaytoneErrorBody> = serde_json::from_str(body).ok();
    let has_error = error.as_ref().is_some_and(|e| e.errors.is_some() || e.error.is_some());
    if status == 422 {
        return Err(PaytoneError::Validation(error_message(error.as_ref(), body)));
    }
    if !(200..300).contains(&status) || has_error {
        return Err(PaytoneError::Refused { status, message: error_message(error.as_ref(), body) });
    }
    serde_json::from_str::<Document<T>>(body).map(|d| d.data).map_err(|e| PaytoneError::Malformed(e.to_string()))
}

fn error_message(error: Option<&PaytoneErrorBody>, body: &str) -> String {
    let text = |v: &Value| -> Option<String> {
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Array(items) => {
                let parts: Vec<String> = items
                    .iter()
                    .filter_map(|i| {
                        i.get("detail")
                            .or(i.get("title"))
                            .or(i.get("message"))
                            .and_then(Value::as_str)
                            .map(str::to_owned)
                    })
                    .collect();
                (!parts.is_empty()).then(|| parts.join("; "))
            }
            Value::Object(o) => o.get("message").or(o.get("detail")).and_then(Value::as_str).map(str::to_owned),
            _ => None,
        }
    };
    let message = error.and_then(|e| {
        e.errors.as_ref().and_then(text).or_else(|| e.error.as_ref().and_then(text)).or_else(|| e.error_type.clone())
    });
    let mut message = message.unwrap_or_else(|| body.chars().take(120).collect());
    message.truncate(200);
    message
}

/// The label or hint in the shopper's language: a plain text, or the `locale` entry of a
/// map, else Russian for Kazakh shoppers (Paytone has no Kazakh), else `en`, else `ru`,
/// else any.
fn localized(value: &Value, locale: &str) -> Option<String> {
    let second = if locale == "kk" { "ru" } else { "en" };
    match value {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Object(map) => [locale, second, "en", "ru"]
            .iter()
            .find_map(|l| map.get(*l).and_then(Value::as_str))
            .or_else(|| map.values().find_map(Value::as_str))
            .map(str::to_owned),
        _ => None,
    }
}

/// The pre-request's available services as payment methods: id = service code, label and
/// logo from the method, fields in `weight` order. Services that are not `available` or
/// that this version cannot read are left out (never guessed at). Logos must be `https:`
/// URLs, or URLs under `trusted_origin` (the configured API's own origin, e.g. the sandbox).
pub fn methods(pre: &Prerequest, locale: &str, trusted_origin: Option<&str>) -> Vec<PaymentMethod> {
    let logo_ok = |url: &String| {
        url.starts_with("https://")
            || trusted_origin
                .is_some_and(|o| url.strip_prefix(o.trim_end_matches('/')).is_some_and(|r| r.starts_with('/')))
    };
    let mut out = Vec::new();
    for raw in pre.attributes.services.values() {
        let Ok(service) = serde_json::from_value::<PaytoneService>(raw.clone()) else {
            continue;
        };
        if service.status.as_deref().is_some_and(|s| s != "available") {
            continue;
        }
        let info = pre
            .attributes
            .methods
            .get(&service.method)
            .and_then(|m| serde_json::from_value::<PaytoneMethodInfo>(m.clone()).ok());
        let label = info.as_ref().and_then(|i| i.name.clone()).unwrap_or_else(|| service.method.clone());
        let is_card =
            service.method == "bank_card" || info.as_ref().and_then(|i| i.category.as_deref()) == Some("bank_card");
        let mut fields = service.fields.clone();
        fields.sort_by_key(|f| f.weight);
        let fields = fields
            .iter()
            .map(|f| MethodField {
                key: f.key.clone(),
                label: localized(&f.label, locale).unwrap_or_else(|| f.key.clone()),
                hint: localized(&f.hint, locale),
                pattern: f.regexp.clone().filter(|r| !r.is_empty()),
                required: f.required,
            })
            .collect();
        out.push(PaymentMethod {
            id: service.code.clone(),
            kind: if is_card { MethodKind::Card } else { MethodKind::Wallet },
            label,
            brand: None,
            logo: info.and_then(|i| [i.logo, i.icon].into_iter().flatten().find(logo_ok)),
            fields,
        });
    }
    out
}

/// `X-Signature` for a callback body: `base64(sha1(secret + raw body + secret))` (docs/providers.md).
pub fn callback_signature(secret: &[u8], raw_body: &[u8]) -> String {
    let mut hasher = Sha1::new();
    hasher.update(secret);
    hasher.update(raw_body);
    hasher.update(secret);
    base64_encode(&hasher.finalize())
}

/// Verifies a callback over its raw bytes (constant-time) and reads its invoices. A
/// batched callback (`data` as an array) yields several.
///
/// # Errors
/// [`CallbackError`] saying why.
pub fn verify_callback(secret: &[u8], raw_body: &[u8], signature: Option<&str>) -> Result<Vec<Invoice>, CallbackError> {
    let given = signature.map(str::trim).filter(|s| !s.is_empty()).ok_or(CallbackError::MissingSignature)?;
    let given = base64_decode(given).ok_or(CallbackError::BadSignature)?;
    let expected = base64_decode(&callback_signature(secret, raw_body)).unwrap_or_default();
    if !constant_time_eq(&given, &expected) {
        return Err(CallbackError::BadSignature);
    }
    let doc: Value = serde_json::from_slice(raw_body).map_err(|e| CallbackError::Malformed(e.to_string()))?;
    let items = match doc.get("data") {
        Some(Value::Array(items)) => items.clone(),
        Some(one @ Value::Object(_)) => vec![one.clone()],
        _ => return Err(CallbackError::Malformed("no data".into())),
    };
    items
        .into_iter()
        .map(|item| serde_json::from_value::<Invoice>(item).map_err(|e| CallbackError::Malformed(e.to_string())))
        .collect()
}

/// True when an invoice version stamped `updated` is news after `last_seen` (callbacks can
/// come out of order; an older one must not be applied over a newer one). Equal stamps are
/// news too: the status decides (and never moves backwards).
pub fn is_newer(updated: Option<i64>, last_seen: Option<i64>) -> bool {
    match (updated, last_seen) {
        (Some(u), Some(l)) => u >= l,
        _ => true,
    }
}

#[cfg(test)]
#[path = "paytone/tests.rs"]
mod tests;
