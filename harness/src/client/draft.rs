//! A JWT before it is signed: header and claims as JSON maps (any member, any JSON type),
//! who signs it, and what damage to do afterwards (signing is in [`super::token`]).
use crate::scenario::{JwsAlg, SignatureDamage};
use crate::types::{KeyRef, TokenKind};
use serde_json::{Map, Value};

#[derive(Clone, Debug, PartialEq)]
pub struct TokenDraft {
    pub kind: TokenKind,
    pub header: Map<String, Value>,
    pub claims: Map<String, Value>,
    pub signer: KeyRef,
    /// The algorithm the signer's key signs with when not the key's own (set by `use_alg`:
    /// an instance or attester key of that type is used instead, see `KeySet::instance_for`).
    pub alg: Option<JwsAlg>,
    pub damage: Vec<SignatureDamage>,
    /// For the algorithm-confusion signers (`KeyRef::confused_encoding`): the public JWK the
    /// verifier holds for this token, whose encoding is the HMAC secret. Taken when the
    /// `sign_with` mutation is applied (plan/mutate.rs).
    pub verifier_jwk: Option<Value>,
}

impl TokenDraft {
    pub fn new(kind: TokenKind, signer: KeyRef) -> TokenDraft {
        TokenDraft {
            kind,
            header: Map::new(),
            claims: Map::new(),
            signer,
            alg: None,
            damage: Vec::new(),
            verifier_jwk: None,
        }
    }

    pub fn claim_str(&self, name: &str) -> Option<&str> {
        self.claims.get(name).and_then(Value::as_str)
    }
}
