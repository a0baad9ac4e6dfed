//! A bounded, expiring key → record store for the artifacts the server hands out: pushed
//! authorization requests (`request_uri`), login sessions, authorization codes, pre-authorized
//! codes and refresh tokens. Handles are 256-bit random values (RFC 6749 §10.10: guessing one
//! must be infeasible). Every read-modify-write runs under one lock, so a single-use artifact
//! cannot be redeemed twice by concurrent requests.
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Bound on live records per store, so that a flood of requests cannot exhaust memory.
const MAX_ENTRIES: usize = 10_000;

#[derive(Debug)]
struct Entry<T> {
    value: T,
    expires_at: u64,
}

#[derive(Debug)]
pub struct Store<T> {
    entries: Mutex<HashMap<String, Entry<T>>>,
    /// The second expired entries were last dropped: one scan per second (the clock's
    /// granularity) instead of one per insertion, which cost a scan of every live entry.
    purged_at: AtomicU64,
}

impl<T> Default for Store<T> {
    fn default() -> Self {
        Store {
            entries: Mutex::new(HashMap::new()),
            purged_at: AtomicU64::new(0),
        }
    }
}

/// A fresh random handle: 256 bits, base64url.
pub fn random_handle() -> String {
    crate::jose::b64url_encode(&rand::random::<[u8; 32]>())
}

impl<T: Clone> Store<T> {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry<T>>> {
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
        let mut m = self.lock();
        if self.purged_at.swap(now, Ordering::Relaxed) != now {
            m.retain(|_, e| e.expires_at > now);
        }
        if m.len() >= MAX_ENTRIES {
            // Evict the record that expires first.
            if let Some(k) = m
                .iter()
                .min_by_key(|(_, e)| e.expires_at)
                .map(|(k, _)| k.clone())
            {
                m.remove(&k);
            }
        }
        m.insert(
            key,
            Entry {
                value,
                expires_at: now.saturating_add(ttl),
            },
        );
    }

    /// The live record under `key`, if any.
    pub fn get(&self, key: &str, now: u64) -> Option<T> {
        self.lock()
            .get(key)
            .filter(|e| e.expires_at > now)
            .map(|e| e.value.clone())
    }

    /// Runs `f` on the live record under `key` while holding the lock (check-and-mark).
    /// None when there is no live record.
    pub fn with<R>(&self, key: &str, now: u64, f: impl FnOnce(&mut T) -> R) -> Option<R> {
        let mut m = self.lock();
        match m.get_mut(key) {
            Some(e) if e.expires_at > now => Some(f(&mut e.value)),
            _ => None,
        }
    }

    /// Removes and returns the live record under `key`.
    pub fn take(&self, key: &str, now: u64) -> Option<T> {
        let mut m = self.lock();
        match m.remove(key) {
            Some(e) if e.expires_at > now => Some(e.value),
            _ => None,
        }
    }

    /// Removes the record under `key` (live or not).
    pub fn remove(&self, key: &str) {
        self.lock().remove(key);
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
