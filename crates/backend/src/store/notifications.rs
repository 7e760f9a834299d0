//! The notification outbox: one row per status change (written by the change's own
//! transaction, see `record_history`), read and updated by the delivery loop in
//! [`crate::notify`] and by the admin routes.

use sqlx::any::AnyRow;
use sqlx::Row;
use tolem_core::status::PaymentStatus;

use super::{now_ms, Attempt, Store, StoreError};

/// A notification whose turn has come: the oldest undelivered change of its attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DueNotification {
    /// The attempt it reports on.
    pub attempt_id: String,
    /// Its history step (the notification's `sequence`).
    pub step: i64,
    /// Failed tries so far.
    pub tries: u32,
    /// When the change was recorded (ms since the epoch): the retry window counts from here.
    pub created_ms: i64,
}

/// Where a notification's delivery stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryState {
    /// Not delivered yet; tried again when its time comes.
    Pending,
    /// The shop answered 2xx.
    Delivered,
    /// The retry window ran out; an admin may replay it.
    Failed,
}

impl DeliveryState {
    /// `pending`, `delivered` or `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Failed => "failed",
        }
    }

    /// The state named `s` (the admin API's filter).
    pub fn from_name(s: &str) -> Option<DeliveryState> {
        match s {
            "pending" => Some(DeliveryState::Pending),
            "delivered" => Some(DeliveryState::Delivered),
            "failed" => Some(DeliveryState::Failed),
            _ => None,
        }
    }
}

/// One notification with its delivery record (the admin API's view).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryRecord {
    /// The attempt it reports on.
    pub attempt_id: String,
    /// Its history step.
    pub step: i64,
    /// The status it reports.
    pub status: PaymentStatus,
    /// Where its delivery stands.
    pub state: DeliveryState,
    /// Failed tries so far.
    pub tries: u32,
    /// When the change was recorded.
    pub created_ms: i64,
    /// When the next try may start (pending ones).
    pub next_ms: i64,
    /// When the shop took it.
    pub delivered_ms: Option<i64>,
    /// When the retry window ran out.
    pub failed_ms: Option<i64>,
    /// What the last failed try got.
    pub last_error: Option<String>,
}

/// The change a notification reports, with its attempt as it is now.
#[derive(Clone, Debug)]
pub struct ReportedChange {
    /// The attempt.
    pub attempt: Attempt,
    /// The change's place in the attempt's history.
    pub step: i64,
    /// The provider's reference of the try the change was about, as it was then (`None` for
    /// notifications queued before it was recorded: the attempt's current one then stands in).
    pub reference: Option<String>,
    /// The status the change moved it to.
    pub status: PaymentStatus,
    /// When (ms since the epoch).
    pub at_ms: i64,
}

fn delivery_from_row(row: &AnyRow) -> Result<DeliveryRecord, StoreError> {
    let status: String = row.try_get("status")?;
    let delivered_ms: Option<i64> = row.try_get("delivered_ms")?;
    let failed_ms: Option<i64> = row.try_get("failed_ms")?;
    let state = match (delivered_ms, failed_ms) {
        (Some(_), _) => DeliveryState::Delivered,
        (None, Some(_)) => DeliveryState::Failed,
        (None, None) => DeliveryState::Pending,
    };
    Ok(DeliveryRecord {
        attempt_id: row.try_get("attempt_id")?,
        step: row.try_get("step")?,
        status: PaymentStatus::from_wire(&status).ok_or(StoreError::Corrupt("status"))?,
        state,
        tries: u32::try_from(row.try_get::<i64, _>("tries")?).map_err(|_| StoreError::Corrupt("tries"))?,
        created_ms: row.try_get("created_ms")?,
        next_ms: row.try_get("next_ms")?,
        delivered_ms,
        failed_ms,
        last_error: row.try_get("last_error")?,
    })
}

/// `SELECT` of a notification joined with the history step it reports.
macro_rules! select_delivery {
    ($rest:literal) => {
        concat!(
            "SELECT n.attempt_id, n.step, h.status, n.tries, n.created_ms, n.next_ms, n.delivered_ms, n.failed_ms, n.last_error
             FROM notifications n JOIN status_history h ON h.attempt_id = n.attempt_id AND h.step = n.step ",
            $rest
        )
    };
}

