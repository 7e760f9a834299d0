//! Paytone (Corefy "Commerce") wire types: JSON:API documents of the Public and Private APIs
//! and of callbacks (docs/providers.md).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::status::PaymentStatus;

/// A JSON:API document with one resource (`{"data": {...}}`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Document<T> {
    /// The JSON:API resource.
    pub data: T,
}

/// The `payment-prerequest` resource: what this account can take for a currency.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Prerequest {
    /// `payment-prerequest`.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// Services and methods.
    pub attributes: PrerequestAttributes,
}

/// Inside [`Prerequest`].
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct PrerequestAttributes {
    /// The currency asked for.
    #[serde(default)]
    pub currency: Option<String>,
    /// Test mode account.
    #[serde(default)]
    pub test_mode: bool,
    /// Services by code (`bank_card_kzt_hpp`): how a method is processed.
    #[serde(default)]
    pub services: serde_json::Map<String, Value>,
    /// Methods by code (`bank_card`): names and logos.
    #[serde(default)]
    pub methods: serde_json::Map<String, Value>,
}

/// One service of the pre-request.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct PaytoneService {
    /// `bank_card_kzt_hpp`: sent back as the invoice's `service`.
    pub code: String,
    /// The method it belongs to (`bank_card`, `qiwi`).
    #[serde(default)]
    pub method: String,
    /// `hpp`, …
    #[serde(default)]
    pub flow: Option<String>,
    /// The currency it takes.
    #[serde(default)]
    pub currency: Option<String>,
    /// What the payer must fill in.
    #[serde(default)]
    pub fields: Vec<PaytoneField>,
    /// `available`, or why not.
    #[serde(default)]
    pub status: Option<String>,
}

/// One field a service needs.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct PaytoneField {
    /// `phone`.
    pub key: String,
    /// `string`, …
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// A text, or texts by language.
    #[serde(default)]
    pub label: Value,
    /// A text, or texts by language.
    #[serde(default)]
    pub hint: Value,
    /// The regular expression the value must match.
    #[serde(default)]
    pub regexp: Option<String>,
    /// Must be filled in.
    #[serde(default)]
    pub required: bool,
    /// Display order (smaller first).
    #[serde(default)]
    pub weight: i64,
}

/// One method of the pre-request.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct PaytoneMethodInfo {
    /// `bank_card`.
    pub code: String,
    /// As the provider spells it.
    #[serde(default)]
    pub name: Option<String>,
    /// `bank_card`, `e_wallet`, …
    #[serde(default)]
    pub category: Option<String>,
    /// Logo URL.
    #[serde(default)]
    pub logo: Option<String>,
    /// Icon URL.
    #[serde(default)]
    pub icon: Option<String>,
}

/// A `payment-invoices` resource (create / get answers and callbacks).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Invoice {
    /// `payment-invoices`.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// `cpi_…`
    pub id: String,
    /// The invoice's fields (status, amounts, reference, …).
    pub attributes: InvoiceAttributes,
}

/// Inside [`Invoice`].
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct InvoiceAttributes {
    /// Where it stands.
    pub status: InvoiceStatus,
    /// `ok`, or why it failed.
    #[serde(default)]
    pub resolution: Option<String>,
    /// Major units, as a JSON number.
    #[serde(default)]
    pub amount: Option<serde_json::Number>,
    /// Major units actually paid.
    #[serde(default)]
    pub payment_amount: Option<serde_json::Number>,
    /// ISO 4217.
    #[serde(default)]
    pub currency: Option<String>,
    /// Our reference (the try's reference).
    #[serde(default)]
    pub reference_id: Option<String>,
    /// Test mode.
    #[serde(default)]
    pub test_mode: bool,
    /// Where to send the payer: `{action, method, params}`.
    #[serde(default)]
    pub flow_data: Option<Value>,
    /// Unix seconds.
    #[serde(default)]
    pub created: Option<i64>,
    /// Unix seconds of the last change: newer callbacks carry larger values.
    #[serde(default)]
    pub updated: Option<i64>,
    /// The service chosen.
    #[serde(default)]
    pub service: Option<String>,
}

/// Invoice statuses (docs/providers.md). Anything else is [`InvoiceStatus::Unknown`], i.e. pending.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceStatus {
    /// Created, processing not started.
    Created,
    /// Lifetime passed without success (final).
    Expired,
    /// Terminated by the payer (final).
    Terminated,
    /// In progress.
    Processing,
    /// Result unknown for an extended time.
    ProcessPending,
    /// Paid.
    Processed,
    /// Paid less than the invoice amount.
    PartiallyProcessed,
    /// A processing error; the platform may try again.
    ProcessError,
    /// Failed after the last attempt (final).
    ProcessFailed,
    /// A refund is under way.
    Refunding,
    /// A refund's result is unknown for now.
    RefundPending,
    /// A refund errored; it may be retried.
    RefundError,
    /// Part of the money went back (final).
    PartiallyRefunded,
    /// All of the money went back (final).
    Refunded,
    /// The refund failed (final): the money stays paid.
    RefundFailed,
    /// A status this version does not know.
    #[serde(other)]
    Unknown,
}

impl From<InvoiceStatus> for PaymentStatus {
    fn from(s: InvoiceStatus) -> Self {
        match s {
            // Part of the money given back leaves the order paid for the shopper (ECommPay's
            // `partially refunded` is read the same way); only all of it is `refunded`.
            InvoiceStatus::Processed
            | InvoiceStatus::Refunding
            | InvoiceStatus::RefundPending
            | InvoiceStatus::RefundError
            | InvoiceStatus::RefundFailed
            | InvoiceStatus::PartiallyRefunded => PaymentStatus::Paid,
            InvoiceStatus::Refunded => PaymentStatus::Refunded,
            InvoiceStatus::ProcessFailed => PaymentStatus::Failed,
            InvoiceStatus::Expired => PaymentStatus::Expired,
            InvoiceStatus::Terminated => PaymentStatus::Cancelled,
            // Less than the amount is not paid in full: the merchant decides, the shopper
            // is not told "paid".
            InvoiceStatus::PartiallyProcessed
            | InvoiceStatus::Created
            | InvoiceStatus::Processing
            | InvoiceStatus::ProcessPending
            | InvoiceStatus::ProcessError
            | InvoiceStatus::Unknown => PaymentStatus::Pending,
        }
    }
}

/// The error body: JSON:API `errors` or a single `error`, plus Corefy's validation fields.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct PaytoneErrorBody {
    /// JSON:API errors (`[{title, detail, code, …}]`).
    #[serde(default)]
    pub errors: Option<Value>,
    /// A single error (text or object).
    #[serde(default)]
    pub error: Option<Value>,
    /// `validation_error`, …
    #[serde(default)]
    pub error_type: Option<String>,
    /// Machine codes.
    #[serde(default)]
    pub error_codes: Option<Value>,
    /// The request id, for support.
    #[serde(default)]
    pub request_id: Option<String>,
}
