//! The valid DPoP proof (RFC 9449 §4.2). In combined mode it is signed by the Client Instance
//! Key and carries the server's challenge in `nonce` (draft-10 §Verification DPoP Combined
//! Mode item 5; docs/design.md stance).
use super::keys::KeySet;
use super::token::{alg_for, public_jwk_for, TokenDraft};
use crate::scenario::{KeyRef, TokenKind};
use serde_json::json;

pub fn valid(
    keys: &KeySet,
    signer: KeyRef,
    method: &str,
    url: &str,
    nonce: Option<&str>,
    now: i64,
) -> TokenDraft {
    let mut t = TokenDraft::new(TokenKind::Dpop, signer);
    t.header.insert("typ".into(), json!("dpop+jwt"));
    t.header
        .insert("alg".into(), json!(alg_for(signer, None, keys)));
    t.header
        .insert("jwk".into(), public_jwk_for(signer, None, keys));
    t.claims.insert("htm".into(), json!(method));
    // RFC 9449 §4.2: htu is the target URI without query and fragment.
    let htu = url.split(['?', '#']).next().unwrap_or(url);
    t.claims.insert("htu".into(), json!(htu));
    t.claims.insert("iat".into(), json!(now));
    t.claims.insert("jti".into(), json!(super::fresh_id()));
    if let Some(n) = nonce {
        t.claims.insert("nonce".into(), json!(n));
    }
    t
}
