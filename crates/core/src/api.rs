//! The merchant backend's HTTP contract (docs/architecture.md), shared by the widget and the
//! reference backend. Documented for other languages in `www/backend-api.md`.
//!
//! All amounts are integer minor units. Field names are camelCase on the wire.

use serde::{Deserialize, Serialize};

use crate::money::{Currency, MinorUnits};
use crate::providers::Provider;
use crate::status::PaymentStatus;

/// Longest id (order, customer, attempt, method, idempotency key) we accept.
pub const MAX_ID_LEN: usize = 64;
/// Longest free text (description) we accept.
pub const MAX_TEXT_LEN: usize = 255;
/// Longest email / phone we accept.
pub const MAX_CONTACT_LEN: usize = 128;
/// Longest URL we accept.
pub const MAX_URL_LEN: usize = 2048;

/// The query parameter the backend adds to each return URL it gives a provider, so the
/// widget knows which of the provider's URLs brought the shopper back.
pub const RETURN_PARAM: &str = "tolem_return";

/// How the shopper came back from the provider's page, when the return URL says so (the value
/// of [`RETURN_PARAM`]). A hint only: the status the backend answers decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReturnHint {
    /// The provider's success URL.
    Success,
    /// The provider's failure URL.
    Failure,
    /// The provider's back/cancel URL: the shopper left without paying.
    Back,
}

impl ReturnHint {
    /// Every hint, in the order providers name their URLs (success, failure, back).
    pub const ALL: [ReturnHint; 3] = [ReturnHint::Success, ReturnHint::Failure, ReturnHint::Back];

    /// The value of [`RETURN_PARAM`] that stands for this hint.
    pub fn as_query_value(self) -> &'static str {
        match self {
            ReturnHint::Success => "success",
            ReturnHint::Failure => "failure",
            ReturnHint::Back => "back",
        }
    }

    /// Parses a value of [`RETURN_PARAM`].
    pub fn from_query_value(v: &str) -> Option<ReturnHint> {
        ReturnHint::ALL.into_iter().find(|h| h.as_query_value() == v)
    }
}

/// The merchant's order, as the widget was mounted with it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderInfo {
    /// The merchant's order id (becomes the provider's `external_id` / `orderNumber`).
    pub id: String,
    /// Amount in minor units.
    pub amount: MinorUnits,
    /// ISO 4217; the amount is in its minor units.
    pub currency: Currency,
    /// Text shown to the shopper on the provider's page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The products, for providers that price the order themselves (OneEntry computes
    /// `totalSum` from its own product prices; the backend checks it equals `amount`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<OrderItem>,
}

/// One product line of an order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderItem {
    /// The provider's product id (OneEntry's numeric id).
    pub product_id: i64,
    /// How many (at least 1).
    pub quantity: i64,
}

/// The shopper's email and password, for providers where the shopper signs in (OneEntry).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInCredentials {
    /// The sign-in email.
    pub email: String,
    /// The password; never printed (`Debug` hides it) and never stored.
    pub password: String,
}

/// Never prints the password.
impl std::fmt::Debug for SignInCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInCredentials").field("email", &self.email).field("password", &"[redacted]").finish()
    }
}

/// A signed-in user's tokens handed over by the merchant's page (OneEntry).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserToken {
    /// Bearer access token.
    pub access_token: String,
    /// Refresh token, so the backend can renew an expired access token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

/// Never prints the tokens.
impl std::fmt::Debug for UserToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UserToken([redacted])")
    }
}

/// The shopper, as the merchant knows them. Every field is optional.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerInfo {
    /// The merchant's customer id (the provider's customer `external_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The shopper's email, passed to providers that take one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Phone, preferably E.164.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// `POST /sessions`: the shop's server says what this shopper is to pay (the merchant key
/// authenticates it). The browser gets only the answer's client secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionRequest {
    /// The order, priced by the shop.
    pub order: OrderInfo,
    /// The shopper, as the shop knows them.
    #[serde(default)]
    pub customer: CustomerInfo,
    /// The providers this shopper may pay with; empty: every provider the backend enables.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub providers: Vec<Provider>,
    /// Where the provider sends the shopper back (the checkout page).
    pub return_url: String,
    /// How long the client secret may start payments, in seconds (default
    /// [`SESSION_DEFAULT_SECONDS`], at most [`SESSION_MAX_SECONDS`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in_seconds: Option<u32>,
}

