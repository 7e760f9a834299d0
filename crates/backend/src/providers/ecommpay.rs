//! ECommPay: the shopper goes to a signed Payment Page URL (no request is made to make it);
//! the Gate answers a payment's status and captures or cancels holds; a callback is read
//! against a strict schema and a success is confirmed by the Gate. Signing and parsing come
//! from `tolem_core::providers::ecommpay`.

use std::time::Duration;

use tolem_core::api::{BrowserTokens, MethodKind, PayRequest, PaymentMethod, ReturnHint, StartResponse};
use tolem_core::providers::ecommpay::{self, CallbackError, Gate, GateAnswer, PaymentPage, PaymentPageRequest};
use tolem_core::providers::Provider;
use tolem_core::status::PaymentStatus;

use super::{BoxFuture, Incoming, Notice, Observation, Page, ProviderBackend, ReportedMoney};
use crate::config::EcommpayConfig;
use crate::error::AppError;
use crate::provider_http;
use crate::steps::{self, Checkout};
use crate::store::Attempt;
use crate::AppState;

/// A payment as the Gate reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GatePayment {
    /// What it means for the attempt.
    pub status: PaymentStatus,
    /// Its sum (minor units, currency), when reported.
    pub money: ReportedMoney,
    /// The Gate path segment of its method (`card`, `applepay`, …).
    pub method: String,
}

/// ECommPay, with its Gate client and Payment Page signer.
pub struct Ecommpay {
    /// Settings (with the secret).
    pub config: EcommpayConfig,
    http: reqwest::Client,
}

impl Ecommpay {
    /// A client with a per-request timeout.
    pub fn new(config: EcommpayConfig, timeout: Duration) -> Self {
        Ecommpay { config, http: provider_http::client(timeout) }
    }

    fn gate(&self) -> Gate<'_> {
        Gate {
            base_url: &self.config.gate_url,
            project_id: self.config.project_id,
            secret: self.config.secret.expose().as_bytes(),
        }
    }

    /// The signed Payment Page URL (no request is made).
    pub fn payment_page_url(&self, r: &PaymentPageRequest<'_>) -> String {
        PaymentPage {
            url: &self.config.payment_page_url,
            project_id: self.config.project_id,
            secret: self.config.secret.expose().as_bytes(),
        }
        .url(r)
    }

    /// The payment's status from the Gate; `None` when the Gate does not know it yet (the
    /// shopper has not submitted the page).
    pub async fn status(&self, payment_id: &str) -> Result<Option<PaymentStatus>, AppError> {
        Ok(self.payment(payment_id).await?.map(|p| p.status))
    }

    /// The payment as the Gate reports it; `None` when the Gate says nothing about it
    /// (logged with the Gate's code: for a page that was opened but not submitted that is
    /// expected, for anything else it is worth a look).
    pub async fn payment(&self, payment_id: &str) -> Result<Option<GatePayment>, AppError> {
        let (status, body) =
            provider_http::send(&self.http, "ecommpay", self.gate().payment_status(payment_id)).await?;
        match ecommpay::parse_status_answer(status, &body) {
            Ok(GateAnswer::Payment(p)) => {
                let payment = p.payment.as_ref();
                Ok(Some(GatePayment {
                    status: ecommpay::callback_status(&p),
                    money: payment.and_then(|pay| pay.amount()).map(|s| (s.amount, s.currency)),
                    method: ecommpay::gate_method(payment.and_then(|pay| pay.method.as_deref())),
                }))
            }
            Ok(GateAnswer::NotKnown { status, code }) => {
                tracing::info!(provider = "ecommpay", http_status = status, code = %code, "the Gate does not report this payment");
                Ok(None)
            }
            Ok(GateAnswer::Accepted) => Err(AppError::Provider("ecommpay status: unexpected answer".into())),
            Err(e) => Err(AppError::Provider(format!("ecommpay status: {e}"))),
        }
    }

    /// Captures (`capture`) or cancels a held payment, at the Gate path of its `method`.
    pub async fn settle(
        &self,
        payment_id: &str,
        method: &str,
        capture: bool,
        amount: i64,
        currency: &str,
    ) -> Result<(), AppError> {
        let req = self.gate().settle_hold(payment_id, method, capture, amount, currency);
        let (status, body) = provider_http::send(&self.http, "ecommpay", req).await?;
        ecommpay::parse_settle_answer(status, &body)
            .map(|_| ())
            .map_err(|e| AppError::Conflict(format!("ECommPay refused: {e}")))
    }
}

impl ProviderBackend for Ecommpay {
    fn provider(&self) -> Provider {
        Provider::Ecommpay
    }

    /// The configured Payment Page's host.
    fn page_hosts(&self) -> Vec<String> {
        tolem_core::redirect::https_host(&self.config.payment_page_url).into_iter().collect()
    }

