//! JWS compact serialization (RFC 7515 §7.1), built by the harness itself so that it can
//! build malformed tokens on purpose.
//!
//! A conformance suite has to send what a correct client never would: `alg` `none`
//! (draft-10 §Client Attestation JWT rule 2), an HMAC-signed PoP (§Client Attestation PoP
//! JWT rule 2: asymmetric only), a claim of the wrong JSON type, a payload that is not
//! JSON, a signature that does not match. A general JOSE library refuses to produce these,
//! so the builder takes header and payload verbatim (no member is added or checked) and
//! applies tampering after signing.
//!
//! [`verify`] exists for the known-answer vectors only; the harness never verifies what a
//! server sends it.

use serde_json::{Map, Value};

use super::b64;
use super::key::{self, SigningKey};

/// The content of a header or payload segment before base64url encoding.
#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    /// A JSON object, serialized compactly in the map's member order. Member values may be
    /// of any JSON type (e.g. `exp` as a string, to test claim type checks).
    Json(Map<String, Value>),
    /// Raw bytes, base64url encoded as they are: not JSON, a JSON array, bad UTF-8...
    Raw(Vec<u8>),
    /// Text placed in the token verbatim, without encoding: a segment that is not valid
    /// base64url (padding, `+`, `/`, spaces) or contains a dot.
    Encoded(String),
}

impl Segment {
    /// The segment as it appears in the compact serialization.
    pub fn encode(&self) -> String {
        match self {
            // Serializing a Map cannot fail: its keys are strings and its values are Values.
            Segment::Json(map) => b64::encode(Value::Object(map.clone()).to_string()),
            Segment::Raw(bytes) => b64::encode(bytes),
            Segment::Encoded(text) => text.clone(),
        }
    }
}

impl From<Map<String, Value>> for Segment {
    fn from(map: Map<String, Value>) -> Self {
        Segment::Json(map)
    }
}

impl From<Vec<u8>> for Segment {
    fn from(bytes: Vec<u8>) -> Self {
        Segment::Raw(bytes)
    }
}

/// How the signature is made. The header is not changed to match: set `alg` yourself.
#[derive(Debug, Clone)]
pub enum Signer {
    /// Sign with a key (its `alg()` decides the algorithm).
    Key(SigningKey),
    /// Unsecured JWS (RFC 7515 appendix A.5): empty signature.
    None,
    /// HMAC-SHA256 with the given secret, of any length (short secrets on purpose).
    Hs256(Vec<u8>),
}

/// A change applied after signing, in the order given.
#[derive(Debug, Clone, PartialEq)]
pub enum Tamper {
    /// Flip one bit of the decoded signature; bit 0 is the most significant bit of the
    /// first byte. An error when the signature has fewer bits.
    FlipSignatureBit(usize),
    /// Empty the signature segment (the token keeps its two dots: `h.p.`).
    StripSignature,
    /// Put another payload in the token, keeping header and signature.
    ReplacePayload(Segment),
    /// Use the signature segment of another compact token, verbatim.
    SignatureFrom(String),
}

/// Why a token could not be built, decoded or verified.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwsError {
    #[error("a JWS compact serialization has 3 dot-separated segments, this one has {0}")]
    SegmentCount(usize),
    #[error("the {0} segment is not valid base64url")]
    Base64(&'static str),
    #[error("the {segment} segment is not JSON: {reason}")]
    Json {
        segment: &'static str,
        reason: String,
    },
    #[error("the JOSE header is not a JSON object")]
    HeaderNotObject,
    #[error("the JOSE header has no string \"alg\"")]
    MissingAlg,
    #[error("alg {0:?} is not supported by the vector verifier")]
    UnsupportedAlg(String),
    #[error("alg {alg} cannot be verified with a {kty} key")]
    KeyAlgMismatch { alg: String, kty: String },
    #[error("unusable verification key: {0}")]
    BadKey(String),
    #[error("tampering failed: {0}")]
    Tamper(String),
}

/// Builds one compact JWS.
#[derive(Debug, Clone)]
pub struct JwsBuilder {
    header: Segment,
    payload: Segment,
    signer: Signer,
    tampers: Vec<Tamper>,
}

impl JwsBuilder {
    /// A token with this header, payload and signer, taken as they are.
    pub fn new(header: impl Into<Segment>, payload: impl Into<Segment>, signer: Signer) -> Self {
        JwsBuilder {
            header: header.into(),
            payload: payload.into(),
            signer,
            tampers: Vec::new(),
        }
    }

