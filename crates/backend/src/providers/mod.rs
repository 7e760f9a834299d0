//! The providers, as the routes see them: one [`ProviderBackend`] per provider, each in its
//! own file here (its HTTP client and its steps of `start`, `pay`, status reads, webhooks and
//! holds), registered in one [`Providers`] map built from the configuration.
//!
//! The routes dispatch to the implementation and keep what every provider shares (checkout
//! sessions, the one-payment-per-order rule, amount checks, receipts, leases); see
//! [`crate::steps`] for the shared steps an implementation is made of, and
//! `docs/adding-a-provider.md` for what a new provider touches.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::body::Bytes;
use axum::http::HeaderMap;
use tolem_core::api::{PayRequest, StartResponse};
use tolem_core::providers::Provider;
use tolem_core::status::PaymentStatus;

use crate::config::Config;
use crate::error::AppError;
use crate::steps::Checkout;
use crate::store::Attempt;
use crate::AppState;

pub mod bereke;
pub mod ecommpay;
pub mod ioka;
pub mod oneentry;
pub mod paytone;

/// A boxed future that can cross threads: what each [`ProviderBackend`] method returns, so
/// that the routes can call the providers through `dyn` (`Box::pin(async move { … })`).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Money as a provider reported it: minor units and an ISO 4217 alpha-3 code (`None` where
/// the report names no money).
pub type ReportedMoney = Option<(i64, String)>;

/// What a provider says about an attempt's current try: its status, and the money it says
/// the payment is for (checked against the attempt before it counts).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observation {
    /// The status, mapped to Tolem's.
    pub status: PaymentStatus,
    /// The amount and currency, where the provider's answer carries them.
    pub money: ReportedMoney,
}

/// Where `pay` sends the shopper.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Page {
    /// The provider's hosted page.
    Redirect(String),
    /// Nothing to pay online: the order was placed (a pay-on-delivery account).
    Placed,
    /// Nothing to open: the provider was asked to charge the chosen method (a saved card
    /// that needs no CVC); the status says how it went.
    Charged,
}

/// A notification as it reached `/webhooks/{provider}`, before anything is believed.
pub struct Incoming {
    /// The raw query string (RBS callbacks may come as GET).
    pub query: Option<String>,
    /// The request headers (signatures).
    pub headers: HeaderMap,
    /// The raw body, exactly as signed.
    pub body: Bytes,
}

/// One thing a verified notification says.
#[derive(Debug)]
pub enum Notice {
    /// Nothing to apply; acknowledged with this reason (so the provider stops retrying).
    Ignored(&'static str),
    /// News about one of our attempts.
    News(Box<News>),
}

/// Verified news about an attempt, to be checked and applied by [`crate::steps::apply_news`].
#[derive(Debug)]
pub struct News {
    /// The attempt the notification is about.
    pub attempt: Attempt,
    /// False when it is about an earlier try than the attempt's current one.
    pub current_try: bool,
    /// The provider's reference it names, for the logs and the merchant's alert.
    pub reference: String,
    /// What identifies this notification: the same one sent again has the same receipt and
    /// changes nothing.
    pub receipt: String,
    /// What it says, with the money where it names it (or a confirming read found it).
    pub observed: Observation,
}

/// One provider, as the routes use it. Each method gets the [`AppState`] (store, leases,
/// settings) and the attempt it is about; the route has already checked the request, the
/// checkout session and the one-payment-per-order rule.
pub trait ProviderBackend: Send + Sync {
    /// Which provider this is.
    fn provider(&self) -> Provider;

    /// `start`: the attempt for the session's order (found, or made here and at the
    /// provider) and the methods the shopper may choose, with the browser-safe tokens the
    /// widget needs.
    fn start<'a>(&'a self, app: &'a AppState, checkout: &'a Checkout)
        -> BoxFuture<'a, Result<StartResponse, AppError>>;

