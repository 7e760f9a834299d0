//! ioka: the order (and the shopper's customer, for saved cards) is made at `start`, with
//! the merchant guide's get-or-create flow (search by `external_id` first; create; on a 409,
//! search again) so that one merchant order never becomes two ioka orders; the shopper pays
//! on the order's `checkout_url`; webhooks are signed (`X-Signature`). Requests and parsing
//! come from `tolem_core::providers::ioka`.

use std::time::Duration;

use serde::de::DeserializeOwned;
use tolem_core::api::{BrowserTokens, CustomerInfo, MethodKind, PayRequest, PaymentMethod, ReturnHint, StartResponse};
use tolem_core::http::HttpRequest;
use tolem_core::money::Currency;
use tolem_core::providers::ioka::{
    self, IokaApiError, IokaCaptureMethod, IokaCard, IokaCustomer, IokaCustomerCreated, IokaCustomerRequest, IokaOrder,
    IokaOrderCreated, IokaOrderRequest, IokaOrderStatus, IokaPayment, IokaPaymentStatus, IokaSavedCardPayment,
    IokaServer, SavedCardOutcome,
};
use tolem_core::providers::Provider;
use tolem_core::status::PaymentStatus;

use super::{BoxFuture, Incoming, News, Notice, Observation, Page, ProviderBackend};
use crate::config::IokaConfig;
use crate::error::AppError;
use crate::locks::Exclusive;
use crate::provider_http;
use crate::steps::{self, Checkout};
use crate::store::{Attempt, AttemptDetails};
use crate::AppState;

/// ioka, with its API client.
pub struct Ioka {
    /// Settings (with the secrets).
    pub config: IokaConfig,
    http: reqwest::Client,
}

/// An ioka order as the backend needs it.
#[derive(Clone, Debug)]
pub struct OrderHandle {
    /// The order, as ioka answered it.
    pub order: IokaOrder,
    /// Its access token.
    pub access_token: Option<String>,
}

/// The merchant order as sent to ioka.
pub struct NewOrder<'a> {
    /// The merchant's order id.
    pub external_id: &'a str,
    /// Amount in tiyn (at least 100).
    pub amount: i64,
    /// `KZT`.
    pub currency: &'a str,
    /// Shown on ioka's page.
    pub description: Option<&'a str>,
    /// Linked customer.
    pub customer_id: Option<&'a str>,
    /// `success_url`, `failure_url`, `back_url`.
    pub return_urls: [String; 3],
    /// The widget's idempotency key (kept in `extra_info`).
    pub idempotency_key: &'a str,
}

fn provider_error(what: &str, e: &IokaApiError) -> AppError {
    AppError::Provider(format!("ioka {what}: {e}"))
}

impl Ioka {
    /// A client with a per-request timeout.
    pub fn new(config: IokaConfig, timeout: Duration) -> Self {
        let http = provider_http::client(timeout);
        Ioka { config, http }
    }

