//! ioka API v2 adapter: builds requests, parses answers, maps statuses, checks webhooks.
//!
//! Adapters never send: the backend sends the [`HttpRequest`]s built here, and the widget
//! (token mode) sends the browser ones. See docs/providers.md

use serde::de::DeserializeOwned;

use crate::api::{MethodKind, PaymentMethod};
use crate::http::{encode_component, HttpRequest, Method};
use crate::pyjson::dumps_sorted;
use crate::signature::{hex_decode, verify_hmac_sha256};
use crate::status::PaymentStatus;

#[path = "ioka/transformers.rs"]
pub mod transformers;
pub use transformers::*;

/// The method id for "a new card on ioka's page".
pub const NEW_CARD_METHOD: &str = "card";
/// Saved-card method ids are this prefix plus the ioka card id.
pub const SAVED_CARD_PREFIX: &str = "card:";

/// ioka's stage API (the default for test keys).
pub const STAGE_API: &str = "https://stage-api.ioka.kz";
/// ioka's live API.
pub const LIVE_API: &str = "https://api.ioka.kz";

/// Where the ioka API is (stage, live, or the sandbox) and the server key.
#[derive(Clone, Copy, Debug)]
pub struct IokaServer<'a> {
    /// Base URL without a trailing slash, e.g. `https://stage-api.ioka.kz`.
    pub base_url: &'a str,
    /// The secret `API-KEY`.
    pub api_key: &'a str,
}

/// Browser credentials for ioka's public endpoints.
#[derive(Clone, Copy, Debug)]
pub struct IokaBrowser<'a> {
    /// Base URL.
    pub base_url: &'a str,
    /// `X-Public-Key`.
    pub public_key: &'a str,
}

impl IokaServer<'_> {
    fn request(&self, method: Method, path: &str, body: Option<String>) -> HttpRequest {
        let mut headers = vec![("API-KEY".to_owned(), self.api_key.to_owned())];
        if body.is_some() {
            headers.push(("Content-Type".to_owned(), "application/json; charset=utf-8".to_owned()));
        }
        HttpRequest { method, url: format!("{}{}", self.base_url.trim_end_matches('/'), path), headers, body }
    }

    /// `GET /v2/customers?external_id=…`
    pub fn find_customers(&self, external_id: &str) -> HttpRequest {
        self.request(Method::Get, &format!("/v2/customers?external_id={}", encode_component(external_id)), None)
    }

    /// `POST /v2/customers`
    pub fn create_customer(&self, body: &IokaCustomerRequest) -> HttpRequest {
        self.request(Method::Post, "/v2/customers", serde_json::to_string(body).ok())
    }

    /// `GET /v2/orders?external_id=…`
    pub fn find_orders(&self, external_id: &str) -> HttpRequest {
        self.request(Method::Get, &format!("/v2/orders?external_id={}", encode_component(external_id)), None)
    }

    /// `POST /v2/orders`
    pub fn create_order(&self, body: &IokaOrderRequest) -> HttpRequest {
        self.request(Method::Post, "/v2/orders", serde_json::to_string(body).ok())
    }

    /// `GET /v2/orders/{order_id}`
    pub fn get_order(&self, order_id: &str) -> HttpRequest {
        self.request(Method::Get, &format!("/v2/orders/{}", encode_component(order_id)), None)
    }

    /// `GET /v2/customers/{customer_id}/cards`: ioka's OpenAPI asks both the `API-KEY` and
    /// the customer's `X-Customer-Access-Token` of it.
    pub fn customer_cards(&self, customer_id: &str, customer_access_token: &str) -> HttpRequest {
        let mut req =
            self.request(Method::Get, &format!("/v2/customers/{}/cards", encode_component(customer_id)), None);
        req.headers.push(("X-Customer-Access-Token".to_owned(), customer_access_token.to_owned()));
        req
    }

    /// `GET /v2/orders/{order_id}/payments/{payment_id}`: one payment, with its `action`.
    pub fn get_payment(&self, order_id: &str, payment_id: &str) -> HttpRequest {
        let path = format!("/v2/orders/{}/payments/{}", encode_component(order_id), encode_component(payment_id));
        self.request(Method::Get, &path, None)
    }

    /// `DELETE /v2/customers/{customer_id}/cards/{card_id}`, with the customer's
    /// `X-Customer-Access-Token` beside the `API-KEY` (the OpenAPI asks both).
    pub fn delete_card(&self, customer_id: &str, card_id: &str, customer_access_token: &str) -> HttpRequest {
        let path = format!("/v2/customers/{}/cards/{}", encode_component(customer_id), encode_component(card_id));
        let mut req = self.request(Method::Delete, &path, None);
        req.headers.push(("X-Customer-Access-Token".to_owned(), customer_access_token.to_owned()));
        req
    }

    /// `POST /v2/orders/{order_id}/payments/card` with a [`IokaSavedCardPayment`]: pays the
    /// order with the customer's saved card. The OpenAPI names no security for this
    /// operation; the `API-KEY` is sent, with the order's access token where there is one
    /// (what ioka's own page sends) [GUESS, docs/providers.md].
    pub fn pay_with_saved_card(
        &self,
        order_id: &str,
        order_access_token: Option<&str>,
        card: &IokaSavedCardPayment,
    ) -> HttpRequest {
        let path = format!("/v2/orders/{}/payments/card", encode_component(order_id));
        let mut req = self.request(Method::Post, &path, serde_json::to_string(card).ok());
        if let Some(token) = order_access_token {
            req.headers.push(("X-Order-Access-Token".to_owned(), token.to_owned()));
        }
        req
    }

    /// `POST /v2/orders/{order_id}/capture` `{"amount"}`: takes `amount` tiyn of the order's
    /// held payment (all of it or part).
    pub fn capture_order(&self, order_id: &str, amount: i64) -> HttpRequest {
        let body = serde_json::json!({ "amount": amount }).to_string();
        self.request(Method::Post, &format!("/v2/orders/{}/capture", encode_component(order_id)), Some(body))
    }

    /// `POST /v2/orders/{order_id}/cancel` `{}`: releases the order's held payment.
    pub fn cancel_order(&self, order_id: &str) -> HttpRequest {
        self.request(Method::Post, &format!("/v2/orders/{}/cancel", encode_component(order_id)), Some("{}".to_owned()))
    }
}