/// A session's lifetime when `expiresInSeconds` is not given: one hour.
pub const SESSION_DEFAULT_SECONDS: u32 = 3_600;
/// The shortest session lifetime accepted.
pub const SESSION_MIN_SECONDS: u32 = 60;
/// The longest session lifetime accepted: one day.
pub const SESSION_MAX_SECONDS: u32 = 86_400;

/// `POST /sessions` answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionResponse {
    /// `cs_…`: the session (the same for the same order, amount and currency).
    pub id: String,
    /// `cs_…_secret_…`: what the shop's page gives the widget (`clientSecret`). It lets a
    /// browser pay this session and nothing else.
    pub client_secret: String,
    /// Until when the client secret starts payments (Unix seconds).
    pub expires_at: i64,
}

/// The session id a client secret belongs to (`cs_X_secret_Y` → `cs_X`), if it has the shape.
pub fn session_id_of(client_secret: &str) -> Option<&str> {
    let (id, secret) = crate::http::split_once_text(client_secret, "_secret_")?;
    (id.starts_with("cs_") && check_id("clientSecret", id).is_ok() && !secret.is_empty()).then_some(id)
}

/// `POST /start`.
///
/// With `clientSecret` (Tolem's reference backend requires it) the order, its amount, the
/// shopper and the return URL come from the checkout session and the body carries none of
/// them. Without it, the widget sends the order it was mounted with: that is for merchant
/// backends of ioka's own guide (token mode), which decide the price themselves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartRequest {
    /// Which provider pays this order.
    pub provider: Provider,
    /// The checkout session's client secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    /// The order (only without a client secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<OrderInfo>,
    /// The shopper (only without a client secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<CustomerInfo>,
    /// Where the provider sends the shopper back (only without a client secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_url: Option<String>,
    /// A key the widget generated for this order; sent on to the provider where it has one.
    pub idempotency_key: String,
    /// The shopper's language (`kk`, `ru`, `en`), for providers whose hosted page can follow it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// The shopper's sign-in, when the backend asked for one (`SIGN_IN_REQUIRED`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_in: Option<SignInCredentials>,
    /// A user token the merchant's page already has (OneEntry), instead of a sign-in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_token: Option<UserToken>,
}

impl StartRequest {
    /// What the widget sends. With a client secret, the session says what is paid, by whom and
    /// where the shopper returns, so only the secret goes; without one (a backend of ioka's own
    /// guide) the order, the shopper and the return URL the widget was mounted with
    /// (`return_url` is asked only then).
    pub fn from_widget(mounted: MountedCheckout, return_url: impl FnOnce() -> String) -> StartRequest {
        let MountedCheckout { provider, client_secret, order, customer, idempotency_key, locale, sign_in, user_token } =
            mounted;
        let priced_by_session = client_secret.is_some();
        StartRequest {
            provider,
            client_secret,
            order: order.filter(|_| !priced_by_session),
            customer: Some(customer).filter(|_| !priced_by_session),
            return_url: (!priced_by_session).then(return_url),
            idempotency_key,
            locale,
            sign_in,
            user_token,
        }
    }
}

/// What the widget knows when it calls `start` ([`StartRequest::from_widget`]).
pub struct MountedCheckout {
    /// The provider it was mounted for.
    pub provider: Provider,
    /// The session's client secret, if the page gave one.
    pub client_secret: Option<String>,
    /// The order the page named, if it did.
    pub order: Option<OrderInfo>,
    /// The shopper the page named.
    pub customer: CustomerInfo,
    /// The key of this checkout's attempt.
    pub idempotency_key: String,
    /// The shopper's language.
    pub locale: Option<String>,
    /// The shopper's sign-in for the backend.
    pub sign_in: Option<SignInCredentials>,
    /// The user's token: from a sign-in at the provider, else the page's.
    pub user_token: Option<UserToken>,
}

/// What the widget tells the merchant's page: the `tolem:<name>` event on the host element
/// (bubbling and composed) and the matching callback in the mount options, with one `detail`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WidgetEvent {
    /// Methods are on screen (`detail.provider`).
    Ready,
    /// A method was chosen (`detail.methodId`).
    Method,
    /// The shopper is being sent to the provider (`detail.url`).
    Redirect,
    /// An order was placed with nothing to pay online (`detail.methodId`).
    Placed,
    /// The status is known (`detail.status`, `detail.final`).
    Status,
    /// An error is shown (`detail.code`, `detail.message`).
    Error,
}

