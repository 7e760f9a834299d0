//! OneEntry: talks to a OneEntry project on the signed-in shopper's behalf. The payment
//! accounts are the methods; `pay` makes one order per try in the orders storage (priced by
//! OneEntry from its products, refused when that price is not the session's amount), then a
//! payment session whose `paymentUrl` is the page. A 401 on a per-user call refreshes the
//! user's tokens once and retries once; the new tokens are stored with the attempt.
//! Requests and parsing come from `tolem_core::providers::oneentry`.

use std::time::Duration;

use serde::de::DeserializeOwned;
use tolem_core::api::{BrowserTokens, PayRequest, StartResponse, UserToken};
use tolem_core::http::HttpRequest;
use tolem_core::money::MinorUnits;
use tolem_core::providers::oneentry::rules::{self, AfterUnauthorized};
use tolem_core::providers::oneentry::{
    self, AuthTokens, CreatedOrder, NewOrder, OneEntryApi, OneEntryError, PaymentAccount, Session, SessionsByOrder,
};
use tolem_core::providers::Provider;

use super::{BoxFuture, Observation, Page, ProviderBackend};
use crate::config::OneEntryConfig;
use crate::error::AppError;
use crate::provider_http;
use crate::steps::{self, Checkout};
use crate::store::Attempt;
use crate::AppState;

/// OneEntry, with its project client.
pub struct OneEntry {
    /// Project URL, app token, storage and form, status table, page wait.
    pub config: OneEntryConfig,
    http: reqwest::Client,
    device_metadata: String,
}

impl OneEntry {
    /// A client with a per-request timeout.
    pub fn new(config: OneEntryConfig, timeout: Duration) -> Self {
        let device_metadata =
            oneentry::device_metadata("UQ_tolembackend_000000000001", "server", "tolem-backend", "kk-KZ");
        OneEntry { config, http: provider_http::client(timeout), device_metadata }
    }

