//! Attempts, their status history, webhook receipts and leases: in SQLite by default, in
//! PostgreSQL when `DATABASE_URL` says so. The same queries run on both, through sqlx's `Any`
//! driver; the schema is in `migrations/<engine>/`, applied on start.
//!
//! The database enforces what matters, so it holds across instances:
//! - one attempt per (provider, merchant order), one per provider order id, one per provider
//!   session (`UNIQUE`);
//! - a status that never moves backwards: every update is compare-and-set on the status read,
//!   with [`PaymentStatus::advance`] deciding the next one, and each change takes the next
//!   numbered place in the attempt's history (`UNIQUE (attempt_id, step)`);
//! - one instance at a time calling a provider for one order or attempt ([`Store::try_lease`]).

use std::borrow::Cow;
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AnyPool, Row};
use tolem_core::api::SessionRequest;
use tolem_core::money::Currency;
use tolem_core::providers::Provider;
use tolem_core::status::PaymentStatus;

mod admin;
mod notifications;
pub use admin::{AttemptFilter, AttemptPage, HistoryEntry, ListedAttempt, PageCursor};
pub use notifications::{DeliveryRecord, DeliveryState, DueNotification, ReportedChange};

/// Store failures.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database said no, or could not be reached.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// A migration failed, or the database holds one this version does not know.
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// `DATABASE_URL` names an engine Tolem does not run on.
    #[error("DATABASE_URL must start with postgres://, postgresql:// or sqlite:")]
    UnsupportedUrl,
    /// The row holds a value this version cannot read.
    #[error("corrupt row: {0}")]
    Corrupt(&'static str),
}

/// Which database the store runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// One file (or memory), one process.
    Sqlite,
    /// Shared by several instances.
    Postgres,
}

impl Engine {
    /// The engine a URL names, if Tolem runs on it.
    pub fn of_url(url: &str) -> Option<Engine> {
        if url.starts_with("sqlite:") {
            Some(Engine::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Engine::Postgres)
        } else {
            None
        }
    }

    /// This engine's spelling of a statement given as `(sqlite, postgres)`.
    fn pick(self, statements: (&'static str, &'static str)) -> &'static str {
        match self {
            Engine::Sqlite => statements.0,
            Engine::Postgres => statements.1,
        }
    }

    /// `sqlite` or `postgres`.
    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
        }
    }
}

/// The migrations, checked in under `migrations/<engine>/` and compiled in.
fn migrator(engine: Engine) -> Migrator {
    let files: [(i64, &'static str, &'static str); 7] = match engine {
        Engine::Sqlite => [
            (1, "attempts", include_str!("../migrations/sqlite/0001_attempts.sql")),
            (2, "history steps and leases", include_str!("../migrations/sqlite/0002_history_steps_and_leases.sql")),
            (3, "checkout sessions", include_str!("../migrations/sqlite/0003_checkout_sessions.sql")),
            (
                4,
                "attention, switches, page lifetimes, provider reads",
                include_str!("../migrations/sqlite/0004_attempt_attention.sql"),
            ),
            (5, "notifications to the shop", include_str!("../migrations/sqlite/0005_notifications.sql")),
            (6, "attempts by time", include_str!("../migrations/sqlite/0006_attempts_by_time.sql")),
            (7, "notification references", include_str!("../migrations/sqlite/0007_notification_reference.sql")),
        ],
        Engine::Postgres => [
            (1, "attempts", include_str!("../migrations/postgres/0001_attempts.sql")),
            (2, "history steps and leases", include_str!("../migrations/postgres/0002_history_steps_and_leases.sql")),
            (3, "checkout sessions", include_str!("../migrations/postgres/0003_checkout_sessions.sql")),
            (
                4,
                "attention, switches, page lifetimes, provider reads",
                include_str!("../migrations/postgres/0004_attempt_attention.sql"),
            ),
            (5, "notifications to the shop", include_str!("../migrations/postgres/0005_notifications.sql")),
            (6, "attempts by time", include_str!("../migrations/postgres/0006_attempts_by_time.sql")),
            (7, "notification references", include_str!("../migrations/postgres/0007_notification_reference.sql")),
        ],
    };
    Migrator::with_migrations(
        files
            .into_iter()
            .map(|(version, description, sql)| {
                Migration::new(
                    version,
                    Cow::Borrowed(description),
                    MigrationType::Simple,
                    sqlx::SqlSafeStr::into_sql_str(sql),
                    false,
                )
            })
            .collect(),
    )
}

/// A checkout session as stored: what the shop's server asked for, and its client secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckoutSession {
    /// `cs_…`
    pub session_id: String,
    /// `cs_…_secret_…` (a bearer credential for this one session).
    pub client_secret: String,
    /// The shop's request: order, customer, providers, return URL.
    pub request: SessionRequest,
    /// Until when the client secret starts payments (ms since the epoch).
    pub expires_ms: i64,
}

