//! Notifications to the shop: every status change of an attempt is POSTed to
//! `TOLEM_NOTIFY_URL` as JSON ([`tolem_core::notify::ShopNotification`]), signed with
//! `TOLEM_NOTIFY_SECRET` in the `Tolem-Signature` header.
//!
//! * **Nothing is lost.** The change's own transaction writes the notification into the store
//!   (the outbox, `store::notifications`), so a restart or a crash between the change and the
//!   delivery only delays it.
//! * **At least once, in order per attempt.** A change is sent only after every earlier one of
//!   its attempt was delivered or gave up; a failed try (no 2xx within the timeout) is tried
//!   again after 10 s (`TOLEM_NOTIFY_FIRST_RETRY_MS`), doubling up to an hour, for
//!   `TOLEM_NOTIFY_RETRY_HOURS` (72); then it is
//!   marked failed, listed by `GET /admin/notifications?state=failed` and sent again by
//!   `POST /admin/notifications/replay`. The shop deduplicates by `id`.
//! * **One sender.** Every instance runs [`spawn`]'s loop, but only the holder of the store's
//!   lease `notify` sends; another instance takes over when the holder's lease runs out.

use std::sync::{Arc, Weak};
use std::time::Duration;

use tolem_core::notify::{retry_delay_ms, sign, ShopNotification, SIGNATURE_HEADER};

use crate::config::NotifyConfig;
use crate::store::{DueNotification, Store};
use crate::AppState;

/// The store lease only the sending instance holds.
pub const LEASE: &str = "notify";

/// Most notifications sent at once (to different attempts).
const BATCH: u32 = 16;

/// The longest the loop sleeps between looks at the store when nothing wakes it: changes on
/// another SQLite process, and another instance's lease running out, are noticed within it.
const IDLE_LOOK: Duration = Duration::from_secs(1);

/// Starts this instance's delivery loop on the current tokio runtime when notifications are
/// configured. The loop ends by itself once `app` is dropped.
pub fn spawn(app: &Arc<AppState>) {
    let Some(config) = app.config.notify.clone() else {
        return;
    };
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        tracing::error!("notifications are configured but there is no runtime to send them from");
        return;
    };
    let client = match reqwest::Client::builder()
        .timeout(config.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Tolem/", env!("CARGO_PKG_VERSION")))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "cannot build the notification client; notifications stay queued");
            return;
        }
    };
    let sender = Sender { app: Arc::downgrade(app), config, client, holder: instance_id() };
    runtime.spawn(sender.run());
}

/// A random id for this instance's lease (with the process id and the time should the
/// system's randomness fail: only uniqueness between instances matters).
fn instance_id() -> String {
    crate::steps::random_hex(8).map_or_else(
        |_| format!("notify-{}-{}", std::process::id(), crate::store::now_ms()),
        |hex| format!("notify-{hex}"),
    )
}

struct Sender {
    app: Weak<AppState>,
    config: NotifyConfig,
    client: reqwest::Client,
    holder: String,
}

impl Sender {
    async fn run(self) {
        let Some(mut changes) = self.app.upgrade().map(|app| app.store.changes().subscribe()) else {
            return;
        };
        let ttl = (self.config.timeout * 3).max(Duration::from_secs(5));
        loop {
            let Some(app) = self.app.upgrade() else {
                return;
            };
            let pause = match self.turn(&app.store, ttl).await {
                Ok(pause) => pause,
                Err(e) => {
                    tracing::warn!(error = %e, "notifications: the store failed; trying again");
                    IDLE_LOOK
                }
            };
            drop(app);
            // A change anywhere (this process, or another via PostgreSQL) may have queued one.
            tokio::select! {
                _ = changes.recv() => {}
                () = tokio::time::sleep(pause) => {}
            }
        }
    }

    /// One look at the store: sends what is due if this instance holds the lease, and says
    /// how long to wait for the next look.
    async fn turn(&self, store: &Store, ttl: Duration) -> Result<Duration, crate::store::StoreError> {
        let holds =
            store.renew_lease(LEASE, &self.holder, ttl).await? || store.try_lease(LEASE, &self.holder, ttl).await?;
        if !holds {
            return Ok(IDLE_LOOK);
        }
        let now = crate::store::now_ms();
        let due = store.due_notifications(now, BATCH).await?;
        let sent = due.len();
        let mut tries = tokio::task::JoinSet::new();
        for notification in due {
            let delivery = self.deliver(store.clone(), notification);
            tries.spawn(delivery);
        }
        while tries.join_next().await.is_some() {}
        if sent as u32 == BATCH {
            // More may be waiting.
            return Ok(Duration::ZERO);
        }
        let next = store.next_notification_ms().await?;
        let until_next = next.map_or(IDLE_LOOK, |at| Duration::from_millis(u64::try_from(at - now).unwrap_or(0)));
        Ok(until_next.min(IDLE_LOOK))
    }

