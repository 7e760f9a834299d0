//! ECommPay: the signed Payment Page URL, callback verification, the Gate status request,
//! and the payment status table (docs/providers.md).
//!
//! One signing rule covers all four (docs/providers.md): flatten the parameters to `path:value` strings
//! (`:` joins levels, a `:` inside a key is doubled, arrays count as objects with index keys,
//! empty containers vanish, `true`/`false`/`null` become `1`/`0`/empty, `frame_mode` is
//! skipped, `signature` is removed), sort by path, join with `;`, HMAC-SHA512 with the project
//! secret, Base64.

use std::cmp::Ordering;

use serde_json::{Map, Value};

use crate::http::{encode_component, HttpRequest, Method};
use crate::signature::{base64_decode, base64_encode, hmac_sha512, verify_hmac_sha512};
use crate::status::PaymentStatus;

#[path = "ecommpay/transformers.rs"]
pub mod transformers;
pub use transformers::*;

/// The live Payment Page.
pub const PAYMENT_PAGE_URL: &str = "https://paymentpage.ecommpay.com/payment";
/// The live Gate API base.
pub const GATE_API: &str = "https://api.ecommpay.com";
/// The one method Tolem offers for ECommPay: the Payment Page shows the project's methods.
pub const PAYMENT_PAGE_METHOD: &str = "payment_page";
/// The key no SDK signs.
const IGNORED_KEY: &str = "frame_mode";

/// How flattened paths are ordered before joining. The SDKs disagree only for arrays of ten
/// or more items and for sibling keys that extend each other with a character below `:`
/// (docs/providers.md); Tolem never produces such payloads, and verification accepts either order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortOrder {
    /// Code-point order of the paths (Python SDK).
    Plain,
    /// PHP's `SORT_NATURAL`: digit runs compare by value (`x:2` < `x:10`).
    Natural,
}

/// The string ECommPay signs for `params` (already without `signature`).
pub fn signing_string(params: &Value, order: SortOrder) -> String {
    let mut entries: Vec<(String, String)> = Vec::new();
    flatten(params, "", &mut entries);
    match order {
        SortOrder::Plain => entries.sort_by(|a, b| a.0.cmp(&b.0)),
        SortOrder::Natural => entries.sort_by(|a, b| natural_cmp(&a.0, &b.0)),
    }
    entries.iter().map(|(_, entry)| entry.as_str()).collect::<Vec<_>>().join(";")
}

fn flatten(value: &Value, prefix: &str, out: &mut Vec<(String, String)>) {
    let children: Vec<(String, &Value)> = match value {
        Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), v)).collect(),
        Value::Array(items) => items.iter().enumerate().map(|(i, v)| (i.to_string(), v)).collect(),
        _ => return,
    };
    for (key, child) in children {
        if key == IGNORED_KEY {
            continue;
        }
        let escaped = key.replace(':', "::");
        let path = if prefix.is_empty() { escaped } else { format!("{prefix}:{escaped}") };
        match child {
            Value::Object(_) | Value::Array(_) => flatten(child, &path, out),
            scalar => {
                let text = match scalar {
                    Value::Bool(true) => "1".to_owned(),
                    Value::Bool(false) => "0".to_owned(),
                    Value::Null => String::new(),
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                let entry = format!("{path}:{text}");
                out.push((path, entry));
            }
        }
    }
}

/// PHP `strnatcmp`-like order: runs of digits compare as numbers, the rest byte by byte.
fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    loop {
        match (a.first(), b.first()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let da = a.iter().take_while(|c| c.is_ascii_digit()).count();
                let db = b.iter().take_while(|c| c.is_ascii_digit()).count();
                let (na, nb) = (trim_zeros(&a[..da]), trim_zeros(&b[..db]));
                let by_value = na.len().cmp(&nb.len()).then_with(|| na.cmp(nb));
                if by_value != Ordering::Equal {
                    return by_value;
                }
                a = &a[da..];
                b = &b[db..];
            }
            (Some(x), Some(y)) => {
                if x != y {
                    return x.cmp(y);
                }
                a = &a[1..];
                b = &b[1..];
            }
        }
    }
}

