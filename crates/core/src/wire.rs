//! Reading the JSON the widget receives (backend answers, ioka's browser API, the mount
//! options, the journal) without serde's deserializers.
//!
//! The backend and the sandbox use serde; the widget reads the same shapes through
//! [`JsonValue`], which the browser edge implements for the JS value `JSON.parse` (or the
//! merchant) gave it, and which `serde_json::Value` implements for native tests. Every reader
//! here accepts exactly what the type's serde `Deserialize` accepts — missing optional fields,
//! `null` for an `Option`, unknown fields ignored — and the tests check each one against serde.
//! One plain reader per type costs the shopper about 15 KB (brotli) less than serde's
//! visitors and serde-wasm-bindgen did (docs/benchmarks.md, size work).

use std::fmt;

use crate::api::{
    BrowserTokens, CustomerInfo, IokaTokensResponse, MethodField, MethodKind, OrderInfo, OrderItem, OrderSummary,
    PayResponse, PaymentMethod, RedirectTarget, StartResponse, StatusResponse, UserToken,
};
use crate::journal::JournalRecord;
use crate::money::{Currency, MinorUnits};
use crate::options::{MountOptions, OneEntryProject};
use crate::providers::ioka::{IokaCaptureMethod, IokaCard, IokaOrder, IokaOrderStatus};
use crate::providers::Provider;
use crate::status::PaymentStatus;

/// A parsed JSON value, as far as the readers need to see it.
pub trait JsonValue: Sized {
    /// The member `key` of an object; `None` when absent (or `undefined`), or when this is
    /// not an object.
    fn member(&self, key: &str) -> Option<Self>;
    /// True for `null` (and, from JS, `undefined`).
    fn is_null(&self) -> bool;
    /// True for an object (not an array, not `null`).
    fn is_object(&self) -> bool;
    /// The text of a string.
    fn text(&self) -> Option<String>;
    /// The value of a number.
    fn number(&self) -> Option<f64>;
    /// The value of a boolean.
    fn boolean(&self) -> Option<bool>;
    /// The elements of an array.
    fn elements(&self) -> Option<Vec<Self>>;
}

/// What is wrong, and where (`methods[0].kind`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadError {
    /// The path of the bad value; empty for the whole document.
    pub path: String,
    /// What is wrong with it.
    pub problem: &'static str,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(self.problem)
        } else {
            write!(f, "{}: {}", self.path, self.problem)
        }
    }
}

type Read<T> = Result<T, ReadError>;

/// An object being read, with its path for error messages.
struct Obj<'a, V> {
    value: &'a V,
    path: String,
}

impl<'a, V: JsonValue> Obj<'a, V> {
    fn new(value: &'a V, path: String) -> Read<Self> {
        if value.is_object() {
            Ok(Obj { value, path })
        } else {
            Err(ReadError { path, problem: "must be an object" })
        }
    }

