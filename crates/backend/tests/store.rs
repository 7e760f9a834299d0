//! The attempt store against real databases: every scenario runs on a SQLite file and on the
//! throw-away PostgreSQL cluster, and the racing ones use two separate stores (two pools, as
//! two instances would) on one database.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use sqlx::Connection;
use tolem_backend::store::{AttemptDetails, CheckoutSession, Engine, Leaving, Store, StoreError, StoreOptions};
use tolem_core::api::SessionRequest;
use tolem_core::providers::Provider;
use tolem_core::status::PaymentStatus::*;

use common::attempt;

/// Two stores on one fresh database, as two instances would have.
async fn two_instances(engine: Engine) -> (common::TestDb, Store, Store) {
    let db = common::fresh(engine).await;
    let a = Store::connect(&db.options).await.unwrap();
    let b = Store::connect(&db.options).await.unwrap();
    assert_eq!((a.engine(), b.engine()), (engine, engine));
    (db, a, b)
}

on_both_engines!(one_attempt_per_order_and_status_only_moves_forward);
async fn one_attempt_per_order_and_status_only_moves_forward(engine: Engine) {
    let db = common::fresh(engine).await;
    let s = Store::connect(&db.options).await.unwrap();
    let first = s.insert_or_existing(&attempt("att_1", "A-1")).await.unwrap();
    let second = s.insert_or_existing(&attempt("att_2", "A-1")).await.unwrap();
    assert_eq!(second.attempt_id, first.attempt_id, "the constraint returns the existing attempt");
    assert_eq!(s.advance_status("att_1", Paid, "webhook").await.unwrap(), Paid);
    assert_eq!(s.advance_status("att_1", Pending, "poll").await.unwrap(), Paid);
    assert_eq!(s.advance_status("att_1", Failed, "webhook").await.unwrap(), Paid);
    assert_eq!(s.by_id("att_1").await.unwrap().map(|a| a.status), Some(Paid));
    assert_eq!(s.history("att_1").await.unwrap(), vec![(Pending, "start".to_owned()), (Paid, "webhook".to_owned())]);
    assert_eq!(s.reopen("att_1").await.unwrap(), Paid, "a paid attempt is never reopened");

    let third = s.insert_or_existing(&attempt("att_3", "A-3")).await.unwrap();
    s.advance_status(&third.attempt_id, Failed, "webhook").await.unwrap();
    assert_eq!(s.reopen("att_3").await.unwrap(), Pending);
    assert_eq!(s.history("att_3").await.unwrap().last(), Some(&(Pending, "retry".to_owned())));
    let tried = s.next_try("att_3", 1, "A-3~2", Leaving::Always).await.unwrap().unwrap();
    assert_eq!((tried.try_number, tried.provider_order_id.as_str()), (2, "A-3~2"));
    let raced = s.next_try("att_3", 1, "A-3~2", Leaving::Always).await.unwrap().unwrap();
    assert_eq!(raced.try_number, 2, "a second caller from try 1 makes no third try");
    s.advance_status("att_3", Paid, "webhook").await.unwrap();
    assert_eq!(
        s.next_try("att_3", 2, "A-3~3", Leaving::Always).await.unwrap().map(|a| a.try_number),
        Some(2),
        "paid never retries"
    );

    let stored = s.set_checkout("att_3", 2, Some("md-1"), "https://pay/1").await.unwrap().unwrap();
    assert_eq!(stored.provider_session_id.as_deref(), Some("md-1"));
    assert_eq!(s.by_session(Provider::Ioka, "md-1").await.unwrap().map(|a| a.attempt_id), Some("att_3".to_owned()));
    assert!(
        s.set_checkout("att_3", 1, Some("md-0"), "https://pay/0").await.unwrap().unwrap().checkout_url.as_deref()
            == Some("https://pay/1"),
        "a page for an old try is not stored"
    );
    assert_eq!(s.by_provider_order(Provider::Ioka, "A-3~2").await.unwrap().map(|a| a.attempt_id), Some("att_3".into()));

    let details =
        AttemptDetails { return_url: "https://shop.kz/c".into(), locale: Some("kk".into()), ..Default::default() };
    s.set_details("att_3", &details).await.unwrap();
    assert_eq!(s.by_id("att_3").await.unwrap().unwrap().details, details);

    assert_eq!(s.advance_on_receipt("att_1", Provider::Ioka, "sig1", Paid, "webhook").await.unwrap(), Some(Paid));
    assert_eq!(s.advance_on_receipt("att_1", Provider::Ioka, "sig1", Paid, "webhook").await.unwrap(), None);
    assert_eq!(s.by_id("att_404").await.unwrap(), None);
    s.ping().await.unwrap();
}