fn trim_zeros(digits: &[u8]) -> &[u8] {
    let zeros = digits.iter().take_while(|&&c| c == b'0').count();
    &digits[zeros..]
}

/// Removes every `signature` key, at any depth, through objects and arrays (as the JS and
/// PHP SDKs do). Returns the top-level or `general.signature` value, if there was one.
pub fn strip_signature(value: &mut Value) -> Option<String> {
    let found = match value {
        Value::Object(map) => {
            let top = map.get("signature").and_then(Value::as_str).map(str::to_owned);
            let general =
                map.get("general").and_then(|g| g.get("signature")).and_then(Value::as_str).map(str::to_owned);
            top.or(general)
        }
        _ => None,
    };
    remove_signatures(value);
    found
}

fn remove_signatures(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.remove("signature");
            map.values_mut().for_each(remove_signatures);
        }
        Value::Array(items) => items.iter_mut().for_each(remove_signatures),
        _ => {}
    }
}

/// The signature of `params` (with any `signature` keys stripped first), as every ECommPay
/// SDK computes it.
pub fn sign(params: &Value, secret: &[u8]) -> String {
    let mut params = params.clone();
    strip_signature(&mut params);
    base64_encode(&hmac_sha512(secret, signing_string(&params, SortOrder::Plain).as_bytes()))
}

/// True when `signature` signs `params` (which must already be stripped) under either sort
/// order; the comparison is constant-time.
pub fn signature_matches(params: &Value, secret: &[u8], signature: &str) -> bool {
    let Some(tag) = base64_decode(signature) else {
        return false;
    };
    [SortOrder::Plain, SortOrder::Natural]
        .iter()
        .any(|&order| verify_hmac_sha512(secret, signing_string(params, order).as_bytes(), &tag))
}

/// Why a callback (or signed Gate answer) was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CallbackError {
    /// Not a JSON object.
    #[error("the body is not a JSON object")]
    Malformed,
    /// No `signature` at the top level or in `general`.
    #[error("signature undefined")]
    MissingSignature,
    /// The signature does not match.
    #[error("signature is invalid")]
    BadSignature,
    /// A top-level key no ECommPay payment callback has.
    #[error("unknown top-level key {0:?}")]
    UnknownKey(String),
    /// `project_id` (top level or `general`) missing or not the configured project.
    #[error("project_id is not this project's")]
    WrongProject,
    /// No `payment` block with an `id`.
    #[error("no payment block")]
    NoPayment,
}

/// The top-level keys of ECommPay's payment callbacks: those of the documentation's callback
/// example and of the callback formats in ECommPay's PHP and JS SDK test fixtures (providers
/// docs/providers.md). A signed body with any other key is refused: an ECommPay signature made over
/// other data (a Payment Page URL's parameters) must not pass for a callback.
pub const CALLBACK_KEYS: [&str; 32] = [
    "account",
    "acs",
    "additional_terminal_data",
    "AuthCode",
    "avs_result",
    "card",
    "clarification_fields",
    "customer",
    "description",
    "display_data",
    "errors",
    "general",
    "interface_type",
    "operation",
    "payment",
    "project_id",
    "provider_extra_fields",
    "qr_code",
    "recurring",
    "redirectData",
    "request",
    "request_id",
    "return_url",
    "rrn",
    "sum_real",
    "sum_refund",
    "sum_request",
    "threeds2",
    "token",
    "token_created_at",
    "token_status",
    "transaction",
];

