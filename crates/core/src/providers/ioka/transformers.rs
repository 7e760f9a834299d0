//! ioka API v2 wire types (OpenAPI "ioka Payments API" 2.12.0; docs/providers.md).
//!
//! Every status enum ends in `#[serde(other)] Unknown`, so a status ioka adds tomorrow
//! parses — and maps to `Pending`, never to success.

use serde::{Deserialize, Serialize};

/// `CustomerIn`: `POST /v2/customers`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IokaCustomerRequest {
    /// The merchant's customer id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// The customer's email, as ioka keeps it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The customer's phone, as ioka keeps it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// `ExtendedCustomer` (also the items of a customer search).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IokaCustomer {
    /// `cus_…`
    pub id: String,
    /// The merchant's id.
    #[serde(default)]
    pub external_id: Option<String>,
    /// `PENDING` / `READY`.
    #[serde(default)]
    pub status: Option<String>,
    /// The customer access token, when ioka includes it.
    #[serde(default)]
    pub access_token: Option<String>,
}

/// `CustomerAndAccessToken`: the 201 answer of `POST /v2/customers`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IokaCustomerCreated {
    /// The customer made.
    pub customer: IokaCustomer,
    /// `cus_…_secret_…`
    pub customer_access_token: String,
}

/// `capture_method`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum IokaCaptureMethod {
    /// Capture at once.
    Auto,
    /// Hold, capture later.
    Manual,
}

impl<'de> Deserialize<'de> for IokaCaptureMethod {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let parse = |s: &str| match s {
            "AUTO" => Some(IokaCaptureMethod::Auto),
            "MANUAL" => Some(IokaCaptureMethod::Manual),
            _ => None,
        };
        crate::wire::by_name(deserializer, parse, "ioka capture method")
    }
}

/// `OrderIn`: `POST /v2/orders`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IokaOrderRequest {
    /// Tiyn, ≥ 100.
    pub amount: i64,
    /// `KZT`.
    pub currency: String,
    /// `AUTO` / `MANUAL`.
    pub capture_method: IokaCaptureMethod,
    /// The merchant's order id: the duplicate guard.
    pub external_id: String,
    /// Shown on the hosted page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Link to a customer, for saved cards.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    /// Where "back" goes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub back_url: Option<String>,
    /// Where success goes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub success_url: Option<String>,
    /// Where failure goes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_url: Option<String>,
    /// Extra data, echoed in webhooks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extra_info: Option<serde_json::Value>,
}

/// `OrderStatus`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IokaOrderStatus {
    /// Created, not paid.
    Unpaid,
    /// Authorised, waiting for capture (MANUAL).
    OnHold,
    /// Captured.
    Paid,
    /// `due_date` passed or attempts exhausted.
    Expired,
    /// A status this code does not know.
    Unknown,
}

impl<'de> Deserialize<'de> for IokaOrderStatus {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::wire::by_name(deserializer, |s| Some(IokaOrderStatus::from_wire(s)), "ioka order status")
    }
}

impl IokaOrderStatus {
    /// Parses ioka's name; one this code does not know is [`IokaOrderStatus::Unknown`].
    pub fn from_wire(s: &str) -> IokaOrderStatus {
        match s {
            "UNPAID" => IokaOrderStatus::Unpaid,
            "ON_HOLD" => IokaOrderStatus::OnHold,
            "PAID" => IokaOrderStatus::Paid,
            "EXPIRED" => IokaOrderStatus::Expired,
            _ => IokaOrderStatus::Unknown,
        }
    }
}

/// `OrderOut` (also webhook `order` and search items: fields beyond the required few are
/// optional here because search items and webhooks omit some).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IokaOrder {
    /// `ord_…`
    pub id: String,
    /// `shp_…`
    #[serde(default)]
    pub shop_id: Option<String>,
    /// Where the order is: unpaid, held, paid or expired.
    pub status: IokaOrderStatus,
    /// RFC 3339 without offset.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Amount in tiyn.
    pub amount: i64,
    /// `KZT`.
    pub currency: String,
    /// Capture method.
    #[serde(default)]
    pub capture_method: Option<IokaCaptureMethod>,
    /// The merchant's order id.
    #[serde(default)]
    pub external_id: Option<String>,
    /// Shown on ioka's page.
    #[serde(default)]
    pub description: Option<String>,
    /// Linked customer.
    #[serde(default)]
    pub customer_id: Option<String>,
    /// The hosted payment page.
    #[serde(default)]
    pub checkout_url: Option<String>,
    /// The order access token.
    #[serde(default)]
    pub access_token: Option<String>,
}

/// `OrderAndAccessToken`: the 201 answer of `POST /v2/orders`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IokaOrderCreated {
    /// The order made.
    pub order: IokaOrder,
    /// `ord_…_secret_…`
    pub order_access_token: String,
}

