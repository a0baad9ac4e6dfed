//! Sliding-window store of seen `jti` values (draft-10 §Implementation Considerations Replay
//! Attack Detection; RFC 9449 §11.1). Callers evaluate `iat` first, look a value up while
//! validating, and insert it only after every other check passed ([`ReplayStore::insert_new`]
//! does the look-up and the insertion under one lock, so two concurrent requests carrying the
//! same jti cannot both succeed).
use crate::expiring::Expiring;
use std::sync::Mutex;

/// Bound on stored values, so that a flood of valid proofs cannot exhaust memory.
const MAX_ENTRIES: usize = 100_000;

#[derive(Debug)]
pub struct ReplayStore {
    /// Each value until the time (unix seconds) after which it is discarded.
    seen: Mutex<Expiring<()>>,
}

impl Default for ReplayStore {
    fn default() -> Self {
        ReplayStore {
            seen: Mutex::new(Expiring::new(MAX_ENTRIES)),
        }
    }
}

impl ReplayStore {
    fn lock(&self) -> std::sync::MutexGuard<'_, Expiring<()>> {
        self.seen.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// True when `value` was seen and has not yet left the window.
    pub fn is_seen(&self, value: &str, now: u64) -> bool {
        self.lock().get(value, now).is_some()
    }

    /// Records `value` until `expires_at`; false when it is already recorded (a replay).
    pub fn insert_new(&self, value: &str, expires_at: u64, now: u64) -> bool {
        let mut seen = self.lock();
        if seen.get(value, now).is_some() {
            return false;
        }
        seen.insert(value.to_owned(), expires_at, (), now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_slides() {
        let s = ReplayStore::default();
        assert!(!s.is_seen("a", 100));
        assert!(s.insert_new("a", 200, 100));
        assert!(s.is_seen("a", 150));
        assert!(!s.insert_new("a", 300, 150));
        assert!(!s.is_seen("a", 200));
        assert!(s.insert_new("a", 400, 201));
        // Expired but not purged yet (this second was purged already): no replay.
        assert!(s.insert_new("b", 201, 201));
        assert!(s.insert_new("b", 300, 201));
    }
}