impl WidgetEvent {
    /// Every event, in the order of their callbacks' slots.
    pub const ALL: [WidgetEvent; 6] = [
        WidgetEvent::Ready,
        WidgetEvent::Method,
        WidgetEvent::Redirect,
        WidgetEvent::Placed,
        WidgetEvent::Status,
        WidgetEvent::Error,
    ];

    /// The DOM event's type (`tolem:ready`).
    pub fn dom_type(self) -> &'static str {
        match self {
            WidgetEvent::Ready => "tolem:ready",
            WidgetEvent::Method => "tolem:method",
            WidgetEvent::Redirect => "tolem:redirect",
            WidgetEvent::Placed => "tolem:placed",
            WidgetEvent::Status => "tolem:status",
            WidgetEvent::Error => "tolem:error",
        }
    }

    /// The callback's name in the mount options (`onReady`).
    pub fn callback(self) -> &'static str {
        match self {
            WidgetEvent::Ready => "onReady",
            WidgetEvent::Method => "onMethod",
            WidgetEvent::Redirect => "onRedirect",
            WidgetEvent::Placed => "onPlaced",
            WidgetEvent::Status => "onStatus",
            WidgetEvent::Error => "onError",
        }
    }
}

/// The `detail` of a [`WidgetEvent`], as the merchant's page receives it (the DOM event's
/// `detail` and the callback's argument): a plain object with these members.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged, rename_all_fields = "camelCase")]
pub enum EventDetail<'a> {
    /// `tolem:ready`: `{provider}`.
    Ready {
        /// `ioka`, `bereke`, …
        provider: &'a str,
    },
    /// `tolem:method` and `tolem:placed`: `{methodId}`.
    Method {
        /// The chosen method's id.
        method_id: &'a str,
    },
    /// `tolem:redirect`: `{url}`.
    Redirect {
        /// The provider's page.
        url: &'a str,
    },
    /// `tolem:status`: `{status, final}`.
    Status {
        /// The wire name (`paid`).
        status: &'a str,
        /// Whether it will change no more for the shopper.
        #[serde(rename = "final")]
        is_final: bool,
    },
    /// `tolem:error`: `{code, message}`.
    Error {
        /// `NETWORK_ERROR`, `CONFIG_ERROR`, … (docs/embedding.md).
        code: &'a str,
        /// For people.
        message: &'a str,
    },
}

/// The header the widget sends its checkout session's client secret in, on `GET /status`
/// (a header, so it stays out of access logs that record URLs).
pub const CLIENT_SECRET_HEADER: &str = "x-tolem-client-secret";

/// Which order an answer is about: `start` and `status` answers carry it, so the widget can
/// refuse an answer for another order or amount than the one it is showing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderSummary {
    /// The merchant's order id.
    pub order_id: String,
    /// Minor units.
    pub amount: MinorUnits,
    /// ISO 4217; the amount is in its minor units.
    pub currency: Currency,
}

impl OrderSummary {
    /// The summary of a full order.
    pub fn of(order: &OrderInfo) -> OrderSummary {
        OrderSummary { order_id: order.id.clone(), amount: order.amount, currency: order.currency }
    }
}

/// One way to pay, as the widget lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentMethod {
    /// Opaque id, sent back in `POST /pay`.
    pub id: String,
    /// What kind of method it is.
    pub kind: MethodKind,
    /// The name as the provider spells it, or a masked card (`555555******5599`).
    pub label: String,
    /// Card brand / payment system, when known (`VISA`, `MASTERCARD`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brand: Option<String>,
    /// The provider's logo for the method (an `https:` image URL), when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo: Option<String>,
    /// What the shopper must fill in before paying with this method (Paytone: a phone
    /// number for a wallet). Sent back in `POST /pay` as `fields`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<MethodField>,
}

impl PaymentMethod {
    /// A method with only the essentials (no logo, nothing to fill in).
    pub fn plain(id: &str, kind: MethodKind, label: &str) -> Self {
        PaymentMethod { id: id.into(), kind, label: label.into(), brand: None, logo: None, fields: Vec::new() }
    }
}

/// One input a method needs (docs/providers.md, Paytone `services.*.fields`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MethodField {
    /// The provider's key (`phone`).
    pub key: String,
    /// The label as the provider words it (in the shopper's language where it has one).
    pub label: String,
    /// A hint shown under the input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// The provider's regular expression the value must match (JavaScript syntax).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// The method cannot be used without it.
    #[serde(default)]
    pub required: bool,
}

