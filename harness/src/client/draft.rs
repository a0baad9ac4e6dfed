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
    /// Header members written once more after `header`'s own, in this order (a duplicate
    /// name, RFC 7515 §4): the JSON object is then serialised by [`TokenDraft::header_json`].
    pub header_duplicates: Vec<(String, Value)>,
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
            header_duplicates: Vec::new(),
        }
    }

    /// The JOSE header as sent: `header` compactly, then the duplicate members. A JSON map
    /// cannot hold a name twice, so the duplicates are appended to its text.
    pub fn header_json(&self) -> Vec<u8> {
        let mut text = Value::Object(self.header.clone()).to_string();
        if self.header_duplicates.is_empty() {
            return text.into_bytes();
        }
        text.pop(); // the closing brace of a serialised object
        for (name, value) in &self.header_duplicates {
            if text.len() > 1 {
                text.push(',');
            }
            text.push_str(&Value::String(name.clone()).to_string());
            text.push(':');
            text.push_str(&value.to_string());
        }
        text.push('}');
        text.into_bytes()
    }

    pub fn claim_str(&self, name: &str) -> Option<&str> {
        self.claims.get(name).and_then(Value::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn duplicate_members_follow_the_header_in_order() {
        let mut t = TokenDraft::new(TokenKind::Pop, KeyRef::Instance);
        assert_eq!(t.header_json(), b"{}");
        t.header.insert("typ".into(), json!("x+jwt"));
        t.header.insert("alg".into(), json!("ES256"));
        assert_eq!(t.header_json(), br#"{"typ":"x+jwt","alg":"ES256"}"#);
        t.header_duplicates.push(("alg".into(), json!("none")));
        assert_eq!(
            String::from_utf8(t.header_json()).unwrap(),
            r#"{"typ":"x+jwt","alg":"ES256","alg":"none"}"#
        );
        t.header.clear();
        assert_eq!(t.header_json(), br#"{"alg":"none"}"#);
    }
}