    /// Adds a change applied after signing.
    pub fn tamper(mut self, tamper: Tamper) -> Self {
        self.tampers.push(tamper);
        self
    }

    /// Flips bit `bit` of the signature after signing.
    pub fn flip_signature_bit(self, bit: usize) -> Self {
        self.tamper(Tamper::FlipSignatureBit(bit))
    }

    /// Empties the signature after signing.
    pub fn strip_signature(self) -> Self {
        self.tamper(Tamper::StripSignature)
    }

    /// Replaces the payload after signing.
    pub fn replace_payload(self, payload: impl Into<Segment>) -> Self {
        self.tamper(Tamper::ReplacePayload(payload.into()))
    }

    /// Uses the signature of `other` (a compact token) after signing.
    pub fn signature_from(self, other: impl Into<String>) -> Self {
        self.tamper(Tamper::SignatureFrom(other.into()))
    }

    /// The compact serialization `header.payload.signature`.
    pub fn build(&self) -> Result<String, JwsError> {
        let header = self.header.encode();
        let mut payload = self.payload.encode();
        let signing_input = format!("{header}.{payload}");
        let mut signature = match &self.signer {
            Signer::Key(key) => b64::encode(key.sign(signing_input.as_bytes())),
            Signer::None => String::new(),
            Signer::Hs256(secret) => b64::encode(key::hs256(secret, signing_input.as_bytes())),
        };
        for tamper in &self.tampers {
            match tamper {
                Tamper::FlipSignatureBit(bit) => {
                    let mut bytes = b64::decode(&signature).map_err(|_| {
                        JwsError::Tamper("the signature to flip is not base64url".into())
                    })?;
                    let byte = bytes.get_mut(bit / 8).ok_or_else(|| {
                        JwsError::Tamper(format!(
                            "no bit {bit} in a signature of {} bits",
                            signature_bits(&signature)
                        ))
                    })?;
                    *byte ^= 0x80 >> (bit % 8);
                    signature = b64::encode(bytes);
                }
                Tamper::StripSignature => signature.clear(),
                Tamper::ReplacePayload(new) => payload = new.encode(),
                Tamper::SignatureFrom(other) => {
                    let parts: Vec<&str> = other.split('.').collect();
                    if parts.len() != 3 {
                        return Err(JwsError::Tamper(format!(
                            "the token to take a signature from has {} segments, not 3",
                            parts.len()
                        )));
                    }
                    signature = parts[2].to_string();
                }
            }
        }
        Ok(format!("{header}.{payload}.{signature}"))
    }
}

fn signature_bits(signature: &str) -> usize {
    b64::decode(signature).map(|b| b.len() * 8).unwrap_or(0)
}

/// A correctly signed JWS over JSON header and claims (the common case, infallible).
pub fn sign(header: &Map<String, Value>, claims: &Map<String, Value>, key: &SigningKey) -> String {
    let header = Segment::Json(header.clone()).encode();
    let payload = Segment::Json(claims.clone()).encode();
    let signing_input = format!("{header}.{payload}");
    let signature = b64::encode(key.sign(signing_input.as_bytes()));
    format!("{signing_input}.{signature}")
}

/// The three segments of a compact JWS, not decoded.
pub fn split(compact: &str) -> Result<[&str; 3], JwsError> {
    let parts: Vec<&str> = compact.split('.').collect();
    match parts.as_slice() {
        [h, p, s] => Ok([h, p, s]),
        _ => Err(JwsError::SegmentCount(parts.len())),
    }
}

fn decode_json(segment: &str, name: &'static str) -> Result<Value, JwsError> {
    let bytes = b64::decode(segment).map_err(|_| JwsError::Base64(name))?;
    serde_json::from_slice(&bytes).map_err(|e| JwsError::Json {
        segment: name,
        reason: e.to_string(),
    })
}

/// Decodes header and claims without verifying anything, for reports. Any JSON value is
/// returned as it is (a header that is an array is for the caller to judge).
pub fn decode_unverified(compact: &str) -> Result<(Value, Value), JwsError> {
    let [h, p, _] = split(compact)?;
    Ok((decode_json(h, "header")?, decode_json(p, "payload")?))
}

