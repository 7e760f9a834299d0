//! Attempts, their status history and webhook receipts, in SQLite.
//!
//! The database enforces what matters: one attempt per (provider, merchant order)
//! (`UNIQUE`), and a status that never moves backwards (updates are compare-and-set on the
//! status read, with [`tolem_core::status::PaymentStatus::advance`] deciding the next one).

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{params, Connection, OptionalExtension, Row};
use tolem_core::money::Currency;
use tolem_core::providers::Provider;
use tolem_core::status::PaymentStatus;

/// Store failures.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite said no.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The row holds a value this version cannot read.
    #[error("corrupt row: {0}")]
    Corrupt(&'static str),
    /// A poisoned lock.
    #[error("store lock poisoned")]
    Poisoned,
}

/// One attempt: a merchant order at one provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempt {
    /// `att_…`
    pub attempt_id: String,
    /// Provider.
    pub provider: Provider,
    /// The merchant's order id.
    pub order_id: String,
    /// Minor units.
    pub amount: i64,
    /// Currency.
    pub currency: Currency,
    /// The widget's key.
    pub idempotency_key: String,
    /// The provider's customer id.
    pub provider_customer_id: Option<String>,
    /// The provider's order id.
    pub provider_order_id: String,
    /// Browser-safe order token.
    pub order_access_token: Option<String>,
    /// Browser-safe customer token.
    pub customer_access_token: Option<String>,
    /// The hosted page.
    pub checkout_url: Option<String>,
    /// Current status.
    pub status: PaymentStatus,
    /// Which payment try this is (1, 2, …): providers that refuse a reused reference after a
    /// decline (RBS `orderNumber`, ECommPay `payment_id`) get a new one per try.
    pub try_number: u32,
    /// The provider's id for the current try when it differs from the reference we chose
    /// (RBS `mdOrder`).
    pub provider_session_id: Option<String>,
    /// What a hosted page needs later, at `pay`: return URL, description, language, contacts.
    pub details: AttemptDetails,
}

/// The parts of the `start` request that hosted-page providers need at `pay`.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AttemptDetails {
    /// The merchant's return URL (the checkout page).
    pub return_url: String,
    /// Order description.
    #[serde(default)]
    pub description: Option<String>,
    /// `kk`, `ru`, `en`.
    #[serde(default)]
    pub locale: Option<String>,
    /// Shopper email.
    #[serde(default)]
    pub email: Option<String>,
    /// Shopper phone.
    #[serde(default)]
    pub phone: Option<String>,
    /// The method the current try pays with (Paytone service code), once chosen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method_id: Option<String>,
    /// The method's fields as the shopper filled them in for the current try.
    #[serde(default, skip_serializing_if = "tolem_core::api::FieldValues::is_empty")]
    pub fields: tolem_core::api::FieldValues,
    /// The provider's last-change stamp of the newest notification applied (Paytone
    /// `updated`), so an older callback arriving late is recognised.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_updated: Option<i64>,
    /// The shopper's tokens at a provider where they sign in (OneEntry). Browser-safe by
    /// the provider's design, but never printed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_token: Option<tolem_core::api::UserToken>,
    /// The order's products (OneEntry prices them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<tolem_core::api::OrderItem>,
}

/// The attempt store.
pub struct Store {
    conn: Mutex<Connection>,
}

fn row_to_attempt(r: &Row<'_>) -> rusqlite::Result<(Attempt, String, String, String)> {
    let provider: String = r.get("provider")?;
    let currency: String = r.get("currency")?;
    let status: String = r.get("status")?;
    Ok((
        Attempt {
            attempt_id: r.get("attempt_id")?,
            provider: Provider::Ioka,
            order_id: r.get("order_id")?,
            amount: r.get("amount")?,
            currency: Currency::Kzt,
            idempotency_key: r.get("idempotency_key")?,
            provider_customer_id: r.get("provider_customer_id")?,
            provider_order_id: r.get("provider_order_id")?,
            order_access_token: r.get("order_access_token")?,
            customer_access_token: r.get("customer_access_token")?,
            checkout_url: r.get("checkout_url")?,
            status: PaymentStatus::Pending,
            try_number: r.get("try_number")?,
            provider_session_id: r.get("provider_session_id")?,
            details: r
                .get::<_, Option<String>>("details")?
                .and_then(|d| serde_json::from_str(&d).ok())
                .unwrap_or_default(),
        },
        provider,
        currency,
        status,
    ))
}

