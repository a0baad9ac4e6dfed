//! Server-issued values: attestation challenges (§6 of -10/-11, §8 of -07) and DPoP nonces
//! (RFC 9449 §8), kept in one store with the purpose each was issued for.
//!
//! - Up to -10 one value serves both purposes ([`Purpose::Both`]): the value put in
//!   `OAuth-Client-Attestation-Challenge` and in `DPoP-Nonce` of a response is the same, so a
//!   combined-mode client satisfies both demands with the single `nonce` claim of its DPoP
//!   proof (draft-10 §7.3 item 5).
//! - From -11 the two are separate: "the Challenge mechanisms defined by this specification
//!   ... are not used for the DPoP proof" (-11/-12 §5.2); a challenge is only good in a PoP
//!   `challenge` claim and a DPoP nonce only in a DPoP `nonce` claim.
//!
//! Values live `challenge_ttl` seconds and are single-use: they are consumed when a request
//! that used them authenticates successfully.
use crate::expiring::Expiring;
use std::sync::Mutex;

/// Bound on live values (every /token and /par response issues one or two). At full speed
/// (about 10,000 values a second under the fuzz benchmark) this is ten seconds of issuance.
const MAX_LIVE: usize = 100_000;

/// What a server-issued value may be used for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// A PoP `challenge` claim (or, up to -10, the combined-mode DPoP `nonce`).
    Challenge,
    /// A DPoP `nonce` claim (RFC 9449 §8).
    DpopNonce,
    /// Either (one value for both headers, up to -10).
    Both,
}

impl Purpose {
    fn serves(self, wanted: Purpose) -> bool {
        self == Purpose::Both || wanted == Purpose::Both || self == wanted
    }
}

#[derive(Debug)]
pub struct ChallengeStore {
    live: Mutex<Expiring<Purpose>>,
}

impl Default for ChallengeStore {
    fn default() -> Self {
        ChallengeStore {
            live: Mutex::new(Expiring::new(MAX_LIVE)),
        }
    }
}

impl ChallengeStore {
    fn lock(&self) -> std::sync::MutexGuard<'_, Expiring<Purpose>> {
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A fresh random value (256 bits, base64url) for `purpose`, live until `now + ttl`.
    pub fn issue(&self, purpose: Purpose, now: u64, ttl: u64) -> String {
        let value = crate::jose::b64url_encode(&rand::random::<[u8; 32]>());
        self.lock()
            .insert(value.clone(), now.saturating_add(ttl), purpose, now);
        value
    }

    /// True when `value` was issued by this server for `purpose` (or for both), is unexpired
    /// and unused. `Purpose::Both` asks for a value of any purpose.
    pub fn is_live(&self, value: &str, purpose: Purpose, now: u64) -> bool {
        self.lock()
            .get(value, now)
            .is_some_and(|p| p.serves(purpose))
    }

    /// Uses up `value`; false when it was not live (expired, unknown, or used concurrently).
    pub fn consume(&self, value: &str, now: u64) -> bool {
        self.lock().remove(value, now).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_use_and_expiry() {
        let s = ChallengeStore::default();
        let v = s.issue(Purpose::Both, 100, 10);
        assert!(s.is_live(&v, Purpose::Challenge, 105));
        assert!(s.is_live(&v, Purpose::DpopNonce, 105));
        assert!(!s.is_live(&v, Purpose::Both, 110));
        let w = s.issue(Purpose::Both, 100, 10);
        assert!(s.consume(&w, 101));
        assert!(!s.consume(&w, 101));
        assert!(!s.is_live("nope", Purpose::Both, 100));
    }

    #[test]
    fn a_full_store_evicts_the_oldest_value_issued_in_the_same_second() {
        let s = ChallengeStore::default();
        let first = s.issue(Purpose::Both, 100, 300);
        let second = s.issue(Purpose::Both, 100, 300);
        for _ in 2..MAX_LIVE {
            s.issue(Purpose::Both, 100, 300);
        }
        let newest = s.issue(Purpose::Both, 100, 300);
        assert!(!s.is_live(&first, Purpose::Both, 100));
        assert!(s.is_live(&second, Purpose::Both, 100));
        assert!(s.is_live(&newest, Purpose::Both, 100));
        assert_eq!(s.lock().len(), MAX_LIVE);
    }

    #[test]
    fn purposes_are_kept_apart() {
        let s = ChallengeStore::default();
        let c = s.issue(Purpose::Challenge, 100, 10);
        let n = s.issue(Purpose::DpopNonce, 100, 10);
        assert!(s.is_live(&c, Purpose::Challenge, 101));
        assert!(!s.is_live(&c, Purpose::DpopNonce, 101));
        assert!(s.is_live(&n, Purpose::DpopNonce, 101));
        assert!(!s.is_live(&n, Purpose::Challenge, 101));
        assert!(s.is_live(&n, Purpose::Both, 101));
    }
}
