//! JWK handling (RFC 7517 / RFC 7518 §6 / RFC 8037), RFC 7638 thumbprints, and signature
//! verification with `ring` for the algorithms this server supports, and with the RustCrypto
//! `p521` crate for ES512 (ring has no P-521).
use crate::jose::b64url_decode;
use ring::signature::{self, UnparsedPublicKey};
use serde_json::{Map, Value};

/// JWS algorithms supported (RFC 7518 §3, RFC 8037 §3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Alg {
    Es256,
    Es384,
    Es512,
    EdDsa,
    Ps256,
    Ps384,
    Ps512,
    Rs256,
    Rs384,
    Rs512,
    Hs256,
}

impl Alg {
    /// Algorithms for the PoP and DPoP proofs, which must be asymmetric (draft-10 §Client
    /// Attestation PoP JWT rule 2, RFC 9449 §4.3 item 5): the ones advertised by default, in
    /// the advertised order.
    pub const ASYMMETRIC: [Alg; 4] = [Alg::Es256, Alg::EdDsa, Alg::Ps256, Alg::Rs256];

    /// Every asymmetric algorithm this server can verify (`serve --algs` picks from these).
    pub const ALL_ASYMMETRIC: [Alg; 10] = [
        Alg::Es256,
        Alg::Es384,
        Alg::Es512,
        Alg::EdDsa,
        Alg::Ps256,
        Alg::Ps384,
        Alg::Ps512,
        Alg::Rs256,
        Alg::Rs384,
        Alg::Rs512,
    ];

    pub fn parse(s: &str) -> Option<Alg> {
        Some(match s {
            "ES256" => Alg::Es256,
            "ES384" => Alg::Es384,
            "ES512" => Alg::Es512,
            "EdDSA" => Alg::EdDsa,
            "PS256" => Alg::Ps256,
            "PS384" => Alg::Ps384,
            "PS512" => Alg::Ps512,
            "RS256" => Alg::Rs256,
            "RS384" => Alg::Rs384,
            "RS512" => Alg::Rs512,
            "HS256" => Alg::Hs256,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Alg::Es256 => "ES256",
            Alg::Es384 => "ES384",
            Alg::Es512 => "ES512",
            Alg::EdDsa => "EdDSA",
            Alg::Ps256 => "PS256",
            Alg::Ps384 => "PS384",
            Alg::Ps512 => "PS512",
            Alg::Rs256 => "RS256",
            Alg::Rs384 => "RS384",
            Alg::Rs512 => "RS512",
            Alg::Hs256 => "HS256",
        }
    }
    pub fn is_asymmetric(self) -> bool {
        self != Alg::Hs256
    }
}

/// Key material usable for verification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyMaterial {
    /// P-256 public key as an uncompressed SEC1 point (0x04 || x || y).
    EcP256(Vec<u8>),
    /// P-384 public key as an uncompressed SEC1 point.
    EcP384(Vec<u8>),
    /// P-521 public key as an uncompressed SEC1 point (0x04 || x || y, 66 octets each).
    EcP521(Vec<u8>),
    Ed25519(Vec<u8>),
    Rsa {
        n: Vec<u8>,
        e: Vec<u8>,
    },
    /// Symmetric key (only for trusted attesters, HS256 attestations).
    Oct(Vec<u8>),
}

/// A parsed JWK: key material plus the members that matter for key selection.
#[derive(Clone, Debug)]
pub struct Jwk {
    pub kid: Option<String>,
    pub alg: Option<String>,
    pub material: KeyMaterial,
    pub json: Map<String, Value>,
}

/// Members that make a JWK private (RFC 7518 §6.2.2, §6.3.2, RFC 8037 §2) or secret (§6.4).
const PRIVATE_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// The private / secret members present in `jwk`, and whether it is `kty: oct`.
pub fn private_members(jwk: &Map<String, Value>) -> Vec<&'static str> {
    let mut found: Vec<&'static str> = PRIVATE_MEMBERS
        .iter()
        .copied()
        .filter(|m| jwk.contains_key(*m))
        .collect();
    if jwk.get("kty").and_then(Value::as_str) == Some("oct") && !found.contains(&"k") {
        found.push("kty=oct");
    }
    found
}

fn member<'a>(jwk: &'a Map<String, Value>, name: &str) -> Result<&'a str, String> {
    jwk.get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("JWK lacks string member {name:?}"))
}

fn member_bytes(jwk: &Map<String, Value>, name: &str) -> Result<Vec<u8>, String> {
    b64url_decode(member(jwk, name)?).map_err(|e| format!("JWK member {name:?} is {e}"))
}

impl Jwk {
    /// The algorithm the key itself names (`alg` member) or, without one, the one its type
    /// suggests (RSA: RS256). For the `*-alg-from-key` faults only: a conforming server takes
    /// the algorithm from the JWS header.
    pub fn own_alg(&self) -> Alg {
        if let Some(alg) = self.alg.as_deref().and_then(Alg::parse) {
            return alg;
        }
        match self.material {
            KeyMaterial::EcP256(_) => Alg::Es256,
            KeyMaterial::EcP384(_) => Alg::Es384,
            KeyMaterial::EcP521(_) => Alg::Es512,
            KeyMaterial::Ed25519(_) => Alg::EdDsa,
            KeyMaterial::Rsa { .. } => Alg::Rs256,
            KeyMaterial::Oct(_) => Alg::Hs256,
        }
    }
}

