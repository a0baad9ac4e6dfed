//! The valid Client Attestation PoP JWT (draft-10 §Client Attestation PoP JWT): signed by the
//! Client Instance Key, `aud` = the issuer, fresh `jti` and `iat`, and the server's challenge
//! when it gave one (§Challenges: a client offered a challenge endpoint MUST use it).
use super::keys::KeySet;
use super::token::{alg_for, TokenDraft};
use crate::scenario::{KeyRef, TokenKind};
use serde_json::json;

pub fn valid(keys: &KeySet, issuer: &str, challenge: Option<&str>, now: i64) -> TokenDraft {
    let mut t = TokenDraft::new(TokenKind::Pop, KeyRef::Instance);
    t.header
        .insert("typ".into(), json!("oauth-client-attestation-pop+jwt"));
    t.header
        .insert("alg".into(), json!(alg_for(KeyRef::Instance, None, keys)));
    t.claims.insert("aud".into(), json!(issuer));
    t.claims.insert("jti".into(), json!(super::fresh_id()));
    t.claims.insert("iat".into(), json!(now));
    if let Some(c) = challenge {
        t.claims.insert("challenge".into(), json!(c));
    }
    t
}
