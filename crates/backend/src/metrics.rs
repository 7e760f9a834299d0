//! What the backend counts, for Prometheus: `GET /metrics` in the Prometheus text format
//! (0.0.4), behind `Authorization: Bearer <TOLEM_METRICS_TOKEN>` (off without the token, so
//! order volumes are not public). Counted by this process since it started:
//!
//! * `tolem_http_requests_total{route, status}`: every answer, by the route's pattern
//!   (`/status`, `/webhooks/{provider}`; `unmatched` for the rest) and HTTP status;
//! * `tolem_provider_calls_total{provider, outcome}` (`ok` for 2xx, `http_error`, `unreachable`)
//!   and `tolem_provider_call_seconds{provider}`: every call to a provider's API;
//! * `tolem_webhooks_total{provider, outcome}` (`verified`, `refused`);
//! * `tolem_notification_deliveries_total{outcome}` (`delivered`, `failed_try`, `gave_up`);
//! * `tolem_notifications{state}` (`pending`, `failed`): read from the store at each scrape, so
//!   every instance reports the same shared queue;
//! * `tolem_status_waiters`: `GET /status?wait=…` requests held right now.
//!
//! The counters live in one registry per process (the provider clients and the webhook route
//! have no state to carry them), which every router of the process shares.

use std::sync::OnceLock;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ProviderOutcome {
    provider: String,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ProviderLabel {
    provider: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabel {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabel {
    state: &'static str,
}

type Latencies = Family<ProviderLabel, Histogram, fn() -> Histogram>;

struct Metrics {
    registry: Registry,
    requests: Family<RouteLabels, Counter>,
    provider_calls: Family<ProviderOutcome, Counter>,
    provider_seconds: Latencies,
    webhooks: Family<ProviderOutcome, Counter>,
    deliveries: Family<OutcomeLabel, Counter>,
    notifications: Family<StateLabel, Gauge>,
    waiters: Gauge,
}

fn latency_buckets() -> Histogram {
    // 5 ms to about 20 s.
    Histogram::new(exponential_buckets(0.005, 2.0, 12))
}

fn metrics() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(|| {
        let mut registry = Registry::with_prefix("tolem");
        let requests = Family::<RouteLabels, Counter>::default();
        registry.register("http_requests", "Answers by route pattern and HTTP status", requests.clone());
        let provider_calls = Family::<ProviderOutcome, Counter>::default();
        registry.register("provider_calls", "Calls to a provider's API by outcome", provider_calls.clone());
        let provider_seconds: Latencies = Family::new_with_constructor(latency_buckets);
        registry.register("provider_call_seconds", "Time of each call to a provider's API", provider_seconds.clone());
        let webhooks = Family::<ProviderOutcome, Counter>::default();
        registry.register("webhooks", "Provider notifications verified or refused", webhooks.clone());
        let deliveries = Family::<OutcomeLabel, Counter>::default();
        registry.register("notification_deliveries", "Tries to deliver a notification to the shop", deliveries.clone());
        let notifications = Family::<StateLabel, Gauge>::default();
        registry.register("notifications", "Notifications to the shop not delivered, by state", notifications.clone());
        let waiters = Gauge::default();
        registry.register("status_waiters", "Status requests held waiting for a change", waiters.clone());
        Metrics { registry, requests, provider_calls, provider_seconds, webhooks, deliveries, notifications, waiters }
    })
}

/// Counts an answer of `route` (the matched pattern) with `status`.
pub fn request(route: &str, status: u16) {
    metrics().requests.get_or_create(&RouteLabels { route: route.to_owned(), status }).inc();
}

/// Counts a call to `provider`'s API: `status` is `None` when it could not be reached.
pub fn provider_call(provider: &str, status: Option<u16>, took: Duration) {
    let outcome = match status {
        Some(200..=299) => "ok",
        Some(_) => "http_error",
        None => "unreachable",
    };
    let m = metrics();
    m.provider_calls.get_or_create(&ProviderOutcome { provider: provider.to_owned(), outcome }).inc();
    m.provider_seconds.get_or_create(&ProviderLabel { provider: provider.to_owned() }).observe(took.as_secs_f64());
}

/// Counts a provider notification: verified, or refused (a bad signature, a malformed body).
pub fn webhook(provider: &str, verified: bool) {
    let outcome = if verified { "verified" } else { "refused" };
    metrics().webhooks.get_or_create(&ProviderOutcome { provider: provider.to_owned(), outcome }).inc();
}

/// What became of one try to deliver a notification to the shop.
#[derive(Clone, Copy, Debug)]
pub enum Delivery {
    /// The shop took it.
    Delivered,
    /// It will be tried again.
    FailedTry,
    /// The retry window ran out.
    GaveUp,
}

/// Counts one delivery try.
pub fn delivery(outcome: Delivery) {
    let outcome = match outcome {
        Delivery::Delivered => "delivered",
        Delivery::FailedTry => "failed_try",
        Delivery::GaveUp => "gave_up",
    };
    metrics().deliveries.get_or_create(&OutcomeLabel { outcome }).inc();
}

/// Held while a status request waits; the gauge counts the live ones.
pub struct Waiter(());

impl Waiter {
    /// Counts one more waiting request until the returned value is dropped.
    pub fn start() -> Waiter {
        metrics().waiters.inc();
        Waiter(())
    }
}

impl Drop for Waiter {
    fn drop(&mut self) {
        metrics().waiters.dec();
    }
}

/// The text a scrape gets, with the shop's notification queue as `pending` and `failed`.
pub fn render(pending_notifications: i64, failed_notifications: i64) -> String {
    let m = metrics();
    m.notifications.get_or_create(&StateLabel { state: "pending" }).set(pending_notifications);
    m.notifications.get_or_create(&StateLabel { state: "failed" }).set(failed_notifications);
    let mut text = String::new();
    // Writing into a String cannot fail.
    let _ = prometheus_client::encoding::prometheus_text::encode(&mut text, &m.registry);
    text
}