/// Kinds of payment method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MethodKind {
    /// A new card, entered on the provider's page.
    Card,
    /// A card the provider saved for this customer.
    SavedCard,
    /// A wallet (Apple Pay, Google Pay, Kaspi, …).
    Wallet,
    /// Cash or another way to pay on delivery: no hosted page; the order is placed.
    Cash,
}

impl<'de> Deserialize<'de> for MethodKind {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::wire::by_name(deserializer, MethodKind::from_wire, "method kind")
    }
}

impl MethodKind {
    /// Parses a wire name (`card`, `saved_card`, `wallet`, `cash`).
    pub fn from_wire(s: &str) -> Option<MethodKind> {
        Some(match s {
            "card" => MethodKind::Card,
            "saved_card" => MethodKind::SavedCard,
            "wallet" => MethodKind::Wallet,
            "cash" => MethodKind::Cash,
            _ => return None,
        })
    }
}

/// Tokens the browser may hold (never a secret).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BrowserTokens {
    /// ioka `order_access_token`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_access_token: Option<String>,
    /// ioka `customer_access_token`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_access_token: Option<String>,
    /// The provider's public (browser) key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<String>,
}

/// `POST /start` answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", from = "as_read::StartResponse")]
pub struct StartResponse {
    /// The attempt: one per (provider, merchant order).
    pub attempt_id: String,
    /// The order, as the session priced it (the widget shows this amount).
    #[serde(flatten)]
    pub order: OrderSummary,
    /// Where the attempt stands (a returning shopper may find it already paid).
    pub status: PaymentStatus,
    /// The methods to offer.
    pub methods: Vec<PaymentMethod>,
    /// Browser-safe tokens.
    #[serde(default)]
    pub tokens: BrowserTokens,
    /// Hosts the backend vouches for as this provider's pages besides the provider's known
    /// ones (the hosts of its configured provider URLs, `TOLEM_REDIRECT_HOSTS`); the widget
    /// adds them to its allow-list for this checkout.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redirect_hosts: Vec<String>,
}

/// The answer shape of ioka's own merchant-backend guide: only the two tokens. The widget
/// then reads methods and status from ioka's browser API.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IokaTokensResponse {
    /// `ord_…_secret_…`
    pub order_access_token: String,
    /// `cus_…_secret_…`
    #[serde(default)]
    pub customer_access_token: Option<String>,
}

/// The request of ioka's own merchant-backend guide (`POST /startPaymentWithSavedCard`), field
/// for field as the guide's endpoint reads it: what the widget sends to `iokaTokensUrl`. The
/// answer is [`IokaTokensResponse`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IokaGuideRequest {
    /// The merchant's customer id (the ioka customer's `external_id`).
    pub customer_external_id: Option<String>,
    /// The shopper's email.
    pub email: Option<String>,
    /// The shopper's phone.
    pub phone: Option<String>,
    /// The merchant's order id (the ioka order's `external_id`).
    pub order_external_id: String,
    /// Minor units (tiyn).
    pub amount: i64,
}

impl IokaGuideRequest {
    /// The guide's request for the order and shopper the widget was mounted with.
    pub fn of(order: &OrderInfo, customer: &CustomerInfo) -> IokaGuideRequest {
        IokaGuideRequest {
            customer_external_id: customer.id.clone(),
            email: customer.email.clone(),
            phone: customer.phone.clone(),
            order_external_id: order.id.clone(),
            amount: order.amount.0,
        }
    }
}

/// What `POST /start` may answer: Tolem's shape, or ioka's guide shape.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum StartAnswer {
    /// Tolem's full answer.
    Attempt(StartResponse),
    /// ioka token mode.
    IokaTokens(IokaTokensResponse),
}

/// `POST /pay`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PayRequest {
    /// From `start`.
    pub attempt_id: String,
    /// From `start`'s methods.
    pub method_id: String,
    /// Values for the method's `fields` (key → value), when it has any.
    #[serde(default, skip_serializing_if = "FieldValues::is_empty")]
    pub fields: FieldValues,
}

/// Field values by key, in the order given, on the wire as a JSON object. A list rather than a
/// map: a handful of entries, and no map code in the widget's bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldValues(pub Vec<(String, String)>);

