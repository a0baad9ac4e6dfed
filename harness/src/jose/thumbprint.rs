//! RFC 7638 JWK thumbprints.
//!
//! The thumbprint is how the suite compares keys on key material rather than JSON text:
//! docs/design.md, "Stances on the draft's open points" makes the combined-mode key match (draft-10 §Verification DPoP combined
//! mode item 4, "identical to the public key in the cnf claim") a thumbprint comparison, so
//! member order and extra members (`use`, `kid`, `alg`, `key_ops`) do not matter.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::b64;

/// Why a JWK has no thumbprint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ThumbprintError {
    #[error("a JWK must be a JSON object")]
    NotAnObject,
    #[error("the JWK has no \"kty\" member")]
    MissingKty,
    #[error("unsupported key type {0:?}: thumbprints are defined here for EC, OKP, RSA and oct")]
    UnsupportedKty(String),
    #[error("{kty} JWK is missing required member {member:?}")]
    MissingMember { kty: String, member: &'static str },
    #[error("{kty} JWK member {member:?} must be a string")]
    NotAString { kty: String, member: &'static str },
}

/// The required members of each key type (RFC 7638 §3.2, RFC 8037 §2), already in
/// lexicographic order as §3.3 requires.
fn required_members(kty: &str) -> Option<&'static [&'static str]> {
    match kty {
        "EC" => Some(&["crv", "kty", "x", "y"]),
        "OKP" => Some(&["crv", "kty", "x"]),
        "RSA" => Some(&["e", "kty", "n"]),
        "oct" => Some(&["k", "kty"]),
        _ => None,
    }
}

/// The JWK reduced to its required members, in lexicographic order: the key material and
/// nothing else. Private members are dropped, so a private JWK yields its public part
/// (except `oct`, whose required member `k` is the secret itself).
pub fn required_jwk(jwk: &Value) -> Result<Map<String, Value>, ThumbprintError> {
    let obj = jwk.as_object().ok_or(ThumbprintError::NotAnObject)?;
    let kty = match obj.get("kty") {
        Some(Value::String(s)) => s.as_str(),
        Some(_) => {
            return Err(ThumbprintError::NotAString {
                kty: "?".into(),
                member: "kty",
            })
        }
        None => return Err(ThumbprintError::MissingKty),
    };
    let members = required_members(kty).ok_or_else(|| {
        // Cut long values: a kty is short, anything longer is garbage not worth echoing.
        ThumbprintError::UnsupportedKty(kty.chars().take(16).collect())
    })?;
    let mut out = Map::new();
    for &member in members {
        match obj.get(member) {
            Some(Value::String(s)) => {
                out.insert(member.to_string(), Value::String(s.clone()));
            }
            Some(_) => {
                return Err(ThumbprintError::NotAString {
                    kty: kty.to_string(),
                    member,
                })
            }
            None => {
                return Err(ThumbprintError::MissingMember {
                    kty: kty.to_string(),
                    member,
                })
            }
        }
    }
    Ok(out)
}

/// The UTF-8 JSON text that is hashed (RFC 7638 §3.3): required members only, in
/// lexicographic order, no whitespace.
pub fn canonical_input(jwk: &Value) -> Result<String, ThumbprintError> {
    let members = required_jwk(jwk)?;
    // `members` is in lexicographic order (see `required_members`), and serde_json writes
    // objects in insertion order with the `preserve_order` feature and sorted without it,
    // so the text is canonical either way. serde_json escapes strings minimally, as §3.3
    // asks; base64url and crv values need no escaping at all.
    let mut text = String::from("{");
    for (i, (name, value)) in members.iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        text.push_str(&Value::String(name.clone()).to_string());
        text.push(':');
        text.push_str(&value.to_string());
    }
    text.push('}');
    Ok(text)
}