/// What the browser reads of an ioka order with its access token (token mode,
/// [`IokaBrowser::get_order`]): where the order stands and its hosted page. The rest of ioka's
/// `OrderOut` ([`IokaOrder`]) is the backend's business, and reading less is fewer bytes for
/// the shopper.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
pub struct IokaOrderSeen {
    /// Unpaid, held, paid or expired.
    pub status: IokaOrderStatus,
    /// ioka's hosted page for the order.
    #[serde(default)]
    pub checkout_url: Option<String>,
}

impl IokaBrowser<'_> {
    /// `GET /v2/orders/{order_id}` with `X-Public-Key` + `X-Order-Access-Token`.
    pub fn get_order(&self, order_access_token: &str) -> Option<HttpRequest> {
        let order_id = order_id_from_access_token(order_access_token)?;
        Some(HttpRequest {
            method: Method::Get,
            url: format!("{}/v2/orders/{}", self.base_url.trim_end_matches('/'), encode_component(order_id)),
            headers: vec![
                ("X-Public-Key".to_owned(), self.public_key.to_owned()),
                ("X-Order-Access-Token".to_owned(), order_access_token.to_owned()),
            ],
            body: None,
        })
    }

    /// `GET /v2/customers/{customer_id}/cards` with `X-Public-Key` + `X-Customer-Access-Token`.
    pub fn customer_cards(&self, customer_access_token: &str) -> Option<HttpRequest> {
        let customer_id = order_id_from_access_token(customer_access_token)?;
        Some(HttpRequest {
            method: Method::Get,
            url: format!(
                "{}/v2/customers/{}/cards",
                self.base_url.trim_end_matches('/'),
                encode_component(customer_id)
            ),
            headers: vec![
                ("X-Public-Key".to_owned(), self.public_key.to_owned()),
                ("X-Customer-Access-Token".to_owned(), customer_access_token.to_owned()),
            ],
            body: None,
        })
    }
}

/// The API base for a public key when none is configured: keys containing `test` are stage.
pub fn default_api_for_key(public_key: &str) -> &'static str {
    if crate::http::find_text(public_key, "test").is_some() {
        STAGE_API
    } else {
        LIVE_API
    }
}

/// The object id an access token belongs to: the part before `_secret_`
/// (`ord_QDNUK6JH11_secret_…` → `ord_QDNUK6JH11`), as ioka's SDKs derive it.
pub fn order_id_from_access_token(token: &str) -> Option<&str> {
    let (id, secret) = crate::http::split_once_text(token, "_secret_")?;
    let valid = !id.is_empty() && !secret.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    valid.then_some(id)
}

/// What went wrong talking to ioka.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IokaApiError {
    /// ioka answered with an error status; `code` from its `{code, message}` body.
    #[error("ioka answered {status} {code}")]
    Status {
        /// HTTP status.
        status: u16,
        /// ioka's business code (`OrderExists`, …), or empty.
        code: String,
    },
    /// The body was not what the API documents.
    #[error("ioka answered {status} with a body we cannot read")]
    Malformed {
        /// HTTP status.
        status: u16,
    },
}