on_both_engines!(the_database_refuses_a_second_attempt_for_one_order);
/// Not only `insert_or_existing`'s `ON CONFLICT`: the constraints themselves, written to
/// directly, refuse a second row for one order, one provider order, one provider session.
async fn the_database_refuses_a_second_attempt_for_one_order(engine: Engine) {
    let db = common::fresh(engine).await;
    let s = Store::connect(&db.options).await.unwrap();
    s.insert_or_existing(&attempt("att_1", "A-1")).await.unwrap();
    s.set_checkout("att_1", 1, Some("md-1"), "https://pay/1").await.unwrap();
    s.close().await;
    sqlx::any::install_default_drivers();
    let mut raw = sqlx::AnyConnection::connect(db.options.url.expose()).await.unwrap();
    let insert = "INSERT INTO attempts (attempt_id, provider, order_id, amount, currency, idempotency_key,
                      provider_order_id, status, created_ms, updated_ms, provider_session_id)
                  VALUES ($1, 'ioka', $2, 1000, 'KZT', 'k', $3, 'pending', 0, 0, $4)";
    for (id, order, provider_order, session, what) in [
        ("att_2", "A-1", "ord_2", None, "the same merchant order"),
        ("att_3", "A-3", "ord_att_1", None, "the same provider order"),
        ("att_4", "A-4", "ord_4", Some("md-1"), "the same provider session"),
    ] {
        let refused =
            sqlx::query(insert).bind(id).bind(order).bind(provider_order).bind(session).execute(&mut raw).await;
        assert!(refused.is_err(), "{what} must be refused by the database");
    }
    let zero = sqlx::query(insert).bind("att_5").bind("A-5").bind("ord_5").bind(None::<String>);
    assert!(zero.execute(&mut raw).await.is_ok(), "the positive control: a new order is accepted");
    let negative = "INSERT INTO attempts (attempt_id, provider, order_id, amount, currency, idempotency_key,
                        provider_order_id, status, created_ms, updated_ms)
                    VALUES ('att_6', 'ioka', 'A-6', -5, 'KZT', 'k', 'ord_6', 'pending', 0, 0)";
    assert!(sqlx::query(negative).execute(&mut raw).await.is_err(), "amounts are positive minor units");
}

on_both_engines!(racing_inserts_from_two_instances_make_one_attempt);
async fn racing_inserts_from_two_instances_make_one_attempt(engine: Engine) {
    let (_db, a, b) = two_instances(engine).await;
    let mut tasks = Vec::new();
    for i in 0..24 {
        let store = if i % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move { store.insert_or_existing(&attempt(&format!("att_{i}"), "A-1")).await }));
    }
    let mut winners = std::collections::BTreeSet::new();
    for t in tasks {
        winners.insert(t.await.unwrap().unwrap().attempt_id);
    }
    assert_eq!(winners.len(), 1, "every caller got the same attempt: {winners:?}");
    let winner = winners.into_iter().next().unwrap();
    assert_eq!(a.history(&winner).await.unwrap(), vec![(Pending, "start".to_owned())]);
    for i in 0..24 {
        let id = format!("att_{i}");
        assert_eq!(b.by_id(&id).await.unwrap().is_some(), id == winner, "only the winner's row exists");
    }
}