    /// Sends one notification and records what became of it.
    fn deliver(&self, store: Store, due: DueNotification) -> impl std::future::Future<Output = ()> + Send + 'static {
        let client = self.client.clone();
        let url = self.config.url.clone();
        let secret = self.config.secret.clone();
        let retry_for_ms = i64::try_from(self.config.retry_for.as_millis()).unwrap_or(i64::MAX);
        let first_retry_ms = i64::try_from(self.config.first_retry.as_millis()).unwrap_or(i64::MAX);
        async move {
            let outcome = match store.reported_change(&due.attempt_id, due.step).await {
                Ok(Some(change)) => {
                    let body = payload(&change);
                    post(&client, &url, secret.expose().as_bytes(), body).await
                }
                // The attempt or its history is gone (nothing deletes them): nothing to say.
                Ok(None) => Ok(()),
                Err(e) => {
                    tracing::warn!(error = %e, attempt = %due.attempt_id, "notifications: cannot read the change");
                    return;
                }
            };
            let recorded = match outcome {
                Ok(()) => {
                    crate::metrics::delivery(crate::metrics::Delivery::Delivered);
                    store.notification_delivered(&due.attempt_id, due.step).await
                }
                Err(error) => {
                    let tries = due.tries.saturating_add(1);
                    let next = crate::store::now_ms() + retry_delay_ms(tries, first_retry_ms);
                    let next = (next <= due.created_ms.saturating_add(retry_for_ms)).then_some(next);
                    crate::metrics::delivery(if next.is_none() {
                        crate::metrics::Delivery::GaveUp
                    } else {
                        crate::metrics::Delivery::FailedTry
                    });
                    if next.is_none() {
                        tracing::warn!(attempt = %due.attempt_id, sequence = due.step, %error, "notification failed for good; replay it from the admin API");
                    } else {
                        tracing::info!(attempt = %due.attempt_id, sequence = due.step, %error, tries, "notification not taken; trying again later");
                    }
                    store.notification_try_failed(&due.attempt_id, due.step, &error, next).await
                }
            };
            if let Err(e) = recorded {
                tracing::warn!(error = %e, attempt = %due.attempt_id, "notifications: cannot record the delivery");
            }
        }
    }
}

/// The JSON body for `change`.
fn payload(change: &crate::store::ReportedChange) -> Vec<u8> {
    let a = &change.attempt;
    let notification = ShopNotification {
        id: format!("{}.{}", a.attempt_id, change.step),
        attempt_id: a.attempt_id.clone(),
        order_id: a.order_id.clone(),
        provider: a.provider.as_str().to_owned(),
        status: change.status,
        is_final: change.status.is_final(),
        amount: a.amount,
        currency: a.currency.code().to_owned(),
        reference: change.reference.clone().or_else(|| Some(a.provider_order_id.clone())).filter(|r| !r.is_empty()),
        sequence: change.step,
        at: tolem_core::time::iso_utc(change.at_ms.div_euclid(1000)),
    };
    // Plain strings and numbers: serialising cannot fail.
    serde_json::to_vec(&notification).unwrap_or_default()
}

/// POSTs `body`, signed now. `Err` says what went wrong, for the delivery record (no body,
/// no secret).
async fn post(client: &reqwest::Client, url: &str, secret: &[u8], body: Vec<u8>) -> Result<(), String> {
    let now_seconds = crate::store::now_ms().div_euclid(1000);
    let signature = sign(secret, now_seconds, &body);
    let response = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(SIGNATURE_HEADER, signature)
        .body(body)
        .send()
        .await
        .map_err(|e| {
            if e.is_timeout() {
                "timed out".to_owned()
            } else if e.is_connect() {
                "could not connect".to_owned()
            } else {
                "request failed".to_owned()
            }
        })?;
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("HTTP {}", status.as_u16()))
    }
}
