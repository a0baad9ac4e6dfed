//! A JWT before it is signed: header and claims as JSON maps (any member, any JSON type),
//! who signs it, and what damage to do afterwards. Scenarios change drafts; `render` turns
//! a draft into the compact form with the harness's own JWS builder.
pub use super::draft::TokenDraft;
use super::keys::KeySet;
use crate::jose::jws::{JwsBuilder, Segment, Signer};
use crate::jose::spki;
use crate::scenario::{JwsAlg, KeyRef, SignatureDamage, TokenKind};
use crate::types::PublicKeyEncoding;
use serde_json::Value;

impl TokenDraft {
    /// Signs and serialises with the harness's JWS builder. Never fails: damage that cannot
    /// be applied (e.g. flipping a bit of an empty `none` signature) leaves the token as
    /// signed, and an HMAC key the target does not have becomes a throwaway secret, which
    /// the server must reject anyway.
    pub fn render(&self, keys: &KeySet) -> String {
        if self.kind == TokenKind::Attestation {
            if let Some(s) = keys.issued.signed(self) {
                return s;
            }
        }
        self.sign(keys)
    }

    /// Signs and serialises, always (see [`render`](Self::render)).
    pub fn sign(&self, keys: &KeySet) -> String {
        let mut b = JwsBuilder::new(
            self.header_segment(),
            self.claims.clone(),
            self.signer_with(keys),
        );
        // Each flip_bit flips a bit of its own: two must not cancel out (a fuzz run found
        // flip_bit twice sending the valid signature).
        let mut flips = 0;
        for d in &self.damage {
            b = match d {
                SignatureDamage::FlipBit => {
                    flips += 1;
                    b.flip_signature_bit(flips - 1)
                }
                SignatureDamage::Strip => b.strip_signature(),
                // A claim changes after signing (draft-10 §Client Attestation JWT rule 2:
                // integrity must be verified).
                SignatureDamage::TamperPayload => {
                    let mut claims = self.claims.clone();
                    claims.insert("tampered".into(), Value::Bool(true));
                    b.replace_payload(claims)
                }
                // A genuine signature by the same key, but over another token.
                SignatureDamage::FromOtherToken => {
                    let mut claims = self.claims.clone();
                    claims.insert("jti".into(), Value::String(super::fresh_id()));
                    let other =
                        JwsBuilder::new(self.header_segment(), claims, self.signer_with(keys))
                            .build()
                            .unwrap_or_default();
                    b.signature_from(other)
                }
            };
        }
        // A damage that cannot be applied must still leave the token broken: falling back to
        // the undamaged token would send a valid signature where the case means an invalid
        // one (a fuzz run found exactly that: strip, then flip a bit of nothing).
        // (Without damage, only signing can fail, and it fails here again: empty.)
        b.build().unwrap_or_else(|_| {
            JwsBuilder::new(
                self.header_segment(),
                self.claims.clone(),
                self.signer_with(keys),
            )
            .strip_signature()
            .build()
            .unwrap_or_default()
        })
    }
}

impl TokenDraft {
    /// The header segment: the map, or its text with duplicate members.
    fn header_segment(&self) -> Segment {
        if self.header_duplicates.is_empty() {
            Segment::Json(self.header.clone())
        } else {
            Segment::Raw(self.header_json())
        }
    }

    /// The signer of this token: its key, or for an algorithm-confusion signer an HMAC keyed
    /// with the encoding of the public key the verifier holds (RFC 8725 §2.1). A key that has
    /// no such encoding (none recorded, or no SubjectPublicKeyInfo for its type) leaves an
    /// empty secret: a MAC the server must refuse all the same.
    fn signer_with(&self, keys: &KeySet) -> Signer {
        match (self.signer.confused_encoding(), &self.verifier_jwk) {
            (Some(encoding), Some(jwk)) => Signer::Hs256(confused_secret(encoding, jwk)),
            (Some(_), None) => Signer::Hs256(Vec::new()),
            (None, _) => signer_for(self.signer, self.alg, keys),
        }
    }
}

/// The HMAC secret a verifier confused by `alg: HS256` derives from the public JWK it holds.
pub fn confused_secret(encoding: PublicKeyEncoding, jwk: &Value) -> Vec<u8> {
    match encoding {
        PublicKeyEncoding::JwkJson => spki::jwk_json(jwk),
        PublicKeyEncoding::SpkiPem => spki::spki_pem(jwk).unwrap_or_default().into_bytes(),
        PublicKeyEncoding::SpkiDer => spki::spki_der(jwk).unwrap_or_default(),
    }
}