impl IokaApiError {
    /// True for ioka's own "not found" answers (404, any code).
    pub fn is_not_found(&self) -> bool {
        matches!(self, IokaApiError::Status { status: 404, .. })
    }
    /// True for `409` (`OrderExists`, `CustomerExists`).
    pub fn is_conflict(&self) -> bool {
        matches!(self, IokaApiError::Status { status: 409, .. })
    }
}

/// Parses a 2xx answer into `T`, or ioka's error body into [`IokaApiError`].
///
/// # Errors
/// [`IokaApiError::Status`] for non-2xx, [`IokaApiError::Malformed`] for unreadable bodies.
pub fn parse<T: DeserializeOwned>(status: u16, body: &str) -> Result<T, IokaApiError> {
    if (200..300).contains(&status) {
        serde_json::from_str(body).map_err(|_| IokaApiError::Malformed { status })
    } else {
        Err(error_answer(status, body))
    }
}

/// An error answer (non-2xx) as [`IokaApiError::Status`], with the code of ioka's
/// `{code, message}` body when it has one.
pub fn error_answer(status: u16, body: &str) -> IokaApiError {
    let code = serde_json::from_str::<IokaError>(body).map(|e| e.code).unwrap_or_default();
    IokaApiError::Status { status, code }
}

/// Parses a search answer. The OpenAPI says "200 with an array, empty when nothing matches";
/// ioka's merchant guide treats "not found" as a 404 (docs/providers.md). Both mean "none".
///
/// # Errors
/// Other errors as in [`parse`].
pub fn parse_search<T: DeserializeOwned>(status: u16, body: &str) -> Result<Vec<T>, IokaApiError> {
    match parse::<Vec<T>>(status, body) {
        Err(e) if e.is_not_found() => Ok(Vec::new()),
        other => other,
    }
}

impl From<IokaOrderStatus> for PaymentStatus {
    fn from(s: IokaOrderStatus) -> Self {
        match s {
            IokaOrderStatus::Paid => PaymentStatus::Paid,
            IokaOrderStatus::OnHold => PaymentStatus::Authorized,
            IokaOrderStatus::Expired => PaymentStatus::Expired,
            IokaOrderStatus::Unpaid | IokaOrderStatus::Unknown => PaymentStatus::Pending,
        }
    }
}

impl From<IokaPaymentStatus> for PaymentStatus {
    fn from(s: IokaPaymentStatus) -> Self {
        match s {
            IokaPaymentStatus::Captured => PaymentStatus::Paid,
            IokaPaymentStatus::Approved => PaymentStatus::Authorized,
            IokaPaymentStatus::Declined => PaymentStatus::Failed,
            IokaPaymentStatus::Cancelled => PaymentStatus::Cancelled,
            IokaPaymentStatus::Pending | IokaPaymentStatus::RequiresAction | IokaPaymentStatus::Unknown => {
                PaymentStatus::Pending
            }
        }
    }
}

/// The status a webhook reports, from its event name, order and payment together.
///
/// The event name decides the refund case (ioka has no refunded order status); otherwise
/// the furthest of the order's and the payment's statuses wins.
pub fn webhook_status(event: &IokaWebhookEvent) -> PaymentStatus {
    let from_order = event.order.as_ref().map_or(PaymentStatus::Pending, |o| o.status.into());
    let from_payment = event.payment.as_ref().map_or(PaymentStatus::Pending, |p| p.status.into());
    let from_event = match event.event {
        IokaWebhookEventName::RefundApproved => {
            // All of the money back: the payment's refunded total, else (no payment block)
            // this refund's amount, against what was captured, else the order's amount.
            let payment = event.payment.as_ref();
            let refunded = payment
                .and_then(|p| p.refunded_amount)
                .or_else(|| event.refund.as_ref().filter(|r| r.status == "APPROVED").and_then(|r| r.amount))
                .unwrap_or(0);
            let taken = payment.and_then(|p| p.captured_amount).or(event.order.as_ref().map(|o| o.amount));
            let fully = refunded > 0 && refunded >= taken.unwrap_or(i64::MAX);
            if fully {
                PaymentStatus::Refunded
            } else {
                PaymentStatus::Pending
            }
        }
        IokaWebhookEventName::OrderExpired => PaymentStatus::Expired,
        IokaWebhookEventName::PaymentDeclined
        | IokaWebhookEventName::PaymentActionRequired
        | IokaWebhookEventName::PaymentApproved
        | IokaWebhookEventName::PaymentCaptured
        | IokaWebhookEventName::CaptureDeclined
        | IokaWebhookEventName::PaymentCancelled
        | IokaWebhookEventName::CancelDeclined
        | IokaWebhookEventName::RefundDeclined
        | IokaWebhookEventName::Unknown => PaymentStatus::Pending,
    };
    from_order.advance(from_payment).advance(from_event)
}