/// Parses the key material of a JWK. Private members are neither required nor checked here;
/// callers decide with [`private_members`].
pub fn parse_jwk(value: &Value) -> Result<Jwk, String> {
    let obj = value
        .as_object()
        .ok_or_else(|| "JWK is not a JSON object".to_string())?;
    let kty = member(obj, "kty")?;
    let material = match kty {
        "EC" => {
            let crv = member(obj, "crv")?;
            // RFC 7518 §6.2.1.2-3: coordinates are the full size of the field.
            let size = match crv {
                "P-256" => 32,
                "P-384" => 48,
                "P-521" => 66,
                _ => {
                    return Err(format!(
                        "unsupported EC curve {crv:?} (P-256, P-384 or P-521)"
                    ))
                }
            };
            let x = member_bytes(obj, "x")?;
            let y = member_bytes(obj, "y")?;
            if x.len() != size || y.len() != size {
                return Err(format!("EC {crv} coordinates must be {size} octets each"));
            }
            let mut point = Vec::with_capacity(1 + 2 * size);
            point.push(0x04);
            point.extend_from_slice(&x);
            point.extend_from_slice(&y);
            match size {
                32 => KeyMaterial::EcP256(point),
                48 => KeyMaterial::EcP384(point),
                _ => KeyMaterial::EcP521(point),
            }
        }
        "OKP" => {
            let crv = member(obj, "crv")?;
            if crv != "Ed25519" {
                return Err(format!("unsupported OKP curve {crv:?} (only Ed25519)"));
            }
            let x = member_bytes(obj, "x")?;
            if x.len() != 32 {
                return Err("Ed25519 public key must be 32 octets".into());
            }
            KeyMaterial::Ed25519(x)
        }
        "RSA" => KeyMaterial::Rsa {
            n: member_bytes(obj, "n")?,
            e: member_bytes(obj, "e")?,
        },
        "oct" => {
            let k = member_bytes(obj, "k")?;
            if k.is_empty() {
                return Err("oct key is empty".into());
            }
            KeyMaterial::Oct(k)
        }
        other => return Err(format!("unsupported kty {other:?}")),
    };
    Ok(Jwk {
        kid: obj.get("kid").and_then(Value::as_str).map(str::to_owned),
        alg: obj.get("alg").and_then(Value::as_str).map(str::to_owned),
        material,
        json: obj.clone(),
    })
}

/// RFC 7638 JWK thumbprint input: the required members in lexicographic order, no whitespace.
/// Returns None when a required member is missing or not a string.
pub fn thumbprint(jwk: &Map<String, Value>) -> Option<String> {
    let kty = jwk.get("kty")?.as_str()?;
    let names: &[&str] = match kty {
        "EC" => &["crv", "kty", "x", "y"],
        "OKP" => &["crv", "kty", "x"],
        "RSA" => &["e", "kty", "n"],
        "oct" => &["k", "kty"],
        _ => return None,
    };
    let mut canon = String::from("{");
    for (i, name) in names.iter().enumerate() {
        let v = jwk.get(*name)?.as_str()?;
        if i > 0 {
            canon.push(',');
        }
        canon.push_str(&serde_json::to_string(name).ok()?);
        canon.push(':');
        canon.push_str(&serde_json::to_string(v).ok()?);
    }
    canon.push('}');
    let digest = ring::digest::digest(&ring::digest::SHA256, canon.as_bytes());
    Some(crate::jose::b64url_encode(digest.as_ref()))
}