impl FieldValues {
    /// No values.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The value for `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// Sets `key` (replacing an earlier value).
    pub fn set(&mut self, key: String, value: String) {
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = value,
            None => self.0.push((key, value)),
        }
    }

    /// The same keys and values, in any order.
    pub fn same_as(&self, other: &FieldValues) -> bool {
        self.0.len() == other.0.len() && self.0.iter().all(|(k, v)| other.get(k) == Some(v.as_str()))
    }
}

impl Serialize for FieldValues {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

impl<'de> Deserialize<'de> for FieldValues {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries;
        impl<'de> serde::de::Visitor<'de> for Entries {
            type Value = FieldValues;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of text values")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<FieldValues, A::Error> {
                let mut values = FieldValues::default();
                while let Some((k, v)) = map.next_entry::<String, String>()? {
                    values.set(k, v);
                }
                Ok(values)
            }
        }
        deserializer.deserialize_map(Entries)
    }
}

/// Most field values a `pay` request may carry.
pub const MAX_PAY_FIELDS: usize = 16;

/// Where to send the shopper.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RedirectTarget {
    /// The provider's hosted page.
    pub url: String,
    /// `GET` (navigate) or `POST` (submit a form with `fields`).
    #[serde(default)]
    pub method: crate::http::Method,
    /// Form fields for a `POST` redirect.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<(String, String)>,
}

/// `POST /pay` answer: a redirect; or (cash on delivery) an order placed with nothing to pay
/// online; or (a saved card that needs no CVC) a payment already made, whose status the
/// widget then follows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PayResponse {
    /// Where to go.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect: Option<RedirectTarget>,
    /// The order is placed and is paid on delivery; there is nowhere to go.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub placed: bool,
    /// The backend asked the provider to charge the chosen method and there is nothing for
    /// the shopper to open: follow `GET /status` until it is final.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub charged: bool,
}

/// `GET /status?attemptId=…` answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", from = "as_read::StatusResponse")]
pub struct StatusResponse {
    /// The attempt asked about (`att_…`).
    pub attempt_id: String,
    /// The order the attempt pays.
    #[serde(flatten)]
    pub order: OrderSummary,
    /// Its status.
    pub status: PaymentStatus,
    /// `status.is_final()`, for clients that do not want to know the table.
    #[serde(rename = "final")]
    pub is_final: bool,
    /// Why the merchant should look at this attempt (a provider reported money for another
    /// amount or currency, which was not believed); absent while nothing needs them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attention: Option<String>,
}

/// The answers that are read in another shape than they are written: the order's members
/// side by side with the rest, as they are on the wire. Serde reads a `flatten`ed member by
/// buffering the whole object into its generic `Content` tree first, code the widget would
/// carry for two answers; a plain struct reads each member straight into its field.
mod as_read {
    use super::{BrowserTokens, Currency, MinorUnits, PaymentMethod, PaymentStatus};
    use serde::Deserialize;

    /// [`super::StartResponse`] as it is read.
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub(super) struct StartResponse {
        attempt_id: String,
        order_id: String,
        amount: MinorUnits,
        currency: Currency,
        status: PaymentStatus,
        methods: Vec<PaymentMethod>,
        #[serde(default)]
        tokens: BrowserTokens,
        #[serde(default)]
        redirect_hosts: Vec<String>,
    }

    impl From<StartResponse> for super::StartResponse {
        fn from(f: StartResponse) -> super::StartResponse {
            super::StartResponse {
                attempt_id: f.attempt_id,
                order: super::OrderSummary { order_id: f.order_id, amount: f.amount, currency: f.currency },
                status: f.status,
                methods: f.methods,
                tokens: f.tokens,
                redirect_hosts: f.redirect_hosts,
            }
        }
    }

    /// [`super::StatusResponse`] as it is read.
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub(super) struct StatusResponse {
        attempt_id: String,
        order_id: String,
        amount: MinorUnits,
        currency: Currency,
        status: PaymentStatus,
        #[serde(rename = "final")]
        is_final: bool,
        #[serde(default)]
        attention: Option<String>,
    }

    impl From<StatusResponse> for super::StatusResponse {
        fn from(f: StatusResponse) -> super::StatusResponse {
            super::StatusResponse {
                attempt_id: f.attempt_id,
                order: super::OrderSummary { order_id: f.order_id, amount: f.amount, currency: f.currency },
                status: f.status,
                is_final: f.is_final,
                attention: f.attention,
            }
        }
    }
}

