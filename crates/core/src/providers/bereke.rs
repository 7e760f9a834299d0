//! Bereke Bank (RBS gateway): `*.do` requests, order status mapping, the return URL, and
//! the callback checksum (docs/providers.md).

use serde::de::DeserializeOwned;

use crate::http::{decode_form, encode_form, HttpRequest, Method};
use crate::signature::{constant_time_eq, hex_lower, hmac_sha256};
use crate::status::PaymentStatus;

#[path = "bereke/transformers.rs"]
pub mod transformers;
pub use transformers::*;

/// Bereke's test gateway.
pub const TEST_API: &str = "https://3dsec.berekebank.kz/payment/rest";
/// The one method Tolem offers for Bereke: the bank's hosted card page.
pub const CARD_METHOD: &str = "card";
/// Longest `orderNumber` RBS accepts.
pub const MAX_ORDER_NUMBER_LEN: usize = 32;

/// The payment page languages sent as `language` by default. RBS documents `language` as an
/// ISO 639-1 code; Bereke's guide shows `en`, and no public source shows which others its page
/// has, so `kk` is tried and dropped when refused ([GUESS]; `TOLEM_BEREKE_LANGUAGES`).
pub const PAGE_LANGUAGES: [&str; 3] = ["kk", "ru", "en"];

/// The `language` to send for a shopper's `locale` (`kk`, `ru-RU`, …): its primary subtag when
/// the page has it, else `ru`, else none.
pub fn page_language<'a>(locale: Option<&str>, languages: &'a [String]) -> Option<&'a str> {
    let primary = locale?.split(['-', '_']).next()?.to_ascii_lowercase();
    let pick = |l: &str| languages.iter().find(|have| have.as_str() == l).map(String::as_str);
    pick(&primary).or_else(|| pick("ru"))
}

/// Builds the gateway's requests; every one carries the API user's credentials, so these
/// are server-side only.
pub struct RbsServer<'a> {
    /// `…/payment/rest` (no trailing slash needed).
    pub base_url: &'a str,
    /// `userName`.
    pub user_name: &'a str,
    /// `password`.
    pub password: &'a str,
}

/// How a request names an order: the gateway's id or the merchant's number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderRef<'a> {
    /// `orderId` (mdOrder UUID).
    OrderId(&'a str),
    /// `orderNumber`.
    OrderNumber(&'a str),
}

impl RbsServer<'_> {
    fn request(&self, method: &str, params: Vec<(&str, String)>) -> HttpRequest {
        let mut pairs: Vec<(&str, String)> =
            vec![("userName", self.user_name.to_owned()), ("password", self.password.to_owned())];
        pairs.extend(params);
        HttpRequest {
            method: Method::Post,
            url: format!("{}/{method}", self.base_url.trim_end_matches('/')),
            headers: vec![("Content-Type".to_owned(), "application/x-www-form-urlencoded".to_owned())],
            body: Some(encode_form(&pairs)),
        }
    }

    /// `register.do` (one stage) or `registerPreAuth.do` (hold first, `deposit.do` later).
    pub fn register(&self, r: &RbsRegisterRequest<'_>, pre_auth: bool) -> HttpRequest {
        let mut params = vec![
            ("orderNumber", r.order_number.to_owned()),
            ("amount", r.amount.to_string()),
            ("currency", r.currency.to_string()),
            ("returnUrl", r.return_url.to_owned()),
            ("failUrl", r.fail_url.to_owned()),
        ];
        let optional = [
            ("description", r.description.map(str::to_owned)),
            ("language", r.language.map(str::to_owned)),
            ("clientId", r.client_id.map(str::to_owned)),
            ("email", r.email.map(str::to_owned)),
            ("phone", r.phone.map(str::to_owned)),
            ("jsonParams", r.json_params.clone()),
            ("sessionTimeoutSecs", r.session_timeout_secs.map(|s| s.to_string())),
        ];
        params.extend(optional.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))));
        self.request(if pre_auth { "registerPreAuth.do" } else { "register.do" }, params)
    }

    fn order_params(order: OrderRef<'_>) -> Vec<(&'static str, String)> {
        match order {
            OrderRef::OrderId(id) => vec![("orderId", id.to_owned())],
            OrderRef::OrderNumber(n) => vec![("orderNumber", n.to_owned())],
        }
    }

    /// `getOrderStatusExtended.do`.
    pub fn order_status_extended(&self, order: OrderRef<'_>) -> HttpRequest {
        self.request("getOrderStatusExtended.do", Self::order_params(order))
    }

    /// `getOrderStatus.do` (short form).
    pub fn order_status(&self, order: OrderRef<'_>) -> HttpRequest {
        self.request("getOrderStatus.do", Self::order_params(order))
    }

    /// `deposit.do`: capture a hold; `amount` 0 = the whole held amount.
    pub fn deposit(&self, order_id: &str, amount: i64) -> HttpRequest {
        self.request("deposit.do", vec![("orderId", order_id.to_owned()), ("amount", amount.to_string())])
    }

    /// `reverse.do`: release a hold (or cancel a same-day payment).
    pub fn reverse(&self, order_id: &str) -> HttpRequest {
        self.request("reverse.do", vec![("orderId", order_id.to_owned())])
    }

    /// `decline.do`: closes an order nobody has paid, so its page can no longer be paid.
    pub fn decline(&self, order_id: &str) -> HttpRequest {
        self.request("decline.do", vec![("orderId", order_id.to_owned())])
    }

    /// `refund.do`.
    pub fn refund(&self, order_id: &str, amount: i64) -> HttpRequest {
        self.request("refund.do", vec![("orderId", order_id.to_owned()), ("amount", amount.to_string())])
    }
}

