//! The valid Client Attestation JWT (draft-10 §Client Attestation JWT), signed once and
//! reused: the draft lets a client instance present one attestation in many requests with a
//! fresh PoP each (§Implementation Considerations, Reuse of a Client Attestation JWT), which
//! saves one signature per request.
use super::keys::KeySet;
use super::token::{alg_for, TokenDraft};
use crate::scenario::{KeyRef, TokenKind};
use serde_json::{json, Value};
use std::sync::Mutex;

/// An issued attestation is re-signed after this many seconds, so that a long run never
/// presents one near its `exp` (LIFETIME) or past a server's freshness limit.
pub const REUSE_FOR: i64 = 300;

/// The valid attestations of a run, one per client_id, each with its compact form.
#[derive(Default)]
pub struct Issued {
    cache: Mutex<Vec<(TokenDraft, String, i64)>>,
}

impl Issued {
    /// The valid attestation for `client_id`: the one issued earlier, unless it is older than
    /// [`REUSE_FOR`], in which case a new one is signed.
    pub fn get(
        &self,
        keys: &KeySet,
        client_id: &str,
        extra: &serde_json::Map<String, Value>,
        now: i64,
    ) -> TokenDraft {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        cache.retain(|(d, _, at)| now - at < REUSE_FOR || d.claim_str("sub") != Some(client_id));
        if let Some((d, _, _)) = cache
            .iter()
            .find(|(d, _, _)| d.claim_str("sub") == Some(client_id))
        {
            return d.clone();
        }
        let d = valid(keys, client_id, extra, now);
        let compact = d.sign(keys);
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

/// Lifetime of the attestations the suite issues as the attester.
pub const LIFETIME: i64 = 3600;

pub fn valid(
    keys: &KeySet,
    client_id: &str,
    extra: &serde_json::Map<String, Value>,
    now: i64,
) -> TokenDraft {
    let mut t = TokenDraft::new(TokenKind::Attestation, KeyRef::Attester);
    t.header
        .insert("typ".into(), json!("oauth-client-attestation+jwt"));
    t.header
        .insert("alg".into(), json!(alg_for(KeyRef::Attester, keys)));
    if let Some(kid) = &keys.attester_kid {
        t.header.insert("kid".into(), json!(kid));
    }
    t.claims.insert("sub".into(), json!(client_id));
    t.claims.insert("iat".into(), json!(now));
    t.claims.insert("exp".into(), json!(now + LIFETIME));
    t.claims
        .insert("cnf".into(), json!({ "jwk": keys.instance.public_jwk() }));
    for (k, v) in extra {
        t.claims.insert(k.clone(), v.clone());
    }
    t
}