/// Verifies the signature of `compact` with a public JWK, using the header's `alg`
/// (ES256, EdDSA, RS256, PS256, HS256 with an oct JWK; `none` is never valid).
///
/// `Ok(false)`: well-formed, but the signature does not verify. `Err`: the token or key
/// could not be used. Only the known-answer vector tests use this: the harness does not
/// judge tokens, servers do.
pub fn verify(compact: &str, jwk: &Value) -> Result<bool, JwsError> {
    use rsa::signature::Verifier as _;

    let [h, p, s] = split(compact)?;
    let header = decode_json(h, "header")?;
    let header = header.as_object().ok_or(JwsError::HeaderNotObject)?;
    let alg = header
        .get("alg")
        .and_then(Value::as_str)
        .ok_or(JwsError::MissingAlg)?;
    let signature = b64::decode(s).map_err(|_| JwsError::Base64("signature"))?;
    let input = format!("{h}.{p}");
    let input = input.as_bytes();
    let kty = jwk.get("kty").and_then(Value::as_str).unwrap_or("");
    let mismatch = || JwsError::KeyAlgMismatch {
        alg: alg.chars().take(16).collect(),
        kty: kty.chars().take(16).collect(),
    };
    let member = |name: &str| -> Result<Vec<u8>, JwsError> {
        let text = jwk
            .get(name)
            .and_then(Value::as_str)
            .ok_or_else(|| JwsError::BadKey(format!("no string member {name:?}")))?;
        b64::decode(text).map_err(|_| JwsError::BadKey(format!("{name:?} is not base64url")))
    };
    match alg {
        "none" => Ok(false),
        "ES256" => {
            if kty != "EC" || jwk.get("crv").and_then(Value::as_str) != Some("P-256") {
                return Err(mismatch());
            }
            let (x, y) = (member("x")?, member("y")?);
            if x.len() != 32 || y.len() != 32 {
                return Err(JwsError::BadKey(
                    "P-256 coordinates must be 32 bytes".into(),
                ));
            }
            let point = p256::EncodedPoint::from_affine_coordinates(
                x.as_slice().into(),
                y.as_slice().into(),
                false,
            );
            let key = p256::ecdsa::VerifyingKey::from_encoded_point(&point)
                .map_err(|_| JwsError::BadKey("x/y is not a point on P-256".into()))?;
            // RFC 7518 §3.4: exactly 64 bytes, r||s; anything else cannot verify.
            let Ok(sig) = p256::ecdsa::Signature::from_slice(&signature) else {
                return Ok(false);
            };
            Ok(key.verify(input, &sig).is_ok())
        }
        // RFC 7518 §3.4: ES384 on P-384 (48-octet coordinates), ES512 on P-521 (66).
        "ES384" | "ES512" => {
            let (crv, size) = if alg == "ES384" {
                ("P-384", 48)
            } else {
                ("P-521", 66)
            };
            if kty != "EC" || jwk.get("crv").and_then(Value::as_str) != Some(crv) {
                return Err(mismatch());
            }
            let (x, y) = (member("x")?, member("y")?);
            if x.len() != size || y.len() != size {
                return Err(JwsError::BadKey(format!(
                    "{crv} coordinates must be {size} bytes"
                )));
            }
            let mut point = vec![0x04];
            point.extend(x);
            point.extend(y);
            let not_on_curve = || JwsError::BadKey(format!("x/y is not a point on {crv}"));
            // r||s of exactly twice the coordinate size; anything else cannot verify.
            if alg == "ES384" {
                let key = p384::ecdsa::VerifyingKey::from_sec1_bytes(&point)
                    .map_err(|_| not_on_curve())?;
                let Ok(sig) = p384::ecdsa::Signature::from_slice(&signature) else {
                    return Ok(false);
                };
                Ok(key.verify(input, &sig).is_ok())
            } else {
                let key = p521::ecdsa::VerifyingKey::from_sec1_bytes(&point)
                    .map_err(|_| not_on_curve())?;
                let Ok(sig) = p521::ecdsa::Signature::from_slice(&signature) else {
                    return Ok(false);
                };
                Ok(key.verify(input, &sig).is_ok())
            }
        }
        "EdDSA" | "Ed25519" => {
            if kty != "OKP" || jwk.get("crv").and_then(Value::as_str) != Some("Ed25519") {
                return Err(mismatch());
            }
            let x: [u8; 32] = member("x")?
                .try_into()
                .map_err(|_| JwsError::BadKey("Ed25519 x must be 32 bytes".into()))?;
            let key = ed25519_dalek::VerifyingKey::from_bytes(&x)
                .map_err(|_| JwsError::BadKey("x is not an Ed25519 point".into()))?;
            let Ok(sig) = <[u8; 64]>::try_from(signature.as_slice()) else {
                return Ok(false);
            };
            Ok(key
                .verify_strict(input, &ed25519_dalek::Signature::from_bytes(&sig))
                .is_ok())
        }
        "RS256" | "PS256" => {
            if kty != "RSA" {
                return Err(mismatch());
            }
            let key = rsa::RsaPublicKey::new(
                rsa::BigUint::from_bytes_be(&member("n")?),
                rsa::BigUint::from_bytes_be(&member("e")?),
            )
            .map_err(|e| JwsError::BadKey(format!("RSA public key rejected: {e}")))?;
            let Ok(sig) = rsa::pkcs1v15::Signature::try_from(signature.as_slice()) else {
                return Ok(false);
            };
            if alg == "RS256" {
                let key = rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(key);
                Ok(key.verify(input, &sig).is_ok())
            } else {
                let Ok(sig) = rsa::pss::Signature::try_from(signature.as_slice()) else {
                    return Ok(false);
                };
                let key = rsa::pss::VerifyingKey::<sha2::Sha256>::new(key);
                Ok(key.verify(input, &sig).is_ok())
            }
        }
        "HS256" => {
            use hmac::Mac as _;
            if kty != "oct" {
                return Err(mismatch());
            }
            let mut mac = <hmac::Hmac<sha2::Sha256> as hmac::Mac>::new_from_slice(&member("k")?)
                .map_err(|_| JwsError::BadKey("HMAC key rejected".into()))?;
            mac.update(input);
            // constant-time comparison
            Ok(mac.verify_slice(&signature).is_ok())
        }
        other => Err(JwsError::UnsupportedAlg(other.chars().take(16).collect())),
    }
}