/// Payment `PaymentStatus`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IokaPaymentStatus {
    /// Started.
    Pending,
    /// 3-D Secure: open `action.url`.
    RequiresAction,
    /// Authorised (held).
    Approved,
    /// Captured.
    Captured,
    /// Cancelled (hold released).
    Cancelled,
    /// Declined (`error` says why).
    Declined,
    /// A status this code does not know.
    #[serde(other)]
    Unknown,
}

/// `payer` inside a payment.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IokaPayer {
    /// `555555******5599`.
    #[serde(default)]
    pub pan_masked: Option<String>,
    /// `MM/YY`.
    #[serde(default)]
    pub expiry_date: Option<String>,
    /// Card holder.
    #[serde(default)]
    pub holder: Option<String>,
    /// `VISA`, `MASTERCARD`, …
    #[serde(default)]
    pub payment_system: Option<String>,
}

/// `{code, message}`: ioka's error body, also a payment's decline reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IokaError {
    /// `OrderExists`, `DECLINED_BY_ISSUER`, …
    pub code: String,
    /// Human text.
    #[serde(default)]
    pub message: String,
}

/// `PaymentOut` (also webhook `payment`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IokaPayment {
    /// `pay_…`
    pub id: String,
    /// `ord_…`
    pub order_id: String,
    /// Where the payment is.
    pub status: IokaPaymentStatus,
    /// Tiyn authorised.
    #[serde(default)]
    pub approved_amount: Option<i64>,
    /// Tiyn captured.
    #[serde(default)]
    pub captured_amount: Option<i64>,
    /// Tiyn refunded.
    #[serde(default)]
    pub refunded_amount: Option<i64>,
    /// Card data.
    #[serde(default)]
    pub payer: Option<IokaPayer>,
    /// Decline reason.
    #[serde(default)]
    pub error: Option<IokaError>,
    /// `REQUIRES_ACTION`: the page where the shopper confirms it.
    #[serde(default)]
    pub action: Option<IokaAction>,
}

/// A saved card (`GET /v2/customers/{id}/cards`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IokaCard {
    /// `crd_…`
    pub id: String,
    /// The customer the card is saved for (`cus_…`).
    #[serde(default)]
    pub customer_id: Option<String>,
    /// `555555******5599`.
    #[serde(default)]
    pub pan_masked: Option<String>,
    /// `MM/YY`.
    #[serde(default)]
    pub expiry_date: Option<String>,
    /// `VISA`, `MASTERCARD`, …
    #[serde(default)]
    pub payment_system: Option<String>,
    /// `PENDING` / `APPROVED` / `DECLINED`.
    #[serde(default)]
    pub status: Option<String>,
    /// `cvc_required`: the card pays only with its CVC typed in, so Tolem sends the shopper to
    /// ioka's page for it. Absent counts as required: nothing is charged without a CVC the
    /// answer did not say could be skipped.
    #[serde(default = "card_needs_cvc")]
    pub cvc_required: bool,
}

fn card_needs_cvc() -> bool {
    true
}

/// `CustomerCard`: the body of `POST /v2/orders/{id}/payments/card` that pays with a saved
/// card (no card data: the card stays at ioka).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IokaSavedCardPayment {
    /// The customer the card belongs to (`cus_…`).
    pub customer_id: String,
    /// The saved card (`crd_…`).
    pub card_id: String,
}

/// `TDSAction`: where the shopper confirms a payment (3-D Secure).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IokaAction {
    /// The page to open.
    pub url: String,
}

/// `WebhookEventNameEnum` (the ones that concern a checkout, plus `Unknown`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IokaWebhookEventName {
    /// The order expired.
    OrderExpired,
    /// A payment was declined.
    PaymentDeclined,
    /// 3-D Secure needed.
    PaymentActionRequired,
    /// Authorised.
    PaymentApproved,
    /// Captured.
    PaymentCaptured,
    /// Capture failed (the hold stays).
    CaptureDeclined,
    /// Cancelled.
    PaymentCancelled,
    /// Cancel failed.
    CancelDeclined,
    /// Refunded.
    RefundApproved,
    /// Refund failed.
    RefundDeclined,
    /// Any other event (splits, checks, installments, cards, payouts, …).
    #[serde(other)]
    Unknown,
}

/// `WebhookEvent` body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IokaWebhookEvent {
    /// Event name.
    pub event: IokaWebhookEventName,
    /// The order, when the event concerns one.
    #[serde(default)]
    pub order: Option<IokaOrder>,
    /// The payment, when the event concerns one.
    #[serde(default)]
    pub payment: Option<IokaPayment>,
    /// The refund, for `REFUND_APPROVED` / `REFUND_DECLINED` (beside `order` and `payment`).
    #[serde(default)]
    pub refund: Option<IokaRefund>,
}

/// A refund (`RefundOut`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IokaRefund {
    /// `ref_…`
    #[serde(default)]
    pub id: String,
    /// `PENDING`, `APPROVED`, `DECLINED`.
    #[serde(default)]
    pub status: String,
    /// Tiyn this refund gives back.
    #[serde(default)]
    pub amount: Option<i64>,
}
