//! Server-issued values: attestation challenges (draft-10 §Challenges) and DPoP nonces
//! (RFC 9449 §8) come from ONE store. The value put in `OAuth-Client-Attestation-Challenge`
//! and in `DPoP-Nonce` of a response is the same, so a combined-mode client satisfies both
//! demands with the single `nonce` claim of its DPoP proof (draft-10 §Verification DPoP
//! Combined Mode item 5). Values live `challenge_ttl` seconds and are single-use: they are
//! consumed when a request that used them authenticates successfully.
use std::collections::HashMap;
use std::sync::Mutex;

/// Bound on live values (every /token and /par response issues one).
const MAX_LIVE: usize = 10_000;

#[derive(Debug, Default)]
pub struct ChallengeStore {
    live: Mutex<HashMap<String, u64>>,
}

impl ChallengeStore {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, u64>> {
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A fresh random value (256 bits, base64url), live until `now + ttl`.
    pub fn issue(&self, now: u64, ttl: u64) -> String {
        let value = crate::jose::b64url_encode(&rand::random::<[u8; 32]>());
        let mut live = self.lock();
        live.retain(|_, exp| *exp > now);
        if live.len() >= MAX_LIVE {
            if let Some(k) = live.iter().min_by_key(|(_, e)| **e).map(|(k, _)| k.clone()) {
                live.remove(&k);
            }
        }
        live.insert(value.clone(), now.saturating_add(ttl));
        value
    }

    /// True when `value` was issued by this server, is unexpired and unused.
    pub fn is_live(&self, value: &str, now: u64) -> bool {
        self.lock().get(value).is_some_and(|&exp| exp > now)
    }

    /// Uses up `value`; false when it was not live (expired, unknown, or used concurrently).
    pub fn consume(&self, value: &str, now: u64) -> bool {
        let mut live = self.lock();
        match live.remove(value) {
            Some(exp) => exp > now,
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_use_and_expiry() {
        let s = ChallengeStore::default();
        let v = s.issue(100, 10);
        assert!(s.is_live(&v, 105));
        assert!(!s.is_live(&v, 110));
        let w = s.issue(100, 10);
        assert!(s.consume(&w, 101));
        assert!(!s.consume(&w, 101));
        assert!(!s.is_live("nope", 100));
    }
}