    fn start<'a>(
        &'a self,
        app: &'a AppState,
        checkout: &'a Checkout,
    ) -> BoxFuture<'a, Result<StartResponse, AppError>> {
        Box::pin(async move {
            // ECommPay treats payment ids case-insensitively ("be case-insensitive, and
            // correspond one-to-one with the relevant payment"): `a-1` would be `A-1`'s payment.
            let twins = app.store.orders_differing_in_case(Provider::Ecommpay, &checkout.order.id).await?;
            if let Some(twin) = twins.first() {
                return Err(AppError::Conflict(format!(
                    "order {:?} differs from order {twin:?} only in letter case, and ECommPay takes them for one payment: use another order id",
                    checkout.order.id
                )));
            }
            let page = PaymentMethod::plain(ecommpay::PAYMENT_PAGE_METHOD, MethodKind::Card, "Card or another method");
            steps::start_hosted_page(app, checkout, vec![page], BrowserTokens::default()).await
        })
    }

    /// The signed Payment Page URL for the current try. A `payment_id` the Gate already
    /// settled is never offered again.
    fn page<'a>(
        &'a self,
        app: &'a AppState,
        attempt: Attempt,
        choice: &'a PayRequest,
    ) -> BoxFuture<'a, Result<Page, AppError>> {
        Box::pin(async move {
            if choice.method_id != ecommpay::PAYMENT_PAGE_METHOD {
                return Err(AppError::Invalid("methodId: unknown method".into()));
            }
            let (_guard, attempt) = steps::with_attempt_lease(app, &attempt.attempt_id).await?;
            // A try whose page was never handed out cannot have been paid: the Gate is not
            // asked (it does not know the payment id yet). Once a page is out, the Gate is
            // read so a `payment_id` it settled is never offered again.
            if attempt.checkout_url.is_some() {
                if let Some(observed) = self.status(&attempt.provider_order_id).await? {
                    steps::refuse_if_settled(app, &attempt, observed).await?;
                }
            }
            let details = &attempt.details;
            let (_, payable_until) = steps::page_lifetime(app);
            let best_before = tolem_core::time::iso_utc(payable_until.div_euclid(1000));
            let url = self.payment_page_url(&PaymentPageRequest {
                payment_id: &attempt.provider_order_id,
                amount: attempt.amount,
                currency: attempt.currency.code(),
                description: details.description.as_deref(),
                customer_id: attempt.provider_customer_id.as_deref(),
                customer_email: details.email.as_deref(),
                customer_phone: details.phone.as_deref().and_then(ecommpay::customer_phone).as_deref(),
                language: details.locale.as_deref(),
                success_url: &steps::return_url(&details.return_url, ReturnHint::Success),
                fail_url: &steps::return_url(&details.return_url, ReturnHint::Failure),
                return_url: &steps::return_url(&details.return_url, ReturnHint::Back),
                callback_url: self.config.callback_url.as_deref(),
                hold: self.config.hold,
                best_before: Some(&best_before),
            });
            Ok(Page::Redirect(steps::store_page(app, &attempt, None, &url, Some(payable_until)).await?))
        })
    }

    /// The Gate's status and sum, once a page was handed out for the try.
    fn read<'a>(
        &'a self,
        _app: &'a AppState,
        attempt: &'a Attempt,
    ) -> BoxFuture<'a, Result<Option<Observation>, AppError>> {
        Box::pin(async move {
            if attempt.checkout_url.is_none() {
                return Ok(None);
            }
            let found = self.payment(&attempt.provider_order_id).await?;
            Ok(found.map(|p| Observation { status: p.status, money: p.money }))
        })
    }

    /// The callback is read against a strict schema (signature first, then known keys, our
    /// `project_id`, a `payment` block); one that says money moved is confirmed by the
    /// Gate's status read, whose status and sum are what is recorded. The receipt is a digest
    /// of what the signature covers, so the same callback sent again, however formatted, is
    /// a duplicate.
    fn notifications<'a>(
        &'a self,
        app: &'a AppState,
        incoming: &'a Incoming,
    ) -> BoxFuture<'a, Result<Vec<Notice>, AppError>> {
        Box::pin(async move {
            let body = &incoming.body;
            let read =
                ecommpay::read_payment_callback(body, self.config.secret.expose().as_bytes(), self.config.project_id);
            let (callback, payment) = match read {
                Ok(read) => read,
                Err(CallbackError::NoPayment) => return Ok(vec![Notice::Ignored("no payment in callback")]),
                Err(e @ (CallbackError::MissingSignature | CallbackError::BadSignature)) => {
                    return Err(AppError::BadSignature(e.to_string()));
                }
                Err(e) => return Err(AppError::Invalid(format!("ecommpay callback: {e}"))),
            };
            let said = ecommpay::callback_status(&callback);
            let observed = if said.takes_money() {
                match self.payment(&payment.id).await? {
                    Some(p) => Observation { status: p.status, money: p.money },
                    None => Observation { status: PaymentStatus::Pending, money: None },
                }
            } else {
                Observation { status: said, money: None }
            };
            let receipt =
                ecommpay::callback_receipt(body).ok_or_else(|| AppError::Invalid("ecommpay callback".into()))?;
            Ok(vec![steps::notice_for_reference(app, Provider::Ecommpay, &payment.id, receipt, observed).await?])
        })
    }

    fn settle_hold<'a>(
        &'a self,
        _app: &'a AppState,
        attempt: &'a Attempt,
        capture: bool,
    ) -> BoxFuture<'a, Result<PaymentStatus, AppError>> {
        Box::pin(async move {
            // The hold's method decides the Gate path, so the Gate is read first.
            let method = match self.payment(&attempt.provider_order_id).await? {
                Some(p) => p.method,
                None => return Err(AppError::Conflict("ECommPay does not report this payment".into())),
            };
            self.settle(&attempt.provider_order_id, &method, capture, attempt.amount, attempt.currency.code()).await?;
            Ok(self.status(&attempt.provider_order_id).await?.unwrap_or(PaymentStatus::Authorized))
        })
    }
}