on_both_engines!(racing_status_updates_never_move_backwards);
/// 48 observations in every order, from two instances at once: the history is a chain of
/// forward moves, numbered without gaps, ending in the stored status, which is what
/// `advance` makes of all of them whatever their order.
async fn racing_status_updates_never_move_backwards(engine: Engine) {
    let (_db, a, b) = two_instances(engine).await;
    a.insert_or_existing(&attempt("att_1", "A-1")).await.unwrap();
    let observations = [Pending, Failed, Authorized, Cancelled, Paid, Expired, Pending, Failed];
    let mut tasks = Vec::new();
    for i in 0..48 {
        let store = if i % 2 == 0 { a.clone() } else { b.clone() };
        let observed = observations[i % observations.len()];
        tasks.push(tokio::spawn(async move { store.advance_status("att_1", observed, "race").await }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let history = b.history("att_1").await.unwrap();
    for pair in history.windows(2) {
        let (from, to) = (pair[0].0, pair[1].0);
        assert!(from != to && from.advance(to) == to, "{from:?} → {to:?} is not a forward move: {history:?}");
    }
    let stored = a.by_id("att_1").await.unwrap().unwrap().status;
    assert_eq!(history.last().map(|h| h.0), Some(stored));
    assert_eq!(stored, Paid, "paid outranks every other observation");
}

on_both_engines!(a_status_change_is_announced_to_waiters);
/// A status change is announced to this process's waiters at once, and on PostgreSQL to
/// every other instance's too (NOTIFY, relayed by each store); a change that did not happen
/// (the same status again) is not.
async fn a_status_change_is_announced_to_waiters(engine: Engine) {
    let (_db, a, b) = two_instances(engine).await;
    a.insert_or_existing(&attempt("att_1", "A-1")).await.unwrap();
    a.insert_or_existing(&attempt("att_2", "A-2")).await.unwrap();
    /// What a receiver heard until a second and a half passed with nothing.
    async fn heard(rx: &mut tokio::sync::broadcast::Receiver<std::sync::Arc<str>>) -> Vec<String> {
        let mut ids = Vec::new();
        while let Ok(Ok(id)) = tokio::time::timeout(Duration::from_millis(1500), rx.recv()).await {
            ids.push(id.to_string());
        }
        ids
    }
    let mut here = a.changes().subscribe();
    let mut there = b.changes().subscribe();
    // The relays may still be connecting, and the inserts' own news still on its way: let
    // all of that pass first.
    heard(&mut here).await;
    heard(&mut there).await;
    a.advance_status("att_2", Pending, "same again").await.unwrap();
    a.advance_status("att_1", Paid, "webhook").await.unwrap();
    let here = heard(&mut here).await;
    assert!(here.first().is_some_and(|id| id == "att_1") && here.iter().all(|id| id == "att_1"), "{here:?}");
    let there = heard(&mut there).await;
    match engine {
        Engine::Postgres => assert_eq!(there, ["att_1"]),
        // Another process on the same SQLite file hears nothing: its waiters look again.
        Engine::Sqlite => assert!(there.is_empty(), "{there:?}"),
    }
}

on_both_engines!(a_notification_counts_once_across_instances);
async fn a_notification_counts_once_across_instances(engine: Engine) {
    let (_db, a, b) = two_instances(engine).await;
    a.insert_or_existing(&attempt("att_1", "A-1")).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..16 {
        let store = if i % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move {
            store.advance_on_receipt("att_1", Provider::Ioka, "sig-paid", Paid, "webhook").await
        }));
    }
    let mut applied = 0;
    for t in tasks {
        if t.await.unwrap().unwrap().is_some() {
            applied += 1;
        }
    }
    assert_eq!(applied, 1, "one delivery applied, the other 15 are replays");
    assert_eq!(a.history("att_1").await.unwrap(), vec![(Pending, "start".into()), (Paid, "webhook".into())]);
    assert_eq!(
        b.advance_on_receipt("att_1", Provider::Ioka, "sig-refund", Refunded, "webhook").await.unwrap(),
        Some(Refunded),
        "a new receipt still applies"
    );
}

on_both_engines!(racing_new_tries_make_one);
async fn racing_new_tries_make_one(engine: Engine) {
    let (_db, a, b) = two_instances(engine).await;
    a.insert_or_existing(&attempt("att_1", "A-1")).await.unwrap();
    a.advance_status("att_1", Failed, "webhook").await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..12 {
        let store = if i % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move { store.next_try("att_1", 1, "A-1~2", Leaving::Always).await }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap().map(|a| a.try_number), Some(2));
    }
    let retries = b.history("att_1").await.unwrap().iter().filter(|h| h.1 == "retry").count();
    assert_eq!(retries, 1);
}