/// The error body every endpoint uses: `{"error": {"code", "message"}}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The refusal: a code clients switch on, a message for people.
    pub error: ErrorDetail,
}

/// Inside [`ErrorBody`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// A stable code (`INVALID_REQUEST`, `NOT_FOUND`, `PROVIDER_ERROR`, …).
    pub code: String,
    /// A human message with no provider internals.
    pub message: String,
}

/// Why a request was refused before doing anything.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InvalidInput {
    /// A field is missing, too long, or has characters we do not accept.
    #[error("{field}: {reason}")]
    Field {
        /// Which field (`order.id`).
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
}

fn field(field: &'static str, reason: &'static str) -> InvalidInput {
    InvalidInput::Field { field, reason }
}

/// Checks an id: 1–64 characters of `A–Z a–z 0–9 . _ : -`.
///
/// # Errors
/// [`InvalidInput::Field`] naming `name`.
pub fn check_id(name: &'static str, value: &str) -> Result<(), InvalidInput> {
    if value.is_empty() {
        return Err(field(name, "must not be empty"));
    }
    if value.len() > MAX_ID_LEN {
        return Err(field(name, "is longer than 64 characters"));
    }
    if !value.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-')) {
        return Err(field(name, "may only contain A-Z a-z 0-9 . _ : -"));
    }
    Ok(())
}

fn check_text(name: &'static str, value: &str, max: usize) -> Result<(), InvalidInput> {
    if value.chars().count() > max {
        return Err(field(name, "is too long"));
    }
    if value.chars().any(char::is_control) {
        return Err(field(name, "must not contain control characters"));
    }
    Ok(())
}

impl OrderInfo {
    /// Checks the id, the amount (positive, at most `max_amount`), the description and the items.
    ///
    /// # Errors
    /// The first field that is wrong.
    pub fn validate(&self, max_amount: MinorUnits) -> Result<(), InvalidInput> {
        check_id("order.id", &self.id)?;
        if self.amount.0 <= 0 {
            return Err(field("order.amount", "must be a positive integer (minor units)"));
        }
        if self.amount > max_amount {
            return Err(field("order.amount", "is above the configured limit"));
        }
        if let Some(d) = &self.description {
            check_text("order.description", d, MAX_TEXT_LEN)?;
        }
        if self.items.len() > 100 {
            return Err(field("order.items", "has more than 100 lines"));
        }
        if self.items.iter().any(|i| i.product_id <= 0 || !(1..=10_000).contains(&i.quantity)) {
            return Err(field("order.items", "needs positive product ids and quantities of 1 to 10000"));
        }
        Ok(())
    }
}

impl CustomerInfo {
    /// Checks the id, the email and the phone.
    ///
    /// # Errors
    /// The first field that is wrong.
    pub fn validate(&self) -> Result<(), InvalidInput> {
        if let Some(id) = &self.id {
            check_id("customer.id", id)?;
        }
        if let Some(e) = &self.email {
            check_text("customer.email", e, MAX_CONTACT_LEN)?;
            if !e.contains('@') {
                return Err(field("customer.email", "is not an email address"));
            }
        }
        if let Some(p) = &self.phone {
            check_text("customer.phone", p, MAX_CONTACT_LEN)?;
            let digits = p.strip_prefix('+').unwrap_or(p);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(field("customer.phone", "must be digits with an optional leading +"));
            }
        }
        Ok(())
    }
}

fn check_return_url(url: &str) -> Result<(), InvalidInput> {
    if url.len() > MAX_URL_LEN {
        return Err(field("returnUrl", "is too long"));
    }
    check_text("returnUrl", url, MAX_URL_LEN)
}

impl SessionRequest {
    /// Validates everything the shop's server sent (it is trusted with the price, not with
    /// being well-formed).
    ///
    /// # Errors
    /// The first field that is wrong.
    pub fn validate(&self, max_amount: MinorUnits) -> Result<(), InvalidInput> {
        self.order.validate(max_amount)?;
        self.customer.validate()?;
        check_return_url(&self.return_url)?;
        if self.expires_in_seconds.is_some_and(|s| !(SESSION_MIN_SECONDS..=SESSION_MAX_SECONDS).contains(&s)) {
            return Err(field("expiresInSeconds", "must be 60 to 86400"));
        }
        Ok(())
    }
}