/// The money a webhook says the payment is for: the order's amount and currency when the
/// event carries the order, else the payment's captured (or approved) amount with no currency
/// (ioka's `PaymentOut` names none; the caller compares the amount alone).
pub fn webhook_money(event: &IokaWebhookEvent) -> Option<(i64, Option<&str>)> {
    if let Some(order) = &event.order {
        return Some((order.amount, Some(order.currency.as_str())));
    }
    payment_money(event.payment.as_ref()?).map(|amount| (amount, None))
}

/// The tiyn a payment took or holds: its captured amount once there is one, else its
/// approved amount (ioka's `PaymentOut` names no currency).
pub fn payment_money(payment: &IokaPayment) -> Option<i64> {
    payment.captured_amount.filter(|a| *a > 0).or(payment.approved_amount)
}

/// Why a webhook was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// No `X-Signature` header, or not hex.
    #[error("missing or malformed X-Signature")]
    MissingSignature,
    /// The signature does not match.
    #[error("signature mismatch")]
    BadSignature,
    /// The body is not the JSON ioka sends.
    #[error("malformed webhook body")]
    Malformed,
}

/// The `X-Signature` ioka computes for a webhook body (any JSON).
///
/// # Errors
/// [`WebhookError::Malformed`] when the body is not JSON.
pub fn webhook_signature(webhook_key: &[u8], raw_body: &[u8]) -> Result<String, WebhookError> {
    let value: serde_json::Value = serde_json::from_slice(raw_body).map_err(|_| WebhookError::Malformed)?;
    Ok(crate::signature::hex_lower(&crate::signature::hmac_sha256(webhook_key, dumps_sorted(&value).as_bytes())))
}

/// Verifies an ioka webhook and parses it.
///
/// `X-Signature` is the lower-case hex HMAC-SHA256, keyed with the webhook's `key`, of the
/// body re-serialised as Python's `json.dumps(body, sort_keys=True, ensure_ascii=False)`
/// (docs/providers.md). Compared in constant time.
///
/// # Errors
/// [`WebhookError`].
pub fn verify_webhook(
    webhook_key: &[u8],
    raw_body: &[u8],
    signature_header: Option<&str>,
) -> Result<IokaWebhookEvent, WebhookError> {
    let tag = signature_header.map(str::trim).and_then(hex_decode).ok_or(WebhookError::MissingSignature)?;
    let value: serde_json::Value = serde_json::from_slice(raw_body).map_err(|_| WebhookError::Malformed)?;
    let canonical = dumps_sorted(&value);
    if !verify_hmac_sha256(webhook_key, canonical.as_bytes(), &tag) {
        return Err(WebhookError::BadSignature);
    }
    serde_json::from_value(value).map_err(|_| WebhookError::Malformed)
}

/// What to do after asking ioka to pay with a saved card, from its answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SavedCardOutcome {
    /// The shopper must confirm on this page (3-D Secure).
    Confirm(String),
    /// Nothing to show: the payment is this status now (paid, held, declined, or still
    /// being processed), and the order's status will say the rest.
    Settled(PaymentStatus),
}

/// Reads the payment ioka made for a saved card. `REQUIRES_ACTION` without a page to open is
/// still pending: the webhook or a status read settles it.
pub fn saved_card_outcome(payment: &IokaPayment) -> SavedCardOutcome {
    match (&payment.status, &payment.action) {
        (IokaPaymentStatus::RequiresAction, Some(action)) if !action.url.is_empty() => {
            SavedCardOutcome::Confirm(action.url.clone())
        }
        (status, _) => SavedCardOutcome::Settled((*status).into()),
    }
}

/// The ioka card id of a saved-card method id (`card:crd_1` → `crd_1`).
pub fn saved_card_id(method_id: &str) -> Option<&str> {
    method_id.strip_prefix(SAVED_CARD_PREFIX).filter(|id| !id.is_empty())
}

