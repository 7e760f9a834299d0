//! Bereke (RBS gateway) wire types. Requests are form-encoded; answers are JSON with a
//! string `errorCode` and numeric `orderStatus` / `actionCode` (docs/providers.md).

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// `errorCode` arrives as a string (`"0"`), sometimes as a number, or not at all on
/// success: all read as a string, missing = `"0"`.
fn error_code<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => "0".to_owned(),
        Some(Value::String(s)) if s.is_empty() => "0".to_owned(),
        Some(Value::String(s)) => s,
        Some(other) => other.to_string(),
    })
}

/// A number that may arrive as a string.
fn loose_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    })
}

fn zero() -> String {
    "0".to_owned()
}

/// `register.do` / `registerPreAuth.do` parameters (besides the credentials).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RbsRegisterRequest<'a> {
    /// The merchant's order number, unique per merchant, at most 32 characters.
    pub order_number: &'a str,
    /// Minor units.
    pub amount: i64,
    /// ISO 4217 numeric (`398` = KZT).
    pub currency: u16,
    /// Where the shopper goes after paying.
    pub return_url: &'a str,
    /// Where the shopper goes after a decline or cancel.
    pub fail_url: &'a str,
    /// Shown on the page.
    pub description: Option<&'a str>,
    /// `ru`, `en` or `kk`.
    pub language: Option<&'a str>,
    /// The merchant's customer id (`clientId`).
    pub client_id: Option<&'a str>,
    /// `email`.
    pub email: Option<&'a str>,
    /// `phone`.
    pub phone: Option<&'a str>,
    /// `jsonParams` (a JSON object as a string; ends up in `merchantOrderParams`).
    pub json_params: Option<String>,
    /// `sessionTimeoutSecs`: how long the payment page can be paid (RBS's default is 1200).
    pub session_timeout_secs: Option<u32>,
}

/// The answer of `register.do` / `registerPreAuth.do`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RbsRegisterResponse {
    /// `"0"` on success.
    #[serde(default = "zero", deserialize_with = "error_code")]
    pub error_code: String,
    /// Text of the error.
    #[serde(default)]
    pub error_message: Option<String>,
    /// The gateway's order id (`mdOrder`, a UUID).
    #[serde(default)]
    pub order_id: Option<String>,
    /// The hosted payment page.
    #[serde(default)]
    pub form_url: Option<String>,
}

/// `{name, value}` pairs (`attributes`, `merchantOrderParams`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct RbsNameValue {
    /// The parameter's name.
    pub name: String,
    /// Its value.
    #[serde(default)]
    pub value: Value,
}

/// `paymentAmountInfo`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RbsPaymentAmountInfo {
    /// `CREATED`, `APPROVED`, `DEPOSITED`, `REVERSED`, `REFUNDED`, `DECLINED`, …
    #[serde(default)]
    pub payment_state: Option<String>,
    /// Minor units authorised.
    #[serde(default)]
    pub approved_amount: Option<i64>,
    /// Minor units deposited.
    #[serde(default)]
    pub deposited_amount: Option<i64>,
    /// Minor units refunded.
    #[serde(default)]
    pub refunded_amount: Option<i64>,
}

/// `cardAuthInfo` (what Tolem reads of it).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RbsCardAuthInfo {
    /// `411111**1111`.
    #[serde(default)]
    pub masked_pan: Option<String>,
    /// Masked PAN (older field).
    #[serde(default)]
    pub pan: Option<String>,
    /// `YYYYMM`.
    #[serde(default)]
    pub expiration: Option<String>,
}

/// The answer of `getOrderStatusExtended.do`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RbsOrderStatusExtended {
    /// `"0"` when the order was found.
    #[serde(default = "zero", deserialize_with = "error_code")]
    pub error_code: String,
    /// Text of the error.
    #[serde(default)]
    pub error_message: Option<String>,
    /// The merchant's order number.
    #[serde(default)]
    pub order_number: Option<String>,
    /// 0–6.
    #[serde(default, deserialize_with = "loose_i64")]
    pub order_status: Option<i64>,
    /// Processing result (`0` success, `-100` no attempt yet, …).
    #[serde(default, deserialize_with = "loose_i64")]
    pub action_code: Option<i64>,
    /// Text of the action code.
    #[serde(default)]
    pub action_code_description: Option<String>,
    /// Minor units.
    #[serde(default, deserialize_with = "loose_i64")]
    pub amount: Option<i64>,
    /// ISO 4217 numeric, as a string (`"398"`).
    #[serde(default)]
    pub currency: Option<String>,
    /// `[{name: "mdOrder", value}]`.
    #[serde(default)]
    pub attributes: Vec<RbsNameValue>,
    /// Amounts held, taken, returned.
    #[serde(default)]
    pub payment_amount_info: Option<RbsPaymentAmountInfo>,
    /// The card used, masked.
    #[serde(default)]
    pub card_auth_info: Option<RbsCardAuthInfo>,
}

impl RbsOrderStatusExtended {
    /// The gateway order id, from `attributes[name = mdOrder]`.
    pub fn md_order(&self) -> Option<&str> {
        self.attributes.iter().find(|a| a.name == "mdOrder").and_then(|a| a.value.as_str())
    }
}

/// The answer of `getOrderStatus.do` (the short form, with capitalised keys).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct RbsOrderStatusShort {
    /// 0–6.
    #[serde(rename = "OrderStatus", default, deserialize_with = "loose_i64")]
    pub order_status: Option<i64>,
    /// `"0"` when the order was found.
    #[serde(rename = "ErrorCode", default = "zero", deserialize_with = "error_code")]
    pub error_code: String,
    /// Text of the error.
    #[serde(rename = "ErrorMessage", default)]
    pub error_message: Option<String>,
    /// The merchant's order number.
    #[serde(rename = "OrderNumber", default)]
    pub order_number: Option<String>,
    /// Masked PAN.
    #[serde(rename = "Pan", default)]
    pub pan: Option<String>,
    /// Minor units.
    #[serde(rename = "Amount", default, deserialize_with = "loose_i64")]
    pub amount: Option<i64>,
}

/// The answer of `deposit.do`, `reverse.do`, `refund.do`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RbsSimpleResponse {
    /// `"0"` on success.
    #[serde(default = "zero", deserialize_with = "error_code")]
    pub error_code: String,
    /// The gateway's words.
    #[serde(default)]
    pub error_message: Option<String>,
}
