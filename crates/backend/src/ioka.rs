//! Talks to ioka: sends the requests `tolem_core::providers::ioka` builds, and runs the
//! merchant guide's get-or-create flow (search by `external_id` first; create; on a 409,
//! search again) so that one merchant order never becomes two ioka orders.

use std::time::Duration;

use serde::de::DeserializeOwned;
use tolem_core::api::CustomerInfo;
use tolem_core::http::HttpRequest;
use tolem_core::providers::ioka::{
    self, IokaApiError, IokaCaptureMethod, IokaCard, IokaCustomer, IokaCustomerCreated, IokaCustomerRequest, IokaOrder,
    IokaOrderCreated, IokaOrderRequest, IokaServer,
};

use crate::config::IokaConfig;
use crate::error::AppError;
use crate::provider_http;

/// An ioka API client.
pub struct IokaClient {
    /// Settings (with the secrets).
    pub config: IokaConfig,
    http: reqwest::Client,
}

/// An ioka order as the backend needs it.
#[derive(Clone, Debug)]
pub struct OrderHandle {
    /// The order.
    pub order: IokaOrder,
    /// Its access token.
    pub access_token: Option<String>,
}

/// The merchant order as sent to ioka.
pub struct NewOrder<'a> {
    /// The merchant's order id.
    pub external_id: &'a str,
    /// Tiyn.
    pub amount: i64,
    /// `KZT`.
    pub currency: &'a str,
    /// Description.
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

impl IokaClient {
    /// A client with a per-request timeout.
    pub fn new(config: IokaConfig, timeout: Duration) -> Self {
        let http = provider_http::client(timeout);
        IokaClient { config, http }
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

    async fn find_order(&self, external_id: &str) -> Result<Option<OrderHandle>, AppError> {
        let found: Vec<IokaOrder> = self.search(self.server().find_orders(external_id)).await?;
        Ok(found.into_iter().next().map(|order| {
            let access_token = order.access_token.clone();
            OrderHandle { order, access_token }
        }))
    }

    /// Reads an order (fresh status).
    pub async fn order(&self, order_id: &str) -> Result<IokaOrder, AppError> {
        self.call::<IokaOrder>(self.server().get_order(order_id)).await?.map_err(|e| provider_error("get order", &e))
    }

    /// A customer's saved cards. Failure here is not fatal: the shopper can still pay with a
    /// new card, so errors are logged and an empty list returned.
    pub async fn cards(&self, customer_id: &str) -> Vec<IokaCard> {
        match self.call::<Vec<IokaCard>>(self.server().customer_cards(customer_id)).await {
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

fn check_same(existing: OrderHandle, o: &NewOrder<'_>) -> Result<OrderHandle, AppError> {
    if existing.order.amount != o.amount || existing.order.currency != o.currency {
        return Err(AppError::Conflict(format!(
            "order {} already exists at the provider with a different amount or currency",
            o.external_id
        )));
    }
    Ok(existing)
}