/// One attempt: a merchant order at one provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempt {
    /// `att_…`
    pub attempt_id: String,
    /// Which provider the attempt pays with.
    pub provider: Provider,
    /// The merchant's order id.
    pub order_id: String,
    /// Minor units.
    pub amount: i64,
    /// ISO 4217; `amount` is in its minor units.
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
    /// Why the merchant should look at this attempt (a provider reported money for another
    /// amount or currency); `None` while nothing needs them. Set by [`Store::flag`].
    pub attention: Option<String>,
    /// The provider the shopper switched to for this merchant order ([`Store::supersede`]):
    /// this attempt is no longer the order's current one and pays nothing more.
    pub superseded_by: Option<Provider>,
    /// Until when (ms since the epoch) the current try's page can still be paid at the
    /// provider; `None` when no page with a known lifetime was handed out.
    pub payable_until_ms: Option<i64>,
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
    /// The payment the backend last asked the provider to make with a saved card (ioka
    /// `pay_…`), so a second `pay` while it is in flight answers it again instead of
    /// charging the card twice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saved_card_payment: Option<String>,
}

/// When [`Store::next_try`] may leave the current try.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Leaving {
    /// Whatever the try holds: its outcome is known (failed, cancelled, expired), or the
    /// shopper chose another method.
    Always,
    /// Only while no page is stored for it: its reference was taken by a call whose answer
    /// never came back here. A page stored meanwhile means that answer did arrive, on another
    /// instance, and that page is the one to show.
    WithoutPage,
}

/// The attempt store: a pool of connections to one database (cheap to clone).
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    engine: Engine,
    changes: Changes,
    /// Status changes queue a notification to the shop ([`StoreOptions::notifications`]).
    outbox: bool,
}

/// The PostgreSQL channel every instance's status changes are announced on (the payload is
/// the attempt id).
pub const CHANGES_CHANNEL: &str = "tolem_status";

/// News that an attempt's status (or its history) changed, for the `status` requests waiting
/// on it in this process: from this process's own writes at once, and on PostgreSQL from
/// every instance's through `LISTEN`/`NOTIFY`. Several processes on one SQLite file hear only
/// their own; their waiters also look at the store again every second
/// (`routes::status`).
#[derive(Clone)]
pub struct Changes(std::sync::Arc<tokio::sync::broadcast::Sender<std::sync::Arc<str>>>);

impl Changes {
    fn new() -> Changes {
        Changes(std::sync::Arc::new(tokio::sync::broadcast::channel(1024).0))
    }

    /// Tells this process's waiters that `attempt_id` changed.
    pub fn announce(&self, attempt_id: &str) {
        // No receiver is no one waiting: nothing to tell.
        let _ = self.0.send(attempt_id.into());
    }

    /// Listens for changes from now on.
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<std::sync::Arc<str>> {
        self.0.subscribe()
    }
}

/// Where a store lives and how many connections it may hold.
#[derive(Clone, Debug)]
pub struct StoreOptions {
    /// `sqlite:path/to/file.db`, `sqlite::memory:` or `postgres://user:password@host:port/db`
    /// (a secret: it may hold a password).
    pub url: crate::Secret,
    /// Most connections open at once (PostgreSQL; SQLite always uses one).
    pub max_connections: u32,
    /// How long a request waits for a free connection.
    pub acquire_timeout: Duration,
    /// Queue a notification to the shop with every status change ([`crate::notify`]);
    /// [`crate::AppState::new`] turns it on when `TOLEM_NOTIFY_URL` is set.
    pub notifications: bool,
}

impl StoreOptions {
    /// An in-memory SQLite store (tests, throw-away demos).
    pub fn memory() -> StoreOptions {
        StoreOptions::url("sqlite::memory:")
    }

    /// A SQLite file, created if missing.
    pub fn sqlite_file(path: &std::path::Path) -> StoreOptions {
        StoreOptions::url(&format!("sqlite://{}?mode=rwc", path.display()))
    }

    /// Any URL, with default pool settings.
    pub fn url(url: &str) -> StoreOptions {
        StoreOptions {
            url: crate::Secret::new(url),
            max_connections: 8,
            acquire_timeout: Duration::from_secs(5),
            notifications: false,
        }
    }
}

/// `SELECT` of the columns [`attempt_from_row`] reads, for the attempts matching `$condition`
/// (a literal, so every query is a `&'static str` built at compile time).
macro_rules! select_attempt {
    ($condition:literal) => {
        concat!(
            "SELECT attempt_id, provider, order_id, amount, currency, idempotency_key, provider_customer_id,
                 provider_order_id, order_access_token, customer_access_token, checkout_url, status, try_number,
                 provider_session_id, details, attention, superseded_by, payable_until_ms
             FROM attempts WHERE ",
            $condition
        )
    };
}

fn attempt_from_row(r: &AnyRow) -> Result<Attempt, StoreError> {
    let provider: String = r.try_get("provider")?;
    let currency: String = r.try_get("currency")?;
    let status: String = r.try_get("status")?;
    let try_number: i64 = r.try_get("try_number")?;
    let details: Option<String> = r.try_get("details")?;
    Ok(Attempt {
        attempt_id: r.try_get("attempt_id")?,
        provider: Provider::from_wire(&provider).ok_or(StoreError::Corrupt("provider"))?,
        order_id: r.try_get("order_id")?,
        amount: r.try_get("amount")?,
        currency: Currency::from_code(&currency).ok_or(StoreError::Corrupt("currency"))?,
        idempotency_key: r.try_get("idempotency_key")?,
        provider_customer_id: r.try_get("provider_customer_id")?,
        provider_order_id: r.try_get("provider_order_id")?,
        order_access_token: r.try_get("order_access_token")?,
        customer_access_token: r.try_get("customer_access_token")?,
        checkout_url: r.try_get("checkout_url")?,
        status: PaymentStatus::from_wire(&status).ok_or(StoreError::Corrupt("status"))?,
        try_number: u32::try_from(try_number).map_err(|_| StoreError::Corrupt("try_number"))?,
        provider_session_id: r.try_get("provider_session_id")?,
        details: match details {
            Some(d) => serde_json::from_str(&d).map_err(|_| StoreError::Corrupt("details"))?,
            None => AttemptDetails::default(),
        },
        attention: r.try_get("attention")?,
        superseded_by: match r.try_get::<Option<String>, _>("superseded_by")? {
            Some(p) => Some(Provider::from_wire(&p).ok_or(StoreError::Corrupt("superseded_by"))?),
            None => None,
        },
        payable_until_ms: r.try_get("payable_until_ms")?,
    })
}