    fn server(&self) -> IokaServer<'_> {
        IokaServer { base_url: &self.config.base_url, api_key: self.config.api_key.expose() }
    }

    async fn send(&self, req: HttpRequest) -> Result<(u16, String), AppError> {
        provider_http::send(&self.http, "ioka", req).await
    }

    async fn call<T: DeserializeOwned>(&self, req: HttpRequest) -> Result<Result<T, IokaApiError>, AppError> {
        let (status, body) = self.send(req).await?;
        Ok(ioka::parse(status, &body))
    }

    async fn search<T: DeserializeOwned>(&self, req: HttpRequest) -> Result<Vec<T>, AppError> {
        let (status, body) = self.send(req).await?;
        ioka::parse_search(status, &body).map_err(|e| provider_error("search", &e))
    }

    /// Finds the ioka customer for the merchant's customer id, or creates it.
    /// Returns `(customer id, customer access token)`; `None` when no customer id was given.
    pub async fn get_or_create_customer(&self, c: &CustomerInfo) -> Result<Option<(String, Option<String>)>, AppError> {
        let Some(external_id) = c.id.as_deref() else {
            return Ok(None);
        };
        let found: Vec<IokaCustomer> = self.search(self.server().find_customers(external_id)).await?;
        if let Some(existing) = found.into_iter().next() {
            return Ok(Some((existing.id, existing.access_token)));
        }
        let body = IokaCustomerRequest {
            external_id: Some(external_id.to_owned()),
            email: c.email.clone(),
            phone: c.phone.clone(),
        };
        match self.call::<IokaCustomerCreated>(self.server().create_customer(&body)).await? {
            Ok(created) => Ok(Some((created.customer.id, Some(created.customer_access_token)))),
            Err(e) if e.is_conflict() => {
                // created by a concurrent request in between: read it
                let found: Vec<IokaCustomer> = self.search(self.server().find_customers(external_id)).await?;
                found
                    .into_iter()
                    .next()
                    .map(|c| Some((c.id, c.access_token)))
                    .ok_or_else(|| provider_error("customer", &e))
            }
            Err(e) => Err(provider_error("create customer", &e)),
        }
    }

    /// Finds the ioka order for the merchant order, or creates it. An existing order with a
    /// different amount is a conflict, never silently reused.
    pub async fn get_or_create_order(&self, o: &NewOrder<'_>) -> Result<OrderHandle, AppError> {
        if let Some(existing) = self.find_order(o.external_id).await? {
            return check_same(existing, o);
        }
        let [success_url, failure_url, back_url] = o.return_urls.clone();
        let body = IokaOrderRequest {
            amount: o.amount,
            currency: o.currency.to_owned(),
            capture_method: if self.config.manual_capture {
                IokaCaptureMethod::Manual
            } else {
                IokaCaptureMethod::Auto
            },
            external_id: o.external_id.to_owned(),
            description: o.description.map(str::to_owned),
            customer_id: o.customer_id.map(str::to_owned),
            back_url: Some(back_url),
            success_url: Some(success_url),
            failure_url: Some(failure_url),
            extra_info: Some(serde_json::json!({"tolem_idempotency_key": o.idempotency_key})),
        };
        match self.call::<IokaOrderCreated>(self.server().create_order(&body)).await? {
            Ok(created) => Ok(OrderHandle { order: created.order, access_token: Some(created.order_access_token) }),
            Err(e) if e.is_conflict() => match self.find_order(o.external_id).await? {
                Some(existing) => check_same(existing, o),
                None => Err(provider_error("order exists but cannot be found", &e)),
            },
            Err(e) => Err(provider_error("create order", &e)),
        }
    }

    /// The order of a merchant order, by `external_id`. A search result need not carry the
    /// order's `access_token` (the OpenAPI's `SearchOrderOut` has none): the order is then
    /// read by id, whose `OrderOut` does.
    async fn find_order(&self, external_id: &str) -> Result<Option<OrderHandle>, AppError> {
        let found: Vec<IokaOrder> = self.search(self.server().find_orders(external_id)).await?;
        let Some(order) = found.into_iter().next() else {
            return Ok(None);
        };
        let order = match order.access_token {
            Some(_) => order,
            None => self.order(&order.id).await?,
        };
        let access_token = order.access_token.clone();
        Ok(Some(OrderHandle { order, access_token }))
    }

    /// Reads an order (fresh status).
    pub async fn order(&self, order_id: &str) -> Result<IokaOrder, AppError> {
        self.call::<IokaOrder>(self.server().get_order(order_id)).await?.map_err(|e| provider_error("get order", &e))
    }

    /// A customer's saved cards (the `API-KEY` and the customer's access token, as the OpenAPI
    /// asks). Failure here is not fatal: the shopper can still pay with a new card, so it is
    /// logged as a warning (with ioka's words) and an empty list returned.
    pub async fn cards(&self, customer_id: &str, customer_access_token: Option<&str>) -> Vec<IokaCard> {
        let Some(token) = customer_access_token else {
            tracing::warn!(
                customer = customer_id,
                "ioka cards unavailable: no customer access token for this customer"
            );
            return Vec::new();
        };
        match self.call::<Vec<IokaCard>>(self.server().customer_cards(customer_id, token)).await {
            Ok(Ok(cards)) => cards,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "ioka cards unavailable");
                Vec::new()
            }
            Err(e) => {
                tracing::warn!(error = %e, "ioka cards unavailable");
                Vec::new()
            }
        }
    }
}

impl Ioka {
    /// The saved card `card_id` of the attempt's customer, read fresh from ioka: a card id
    /// the browser sends is believed only if ioka lists it for this shopper.
    async fn shoppers_card(&self, attempt: &Attempt, card_id: &str) -> Result<IokaCard, AppError> {
        let (customer_id, token) = shopper(attempt)?;
        let cards = self
            .call::<Vec<IokaCard>>(self.server().customer_cards(customer_id, token))
            .await?
            .map_err(|e| provider_error("cards", &e))?;
        cards
            .into_iter()
            .find(|c| c.id == card_id && c.status.as_deref().is_none_or(|s| s == "APPROVED"))
            .ok_or_else(not_theirs)
    }