on_both_engines!(a_try_with_a_page_is_not_left_for_a_taken_reference);
/// "Reference taken" moves on only from a try nobody holds a page for: if the call that took
/// it stored its page meanwhile (on another instance), the try stays, so it has one page.
async fn a_try_with_a_page_is_not_left_for_a_taken_reference(engine: Engine) {
    let (_db, a, b) = two_instances(engine).await;
    a.insert_or_existing(&attempt("att_1", "A-1")).await.unwrap();
    b.set_checkout("att_1", 1, Some("md-1"), "https://pay/1").await.unwrap();
    let kept = a.next_try("att_1", 1, "A-1~2", Leaving::WithoutPage).await.unwrap().unwrap();
    assert_eq!((kept.try_number, kept.checkout_url.as_deref()), (1, Some("https://pay/1")));
    let moved = a.next_try("att_1", 1, "A-1~2", Leaving::Always).await.unwrap().unwrap();
    assert_eq!((moved.try_number, moved.checkout_url), (2, None));
    let pageless = b.next_try("att_1", 2, "A-1~3", Leaving::WithoutPage).await.unwrap().unwrap();
    assert_eq!(pageless.try_number, 3, "a try without a page moves on");
}

on_both_engines!(leases_exclude_run_out_and_release);
async fn leases_exclude_run_out_and_release(engine: Engine) {
    let (_db, a, b) = two_instances(engine).await;
    let long = Duration::from_secs(30);
    assert!(a.try_lease("pay:att_1", "holder-a", long).await.unwrap());
    assert!(!b.try_lease("pay:att_1", "holder-b", long).await.unwrap(), "held by a");
    assert!(!a.try_lease("pay:att_1", "holder-a2", long).await.unwrap(), "held by a, also for a's other callers");
    assert!(b.try_lease("pay:att_2", "holder-b", long).await.unwrap(), "another name is free");
    b.release_lease("pay:att_1", "holder-b").await.unwrap();
    assert!(!b.try_lease("pay:att_1", "holder-b", long).await.unwrap(), "only the holder releases");
    a.release_lease("pay:att_1", "holder-a").await.unwrap();
    assert!(b.try_lease("pay:att_1", "holder-b", Duration::from_millis(100)).await.unwrap(), "released");
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert!(a.try_lease("pay:att_1", "holder-a", long).await.unwrap(), "a dead holder's lease runs out");
    b.release_lease("pay:att_1", "holder-b").await.unwrap();
    assert!(!b.try_lease("pay:att_1", "holder-b", long).await.unwrap(), "the old holder cannot free the new one's");

    let mut tasks = Vec::new();
    for i in 0..20 {
        let store = if i % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move { store.try_lease("start:ioka:A-9", &format!("h{i}"), long).await }));
    }
    let mut taken = 0;
    for t in tasks {
        taken += usize::from(t.await.unwrap().unwrap());
    }
    assert_eq!(taken, 1, "twenty racing callers, one holder");
}

on_both_engines!(a_held_lease_is_renewed_until_dropped);
/// `exclusive` keeps its lease alive past its time to live while held, and frees it on drop:
/// another instance can take it at once after, and not before.
async fn a_held_lease_is_renewed_until_dropped(engine: Engine) {
    use tolem_backend::locks::{exclusive, KeyedLocks, LeaseTerms};
    let (_db, a, b) = two_instances(engine).await;
    let locks = KeyedLocks::default();
    // Lifetimes long enough that a renewal (every third of one) delayed by a loaded machine
    // does not lose the lease: the test is about renewal, not about the scheduler.
    let terms = LeaseTerms { ttl: Duration::from_millis(900), max_wait: Duration::from_secs(5) };
    let held = exclusive(&locks, &a, "pay:att_1", terms).await.unwrap();
    tokio::time::sleep(Duration::from_millis(3000)).await;
    assert!(!b.try_lease("pay:att_1", "other", terms.ttl).await.unwrap(), "renewed past three lifetimes");
    let other_locks = KeyedLocks::default();
    let waiting = {
        let b = b.clone();
        tokio::spawn(async move {
            let started = std::time::Instant::now();
            let other = exclusive(&other_locks, &b, "pay:att_1", terms).await.map(|_| ());
            (other.is_ok(), started.elapsed())
        })
    };
    tokio::time::sleep(Duration::from_millis(1200)).await;
    drop(held);
    let (taken, waited) = waiting.await.unwrap();
    assert!(taken, "the waiter got it once it was dropped");
    assert!(waited >= Duration::from_millis(1200), "not before: {waited:?}");
    let short = LeaseTerms { ttl: Duration::from_secs(5), max_wait: Duration::from_millis(200) };
    assert!(b.try_lease("pay:att_2", "someone", short.ttl).await.unwrap());
    let busy = exclusive(&locks, &a, "pay:att_2", short).await;
    assert!(matches!(busy, Err(tolem_backend::error::AppError::Busy)), "a live holder past max_wait is BUSY");
}