/// Verifies `sig` over `input` with `key` for `alg`. The key type must fit the algorithm
/// (RFC 8725 §3.1: never let the token choose how a key is used).
pub fn verify(alg: Alg, key: &KeyMaterial, input: &[u8], sig: &[u8]) -> Result<(), String> {
    let rsa = |params: &'static signature::RsaParameters, n: &[u8], e: &[u8]| {
        signature::RsaPublicKeyComponents { n, e }
            .verify(params, input, sig)
            .is_ok()
    };
    let ok = match (alg, key) {
        (Alg::Es256, KeyMaterial::EcP256(point)) => {
            UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point)
                .verify(input, sig)
                .is_ok()
        }
        (Alg::Es384, KeyMaterial::EcP384(point)) => {
            UnparsedPublicKey::new(&signature::ECDSA_P384_SHA384_FIXED, point)
                .verify(input, sig)
                .is_ok()
        }
        (Alg::Es512, KeyMaterial::EcP521(point)) => verify_es512(point, input, sig),
        (Alg::EdDsa, KeyMaterial::Ed25519(x)) => UnparsedPublicKey::new(&signature::ED25519, x)
            .verify(input, sig)
            .is_ok(),
        (Alg::Rs256, KeyMaterial::Rsa { n, e }) => {
            rsa(&signature::RSA_PKCS1_2048_8192_SHA256, n, e)
        }
        (Alg::Rs384, KeyMaterial::Rsa { n, e }) => {
            rsa(&signature::RSA_PKCS1_2048_8192_SHA384, n, e)
        }
        (Alg::Rs512, KeyMaterial::Rsa { n, e }) => {
            rsa(&signature::RSA_PKCS1_2048_8192_SHA512, n, e)
        }
        (Alg::Ps256, KeyMaterial::Rsa { n, e }) => rsa(&signature::RSA_PSS_2048_8192_SHA256, n, e),
        (Alg::Ps384, KeyMaterial::Rsa { n, e }) => rsa(&signature::RSA_PSS_2048_8192_SHA384, n, e),
        (Alg::Ps512, KeyMaterial::Rsa { n, e }) => rsa(&signature::RSA_PSS_2048_8192_SHA512, n, e),
        (Alg::Hs256, KeyMaterial::Oct(k)) => {
            let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, k);
            ring::hmac::verify(&key, input, sig).is_ok()
        }
        _ => {
            return Err(format!(
                "key type does not fit alg {} (e.g. an EC key for an RSA alg)",
                alg.as_str()
            ))
        }
    };
    if ok {
        Ok(())
    } else {
        Err(format!("signature does not verify ({})", alg.as_str()))
    }
}

/// ES512 (RFC 7518 §3.4): ECDSA P-521 with SHA-512, the signature r||s of 66 octets each.
/// A point off the curve or a signature of another length does not verify.
fn verify_es512(point: &[u8], input: &[u8], sig: &[u8]) -> bool {
    use p521::ecdsa::signature::Verifier as _;
    let (Ok(key), Ok(sig)) = (
        p521::ecdsa::VerifyingKey::from_sec1_bytes(point),
        p521::ecdsa::Signature::from_slice(sig),
    ) else {
        return false;
    };
    key.verify(input, &sig).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rfc7638_example_thumbprint() {
        // RFC 7638 §3.1 example.
        let jwk = json!({
            "kty": "RSA",
            "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
            "e": "AQAB",
            "alg": "RS256",
            "kid": "2011-04-29"
        });
        assert_eq!(
            thumbprint(jwk.as_object().unwrap()).unwrap(),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }

    /// An ES512 signature made by another implementation (Python `cryptography` 48, ECDSA
    /// P-521 / SHA-512, DER converted to r||s): the verifier must not only agree with the
    /// crate the harness signs with.
    #[test]
    fn es512_verifies_a_signature_made_elsewhere() {
        let jwk = json!({"kty": "EC", "crv": "P-521",
            "x": "ANZx4mQKvTl6H7KTxB-HQzeYleerGJiabAHnJsxOD7ul3z0KvOl88JWzucyQ7CqH7GlrsT6oALdo8cv2rQ0d20iH",
            "y": "AYnwyHvzD1k-kkECVPUBAHwGnk8xfZEi_OJivpLM1pWoTxQjh0NdUM0V8KAPoqTxKSsBctlaRN87jl3W_2Moi8Fp"});
        let input = b"eyJhbGciOiJFUzUxMiJ9.eyJpc3MiOiJweXRob24tY3J5cHRvZ3JhcGh5In0";
        let sig = b64url_decode("AanQu_jmMmOTOnzQbRBtrWJQt0SQMTuxXMgJoCr8st_kUfrtdlU5QRmYXFe6ult4DUHdVp5wjJ8no7_so0Ow-hMoAelDBugUQtc46J4LCQhbvPvrROcViTDLFjjh06i08FOSdjxzZh8bJzDzi3iqCYZSS5jBV9PQyyVO3GZ8cOkLwHeF").unwrap();
        let key = parse_jwk(&jwk).unwrap().material;
        assert!(matches!(&key, KeyMaterial::EcP521(p) if p.len() == 133));
        assert_eq!(verify(Alg::Es512, &key, input, &sig), Ok(()));
        // another input, a flipped bit, a truncated signature, another algorithm
        assert!(verify(Alg::Es512, &key, b"eyJhbGciOiJFUzUxMiJ9.e30", &sig).is_err());
        let mut flipped = sig.clone();
        flipped[70] ^= 1;
        assert!(verify(Alg::Es512, &key, input, &flipped).is_err());
        assert!(verify(Alg::Es512, &key, input, &sig[..131]).is_err());
        assert!(verify(Alg::Es384, &key, input, &sig).is_err());
        // P-521 coordinates are 66 octets (RFC 7518 §6.2.1.2)
        let mut short = jwk.clone();
        short["x"] = json!(crate::jose::b64url_encode(&[1u8; 65]));
        assert!(parse_jwk(&short).is_err());
    }

    #[test]
    fn private_members_found() {
        let jwk = json!({"kty":"EC","crv":"P-256","x":"a","y":"b","d":"c"});
        assert_eq!(private_members(jwk.as_object().unwrap()), vec!["d"]);
        let oct = json!({"kty":"oct","k":"AAAA"});
        assert_eq!(private_members(oct.as_object().unwrap()), vec!["k"]);
    }
}
