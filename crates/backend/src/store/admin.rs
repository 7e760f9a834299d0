//! What the admin API reads: attempts searched and listed a page at a time, and an attempt's
//! full history.

use sqlx::Row;
use tolem_core::providers::Provider;
use tolem_core::status::PaymentStatus;

use super::{attempt_from_row, Attempt, Store, StoreError};

/// Which attempts to list; every part is optional.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AttemptFilter {
    /// The merchant's order id, exactly.
    pub order_id: Option<String>,
    /// The provider.
    pub provider: Option<Provider>,
    /// The current status.
    pub status: Option<PaymentStatus>,
    /// Made at or after (ms since the epoch).
    pub from_ms: Option<i64>,
    /// Made before (ms since the epoch).
    pub to_ms: Option<i64>,
}

/// Where the next page starts: after the attempt made at `created_ms` with `attempt_id`
/// (newest first, so the next page holds older ones).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageCursor {
    /// The last listed attempt's creation time.
    pub created_ms: i64,
    /// The last listed attempt's id.
    pub attempt_id: String,
}

impl PageCursor {
    /// The cursor as the API hands it out: `<created_ms>.<attempt_id>`.
    pub fn to_text(&self) -> String {
        format!("{}.{}", self.created_ms, self.attempt_id)
    }

    /// A cursor handed out by [`PageCursor::to_text`]; `None` for anything else.
    pub fn parse(text: &str) -> Option<PageCursor> {
        let (created, id) = text.split_once('.')?;
        let created_ms = created.parse::<i64>().ok().filter(|ms| *ms >= 0)?;
        tolem_core::api::check_id("cursor", id).ok()?;
        Some(PageCursor { created_ms, attempt_id: id.to_owned() })
    }
}

/// An attempt as listed, with when it was made and last changed.
#[derive(Clone, Debug)]
pub struct ListedAttempt {
    /// The attempt.
    pub attempt: Attempt,
    /// Made (ms since the epoch).
    pub created_ms: i64,
    /// Last changed.
    pub updated_ms: i64,
}

/// One page of attempts, newest first, and the cursor of the next page when there is one.
#[derive(Clone, Debug)]
pub struct AttemptPage {
    /// The attempts.
    pub attempts: Vec<ListedAttempt>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<PageCursor>,
}

/// One entry of an attempt's history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryEntry {
    /// Its place (1, 2, …): the notification's `sequence`.
    pub step: i64,
    /// The status from then on.
    pub status: PaymentStatus,
    /// What moved it (`webhook`, `poll`, `start`, `retry`, `capture`, an alert, …).
    pub source: String,
    /// When (ms since the epoch).
    pub at_ms: i64,
}

impl Store {
    /// Attempts matching `filter`, newest first, at most `limit`, starting after `after`.
    pub async fn search_attempts(
        &self,
        filter: &AttemptFilter,
        after: Option<&PageCursor>,
        limit: u32,
    ) -> Result<AttemptPage, StoreError> {
        let rows = sqlx::query(
            "SELECT attempt_id, provider, order_id, amount, currency, idempotency_key, provider_customer_id,
                    provider_order_id, order_access_token, customer_access_token, checkout_url, status, try_number,
                    provider_session_id, details, attention, superseded_by, payable_until_ms, created_ms, updated_ms
             FROM attempts
             WHERE ($1 IS NULL OR order_id = $1)
               AND ($2 IS NULL OR provider = $2)
               AND ($3 IS NULL OR status = $3)
               AND ($4 IS NULL OR created_ms >= $4)
               AND ($5 IS NULL OR created_ms < $5)
               AND ($6 IS NULL OR created_ms < $6 OR (created_ms = $6 AND attempt_id < $7))
             ORDER BY created_ms DESC, attempt_id DESC
             LIMIT $8",
        )
        .bind(filter.order_id.as_deref())
        .bind(filter.provider.map(Provider::as_str))
        .bind(filter.status.map(PaymentStatus::as_str))
        .bind(filter.from_ms)
        .bind(filter.to_ms)
        .bind(after.map(|c| c.created_ms))
        .bind(after.map_or("", |c| c.attempt_id.as_str()))
        // One more than asked: whether a next page exists.
        .bind(i64::from(limit) + 1)
        .fetch_all(&self.pool)
        .await?;
        let mut attempts = rows
            .iter()
            .map(|row| {
                Ok(ListedAttempt {
                    attempt: attempt_from_row(row)?,
                    created_ms: row.try_get("created_ms")?,
                    updated_ms: row.try_get("updated_ms")?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let more = attempts.len() > limit as usize;
        attempts.truncate(limit as usize);
        let next = more
            .then(|| attempts.last())
            .flatten()
            .map(|last| PageCursor { created_ms: last.created_ms, attempt_id: last.attempt.attempt_id.clone() });
        Ok(AttemptPage { attempts, next })
    }

    /// One attempt with when it was made and last changed.
    pub async fn listed_attempt(&self, attempt_id: &str) -> Result<Option<ListedAttempt>, StoreError> {
        let Some(attempt) = self.by_id(attempt_id).await? else {
            return Ok(None);
        };
        let row = sqlx::query("SELECT created_ms, updated_ms FROM attempts WHERE attempt_id = $1")
            .bind(attempt_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(Some(ListedAttempt {
            attempt,
            created_ms: row.try_get("created_ms")?,
            updated_ms: row.try_get("updated_ms")?,
        }))
    }

    /// An attempt's whole history, in order.
    pub async fn history_entries(&self, attempt_id: &str) -> Result<Vec<HistoryEntry>, StoreError> {
        let rows =
            sqlx::query("SELECT step, status, source, at_ms FROM status_history WHERE attempt_id = $1 ORDER BY step")
                .bind(attempt_id)
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|row| {
                let status: String = row.try_get("status")?;
                Ok(HistoryEntry {
                    step: row.try_get("step")?,
                    status: PaymentStatus::from_wire(&status).ok_or(StoreError::Corrupt("status"))?,
                    source: row.try_get("source")?,
                    at_ms: row.try_get("at_ms")?,
                })
            })
            .collect()
    }
}