on_both_engines!(a_lease_that_ran_out_stays_lost);
/// A holder stalled past its lease's life cannot renew it, even if nobody took it meanwhile,
/// and is told it no longer holds it: the fence `Exclusive::ensure_held` stands on.
async fn a_lease_that_ran_out_stays_lost(engine: Engine) {
    let (_db, a, b) = two_instances(engine).await;
    let ttl = Duration::from_millis(100);
    assert!(a.try_lease("pay:att_1", "stalled", ttl).await.unwrap());
    assert!(a.holds_lease("pay:att_1", "stalled").await.unwrap());
    assert!(!b.holds_lease("pay:att_1", "someone-else").await.unwrap());
    assert!(a.renew_lease("pay:att_1", "stalled", ttl).await.unwrap(), "renewed in time");
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert!(!a.holds_lease("pay:att_1", "stalled").await.unwrap(), "ran out");
    assert!(!a.renew_lease("pay:att_1", "stalled", ttl).await.unwrap(), "too late to renew, taken or not");
    assert!(b.try_lease("pay:att_1", "next", ttl).await.unwrap(), "the next caller takes it");
    assert!(!a.holds_lease("pay:att_1", "stalled").await.unwrap());
}

on_both_engines!(provider_reads_are_claimed_once_a_second);
/// However many pollers on however many instances, one of them reads the provider per second.
async fn provider_reads_are_claimed_once_a_second(engine: Engine) {
    let (_db, a, b) = two_instances(engine).await;
    a.insert_or_existing(&attempt("att_1", "A-1")).await.unwrap();
    let every = Duration::from_millis(300);
    assert!(a.claim_provider_read("att_1", every).await.unwrap(), "the first poller reads");
    assert!(!b.claim_provider_read("att_1", every).await.unwrap(), "another instance, at once: no");
    assert!(!a.claim_provider_read("att_1", every).await.unwrap());
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert!(b.claim_provider_read("att_1", every).await.unwrap(), "a moment later: yes");
    assert!(!b.claim_provider_read("att_unknown", every).await.unwrap(), "no attempt, nothing to read");
}

on_both_engines!(flags_and_switches_are_recorded_once);
/// A flag (money for another amount, money on a left attempt) and a provider switch each land
/// in the attempt and its history once, however often the same news comes.
async fn flags_and_switches_are_recorded_once(engine: Engine) {
    let (_db, a, b) = two_instances(engine).await;
    a.insert_or_existing(&attempt("att_1", "A-1")).await.unwrap();
    for _ in 0..3 {
        b.flag("att_1", "the provider reported paid 100 KZT", "poll").await.unwrap();
    }
    assert!(a.supersede("att_1", Provider::Bereke).await.unwrap());
    assert!(!b.supersede("att_1", Provider::Paytone).await.unwrap(), "already left, for bereke");
    let stored = a.by_id("att_1").await.unwrap().unwrap();
    assert_eq!(stored.attention.as_deref(), Some("the provider reported paid 100 KZT"));
    assert_eq!(stored.superseded_by, Some(Provider::Bereke));
    let sources: Vec<String> = a.history("att_1").await.unwrap().into_iter().map(|(_, s)| s).collect();
    assert_eq!(sources.iter().filter(|s| s.starts_with("alert:poll")).count(), 1, "{sources:?}");
    assert_eq!(sources.iter().filter(|s| *s == "switch:bereke").count(), 1, "{sources:?}");
    assert_eq!(a.for_order("A-1").await.unwrap().len(), 1);
    b.reinstate("att_1").await.unwrap();
    assert_eq!(a.by_id("att_1").await.unwrap().unwrap().superseded_by, None);
}