impl Store {
    /// Up to `limit` notifications whose next try is due at `now_ms`, each the oldest
    /// undelivered one of its attempt (an attempt's changes reach the shop in order), the
    /// longest waiting first.
    pub async fn due_notifications(&self, now_ms: i64, limit: u32) -> Result<Vec<DueNotification>, StoreError> {
        let rows = sqlx::query(
            "SELECT n.attempt_id, n.step, n.tries, n.created_ms FROM notifications n
             WHERE n.delivered_ms IS NULL AND n.failed_ms IS NULL AND n.next_ms <= $1
               AND NOT EXISTS (SELECT 1 FROM notifications e
                               WHERE e.attempt_id = n.attempt_id AND e.step < n.step
                                 AND e.delivered_ms IS NULL AND e.failed_ms IS NULL)
             ORDER BY n.next_ms, n.attempt_id, n.step LIMIT $2",
        )
        .bind(now_ms)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(DueNotification {
                    attempt_id: row.try_get("attempt_id")?,
                    step: row.try_get("step")?,
                    tries: u32::try_from(row.try_get::<i64, _>("tries")?).map_err(|_| StoreError::Corrupt("tries"))?,
                    created_ms: row.try_get("created_ms")?,
                })
            })
            .collect()
    }

    /// When the earliest undelivered notification is due, if any is.
    pub async fn next_notification_ms(&self) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query(
            "SELECT MIN(next_ms) AS next FROM notifications WHERE delivered_ms IS NULL AND failed_ms IS NULL",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("next")?)
    }

    /// The change notification `step` of `attempt_id` reports, and the attempt.
    pub async fn reported_change(&self, attempt_id: &str, step: i64) -> Result<Option<ReportedChange>, StoreError> {
        let Some(attempt) = self.by_id(attempt_id).await? else {
            return Ok(None);
        };
        let row = sqlx::query(
            "SELECT h.status, h.at_ms, n.reference FROM status_history h
             LEFT JOIN notifications n ON n.attempt_id = h.attempt_id AND n.step = h.step
             WHERE h.attempt_id = $1 AND h.step = $2",
        )
        .bind(attempt_id)
        .bind(step)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let status: String = row.try_get("status")?;
        Ok(Some(ReportedChange {
            reference: row.try_get("reference")?,
            attempt,
            step,
            status: PaymentStatus::from_wire(&status).ok_or(StoreError::Corrupt("status"))?,
            at_ms: row.try_get("at_ms")?,
        }))
    }

    /// Records that the shop took the notification.
    pub async fn notification_delivered(&self, attempt_id: &str, step: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE notifications SET delivered_ms = $1, last_error = NULL WHERE attempt_id = $2 AND step = $3",
        )
        .bind(now_ms())
        .bind(attempt_id)
        .bind(step)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records a failed try: the next one at `next_ms`, or none (`None`: the retry window ran
    /// out and the notification is failed until replayed).
    pub async fn notification_try_failed(
        &self,
        attempt_id: &str,
        step: i64,
        error: &str,
        next_ms: Option<i64>,
    ) -> Result<(), StoreError> {
        let now = now_ms();
        sqlx::query(
            "UPDATE notifications SET tries = tries + 1, last_error = $1, next_ms = $2, failed_ms = $3
             WHERE attempt_id = $4 AND step = $5 AND delivered_ms IS NULL",
        )
        .bind(error)
        .bind(next_ms.unwrap_or(now))
        .bind(if next_ms.is_some() { None } else { Some(now) })
        .bind(attempt_id)
        .bind(step)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Sends a notification again, now: a failed one, or a delivered one the shop lost. False
    /// when there is no such notification.
    pub async fn replay_notification(&self, attempt_id: &str, step: i64) -> Result<bool, StoreError> {
        let n = sqlx::query(
            "UPDATE notifications SET delivered_ms = NULL, failed_ms = NULL, tries = 0, next_ms = $1, created_ms = $1
             WHERE attempt_id = $2 AND step = $3",
        )
        .bind(now_ms())
        .bind(attempt_id)
        .bind(step)
        .execute(&self.pool)
        .await?
        .rows_affected();
        if n == 1 {
            self.changes.announce(attempt_id);
        }
        Ok(n == 1)
    }

    /// How many notifications are pending and how many failed (the metrics' gauges).
    pub async fn notification_counts(&self) -> Result<(i64, i64), StoreError> {
        let row = sqlx::query(
            "SELECT COALESCE(SUM(CASE WHEN failed_ms IS NULL THEN 1 ELSE 0 END), 0) AS pending,
                    COALESCE(SUM(CASE WHEN failed_ms IS NOT NULL THEN 1 ELSE 0 END), 0) AS failed
             FROM notifications WHERE delivered_ms IS NULL",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok((row.try_get("pending")?, row.try_get("failed")?))
    }

    /// Notifications in `state` (all when `None`), newest first, at most `limit`; with
    /// `attempt_id`, only that attempt's.
    pub async fn notifications(
        &self,
        state: Option<DeliveryState>,
        attempt_id: Option<&str>,
        limit: u32,
    ) -> Result<Vec<DeliveryRecord>, StoreError> {
        let state = state.map(DeliveryState::as_str);
        let rows = sqlx::query(select_delivery!(
            "WHERE ($1 IS NULL
                    OR ($1 = 'pending' AND n.delivered_ms IS NULL AND n.failed_ms IS NULL)
                    OR ($1 = 'delivered' AND n.delivered_ms IS NOT NULL)
                    OR ($1 = 'failed' AND n.delivered_ms IS NULL AND n.failed_ms IS NOT NULL))
               AND ($2 IS NULL OR n.attempt_id = $2)
             ORDER BY n.created_ms DESC, n.attempt_id, n.step DESC LIMIT $3"
        ))
        .bind(state)
        .bind(attempt_id)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(delivery_from_row).collect()
    }
}
