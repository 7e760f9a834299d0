//! Bereke Bank's RBS gateway: register an order for each payment try (`register.do`, or
//! `registerPreAuth.do` for a hold) and send the shopper to its `formUrl`; read the status
//! (`getOrderStatusExtended.do`); believe a callback (checksum) only once a status read
//! confirms the money; close a page the shopper left (`decline.do`); capture or release a
//! hold. Requests and parsing come from `tolem_core::providers::bereke`.

use std::time::Duration;

use serde::de::DeserializeOwned;
use tolem_core::api::{BrowserTokens, MethodKind, PayRequest, PaymentMethod, ReturnHint, StartResponse};
use tolem_core::providers::bereke::{
    self, HasErrorCode, OrderRef, RbsError, RbsOrderStatusExtended, RbsRegisterRequest, RbsRegisterResponse, RbsServer,
    RbsSimpleResponse,
};
use tolem_core::providers::Provider;
use tolem_core::status::PaymentStatus;

use super::{BoxFuture, Incoming, Notice, Observation, Page, ProviderBackend, ReportedMoney};
use crate::config::BerekeConfig;
use crate::error::AppError;
use crate::provider_http;
use crate::steps::{self, Checkout, NextStep};
use crate::store::Attempt;
use crate::AppState;

/// Bereke, with its RBS client.
pub struct Bereke {
    /// Settings (with the secrets).
    pub config: BerekeConfig,
    http: reqwest::Client,
}

/// A registered order: the gateway's id and its hosted page.
#[derive(Clone, Debug)]
pub struct Registered {
    /// `mdOrder`.
    pub order_id: String,
    /// `formUrl`.
    pub form_url: String,
}

impl Bereke {
    /// A client with a per-request timeout.
    pub fn new(config: BerekeConfig, timeout: Duration) -> Self {
        Bereke { config, http: provider_http::client(timeout) }
    }