    fn api(&self) -> OneEntryApi<'_> {
        OneEntryApi {
            project_url: &self.config.project_url,
            app_token: &self.config.app_token,
            device_metadata: &self.device_metadata,
            lang_code: &self.config.lang_code,
        }
    }

    async fn call<T: DeserializeOwned>(&self, req: HttpRequest) -> Result<Result<T, OneEntryError>, AppError> {
        let (status, body) = provider_http::send(&self.http, "oneentry", req).await?;
        Ok(oneentry::parse(status, &body))
    }

    /// Email sign-in. A refusal (wrong email or password) is [`AppError::SignInFailed`].
    pub async fn sign_in(&self, email: &str, password: &str) -> Result<UserToken, AppError> {
        match self.call::<AuthTokens>(self.api().sign_in(email, password)).await? {
            Ok(t) => Ok(UserToken { access_token: t.access_token, refresh_token: Some(t.refresh_token) }),
            Err(OneEntryError::Unauthorized(_)) | Err(OneEntryError::Refused { status: 400 | 403 | 404, .. }) => {
                Err(AppError::SignInFailed)
            }
            Err(e) => Err(AppError::Provider(format!("oneentry sign-in: {e}"))),
        }
    }

    /// A per-user call: on 401, refresh once and retry once. `user` is updated with the new
    /// tokens (the caller stores them); `Ok(true)` in the second place when they changed.
    async fn as_user<T: DeserializeOwned>(
        &self,
        user: &mut UserToken,
        what: &str,
        build: impl Fn(&OneEntryApi<'_>, &str) -> HttpRequest,
    ) -> Result<(T, bool), AppError> {
        match self.as_user_or_absent(user, what, build).await? {
            (Some(v), changed) => Ok((v, changed)),
            (None, _) => Err(AppError::Provider(format!("oneentry {what}: not found"))),
        }
    }

    /// [`Self::as_user`], with a 404 answered as `None`.
    async fn as_user_or_absent<T: DeserializeOwned>(
        &self,
        user: &mut UserToken,
        what: &str,
        build: impl Fn(&OneEntryApi<'_>, &str) -> HttpRequest,
    ) -> Result<(Option<T>, bool), AppError> {
        match self.call::<T>(build(&self.api(), &user.access_token)).await? {
            Ok(v) => return Ok((Some(v), false)),
            Err(OneEntryError::Refused { status: 404, .. }) => return Ok((None, false)),
            Err(OneEntryError::Unauthorized(_)) => {}
            Err(e) => return Err(refused(what, e)),
        }
        let refresh_token = match rules::after_unauthorized(false, user.refresh_token.as_deref()) {
            AfterUnauthorized::Refresh(token) => token,
            AfterUnauthorized::SignIn => return Err(AppError::SignInRequired),
        };
        let fresh = match self.call::<AuthTokens>(self.api().refresh(&refresh_token)).await? {
            Ok(t) => t,
            Err(OneEntryError::Unauthorized(_)) => return Err(AppError::SignInRequired),
            Err(e) => return Err(AppError::Provider(format!("oneentry refresh: {e}"))),
        };
        tracing::info!("oneentry access token refreshed");
        *user = UserToken { access_token: fresh.access_token, refresh_token: Some(fresh.refresh_token) };
        match self.call::<T>(build(&self.api(), &user.access_token)).await? {
            Ok(v) => Ok((Some(v), true)),
            Err(OneEntryError::Refused { status: 404, .. }) => Ok((None, true)),
            Err(OneEntryError::Unauthorized(_)) => Err(AppError::SignInRequired),
            Err(e) => Err(refused(what, e)),
        }
    }

    /// The project's payment accounts.
    pub async fn accounts(&self, user: &mut UserToken) -> Result<(Vec<PaymentAccount>, bool), AppError> {
        self.as_user(user, "accounts", |api, token| api.accounts(token)).await
    }

    /// Creates the order.
    pub async fn create_order(
        &self,
        user: &mut UserToken,
        order: &NewOrder<'_>,
    ) -> Result<(CreatedOrder, bool), AppError> {
        self.as_user(user, "create order", |api, token| api.create_order(order, token)).await
    }

    /// Opens a payment session for the order.
    pub async fn create_session(&self, user: &mut UserToken, order_id: i64) -> Result<(Session, bool), AppError> {
        self.as_user(user, "create session", |api, token| api.create_session(order_id, token)).await
    }

    /// The order's newest session, if any. "None yet" is an empty list, or a 404 (OneEntry's
    /// own rules code allows for an error there).
    pub async fn latest_session(
        &self,
        user: &mut UserToken,
        order_id: i64,
    ) -> Result<(Option<Session>, bool), AppError> {
        let (sessions, changed): (Option<SessionsByOrder>, bool) =
            self.as_user_or_absent(user, "sessions", |api, token| api.sessions_by_order(order_id, token)).await?;
        Ok((sessions.and_then(|s| s.latest()), changed))
    }
}

fn refused(what: &str, e: OneEntryError) -> AppError {
    match e {
        OneEntryError::Refused { status: 400 | 422, message } => {
            AppError::Invalid(format!("OneEntry refused: {message}"))
        }
        other => AppError::Provider(format!("oneentry {what}: {other}")),
    }
}

impl OneEntry {
    /// One order per try in the orders storage, then a payment session whose `paymentUrl`
    /// may appear only on a later read. A cash account places the order: [`Page::Placed`].
    async fn pay(&self, app: &AppState, attempt: Attempt, req: &PayRequest) -> Result<Page, AppError> {
        let (guard, mut attempt) = steps::with_attempt_lease(app, &attempt.attempt_id).await?;
        let mut user = attempt.details.user_token.clone().ok_or(AppError::SignInRequired)?;
        let kept = attempt.provider_session_id.as_deref().and_then(|s| s.parse::<i64>().ok());
        let kept = kept.zip(attempt.details.method_id.as_deref());
        let mut order_id = rules::order_for_account(kept, &req.method_id);
        if kept.is_some() && order_id.is_none() {
            // Another payment account: OneEntry ties the order to one, so a new try, a new order.
            attempt = steps::new_try(app, &attempt).await?;
        }
        let order_id = match order_id.take() {
            Some(id) => id,
            None => {
                let details = attempt.details.clone();
                let form_data = rules::order_form(
                    &self.config.form_markers,
                    &attempt.provider_order_id,
                    details.email.as_deref(),
                    details.phone.as_deref(),
                );
                let products = rules::product_lines(&details.items);
                let config = &self.config;
                guard.ensure_held().await?;
                let (created, _) = self
                    .create_order(
                        &mut user,
                        &NewOrder {
                            storage_marker: &config.storage_marker,
                            form_identifier: &config.form_identifier,
                            payment_account_identifier: &req.method_id,
                            form_data: &form_data,
                            products: &products,
                        },
                    )
                    .await?;
                let total = created.total_sum.as_ref().map(|t| t.0.as_str());
                if let Err(e) = rules::check_price(total, MinorUnits(attempt.amount), attempt.currency) {
                    tracing::warn!(attempt = %attempt.attempt_id, "{e}");
                    return Err(AppError::Conflict("the shop's prices differ from the order amount".into()));
                }
                app.store.set_session(&attempt.attempt_id, attempt.try_number, &created.id.to_string()).await?;
                attempt.details.method_id = Some(req.method_id.clone());
                created.id
            }
        };
        attempt.details.user_token = Some(user.clone());
        app.store.set_details(&attempt.attempt_id, &attempt.details).await?;
        if oneentry::is_cash(&req.method_id) {
            tracing::info!(attempt = %attempt.attempt_id, "OneEntry order placed, pay on delivery");
            return Ok(Page::Placed);
        }
        let (mut session, _) = self.latest_session(&mut user, order_id).await?;
        if let Some(s) = &session {
            steps::refuse_if_settled(app, &attempt, self.config.statuses.map(&s.status)).await?;
        }
        let opens_own = !rules::may_open_session(&req.method_id, &self.config.own_session_accounts);
        if session.is_none() && !opens_own {
            guard.ensure_held().await?;
            session = Some(self.create_session(&mut user, order_id).await?.0);
        }
        // Wait for the paymentUrl (and, for an account that opens its own session, for the
        // session itself).
        let mut reads_done = 1;
        while session.as_ref().is_none_or(|s| s.payment_url.is_none()) {
            let Some(pause_ms) = self.config.page_wait.next_read(reads_done) else {
                break;
            };
            tokio::time::sleep(std::time::Duration::from_millis(u64::from(pause_ms))).await;
            session = self.latest_session(&mut user, order_id).await?.0;
            reads_done += 1;
        }
        attempt.details.user_token = Some(user);
        app.store.set_details(&attempt.attempt_id, &attempt.details).await?;
        match session.and_then(|s| s.payment_url) {
            Some(url) => {
                let stored = app
                    .store
                    .set_checkout(&attempt.attempt_id, attempt.try_number, Some(&order_id.to_string()), &url)
                    .await?;
                // A try that moved on meanwhile has no page to show: a placed order.
                Ok(stored.and_then(|a| a.checkout_url).map_or(Page::Placed, Page::Redirect))
            }
            None => Err(AppError::Provider("the OneEntry payment page is not ready yet".into())),
        }
    }
}

impl ProviderBackend for OneEntry {
    fn provider(&self) -> Provider {
        Provider::Oneentry
    }

    /// The shopper must be signed in (a user token from the page, a sign-in from the widget,
    /// or the tokens an earlier `start` stored); the project's payment accounts are the
    /// methods. The OneEntry order is made at `pay`, once the account is chosen.
    fn start<'a>(&'a self, app: &'a AppState, req: &'a Checkout) -> BoxFuture<'a, Result<StartResponse, AppError>> {
        Box::pin(async move {
            if req.order.items.is_empty() {
                return Err(AppError::Invalid(
                    "order.items: OneEntry prices the order from its products; list them".into(),
                ));
            }
            let given = match (&req.user_token, &req.sign_in) {
                (Some(token), _) => Some(token.clone()),
                (None, Some(s)) => Some(self.sign_in(&s.email, &s.password).await?),
                (None, None) => None,
            };
            let stored =
                app.store.by_order(Provider::Oneentry, &req.order.id).await?.and_then(|a| a.details.user_token);
            let mut user = given.or(stored).ok_or(AppError::SignInRequired)?;
            let (accounts, _) = self.accounts(&mut user).await?;
            let lang = oneentry::lang_code(req.locale.as_deref().unwrap_or("ru"));
            let methods = oneentry::methods(&accounts, lang);
            if methods.is_empty() {
                return Err(AppError::Provider("oneentry offers no payment account".into()));
            }
            let answer = steps::start_hosted_page(app, req, methods, BrowserTokens::default()).await?;
            if let Some(mut attempt) = app.store.by_id(&answer.attempt_id).await? {
                attempt.details.user_token = Some(user);
                app.store.set_details(&attempt.attempt_id, &attempt.details).await?;
            }
            Ok(answer)
        })
    }

    fn page<'a>(
        &'a self,
        app: &'a AppState,
        attempt: Attempt,
        choice: &'a PayRequest,
    ) -> BoxFuture<'a, Result<Page, AppError>> {
        Box::pin(self.pay(app, attempt, choice))
    }

    /// The newest session of the try's order, through the configured status table. A placed
    /// cash order has no page and nothing to read. OneEntry's price is checked at `pay` (the
    /// order's `totalSum`); its session names no money.
    fn read<'a>(
        &'a self,
        app: &'a AppState,
        attempt: &'a Attempt,
    ) -> BoxFuture<'a, Result<Option<Observation>, AppError>> {
        Box::pin(async move {
            let order_id = attempt.provider_session_id.as_deref().and_then(|s| s.parse::<i64>().ok());
            let (Some(order_id), Some(mut user), Some(_)) =
                (order_id, attempt.details.user_token.clone(), &attempt.checkout_url)
            else {
                return Ok(None);
            };
            let (session, refreshed) = self.latest_session(&mut user, order_id).await?;
            if refreshed {
                let mut details = attempt.details.clone();
                details.user_token = Some(user);
                app.store.set_details(&attempt.attempt_id, &details).await?;
            }
            Ok(session.map(|s| Observation { status: self.config.statuses.map(&s.status), money: None }))
        })
    }
}