    fn path_of(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    fn fail<T>(&self, key: &str, problem: &'static str) -> Read<T> {
        Err(ReadError { path: self.path_of(key), problem })
    }

    /// The member, `None` when absent or `null` (serde's `Option` and `#[serde(default)]`).
    fn present(&self, key: &str) -> Option<V> {
        self.value.member(key).filter(|v| !v.is_null())
    }

    fn opt_text(&self, key: &str) -> Read<Option<String>> {
        match self.present(key) {
            None => Ok(None),
            Some(v) => v.text().map(Some).map_or_else(|| self.fail(key, "must be a string"), Ok),
        }
    }

    /// A `#[serde(default)]` string: absent is `None` (`null` is refused, as serde does).
    fn defaulted_text(&self, key: &str) -> Read<Option<String>> {
        match self.value.member(key) {
            None => Ok(None),
            Some(_) => self.text(key).map(Some),
        }
    }

    fn text(&self, key: &str) -> Read<String> {
        match self.value.member(key) {
            None => self.fail(key, "is missing"),
            Some(v) => v.text().map_or_else(|| self.fail(key, "must be a string"), Ok),
        }
    }

    fn integer(&self, key: &str) -> Read<i64> {
        match self.value.member(key) {
            None => self.fail(key, "is missing"),
            Some(v) => v.number().and_then(whole).map_or_else(|| self.fail(key, "must be a whole number"), Ok),
        }
    }

    fn unsigned(&self, key: &str) -> Read<u64> {
        let n = self.integer(key)?;
        u64::try_from(n).map_or_else(|_| self.fail(key, "must not be negative"), Ok)
    }

    fn boolean(&self, key: &str) -> Read<bool> {
        match self.value.member(key) {
            None => self.fail(key, "is missing"),
            Some(v) => v.boolean().map_or_else(|| self.fail(key, "must be true or false"), Ok),
        }
    }

    /// A `#[serde(default)]` boolean: absent is `false` (`null` is refused, as serde does).
    fn flag(&self, key: &str) -> Read<bool> {
        match self.value.member(key) {
            None => Ok(false),
            Some(_) => self.boolean(key),
        }
    }

    /// A member read by `read` (absent or `null` is `None`).
    fn opt_nested<T>(&self, key: &str, read: fn(&Obj<'_, V>) -> Read<T>) -> Read<Option<T>> {
        match self.present(key) {
            None => Ok(None),
            Some(v) => read(&Obj::new(&v, self.path_of(key))?).map(Some),
        }
    }

    /// A `#[serde(default)]` object: absent is `None` (`null` is refused, as serde does).
    fn defaulted_nested<T>(&self, key: &str, read: fn(&Obj<'_, V>) -> Read<T>) -> Read<Option<T>> {
        match self.value.member(key) {
            None => Ok(None),
            Some(_) => self.nested(key, read).map(Some),
        }
    }

    fn nested<T>(&self, key: &str, read: fn(&Obj<'_, V>) -> Read<T>) -> Read<T> {
        match self.value.member(key) {
            None => self.fail(key, "is missing"),
            Some(v) => read(&Obj::new(&v, self.path_of(key))?),
        }
    }

    /// An array member whose elements `read` reads; `required` says whether it may be absent.
    fn list<T>(&self, key: &str, required: bool, read: fn(&Obj<'_, V>) -> Read<T>) -> Read<Vec<T>> {
        let value = match self.value.member(key) {
            None if !required => return Ok(Vec::new()),
            None => return self.fail(key, "is missing"),
            Some(v) => v,
        };
        let Some(elements) = value.elements() else { return self.fail(key, "must be an array") };
        let base = self.path_of(key);
        elements.iter().enumerate().map(|(i, e)| read(&Obj::new(e, format!("{base}[{i}]"))?)).collect()
    }

    /// A `#[serde(default)]` array of strings: absent is empty (`null` is refused, as serde
    /// does).
    fn text_list(&self, key: &str) -> Read<Vec<String>> {
        let mut texts = Vec::new();
        let Some(value) = self.value.member(key) else { return Ok(texts) };
        let Some(elements) = value.elements() else { return self.fail(key, "must be an array of strings") };
        for e in &elements {
            match e.text() {
                Some(t) => texts.push(t),
                None => return self.fail(key, "must be an array of strings"),
            }
        }
        Ok(texts)
    }

    /// A member that is one of the names `parse` knows.
    fn name<T>(&self, key: &str, parse: fn(&str) -> Option<T>) -> Read<T> {
        let text = self.text(key)?;
        parse(&text).map_or_else(|| self.fail(key, "is not one of the known values"), Ok)
    }

    fn opt_name<T>(&self, key: &str, parse: fn(&str) -> Option<T>) -> Read<Option<T>> {
        match self.opt_text(key)? {
            None => Ok(None),
            Some(text) => parse(&text).map(Some).map_or_else(|| self.fail(key, "is not one of the known values"), Ok),
        }
    }
}

/// A JSON number that is a whole number an `i64` holds exactly (serde accepts no fraction).
fn whole(n: f64) -> Option<i64> {
    const LIMIT: f64 = 9_007_199_254_740_992.0; // 2^53: beyond it, JS numbers skip integers
    (n.is_finite() && n.fract() == 0.0 && n.abs() <= LIMIT).then_some(n as i64)
}

fn top<V: JsonValue, T>(value: &V, read: fn(&Obj<'_, V>) -> Read<T>) -> Read<T> {
    read(&Obj::new(value, String::new())?)
}

/// `POST /start`'s answer in Tolem's shape.
///
/// # Errors
/// The first value that does not fit, with its path.
pub fn start_response<V: JsonValue>(value: &V) -> Result<StartResponse, ReadError> {
    top(value, |o| {
        let mut answer = StartResponse {
            redirect_hosts: Vec::new(),
            attempt_id: o.text("attemptId")?,
            order: order_summary(o)?,
            status: o.name("status", PaymentStatus::from_wire)?,
            methods: o.list("methods", true, payment_method)?,
            tokens: o.defaulted_nested("tokens", browser_tokens)?.unwrap_or_default(),
        };
        // Read after the rest, so a bad value drops the answer whole (one drop, not one per
        // member read before it: bytes the shopper downloads).
        answer.redirect_hosts = o.text_list("redirectHosts")?;
        Ok(answer)
    })
}

/// `orderId`, `amount` and `currency`, beside the other members of an answer.
fn order_summary<V: JsonValue>(o: &Obj<'_, V>) -> Read<OrderSummary> {
    Ok(OrderSummary { order_id: o.text("orderId")?, amount: MinorUnits(o.integer("amount")?), currency: currency(o)? })
}

fn currency<V: JsonValue>(o: &Obj<'_, V>) -> Read<Currency> {
    o.name("currency", Currency::from_code)
}

/// True when a `start` answer is in Tolem's shape (it has `attemptId`), else it is ioka's
/// guide shape ([`ioka_tokens_response`]).
pub fn is_tolem_start_answer<V: JsonValue>(value: &V) -> bool {
    value.member("attemptId").is_some()
}

fn payment_method<V: JsonValue>(o: &Obj<'_, V>) -> Read<PaymentMethod> {
    Ok(PaymentMethod {
        id: o.text("id")?,
        kind: o.name("kind", method_kind)?,
        label: o.text("label")?,
        brand: o.opt_text("brand")?,
        logo: o.opt_text("logo")?,
        fields: o.list("fields", false, method_field)?,
    })
}

fn method_kind(s: &str) -> Option<MethodKind> {
    Some(match s {
        "card" => MethodKind::Card,
        "saved_card" => MethodKind::SavedCard,
        "wallet" => MethodKind::Wallet,
        "cash" => MethodKind::Cash,
        _ => return None,
    })
}

fn method_field<V: JsonValue>(o: &Obj<'_, V>) -> Read<MethodField> {
    Ok(MethodField {
        key: o.text("key")?,
        label: o.text("label")?,
        hint: o.opt_text("hint")?,
        pattern: o.opt_text("pattern")?,
        required: o.flag("required")?,
    })
}

fn browser_tokens<V: JsonValue>(o: &Obj<'_, V>) -> Read<BrowserTokens> {
    Ok(BrowserTokens {
        order_access_token: o.opt_text("orderAccessToken")?,
        customer_access_token: o.opt_text("customerAccessToken")?,
        public_key: o.opt_text("publicKey")?,
    })
}

/// `POST /start`'s answer in ioka's guide shape (only the tokens).
///
/// # Errors
/// The first value that does not fit, with its path.
pub fn ioka_tokens_response<V: JsonValue>(value: &V) -> Result<IokaTokensResponse, ReadError> {
    top(value, |o| {
        Ok(IokaTokensResponse {
            order_access_token: o.text("order_access_token")?,
            customer_access_token: o.opt_text("customer_access_token")?,
        })
    })
}

/// `POST /pay`'s answer.
///
/// # Errors
/// The first value that does not fit, with its path.
pub fn pay_response<V: JsonValue>(value: &V) -> Result<PayResponse, ReadError> {
    top(value, |o| {
        Ok(PayResponse {
            redirect: o.opt_nested("redirect", redirect_target)?,
            placed: o.flag("placed")?,
            charged: o.flag("charged")?,
        })
    })
}

fn redirect_target<V: JsonValue>(o: &Obj<'_, V>) -> Read<RedirectTarget> {
    let fields = match o.value.member("fields") {
        None => Vec::new(),
        Some(v) => {
            let base = o.path_of("fields");
            let Some(pairs) = v.elements() else { return o.fail("fields", "must be an array of [name, value]") };
            let mut fields = Vec::with_capacity(pairs.len());
            for (i, pair) in pairs.iter().enumerate() {
                let texts = pair.elements().unwrap_or_default();
                match texts.as_slice() {
                    [name, value] => match (name.text(), value.text()) {
                        (Some(name), Some(value)) => fields.push((name, value)),
                        _ => return Err(ReadError { path: format!("{base}[{i}]"), problem: "must be two strings" }),
                    },
                    _ => return Err(ReadError { path: format!("{base}[{i}]"), problem: "must be [name, value]" }),
                }
            }
            fields
        }
    };
    Ok(RedirectTarget {
        url: o.text("url")?,
        method: match o.value.member("method") {
            None => crate::http::Method::Get,
            Some(_) => o.name("method", crate::http::Method::from_wire)?,
        },
        fields,
    })
}

/// `GET /status`'s answer.
///
/// # Errors
/// The first value that does not fit, with its path.
pub fn status_response<V: JsonValue>(value: &V) -> Result<StatusResponse, ReadError> {
    top(value, |o| {
        Ok(StatusResponse {
            attempt_id: o.text("attemptId")?,
            order: order_summary(o)?,
            status: o.name("status", PaymentStatus::from_wire)?,
            is_final: o.boolean("final")?,
            // For the merchant's eyes; the widget shows the status, which stays pending.
            attention: None,
        })
    })
}

/// ioka's `OrderOut` (`GET /v2/orders/{id}` with the order access token).
///
/// # Errors
/// The first value that does not fit, with its path.
pub fn ioka_order<V: JsonValue>(value: &V) -> Result<IokaOrder, ReadError> {
    top(value, |o| {
        Ok(IokaOrder {
            id: o.text("id")?,
            shop_id: o.opt_text("shop_id")?,
            status: o.name("status", |s| Some(ioka_order_status(s)))?,
            created_at: o.opt_text("created_at")?,
            amount: o.integer("amount")?,
            currency: o.text("currency")?,
            capture_method: o.opt_name("capture_method", ioka_capture_method)?,
            external_id: o.opt_text("external_id")?,
            description: o.opt_text("description")?,
            customer_id: o.opt_text("customer_id")?,
            checkout_url: o.opt_text("checkout_url")?,
            access_token: o.opt_text("access_token")?,
        })
    })
}

fn ioka_order_status(s: &str) -> IokaOrderStatus {
    match s {
        "UNPAID" => IokaOrderStatus::Unpaid,
        "ON_HOLD" => IokaOrderStatus::OnHold,
        "PAID" => IokaOrderStatus::Paid,
        "EXPIRED" => IokaOrderStatus::Expired,
        _ => IokaOrderStatus::Unknown,
    }
}

fn ioka_capture_method(s: &str) -> Option<IokaCaptureMethod> {
    match s {
        "AUTO" => Some(IokaCaptureMethod::Auto),
        "MANUAL" => Some(IokaCaptureMethod::Manual),
        _ => None,
    }
}

/// ioka's saved cards (`GET /v2/customers/{id}/cards` with the customer access token).
///
/// # Errors
/// The first value that does not fit, with its path.
pub fn ioka_cards<V: JsonValue>(value: &V) -> Result<Vec<IokaCard>, ReadError> {
    let Some(elements) = value.elements() else {
        return Err(ReadError { path: String::new(), problem: "must be an array" });
    };
    elements
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let o = Obj::new(e, format!("[{i}]"))?;
            Ok(IokaCard {
                id: o.text("id")?,
                customer_id: o.opt_text("customer_id")?,
                pan_masked: o.opt_text("pan_masked")?,
                expiry_date: o.opt_text("expiry_date")?,
                payment_system: o.opt_text("payment_system")?,
                status: o.opt_text("status")?,
                // The widget never charges a card itself: whether it needs a CVC is the
                // backend's question.
                cvc_required: true,
            })
        })
        .collect()
}

/// The journal record as the widget wrote it.
///
/// # Errors
/// The first value that does not fit, with its path.
pub fn journal_record<V: JsonValue>(value: &V) -> Result<JournalRecord, ReadError> {
    top(value, |o| {
        let v = o.unsigned("v")?;
        Ok(JournalRecord {
            v: u32::try_from(v).map_or_else(|_| o.fail("v", "is too large"), Ok)?,
            provider: o.name("provider", Provider::from_wire)?,
            attempt_id: o.text("attemptId")?,
            order_id: o.text("orderId")?,
            idempotency_key: o.text("idempotencyKey")?,
            created_ms: o.unsigned("createdMs")?,
            expires_ms: o.unsigned("expiresMs")?,
            order_access_token: o.opt_text("orderAccessToken")?,
        })
    })
}

/// The options `mount` was given (before [`MountOptions::check`]).
///
/// # Errors
/// The first value that does not fit, with its path.
pub fn mount_options<V: JsonValue>(value: &V) -> Result<MountOptions, ReadError> {
    top(value, |o| {
        let mut options = MountOptions {
            redirect_hosts: Vec::new(),
            provider: o.text("provider")?,
            backend_url: o.defaulted_text("backendUrl")?.unwrap_or_default(),
            client_secret: o.opt_text("clientSecret")?,
            order: o.opt_nested("order", order_info)?,
            customer: o.defaulted_nested("customer", customer_info)?.unwrap_or_default(),
            locale: o.opt_text("locale")?,
            return_url: o.opt_text("returnUrl")?,
            public_key: o.opt_text("publicKey")?,
            presentation: o.opt_text("presentation")?,
            sandbox_url: o.opt_text("sandboxUrl")?,
            ioka_api_url: o.opt_text("iokaApiUrl")?,
            ioka_tokens_url: o.opt_text("iokaTokensUrl")?,
            user_token: o.opt_nested("userToken", user_token)?,
            oneentry: o.opt_nested("oneentry", oneentry_project)?,
            theme: o.opt_text("theme")?,
        };
        options.redirect_hosts = o.text_list("redirectHosts")?;
        Ok(options)
    })
}

fn order_info<V: JsonValue>(o: &Obj<'_, V>) -> Read<OrderInfo> {
    Ok(OrderInfo {
        id: o.text("id")?,
        amount: MinorUnits(o.integer("amount")?),
        currency: currency(o)?,
        description: o.opt_text("description")?,
        items: o.list("items", false, |i| {
            Ok(OrderItem { product_id: i.integer("productId")?, quantity: i.integer("quantity")? })
        })?,
    })
}

fn customer_info<V: JsonValue>(o: &Obj<'_, V>) -> Read<CustomerInfo> {
    Ok(CustomerInfo { id: o.opt_text("id")?, email: o.opt_text("email")?, phone: o.opt_text("phone")? })
}

fn user_token<V: JsonValue>(o: &Obj<'_, V>) -> Read<UserToken> {
    Ok(UserToken { access_token: o.text("accessToken")?, refresh_token: o.opt_text("refreshToken")? })
}

fn oneentry_project<V: JsonValue>(o: &Obj<'_, V>) -> Read<OneEntryProject> {
    Ok(OneEntryProject {
        project_url: o.text("projectUrl")?,
        app_token: o.text("appToken")?,
        direct: o.flag("direct")?,
        orders_storage: o.defaulted_text("ordersStorage")?.unwrap_or_else(|| "orders".to_owned()),
        order_form: o.defaulted_text("orderForm")?.unwrap_or_else(|| "orderForm".to_owned()),
    })
}

impl JsonValue for serde_json::Value {
    fn member(&self, key: &str) -> Option<Self> {
        self.as_object()?.get(key).cloned()
    }
    fn is_null(&self) -> bool {
        self.is_null()
    }
    fn is_object(&self) -> bool {
        self.is_object()
    }
    fn text(&self) -> Option<String> {
        self.as_str().map(str::to_owned)
    }
    fn number(&self) -> Option<f64> {
        self.as_f64()
    }
    fn boolean(&self) -> Option<bool> {
        self.as_bool()
    }
    fn elements(&self) -> Option<Vec<Self>> {
        self.as_array().cloned()
    }
}

#[cfg(test)]
mod tests;