fn finish(raw: (Attempt, String, String, String)) -> Result<Attempt, StoreError> {
    let (mut a, provider, currency, status) = raw;
    a.provider = Provider::from_wire(&provider).ok_or(StoreError::Corrupt("provider"))?;
    a.currency = Currency::from_code(&currency).ok_or(StoreError::Corrupt("currency"))?;
    a.status = PaymentStatus::from_wire(&status).ok_or(StoreError::Corrupt("status"))?;
    Ok(a)
}

/// Appends one row to an attempt's status history, inside the caller's transaction.
fn record_history(
    tx: &rusqlite::Transaction<'_>,
    attempt_id: &str,
    status: PaymentStatus,
    source: &str,
    now: i64,
) -> rusqlite::Result<usize> {
    tx.execute(
        "INSERT INTO status_history (attempt_id, status, source, at_ms) VALUES (?1, ?2, ?3, ?4)",
        params![attempt_id, status.as_str(), source, now],
    )
}

/// Milliseconds since the epoch (for timestamps in rows only; logic never reads it).
fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

impl Store {
    /// Opens the file (or memory) and applies the schema.
    ///
    /// # Errors
    /// When SQLite cannot open or migrate the file.
    pub fn open(path: Option<&Path>) -> Result<Store, StoreError> {
        let conn = match path {
            Some(p) => Connection::open(p)?,
            None => Connection::open_in_memory()?,
        };
        conn.execute_batch(
            "PRAGMA journal_mode=WAL;
             PRAGMA busy_timeout=5000;
             CREATE TABLE IF NOT EXISTS attempts (
                 attempt_id TEXT PRIMARY KEY,
                 provider TEXT NOT NULL,
                 order_id TEXT NOT NULL,
                 amount INTEGER NOT NULL CHECK (amount > 0),
                 currency TEXT NOT NULL,
                 idempotency_key TEXT NOT NULL,
                 provider_customer_id TEXT,
                 provider_order_id TEXT NOT NULL,
                 order_access_token TEXT,
                 customer_access_token TEXT,
                 checkout_url TEXT,
                 status TEXT NOT NULL,
                 created_ms INTEGER NOT NULL,
                 updated_ms INTEGER NOT NULL,
                 UNIQUE (provider, order_id),
                 UNIQUE (provider, provider_order_id)
             );
             CREATE TABLE IF NOT EXISTS status_history (
                 attempt_id TEXT NOT NULL REFERENCES attempts(attempt_id),
                 status TEXT NOT NULL,
                 source TEXT NOT NULL,
                 at_ms INTEGER NOT NULL
             );
             CREATE TABLE IF NOT EXISTS webhook_receipts (
                 provider TEXT NOT NULL,
                 receipt TEXT NOT NULL,
                 received_ms INTEGER NOT NULL,
                 PRIMARY KEY (provider, receipt)
             );",
        )?;
        // Version 2: payment tries (RBS / ECommPay need a fresh reference after a decline).
        let has_tries: bool =
            conn.prepare("SELECT 1 FROM pragma_table_info('attempts') WHERE name = 'try_number'")?.exists([])?;
        if !has_tries {
            conn.execute_batch(
                "ALTER TABLE attempts ADD COLUMN try_number INTEGER NOT NULL DEFAULT 1;
                 ALTER TABLE attempts ADD COLUMN provider_session_id TEXT;
                 ALTER TABLE attempts ADD COLUMN details TEXT;
                 CREATE UNIQUE INDEX IF NOT EXISTS attempts_session ON attempts(provider, provider_session_id);",
            )?;
        }
        Ok(Store { conn: Mutex::new(conn) })
    }

    fn with<T>(&self, f: impl FnOnce(&mut Connection) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let mut conn = self.conn.lock().map_err(|_| StoreError::Poisoned)?;
        f(&mut conn)
    }

    fn one(&self, sql: &str, key: &[&dyn rusqlite::ToSql]) -> Result<Option<Attempt>, StoreError> {
        self.with(|c| {
            let raw = c.query_row(sql, key, row_to_attempt).optional()?;
            raw.map(finish).transpose()
        })
    }