impl StartRequest {
    /// Validates everything a hostile or buggy client could send.
    ///
    /// `max_amount` is the merchant's configured ceiling in minor units.
    ///
    /// # Errors
    /// The first field that is wrong.
    pub fn validate(&self, max_amount: MinorUnits) -> Result<(), InvalidInput> {
        check_id("idempotencyKey", &self.idempotency_key)?;
        if self.locale.as_deref().is_some_and(|l| !matches!(l, "kk" | "ru" | "en")) {
            return Err(field("locale", "must be kk, ru or en"));
        }
        if let Some(secret) = &self.client_secret {
            if secret.len() > MAX_URL_LEN || session_id_of(secret).is_none() {
                return Err(field("clientSecret", "is not a client secret (cs_…_secret_…)"));
            }
        }
        if let Some(order) = &self.order {
            order.validate(max_amount)?;
        }
        if let Some(customer) = &self.customer {
            customer.validate()?;
        }
        if let Some(url) = &self.return_url {
            check_return_url(url)?;
        }
        if let Some(s) = &self.sign_in {
            check_text("signIn.email", &s.email, MAX_CONTACT_LEN)?;
            if !s.email.contains('@') {
                return Err(field("signIn.email", "is not an email address"));
            }
            check_text("signIn.password", &s.password, MAX_TEXT_LEN)?;
        }
        if let Some(t) = &self.user_token {
            check_text("userToken.accessToken", &t.access_token, MAX_URL_LEN)?;
            if let Some(r) = &t.refresh_token {
                check_text("userToken.refreshToken", r, MAX_URL_LEN)?;
            }
        }
        Ok(())
    }
}

