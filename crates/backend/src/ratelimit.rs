//! Per-client rate limits on `start` and `pay`, and on `status` with a budget of its own
//! (token buckets from [`tolem_core::ratelimit`]), keyed by the client's IP address: the
//! peer's, or the one the configured number of trusted proxies put in `X-Forwarded-For`.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tolem_core::ratelimit::{Bucket, RateLimit};

use crate::error::AppError;
use crate::AppState;

/// Buckets beyond this many are pruned of the full ones, so a crowd of one-off clients
/// cannot grow the map without bound.
const PRUNE_ABOVE: usize = 10_000;

/// The buckets of every client seen recently.
#[derive(Default)]
pub struct ClientLimiter {
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

impl ClientLimiter {
    /// Takes one request for `client` at `now_ms`; `Err(ms)` says how long to wait.
    pub fn check(&self, limit: RateLimit, client: IpAddr, now_ms: u64) -> Result<(), u64> {
        // A poisoned lock only means another request panicked mid-update: the map is fine.
        let mut buckets = self.buckets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() > PRUNE_ABOVE {
            buckets.retain(|_, b| !b.idle(limit, now_ms));
        }
        buckets.entry(client).or_insert_with(|| Bucket::full(limit, now_ms)).take(limit, now_ms)
    }
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// The client's address: read from `X-Forwarded-For` past the trusted proxies, else the peer.
fn client_of(req: &Request, trusted_proxies: usize) -> Option<IpAddr> {
    let forwarded: Vec<&str> =
        req.headers().get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect();
    tolem_core::ratelimit::forwarded_client(&forwarded, trusted_proxies)
        .or_else(|| req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()))
}

/// Takes one request from `client`'s bucket in `limiter`, or answers 429.
fn admit(
    limiter: &ClientLimiter,
    rule: Option<RateLimit>,
    req: &Request,
    trusted_proxies: usize,
) -> Result<(), AppError> {
    let Some(rule) = rule else { return Ok(()) };
    let client = client_of(req, trusted_proxies).unwrap_or(IpAddr::from([0, 0, 0, 0]));
    limiter
        .check(rule, client, now_ms())
        .map_err(|wait_ms| AppError::RateLimited { retry_after_s: wait_ms.div_ceil(1000).max(1) })
}

/// Middleware for `start` and `pay`: 429 `RATE_LIMITED` with `Retry-After` when a client
/// asks too often. A request whose client cannot be told (no peer address) shares one bucket.
pub async fn limit(State(app): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    match admit(&app.limiter, app.config.rate_limit, &req, app.config.trusted_proxies) {
        Ok(()) => next.run(req).await,
        Err(refused) => refused.into_response(),
    }
}

/// Middleware for `status`: the same, with the status budget (a widget polls, backing off).
pub async fn limit_status(State(app): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    match admit(&app.status_limiter, app.config.status_rate_limit, &req, app.config.trusted_proxies) {
        Ok(()) => next.run(req).await,
        Err(refused) => refused.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_have_their_own_buckets() {
        let limit = RateLimit { per_minute: 60, burst: 2 };
        let l = ClientLimiter::default();
        let (a, b) = (IpAddr::from([10, 0, 0, 1]), IpAddr::from([10, 0, 0, 2]));
        assert_eq!(l.check(limit, a, 0), Ok(()));
        assert_eq!(l.check(limit, a, 0), Ok(()));
        assert_eq!(l.check(limit, a, 0), Err(1_000));
        assert_eq!(l.check(limit, b, 0), Ok(()), "another client is not held back");
        assert_eq!(l.check(limit, a, 1_000), Ok(()));
    }
}