on_both_engines!(concurrent_starts_migrate_once);
async fn concurrent_starts_migrate_once(engine: Engine) {
    let db = common::fresh(engine).await;
    let starts: Vec<_> = (0..4)
        .map(|_| {
            let options = db.options.clone();
            tokio::spawn(async move { Store::connect(&options).await })
        })
        .collect();
    let mut stores = Vec::new();
    for s in starts {
        stores.push(s.await.unwrap().unwrap());
    }
    stores[0].insert_or_existing(&attempt("att_1", "A-1")).await.unwrap();
    assert!(stores[3].by_id("att_1").await.unwrap().is_some());
    sqlx::any::install_default_drivers();
    let mut raw = sqlx::AnyConnection::connect(db.options.url.expose()).await.unwrap();
    let applied: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version").fetch_all(&mut raw).await.unwrap();
    assert_eq!(applied, vec![1, 2, 3, 4, 5, 6, 7]);
}

/// A SQLite store written by the release before migrations is adopted with its rows, and its
/// history keeps its order.
#[tokio::test]
async fn a_sqlite_store_from_before_migrations_is_adopted() {
    let db = common::fresh(Engine::Sqlite).await;
    sqlx::any::install_default_drivers();
    {
        let mut raw = sqlx::AnyConnection::connect(db.options.url.expose()).await.unwrap();
        // The schema and rows exactly as that release made them (its `CREATE TABLE` and its
        // version-2 `ALTER TABLE`s).
        sqlx::raw_sql(
            "CREATE TABLE attempts (attempt_id TEXT PRIMARY KEY, provider TEXT NOT NULL, order_id TEXT NOT NULL,
                 amount INTEGER NOT NULL CHECK (amount > 0), currency TEXT NOT NULL, idempotency_key TEXT NOT NULL,
                 provider_customer_id TEXT, provider_order_id TEXT NOT NULL, order_access_token TEXT,
                 customer_access_token TEXT, checkout_url TEXT, status TEXT NOT NULL, created_ms INTEGER NOT NULL,
                 updated_ms INTEGER NOT NULL, UNIQUE (provider, order_id), UNIQUE (provider, provider_order_id));
             CREATE TABLE status_history (attempt_id TEXT NOT NULL REFERENCES attempts(attempt_id),
                 status TEXT NOT NULL, source TEXT NOT NULL, at_ms INTEGER NOT NULL);
             CREATE TABLE webhook_receipts (provider TEXT NOT NULL, receipt TEXT NOT NULL,
                 received_ms INTEGER NOT NULL, PRIMARY KEY (provider, receipt));
             ALTER TABLE attempts ADD COLUMN try_number INTEGER NOT NULL DEFAULT 1;
             ALTER TABLE attempts ADD COLUMN provider_session_id TEXT;
             ALTER TABLE attempts ADD COLUMN details TEXT;
             CREATE UNIQUE INDEX attempts_session ON attempts(provider, provider_session_id);
             INSERT INTO attempts (attempt_id, provider, order_id, amount, currency, idempotency_key,
                 provider_order_id, status, created_ms, updated_ms)
                 VALUES ('att_old', 'bereke', 'A-1', 150000, 'KZT', 'k', 'A-1', 'failed', 1, 3);
             INSERT INTO status_history VALUES ('att_old', 'pending', 'start', 1);
             INSERT INTO status_history VALUES ('att_old', 'failed', 'webhook', 2);
             INSERT INTO webhook_receipts VALUES ('bereke', 'chk-1', 2);",
        )
        .execute(&mut raw)
        .await
        .unwrap();
        raw.close().await.unwrap();
    }
    let s = Store::connect(&db.options).await.unwrap();
    let old = s.by_id("att_old").await.unwrap().unwrap();
    assert_eq!((old.provider, old.status, old.try_number), (Provider::Bereke, Failed, 1));
    assert_eq!(s.reopen("att_old").await.unwrap(), Pending);
    assert_eq!(
        s.history("att_old").await.unwrap(),
        vec![(Pending, "start".into()), (Failed, "webhook".into()), (Pending, "retry".into())]
    );
    assert_eq!(s.advance_on_receipt("att_old", Provider::Bereke, "chk-1", Paid, "webhook").await.unwrap(), None);
}