    /// Pays the order with a saved card that needs no CVC (`POST …/payments/card`), under
    /// the attempt's lease. The payment is remembered on the attempt: a second `pay` while it
    /// is in flight (a double click, another instance) answers the same payment instead of
    /// charging again. ioka's answer decides what the shopper sees: its 3-D Secure page, or
    /// nothing (`charged`: the widget follows the status, which a declined or settled
    /// payment has already moved).
    async fn charge_saved_card(&self, app: &AppState, attempt: &Attempt, card: &IokaCard) -> Result<Page, AppError> {
        let (_lease, attempt) = steps::with_attempt_lease(app, &attempt.attempt_id).await?;
        let order_id = attempt.provider_order_id.clone();
        let order = self.order(&order_id).await?;
        steps::refuse_if_settled(app, &attempt, order.status.into()).await?;
        if let Some(payment_id) = &attempt.details.saved_card_payment {
            let earlier = self.call::<IokaPayment>(self.server().get_payment(&order_id, payment_id)).await?;
            if let Ok(payment) = earlier {
                if matches!(payment.status, IokaPaymentStatus::Pending | IokaPaymentStatus::RequiresAction) {
                    return self.after_charge(app, &attempt, &payment).await;
                }
            }
        }
        let (customer_id, _) = shopper(&attempt)?;
        let body = IokaSavedCardPayment { customer_id: customer_id.to_owned(), card_id: card.id.clone() };
        let req = self.server().pay_with_saved_card(&order_id, attempt.order_access_token.as_deref(), &body);
        let payment = self.call::<IokaPayment>(req).await?.map_err(|e| provider_error("pay with saved card", &e))?;
        let mut details = attempt.details.clone();
        details.saved_card_payment = Some(payment.id.clone());
        app.store.set_details(&attempt.attempt_id, &details).await?;
        self.after_charge(app, &attempt, &payment).await
    }

    /// The page for a saved-card payment: ioka's confirmation page, or none, with what the
    /// payment already says recorded (checked against the order's amount like any report).
    async fn after_charge(&self, app: &AppState, attempt: &Attempt, payment: &IokaPayment) -> Result<Page, AppError> {
        match ioka::saved_card_outcome(payment) {
            SavedCardOutcome::Confirm(url) => Ok(Page::Redirect(url)),
            SavedCardOutcome::Settled(status) => {
                if status != PaymentStatus::Pending {
                    let money = ioka::payment_money(payment)
                        .filter(|a| *a > 0)
                        .map(|amount| (amount, attempt.currency.code().to_owned()));
                    let status = steps::believed(app, attempt, status, &money, "pay").await?;
                    app.store.advance_status(&attempt.attempt_id, status, "pay").await?;
                }
                Ok(Page::Charged)
            }
        }
    }
}

/// The attempt's ioka customer and its access token: what reading, paying with and removing
/// the shopper's saved cards all take. An attempt without them has no saved cards.
fn shopper(attempt: &Attempt) -> Result<(&str, &str), AppError> {
    match (attempt.provider_customer_id.as_deref(), attempt.customer_access_token.as_deref()) {
        (Some(customer_id), Some(token)) => Ok((customer_id, token)),
        _ => Err(not_theirs()),
    }
}

fn not_theirs() -> AppError {
    AppError::Invalid("methodId: not one of this shopper's saved cards".into())
}

fn check_same(existing: OrderHandle, o: &NewOrder<'_>) -> Result<OrderHandle, AppError> {
    if existing.order.amount != o.amount || existing.order.currency != o.currency {
        return Err(AppError::Conflict(format!(
            "order {} already exists at the provider with a different amount or currency",
            o.external_id
        )));
    }
    Ok(existing)
}

impl Ioka {
    /// An ioka order this backend already knows: fresh status, reopened if a try failed.
    async fn resume(&self, app: &AppState, req: &Checkout, existing: Attempt) -> Result<Attempt, AppError> {
        steps::refuse_if_repriced_at_start(&existing, req)?;
        let existing = steps::with_fresh_status(app, existing).await?;
        self.reopen_if_payable(app, existing).await
    }