    /// `pay`: where to send the shopper for `choice`. Anything made at the provider is made
    /// under the attempt's lease ([`crate::steps::with_attempt_lease`]) so a double click
    /// or a second tab gets the same page; a try the provider already settled is never shown
    /// again ([`crate::steps::refuse_if_settled`]).
    fn page<'a>(
        &'a self,
        app: &'a AppState,
        attempt: Attempt,
        choice: &'a PayRequest,
    ) -> BoxFuture<'a, Result<Page, AppError>>;

    /// A fresh read of the current try at the provider. `Ok(None)`: nothing to read yet (no
    /// page was handed out, or the provider does not know the try).
    fn read<'a>(
        &'a self,
        app: &'a AppState,
        attempt: &'a Attempt,
    ) -> BoxFuture<'a, Result<Option<Observation>, AppError>>;

    /// Hosts of this deployment's provider URLs the shopper's pages may be on (Bereke's
    /// `formUrl` is on its API host, Paytone's hosted page on its API base), beyond the ones
    /// [`Provider::redirect_hosts`] knows: `start` vouches for them to the widget. The
    /// default: none.
    fn page_hosts(&self) -> Vec<String> {
        Vec::new()
    }

    /// The provider's id of a try (what [`crate::store::Store::by_session`] finds), from the
    /// parameters the provider adds when it sends the shopper back, for a page that has no
    /// attempt id of its own. `Ok(None)` (the default): the provider's return names nothing.
    ///
    /// # Errors
    /// [`AppError::Invalid`] when the parameters are there but malformed.
    fn returned_session(&self, query: &HashMap<String, String>) -> Result<Option<String>, AppError> {
        let _ = query;
        Ok(None)
    }

    /// Verifies a notification and says what it is about. A failed signature is
    /// [`AppError::BadSignature`]; a provider that sends none answers
    /// [`AppError::ProviderDisabled`] (the default).
    fn notifications<'a>(
        &'a self,
        app: &'a AppState,
        incoming: &'a Incoming,
    ) -> BoxFuture<'a, Result<Vec<Notice>, AppError>> {
        let _ = (app, incoming);
        let name = self.provider().as_str();
        Box::pin(async move { Err(AppError::ProviderDisabled(name)) })
    }

    /// Closes the live page of a pending attempt the shopper is leaving for another
    /// provider: `Ok(true)` when it can no longer be paid. The default is `Ok(false)`: the
    /// provider has no way to, so the switch waits until the page expires.
    fn close_page<'a>(&'a self, app: &'a AppState, attempt: &'a Attempt) -> BoxFuture<'a, Result<bool, AppError>> {
        let _ = (app, attempt);
        Box::pin(async { Ok(false) })
    }

    /// Removes a method saved for the shopper (`POST /methods/remove`: a saved card). The
    /// default refuses: the provider keeps nothing for the shopper through Tolem.
    fn remove_saved_method<'a>(
        &'a self,
        app: &'a AppState,
        attempt: &'a Attempt,
        method_id: &'a str,
    ) -> BoxFuture<'a, Result<(), AppError>> {
        let _ = (app, attempt, method_id);
        Box::pin(async { Err(AppError::Invalid("methodId: this provider keeps no saved methods".into())) })
    }

    /// Captures (`capture`) or releases a held payment, answering the status the provider
    /// reports after it. The default refuses: the provider holds no money through Tolem.
    fn settle_hold<'a>(
        &'a self,
        app: &'a AppState,
        attempt: &'a Attempt,
        capture: bool,
    ) -> BoxFuture<'a, Result<PaymentStatus, AppError>> {
        let _ = (app, attempt, capture);
        let name = self.provider().as_str();
        Box::pin(async move { Err(AppError::ProviderDisabled(name)) })
    }
}

/// The configured providers, by [`Provider`]. A provider that is not configured is not in
/// the map, and every route answers [`AppError::ProviderDisabled`] for it.
#[derive(Clone, Default)]
pub struct Providers {
    by_provider: HashMap<Provider, Arc<dyn ProviderBackend>>,
}

impl Providers {
    /// Every provider the configuration enables, with its client (the one place provider
    /// clients are built).
    pub fn from_config(config: &Config) -> Providers {
        let timeout = config.provider_timeout;
        let mut providers = Providers::default();
        if let Some(c) = &config.ioka {
            providers.register(ioka::Ioka::new(c.clone(), timeout));
        }
        if let Some(c) = &config.bereke {
            providers.register(bereke::Bereke::new(c.clone(), timeout));
        }
        if let Some(c) = &config.ecommpay {
            providers.register(ecommpay::Ecommpay::new(c.clone(), timeout));
        }
        if let Some(c) = &config.paytone {
            providers.register(paytone::Paytone::new(c.clone(), timeout));
        }
        if let Some(c) = &config.oneentry {
            providers.register(oneentry::OneEntry::new(c.clone(), timeout));
        }
        providers
    }

    /// Adds (or replaces) the implementation for its provider.
    pub fn register(&mut self, backend: impl ProviderBackend + 'static) {
        self.by_provider.insert(backend.provider(), Arc::new(backend));
    }

    /// The implementation for `provider`.
    ///
    /// # Errors
    /// [`AppError::ProviderDisabled`] when it is not configured.
    pub fn get(&self, provider: Provider) -> Result<&dyn ProviderBackend, AppError> {
        self.by_provider.get(&provider).map(|b| b.as_ref()).ok_or(AppError::ProviderDisabled(provider.as_str()))
    }

    /// True when `provider` is configured.
    pub fn enabled(&self, provider: Provider) -> bool {
        self.by_provider.contains_key(&provider)
    }
}