    fn server(&self) -> RbsServer<'_> {
        RbsServer {
            base_url: &self.config.base_url,
            user_name: &self.config.user_name,
            password: self.config.password.expose(),
        }
    }

    async fn call<T: DeserializeOwned + HasErrorCode>(
        &self,
        req: tolem_core::http::HttpRequest,
    ) -> Result<Result<T, RbsError>, AppError> {
        let (status, body) = provider_http::send(&self.http, "bereke", req).await?;
        Ok(bereke::parse(status, &body))
    }

    /// `register.do` (or `registerPreAuth.do` in two-stage mode). `Ok(Err(message))` when the
    /// gateway refuses the order number (errorCode 1: used, registered unpaid, or invalid). A
    /// `language` the gateway refuses (errorCode 5) is dropped and the call made once more
    /// without it, so a page language it lacks never stops a payment.
    pub async fn register(&self, r: &RbsRegisterRequest<'_>) -> Result<Result<Registered, String>, AppError> {
        let mut answer: Result<RbsRegisterResponse, RbsError> =
            self.call(self.server().register(r, self.config.two_stage)).await?;
        if let (Err(e), Some(language)) = (&answer, r.language) {
            if e.is_wrong_value() {
                tracing::warn!(language, error = %e, "Bereke refused register.do with this language; registering without it");
                let without = RbsRegisterRequest { language: None, ..r.clone() };
                answer = self.call(self.server().register(&without, self.config.two_stage)).await?;
            }
        }
        match answer {
            Ok(RbsRegisterResponse { order_id: Some(order_id), form_url: Some(form_url), .. }) => {
                Ok(Ok(Registered { order_id, form_url }))
            }
            Ok(_) => Err(AppError::Provider("bereke register.do: answer without orderId/formUrl".into())),
            Err(e) if e.is_order_number_refused() => Ok(Err(e.to_string())),
            Err(e) => Err(AppError::Provider(format!("bereke register.do: {e}"))),
        }
    }

    /// `getOrderStatusExtended.do`. `Ok(None)` for an unknown order (errorCode 6).
    pub async fn status(&self, order: OrderRef<'_>) -> Result<Option<RbsOrderStatusExtended>, AppError> {
        match self.call(self.server().order_status_extended(order)).await? {
            Ok(s) => Ok(Some(s)),
            Err(e) if e.is_unknown_order() => Ok(None),
            Err(e) => Err(AppError::Provider(format!("bereke getOrderStatusExtended.do: {e}"))),
        }
    }

    /// A callback from a terminal that sends no checksum (`TOLEM_BEREKE_UNSIGNED_CALLBACKS`):
    /// nothing in it is believed. It only names an order, whose status is read from the
    /// gateway, and that read is what is applied; its receipt is the order and the status
    /// read, so the same news read twice is a duplicate. Polling settles payments all the same
    /// if such callbacks never come.
    async fn unsigned_notification(&self, app: &AppState, params: &str) -> Result<Vec<Notice>, AppError> {
        let callback = bereke::read_unsigned_callback(params).map_err(|e| AppError::Invalid(e.to_string()))?;
        if !bereke::looks_like_order_id(&callback.md_order) {
            return Err(AppError::Invalid("mdOrder: not a Bereke order id".into()));
        }
        let Some(order) = self.status(OrderRef::OrderId(&callback.md_order)).await? else {
            return Err(AppError::NotFound);
        };
        let observed = Observation { status: PaymentStatus::from(&order), money: money_of(&order) };
        let number = order.order_number.clone().unwrap_or_default();
        let receipt = format!("read:{}:{}", callback.md_order, observed.status.as_str());
        Ok(vec![steps::notice_for_reference(app, Provider::Bereke, &number, receipt, observed).await?])
    }

    /// After register.do refused the try's order number (errorCode 1), the order it names, read
    /// by number, says which refusal it was: an order that took or holds money settles the
    /// attempt (its page reached someone after all: never register a second one); an unpaid
    /// or declined one means the number is used (`Ok`: move on to the next try's number); no
    /// order at all means the gateway finds the number itself invalid, which no later try
    /// fixes.
    async fn number_refused(&self, app: &AppState, attempt: &Attempt, refusal: &str) -> Result<(), AppError> {
        match self.status(OrderRef::OrderNumber(&attempt.provider_order_id)).await? {
            Some(found) => {
                let observed = PaymentStatus::from(&found);
                let believed = steps::believed(app, attempt, observed, &money_of(&found), "pay").await?;
                match believed.takes_money() {
                    true => steps::refuse_if_settled(app, attempt, believed).await,
                    false => Ok(()),
                }
            }
            None => Err(AppError::Provider(format!(
                "Bereke refuses the order number {:?} ({refusal}) and has no order by it: the number itself is invalid",
                attempt.provider_order_id
            ))),
        }
    }

    /// `decline.do`: closes a registered order nobody has paid (the shopper switched to
    /// another provider). `Ok(false)` when the gateway refuses (the order is no longer unpaid:
    /// read its status to learn why).
    pub async fn decline(&self, md_order: &str) -> Result<bool, AppError> {
        let answer: Result<RbsSimpleResponse, RbsError> = self.call(self.server().decline(md_order)).await?;
        match answer {
            Ok(_) => Ok(true),
            // 5: our credentials are refused; any other code: the order's state forbids it.
            Err(RbsError::Code { code, .. }) if code != "5" => Ok(false),
            Err(e) => Err(AppError::Provider(format!("bereke decline.do: {e}"))),
        }
    }

    /// `deposit.do` (whole held amount) when `capture`, else `reverse.do`.
    pub async fn settle(&self, md_order: &str, capture: bool) -> Result<(), AppError> {
        let req = if capture { self.server().deposit(md_order, 0) } else { self.server().reverse(md_order) };
        let answer: Result<RbsSimpleResponse, RbsError> = self.call(req).await?;
        answer.map(|_| ()).map_err(|e| AppError::Conflict(format!("Bereke refused: {e}")))
    }
}

/// The money an RBS order status names: its amount and its currency, an ISO 4217 numeric
/// code turned into alpha-3 (`"398"` → `KZT`; an unknown code is kept as it is, and then
/// matches no order's currency).
pub fn money_of(order: &RbsOrderStatusExtended) -> ReportedMoney {
    let (amount, numeric) = order.amount.zip(order.currency.as_deref())?;
    let currency = tolem_core::money::Currency::ALL
        .into_iter()
        .find(|c| numeric.trim().parse::<u16>().ok() == Some(c.numeric()))
        .map_or_else(|| numeric.to_owned(), |c| c.code().to_owned());
    Some((amount, currency))
}