    /// A new ioka order (found again by `external_id` if an earlier call made it), and its
    /// attempt.
    async fn create(&self, app: &AppState, req: &Checkout, guard: &Exclusive<'_>) -> Result<Attempt, AppError> {
        guard.ensure_held().await?;
        let customer = self.get_or_create_customer(&req.customer).await?;
        guard.ensure_held().await?;
        let (customer_id, customer_token) = match customer {
            Some((id, token)) => (Some(id), token),
            None => (None, None),
        };
        let handle = self
            .get_or_create_order(&NewOrder {
                external_id: &req.order.id,
                amount: req.order.amount.0,
                currency: req.order.currency.code(),
                description: req.order.description.as_deref(),
                customer_id: customer_id.as_deref(),
                return_urls: ReturnHint::ALL.map(|hint| steps::return_url(&req.return_url, hint)),
                idempotency_key: &req.idempotency_key,
            })
            .await?;
        let status: PaymentStatus = handle.order.status.into();
        let fresh = Attempt {
            attempt_id: steps::new_attempt_id()?,
            provider: Provider::Ioka,
            order_id: req.order.id.clone(),
            amount: req.order.amount.0,
            currency: req.order.currency,
            idempotency_key: req.idempotency_key.clone(),
            provider_customer_id: customer_id,
            provider_order_id: handle.order.id.clone(),
            order_access_token: handle.access_token,
            customer_access_token: customer_token,
            checkout_url: handle.order.checkout_url.clone(),
            status,
            try_number: 1,
            provider_session_id: None,
            details: AttemptDetails::default(),
            attention: None,
            superseded_by: None,
            payable_until_ms: None,
        };
        Ok(app.store.insert_or_existing(&fresh).await?)
    }

    /// A declined or cancelled try leaves the ioka order payable (`UNPAID`, attempts left): a
    /// new start reopens the attempt for another try. Anything else stays as it is.
    async fn reopen_if_payable(&self, app: &AppState, mut attempt: Attempt) -> Result<Attempt, AppError> {
        if !matches!(attempt.status, PaymentStatus::Failed | PaymentStatus::Cancelled) {
            return Ok(attempt);
        }
        let order = self.order(&attempt.provider_order_id).await?;
        attempt.status = match order.status {
            IokaOrderStatus::Unpaid => app.store.reopen(&attempt.attempt_id).await?,
            other => app.store.advance_status(&attempt.attempt_id, other.into(), "start").await?,
        };
        Ok(attempt)
    }
}

impl ProviderBackend for Ioka {
    fn provider(&self) -> Provider {
        Provider::Ioka
    }

