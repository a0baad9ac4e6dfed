//! The valid Client Attestation JWT (draft-10 §Client Attestation JWT), signed once and
//! reused: the draft lets a client instance present one attestation in many requests with a
//! fresh PoP each (§Implementation Considerations, Reuse of a Client Attestation JWT), which
//! saves one signature per request.
use super::keys::KeySet;
use super::token::{alg_for, TokenDraft};
use crate::scenario::{KeyRef, TokenKind};
use serde_json::{json, Value};

/// An issued attestation is re-signed after this many seconds, so that a long run never
/// presents one near its `exp` (LIFETIME) or past a server's freshness limit.
pub const REUSE_FOR: i64 = 300;

/// The valid attestation for `client_id`: the one issued earlier in this run, unless it is
/// older than [`REUSE_FOR`], in which case a new one is signed and kept.
pub fn issued(
    keys: &KeySet,
    client_id: &str,
    extra: &serde_json::Map<String, Value>,
    now: i64,
) -> TokenDraft {
    keys.issued
        .get_or_sign(client_id, extra, now, REUSE_FOR, || {
            let d = valid(keys, client_id, extra, now);
            let compact = d.sign(keys);
            (d, compact)
        })
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
        .insert("alg".into(), json!(alg_for(KeyRef::Attester, None, keys)));
    if let Some(kid) = &keys.attester_kid {
        t.header.insert("kid".into(), json!(kid));
    }
    // HAIP 1.0: the attester's certificate, and its chain without the trust anchor, in x5c.
    if let Some(x5c) = &keys.x5c {
        t.header.insert("x5c".into(), x5c.header());
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
