//! OneEntry wire types (docs/providers.md): camelCase JSON of the `oneentry`
//! SDK's content API.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `POST …/users/auth` and `…/users/refresh` answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthTokens {
    /// OneEntry's id of the signed-in user.
    #[serde(default)]
    pub user_identifier: Option<String>,
    /// `email`, …
    #[serde(default)]
    pub auth_provider_identifier: Option<String>,
    /// Bearer token for per-user calls.
    pub access_token: String,
    /// Trades for a new pair when the access token expires.
    pub refresh_token: String,
}

/// One `{marker, value, type}` entry of an order's `formData`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormEntry {
    /// The form field's marker.
    pub marker: String,
    /// Its value.
    pub value: String,
    /// `string`, …
    #[serde(rename = "type")]
    pub kind: String,
}

/// A product line of a new order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductLine {
    /// OneEntry product id.
    pub product_id: i64,
    /// How many.
    pub quantity: i64,
}

/// The `createOrder` answer (only what Tolem reads).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedOrder {
    /// The order id (a number).
    pub id: i64,
    /// The payment account chosen.
    #[serde(default)]
    pub payment_account_identifier: Option<String>,
    /// Often empty.
    #[serde(default)]
    pub currency: Option<String>,
    /// Computed by OneEntry from the products: a number here, a string (`"300.00"`) when
    /// the order is read back.
    #[serde(default)]
    pub total_sum: Option<Value>,
    /// Per-project status marker.
    #[serde(default)]
    pub status_identifier: Option<String>,
}

/// A payment session (`createSession`, `getSessionByOrderId`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    /// Session id.
    pub id: i64,
    /// `session` or `intent`.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// A free string: `waiting`, `paid`, `completed`, … (see [`super::SessionStatusTable`]).
    pub status: String,
    /// The payment account.
    #[serde(default)]
    pub payment_account_id: Option<i64>,
    /// The order the session pays.
    #[serde(default)]
    pub order_id: Option<i64>,
    /// The hosted page: `null` for cash, and at first for some providers (it appears on a
    /// later read).
    #[serde(default)]
    pub payment_url: Option<String>,
    /// ISO time of the last change.
    #[serde(default)]
    pub updated_date: Option<String>,
}

/// `getSessionByOrderId` answers an array on real instances and an object in the SDK's
/// types: both are read.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum SessionsByOrder {
    /// An array of sessions (oldest first).
    Many(Vec<Session>),
    /// One session.
    One(Session),
}

impl SessionsByOrder {
    /// The newest session (highest id), if any.
    pub fn latest(self) -> Option<Session> {
        match self {
            SessionsByOrder::One(s) => Some(s),
            SessionsByOrder::Many(sessions) => sessions.into_iter().max_by_key(|s| s.id),
        }
    }
}

/// A payment account (`getAccounts`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentAccount {
    /// Numeric id.
    pub id: i64,
    /// Marker (`stripe`, `cash`), sent as the order's `paymentAccountIdentifier`.
    pub identifier: String,
    /// `stripe` or `custom`.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// Shown to shoppers.
    #[serde(default = "yes")]
    pub is_visible: bool,
    /// Test mode.
    #[serde(default)]
    pub test_mode: bool,
    /// `{ "en_US": { "title": "Cash" } }` or `{ "title": "Cash" }`.
    #[serde(default)]
    pub localize_infos: Value,
}

fn yes() -> bool {
    true
}

/// OneEntry's error body (`IError`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OneEntryErrorBody {
    /// HTTP status, repeated.
    pub status_code: u16,
    /// What went wrong.
    #[serde(default)]
    pub message: Value,
    /// Always present, usually null.
    #[serde(default)]
    pub page_data: Value,
    /// ISO time.
    #[serde(default)]
    pub timestamp: Option<String>,
}