#[tokio::test]
async fn an_in_memory_store_works_and_other_urls_are_refused() {
    let s = Store::connect(&StoreOptions::memory()).await.unwrap();
    s.insert_or_existing(&attempt("att_1", "A-1")).await.unwrap();
    assert_eq!(s.advance_status("att_1", Paid, "webhook").await.unwrap(), Paid);
    for url in ["mysql://root@127.0.0.1/tolem", "tolem.db", ""] {
        let refused = Store::connect(&StoreOptions::url(url)).await;
        assert!(matches!(refused, Err(StoreError::UnsupportedUrl)), "{url}");
    }
    let unreachable = StoreOptions {
        acquire_timeout: Duration::from_millis(500),
        ..StoreOptions::url("postgres://tolem@127.0.0.1:1/tolem")
    };
    let error = Store::connect(&unreachable).await.err().expect("nothing listens on port 1");
    assert!(matches!(error, StoreError::Database(_)), "{error}");
}

#[test]
fn a_database_password_never_prints() {
    let options = StoreOptions::url("postgres://tolem:hunter2@db.internal:5432/tolem");
    assert!(!format!("{options:?}").contains("hunter2"));
}

fn session(id: &str, order: &str, amount: i64) -> CheckoutSession {
    let request: SessionRequest = serde_json::from_value(serde_json::json!({
        "order": {"id": order, "amount": amount, "currency": "KZT"},
        "returnUrl": "https://shop.kz/checkout",
    }))
    .unwrap();
    CheckoutSession {
        session_id: id.to_owned(),
        client_secret: format!("{id}_secret_00"),
        request,
        expires_ms: 4_000_000_000_000,
    }
}

on_both_engines!(one_session_per_order_replaced_only_by_compare_and_set_before_any_attempt);
/// The shop's price for an order lives in one row: a second insert loses, a replacement must
/// name the session it replaces (two instances racing to reprice make one winner), and once an
/// attempt exists for the order at any provider nothing replaces it.
async fn one_session_per_order_replaced_only_by_compare_and_set_before_any_attempt(engine: Engine) {
    let (_db, a, b) = two_instances(engine).await;
    assert!(a.insert_session(&session("cs_1", "S-1", 1_500_000)).await.unwrap());
    assert!(!b.insert_session(&session("cs_2", "S-1", 1_500_000)).await.unwrap(), "one session per order");
    assert_eq!(b.session_for_order("S-1").await.unwrap().map(|s| s.session_id), Some("cs_1".to_owned()));

    let (cheaper, dearer) = (session("cs_3", "S-1", 100), session("cs_4", "S-1", 200));
    let (first, second) = tokio::join!(a.replace_session("cs_1", &cheaper), b.replace_session("cs_1", &dearer));
    assert_eq!([first.unwrap(), second.unwrap()].iter().filter(|won| **won).count(), 1, "one repricing wins");
    assert!(a.session_by_id("cs_1").await.unwrap().is_none(), "the old secret is gone");
    let current = a.session_for_order("S-1").await.unwrap().unwrap();
    assert!(["cs_3", "cs_4"].contains(&current.session_id.as_str()));

    a.insert_or_existing(&attempt("att_1", "S-1")).await.unwrap();
    assert!(a.order_has_attempt("S-1").await.unwrap());
    let replaced = b.replace_session(&current.session_id, &session("cs_5", "S-1", 1)).await.unwrap();
    assert!(!replaced, "a started order keeps its price");
    assert_eq!(b.session_for_order("S-1").await.unwrap(), Some(current.clone()));

    let mut later = current.request.clone();
    later.return_url = "https://shop.kz/checkout?step=2".into();
    b.refresh_session(&current.session_id, &later, current.expires_ms + 1).await.unwrap();
    let refreshed = a.session_by_id(&current.session_id).await.unwrap().unwrap();
    assert_eq!(
        (refreshed.request.return_url.as_str(), refreshed.expires_ms),
        (later.return_url.as_str(), current.expires_ms + 1)
    );
}
