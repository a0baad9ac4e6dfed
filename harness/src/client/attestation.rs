//! The valid Client Attestation JWT (draft-10 §Client Attestation JWT).
use super::keys::KeySet;
use super::token::{alg_for, TokenDraft};
use crate::scenario::{KeyRef, TokenKind};
use serde_json::{json, Value};

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
