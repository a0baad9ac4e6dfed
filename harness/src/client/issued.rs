//! The valid attestations of a run, one per client_id, each kept with its compact form so it
//! is signed once and reused (draft-10 §Implementation Considerations, Reuse of a Client
//! Attestation JWT). Storage only: [`super::attestation::issued`] decides what to sign.
use super::draft::TokenDraft;
use std::sync::Mutex;

/// The claims every issued attestation carries (client/attestation.rs `valid`).
const BASE_CLAIMS: [&str; 4] = ["sub", "iat", "exp", "cnf"];

#[derive(Default)]
pub struct Issued {
    cache: Mutex<Vec<(TokenDraft, String, i64)>>,
}

impl Issued {
    /// The draft issued for `client_id` with the extra claims `extra` less than `reuse_for`
    /// seconds before `now`; else the one `sign` makes, kept with its compact form. The extra
    /// claims are part of the match: they differ between revisions (-07's `iss`), and
    /// `--draft auto` sends each revision's shape in one run.
    pub fn get_or_sign(
        &self,
        client_id: &str,
        extra: &serde_json::Map<String, serde_json::Value>,
        now: i64,
        reuse_for: i64,
        sign: impl FnOnce() -> (TokenDraft, String),
    ) -> TokenDraft {
        let same = |d: &TokenDraft| {
            d.claim_str("sub") == Some(client_id)
                && extra.iter().all(|(k, v)| d.claims.get(k) == Some(v))
                && d.claims
                    .keys()
                    .all(|k| extra.contains_key(k) || BASE_CLAIMS.contains(&k.as_str()))
        };
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        cache.retain(|(d, _, at)| now - at < reuse_for || !same(d));
        if let Some((d, _, _)) = cache.iter().find(|(d, _, _)| same(d)) {
            return d.clone();
        }
        let (d, compact) = sign();
        cache.push((d.clone(), compact, now));
        d
    }

    /// The compact form of `d` if it is exactly an issued attestation (no mutation touched it).
    pub fn signed(&self, d: &TokenDraft) -> Option<String> {
        let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .iter()
            .find(|(c, _, _)| c == d)
            .map(|(_, s, _)| s.clone())
    }
}