/// Saved cards as payment methods, then "new card".
pub fn methods_from_cards(cards: &[IokaCard], new_card_label: &str) -> Vec<PaymentMethod> {
    let mut methods: Vec<PaymentMethod> = cards
        .iter()
        .filter(|c| c.status.as_deref().is_none_or(|s| s == "APPROVED"))
        .map(|c| PaymentMethod {
            id: format!("{SAVED_CARD_PREFIX}{}", c.id),
            kind: MethodKind::SavedCard,
            label: c.pan_masked.clone().unwrap_or_else(|| c.id.clone()),
            brand: c.payment_system.clone(),
            logo: None,
            fields: Vec::new(),
        })
        .collect();
    methods.push(PaymentMethod::plain(NEW_CARD_METHOD, MethodKind::Card, new_card_label));
    methods
}

/// The captured vector of docs/providers.md
#[cfg(test)]
pub(crate) mod tests_vector {
    /// The webhook key.
    pub const KEY: &str = "11cf6a7d5999eac284b117ebb7a443c6da9af8904cf99d5601e9c5287af6874b";
    /// The header.
    pub const SIGNATURE: &str = "65d3668da6a3568b75afeb7a3663e593a160b8f6d2d23a33a400a85d69d7fa44";
    /// The raw body as delivered (verbatim, `crates/core/vectors/`).
    pub const RAW_BODY: &str = r#"{"event": "PAYMENT_CAPTURED", "order": {"id": "ord_QDNUK6JH11", "status": "PAID", "created_at": "2021-11-09T10:05:55.358023", "amount": 1050000, "currency": "KZT", "capture_method": "AUTO", "external_id": "hqH2B2rkqiWJDPH7X", "description": "\u041e\u043f\u043b\u0430\u0442\u0430 \u0431\u0440\u043e\u043d\u0438: eXqu5cXrufMsLeq3S", "extra_info": null, "due_date": null, "back_url": "https://42c9-2a03-32c0-3000-f0c0-81a5-bd88-91e9-381a.ngrok.io/accounts/my-bookings/eXqu5cXrufMsLeq3S", "success_url": null, "failure_url": null, "template": null}, "payment": {"id": "pay_L3INB0YJLE", "order_id": "ord_QDNUK6JH11", "status": "CAPTURED", "created_at": "2021-11-09T10:06:02.598026", "approved_amount": 1050000, "captured_amount": 1050000, "refunded_amount": 0, "processing_fee": 0.0, "payer": {"pan_masked": "555555******5599", "expiry_date": "12/24", "holder": "Holder", "payment_system": null, "emitter": null, "email": null, "phone": null, "customer_id": null, "card_id": null}}}"#;
    /// The canonical form, from the shared test-vector file.
    pub const CANONICAL_BODY: &str = include_str!("../../vectors/ioka_webhook_canonical_body.txt");
}

#[cfg(test)]
mod tests {
    use super::tests_vector::*;
    use super::*;

    #[test]
    fn real_captured_webhook_verifies() {
        let verified = verify_webhook(KEY.as_bytes(), RAW_BODY.as_bytes(), Some(SIGNATURE));
        assert!(verified.is_ok(), "the real vector must verify: {verified:?}");
        let Ok(event) = verified else { return };
        assert_eq!(event.event, IokaWebhookEventName::PaymentCaptured);
        assert_eq!(event.order.as_ref().map(|o| o.id.as_str()), Some("ord_QDNUK6JH11"));
        assert_eq!(
            event.order.as_ref().and_then(|o| o.description.as_deref()),
            Some("Оплата брони: eXqu5cXrufMsLeq3S")
        );
        assert_eq!(webhook_status(&event), PaymentStatus::Paid);
        // upper-case hex is the same signature
        assert!(verify_webhook(KEY.as_bytes(), RAW_BODY.as_bytes(), Some(&SIGNATURE.to_uppercase())).is_ok());
    }

    #[test]
    fn forged_webhooks_are_refused() {
        let tampered = RAW_BODY.replace("1050000", "1");
        assert_eq!(
            verify_webhook(KEY.as_bytes(), tampered.as_bytes(), Some(SIGNATURE)).err(),
            Some(WebhookError::BadSignature)
        );
        assert_eq!(
            verify_webhook(b"another key", RAW_BODY.as_bytes(), Some(SIGNATURE)).err(),
            Some(WebhookError::BadSignature)
        );
        assert_eq!(
            verify_webhook(KEY.as_bytes(), RAW_BODY.as_bytes(), None).err(),
            Some(WebhookError::MissingSignature)
        );
        assert_eq!(
            verify_webhook(KEY.as_bytes(), RAW_BODY.as_bytes(), Some("not hex")).err(),
            Some(WebhookError::MissingSignature)
        );
        assert_eq!(verify_webhook(KEY.as_bytes(), b"{not json", Some(SIGNATURE)).err(), Some(WebhookError::Malformed));
        // signing the raw bytes (a common mistake) is not ioka's scheme
        let raw_sig = crate::signature::hex_lower(&crate::signature::hmac_sha256(KEY.as_bytes(), RAW_BODY.as_bytes()));
        assert_eq!(
            verify_webhook(KEY.as_bytes(), RAW_BODY.as_bytes(), Some(&raw_sig)).err(),
            Some(WebhookError::BadSignature)
        );
    }

