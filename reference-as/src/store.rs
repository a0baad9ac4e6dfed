//! A bounded, expiring key → record store for the artifacts the server hands out: pushed
//! authorization requests (`request_uri`), login sessions, authorization codes, pre-authorized
//! codes and refresh tokens. Handles are 256-bit random values (RFC 6749 §10.10: guessing one
//! must be infeasible). Every read-modify-write runs under one lock, so a single-use artifact
//! cannot be redeemed twice by concurrent requests.
use crate::expiring::Expiring;
use std::sync::Mutex;

/// Bound on live records per store, so that a flood of requests cannot exhaust memory.
const MAX_ENTRIES: usize = 10_000;

#[derive(Debug)]
pub struct Store<T> {
    entries: Mutex<Expiring<T>>,
}

impl<T> Default for Store<T> {
    fn default() -> Self {
        Store {
            entries: Mutex::new(Expiring::new(MAX_ENTRIES)),
        }
    }
}

/// A fresh random handle: 256 bits, base64url.
pub fn random_handle() -> String {
    crate::jose::b64url_encode(&rand::random::<[u8; 32]>())
}

impl<T: Clone> Store<T> {
    fn lock(&self) -> std::sync::MutexGuard<'_, Expiring<T>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Stores `value` under a fresh handle, live until `now + ttl`; returns the handle.
    pub fn insert(&self, value: T, now: u64, ttl: u64) -> String {
        let key = random_handle();
        self.insert_as(key.clone(), value, now, ttl);
        key
    }

    /// Stores `value` under `key` (a handle the caller built, e.g. a `request_uri`).
    pub fn insert_as(&self, key: String, value: T, now: u64, ttl: u64) {
        self.lock().insert(key, now.saturating_add(ttl), value, now);
    }

    /// The live record under `key`, if any.
    pub fn get(&self, key: &str, now: u64) -> Option<T> {
        self.lock().get(key, now).cloned()
    }

    /// Runs `f` on the live record under `key` while holding the lock (check-and-mark).
    /// None when there is no live record.
    pub fn with<R>(&self, key: &str, now: u64, f: impl FnOnce(&mut T) -> R) -> Option<R> {
        self.lock().get_mut(key, now).map(f)
    }

    /// Removes and returns the live record under `key`.
    pub fn take(&self, key: &str, now: u64) -> Option<T> {
        self.lock().remove(key, now)
    }

    /// Removes the record under `key` (live or not).
    pub fn remove(&self, key: &str) {
        self.lock().remove(key, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_take_and_with() {
        let s: Store<u32> = Store::default();
        let k = s.insert(7, 100, 10);
        assert_eq!(s.get(&k, 105), Some(7));
        assert_eq!(s.get(&k, 110), None);
        assert_eq!(s.with(&k, 105, |v| std::mem::replace(v, 8)), Some(7));
        assert_eq!(s.take(&k, 105), Some(8));
        assert_eq!(s.take(&k, 105), None);
        assert_ne!(s.insert(1, 0, 1), s.insert(1, 0, 1));
    }
}
