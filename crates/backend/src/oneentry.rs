//! Talks to a OneEntry project on the shopper's behalf: sign-in, payment accounts, the
//! order in the orders storage, the payment session. A 401 on a per-user call refreshes the
//! user's tokens once and retries once; the new tokens are handed back to be stored.
//! Requests and parsing come from `tolem_core::providers::oneentry`.

use std::time::Duration;

use serde::de::DeserializeOwned;
use tolem_core::api::UserToken;
use tolem_core::http::HttpRequest;
use tolem_core::providers::oneentry::{
    self, AuthTokens, CreatedOrder, NewOrder, OneEntryApi, OneEntryError, PaymentAccount, Session, SessionsByOrder,
};

use crate::config::OneEntryConfig;
use crate::error::AppError;
use crate::provider_http;

/// A OneEntry client.
pub struct OneEntryClient {
    /// Settings.
    pub config: OneEntryConfig,
    http: reqwest::Client,
    device_metadata: String,
}

impl OneEntryClient {
    /// A client with a per-request timeout.
    pub fn new(config: OneEntryConfig, timeout: Duration) -> Self {
        let device_metadata =
            oneentry::device_metadata("UQ_tolembackend_000000000001", "server", "tolem-backend", "kk-KZ");
        OneEntryClient { config, http: provider_http::client(timeout), device_metadata }
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
        match self.call::<T>(build(&self.api(), &user.access_token)).await? {
            Ok(v) => return Ok((v, false)),
            Err(OneEntryError::Unauthorized(_)) => {}
            Err(e) => return Err(refused(what, e)),
        }
        let Some(refresh_token) = user.refresh_token.clone() else {
            return Err(AppError::SignInRequired);
        };
        let fresh = match self.call::<AuthTokens>(self.api().refresh(&refresh_token)).await? {
            Ok(t) => t,
            Err(OneEntryError::Unauthorized(_)) => return Err(AppError::SignInRequired),
            Err(e) => return Err(AppError::Provider(format!("oneentry refresh: {e}"))),
        };
        tracing::info!("oneentry access token refreshed");
        *user = UserToken { access_token: fresh.access_token, refresh_token: Some(fresh.refresh_token) };
        match self.call::<T>(build(&self.api(), &user.access_token)).await? {
            Ok(v) => Ok((v, true)),
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

    /// The order's newest session, if any.
    pub async fn latest_session(
        &self,
        user: &mut UserToken,
        order_id: i64,
    ) -> Result<(Option<Session>, bool), AppError> {
        let (sessions, changed): (SessionsByOrder, bool) =
            self.as_user(user, "sessions", |api, token| api.sessions_by_order(order_id, token)).await?;
        Ok((sessions.latest(), changed))
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