/// `SELECT` of a session's columns with a fixed condition.
macro_rules! select_session {
    ($condition:literal) => {
        concat!("SELECT session_id, client_secret, request, expires_ms FROM checkout_sessions WHERE ", $condition)
    };
}

fn session_from_row(r: &AnyRow) -> Result<CheckoutSession, StoreError> {
    let request: String = r.try_get("request")?;
    Ok(CheckoutSession {
        session_id: r.try_get("session_id")?,
        client_secret: r.try_get("client_secret")?,
        request: serde_json::from_str(&request).map_err(|_| StoreError::Corrupt("session request"))?,
        expires_ms: r.try_get("expires_ms")?,
    })
}

/// Appends one row to an attempt's status history, in the next place, inside the caller's
/// transaction (which has just written the attempt's row, so no other writer of this
/// attempt's history can run until it commits).
async fn record_history(
    tx: &mut sqlx::AnyConnection,
    attempt_id: &str,
    status: PaymentStatus,
    source: &str,
    now: i64,
    outbox: bool,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO status_history (attempt_id, step, status, source, at_ms)
         SELECT $1, COALESCE(MAX(step), 0) + 1, $2, $3, $4 FROM status_history WHERE attempt_id = $1",
    )
    .bind(attempt_id)
    .bind(status.as_str())
    .bind(source)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if outbox {
        // The shop hears of the change if and only if it commits.
        sqlx::query(
            "INSERT INTO notifications (attempt_id, step, created_ms, next_ms, reference)
             SELECT $1, MAX(step), $2, $2, (SELECT provider_order_id FROM attempts WHERE attempt_id = $1)
             FROM status_history WHERE attempt_id = $1",
        )
        .bind(attempt_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    // Every instance's waiters hear of it when the transaction commits (and not if it does
    // not).
    if tx.backend_name() == "PostgreSQL" {
        sqlx::query("SELECT pg_notify($1, $2)").bind(CHANGES_CHANNEL).bind(attempt_id).execute(&mut *tx).await?;
    }
    Ok(())
}

/// Relays PostgreSQL's `NOTIFY`s on [`CHANGES_CHANNEL`] to this process's waiters, on a
/// connection of its own, reconnecting after a failure; it ends when the store is gone.
fn relay_notifications(url: String, changes: std::sync::Weak<tokio::sync::broadcast::Sender<std::sync::Arc<str>>>) {
    tokio::spawn(async move {
        while changes.strong_count() > 0 {
            let mut listener = match sqlx::postgres::PgListener::connect(&url).await {
                Ok(l) => l,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for status changes; waiters look at the store every second meanwhile");
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    continue;
                }
            };
            if let Err(e) = listener.listen(CHANGES_CHANNEL).await {
                tracing::warn!(error = %e, "cannot listen for status changes");
                tokio::time::sleep(Duration::from_secs(5)).await;
                continue;
            }
            loop {
                // Wake now and then to notice that the store was dropped.
                match tokio::time::timeout(Duration::from_secs(1), listener.try_recv()).await {
                    Ok(Ok(Some(n))) => match changes.upgrade() {
                        Some(sender) => {
                            let _ = sender.send(n.payload().into());
                        }
                        None => return,
                    },
                    // The connection was lost (and notifications with it): waiters re-read
                    // the store on their own; listen again.
                    Ok(Ok(None)) => break,
                    Ok(Err(e)) => {
                        tracing::warn!(error = %e, "listening for status changes failed; listening again");
                        break;
                    }
                    Err(_) if changes.strong_count() == 0 => return,
                    Err(_) => {}
                }
            }
        }
    });
}

/// An attempt's stored status, read on `conn` (a pooled connection or a transaction).
async fn status_in(conn: &mut sqlx::AnyConnection, attempt_id: &str) -> Result<PaymentStatus, StoreError> {
    let row = sqlx::query("SELECT status FROM attempts WHERE attempt_id = $1")
        .bind(attempt_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::Corrupt("no such attempt"))?;
    let status: String = row.try_get("status")?;
    PaymentStatus::from_wire(&status).ok_or(StoreError::Corrupt("status"))
}