    /// The ioka order is made (once per merchant order, on any instance) before methods are
    /// offered: the widget's card form and saved cards need its access tokens.
    fn start<'a>(&'a self, app: &'a AppState, req: &'a Checkout) -> BoxFuture<'a, Result<StartResponse, AppError>> {
        Box::pin(async move {
            if req.order.currency != Currency::Kzt {
                return Err(AppError::Invalid("order.currency: ioka accepts KZT only".into()));
            }
            if req.order.amount.0 < 100 {
                return Err(AppError::Invalid("order.amount: ioka's minimum is 100 tiyn (1 ₸)".into()));
            }
            // A known order needs no hold: reading its status and reopening it are
            // compare-and-set.
            let attempt = match app.store.by_order(Provider::Ioka, &req.order.id).await? {
                Some(existing) => self.resume(app, req, existing).await?,
                None => {
                    // Concurrent starts for a new order, on any instance, wait here: only the
                    // holder talks to ioka. A holder that died after ioka made the order leaves
                    // it for the next holder to find by external_id (get-or-create): still one
                    // ioka order.
                    let guard = app.exclusive(&format!("start:ioka:{}", req.order.id)).await?;
                    match app.store.by_order(Provider::Ioka, &req.order.id).await? {
                        Some(existing) => self.resume(app, req, existing).await?,
                        None => self.create(app, req, &guard).await?,
                    }
                }
            };
            let methods = match &attempt.provider_customer_id {
                Some(customer_id) if !attempt.status.is_final() => {
                    let cards = self.cards(customer_id, attempt.customer_access_token.as_deref()).await;
                    ioka::methods_from_cards(&cards, "Bank card")
                }
                _ => vec![PaymentMethod::plain(ioka::NEW_CARD_METHOD, MethodKind::Card, "Bank card")],
            };
            Ok(StartResponse {
                order: steps::summary(&attempt),
                attempt_id: attempt.attempt_id,
                status: attempt.status,
                methods,
                tokens: BrowserTokens {
                    order_access_token: attempt.order_access_token,
                    customer_access_token: attempt.customer_access_token,
                    public_key: Some(self.config.public_key.clone()),
                },
                redirect_hosts: Vec::new(),
            })
        })
    }

    /// A new card, and a saved card whose CVC must be typed, go to the order's
    /// `checkout_url` (ioka's page asks for the card, or the CVC of the saved one). A saved
    /// card that needs no CVC is charged here ([`Ioka::charge_saved_card`]).
    fn page<'a>(
        &'a self,
        app: &'a AppState,
        attempt: Attempt,
        choice: &'a PayRequest,
    ) -> BoxFuture<'a, Result<Page, AppError>> {
        Box::pin(async move {
            if choice.method_id != ioka::NEW_CARD_METHOD {
                let card_id = ioka::saved_card_id(&choice.method_id)
                    .ok_or_else(|| AppError::Invalid("methodId: unknown method".into()))?;
                let card = self.shoppers_card(&attempt, card_id).await?;
                if !card.cvc_required {
                    return self.charge_saved_card(app, &attempt, &card).await;
                }
            }
            let url =
                attempt.checkout_url.ok_or_else(|| AppError::Provider("ioka order has no checkout_url".into()))?;
            Ok(Page::Redirect(url))
        })
    }

    /// Removes one of the shopper's saved cards at ioka.
    fn remove_saved_method<'a>(
        &'a self,
        _app: &'a AppState,
        attempt: &'a Attempt,
        method_id: &'a str,
    ) -> BoxFuture<'a, Result<(), AppError>> {
        Box::pin(async move {
            let card_id =
                ioka::saved_card_id(method_id).ok_or_else(|| AppError::Invalid("methodId: not a saved card".into()))?;
            let card = self.shoppers_card(attempt, card_id).await?;
            let (customer_id, token) = shopper(attempt)?;
            let (status, body) = self.send(self.server().delete_card(customer_id, &card.id, token)).await?;
            match status {
                200..=299 => Ok(()),
                _ => Err(provider_error("remove card", &ioka::error_answer(status, &body))),
            }
        })
    }

    fn read<'a>(
        &'a self,
        _app: &'a AppState,
        attempt: &'a Attempt,
    ) -> BoxFuture<'a, Result<Option<Observation>, AppError>> {
        Box::pin(async move {
            let order = self.order(&attempt.provider_order_id).await?;
            Ok(Some(Observation { status: order.status.into(), money: Some((order.amount, order.currency.clone())) }))
        })
    }

    /// A hold (`TOLEM_IOKA_CAPTURE=MANUAL`) is captured whole with `POST
    /// /v2/orders/{id}/capture` or released with `…/cancel`; the status is what the order
    /// then reads (`PAID`), or `cancelled` once ioka answers the cancel with a `CANCELLED`
    /// payment (ioka has no cancelled order status).
    fn settle_hold<'a>(
        &'a self,
        _app: &'a AppState,
        attempt: &'a Attempt,
        capture: bool,
    ) -> BoxFuture<'a, Result<PaymentStatus, AppError>> {
        Box::pin(async move {
            let order_id = &attempt.provider_order_id;
            let req = match capture {
                true => self.server().capture_order(order_id, attempt.amount),
                false => self.server().cancel_order(order_id),
            };
            let payment =
                self.call::<IokaPayment>(req).await?.map_err(|e| AppError::Conflict(format!("ioka refused: {}", e)))?;
            let from_payment = PaymentStatus::from(payment.status);
            let from_order: PaymentStatus = self.order(order_id).await?.status.into();
            Ok(from_order.advance(from_payment))
        })
    }

    /// `X-Signature` over the raw body; the event names the order (or the payment's order).
    /// A replay (same signed body) is a duplicate.
    fn notifications<'a>(
        &'a self,
        app: &'a AppState,
        incoming: &'a Incoming,
    ) -> BoxFuture<'a, Result<Vec<Notice>, AppError>> {
        Box::pin(async move {
            let signature = incoming.headers.get("x-signature").and_then(|v| v.to_str().ok());
            let event = ioka::verify_webhook(self.config.webhook_key.expose().as_bytes(), &incoming.body, signature)
                .map_err(|e| AppError::BadSignature(e.to_string()))?;
            let order_id = event
                .order
                .as_ref()
                .map(|o| o.id.clone())
                .or_else(|| event.payment.as_ref().map(|p| p.order_id.clone()));
            let Some(order_id) = order_id else {
                return Ok(vec![Notice::Ignored("no order in event")]);
            };
            let Some(attempt) = app.store.by_provider_order(Provider::Ioka, &order_id).await? else {
                // Not ours (or created outside Tolem): acknowledge so ioka stops retrying.
                tracing::info!(event = ?event.event, "ioka webhook for an unknown order");
                return Ok(vec![Notice::Ignored("unknown order")]);
            };
            let receipt = signature.unwrap_or_default().trim().to_ascii_lowercase();
            let money = ioka::webhook_money(&event)
                .map(|(amount, currency)| (amount, currency.unwrap_or(attempt.currency.code()).to_owned()));
            let observed = Observation { status: ioka::webhook_status(&event), money };
            Ok(vec![Notice::News(Box::new(News {
                attempt,
                current_try: true,
                reference: order_id,
                receipt,
                observed,
            }))])
        })
    }
}