/// A payment callback, read strictly: signed with the project secret (checked first), only
/// [`CALLBACK_KEYS`] at the top level, `project_id` (top level or in `general`) equal to the
/// configured project, and a `payment` block with an id (token and recurring callbacks, which
/// have none, are [`CallbackError::NoPayment`]: nothing to apply).
///
/// # Errors
/// [`CallbackError`] naming the first thing that is wrong.
pub fn read_payment_callback(
    body: &[u8],
    secret: &[u8],
    project_id: i64,
) -> Result<(EcommpayCallback, EcommpayPayment), CallbackError> {
    // The signature first: anything not signed with our secret is a forgery, whatever its shape.
    let callback = verify_callback(body, secret)?;
    let value: Value = serde_json::from_slice(body).map_err(|_| CallbackError::Malformed)?;
    let map = value.as_object().ok_or(CallbackError::Malformed)?;
    if let Some(unknown) = map.keys().find(|k| *k != "signature" && !CALLBACK_KEYS.contains(&k.as_str())) {
        return Err(CallbackError::UnknownKey(unknown.chars().take(40).collect()));
    }
    let project = map.get("project_id").or_else(|| map.get("general").and_then(|g| g.get("project_id")));
    let ours = match project {
        Some(Value::Number(n)) => n.as_i64() == Some(project_id),
        Some(Value::String(s)) => s.parse::<i64>().ok() == Some(project_id),
        _ => false,
    };
    if !ours {
        return Err(CallbackError::WrongProject);
    }
    let payment = callback.payment.clone().filter(|p| !p.id.is_empty()).ok_or(CallbackError::NoPayment)?;
    Ok((callback, payment))
}

/// A callback's identity for replay detection: a digest of what its signature covers (the
/// flattened, sorted entries), so the same callback re-sent with other whitespace or key order
/// is recognised as the same one. `None` when the body is not a JSON object.
pub fn callback_receipt(body: &[u8]) -> Option<String> {
    let mut value: Value = serde_json::from_slice(body).ok()?;
    if !value.is_object() {
        return None;
    }
    strip_signature(&mut value);
    let signed = signing_string(&value, SortOrder::Plain);
    Some(crate::signature::hex_lower(&crate::signature::hmac_sha256(b"receipt", signed.as_bytes())))
}

/// Verifies a callback body (or a signed Gate answer) and reads it.
///
/// # Errors
/// [`CallbackError`] for unreadable bodies and missing or wrong signatures.
pub fn verify_callback(body: &[u8], secret: &[u8]) -> Result<EcommpayCallback, CallbackError> {
    let mut value: Value = serde_json::from_slice(body).map_err(|_| CallbackError::Malformed)?;
    if !value.is_object() {
        return Err(CallbackError::Malformed);
    }
    let signature = strip_signature(&mut value).ok_or(CallbackError::MissingSignature)?;
    if !signature_matches(&value, secret, &signature) {
        return Err(CallbackError::BadSignature);
    }
    serde_json::from_value(value).map_err(|_| CallbackError::Malformed)
}

/// The shopper-facing status a callback or Gate answer reports: the payment's status, or the
/// operation's when the payment block is missing.
pub fn callback_status(callback: &EcommpayCallback) -> PaymentStatus {
    match (&callback.payment, &callback.operation) {
        (Some(p), _) => p.status.into(),
        (None, Some(op)) => op.status.into(),
        (None, None) => PaymentStatus::Pending,
    }
}