    #[test]
    fn order_statuses_map_exhaustively() {
        let table = [
            ("UNPAID", PaymentStatus::Pending),
            ("ON_HOLD", PaymentStatus::Authorized),
            ("PAID", PaymentStatus::Paid),
            ("EXPIRED", PaymentStatus::Expired),
            ("SOMETHING_NEW", PaymentStatus::Pending),
        ];
        for (wire, want) in table {
            let s: IokaOrderStatus = serde_json::from_str(&format!("\"{wire}\"")).unwrap_or(IokaOrderStatus::Paid);
            assert_eq!(PaymentStatus::from(s), want, "{wire}");
        }
    }

    #[test]
    fn payment_statuses_map_exhaustively() {
        let table = [
            ("PENDING", PaymentStatus::Pending),
            ("REQUIRES_ACTION", PaymentStatus::Pending),
            ("APPROVED", PaymentStatus::Authorized),
            ("CAPTURED", PaymentStatus::Paid),
            ("CANCELLED", PaymentStatus::Cancelled),
            ("DECLINED", PaymentStatus::Failed),
            ("SUCCEEDED", PaymentStatus::Pending),
        ];
        for (wire, want) in table {
            let s: IokaPaymentStatus =
                serde_json::from_str(&format!("\"{wire}\"")).unwrap_or(IokaPaymentStatus::Captured);
            assert_eq!(PaymentStatus::from(s), want, "{wire}");
        }
    }