impl ProviderBackend for Bereke {
    fn provider(&self) -> Provider {
        Provider::Bereke
    }

    /// RBS answers `formUrl` on its API host.
    fn page_hosts(&self) -> Vec<String> {
        tolem_core::redirect::https_host(&self.config.base_url).into_iter().collect()
    }

    fn start<'a>(
        &'a self,
        app: &'a AppState,
        checkout: &'a Checkout,
    ) -> BoxFuture<'a, Result<StartResponse, AppError>> {
        Box::pin(async move {
            // Room for the `~n` suffix of later tries within RBS's 32 characters.
            if checkout.order.id.len() + 3 > bereke::MAX_ORDER_NUMBER_LEN {
                return Err(AppError::Invalid("order.id: Bereke accepts order ids of at most 29 characters".into()));
            }
            let card = PaymentMethod::plain(bereke::CARD_METHOD, MethodKind::Card, "Bank card");
            steps::start_hosted_page(app, checkout, vec![card], BrowserTokens::default()).await
        })
    }

    /// The current try's `formUrl`: registered once per try (double clicks and two tabs wait
    /// on one lease and get the same page). A try the bank already settled is never reused.
    fn page<'a>(
        &'a self,
        app: &'a AppState,
        attempt: Attempt,
        choice: &'a PayRequest,
    ) -> BoxFuture<'a, Result<Page, AppError>> {
        Box::pin(async move {
            if choice.method_id != bereke::CARD_METHOD {
                return Err(AppError::Invalid("methodId: unknown method".into()));
            }
            let (guard, mut attempt) = steps::with_attempt_lease(app, &attempt.attempt_id).await?;
            if let (Some(md_order), Some(url)) = (&attempt.provider_session_id, &attempt.checkout_url) {
                // Still payable? A settled order must not be shown again.
                if let Some(found) = self.status(OrderRef::OrderId(md_order)).await? {
                    steps::refuse_if_settled(app, &attempt, PaymentStatus::from(&found)).await?;
                }
                return Ok(Page::Redirect(url.clone()));
            }
            loop {
                let details = attempt.details.clone();
                let (lifetime_secs, payable_until) = steps::page_lifetime(app);
                guard.ensure_held().await?;
                let registered = self
                    .register(&RbsRegisterRequest {
                        order_number: &attempt.provider_order_id,
                        amount: attempt.amount,
                        currency: attempt.currency.numeric(),
                        return_url: &steps::return_url(&details.return_url, ReturnHint::Success),
                        fail_url: &steps::return_url(&details.return_url, ReturnHint::Failure),
                        description: details.description.as_deref(),
                        language: bereke::page_language(details.locale.as_deref(), &self.config.languages),
                        client_id: attempt.provider_customer_id.as_deref(),
                        email: details.email.as_deref(),
                        phone: details.phone.as_deref(),
                        json_params: Some(
                            serde_json::json!({"tolem_attempt": attempt.attempt_id, "tolem_idempotency_key": attempt.idempotency_key})
                                .to_string(),
                        ),
                        session_timeout_secs: Some(lifetime_secs),
                    })
                    .await?;
                let registered = match registered {
                    Ok(registered) => registered,
                    Err(refusal) => {
                        self.number_refused(app, &attempt, &refusal).await?;
                        // The number was registered before, and its formUrl never reached us
                        // (a crash or timeout after the bank answered). Nobody can pay an
                        // order whose page nobody has, so move on to the next try's number.
                        tracing::warn!(attempt = %attempt.attempt_id, "Bereke orderNumber already registered; registering the next try");
                        attempt = match steps::after_reference_taken(app, &attempt).await? {
                            NextStep::Try(next) => *next,
                            NextStep::Page(url) => return Ok(Page::Redirect(url)),
                        };
                        continue;
                    }
                };
                let url = steps::store_page(
                    app,
                    &attempt,
                    Some(&registered.order_id),
                    &registered.form_url,
                    Some(payable_until),
                )
                .await?;
                return Ok(Page::Redirect(url));
            }
        })
    }

    fn read<'a>(
        &'a self,
        _app: &'a AppState,
        attempt: &'a Attempt,
    ) -> BoxFuture<'a, Result<Option<Observation>, AppError>> {
        Box::pin(async move {
            let Some(md_order) = &attempt.provider_session_id else {
                return Ok(None);
            };
            match self.status(OrderRef::OrderId(md_order)).await? {
                Some(found) => Ok(Some(Observation { status: PaymentStatus::from(&found), money: money_of(&found) })),
                None => {
                    tracing::warn!(attempt = %attempt.attempt_id, "Bereke does not know this order");
                    Ok(None)
                }
            }
        })
    }

    /// RBS sends the shopper back with `?orderId=<mdOrder>`.
    fn returned_session(&self, query: &std::collections::HashMap<String, String>) -> Result<Option<String>, AppError> {
        let Some(order_id) = query.get("orderId") else {
            return Ok(None);
        };
        let parsed = bereke::parse_return(&format!("?orderId={order_id}"))
            .ok_or_else(|| AppError::Invalid("orderId: not a Bereke order id".into()))?;
        Ok(Some(parsed.order_id))
    }

    /// RBS callbacks carry no amount: one that says money moved is confirmed by reading the
    /// order (`getOrderStatusExtended.do`), whose amount and currency are then checked. A
    /// callback comes as GET with the query, or as POST with a form body (or, if that is
    /// empty, the query).
    fn notifications<'a>(
        &'a self,
        app: &'a AppState,
        incoming: &'a Incoming,
    ) -> BoxFuture<'a, Result<Vec<Notice>, AppError>> {
        Box::pin(async move {
            let params = if incoming.body.is_empty() {
                incoming.query.clone().unwrap_or_default()
            } else {
                String::from_utf8_lossy(&incoming.body).into_owned()
            };
            let Some(token) = &self.config.callback_token else {
                return self.unsigned_notification(app, &params).await;
            };
            let callback = bereke::verify_callback(&params, token.expose().as_bytes())
                .map_err(|e| AppError::BadSignature(e.to_string()))?;
            let said = callback.status();
            let money = if said.takes_money() {
                match self.status(OrderRef::OrderId(&callback.md_order)).await? {
                    Some(order) => money_of(&order),
                    // The gateway does not know the order it just called about: believe nothing.
                    None => {
                        return Err(AppError::Provider("bereke: the callback's order is unknown to the gateway".into()))
                    }
                }
            } else {
                None
            };
            let observed = Observation { status: said, money };
            let notice =
                steps::notice_for_reference(app, Provider::Bereke, &callback.order_number, callback.checksum, observed)
                    .await?;
            Ok(vec![notice])
        })
    }

    /// `decline.do`. A refusal means the order's state moved (paid meanwhile): the status is
    /// read again, and money there refuses the switch.
    fn close_page<'a>(&'a self, app: &'a AppState, attempt: &'a Attempt) -> BoxFuture<'a, Result<bool, AppError>> {
        Box::pin(async move {
            let Some(md_order) = &attempt.provider_session_id else {
                return Ok(false);
            };
            if self.decline(md_order).await? {
                app.store.advance_status(&attempt.attempt_id, PaymentStatus::Cancelled, "switch").await?;
                return Ok(true);
            }
            let status = steps::refresh(app, attempt).await?;
            if status.takes_money() {
                return Err(AppError::Conflict(format!("this order is already {} with bereke", status.as_str())));
            }
            Ok(status.is_final())
        })
    }

    fn settle_hold<'a>(
        &'a self,
        _app: &'a AppState,
        attempt: &'a Attempt,
        capture: bool,
    ) -> BoxFuture<'a, Result<PaymentStatus, AppError>> {
        Box::pin(async move {
            let md_order = attempt.provider_session_id.as_deref().ok_or(AppError::NotFound)?;
            self.settle(md_order, capture).await?;
            let found = self.status(OrderRef::OrderId(md_order)).await?.ok_or(AppError::NotFound)?;
            Ok(PaymentStatus::from(&found))
        })
    }
}