/// Compare-and-set inside the caller's transaction: moves the attempt from `from` to `to` and
/// records it, unless someone moved it since `from` was read. `true` when moved.
#[allow(clippy::too_many_arguments)]
async fn move_status(
    tx: &mut sqlx::AnyConnection,
    attempt_id: &str,
    from: PaymentStatus,
    to: PaymentStatus,
    source: &str,
    now: i64,
    outbox: bool,
) -> Result<bool, StoreError> {
    let moved = sqlx::query("UPDATE attempts SET status = $1, updated_ms = $2 WHERE attempt_id = $3 AND status = $4")
        .bind(to.as_str())
        .bind(now)
        .bind(attempt_id)
        .bind(from.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected()
        == 1;
    if moved {
        record_history(tx, attempt_id, to, source, now, outbox).await?;
    }
    Ok(moved)
}

/// Milliseconds since the epoch (for timestamps and lease expiry; no status logic reads it).
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// A duration in whole milliseconds for SQL (at least 1).
fn ttl_ms(ttl: Duration) -> i64 {
    i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX).max(1)
}

/// Statements that read the database's clock, once per engine (`(sqlite, postgres)`), so
/// lease expiry and read throttling never depend on an instance's own clock.
mod lease_sql {
    /// SQLite's clock in milliseconds since the epoch.
    macro_rules! sqlite_now {
        () => {
            "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)"
        };
    }
    /// PostgreSQL's clock (the moment of the call, not of the transaction).
    macro_rules! postgres_now {
        () => {
            "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)"
        };
    }
    /// `$1` name, `$2` holder, `$3` ttl ms.
    pub const TAKE: (&str, &str) = (
        concat!(
            "INSERT INTO leases (name, holder, expires_ms) VALUES ($1, $2, ",
            sqlite_now!(),
            " + $3) ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_ms = excluded.expires_ms
             WHERE leases.expires_ms < ",
            sqlite_now!()
        ),
        concat!(
            "INSERT INTO leases (name, holder, expires_ms) VALUES ($1, $2, ",
            postgres_now!(),
            " + $3) ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_ms = excluded.expires_ms
             WHERE leases.expires_ms < ",
            postgres_now!()
        ),
    );
    /// `$1` ttl ms, `$2` name, `$3` holder.
    pub const RENEW: (&str, &str) = (
        concat!(
            "UPDATE leases SET expires_ms = ",
            sqlite_now!(),
            " + $1 WHERE name = $2 AND holder = $3 AND expires_ms >= ",
            sqlite_now!()
        ),
        concat!(
            "UPDATE leases SET expires_ms = ",
            postgres_now!(),
            " + $1 WHERE name = $2 AND holder = $3 AND expires_ms >= ",
            postgres_now!()
        ),
    );
    /// `$1` name, `$2` holder.
    pub const HELD: (&str, &str) = (
        concat!("SELECT 1 FROM leases WHERE name = $1 AND holder = $2 AND expires_ms > ", sqlite_now!()),
        concat!("SELECT 1 FROM leases WHERE name = $1 AND holder = $2 AND expires_ms > ", postgres_now!()),
    );
    /// `$1` interval ms, `$2` attempt id.
    pub const CLAIM_READ: (&str, &str) = (
        concat!(
            "UPDATE attempts SET provider_read_ms = ",
            sqlite_now!(),
            " WHERE attempt_id = $2 AND (provider_read_ms IS NULL OR provider_read_ms <= ",
            sqlite_now!(),
            " - $1)"
        ),
        concat!(
            "UPDATE attempts SET provider_read_ms = ",
            postgres_now!(),
            " WHERE attempt_id = $2 AND (provider_read_ms IS NULL OR provider_read_ms <= ",
            postgres_now!(),
            " - $1)"
        ),
    );
}

/// How many times a compare-and-set is retried when others keep moving the row first.
const CAS_ROUNDS: usize = 32;

impl Store {
    /// Connects, and applies the migrations this version has and the database lacks
    /// (concurrent starts on PostgreSQL wait for one another on an advisory lock).
    ///
    /// # Errors
    /// When the URL names another engine, the database cannot be reached, or a migration
    /// fails.
    pub async fn connect(options: &StoreOptions) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let url = options.url.expose();
        let engine = Engine::of_url(url).ok_or(StoreError::UnsupportedUrl)?;
        let memory = engine == Engine::Sqlite && url.contains(":memory:");
        // SQLite writes one at a time whatever the pool: with one connection, this process's
        // writers queue in the pool instead of in SQLite's busy handler, which sleeps in steps
        // of up to 100 ms (measured by `make load`: start 624 req/s, p99 637 ms with 8).
        let connections = if engine == Engine::Sqlite { 1 } else { options.max_connections.max(1) };
        let pool = AnyPoolOptions::new()
            .max_connections(connections)
            .acquire_timeout(options.acquire_timeout)
            // An in-memory database lives as long as its one connection.
            .idle_timeout((!memory).then_some(Duration::from_secs(600)))
            .max_lifetime((!memory).then_some(Duration::from_secs(1800)))
            .connect(url)
            .await?;
        let migrations = migrator(engine);
        // PostgreSQL: sqlx holds an advisory lock while migrating. SQLite has none, so two
        // processes opening one new file together may both try a migration; each runs in a
        // transaction, the loser's is rolled back, and running again finds it applied. Turning
        // on WAL needs the file to itself for a moment, so a process opening it meanwhile is
        // told "database is locked" at once: that is tried again the same way.
        let mut tries = if engine == Engine::Sqlite { 4 } else { 1 };
        loop {
            tries -= 1;
            match Store::prepare(&pool, &migrations, engine == Engine::Sqlite && !memory).await {
                Ok(()) => break,
                Err(e) if tries > 0 => {
                    tracing::info!(error = %e, "opening the store raced another process; trying again");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => return Err(e),
            }
        }
        let changes = Changes::new();
        if engine == Engine::Postgres {
            relay_notifications(url.to_owned(), std::sync::Arc::downgrade(&changes.0));
        }
        Ok(Store { pool, engine, changes, outbox: options.notifications })
    }