/// The JOSE header `{"typ": typ, "alg": alg}` (in that order), the usual start of a header
/// map for the builder.
pub fn header(typ: &str, alg: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("typ".into(), Value::String(typ.into()));
    m.insert("alg".into(), Value::String(alg.into()));
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => panic!("test helper needs an object"),
        }
    }

    fn keys() -> Vec<SigningKey> {
        // RSA keys come from the fixed vectors: generating them would be slow.
        vec![
            SigningKey::generate_es256(),
            SigningKey::generate_for("ES384").unwrap(),
            SigningKey::generate_for("ES512").unwrap(),
            SigningKey::generate_ed25519(),
            crate::jose::fixtures::key(crate::jose::fixtures::FixedKey::AttesterRs256).unwrap(),
            crate::jose::fixtures::key(crate::jose::fixtures::FixedKey::AttesterPs256).unwrap(),
            SigningKey::hs256([42u8; 32]).unwrap(),
        ]
    }

    fn verify_jwk(key: &SigningKey) -> Value {
        if key.is_symmetric() {
            key.private_jwk()
        } else {
            key.public_jwk()
        }
    }

    #[test]
    fn sign_then_verify_for_each_alg() {
        for key in keys() {
            let claims = obj(json!({"sub": "c", "exp": 1}));
            let token = sign(&header("JWT", key.alg()), &claims, &key);
            assert_eq!(verify(&token, &verify_jwk(&key)), Ok(true), "{}", key.alg());
            let (h, c) = decode_unverified(&token).unwrap();
            assert_eq!(h["alg"], key.alg());
            assert_eq!(c, Value::Object(claims));
            // the same through the builder
            let built = JwsBuilder::new(
                header("JWT", key.alg()),
                obj(json!({})),
                Signer::Key(key.clone()),
            )
            .build()
            .unwrap();
            assert_eq!(verify(&built, &verify_jwk(&key)), Ok(true), "{}", key.alg());
        }
    }

    #[test]
    fn a_key_does_not_verify_another_keys_signature() {
        let a = SigningKey::generate_es256();
        let b = SigningKey::generate_es256();
        let token = sign(&header("JWT", "ES256"), &Map::new(), &a);
        assert_eq!(verify(&token, &b.public_jwk()), Ok(false));
        // and the wrong key type is an error, not a false
        let ed = SigningKey::generate_ed25519();
        assert!(matches!(
            verify(&token, &ed.public_jwk()),
            Err(JwsError::KeyAlgMismatch { .. })
        ));
    }

    /// `h.p.s` with the bit `bit` of `s` flipped.
    fn flip(token: &str, bit: usize) -> String {
        let [h, p, s] = split(token).unwrap();
        let mut sig = b64::decode(s).unwrap();
        sig[bit / 8] ^= 0x80 >> (bit % 8);
        format!("{h}.{p}.{}", b64::encode(sig))
    }

    // PS256 signatures are randomized, so two builds differ: each check below proves the
    // property on the tampered token itself (the kept signature still verifies over the
    // original content), which holds for every algorithm.
    #[test]
    fn each_tamper_does_what_it_says() {
        for key in keys() {
            let jwk = verify_jwk(&key);
            let h = header("JWT", key.alg());
            let base = JwsBuilder::new(h.clone(), obj(json!({"a": 1})), Signer::Key(key.clone()));
            let good = base.build().unwrap();
            let [gh, gp, _] = split(&good).unwrap();

            for bit in [0, 7, 100, 255] {
                let flipped = base.clone().flip_signature_bit(bit).build().unwrap();
                let [fh, fp, _] = split(&flipped).unwrap();
                assert_eq!((fh, fp), (gh, gp));
                assert_eq!(verify(&flipped, &jwk), Ok(false), "{} bit {bit}", key.alg());
                // flipping the same bit back restores a valid signature: exactly that bit
                // was changed
                assert_eq!(
                    verify(&flip(&flipped, bit), &jwk),
                    Ok(true),
                    "{} bit {bit}",
                    key.alg()
                );
            }

            let stripped = base.clone().strip_signature().build().unwrap();
            assert_eq!(stripped, format!("{gh}.{gp}."));
            assert_eq!(verify(&stripped, &jwk), Ok(false));

            let replaced = base
                .clone()
                .replace_payload(obj(json!({"a": 2})))
                .build()
                .unwrap();
            let [rh, rp, rs] = split(&replaced).unwrap();
            assert_eq!(rh, gh);
            assert_eq!(b64::decode(rp).unwrap(), br#"{"a":2}"#);
            assert_eq!(verify(&replaced, &jwk), Ok(false));
            // the kept signature is the one made over the original payload
            assert_eq!(verify(&format!("{rh}.{gp}.{rs}"), &jwk), Ok(true));

            let other = JwsBuilder::new(h.clone(), obj(json!({"b": 1})), Signer::Key(key.clone()))
                .build()
                .unwrap();
            let borrowed = base.clone().signature_from(other.clone()).build().unwrap();
            let [bh, bp, bs] = split(&borrowed).unwrap();
            assert_eq!((bh, bp), (gh, gp));
            assert_eq!(bs, split(&other).unwrap()[2]);
            assert_eq!(verify(&borrowed, &jwk), Ok(false));
        }
    }

    #[test]
    fn tamper_errors() {
        let none = JwsBuilder::new(header("JWT", "none"), Map::new(), Signer::None);
        assert!(matches!(
            none.clone().flip_signature_bit(0).build(),
            Err(JwsError::Tamper(_))
        ));
        let es = JwsBuilder::new(
            header("JWT", "ES256"),
            Map::new(),
            Signer::Key(SigningKey::generate_es256()),
        );
        assert!(matches!(
            es.clone().flip_signature_bit(512).build(),
            Err(JwsError::Tamper(_))
        ));
        assert!(es.clone().flip_signature_bit(511).build().is_ok());
        assert!(matches!(
            es.signature_from("a.b").build(),
            Err(JwsError::Tamper(_))
        ));
    }

    #[test]
    fn unsigned_and_hmac_tokens() {
        let t = JwsBuilder::new(header("JWT", "none"), obj(json!({"x": 1})), Signer::None)
            .build()
            .unwrap();
        assert!(t.ends_with('.'));
        assert_eq!(
            split(&t).unwrap()[0],
            b64::encode(r#"{"typ":"JWT","alg":"none"}"#)
        );
        assert_eq!(verify(&t, &json!({"kty": "EC"})), Ok(false));

        // a short secret on purpose (SigningKey::hs256 would refuse it)
        let t = JwsBuilder::new(
            header("JWT", "HS256"),
            Map::new(),
            Signer::Hs256(b"k".to_vec()),
        )
        .build()
        .unwrap();
        let jwk = json!({"kty": "oct", "k": b64::encode("k")});
        assert_eq!(verify(&t, &jwk), Ok(true));
        assert_eq!(
            verify(&t, &json!({"kty": "oct", "k": b64::encode("j")})),
            Ok(false)
        );
    }

    #[test]
    fn segments_are_taken_verbatim() {
        // any JSON types, in the given order, nothing added
        let h = obj(json!({"alg": "ES256", "typ": 7, "crit": ["x"]}));
        let c = obj(json!({"exp": "2529866394", "cnf": null}));
        let t = JwsBuilder::new(h, c, Signer::None).build().unwrap();
        let [hh, pp, _] = split(&t).unwrap();
        assert_eq!(
            b64::decode(hh).unwrap(),
            br#"{"alg":"ES256","typ":7,"crit":["x"]}"#
        );
        assert_eq!(
            b64::decode(pp).unwrap(),
            br#"{"exp":"2529866394","cnf":null}"#
        );

        // raw bytes: not JSON, bad UTF-8
        let t = JwsBuilder::new(
            Segment::Raw(b"not json".to_vec()),
            vec![0xff, 0xfe],
            Signer::None,
        )
        .build()
        .unwrap();
        let [hh, pp, _] = split(&t).unwrap();
        assert_eq!(b64::decode(hh).unwrap(), b"not json");
        assert_eq!(b64::decode(pp).unwrap(), [0xff, 0xfe]);
        assert!(matches!(
            decode_unverified(&t),
            Err(JwsError::Json {
                segment: "header",
                ..
            })
        ));

        // pre-encoded text, e.g. padded base64
        let t = JwsBuilder::new(Segment::Encoded("e30=".into()), Map::new(), Signer::None)
            .build()
            .unwrap();
        assert!(t.starts_with("e30=."));
        assert_eq!(decode_unverified(&t), Err(JwsError::Base64("header")));
    }

    #[test]
    fn decode_unverified_never_panics_on_garbage() {
        for garbage in [
            "",
            ".",
            "..",
            "...",
            "a.b.c",
            "e30.e30",
            "e30.e30.e30.e30",
            "\u{0}.\u{ff}.x",
            "e30.bnVsbA.",
            "%%%.e30.",
        ] {
            let _ = decode_unverified(garbage);
            let _ = verify(
                garbage,
                &json!({"kty": "EC", "crv": "P-256", "x": "", "y": ""}),
            );
        }
        assert_eq!(decode_unverified("e30.e30"), Err(JwsError::SegmentCount(2)));
        assert_eq!(
            decode_unverified("e30.bnVsbA.").unwrap(),
            (json!({}), Value::Null)
        );
        assert_eq!(verify("e30.e30.", &json!({})), Err(JwsError::MissingAlg));
        assert_eq!(
            verify("W10.e30.", &json!({})),
            Err(JwsError::HeaderNotObject)
        );
    }

    proptest::proptest! {
        #[test]
        fn decode_and_verify_never_panic(text: String) {
            let _ = decode_unverified(&text);
            let _ = verify(&text, &json!({"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"}));
        }

        // Three segments of base64url-alphabet text: gets past the segment count and often
        // past base64 decoding, into JSON parsing and verification.
        #[test]
        fn near_tokens_never_panic(
            h in "[A-Za-z0-9_-]{0,40}",
            p in "[A-Za-z0-9_-]{0,40}",
            s in "[A-Za-z0-9_-]{0,100}",
        ) {
            let token = format!("{h}.{p}.{s}");
            let _ = decode_unverified(&token);
            for alg in ["ES256", "EdDSA", "RS256", "PS256", "HS256", "none", "x"] {
                let token = format!("{}.{p}.{s}", b64::encode(format!(r#"{{"alg":"{alg}"}}"#)));
                let _ = verify(&token, &json!({"kty": "EC", "crv": "P-256", "x": h, "y": p}));
                let _ = verify(&token, &json!({"kty": "OKP", "crv": "Ed25519", "x": h}));
                let _ = verify(&token, &json!({"kty": "RSA", "n": h, "e": p}));
                let _ = verify(&token, &json!({"kty": "oct", "k": h}));
            }
        }
    }
}