/// The RFC 7638 SHA-256 thumbprint, base64url encoded.
pub fn thumbprint(jwk: &Value) -> Result<String, ThumbprintError> {
    let input = canonical_input(jwk)?;
    Ok(b64::encode(Sha256::digest(input.as_bytes())))
}

/// True when both JWKs carry the same key material (same RFC 7638 thumbprint).
pub fn same_key(a: &Value, b: &Value) -> Result<bool, ThumbprintError> {
    Ok(thumbprint(a)? == thumbprint(b)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const RFC7638_N: &str = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";

    #[test]
    fn rfc7638_section_3_1_example() {
        let jwk =
            json!({"kty": "RSA", "n": RFC7638_N, "e": "AQAB", "alg": "RS256", "kid": "2011-04-29"});
        assert_eq!(
            canonical_input(&jwk).unwrap(),
            format!(r#"{{"e":"AQAB","kty":"RSA","n":"{RFC7638_N}"}}"#)
        );
        assert_eq!(
            thumbprint(&jwk).unwrap(),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }

    #[test]
    fn independent_of_member_order_and_extra_members() {
        let a = json!({"kty": "EC", "crv": "P-256",
            "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
            "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"});
        let b = json!({"y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0", "use": "sig",
            "key_ops": ["verify"], "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
            "alg": "ES256", "crv": "P-256", "kid": "k1", "kty": "EC",
            "d": "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"});
        assert_eq!(thumbprint(&a).unwrap(), thumbprint(&b).unwrap());
        assert!(same_key(&a, &b).unwrap());
        // and it depends on the key material
        let mut c = a.clone();
        c["y"] = json!("x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a1");
        assert!(!same_key(&a, &c).unwrap());
    }

    #[test]
    fn okp_and_oct() {
        // RFC 8037 appendix A.3
        let okp = json!({"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"});
        assert_eq!(
            thumbprint(&okp).unwrap(),
            "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
        );
        let oct = json!({"kty": "oct", "k": "c2VjcmV0", "alg": "HS256"});
        assert_eq!(
            canonical_input(&oct).unwrap(),
            r#"{"k":"c2VjcmV0","kty":"oct"}"#
        );
    }

    #[test]
    fn malformed_jwks_are_errors() {
        assert_eq!(thumbprint(&json!([1])), Err(ThumbprintError::NotAnObject));
        assert_eq!(thumbprint(&json!({})), Err(ThumbprintError::MissingKty));
        assert!(matches!(
            thumbprint(&json!({"kty": "EC", "crv": "P-256", "x": "AA"})),
            Err(ThumbprintError::MissingMember { member: "y", .. })
        ));
        assert!(matches!(
            thumbprint(&json!({"kty": "EC", "crv": "P-256", "x": "AA", "y": 5})),
            Err(ThumbprintError::NotAString { member: "y", .. })
        ));
        assert!(matches!(
            thumbprint(&json!({"kty": "XYZ"})),
            Err(ThumbprintError::UnsupportedKty(_))
        ));
        assert!(thumbprint(&json!({"kty": 1})).is_err());
    }

    proptest::proptest! {
        // Extra members, in any order, never change the thumbprint (docs/design.md, "Stances on the draft's open points":
        // combined-mode key match ignores member order and extra members).
        #[test]
        fn extra_members_and_order_do_not_matter(
            extra in proptest::collection::vec(("[a-z_]{1,8}", "[ -~]{0,12}"), 0..6),
            reverse: bool,
        ) {
            let base = json!({"kty": "EC", "crv": "P-256",
                "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
                "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"});
            let mut members: Vec<(String, Value)> = base
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            for (k, v) in extra {
                if !["kty", "crv", "x", "y"].contains(&k.as_str()) {
                    members.push((k, Value::String(v)));
                }
            }
            if reverse {
                members.reverse();
            }
            let other = Value::Object(members.into_iter().collect());
            proptest::prop_assert_eq!(thumbprint(&other).unwrap(), thumbprint(&base).unwrap());
        }
    }
}