fn signer_for(k: KeyRef, alg: Option<JwsAlg>, keys: &KeySet) -> Signer {
    match (k, alg) {
        // Both were made when the mutation was applied (mutate.rs), so these find them;
        // otherwise the main key signs and the server sees a mismatch, never a panic.
        (KeyRef::Attester, Some(alg)) => Signer::Key(
            keys.attester_for(alg)
                .map(|(k, _)| k)
                .unwrap_or_else(|_| keys.attester.clone()),
        ),
        (KeyRef::Instance, Some(alg)) => Signer::Key(
            keys.instance_for(alg)
                .unwrap_or_else(|_| keys.instance.clone()),
        ),
        (k, _) => signer_of(k, keys),
    }
}

fn signer_of(k: KeyRef, keys: &KeySet) -> Signer {
    match k {
        KeyRef::Attester => Signer::Key(keys.attester.clone()),
        KeyRef::Instance => Signer::Key(keys.instance.clone()),
        KeyRef::Other => Signer::Key(keys.other.clone()),
        KeyRef::None => Signer::None,
        // Any secret will do: the point is that a MAC is not the asymmetric signature the
        // draft requires (draft-10 §Client Attestation PoP JWT rule 2).
        KeyRef::HmacInstance => Signer::Hs256(
            crate::jose::thumbprint::thumbprint(&keys.instance.public_jwk())
                .unwrap_or_default()
                .into_bytes(),
        ),
        KeyRef::HmacAttester => Signer::Hs256(
            keys.attester_mac
                .clone()
                .unwrap_or_else(|| b"no-mac-key".to_vec()),
        ),
        // Reached only without a recorded verifier key (TokenDraft::signer_with).
        KeyRef::HmacPublicJwk | KeyRef::HmacPublicPem | KeyRef::HmacPublicDer => {
            Signer::Hs256(Vec::new())
        }
    }
}

/// The `alg` a signer puts in the header (`alg`: the one `use_alg` chose, if any).
pub fn alg_for(k: KeyRef, alg: Option<JwsAlg>, keys: &KeySet) -> &'static str {
    if let (KeyRef::Attester | KeyRef::Instance, Some(alg)) = (k, alg) {
        return alg.as_str();
    }
    match k {
        KeyRef::Attester => keys.attester.alg(),
        KeyRef::Instance => keys.instance.alg(),
        KeyRef::Other => keys.other.alg(),
        KeyRef::None => "none",
        KeyRef::HmacInstance
        | KeyRef::HmacAttester
        | KeyRef::HmacPublicJwk
        | KeyRef::HmacPublicPem
        | KeyRef::HmacPublicDer => "HS256",
    }
}

/// The public JWK of a signer, for a DPoP `jwk` header (MAC and none keep the instance key's).
pub fn public_jwk_for(k: KeyRef, alg: Option<JwsAlg>, keys: &KeySet) -> Value {
    match (k, alg) {
        (KeyRef::Attester, Some(alg)) => keys
            .attester_for(alg)
            .map(|(k, _)| k.public_jwk())
            .unwrap_or_else(|_| keys.attester.public_jwk()),
        (KeyRef::Instance, Some(alg)) => keys
            .instance_for(alg)
            .map(|k| k.public_jwk())
            .unwrap_or_else(|_| keys.instance.public_jwk()),
        (KeyRef::Attester, None) => keys.attester.public_jwk(),
        (KeyRef::Other, _) => keys.other.public_jwk(),
        _ => keys.instance.public_jwk(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::keys::KeySet;
    use crate::jose::SigningKey;

    /// Damages that cannot all apply (a bit flipped in a stripped signature, a bit of an
    /// unsigned token) still send a broken token, never the valid one (a 100,000-case fuzz run
    /// found an attestation with `strip` then `flip_bit` accepted by the conforming AS).
    #[test]
    fn damage_never_falls_back_to_a_valid_signature() {
        let keys = KeySet::with_attester(SigningKey::generate_es256(), None, None);
        let t = crate::client::attestation::valid(&keys, "c", &Default::default(), 1_000);
        let valid = t.sign(&keys);
        let signature = |s: &str| s.rsplit('.').next().unwrap_or("").to_string();
        assert!(!signature(&valid).is_empty());
        for damage in [
            vec![SignatureDamage::Strip, SignatureDamage::FlipBit],
            vec![SignatureDamage::Strip],
        ] {
            let mut d = t.clone();
            d.damage = damage.clone();
            let sent = d.render(&keys);
            assert_ne!(sent, valid, "{damage:?}");
            assert!(signature(&sent).is_empty(), "{damage:?}: {sent}");
        }
        // Two flips change two bits: the signature stays invalid (seed 7 of the same run).
        let mut d = t.clone();
        d.damage = vec![SignatureDamage::FlipBit, SignatureDamage::FlipBit];
        let sent = d.render(&keys);
        assert_ne!(signature(&sent), signature(&valid));
        assert_eq!(
            sent.rsplit_once('.').map(|x| x.0),
            valid.rsplit_once('.').map(|x| x.0)
        );
    }
}
