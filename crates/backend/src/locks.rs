//! One async lock per key (merchant order), so two concurrent `start`s for the same order
//! run one after the other. Across processes the provider's own duplicate guard (ioka's
//! 409 on `external_id`) and the store's unique constraint take over.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

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
