//! A bounded map of values that expire, under the artifact, challenge and `jti` stores.
//!
//! - Expired entries are dropped at most once per second (the clock's granularity), not on
//!   every insertion: a scan of every live entry per insertion made the server's cost per
//!   request grow with what earlier requests left behind.
//! - When the map is full, the entry inserted first goes: never one inserted a moment ago
//!   (choosing "the earliest expiry" could pick any entry of the current second, all of which
//!   share it, so a client's fresh challenge could vanish under load).
//!
//! Callers hold it under their own lock, so a check-and-mark is atomic.
use std::collections::{HashMap, VecDeque};

#[derive(Debug)]
pub struct Expiring<V> {
    /// key → (unix second after which it is gone, value).
    entries: HashMap<String, (u64, V)>,
    /// Insertion order, oldest first; keys removed since are skipped when evicting.
    order: VecDeque<String>,
    /// The second expired entries were last dropped.
    purged_at: u64,
    max: usize,
}

impl<V> Expiring<V> {
    pub fn new(max: usize) -> Self {
        Expiring {
            entries: HashMap::new(),
            order: VecDeque::new(),
            purged_at: 0,
            max: max.max(1),
        }
    }

    /// Stores `value` under `key` until `expires_at` (replacing an entry under that key).
    pub fn insert(&mut self, key: String, expires_at: u64, value: V, now: u64) {
        if self.purged_at != now {
            self.purged_at = now;
            self.entries.retain(|_, (exp, _)| *exp > now);
            let entries = &self.entries;
            self.order.retain(|k| entries.contains_key(k));
        }
        while self.entries.len() >= self.max && !self.entries.contains_key(&key) {
            match self.order.pop_front() {
                Some(oldest) => {
                    self.entries.remove(&oldest);
                }
                None => break,
            }
        }
        self.order.push_back(key.clone());
        self.entries.insert(key, (expires_at, value));
    }

    /// The live value under `key`.
    pub fn get(&self, key: &str, now: u64) -> Option<&V> {
        match self.entries.get(key) {
            Some((exp, v)) if *exp > now => Some(v),
            _ => None,
        }
    }

    /// The live value under `key`, to change in place.
    pub fn get_mut(&mut self, key: &str, now: u64) -> Option<&mut V> {
        match self.entries.get_mut(key) {
            Some((exp, v)) if *exp > now => Some(v),
            _ => None,
        }
    }

    /// Removes the entry under `key`; its value when it was live.
    pub fn remove(&mut self, key: &str, now: u64) -> Option<V> {
        match self.entries.remove(key) {
            Some((exp, v)) if exp > now => Some(v),
            _ => None,
        }
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expired_entries_are_gone_and_purged_once_a_second() {
        let mut m = Expiring::new(10);
        m.insert("a".into(), 105, 1, 100);
        assert_eq!(m.get("a", 104), Some(&1));
        assert_eq!(m.get("a", 105), None);
        // Still stored until the next second's purge, but never returned.
        m.insert("b".into(), 105, 2, 100);
        assert_eq!(m.len(), 2);
        m.insert("c".into(), 200, 3, 106);
        assert_eq!(m.len(), 1);
        assert_eq!(m.remove("c", 150), Some(3));
        assert_eq!(m.remove("c", 150), None);
    }

    #[test]
    fn a_full_map_drops_the_oldest_entry_of_the_same_second() {
        let mut m = Expiring::new(3);
        for k in ["a", "b", "c"] {
            m.insert(k.into(), 400, (), 100);
        }
        m.remove("b", 100);
        m.insert("d".into(), 400, (), 100);
        m.insert("e".into(), 400, (), 100);
        assert_eq!(m.get("a", 100), None);
        for k in ["c", "d", "e"] {
            assert!(m.get(k, 100).is_some(), "{k}");
        }
        assert_eq!(m.len(), 3);
    }
}