/// An RBS answer that is an error (`errorCode` other than `"0"`), or not an answer at all.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RbsError {
    /// `errorCode` ≠ `"0"`.
    #[error("Bereke answered errorCode {code}: {message}")]
    Code {
        /// `"1"` order number refused, `"5"` a wrong value or access denied, `"6"` unknown
        /// order, …
        code: String,
        /// `errorMessage`, in the request's language (for logs and errors, never for logic).
        message: String,
    },
    /// Non-2xx or unreadable body.
    #[error("Bereke answered {status} with a body we cannot read")]
    Malformed {
        /// HTTP status.
        status: u16,
    },
}

impl RbsError {
    /// `errorCode` 1 on register: the gateway refuses this order number. RBS answers it for
    /// three things ("already processed", "registered but not paid", "invalid order number"),
    /// told apart only by the message, which is in the request's language: a status read by
    /// the order number tells them apart instead.
    pub fn is_order_number_refused(&self) -> bool {
        matches!(self, RbsError::Code { code, .. } if code == "1")
    }
    /// `errorCode` 5: a wrong parameter value (an unknown `language`, say) or access denied.
    pub fn is_wrong_value(&self) -> bool {
        matches!(self, RbsError::Code { code, .. } if code == "5")
    }
    /// `errorCode` 6 on status: no such order.
    pub fn is_unknown_order(&self) -> bool {
        matches!(self, RbsError::Code { code, .. } if code == "6")
    }
}

/// Anything with an `errorCode`.
pub trait HasErrorCode {
    /// The code, `"0"` on success.
    fn error_code(&self) -> &str;
}

impl HasErrorCode for RbsRegisterResponse {
    fn error_code(&self) -> &str {
        &self.error_code
    }
}
impl HasErrorCode for RbsOrderStatusExtended {
    fn error_code(&self) -> &str {
        &self.error_code
    }
}
impl HasErrorCode for RbsOrderStatusShort {
    fn error_code(&self) -> &str {
        &self.error_code
    }
}
impl HasErrorCode for RbsSimpleResponse {
    fn error_code(&self) -> &str {
        &self.error_code
    }
}

