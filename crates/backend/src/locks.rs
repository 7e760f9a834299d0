//! One name (a merchant order at `start`, an attempt at `pay`) handled by one caller at a
//! time: [`KeyedLocks`] within a process, and [`exclusive`] across every instance sharing the
//! store (the process's lock, then a lease in the database).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

use crate::error::AppError;
use crate::store::Store;

/// Locks by key; entries are dropped when nobody holds or waits for them.
#[derive(Default)]
pub struct KeyedLocks {
    map: Mutex<HashMap<String, Arc<AsyncMutex<()>>>>,
}

/// Holds a key's lock until dropped.
pub struct KeyGuard<'a> {
    locks: &'a KeyedLocks,
    key: String,
    guard: Option<OwnedMutexGuard<()>>,
}

impl KeyedLocks {
    /// Waits for, then holds, the lock for `key`.
    pub async fn lock(&self, key: &str) -> KeyGuard<'_> {
        let cell = {
            let mut map = self.map.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            map.entry(key.to_owned()).or_default().clone()
        };
        let guard = cell.lock_owned().await;
        KeyGuard { locks: self, key: key.to_owned(), guard: Some(guard) }
    }

    /// Keys currently tracked (for tests).
    pub fn len(&self) -> usize {
        self.map.lock().map(|m| m.len()).unwrap_or(0)
    }

    /// True when no key is tracked.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Drop for KeyGuard<'_> {
    fn drop(&mut self) {
        self.guard.take();
        let mut map = self.locks.map.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(cell) = map.get(&self.key) {
            // only the map holds it: nobody is waiting
            if Arc::strong_count(cell) == 1 {
                map.remove(&self.key);
            }
        }
    }
}

/// One name held across every instance that shares the store: this process's own lock first
/// (so callers in one process queue without touching the database), then the store's lease
/// (so callers on other instances wait). While held, the lease is renewed every third of its
/// time to live; dropped, it is released. A holder that dies stops renewing, and its lease runs
/// out within its time to live. Expiry is judged by the database's clock. A holder whose
/// lease ran out (a stall longer than its time to live) is fenced: [`Exclusive::ensure_held`]
/// refuses it before it makes another provider call, since someone else may be acting.
pub struct Exclusive<'a> {
    _local: KeyGuard<'a>,
    store: Store,
    name: String,
    holder: String,
    lost: Arc<AtomicBool>,
    renewer: tokio::task::JoinHandle<()>,
}

/// How a lease is taken and waited for.
#[derive(Clone, Copy, Debug)]
pub struct LeaseTerms {
    /// How long a lease lives without renewal: what a crashed holder costs the next caller.
    pub ttl: Duration,
    /// The longest a caller waits for a live holder before answering [`AppError::Busy`].
    pub max_wait: Duration,
}

/// Waits for `name` on this process and in the store.
///
/// # Errors
/// [`AppError::Busy`] when it stays taken longer than `terms.max_wait`; the store's failures.
pub async fn exclusive<'a>(
    locks: &'a KeyedLocks,
    store: &Store,
    name: &str,
    terms: LeaseTerms,
) -> Result<Exclusive<'a>, AppError> {
    let local = locks.lock(name).await;
    let holder = crate::steps::random_hex(8)?;
    let deadline = tokio::time::Instant::now() + terms.max_wait;
    let mut pause = Duration::from_millis(10);
    while !store.try_lease(name, &holder, terms.ttl).await? {
        if tokio::time::Instant::now() + pause > deadline {
            return Err(AppError::Busy);
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(200));
    }
    let lost = Arc::new(AtomicBool::new(false));
    let renewer = {
        let (store, name, holder, lost) = (store.clone(), name.to_owned(), holder.clone(), lost.clone());
        tokio::spawn(async move {
            let every = (terms.ttl / 3).max(Duration::from_millis(10));
            loop {
                tokio::time::sleep(every).await;
                match store.renew_lease(&name, &holder, terms.ttl).await {
                    Ok(true) => {}
                    Ok(false) => {
                        lost.store(true, Ordering::SeqCst);
                        tracing::error!(lease = %name, "lease lost (renewed too late); this holder calls no provider again");
                        return;
                    }
                    Err(e) => tracing::warn!(lease = %name, error = %e, "lease not renewed; trying again"),
                }
            }
        })
    };
    Ok(Exclusive { _local: local, store: store.clone(), name: name.to_owned(), holder, lost, renewer })
}

impl Exclusive<'_> {
    /// Checks, just before a provider call that changes something, that this holder still
    /// holds the lease (by the database's clock).
    ///
    /// # Errors
    /// [`AppError::Busy`] when the lease was lost: the caller stops, and the shopper's retry
    /// finds whatever the new holder did.
    pub async fn ensure_held(&self) -> Result<(), AppError> {
        if self.lost.load(Ordering::SeqCst) || !self.store.holds_lease(&self.name, &self.holder).await? {
            self.lost.store(true, Ordering::SeqCst);
            tracing::error!(lease = %self.name, "lease lost before a provider call; not calling");
            return Err(AppError::Busy);
        }
        Ok(())
    }
}

impl Drop for Exclusive<'_> {
    fn drop(&mut self) {
        self.renewer.abort();
        let (store, name, holder) =
            (self.store.clone(), std::mem::take(&mut self.name), std::mem::take(&mut self.holder));
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(e) = store.release_lease(&name, &holder).await {
                    tracing::warn!(lease = %name, error = %e, "lease not released; it runs out by itself");
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn same_key_serialises_and_entries_are_cleaned_up() {
        let locks = Arc::new(KeyedLocks::default());
        let counter = Arc::new(Mutex::new((0u32, 0u32))); // (inside now, max inside)
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let (locks, counter) = (locks.clone(), counter.clone());
            tasks.push(tokio::spawn(async move {
                let _g = locks.lock("A-1").await;
                {
                    let mut c = counter.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                    c.0 += 1;
                    c.1 = c.1.max(c.0);
                }
                tokio::task::yield_now().await;
                counter.lock().unwrap_or_else(std::sync::PoisonError::into_inner).0 -= 1;
            }));
        }
        for t in tasks {
            let _ = t.await;
        }
        assert_eq!(counter.lock().map(|c| c.1).unwrap_or(99), 1);
        assert!(locks.is_empty());
    }
}