impl From<EcommpayPaymentStatus> for PaymentStatus {
    fn from(s: EcommpayPaymentStatus) -> Self {
        use EcommpayPaymentStatus as E;
        match s {
            E::Success => PaymentStatus::Paid,
            E::AwaitingCapture => PaymentStatus::Authorized,
            E::Decline | E::Error | E::InternalError | E::ExternalError => PaymentStatus::Failed,
            E::Cancelled | E::Canceled | E::InvoiceCancelled => PaymentStatus::Cancelled,
            E::Refunded | E::Reversed => PaymentStatus::Refunded,
            // Paid, with part of it returned: for the shopper the order is paid.
            E::PartiallyRefunded | E::PartiallyReversed => PaymentStatus::Paid,
            E::Expired => PaymentStatus::Expired,
            E::Processing
            | E::Awaiting3dsResult
            | E::AwaitingRedirectResult
            | E::AwaitingCustomer
            | E::AwaitingCustomerAction
            | E::AwaitingClarification
            | E::AwaitingApproval
            | E::AwaitingClarifyData
            | E::AwaitingMerchantAuth
            | E::AwaitingPayment
            | E::AwaitingRetry
            | E::AwaitingClearing
            | E::AwaitingPartiallyClearing
            | E::AwaitingConfirmation
            | E::ExternalProcessing
            | E::ScheduledRecurringProcessing
            | E::ClearingProcessing
            | E::InvoiceSent
            | E::PartiallyPaid
            | E::PartiallyPaidOut
            | E::DeclineRenewal
            | E::Unknown => PaymentStatus::Pending,
        }
    }
}

/// The Payment Page parameters Tolem sends. Amounts are minor units, as ECommPay wants.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentPageRequest<'a> {
    /// The merchant's unique payment id (one per try).
    pub payment_id: &'a str,
    /// Minor units.
    pub amount: i64,
    /// ISO 4217 alpha-3.
    pub currency: &'a str,
    /// Shown on the page.
    pub description: Option<&'a str>,
    /// The merchant's customer id (required by ECommPay for some methods).
    pub customer_id: Option<&'a str>,
    /// `customer_email`.
    pub customer_email: Option<&'a str>,
    /// `customer_phone`.
    pub customer_phone: Option<&'a str>,
    /// `language_code` (`kk`, `ru`, `en`).
    pub language: Option<&'a str>,
    /// `merchant_success_url`.
    pub success_url: &'a str,
    /// `merchant_fail_url`.
    pub fail_url: &'a str,
    /// `merchant_return_url`: where "back to the shop" leads.
    pub return_url: &'a str,
    /// `merchant_callback_url`, when not set in the project.
    pub callback_url: Option<&'a str>,
    /// `operation_type=auth` for a hold (two-stage); `sale` otherwise.
    pub hold: bool,
    /// `best_before` (`2026-12-03T12:00:00+00:00`, see [`crate::time::iso_utc`]): after it the
    /// page can no longer be paid.
    pub best_before: Option<&'a str>,
}

/// Builds signed Payment Page URLs for one project.
pub struct PaymentPage<'a> {
    /// `https://paymentpage.ecommpay.com/payment` or the sandbox's.
    pub url: &'a str,
    /// `project_id`.
    pub project_id: i64,
    /// The project's secret key.
    pub secret: &'a [u8],
}

/// A value made safe to sign. The signed string joins `path:value` entries with `;`, so a `;`
/// inside a value would add entries of its choosing (an email
/// `a@b;payment:id:A-1;payment:status:success` would make the page's signature also sign a
/// forged "paid" callback). In URLs it is percent-encoded (`%3B`); in text it becomes `,`.
pub fn signable(value: &str, is_url: bool) -> String {
    match is_url {
        true => value.replace(';', "%3B"),
        false => value.replace(';', ","),
    }
}

/// `merchant_*_enabled`: `0` no way back, `1` only when the page is in a tab of its own, `2`
/// however the page is opened.
pub const REDIRECT_ALWAYS: &str = "2";
/// `merchant_*_redirect_mode`: open the merchant's page in the tab the Payment Page is in
/// (`iframe` and `blank_page` are the others).
pub const REDIRECT_IN_SAME_TAB: &str = "parent_page";

