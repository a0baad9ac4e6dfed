//! A public JWK as a verifier confused by `alg` would hand it to an HMAC (RFC 8725 §2.1: "a
//! library ... might use the public key as the HMAC secret"): the JWK's JSON, or the key's
//! SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) as DER or PEM. The DER is written here from the
//! JWK members (EC P-256/384/521 per RFC 5480, Ed25519 per RFC 8410, RSA per RFC 8017 A.1.1),
//! so any key a token names can be encoded, not only the keys the harness holds privately.
//! The reference AS encodes with its own code (x509-cert / pkcs1): the two never share JOSE
//! code, and the self-test shows they agree byte for byte.
use super::b64;
use base64::Engine as _;
use serde_json::Value;

/// Why a JWK has no SubjectPublicKeyInfo here.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SpkiError {
    #[error("the JWK lacks the string member {0:?}")]
    Member(&'static str),
    #[error("the JWK member {0:?} is not base64url")]
    Base64(&'static str),
    #[error("no SubjectPublicKeyInfo for kty {kty:?} crv {crv:?}")]
    Unsupported { kty: String, crv: String },
}

/// The JSON a verifier holding `jwk` would serialise: compact, members in the order held.
pub fn jwk_json(jwk: &Value) -> Vec<u8> {
    serde_json::to_vec(jwk).unwrap_or_default()
}

/// The DER SubjectPublicKeyInfo of a public JWK.
pub fn spki_der(jwk: &Value) -> Result<Vec<u8>, SpkiError> {
    let text = |name: &'static str| {
        jwk.get(name)
            .and_then(Value::as_str)
            .ok_or(SpkiError::Member(name))
    };
    let bytes = |name: &'static str| b64::decode(text(name)?).map_err(|_| SpkiError::Base64(name));
    let kty = text("kty")?;
    let crv = jwk.get("crv").and_then(Value::as_str).unwrap_or("");
    let (algorithm, key) = match (kty, crv) {
        ("EC", "P-256" | "P-384" | "P-521") => {
            let curve: &[u8] = match crv {
                "P-256" => &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07],
                "P-384" => &[0x2B, 0x81, 0x04, 0x00, 0x22],
                _ => &[0x2B, 0x81, 0x04, 0x00, 0x23],
            };
            // id-ecPublicKey with the named curve (RFC 5480 §2.1.1); the key is the
            // uncompressed point (§2.2).
            let mut alg = tlv(0x06, &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01]);
            alg.extend(tlv(0x06, curve));
            let mut point = vec![0x04];
            point.extend(bytes("x")?);
            point.extend(bytes("y")?);
            (alg, point)
        }
        // id-Ed25519, no parameters; the key is the 32 octets (RFC 8410 §3, §4).
        ("OKP", "Ed25519") => (tlv(0x06, &[0x2B, 0x65, 0x70]), bytes("x")?),
        ("RSA", _) => {
            // rsaEncryption with NULL parameters; the key is RSAPublicKey (RFC 8017 A.1.1).
            let mut alg = tlv(
                0x06,
                &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01],
            );
            alg.extend(tlv(0x05, &[]));
            let mut ints = integer(&bytes("n")?);
            ints.extend(integer(&bytes("e")?));
            (alg, tlv(0x30, &ints))
        }
        _ => {
            return Err(SpkiError::Unsupported {
                kty: kty.into(),
                crv: crv.into(),
            })
        }
    };
    let mut bits = vec![0x00]; // no unused bits
    bits.extend(key);
    let mut body = tlv(0x30, &algorithm);
    body.extend(tlv(0x03, &bits));
    Ok(tlv(0x30, &body))
}

/// The PEM form (RFC 7468 §13): `PUBLIC KEY` label, base64 in 64-column lines, LF endings, a
/// final LF (what OpenSSL and the common PEM writers produce).
pub fn spki_pem(jwk: &Value) -> Result<String, SpkiError> {
    let b64 = base64::engine::general_purpose::STANDARD.encode(spki_der(jwk)?);
    let mut out = String::from("-----BEGIN PUBLIC KEY-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END PUBLIC KEY-----\n");
    Ok(out)
}