/// Parses an RBS answer; `errorCode` ≠ `"0"` becomes [`RbsError::Code`].
///
/// # Errors
/// [`RbsError`].
pub fn parse<T: DeserializeOwned + HasErrorCode>(status: u16, body: &str) -> Result<T, RbsError> {
    if !(200..300).contains(&status) {
        return Err(RbsError::Malformed { status });
    }
    let parsed: T = serde_json::from_str(body).map_err(|_| RbsError::Malformed { status })?;
    match parsed.error_code() {
        "0" => Ok(parsed),
        code => {
            let whole: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
            let message = whole["errorMessage"].as_str().unwrap_or_default().to_owned();
            Err(RbsError::Code { code: code.to_owned(), message })
        }
    }
}

/// `orderStatus`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RbsOrderStatus {
    /// 0: registered, not paid.
    Registered,
    /// 1: amount held (two-stage).
    Approved,
    /// 2: paid.
    Deposited,
    /// 3: authorisation reversed.
    Reversed,
    /// 4: refunded.
    Refunded,
    /// 5: 3-D Secure in progress at the issuer.
    AcsAuthorization,
    /// 6: declined (or expired).
    Declined,
    /// Anything else.
    Unknown,
}

impl RbsOrderStatus {
    /// From the wire number.
    pub fn from_code(code: Option<i64>) -> RbsOrderStatus {
        match code {
            Some(0) => RbsOrderStatus::Registered,
            Some(1) => RbsOrderStatus::Approved,
            Some(2) => RbsOrderStatus::Deposited,
            Some(3) => RbsOrderStatus::Reversed,
            Some(4) => RbsOrderStatus::Refunded,
            Some(5) => RbsOrderStatus::AcsAuthorization,
            Some(6) => RbsOrderStatus::Declined,
            _ => RbsOrderStatus::Unknown,
        }
    }
}

/// What an `actionCode` says about the last try.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RbsAction {
    /// `0`: approved.
    Approved,
    /// `-100`: no payment attempt yet.
    NotAttempted,
    /// `-2007`: the payment session expired.
    SessionExpired,
    /// `-2005`, `-2006`, `-2011`…: 3-D Secure failed.
    ThreeDsFailed,
    /// Any other code: the issuer or the gateway declined.
    Declined,
    /// No code in the answer.
    Missing,
}

impl RbsAction {
    /// Classifies an `actionCode`.
    pub fn from_code(code: Option<i64>) -> RbsAction {
        match code {
            None => RbsAction::Missing,
            Some(0) => RbsAction::Approved,
            Some(-100) => RbsAction::NotAttempted,
            Some(-2007) => RbsAction::SessionExpired,
            Some(-2005 | -2006 | -2011 | -2002 | -2003) => RbsAction::ThreeDsFailed,
            Some(_) => RbsAction::Declined,
        }
    }
}

/// The status of an RBS order: `orderStatus` decides, `actionCode` tells an expired session
/// from a decline. No catch-all arm: an unknown `orderStatus` is pending, never success.
pub fn order_status(status: RbsOrderStatus, action: RbsAction) -> PaymentStatus {
    match (status, action) {
        (RbsOrderStatus::Deposited, _) => PaymentStatus::Paid,
        (RbsOrderStatus::Approved, _) => PaymentStatus::Authorized,
        (RbsOrderStatus::Reversed, _) => PaymentStatus::Cancelled,
        (RbsOrderStatus::Refunded, _) => PaymentStatus::Refunded,
        (RbsOrderStatus::Declined, RbsAction::SessionExpired) => PaymentStatus::Expired,
        (
            RbsOrderStatus::Declined,
            RbsAction::Approved
            | RbsAction::NotAttempted
            | RbsAction::ThreeDsFailed
            | RbsAction::Declined
            | RbsAction::Missing,
        ) => PaymentStatus::Failed,
        (RbsOrderStatus::Registered, RbsAction::SessionExpired) => PaymentStatus::Expired,
        (
            RbsOrderStatus::Registered,
            RbsAction::Approved
            | RbsAction::NotAttempted
            | RbsAction::ThreeDsFailed
            | RbsAction::Declined
            | RbsAction::Missing,
        ) => PaymentStatus::Pending,
        (RbsOrderStatus::AcsAuthorization | RbsOrderStatus::Unknown, _) => PaymentStatus::Pending,
    }
}