    #[test]
    fn a_saved_card_is_paid_removed_and_read_as_the_openapi_says() {
        let server = IokaServer { base_url: "https://stage-api.ioka.kz/", api_key: "shp_key" };
        let card = IokaSavedCardPayment { customer_id: "cus_1".into(), card_id: "crd_1".into() };
        let pay = server.pay_with_saved_card("ord_1", Some("ord_1_secret_x"), &card);
        assert_eq!(
            (pay.method, pay.url.as_str()),
            (Method::Post, "https://stage-api.ioka.kz/v2/orders/ord_1/payments/card")
        );
        assert_eq!(pay.body.as_deref(), Some(r#"{"customer_id":"cus_1","card_id":"crd_1"}"#), "no card data, no CVC");
        assert_eq!(
            (pay.header("api-key"), pay.header("x-order-access-token")),
            (Some("shp_key"), Some("ord_1_secret_x"))
        );
        let delete = server.delete_card("cus_1", "crd_1", "cus_1_secret_y");
        assert_eq!(
            (delete.method, delete.url.as_str()),
            (Method::Delete, "https://stage-api.ioka.kz/v2/customers/cus_1/cards/crd_1")
        );
        assert_eq!(
            (delete.header("api-key"), delete.header("x-customer-access-token")),
            (Some("shp_key"), Some("cus_1_secret_y"))
        );
        assert_eq!(
            server.get_payment("ord_1", "pay_1").url,
            "https://stage-api.ioka.kz/v2/orders/ord_1/payments/pay_1"
        );
        // a card the answer does not say can skip its CVC needs one
        let cards: Vec<IokaCard> =
            parse(200, r#"[{"id":"crd_1"},{"id":"crd_2","cvc_required":false}]"#).unwrap_or_default();
        assert_eq!(cards.iter().map(|c| c.cvc_required).collect::<Vec<_>>(), [true, false]);
        assert_eq!(
            (saved_card_id("card:crd_1"), saved_card_id("card:"), saved_card_id("crd_1")),
            (Some("crd_1"), None, None)
        );
    }

    #[test]
    fn a_saved_card_payment_answer_says_where_the_shopper_goes() {
        let payment = |status: &str, action: &str| -> IokaPayment {
            let body = format!(r#"{{"id":"pay_1","order_id":"ord_1","status":"{status}","action":{action}}}"#);
            parse(201, &body).unwrap_or_else(|e| panic!("{e}"))
        };
        let confirm = payment("REQUIRES_ACTION", r#"{"url":"https://stage-checkout.ioka.kz/3ds/pay_1"}"#);
        assert_eq!(
            saved_card_outcome(&confirm),
            SavedCardOutcome::Confirm("https://stage-checkout.ioka.kz/3ds/pay_1".into())
        );
        let table = [
            ("CAPTURED", PaymentStatus::Paid),
            ("APPROVED", PaymentStatus::Authorized),
            ("DECLINED", PaymentStatus::Failed),
            ("PENDING", PaymentStatus::Pending),
            ("REQUIRES_ACTION", PaymentStatus::Pending),
        ];
        for (status, want) in table {
            assert_eq!(saved_card_outcome(&payment(status, "null")), SavedCardOutcome::Settled(want), "{status}");
        }
        let no_page = payment("REQUIRES_ACTION", r#"{"url":""}"#);
        assert_eq!(saved_card_outcome(&no_page), SavedCardOutcome::Settled(PaymentStatus::Pending));
    }

    #[test]
    fn cards_holds_and_releases_are_asked_as_the_openapi_says() {
        let server = IokaServer { base_url: "https://stage-api.ioka.kz", api_key: "shp_key" };
        let cards = server.customer_cards("cus_1", "cus_1_secret_x");
        assert_eq!(cards.header("api-key"), Some("shp_key"));
        assert_eq!(cards.header("x-customer-access-token"), Some("cus_1_secret_x"), "both credentials");
        let capture = server.capture_order("ord_1", 1500);
        assert_eq!(
            (capture.method, capture.url.as_str()),
            (Method::Post, "https://stage-api.ioka.kz/v2/orders/ord_1/capture")
        );
        assert_eq!(capture.body.as_deref(), Some(r#"{"amount":1500}"#));
        let cancel = server.cancel_order("ord_1");
        assert_eq!(cancel.url, "https://stage-api.ioka.kz/v2/orders/ord_1/cancel");
    }

    fn event(name: &str, order: &str, payment: &str, refunded: i64) -> IokaWebhookEvent {
        let body = format!(
            r#"{{"event":"{name}","order":{{"id":"ord_1","status":"{order}","amount":1000,"currency":"KZT"}},
               "payment":{{"id":"pay_1","order_id":"ord_1","status":"{payment}","captured_amount":1000,"refunded_amount":{refunded}}}}}"#
        );
        let parsed = serde_json::from_str(&body);
        assert!(parsed.is_ok(), "{parsed:?}: {body}");
        parsed.unwrap_or(IokaWebhookEvent {
            event: IokaWebhookEventName::Unknown,
            order: None,
            payment: None,
            refund: None,
        })
    }

    #[test]
    fn webhook_events_map_to_statuses() {
        let table = [
            ("PAYMENT_CAPTURED", "PAID", "CAPTURED", 0, PaymentStatus::Paid),
            ("PAYMENT_APPROVED", "ON_HOLD", "APPROVED", 0, PaymentStatus::Authorized),
            ("PAYMENT_DECLINED", "UNPAID", "DECLINED", 0, PaymentStatus::Failed),
            ("PAYMENT_ACTION_REQUIRED", "UNPAID", "REQUIRES_ACTION", 0, PaymentStatus::Pending),
            ("PAYMENT_CANCELLED", "UNPAID", "CANCELLED", 0, PaymentStatus::Cancelled),
            ("ORDER_EXPIRED", "EXPIRED", "DECLINED", 0, PaymentStatus::Expired),
            ("REFUND_APPROVED", "PAID", "CAPTURED", 1000, PaymentStatus::Refunded),
            ("REFUND_APPROVED", "PAID", "CAPTURED", 400, PaymentStatus::Paid),
            ("CAPTURE_DECLINED", "ON_HOLD", "APPROVED", 0, PaymentStatus::Authorized),
            ("SPLIT_APPROVED", "PAID", "CAPTURED", 0, PaymentStatus::Paid),
            ("BRAND_NEW_EVENT", "UNPAID", "PENDING", 0, PaymentStatus::Pending),
        ];
        for (name, order, payment, refunded, want) in table {
            assert_eq!(webhook_status(&event(name, order, payment, refunded)), want, "{name}/{order}/{payment}");
        }
        // A refund event with its `refund` object and no payment block: the refund's amount
        // against the order's decides, and only an approved refund counts.
        let refund = |status: &str, amount: i64| -> IokaWebhookEvent {
            let body = format!(
                r#"{{"event":"REFUND_APPROVED","order":{{"id":"ord_1","status":"PAID","amount":1000,"currency":"KZT"}},
                   "refund":{{"id":"ref_1","status":"{status}","amount":{amount}}}}}"#
            );
            serde_json::from_str(&body).unwrap()
        };
        assert_eq!(webhook_status(&refund("APPROVED", 1000)), PaymentStatus::Refunded);
        assert_eq!(webhook_status(&refund("APPROVED", 300)), PaymentStatus::Paid);
        assert_eq!(webhook_status(&refund("PENDING", 1000)), PaymentStatus::Paid);
    }

    #[test]
    fn access_tokens_name_their_object() {
        assert_eq!(order_id_from_access_token("ord_QDNUK6JH11_secret_ab12"), Some("ord_QDNUK6JH11"));
        assert_eq!(order_id_from_access_token("cus_X_secret_y"), Some("cus_X"));
        assert_eq!(order_id_from_access_token("ord_1"), None);
        assert_eq!(order_id_from_access_token("_secret_abc"), None);
        assert_eq!(order_id_from_access_token("ord_1_secret_"), None);
        assert_eq!(order_id_from_access_token("../x_secret_abc"), None);
    }

    #[test]
    fn requests_are_built_as_documented() {
        let server = IokaServer { base_url: "https://stage-api.ioka.kz/", api_key: "shp_key" };
        let r = server.find_orders("A 1");
        assert_eq!(r.url, "https://stage-api.ioka.kz/v2/orders?external_id=A%201");
        assert_eq!(r.header("API-KEY"), Some("shp_key"));
        let body = IokaOrderRequest {
            amount: 1_500_000,
            currency: "KZT".into(),
            capture_method: IokaCaptureMethod::Auto,
            external_id: "A-1".into(),
            description: None,
            customer_id: Some("cus_1".into()),
            back_url: None,
            success_url: Some("https://shop/ok".into()),
            failure_url: None,
            extra_info: None,
        };
        let r = server.create_order(&body);
        assert_eq!(r.method, Method::Post);
        assert_eq!(
            r.body.as_deref(),
            Some(
                r#"{"amount":1500000,"currency":"KZT","capture_method":"AUTO","external_id":"A-1","customer_id":"cus_1","success_url":"https://shop/ok"}"#
            )
        );
        let browser = IokaBrowser { base_url: STAGE_API, public_key: "shp_pub_test" };
        let r = browser.get_order("ord_9_secret_z");
        assert_eq!(r.as_ref().map(|r| r.url.as_str()), Some("https://stage-api.ioka.kz/v2/orders/ord_9"));
        assert_eq!(default_api_for_key("shp_X_test_public_Y"), STAGE_API);
        assert_eq!(default_api_for_key("shp_X_live_public_Y"), LIVE_API);
    }

    #[test]
    fn answers_parse_including_error_bodies_and_404_searches() {
        let ok: Result<IokaOrderCreated, _> = parse(
            201,
            r#"{"order":{"id":"ord_1","shop_id":"shp_1","status":"UNPAID","created_at":"2021-11-09T10:05:55.358023","amount":100,"currency":"KZT","capture_method":"AUTO","checkout_url":"https://stage-checkout.ioka.kz/orders/ord_1","access_token":"ord_1_secret_x"},"order_access_token":"ord_1_secret_x"}"#,
        );
        assert_eq!(ok.map(|o| o.order.status), Ok(IokaOrderStatus::Unpaid));
        let conflict: Result<IokaOrderCreated, _> = parse(409, r#"{"code":"OrderExists","message":"exists"}"#);
        assert!(conflict.as_ref().is_err_and(IokaApiError::is_conflict));
        let broken: Result<IokaOrderCreated, _> = parse(201, "<html>");
        assert_eq!(broken.err(), Some(IokaApiError::Malformed { status: 201 }));
        let none: Result<Vec<IokaOrder>, _> = parse_search(404, r#"{"code":"OrderNotFound","message":""}"#);
        assert_eq!(none, Ok(vec![]));
        let none: Result<Vec<IokaOrder>, _> = parse_search(200, "[]");
        assert_eq!(none, Ok(vec![]));
        let down: Result<Vec<IokaOrder>, _> = parse_search(503, "");
        assert_eq!(down, Err(IokaApiError::Status { status: 503, code: String::new() }));
    }

    #[test]
    fn cards_become_methods_with_new_card_last() {
        let cards = [
            IokaCard {
                id: "crd_1".into(),
                customer_id: None,
                pan_masked: Some("555555******5599".into()),
                expiry_date: Some("12/26".into()),
                payment_system: Some("MASTERCARD".into()),
                status: Some("APPROVED".into()),
                cvc_required: false,
            },
            IokaCard {
                id: "crd_2".into(),
                customer_id: None,
                pan_masked: None,
                expiry_date: None,
                payment_system: None,
                status: Some("DECLINED".into()),
                cvc_required: true,
            },
        ];
        let m = methods_from_cards(&cards, "Card");
        let ids: Vec<&str> = m.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["card:crd_1", "card"]);
        assert_eq!(m[0].label, "555555******5599");
    }
}