impl PaymentPage<'_> {
    /// The parameters in the order they go into the URL (`signature` not included), each
    /// value [`signable`].
    pub fn params(&self, r: &PaymentPageRequest<'_>) -> Vec<(&'static str, String)> {
        let mut p = vec![
            ("project_id", self.project_id.to_string()),
            ("payment_id", signable(r.payment_id, false)),
            ("payment_amount", r.amount.to_string()),
            ("payment_currency", signable(r.currency, false)),
        ];
        let optional = [
            ("payment_description", r.description, false),
            ("customer_id", r.customer_id, false),
            ("customer_email", r.customer_email, false),
            ("customer_phone", r.customer_phone, false),
            ("language_code", r.language, false),
            ("merchant_callback_url", r.callback_url, true),
            ("best_before", r.best_before, false),
        ];
        p.extend(optional.into_iter().filter_map(|(k, v, url)| v.map(|v| (k, signable(v, url)))));
        // Each way back is switched on (`2`: available however the page is opened) and opens
        // in the tab the page is in, as ECommPay's own shop plugins send them; without
        // `*_enabled` the page need not offer the way back at all.
        let ways_back = [
            (["merchant_success_url", "merchant_success_enabled", "merchant_success_redirect_mode"], r.success_url),
            (["merchant_fail_url", "merchant_fail_enabled", "merchant_fail_redirect_mode"], r.fail_url),
            (["merchant_return_url", "merchant_return_enabled", "merchant_return_redirect_mode"], r.return_url),
        ];
        for ([url_key, enabled_key, mode_key], url) in ways_back {
            p.push((url_key, signable(url, true)));
            p.push((enabled_key, REDIRECT_ALWAYS.to_owned()));
            p.push((mode_key, REDIRECT_IN_SAME_TAB.to_owned()));
        }
        p.push(("operation_type", if r.hold { "auth" } else { "sale" }.to_owned()));
        p
    }

    /// The signed URL: parameters percent-encoded, `signature` last.
    pub fn url(&self, r: &PaymentPageRequest<'_>) -> String {
        let params = self.params(r);
        let object: Map<String, Value> =
            params.iter().map(|(k, v)| ((*k).to_owned(), Value::String(v.clone()))).collect();
        let signature = sign(&Value::Object(object), self.secret);
        let mut query: Vec<String> = params.iter().map(|(k, v)| format!("{k}={}", encode_component(v))).collect();
        query.push(format!("signature={}", encode_component(&signature)));
        format!("{}?{}", self.url, query.join("&"))
    }
}

/// Gate API requests, signed with the project secret.
pub struct Gate<'a> {
    /// `https://api.ecommpay.com` or the sandbox's.
    pub base_url: &'a str,
    /// `project_id`.
    pub project_id: i64,
    /// The project's secret key.
    pub secret: &'a [u8],
}

impl Gate<'_> {
    fn signed(&self, path: &str, mut body: Value) -> HttpRequest {
        let signature = sign(&body, self.secret);
        if let Some(general) = body.get_mut("general").and_then(Value::as_object_mut) {
            general.insert("signature".into(), Value::String(signature));
        }
        HttpRequest {
            method: Method::Post,
            url: format!("{}{path}", self.base_url.trim_end_matches('/')),
            headers: vec![
                ("Accept".to_owned(), "application/json".to_owned()),
                ("Content-Type".to_owned(), "application/json".to_owned()),
            ],
            body: Some(body.to_string()),
        }
    }

    /// `POST /v2/payment/status` for one payment id.
    pub fn payment_status(&self, payment_id: &str) -> HttpRequest {
        let body = serde_json::json!({"general": {"project_id": self.project_id, "payment_id": payment_id}});
        self.signed("/v2/payment/status", body)
    }

    /// `POST /v2/payment/{method}/capture` (whole amount) or `…/{method}/cancel` for a hold.
    /// The path names the payment's method ([`gate_method`]): ECommPay's plugins capture a
    /// card at `card/…`, Apple Pay at `applepay/…`, Google Pay at `googlepay/…`.
    pub fn settle_hold(
        &self,
        payment_id: &str,
        method: &str,
        capture: bool,
        amount: i64,
        currency: &str,
    ) -> HttpRequest {
        let general = serde_json::json!({"project_id": self.project_id, "payment_id": payment_id});
        let (operation, body) = match capture {
            true => (
                "capture",
                serde_json::json!({"general": general, "payment": {"amount": amount, "currency": currency}}),
            ),
            false => ("cancel", serde_json::json!({"general": general})),
        };
        self.signed(&format!("/v2/payment/{method}/{operation}"), body)
    }
}