impl From<&RbsOrderStatusExtended> for PaymentStatus {
    fn from(s: &RbsOrderStatusExtended) -> Self {
        order_status(RbsOrderStatus::from_code(s.order_status), RbsAction::from_code(s.action_code))
    }
}

impl From<&RbsOrderStatusShort> for PaymentStatus {
    fn from(s: &RbsOrderStatusShort) -> Self {
        order_status(RbsOrderStatus::from_code(s.order_status), RbsAction::Missing)
    }
}

/// What RBS appends to `returnUrl` / `failUrl`: `?orderId=…&lang=…`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RbsReturn {
    /// The gateway order id (mdOrder).
    pub order_id: String,
    /// The page language, if given.
    pub lang: Option<String>,
}

/// Reads the RBS return parameters from a full URL or a query string (the merchant's return
/// URL may have had its own query; RBS then appends with `&`). `None` without `orderId`.
pub fn parse_return(url_or_query: &str) -> Option<RbsReturn> {
    let without_fragment = url_or_query.split('#').next().unwrap_or_default();
    let query = match without_fragment.split_once('?') {
        Some((_, q)) => q,
        None if crate::http::find_text(without_fragment, "://").is_some() => return None,
        None => without_fragment,
    };
    let pairs = decode_form(query);
    let order_id = pairs.iter().rev().find(|(k, _)| k == "orderId").map(|(_, v)| v.clone())?;
    if !looks_like_order_id(&order_id) {
        return None;
    }
    let lang = pairs.iter().rev().find(|(k, _)| k == "lang").map(|(_, v)| v.clone());
    Some(RbsReturn { order_id, lang })
}

/// The string the callback checksum signs: every parameter except `checksum` and
/// `sign_alias`, sorted by name, as `name;value;` pairs (with the trailing `;`).
pub fn checksum_string(params: &[(String, String)], case_insensitive: bool) -> String {
    let mut kept: Vec<&(String, String)> =
        params.iter().filter(|(k, _)| k != "checksum" && k != "sign_alias").collect();
    if case_insensitive {
        kept.sort_by(|a, b| a.0.to_ascii_lowercase().cmp(&b.0.to_ascii_lowercase()).then(a.0.cmp(&b.0)));
    } else {
        kept.sort_by(|a, b| a.0.cmp(&b.0));
    }
    kept.iter().map(|(k, v)| format!("{k};{v};")).collect()
}

/// The callback checksum: upper-case hex HMAC-SHA256 of [`checksum_string`] under the
/// callback token.
pub fn checksum(params: &[(String, String)], token: &[u8]) -> String {
    checksum_in_order(params, token, false)
}

fn checksum_in_order(params: &[(String, String)], token: &[u8], case_insensitive: bool) -> String {
    hex_lower(&hmac_sha256(token, checksum_string(params, case_insensitive).as_bytes())).to_ascii_uppercase()
}

/// `operation` of a callback.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RbsOperation {
    /// Hold placed (two-stage).
    Approved,
    /// Paid / hold captured.
    Deposited,
    /// Hold released.
    Reversed,
    /// Refunded.
    Refunded,
    /// The payment session ran out.
    DeclinedByTimeout,
    /// Declined.
    DeclinedCardpresent,
    /// A saved card was created.
    BindingCreated,
    /// A saved card was switched on or off.
    BindingActivityChanged,
    /// Anything else.
    Unknown,
}

impl RbsOperation {
    fn from_wire(s: &str) -> RbsOperation {
        match s {
            "approved" => RbsOperation::Approved,
            "deposited" => RbsOperation::Deposited,
            "reversed" => RbsOperation::Reversed,
            "refunded" => RbsOperation::Refunded,
            "declinedByTimeout" => RbsOperation::DeclinedByTimeout,
            "declinedCardpresent" => RbsOperation::DeclinedCardpresent,
            "bindingCreated" => RbsOperation::BindingCreated,
            "bindingActivityChanged" => RbsOperation::BindingActivityChanged,
            _ => RbsOperation::Unknown,
        }
    }
}