    /// Status changes, for waiters in this process (see [`Changes`]).
    pub fn changes(&self) -> &Changes {
        &self.changes
    }

    /// When the attempt's latest history step was recorded (ms since the epoch): how long a
    /// pending attempt has been pending.
    pub async fn last_step_ms(&self, attempt_id: &str) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query("SELECT MAX(at_ms) AS at_ms FROM status_history WHERE attempt_id = $1")
            .bind(attempt_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get::<Option<i64>, _>("at_ms")?)
    }

    /// WAL for a SQLite file (readers do not wait for the writer; kept in the file once set),
    /// then the migrations this version has and the database lacks.
    async fn prepare(pool: &AnyPool, migrations: &Migrator, wal: bool) -> Result<(), StoreError> {
        if wal {
            sqlx::query("PRAGMA journal_mode=WAL").execute(pool).await?;
        }
        migrations.run(pool).await?;
        Ok(())
    }

    /// The engine in use.
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// True when the database answers (the readiness probe).
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Finishes the queries under way and closes every connection.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    async fn one(&self, sql: &'static str, binds: &[&str]) -> Result<Option<Attempt>, StoreError> {
        let mut query = sqlx::query(sql);
        for b in binds {
            query = query.bind(*b);
        }
        query.fetch_optional(&self.pool).await?.as_ref().map(attempt_from_row).transpose()
    }

    /// The attempt for a merchant order, if any.
    pub async fn by_order(&self, provider: Provider, order_id: &str) -> Result<Option<Attempt>, StoreError> {
        self.one(select_attempt!("provider = $1 AND order_id = $2"), &[provider.as_str(), order_id]).await
    }

    /// Every attempt for a merchant order, one per provider tried, oldest first.
    pub async fn for_order(&self, order_id: &str) -> Result<Vec<Attempt>, StoreError> {
        let rows = sqlx::query(select_attempt!("order_id = $1 ORDER BY created_ms, attempt_id"))
            .bind(order_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(attempt_from_row).collect()
    }

    /// Marks an attempt as no longer its order's current one: the shopper switched to `by`.
    /// History records the switch. False when it already was.
    pub async fn supersede(&self, attempt_id: &str, by: Provider) -> Result<bool, StoreError> {
        self.set_with_history(
            attempt_id,
            "UPDATE attempts SET superseded_by = $1, updated_ms = $2 WHERE attempt_id = $3 AND superseded_by IS NULL",
            by.as_str(),
            &format!("switch:{}", by.as_str()),
        )
        .await
    }

    /// Runs `update`, which sets one thing on an attempt unless it is already so (binds: `$1`
    /// the value, `$2` now, `$3` the attempt id), and when it changed the row records `source`
    /// in the attempt's history at its current status, in one transaction. False when nothing
    /// changed (the same news again).
    async fn set_with_history(
        &self,
        attempt_id: &str,
        update: &'static str,
        value: &str,
        source: &str,
    ) -> Result<bool, StoreError> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        let changed = sqlx::query(update).bind(value).bind(now).bind(attempt_id).execute(&mut *tx).await?;
        if changed.rows_affected() == 0 {
            return Ok(false);
        }
        let current = status_in(&mut tx, attempt_id).await?;
        record_history(&mut tx, attempt_id, current, source, now, false).await?;
        tx.commit().await?;
        self.changes.announce(attempt_id);
        Ok(true)
    }

    /// Makes a superseded attempt its order's current one again (the shopper came back to
    /// its provider).
    pub async fn reinstate(&self, attempt_id: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE attempts SET superseded_by = NULL, updated_ms = $1 WHERE attempt_id = $2")
            .bind(now_ms())
            .bind(attempt_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records until when the page just handed out for `try_number` can be paid.
    pub async fn set_payable_until(&self, attempt_id: &str, try_number: u32, until_ms: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE attempts SET payable_until_ms = $1, updated_ms = $2 WHERE attempt_id = $3 AND try_number = $4",
        )
        .bind(until_ms)
        .bind(now_ms())
        .bind(attempt_id)
        .bind(i64::from(try_number))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// An attempt by id.
    pub async fn by_id(&self, attempt_id: &str) -> Result<Option<Attempt>, StoreError> {
        self.one(select_attempt!("attempt_id = $1"), &[attempt_id]).await
    }

    /// An attempt by the provider's order id.
    pub async fn by_provider_order(
        &self,
        provider: Provider,
        provider_order_id: &str,
    ) -> Result<Option<Attempt>, StoreError> {
        self.one(select_attempt!("provider = $1 AND provider_order_id = $2"), &[provider.as_str(), provider_order_id])
            .await
    }

    /// An attempt by the provider's id for its current try (RBS `mdOrder`).
    pub async fn by_session(&self, provider: Provider, session_id: &str) -> Result<Option<Attempt>, StoreError> {
        self.one(select_attempt!("provider = $1 AND provider_session_id = $2"), &[provider.as_str(), session_id]).await
    }

    /// Inserts an attempt, or returns the one that already exists for the same order
    /// (the unique constraint decides, not process memory).
    pub async fn insert_or_existing(&self, a: &Attempt) -> Result<Attempt, StoreError> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO attempts (attempt_id, provider, order_id, amount, currency, idempotency_key,
                 provider_customer_id, provider_order_id, order_access_token, customer_access_token,
                 checkout_url, status, created_ms, updated_ms, try_number, provider_session_id, details)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14, $15, $16)
             ON CONFLICT DO NOTHING",
        )
        .bind(&a.attempt_id)
        .bind(a.provider.as_str())
        .bind(&a.order_id)
        .bind(a.amount)
        .bind(a.currency.code())
        .bind(&a.idempotency_key)
        .bind(a.provider_customer_id.as_deref())
        .bind(&a.provider_order_id)
        .bind(a.order_access_token.as_deref())
        .bind(a.customer_access_token.as_deref())
        .bind(a.checkout_url.as_deref())
        .bind(a.status.as_str())
        .bind(now)
        .bind(i64::from(a.try_number))
        .bind(a.provider_session_id.as_deref())
        .bind(serde_json::to_string(&a.details).ok())
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if inserted {
            record_history(&mut tx, &a.attempt_id, a.status, "start", now, self.outbox).await?;
        }
        tx.commit().await?;
        if inserted {
            return Ok(a.clone());
        }
        self.by_order(a.provider, &a.order_id).await?.ok_or(StoreError::Corrupt("attempt vanished after conflict"))
    }

    async fn status_of(&self, attempt_id: &str) -> Result<PaymentStatus, StoreError> {
        let mut conn = self.pool.acquire().await?;
        status_in(&mut conn, attempt_id).await
    }

    /// Moves an attempt's status forward with `observed` (never backwards), recording where
    /// it came from. Returns the status now stored.
    pub async fn advance_status(
        &self,
        attempt_id: &str,
        observed: PaymentStatus,
        source: &str,
    ) -> Result<PaymentStatus, StoreError> {
        for _ in 0..CAS_ROUNDS {
            let current = self.status_of(attempt_id).await?;
            let next = current.advance(observed);
            if next == current {
                return Ok(current);
            }
            let now = now_ms();
            let mut tx = self.pool.begin().await?;
            if move_status(&mut tx, attempt_id, current, next, source, now, self.outbox).await? {
                tx.commit().await?;
                self.changes.announce(attempt_id);
                return Ok(next);
            }
            tx.rollback().await?;
        }
        Err(StoreError::Corrupt("status kept changing under us"))
    }

    /// Reopens an attempt whose last payment try failed or was cancelled, for a new try on
    /// the same provider order. The only way a status goes back to `pending`, and it is
    /// recorded in the history as `retry`. Returns the status now stored.
    pub async fn reopen(&self, attempt_id: &str) -> Result<PaymentStatus, StoreError> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        let reopened = sqlx::query(
            "UPDATE attempts SET status = 'pending', updated_ms = $1
             WHERE attempt_id = $2 AND status IN ('failed', 'cancelled')",
        )
        .bind(now)
        .bind(attempt_id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if reopened {
            record_history(&mut tx, attempt_id, PaymentStatus::Pending, "retry", now, self.outbox).await?;
        }
        tx.commit().await?;
        if reopened {
            self.changes.announce(attempt_id);
        }
        self.status_of(attempt_id).await
    }

    /// Records where the current try pays (the hosted page, the provider's id for it), if
    /// the attempt is still on `try_number`. Returns the attempt as stored.
    pub async fn set_checkout(
        &self,
        attempt_id: &str,
        try_number: u32,
        session_id: Option<&str>,
        checkout_url: &str,
    ) -> Result<Option<Attempt>, StoreError> {
        sqlx::query(
            "UPDATE attempts SET provider_session_id = $1, checkout_url = $2, updated_ms = $3
             WHERE attempt_id = $4 AND try_number = $5",
        )
        .bind(session_id)
        .bind(checkout_url)
        .bind(now_ms())
        .bind(attempt_id)
        .bind(i64::from(try_number))
        .execute(&self.pool)
        .await?;
        self.by_id(attempt_id).await
    }

    /// Records the provider's id for the current try (OneEntry's order id) before there is a
    /// page to pay on, if the attempt is still on `try_number`.
    pub async fn set_session(&self, attempt_id: &str, try_number: u32, session_id: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE attempts SET provider_session_id = $1, updated_ms = $2 WHERE attempt_id = $3 AND try_number = $4",
        )
        .bind(session_id)
        .bind(now_ms())
        .bind(attempt_id)
        .bind(i64::from(try_number))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Moves an attempt to its next payment try with `next_reference` as the provider
    /// reference, but only from `from_try` (so two racing callers, on any instances, make one
    /// new try) and as `leaving` allows. A failed, cancelled or expired status goes back to
    /// `pending`, recorded as `retry`; a paid or held one never moves. Returns the attempt as
    /// stored.
    pub async fn next_try(
        &self,
        attempt_id: &str,
        from_try: u32,
        next_reference: &str,
        leaving: Leaving,
    ) -> Result<Option<Attempt>, StoreError> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        // Two fixed statements, the second with the page condition.
        macro_rules! next_try_sql {
            ($condition:literal) => {
                concat!(
                    "UPDATE attempts SET try_number = try_number + 1, provider_order_id = $1, provider_session_id = NULL,
                         checkout_url = NULL, status = 'pending', updated_ms = $2
                     WHERE attempt_id = $3 AND try_number = $4 AND status IN ('pending', 'failed', 'cancelled', 'expired')",
                    $condition
                )
            };
        }
        let sql = match leaving {
            Leaving::Always => next_try_sql!(""),
            Leaving::WithoutPage => next_try_sql!(" AND checkout_url IS NULL"),
        };
        let moved = sqlx::query(sql)
            .bind(next_reference)
            .bind(now)
            .bind(attempt_id)
            .bind(i64::from(from_try))
            .execute(&mut *tx)
            .await?
            .rows_affected()
            == 1;
        if moved {
            record_history(&mut tx, attempt_id, PaymentStatus::Pending, "retry", now, self.outbox).await?;
        }
        tx.commit().await?;
        if moved {
            self.changes.announce(attempt_id);
        }
        self.by_id(attempt_id).await
    }

    /// Replaces an attempt's details.
    pub async fn set_details(&self, attempt_id: &str, details: &AttemptDetails) -> Result<(), StoreError> {
        let json = serde_json::to_string(details).map_err(|_| StoreError::Corrupt("details"))?;
        sqlx::query("UPDATE attempts SET details = $1, updated_ms = $2 WHERE attempt_id = $3")
            .bind(json)
            .bind(now_ms())
            .bind(attempt_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records a verified notification's receipt and moves the attempt's status forward with
    /// `observed`, in one transaction: `None` when the receipt was seen before (a replay, on
    /// any instance), else the status now stored. A crash before the commit leaves neither,
    /// so the provider's retry is applied, not taken for a replay.
    pub async fn advance_on_receipt(
        &self,
        attempt_id: &str,
        provider: Provider,
        receipt: &str,
        observed: PaymentStatus,
        source: &str,
    ) -> Result<Option<PaymentStatus>, StoreError> {
        // Providers resend often: a receipt already recorded is answered by one read. (A race
        // past this read is settled by the insert below.)
        let seen = sqlx::query("SELECT 1 FROM webhook_receipts WHERE provider = $1 AND receipt = $2")
            .bind(provider.as_str())
            .bind(receipt)
            .fetch_optional(&self.pool)
            .await?;
        if seen.is_some() {
            return Ok(None);
        }
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        // Written first, so the transaction holds SQLite's write lock from its first statement.
        let first = sqlx::query(
            "INSERT INTO webhook_receipts (provider, receipt, received_ms) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(provider.as_str())
        .bind(receipt)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !first {
            tx.rollback().await?;
            return Ok(None);
        }
        for _ in 0..CAS_ROUNDS {
            let current = status_in(&mut tx, attempt_id).await?;
            let next = current.advance(observed);
            if next == current {
                tx.commit().await?;
                return Ok(Some(current));
            }
            if move_status(&mut tx, attempt_id, current, next, source, now, self.outbox).await? {
                tx.commit().await?;
                self.changes.announce(attempt_id);
                return Ok(Some(next));
            }
        }
        Err(StoreError::Corrupt("status kept changing under us"))
    }

    /// Records that a provider's report was not believed (`why`, e.g. money for another
    /// amount): a history entry with the status unchanged and `source` marked as an alert, and
    /// the attempt's `attention`, which the status and admin answers carry. The status does
    /// not move; the same `why` twice is recorded once.
    pub async fn flag(&self, attempt_id: &str, why: &str, source: &str) -> Result<(), StoreError> {
        // The same news again (a poll, a retried callback) is already on record.
        self.set_with_history(
            attempt_id,
            "UPDATE attempts SET attention = $1, updated_ms = $2
             WHERE attempt_id = $3 AND (attention IS NULL OR attention <> $1)",
            why,
            &format!("alert:{source}: {why}"),
        )
        .await?;
        Ok(())
    }

    /// The statuses an attempt went through, oldest first (for tests and support).
    pub async fn history(&self, attempt_id: &str) -> Result<Vec<(PaymentStatus, String)>, StoreError> {
        let rows = sqlx::query("SELECT status, source FROM status_history WHERE attempt_id = $1 ORDER BY step")
            .bind(attempt_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let status: String = r.try_get("status")?;
                let source: String = r.try_get("source")?;
                Ok((PaymentStatus::from_wire(&status).ok_or(StoreError::Corrupt("status"))?, source))
            })
            .collect()
    }

    /// The live session of a merchant order, if one was made.
    pub async fn session_for_order(&self, order_id: &str) -> Result<Option<CheckoutSession>, StoreError> {
        self.session_where(select_session!("order_id = $1"), order_id).await
    }

    /// A session by id.
    pub async fn session_by_id(&self, session_id: &str) -> Result<Option<CheckoutSession>, StoreError> {
        self.session_where(select_session!("session_id = $1"), session_id).await
    }

    async fn session_where(&self, sql: &'static str, bind: &str) -> Result<Option<CheckoutSession>, StoreError> {
        let row = sqlx::query(sql).bind(bind).fetch_optional(&self.pool).await?;
        row.as_ref().map(session_from_row).transpose()
    }

    /// Stores a new session unless its order already has one (`false`: the caller reads that
    /// one and decides).
    pub async fn insert_session(&self, s: &CheckoutSession) -> Result<bool, StoreError> {
        let request = serde_json::to_string(&s.request).map_err(|_| StoreError::Corrupt("session request"))?;
        let n = sqlx::query(
            "INSERT INTO checkout_sessions (session_id, client_secret, order_id, amount, currency, request, created_ms, expires_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
        )
        .bind(&s.session_id)
        .bind(&s.client_secret)
        .bind(&s.request.order.id)
        .bind(s.request.order.amount.0)
        .bind(s.request.order.currency.code())
        .bind(request)
        .bind(now_ms())
        .bind(s.expires_ms)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    /// Replaces the session `old_session_id` of an order with `new` (another price, another
    /// id and secret: the old secret starts nothing more), compare-and-set on the old id, and
    /// only while no attempt exists for the order at any provider. `false` when either changed.
    pub async fn replace_session(&self, old_session_id: &str, new: &CheckoutSession) -> Result<bool, StoreError> {
        let request = serde_json::to_string(&new.request).map_err(|_| StoreError::Corrupt("session request"))?;
        let n = sqlx::query(
            "UPDATE checkout_sessions SET session_id = $1, client_secret = $2, amount = $3, currency = $4, request = $5,
                 created_ms = $6, expires_ms = $7
             WHERE session_id = $8 AND NOT EXISTS (SELECT 1 FROM attempts WHERE attempts.order_id = checkout_sessions.order_id)",
        )
        .bind(&new.session_id)
        .bind(&new.client_secret)
        .bind(new.request.order.amount.0)
        .bind(new.request.order.currency.code())
        .bind(request)
        .bind(now_ms())
        .bind(new.expires_ms)
        .bind(old_session_id)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    /// Updates a session's request (same order, amount and currency: the shop may change the
    /// shopper's details or the return URL) and its expiry.
    pub async fn refresh_session(
        &self,
        session_id: &str,
        request: &SessionRequest,
        expires_ms: i64,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(request).map_err(|_| StoreError::Corrupt("session request"))?;
        sqlx::query("UPDATE checkout_sessions SET request = $1, expires_ms = $2 WHERE session_id = $3")
            .bind(json)
            .bind(expires_ms)
            .bind(session_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The merchant order ids of `provider`'s attempts equal to `order_id` but for ASCII
    /// letter case (`A-1` for `a-1`), other than `order_id` itself.
    pub async fn orders_differing_in_case(
        &self,
        provider: Provider,
        order_id: &str,
    ) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(
            "SELECT order_id FROM attempts WHERE provider = $1 AND lower(order_id) = lower($2) AND order_id <> $2",
        )
        .bind(provider.as_str())
        .bind(order_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok(r.try_get::<String, _>("order_id")?)).collect()
    }

    /// True when any provider has an attempt for this merchant order.
    pub async fn order_has_attempt(&self, order_id: &str) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT 1 FROM attempts WHERE order_id = $1 LIMIT 1")
            .bind(order_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    /// Takes the lease on `name` for `holder` until `ttl` from now, if nobody holds it or
    /// the holder's lease ran out (a crashed instance). `true` when taken. "Now" is the
    /// database's clock, so instances whose own clocks disagree still agree on who holds it.
    pub async fn try_lease(&self, name: &str, holder: &str, ttl: Duration) -> Result<bool, StoreError> {
        let n = sqlx::query(self.engine.pick(lease_sql::TAKE))
            .bind(name)
            .bind(holder)
            .bind(ttl_ms(ttl))
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    /// Extends `holder`'s lease on `name` to `ttl` from now (the database's clock); `false`
    /// when it is no longer theirs: it ran out (even if nobody took it yet) or someone else
    /// took it. A lease lost stays lost.
    pub async fn renew_lease(&self, name: &str, holder: &str, ttl: Duration) -> Result<bool, StoreError> {
        let n = sqlx::query(self.engine.pick(lease_sql::RENEW))
            .bind(ttl_ms(ttl))
            .bind(name)
            .bind(holder)
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    /// True while `holder`'s lease on `name` has not run out by the database's clock.
    pub async fn holds_lease(&self, name: &str, holder: &str) -> Result<bool, StoreError> {
        let row =
            sqlx::query(self.engine.pick(lease_sql::HELD)).bind(name).bind(holder).fetch_optional(&self.pool).await?;
        Ok(row.is_some())
    }

    /// Claims the provider read of an attempt for the caller if nobody read it in the last
    /// `every` (the database's clock, so across instances): `true` means "read it now".
    /// Concurrent pollers of one attempt then cost the provider one read per `every`.
    pub async fn claim_provider_read(&self, attempt_id: &str, every: Duration) -> Result<bool, StoreError> {
        let n = sqlx::query(self.engine.pick(lease_sql::CLAIM_READ))
            .bind(ttl_ms(every))
            .bind(attempt_id)
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    /// Gives up `holder`'s lease on `name` (a lease taken over by someone else is left alone).
    pub async fn release_lease(&self, name: &str, holder: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM leases WHERE name = $1 AND holder = $2")
            .bind(name)
            .bind(holder)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
