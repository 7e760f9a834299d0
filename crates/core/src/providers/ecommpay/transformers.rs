//! ECommPay wire types: callbacks and Gate answers (the same shape), and Gate errors.
//! Only the fields Tolem reads are typed; everything else is ignored but still signed.

use serde::Deserialize;
use serde_json::Value;

/// A callback body or a `/v2/payment/status` answer, signature removed.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct EcommpayCallback {
    /// `project_id` (a number, or a string in some formats).
    #[serde(default)]
    pub project_id: Value,
    /// The payment the callback or answer is about.
    #[serde(default)]
    pub payment: Option<EcommpayPayment>,
    /// The operation that caused this callback.
    #[serde(default)]
    pub operation: Option<EcommpayOperation>,
}

/// `payment`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct EcommpayPayment {
    /// The merchant's payment id.
    #[serde(default)]
    pub id: String,
    /// Payment status.
    #[serde(default)]
    pub status: EcommpayPaymentStatus,
    /// `purchase`, …
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// `card`, …
    #[serde(default)]
    pub method: Option<String>,
    /// Amount and currency, `{amount, currency}` (kept loose: some formats differ).
    #[serde(default)]
    pub sum: Value,
}

impl EcommpayPayment {
    /// `sum` as minor units and currency, when it has that shape.
    pub fn amount(&self) -> Option<EcommpaySum> {
        serde_json::from_value(self.sum.clone()).ok()
    }
}

/// `{amount, currency}`; amount in minor units.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct EcommpaySum {
    /// Minor units.
    pub amount: i64,
    /// ISO 4217 alpha-3.
    pub currency: String,
}

/// `operation`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct EcommpayOperation {
    /// Gate operation id (a large number).
    #[serde(default)]
    pub id: Value,
    /// `sale`, `auth`, `capture`, `cancel`, `refund`, …
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// Operation status (same vocabulary as payments).
    #[serde(default)]
    pub status: EcommpayPaymentStatus,
    /// Gate code (`"0"` on success).
    #[serde(default)]
    pub code: Value,
    /// Gate message.
    #[serde(default)]
    pub message: Option<String>,
}

/// `payment.status` (and `operation.status`), docs/providers.md Unknown values are
/// pending, never success.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
pub enum EcommpayPaymentStatus {
    /// The payment went through: read as paid.
    #[serde(rename = "success")]
    Success,
    /// The Gate or the issuer refused the payment: read as failed.
    #[serde(rename = "decline")]
    Decline,
    /// Being processed.
    #[serde(rename = "processing")]
    Processing,
    /// 3-D Secure.
    #[serde(rename = "awaiting 3ds result")]
    Awaiting3dsResult,
    /// Redirected to an external provider.
    #[serde(rename = "awaiting redirect result")]
    AwaitingRedirectResult,
    /// The customer may retry (cascading).
    #[serde(rename = "awaiting customer")]
    AwaitingCustomer,
    /// The customer acts on the provider's side.
    #[serde(rename = "awaiting customer action")]
    AwaitingCustomerAction,
    /// More parameters required.
    #[serde(rename = "awaiting clarification")]
    AwaitingClarification,
    /// Authorised; needs capture or cancel.
    #[serde(rename = "awaiting capture")]
    AwaitingCapture,
    /// Still in progress at the Gate: read as pending.
    #[serde(rename = "awaiting approval")]
    AwaitingApproval,
    /// Still in progress at the Gate: read as pending.
    #[serde(rename = "awaiting clarify data")]
    AwaitingClarifyData,
    /// Still in progress at the Gate: read as pending.
    #[serde(rename = "awaiting merchant auth")]
    AwaitingMerchantAuth,
    /// Still in progress at the Gate: read as pending.
    #[serde(rename = "awaiting payment")]
    AwaitingPayment,
    /// Still in progress at the Gate: read as pending.
    #[serde(rename = "awaiting retry")]
    AwaitingRetry,
    /// Still in progress at the Gate: read as pending.
    #[serde(rename = "awaiting clearing")]
    AwaitingClearing,
    /// Still in progress at the Gate: read as pending.
    #[serde(rename = "awaiting partially clearing")]
    AwaitingPartiallyClearing,
    /// Still in progress at the Gate: read as pending.
    #[serde(rename = "awaiting confirmation")]
    AwaitingConfirmation,
    /// Still in progress at the Gate: read as pending.
    #[serde(rename = "external processing")]
    ExternalProcessing,
    /// Still in progress at the Gate: read as pending.
    #[serde(rename = "scheduled recurring processing")]
    ScheduledRecurringProcessing,
    /// Still in progress at the Gate: read as pending.
    #[serde(rename = "clearing processing")]
    ClearingProcessing,
    /// Hold released.
    #[serde(rename = "cancelled")]
    Cancelled,
    /// Hold released (PHP SDK spelling).
    #[serde(rename = "canceled")]
    Canceled,
    /// Fully refunded.
    #[serde(rename = "refunded")]
    Refunded,
    /// Partly refunded.
    #[serde(rename = "partially refunded")]
    PartiallyRefunded,
    /// Refunded before the business day closed.
    #[serde(rename = "reversed")]
    Reversed,
    /// Partly reversed.
    #[serde(rename = "partially reversed")]
    PartiallyReversed,
    /// Processing error.
    #[serde(rename = "error")]
    Error,
    /// Processing error.
    #[serde(rename = "internal error")]
    InternalError,
    /// Processing error.
    #[serde(rename = "external error")]
    ExternalError,
    /// `best_before` passed.
    #[serde(rename = "expired")]
    Expired,
    /// Invoice flows.
    #[serde(rename = "invoice sent")]
    InvoiceSent,
    /// Invoice flows.
    #[serde(rename = "invoice cancelled")]
    InvoiceCancelled,
    /// Invoice flows.
    #[serde(rename = "partially paid")]
    PartiallyPaid,
    /// Payout flows.
    #[serde(rename = "partially paid out")]
    PartiallyPaidOut,
    /// Recurring flows.
    #[serde(rename = "decline renewal")]
    DeclineRenewal,
    /// Anything else (or missing): pending.
    #[default]
    #[serde(other)]
    Unknown,
}

/// A Gate error answer: `{errors: [{code, message, field, description}], status, …}`.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct GateErrorBody {
    /// Why the Gate refused, one entry per problem.
    #[serde(default)]
    pub errors: Vec<GateErrorItem>,
}

/// One Gate error.
#[derive(Clone, Debug, Deserialize)]
pub struct GateErrorItem {
    /// Gate code (string or number).
    #[serde(default)]
    pub code: Value,
    /// The Gate's words.
    #[serde(default)]
    pub message: Option<String>,
}