    /// The attempt for a merchant order, if any.
    pub fn by_order(&self, provider: Provider, order_id: &str) -> Result<Option<Attempt>, StoreError> {
        self.one("SELECT * FROM attempts WHERE provider = ?1 AND order_id = ?2", &[&provider.as_str(), &order_id])
    }

    /// An attempt by id.
    pub fn by_id(&self, attempt_id: &str) -> Result<Option<Attempt>, StoreError> {
        self.one("SELECT * FROM attempts WHERE attempt_id = ?1", &[&attempt_id])
    }

    /// An attempt by the provider's order id.
    pub fn by_provider_order(
        &self,
        provider: Provider,
        provider_order_id: &str,
    ) -> Result<Option<Attempt>, StoreError> {
        self.one(
            "SELECT * FROM attempts WHERE provider = ?1 AND provider_order_id = ?2",
            &[&provider.as_str(), &provider_order_id],
        )
    }

    /// Inserts an attempt, or returns the one that already exists for the same order
    /// (the unique constraint decides, not process memory).
    pub fn insert_or_existing(&self, a: &Attempt) -> Result<Attempt, StoreError> {
        let inserted = self.with(|c| {
            let now = now_ms();
            let tx = c.transaction()?;
            let n = tx.execute(
                "INSERT INTO attempts (attempt_id, provider, order_id, amount, currency, idempotency_key,
                     provider_customer_id, provider_order_id, order_access_token, customer_access_token,
                     checkout_url, status, created_ms, updated_ms, try_number, provider_session_id, details)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13, ?14, ?15, ?16)
                 ON CONFLICT DO NOTHING",
                params![
                    a.attempt_id,
                    a.provider.as_str(),
                    a.order_id,
                    a.amount,
                    a.currency.code(),
                    a.idempotency_key,
                    a.provider_customer_id,
                    a.provider_order_id,
                    a.order_access_token,
                    a.customer_access_token,
                    a.checkout_url,
                    a.status.as_str(),
                    now,
                    a.try_number,
                    a.provider_session_id,
                    serde_json::to_string(&a.details).ok()
                ],
            )?;
            if n == 1 {
                record_history(&tx, &a.attempt_id, a.status, "start", now)?;
            }
            tx.commit()?;
            Ok(n == 1)
        })?;
        if inserted {
            return Ok(a.clone());
        }
        self.by_order(a.provider, &a.order_id)?.ok_or(StoreError::Corrupt("attempt vanished after conflict"))
    }

    /// Moves an attempt's status forward with `observed` (never backwards), recording where
    /// it came from. Returns the status now stored.
    pub fn advance_status(
        &self,
        attempt_id: &str,
        observed: PaymentStatus,
        source: &str,
    ) -> Result<PaymentStatus, StoreError> {
        self.with(|c| loop {
            let current: Option<String> = c
                .query_row("SELECT status FROM attempts WHERE attempt_id = ?1", [attempt_id], |r| r.get(0))
                .optional()?;
            let current = current.ok_or(StoreError::Corrupt("no such attempt"))?;
            let current_status = PaymentStatus::from_wire(&current).ok_or(StoreError::Corrupt("status"))?;
            let next = current_status.advance(observed);
            if next == current_status {
                return Ok(current_status);
            }
            let now = now_ms();
            let tx = c.transaction()?;
            // compare-and-set: only if nobody moved it since we read it
            let n = tx.execute(
                "UPDATE attempts SET status = ?1, updated_ms = ?2 WHERE attempt_id = ?3 AND status = ?4",
                params![next.as_str(), now, attempt_id, current],
            )?;
            if n == 1 {
                record_history(&tx, attempt_id, next, source, now)?;
                tx.commit()?;
                return Ok(next);
            }
        })
    }

    /// Reopens an attempt whose last payment try failed or was cancelled, for a new try on
    /// the same provider order. The only way a status goes back to `pending`, and it is
    /// recorded in the history as `retry`. Returns the status now stored.
    pub fn reopen(&self, attempt_id: &str) -> Result<PaymentStatus, StoreError> {
        self.with(|c| {
            let now = now_ms();
            let tx = c.transaction()?;
            let n = tx.execute(
                "UPDATE attempts SET status = 'pending', updated_ms = ?1
                 WHERE attempt_id = ?2 AND status IN ('failed', 'cancelled')",
                params![now, attempt_id],
            )?;
            if n == 1 {
                record_history(&tx, attempt_id, PaymentStatus::Pending, "retry", now)?;
            }
            tx.commit()?;
            let status: String =
                c.query_row("SELECT status FROM attempts WHERE attempt_id = ?1", [attempt_id], |r| r.get(0))?;
            PaymentStatus::from_wire(&status).ok_or(StoreError::Corrupt("status"))
        })
    }

    /// An attempt by the provider's id for its current try (RBS `mdOrder`).
    pub fn by_session(&self, provider: Provider, session_id: &str) -> Result<Option<Attempt>, StoreError> {
        self.one(
            "SELECT * FROM attempts WHERE provider = ?1 AND provider_session_id = ?2",
            &[&provider.as_str(), &session_id],
        )
    }

    /// Records where the current try pays (the hosted page, the provider's id for it), if
    /// the attempt is still on `try_number`. Returns the attempt as stored.
    pub fn set_checkout(
        &self,
        attempt_id: &str,
        try_number: u32,
        session_id: Option<&str>,
        checkout_url: &str,
    ) -> Result<Option<Attempt>, StoreError> {
        self.with(|c| {
            c.execute(
                "UPDATE attempts SET provider_session_id = ?1, checkout_url = ?2, updated_ms = ?3
                 WHERE attempt_id = ?4 AND try_number = ?5",
                params![session_id, checkout_url, now_ms(), attempt_id, try_number],
            )?;
            Ok(())
        })?;
        self.by_id(attempt_id)
    }

    /// Records the provider's id for the current try (OneEntry's order id) before there is a
    /// page to pay on, if the attempt is still on `try_number`.
    pub fn set_session(&self, attempt_id: &str, try_number: u32, session_id: &str) -> Result<(), StoreError> {
        self.with(|c| {
            c.execute(
                "UPDATE attempts SET provider_session_id = ?1, updated_ms = ?2 WHERE attempt_id = ?3 AND try_number = ?4",
                params![session_id, now_ms(), attempt_id, try_number],
            )?;
            Ok(())
        })
    }

    /// Moves an attempt to its next payment try with `reference` as the provider reference,
    /// but only from `from_try` (so two racing callers make one new try). A failed,
    /// cancelled or expired status goes back to `pending`, recorded as `retry`; a paid or
    /// held one never moves. Returns the attempt as stored.
    pub fn next_try(
        &self,
        attempt_id: &str,
        from_try: u32,
        reference: &dyn Fn(u32) -> String,
    ) -> Result<Option<Attempt>, StoreError> {
        self.with(|c| {
            let now = now_ms();
            let tx = c.transaction()?;
            let n = tx.execute(
                "UPDATE attempts SET try_number = try_number + 1, provider_order_id = ?1, provider_session_id = NULL,
                     checkout_url = NULL, status = 'pending', updated_ms = ?2
                 WHERE attempt_id = ?3 AND try_number = ?4 AND status IN ('pending', 'failed', 'cancelled', 'expired')",
                params![reference(from_try + 1), now, attempt_id, from_try],
            )?;
            if n == 1 {
                record_history(&tx, attempt_id, PaymentStatus::Pending, "retry", now)?;
            }
            tx.commit()?;
            Ok(())
        })?;
        self.by_id(attempt_id)
    }

    /// Replaces an attempt's details.
    pub fn set_details(&self, attempt_id: &str, details: &AttemptDetails) -> Result<(), StoreError> {
        let json = serde_json::to_string(details).map_err(|_| StoreError::Corrupt("details"))?;
        self.with(|c| {
            c.execute(
                "UPDATE attempts SET details = ?1, updated_ms = ?2 WHERE attempt_id = ?3",
                params![json, now_ms(), attempt_id],
            )?;
            Ok(())
        })
    }

    /// Records a webhook receipt; `false` when it was seen before (a replay).
    pub fn first_receipt(&self, provider: Provider, receipt: &str) -> Result<bool, StoreError> {
        self.with(|c| {
            let n = c.execute(
                "INSERT INTO webhook_receipts (provider, receipt, received_ms) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                params![provider.as_str(), receipt, now_ms()],
            )?;
            Ok(n == 1)
        })
    }

    /// The statuses an attempt went through, oldest first (for tests and support).
    pub fn history(&self, attempt_id: &str) -> Result<Vec<(PaymentStatus, String)>, StoreError> {
        self.with(|c| {
            let mut stmt =
                c.prepare("SELECT status, source FROM status_history WHERE attempt_id = ?1 ORDER BY rowid")?;
            let rows = stmt.query_map([attempt_id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
            let mut out = Vec::new();
            for row in rows {
                let (s, src) = row?;
                out.push((PaymentStatus::from_wire(&s).ok_or(StoreError::Corrupt("status"))?, src));
            }
            Ok(out)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(id: &str, order: &str) -> Attempt {
        Attempt {
            attempt_id: id.into(),
            provider: Provider::Ioka,
            order_id: order.into(),
            amount: 1000,
            currency: Currency::Kzt,
            idempotency_key: "k".into(),
            provider_customer_id: None,
            provider_order_id: format!("ord_{id}"),
            order_access_token: None,
            customer_access_token: None,
            checkout_url: None,
            status: PaymentStatus::Pending,
            try_number: 1,
            provider_session_id: None,
            details: AttemptDetails::default(),
        }
    }

    #[test]
    fn one_attempt_per_order_and_status_only_moves_forward() -> Result<(), StoreError> {
        let s = Store::open(None)?;
        let first = s.insert_or_existing(&attempt("att_1", "A-1"))?;
        let second = s.insert_or_existing(&attempt("att_2", "A-1"))?;
        assert_eq!(second.attempt_id, first.attempt_id, "the constraint returns the existing attempt");
        assert_eq!(s.advance_status("att_1", PaymentStatus::Paid, "webhook")?, PaymentStatus::Paid);
        assert_eq!(s.advance_status("att_1", PaymentStatus::Pending, "poll")?, PaymentStatus::Paid);
        assert_eq!(s.advance_status("att_1", PaymentStatus::Failed, "webhook")?, PaymentStatus::Paid);
        assert_eq!(s.by_id("att_1")?.map(|a| a.status), Some(PaymentStatus::Paid));
        assert_eq!(
            s.history("att_1")?,
            vec![(PaymentStatus::Pending, "start".to_owned()), (PaymentStatus::Paid, "webhook".to_owned())]
        );
        assert_eq!(s.reopen("att_1")?, PaymentStatus::Paid, "a paid attempt is never reopened");
        let third = s.insert_or_existing(&attempt("att_3", "A-3"))?;
        s.advance_status(&third.attempt_id, PaymentStatus::Failed, "webhook")?;
        assert_eq!(s.reopen("att_3")?, PaymentStatus::Pending);
        assert_eq!(s.history("att_3")?.last(), Some(&(PaymentStatus::Pending, "retry".to_owned())));
        let tried = s.next_try("att_3", 1, &|n| format!("A-3~{n}"))?.ok_or(StoreError::Corrupt("gone"))?;
        assert_eq!((tried.try_number, tried.provider_order_id.as_str()), (2, "A-3~2"));
        let raced = s.next_try("att_3", 1, &|n| format!("A-3~{n}"))?.ok_or(StoreError::Corrupt("gone"))?;
        assert_eq!(raced.try_number, 2, "a second caller from try 1 makes no third try");
        s.advance_status("att_3", PaymentStatus::Paid, "webhook")?;
        assert_eq!(
            s.next_try("att_3", 2, &|n| format!("A-3~{n}"))?.map(|a| a.try_number),
            Some(2),
            "paid never retries"
        );
        let stored = s.set_checkout("att_3", 2, Some("md-1"), "https://pay/1")?.ok_or(StoreError::Corrupt("gone"))?;
        assert_eq!(stored.provider_session_id.as_deref(), Some("md-1"));
        assert_eq!(s.by_session(Provider::Ioka, "md-1")?.map(|a| a.attempt_id), Some("att_3".to_owned()));
        assert!(s.first_receipt(Provider::Ioka, "sig1")?);
        assert!(!s.first_receipt(Provider::Ioka, "sig1")?);
        Ok(())
    }
}