/// A verified callback.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RbsCallback {
    /// The gateway order id.
    pub md_order: String,
    /// The merchant's order number.
    pub order_number: String,
    /// What happened.
    pub operation: RbsOperation,
    /// `status=1` success, `0` failure.
    pub success: bool,
    /// The checksum (a natural receipt id for replay detection).
    pub checksum: String,
}

impl RbsCallback {
    /// What the callback says about the payment. Failed reversals and refunds, and card
    /// binding news, say nothing (pending never moves a status).
    pub fn status(&self) -> PaymentStatus {
        match (self.operation, self.success) {
            (RbsOperation::Deposited, true) => PaymentStatus::Paid,
            (RbsOperation::Approved, true) => PaymentStatus::Authorized,
            (RbsOperation::Reversed, true) => PaymentStatus::Cancelled,
            (RbsOperation::Refunded, true) => PaymentStatus::Refunded,
            (RbsOperation::DeclinedByTimeout, _) => PaymentStatus::Expired,
            (RbsOperation::DeclinedCardpresent, _) | (RbsOperation::Deposited | RbsOperation::Approved, false) => {
                PaymentStatus::Failed
            }
            (RbsOperation::Reversed | RbsOperation::Refunded, false)
            | (RbsOperation::BindingCreated | RbsOperation::BindingActivityChanged | RbsOperation::Unknown, _) => {
                PaymentStatus::Pending
            }
        }
    }
}

/// Why a callback was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RbsCallbackError {
    /// No `checksum` parameter (the merchant enabled checksums, so every callback has one).
    #[error("checksum missing")]
    MissingChecksum,
    /// The checksum does not match.
    #[error("checksum does not match")]
    BadChecksum,
    /// `mdOrder`, `orderNumber`, `operation` or `status` missing.
    #[error("required parameter missing: {0}")]
    Missing(&'static str),
}

/// Whether `id` has the shape of a gateway order id (`mdOrder`, a UUID): letters, digits and
/// `-`, at most 64.
pub fn looks_like_order_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Reads a callback that carries no checksum (a terminal whose callbacks are not signed): its
/// fields only, believed for nothing but which order to read (`receipt` is left empty).
///
/// # Errors
/// [`RbsCallbackError::Missing`].
pub fn read_unsigned_callback(query: &str) -> Result<RbsCallback, RbsCallbackError> {
    let params = decode_form(query);
    callback_fields(&params, String::new())
}

fn callback_fields(params: &[(String, String)], checksum: String) -> Result<RbsCallback, RbsCallbackError> {
    let get = |name: &'static str| {
        params.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).ok_or(RbsCallbackError::Missing(name))
    };
    Ok(RbsCallback {
        md_order: get("mdOrder")?,
        order_number: get("orderNumber")?,
        operation: RbsOperation::from_wire(&get("operation")?),
        success: get("status")? == "1",
        checksum,
    })
}

/// Verifies a callback's query string (GET) or form body (POST) with the callback token.
/// The parameter order is the documented byte order; a case-insensitive order, used by one
/// third-party gateway client, is also accepted.
///
/// # Errors
/// [`RbsCallbackError`].
pub fn verify_callback(query: &str, token: &[u8]) -> Result<RbsCallback, RbsCallbackError> {
    let params = decode_form(query);
    let given = params.iter().find(|(k, _)| k == "checksum").map(|(_, v)| v.trim().to_ascii_uppercase());
    let given = given.ok_or(RbsCallbackError::MissingChecksum)?;
    let matches = [false, true]
        .iter()
        .any(|&ci| constant_time_eq(checksum_in_order(&params, token, ci).as_bytes(), given.as_bytes()));
    if !matches {
        return Err(RbsCallbackError::BadChecksum);
    }
    callback_fields(&params, given)
}

#[cfg(test)]
#[path = "bereke/tests.rs"]
mod tests;
