//! Algorithm confusion, for the `*-hmac-with-public-key` faults only: a verifier that is told
//! `alg: HS256` and hands the public key it holds for the signer to an HMAC (RFC 8725 §2.1,
//! the flaw §3.1 forbids: "each key MUST be used with exactly one algorithm"). The encodings
//! such verifiers use: the JWK as JSON, the SubjectPublicKeyInfo as PEM and as DER. A
//! conforming server never calls this.
use crate::jwk::KeyMaterial;
use base64::Engine as _;
use ring::hmac;
use serde_json::{Map, Value};
use x509_cert::der::asn1::{AnyRef, BitString, ObjectIdentifier};
use x509_cert::der::{Any, Encode as _};
use x509_cert::spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const P521: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.35");
const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// Whether `sig` is an HMAC-SHA256 of `input` under one of the encodings of the public key:
/// `json` (the JWK as the server holds it, when it holds one) or the key's
/// SubjectPublicKeyInfo as DER or PEM.
pub fn mac_with_public_key(
    json: Option<&Map<String, Value>>,
    key: &KeyMaterial,
    input: &[u8],
    sig: &[u8],
) -> bool {
    let mut secrets: Vec<Vec<u8>> = Vec::new();
    if let Some(json) = json {
        secrets.extend(serde_json::to_vec(json).ok());
    }
    if let Some(der) = spki_der(key) {
        secrets.push(pem(&der).into_bytes());
        secrets.push(der);
    }
    secrets
        .iter()
        .any(|secret| hmac::verify(&hmac::Key::new(hmac::HMAC_SHA256, secret), input, sig).is_ok())
}

/// The DER SubjectPublicKeyInfo (RFC 5480, RFC 8410, RFC 8017 A.1.1); None for a MAC key.
fn spki_der(key: &KeyMaterial) -> Option<Vec<u8>> {
    let (oid, parameters, bits) = match key {
        KeyMaterial::EcP256(point) => (
            EC_PUBLIC_KEY,
            Some(Any::encode_from(&P256).ok()?),
            point.clone(),
        ),
        KeyMaterial::EcP384(point) => (
            EC_PUBLIC_KEY,
            Some(Any::encode_from(&P384).ok()?),
            point.clone(),
        ),
        KeyMaterial::EcP521(point) => (
            EC_PUBLIC_KEY,
            Some(Any::encode_from(&P521).ok()?),
            point.clone(),
        ),
        KeyMaterial::Ed25519(x) => (ED25519, None, x.clone()),
        KeyMaterial::Rsa { n, e } => {
            let public = pkcs1::RsaPublicKey {
                modulus: pkcs1::UintRef::new(n).ok()?,
                public_exponent: pkcs1::UintRef::new(e).ok()?,
            };
            (
                RSA_ENCRYPTION,
                Some(Any::from(AnyRef::NULL)),
                public.to_der().ok()?,
            )
        }
        KeyMaterial::Oct(_) => return None,
    };
    SubjectPublicKeyInfoOwned {
        algorithm: AlgorithmIdentifierOwned { oid, parameters },
        subject_public_key: BitString::from_bytes(&bits).ok()?,
    }
    .to_der()
    .ok()
}

/// RFC 7468 §13 `PUBLIC KEY` PEM: 64-column base64 lines, LF, a final LF.
fn pem(der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::from("-----BEGIN PUBLIC KEY-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str("-----END PUBLIC KEY-----\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A P-256 SubjectPublicKeyInfo is 91 octets with a fixed 26-octet prefix (RFC 5480).
    #[test]
    fn p256_spki_has_the_well_known_prefix() {
        let mut point = vec![4];
        point.extend([7u8; 64]);
        let der = spki_der(&KeyMaterial::EcP256(point)).unwrap();
        assert_eq!(der.len(), 91);
        assert_eq!(
            &der[..26],
            &[
                0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01, 0x06,
                0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00
            ]
        );
    }

    #[test]
    fn a_mac_under_each_encoding_verifies_and_nothing_else() {
        let key = KeyMaterial::Ed25519(vec![9; 32]);
        let json: Map<String, Value> =
            serde_json::from_str(r#"{"kty":"OKP","crv":"Ed25519","x":"CQkJ"}"#).unwrap();
        let der = spki_der(&key).unwrap();
        let mac = |secret: &[u8]| {
            hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, secret), b"in")
                .as_ref()
                .to_vec()
        };
        for secret in [
            serde_json::to_vec(&json).unwrap(),
            pem(&der).into_bytes(),
            der.clone(),
        ] {
            assert!(mac_with_public_key(Some(&json), &key, b"in", &mac(&secret)));
        }
        assert!(!mac_with_public_key(
            Some(&json),
            &key,
            b"in",
            &mac(b"other")
        ));
        assert!(!mac_with_public_key(
            None,
            &KeyMaterial::Oct(vec![1]),
            b"in",
            &mac(b"")
        ));
    }
}