/// The Gate path segment for a payment's `payment.method` (`card`, `Apple Pay`, `google_pay`,
/// …): lower case without spaces, `-` or `_` (`applepay`, `googlepay`); `card` when the
/// payment names none.
pub fn gate_method(payment_method: Option<&str>) -> String {
    let method: String = payment_method
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if method.is_empty() {
        CARD_METHOD.to_owned()
    } else {
        method
    }
}

/// The Gate method of card payments.
pub const CARD_METHOD: &str = "card";

/// `customer_phone` as ECommPay takes it: the digits only, 4 to 24 of them (`+7 701 000-00-00`
/// → `77010000000`); `None` (the parameter left out) for anything that is not a phone number.
pub fn customer_phone(phone: &str) -> Option<String> {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    (4..=24).contains(&digits.len()).then_some(digits)
}

/// What a Gate answer said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GateAnswer {
    /// The payment as the Gate knows it.
    Payment(Box<EcommpayCallback>),
    /// The Gate refused the read and said nothing about the payment (for an id whose page was
    /// opened but never submitted, the Gate does not know it yet). `code` is the first error
    /// code, for the log.
    NotKnown {
        /// HTTP status.
        status: u16,
        /// First gate error code, if any.
        code: String,
    },
    /// An answer for a settle request was accepted (`status: success`).
    Accepted,
}

/// Why a Gate answer is not usable.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GateError {
    /// The Gate failed (5xx) or answered something that is not its JSON.
    #[error("ECommPay Gate answered {status}: {code}")]
    Status {
        /// HTTP status.
        status: u16,
        /// First gate error code, if any.
        code: String,
    },
}

/// Reads a `/v2/payment/status` answer the way ECommPay's own plugins read it: a 200 answer
/// is the payment's data (its shape is a callback's; no signature is required of it, the
/// request went over TLS to the configured Gate); an error answer that still carries a
/// `payment` block reports that payment; any other 4xx says nothing about the payment
/// ([`GateAnswer::NotKnown`]). No error code is relied on.
///
/// # Errors
/// [`GateError::Status`] for a 5xx or a body that is not JSON.
pub fn parse_status_answer(status: u16, body: &str) -> Result<GateAnswer, GateError> {
    let code = first_error_code(body);
    let parsed = serde_json::from_str::<EcommpayCallback>(body);
    match parsed {
        Ok(answer) if (200..300).contains(&status) || answer.payment.is_some() => {
            // `signature` may or may not be present; it plays no part in the reading.
            if answer.payment.is_none() && answer.operation.is_none() {
                return Ok(GateAnswer::NotKnown { status, code });
            }
            Ok(GateAnswer::Payment(Box::new(answer)))
        }
        Ok(_) if (400..500).contains(&status) => Ok(GateAnswer::NotKnown { status, code }),
        _ => Err(GateError::Status { status, code }),
    }
}

/// Reads a capture/cancel answer.
///
/// # Errors
/// [`GateError::Status`] when the gate refused the request.
pub fn parse_settle_answer(status: u16, body: &str) -> Result<GateAnswer, GateError> {
    if status == 200 {
        return Ok(GateAnswer::Accepted);
    }
    Err(GateError::Status { status, code: first_error_code(body) })
}

fn first_error_code(body: &str) -> String {
    serde_json::from_str::<GateErrorBody>(body)
        .ok()
        .and_then(|b| b.errors.into_iter().next())
        .map(|e| match e.code {
            Value::String(s) => s,
            other => other.to_string(),
        })
        .unwrap_or_default()
}

#[cfg(test)]
#[path = "ecommpay/tests.rs"]
mod tests;