/// A DER TLV with a definite length (X.690 §8.1.3).
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let be = len.to_be_bytes();
        let skip = be.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (be.len() - skip) as u8);
        out.extend(&be[skip..]);
    }
    out.extend(content);
    out
}

/// An unsigned big-endian integer as a DER INTEGER: minimal, with a leading zero when the
/// high bit is set (X.690 §8.3).
fn integer(unsigned: &[u8]) -> Vec<u8> {
    let start = unsigned.iter().take_while(|b| **b == 0).count();
    let digits = &unsigned[start..];
    let mut content = Vec::with_capacity(digits.len() + 1);
    if digits.first().is_none_or(|b| b & 0x80 != 0) {
        content.push(0);
    }
    content.extend(digits);
    tlv(0x02, &content)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jose::fixtures::{key, FixedKey};
    use crate::jose::SigningKey;
    use pkcs8::EncodePublicKey as _;

    /// The hand-written DER agrees with RustCrypto's encoders, for each key type they cover.
    #[test]
    fn der_matches_the_crates_encoders() {
        let es = SigningKey::generate_es256();
        let jwk = es.public_jwk();
        let point = {
            let mut p = vec![4];
            p.extend(b64::decode(jwk["x"].as_str().unwrap()).unwrap());
            p.extend(b64::decode(jwk["y"].as_str().unwrap()).unwrap());
            p
        };
        let want = p256::PublicKey::from_sec1_bytes(&point)
            .unwrap()
            .to_public_key_der()
            .unwrap();
        assert_eq!(spki_der(&jwk).unwrap(), want.as_bytes());

        let ed = SigningKey::generate_ed25519();
        let jwk = ed.public_jwk();
        let x: [u8; 32] = b64::decode(jwk["x"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap();
        let want = ed25519_dalek::VerifyingKey::from_bytes(&x)
            .unwrap()
            .to_public_key_der()
            .unwrap();
        assert_eq!(spki_der(&jwk).unwrap(), want.as_bytes());

        let rsa = key(FixedKey::AttesterRs256).unwrap();
        let jwk = rsa.public_jwk();
        let n = rsa::BigUint::from_bytes_be(&b64::decode(jwk["n"].as_str().unwrap()).unwrap());
        let e = rsa::BigUint::from_bytes_be(&b64::decode(jwk["e"].as_str().unwrap()).unwrap());
        let want = rsa::RsaPublicKey::new(n, e)
            .unwrap()
            .to_public_key_der()
            .unwrap();
        assert_eq!(spki_der(&jwk).unwrap(), want.as_bytes());
    }

    #[test]
    fn pem_wraps_at_64_columns_and_ends_with_a_newline() {
        let pem = spki_pem(&key(FixedKey::AttesterRs256).unwrap().public_jwk()).unwrap();
        assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));
        assert!(pem.ends_with("\n-----END PUBLIC KEY-----\n"));
        let body: Vec<&str> = pem.lines().skip(1).collect();
        assert!(body[..body.len() - 2].iter().all(|l| l.len() == 64));
    }

    #[test]
    fn p384_and_p521_have_their_curve_oids() {
        for (alg, tail) in [("ES384", 0x22), ("ES512", 0x23)] {
            let jwk = SigningKey::generate_for(alg).unwrap().public_jwk();
            let der = spki_der(&jwk).unwrap();
            let oid = [0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, tail];
            assert!(der.windows(7).any(|w| w == oid), "{alg}");
        }
    }

    #[test]
    fn a_key_without_spki_is_a_clear_error() {
        let e = spki_der(&serde_json::json!({"kty": "oct", "k": "AA"})).unwrap_err();
        assert_eq!(
            e.to_string(),
            "no SubjectPublicKeyInfo for kty \"oct\" crv \"\""
        );
        let e = spki_der(&serde_json::json!({"kty": "EC", "crv": "P-256", "x": "AA"})).unwrap_err();
        assert_eq!(e, SpkiError::Member("y"));
    }
}