impl PayRequest {
    /// Validates ids and field values (keys like ids, values short plain text).
    ///
    /// # Errors
    /// The first field that is wrong.
    pub fn validate(&self) -> Result<(), InvalidInput> {
        check_id("attemptId", &self.attempt_id)?;
        check_id("methodId", &self.method_id)?;
        if self.fields.0.len() > MAX_PAY_FIELDS {
            return Err(field("fields", "has too many entries"));
        }
        for (key, value) in &self.fields.0 {
            check_id("fields", key)?;
            check_text("fields", value, MAX_TEXT_LEN)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> SessionRequest {
        SessionRequest {
            order: OrderInfo {
                id: "A-1001".into(),
                amount: MinorUnits(1_500_000),
                currency: Currency::Kzt,
                description: Some("Order A-1001".into()),
                items: vec![],
            },
            customer: CustomerInfo {
                id: Some("u-42".into()),
                email: Some("shopper@example.kz".into()),
                phone: Some("+77010000000".into()),
            },
            providers: vec![Provider::Ioka],
            return_url: "https://shop.kz/checkout".into(),
            expires_in_seconds: Some(900),
        }
    }

    #[test]
    fn the_documented_examples_parse_and_validate() {
        let json = r#"{"order":{"id":"A-1001","amount":1500000,"currency":"KZT","description":"Order A-1001"},
            "customer":{"id":"u-42","email":"shopper@example.kz","phone":"+77010000000"},"providers":["ioka"],
            "returnUrl":"https://shop.kz/checkout","expiresInSeconds":900}"#;
        let parsed: Result<SessionRequest, _> = serde_json::from_str(json);
        assert_eq!(parsed.as_ref().ok(), Some(&session()));
        assert_eq!(session().validate(MinorUnits(100_000_000)), Ok(()));
        let start = r#"{"provider":"ioka","clientSecret":"cs_0123456789abcdef_secret_00ff","idempotencyKey":"k-1","locale":"kk"}"#;
        let start: StartRequest = serde_json::from_str(start).unwrap();
        assert_eq!(start.validate(MinorUnits(1)), Ok(()));
        let mut foreign = start.clone();
        foreign.locale = Some("de".into());
        assert!(foreign.validate(MinorUnits(1)).is_err(), "only kk, ru, en");
        for bad in ["cs_1", "x_secret_y", "cs_a b_secret_y", "cs_1_secret_"] {
            let odd = StartRequest { client_secret: Some(bad.into()), ..start.clone() };
            assert!(
                matches!(odd.validate(MinorUnits(1)), Err(InvalidInput::Field { field: "clientSecret", .. })),
                "{bad}"
            );
        }
        assert_eq!(session_id_of("cs_0123_secret_abc"), Some("cs_0123"));
    }

    #[test]
    fn bad_inputs_are_refused_with_the_field_named() {
        type Mutate = fn(&mut SessionRequest);
        let cases: [(&str, Mutate); 12] = [
            ("order.id", |r| r.order.id = String::new()),
            ("order.id", |r| r.order.id = "a".repeat(65)),
            ("order.id", |r| r.order.id = "A 1".into()),
            ("order.id", |r| r.order.id = "<script>".into()),
            ("order.amount", |r| r.order.amount = MinorUnits(0)),
            ("order.amount", |r| r.order.amount = MinorUnits(-5)),
            ("order.amount", |r| r.order.amount = MinorUnits(100_000_001)),
            ("order.description", |r| r.order.description = Some("a\u{0}b".into())),
            ("customer.email", |r| r.customer.email = Some("nobody".into())),
            ("customer.phone", |r| r.customer.phone = Some("+7 701".into())),
            ("expiresInSeconds", |r| r.expires_in_seconds = Some(5)),
            ("returnUrl", |r| r.return_url = "x".repeat(3000)),
        ];
        for (name, mutate) in cases {
            let mut r = session();
            mutate(&mut r);
            let verdict = r.validate(MinorUnits(100_000_000));
            assert!(
                matches!(&verdict, Err(InvalidInput::Field { field, .. }) if *field == name),
                "{name}: {verdict:?}"
            );
        }
    }

    #[test]
    fn amounts_must_be_integers_on_the_wire() {
        let json = r#"{"id":"A","amount":15.5,"currency":"KZT"}"#;
        assert!(serde_json::from_str::<OrderInfo>(json).is_err());
        let json = r#"{"id":"A","amount":"1500","currency":"KZT"}"#;
        assert!(serde_json::from_str::<OrderInfo>(json).is_err());
        let json = r#"{"id":"A","amount":1500,"currency":"XYZ"}"#;
        assert!(serde_json::from_str::<OrderInfo>(json).is_err());
    }

    #[test]
    fn field_values_are_an_object_on_the_wire() {
        let pay: PayRequest =
            serde_json::from_str(r#"{"attemptId":"att_1","methodId":"m","fields":{"phone":"+7","phone":"+77"}}"#)
                .unwrap();
        assert_eq!(pay.fields, FieldValues(vec![("phone".into(), "+77".into())]), "a repeated key: the last wins");
        assert_eq!(
            serde_json::to_string(&pay).unwrap(),
            r#"{"attemptId":"att_1","methodId":"m","fields":{"phone":"+77"}}"#
        );
        let bare: PayRequest = serde_json::from_str(r#"{"attemptId":"att_1","methodId":"m"}"#).unwrap();
        assert!(bare.fields.is_empty());
        assert_eq!(serde_json::to_string(&bare).unwrap(), r#"{"attemptId":"att_1","methodId":"m"}"#);
        assert!(serde_json::from_str::<PayRequest>(r#"{"attemptId":"a","methodId":"m","fields":{"n":1}}"#).is_err());
        assert!(serde_json::from_str::<PayRequest>(r#"{"attemptId":"a","methodId":"m","fields":["x"]}"#).is_err());
        let many = FieldValues((0..17).map(|i| (format!("k{i}"), "v".to_owned())).collect());
        let too_many = PayRequest { attempt_id: "a".into(), method_id: "m".into(), fields: many };
        assert!(too_many.validate().is_err());
        let a = FieldValues(vec![("a".into(), "1".into()), ("b".into(), "2".into())]);
        let b = FieldValues(vec![("b".into(), "2".into()), ("a".into(), "1".into())]);
        assert!(a.same_as(&b) && !a.same_as(&FieldValues::default()));
    }

    #[test]
    fn start_answer_accepts_both_shapes() {
        let ours = r#"{"attemptId":"att_1","orderId":"A-1","amount":100,"currency":"KZT","status":"pending","methods":[{"id":"card","kind":"card","label":"Card"}],"tokens":{}}"#;
        assert!(matches!(serde_json::from_str::<StartAnswer>(ours), Ok(StartAnswer::Attempt(_))));
        let guide = r#"{"order_access_token":"ord_X_secret_a","customer_access_token":"cus_Y_secret_b"}"#;
        assert!(matches!(serde_json::from_str::<StartAnswer>(guide), Ok(StartAnswer::IokaTokens(_))));
        assert!(serde_json::from_str::<StartAnswer>(r#"{"hello":1}"#).is_err());
    }
}
