//! The fixed test keys of `vectors/keys/`, embedded in the binary so that the suite and
//! its self-test run from any folder (docs/design.md, "CLI contract": vectors are embedded).
//!
//! These keys are public on purpose; a real server must never trust them.

use super::key::{KeyError, SigningKey};

/// One of the fixed keys in `vectors/keys/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FixedKey {
    AttesterEs256,
    InstanceEs256,
    /// An ES256 key that neither attests nor is attested: "signed by an unrelated key".
    OtherEs256,
    AttesterEdDsa,
    InstanceEdDsa,
    AttesterRs256,
    InstanceRs256,
    AttesterPs256,
    InstancePs256,
    /// An HS256 attester secret (draft-10 §Client Attestation JWT rule 2 allows a MAC).
    AttesterHs256,
}

impl FixedKey {
    /// Every fixed key.
    pub const ALL: [FixedKey; 10] = [
        FixedKey::AttesterEs256,
        FixedKey::InstanceEs256,
        FixedKey::OtherEs256,
        FixedKey::AttesterEdDsa,
        FixedKey::InstanceEdDsa,
        FixedKey::AttesterRs256,
        FixedKey::InstanceRs256,
        FixedKey::AttesterPs256,
        FixedKey::InstancePs256,
        FixedKey::AttesterHs256,
    ];

    /// The file name in `vectors/keys/`.
    pub fn file_name(self) -> &'static str {
        match self {
            FixedKey::AttesterEs256 => "attester.es256.jwk.json",
            FixedKey::InstanceEs256 => "instance.es256.jwk.json",
            FixedKey::OtherEs256 => "other.es256.jwk.json",
            FixedKey::AttesterEdDsa => "attester.eddsa.jwk.json",
            FixedKey::InstanceEdDsa => "instance.eddsa.jwk.json",
            FixedKey::AttesterRs256 => "attester.rs256.jwk.json",
            FixedKey::InstanceRs256 => "instance.rs256.jwk.json",
            FixedKey::AttesterPs256 => "attester.ps256.jwk.json",
            FixedKey::InstancePs256 => "instance.ps256.jwk.json",
            FixedKey::AttesterHs256 => "attester.hs256.jwk.json",
        }
    }

    /// The private JWK text as embedded.
    pub fn jwk_text(self) -> &'static str {
        match self {
            FixedKey::AttesterEs256 => {
                include_str!("../../../vectors/keys/attester.es256.jwk.json")
            }
            FixedKey::InstanceEs256 => {
                include_str!("../../../vectors/keys/instance.es256.jwk.json")
            }
            FixedKey::OtherEs256 => include_str!("../../../vectors/keys/other.es256.jwk.json"),
            FixedKey::AttesterEdDsa => {
                include_str!("../../../vectors/keys/attester.eddsa.jwk.json")
            }
            FixedKey::InstanceEdDsa => {
                include_str!("../../../vectors/keys/instance.eddsa.jwk.json")
            }
            FixedKey::AttesterRs256 => {
                include_str!("../../../vectors/keys/attester.rs256.jwk.json")
            }
            FixedKey::InstanceRs256 => {
                include_str!("../../../vectors/keys/instance.rs256.jwk.json")
            }
            FixedKey::AttesterPs256 => {
                include_str!("../../../vectors/keys/attester.ps256.jwk.json")
            }
            FixedKey::InstancePs256 => {
                include_str!("../../../vectors/keys/instance.ps256.jwk.json")
            }
            FixedKey::AttesterHs256 => {
                include_str!("../../../vectors/keys/attester.hs256.jwk.json")
            }
        }
    }
}

/// The public JWKS of the asymmetric attester keys (ES256, EdDSA, RS256, PS256), for an AS
/// that should trust the fixed attesters (`serve --attester-jwks`).
pub const ATTESTERS_JWKS: &str = include_str!("../../../vectors/keys/attesters.jwks.json");

/// Loads a fixed key. Fails only if the embedded file were broken, which the tests rule
/// out; callers still get an error rather than a panic.
pub fn key(which: FixedKey) -> Result<SigningKey, KeyError> {
    SigningKey::from_text(which.jwk_text())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jose::thumbprint;

    #[test]
    fn every_fixed_key_loads_with_its_kid_and_alg() {
        for which in FixedKey::ALL {
            let key = key(which).unwrap();
            let stem = which.file_name().trim_end_matches(".jwk.json");
            assert_eq!(key.kid(), Some(stem.replace('.', "-").as_str()));
            let alg = stem.rsplit('.').next().unwrap();
            assert_eq!(key.alg().to_ascii_lowercase(), alg);
        }
    }

    #[test]
    fn fixed_keys_are_distinct() {
        let mut seen = std::collections::HashSet::new();
        for which in FixedKey::ALL {
            let key = key(which).unwrap();
            assert!(seen.insert(key.thumbprint()), "{which:?} repeats a key");
        }
    }

    #[test]
    fn attesters_jwks_matches_the_private_keys() {
        let jwks: serde_json::Value = serde_json::from_str(ATTESTERS_JWKS).unwrap();
        let published = jwks["keys"].as_array().unwrap();
        let attesters = [
            FixedKey::AttesterEs256,
            FixedKey::AttesterEdDsa,
            FixedKey::AttesterRs256,
            FixedKey::AttesterPs256,
        ];
        assert_eq!(published.len(), attesters.len());
        for (which, public) in attesters.into_iter().zip(published) {
            let key = key(which).unwrap();
            assert!(public.get("d").is_none());
            assert_eq!(public["kid"], key.kid().unwrap());
            assert_eq!(public["alg"], key.alg());
            assert_eq!(
                thumbprint::thumbprint(public).unwrap(),
                key.thumbprint(),
                "{which:?}"
            );
        }
    }
}
