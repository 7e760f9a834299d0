//! OneEntry wire types (docs/providers.md): camelCase JSON of the `oneentry`
//! SDK's content API.

use std::fmt;

use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

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
    pub total_sum: Option<DecimalText>,
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
    pub localize_infos: LocalizedTitles,
}

/// A decimal amount as OneEntry wrote it, a JSON number (`300`, `15000.5`) or a string
/// (`"300.00"`), kept as its text for [`super::rules::check_price`], which reads it exactly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecimalText(pub String);

impl<'de> Deserialize<'de> for DecimalText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Decimal;
        impl Visitor<'_> for Decimal {
            type Value = DecimalText;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a decimal amount (a number or its text)")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<DecimalText, E> {
                Ok(DecimalText(text.to_owned()))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<DecimalText, E> {
                Ok(DecimalText(n.to_string()))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<DecimalText, E> {
                Ok(DecimalText(n.to_string()))
            }
            // Rust writes the shortest decimal that reads back as the same number, without
            // an exponent: what JSON's text of an amount was.
            fn visit_f64<E: de::Error>(self, n: f64) -> Result<DecimalText, E> {
                Ok(DecimalText(n.to_string()))
            }
        }
        deserializer.deserialize_any(Decimal)
    }
}

/// The titles of `localizeInfos`: a flat `{"title": "Cash"}`, or one entry per language
/// (`{"en_US": {"title": "Cash"}, "ru_RU": {"title": "Наличные"}}`). Whatever else OneEntry
/// puts there (other members, other kinds of value) is passed over.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LocalizedTitles {
    /// The flat title.
    pub title: Option<String>,
    /// `(language code, title)` in the order given.
    pub by_language: Vec<(String, String)>,
}

impl<'de> Deserialize<'de> for LocalizedTitles {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match Loose::deserialize(deserializer)? {
            Loose::Object(titles) => titles,
            Loose::Text(_) | Loose::Other => LocalizedTitles::default(),
        })
    }
}

/// A value of `localizeInfos` as far as titles go.
enum Loose {
    Text(String),
    Object(LocalizedTitles),
    Other,
}

impl<'de> Deserialize<'de> for Loose {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(LooseVisitor)
    }
}

struct LooseVisitor;

impl<'de> Visitor<'de> for LooseVisitor {
    type Value = Loose;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("localized texts")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Loose, E> {
        Ok(Loose::Text(text.to_owned()))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Loose, E> {
        Ok(Loose::Other)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Loose, E> {
        Ok(Loose::Other)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Loose, E> {
        Ok(Loose::Other)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Loose, E> {
        Ok(Loose::Other)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Loose, E> {
        Ok(Loose::Other)
    }

    fn visit_none<E: de::Error>(self) -> Result<Loose, E> {
        Ok(Loose::Other)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Loose, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Loose::Other)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Loose, A::Error> {
        let mut titles = LocalizedTitles::default();
        while let Some(key) = map.next_key::<String>()? {
            match (key.as_str(), map.next_value::<Loose>()?) {
                ("title", Loose::Text(title)) => titles.title = Some(title),
                (_, Loose::Object(LocalizedTitles { title: Some(title), .. })) => titles.by_language.push((key, title)),
                _ => {}
            }
        }
        Ok(Loose::Object(titles))
    }
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
    pub message: serde_json::Value,
    /// Always present, usually null.
    #[serde(default)]
    pub page_data: serde_json::Value,
    /// ISO time.
    #[serde(default)]
    pub timestamp: Option<String>,
}
