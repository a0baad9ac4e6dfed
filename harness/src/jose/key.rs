//! Signing keys of the harness: ES256 / ES384 / ES512 (p256, p384, p521), EdDSA
//! (ed25519-dalek), RS256..PS512 (rsa) and HS256 (hmac).
//!
//! The harness signs attestations, PoPs and DPoP proofs with these RustCrypto crates; the
//! reference AS verifies with ring. docs/design.md, "Architecture": the two must not share JOSE code, so
//! that a bug in one is caught by the other.
//!
//! Loading is strict and the errors say what is wrong without echoing key material: a
//! user who passes a secp256k1 key, a public key or a PKCS#1 file to `--attester-key` gets a
//! sentence that tells them what to pass instead.

use std::fmt;
use std::path::{Path, PathBuf};

use ed25519_dalek::pkcs8::DecodePrivateKey as _;
use pkcs8::der::Decode as _;
use rand::rngs::OsRng;
use rsa::traits::{PrivateKeyParts as _, PublicKeyParts as _};
use rsa::BigUint;
use serde_json::{json, Map, Value};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::{b64, thumbprint};

/// The algorithms an RSA key can sign with (RFC 7518 §3.3, §3.5).
pub const RSA_ALGS: [&str; 6] = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"];

/// RSA keys shorter than this are refused: RFC 7518 §3.3 requires 2048 bits for RS256 and
/// PS256, and below it signing could fail, which `sign` must never do.
pub const MIN_RSA_BITS: usize = 2048;
/// RFC 7518 §3.2: an HS256 key must be at least as long as the hash output.
pub const MIN_HS256_SECRET_BYTES: usize = 32;

/// Why a key could not be loaded or made. No variant carries private key material.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    // The source is printed by the error chain (anyhow {:#}), not repeated here.
    #[error("cannot read key file {}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("not a key: {0}; expected a private JWK (JSON), a PKCS#8 PEM (\"-----BEGIN PRIVATE KEY-----\") or a SEC1 EC PEM (\"-----BEGIN EC PRIVATE KEY-----\")")]
    Unrecognised(&'static str),
    #[error("the key looks like JSON but does not parse: {0}")]
    BadJson(String),
    #[error("a JWK Set (\"keys\" array) was given; pass a single private JWK")]
    JwkSet,
    #[error("a JWK must be a JSON object")]
    NotAnObject,
    #[error("the JWK has no \"kty\" member")]
    MissingKty,
    #[error("unsupported key type {0:?}: use EC (P-256, P-384, P-521), OKP (Ed25519), RSA or oct")]
    UnsupportedKty(String),
    #[error("unsupported curve {crv:?} for a {kty} key: the harness signs with {expected} only")]
    WrongCurve {
        kty: &'static str,
        crv: String,
        expected: &'static str,
    },
    #[error("this {kty} key is a public key (no {member:?}): a private key is needed to sign")]
    PublicKeyOnly {
        kty: &'static str,
        member: &'static str,
    },
    #[error("{kty} JWK is missing required member {member:?}")]
    MissingMember {
        kty: &'static str,
        member: &'static str,
    },
    #[error("{kty} JWK member {member:?} is invalid: {reason}")]
    InvalidMember {
        kty: &'static str,
        member: &'static str,
        reason: String,
    },
    #[error("{kty} key is invalid: {reason}")]
    InvalidKey { kty: &'static str, reason: String },
    #[error("alg {alg:?} cannot be used with a {kty} key (supported: {supported})")]
    AlgMismatch {
        kty: &'static str,
        alg: String,
        supported: &'static str,
    },
    #[error("RSA key has {bits} bits; at least {MIN_RSA_BITS} are required (RFC 7518 §3.3)")]
    RsaTooSmall { bits: usize },
    #[error("PEM: {0}")]
    Pem(String),
}

impl KeyError {
    /// A stable snake_case name of the variant, used by the key vectors
    /// (`vectors/jose/keys.json`) and by reports.
    pub fn kind(&self) -> &'static str {
        match self {
            KeyError::Io { .. } => "io",
            KeyError::Unrecognised(_) => "unrecognised",
            KeyError::BadJson(_) => "bad_json",
            KeyError::JwkSet => "jwk_set",
            KeyError::NotAnObject => "not_an_object",
            KeyError::MissingKty => "missing_kty",
            KeyError::UnsupportedKty(_) => "unsupported_kty",
            KeyError::WrongCurve { .. } => "wrong_curve",
            KeyError::PublicKeyOnly { .. } => "public_key_only",
            KeyError::MissingMember { .. } => "missing_member",
            KeyError::InvalidMember { .. } => "invalid_member",
            KeyError::InvalidKey { .. } => "invalid_key",
            KeyError::AlgMismatch { .. } => "alg_mismatch",
            KeyError::RsaTooSmall { .. } => "rsa_too_small",
            KeyError::Pem(_) => "pem",
        }
    }
}

/// The SHA-2 hash an RSA key signs with (RS256/384/512, PS256/384/512, RFC 7518 §3.3, §3.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sha {
    S256,
    S384,
    S512,
}

#[derive(Clone)]
enum Inner {
    Es256(p256::ecdsa::SigningKey),
    Es384(p384::ecdsa::SigningKey),
    Es512(Box<p521::ecdsa::SigningKey>),
    // Boxed: ed25519-dalek keeps the expanded secret inline, which would make every
    // SigningKey (and every jws::Signer) hundreds of bytes.
    Ed25519(Box<ed25519_dalek::SigningKey>),
    Rsa {
        key: Box<rsa::RsaPrivateKey>,
        pss: bool,
        sha: Sha,
    },
    Hs256(Zeroizing<Vec<u8>>),
}

/// A private key the harness signs with, plus an optional `kid`.
#[derive(Clone)]
pub struct SigningKey {
    inner: Inner,
    kid: Option<String>,
}

impl fmt::Debug for SigningKey {
    // Never print key material: alg, kid and the public thumbprint identify the key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("SigningKey");
        s.field("alg", &self.alg()).field("kid", &self.kid);
        if !matches!(self.inner, Inner::Hs256(_)) {
            s.field("thumbprint", &self.thumbprint());
        }
        s.finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A fresh ES256 (P-256) key from the OS random number generator.
    pub fn generate_es256() -> Self {
        Self::new(Inner::Es256(p256::ecdsa::SigningKey::random(&mut OsRng)))
    }

    /// A fresh Ed25519 key (JWS alg `EdDSA`, RFC 8037).
    pub fn generate_ed25519() -> Self {
        Self::new(Inner::Ed25519(Box::new(
            ed25519_dalek::SigningKey::generate(&mut OsRng),
        )))
    }

    /// A fresh RSA key for RS256 (use [`SigningKey::with_alg`] for PS256). Slow: seconds
    /// for 2048 bits in a debug build. Tests should prefer the fixed keys in
    /// `vectors/keys/` (see [`super::fixtures`]).
    pub fn generate_rsa(bits: usize) -> Result<Self, KeyError> {
        if bits < MIN_RSA_BITS {
            return Err(KeyError::RsaTooSmall { bits });
        }
        let key = rsa::RsaPrivateKey::new(&mut OsRng, bits).map_err(|e| KeyError::InvalidKey {
            kty: "RSA",
            reason: format!("key generation failed: {e}"),
        })?;
        Ok(Self::new(Inner::Rsa {
            key: Box::new(key),
            pss: false,
            sha: Sha::S256,
        }))
    }

    /// An HS256 key from a shared secret (at least 32 bytes, RFC 7518 §3.2). For
    /// deliberately weak or short secrets use [`super::jws::Signer::Hs256`] instead.
    pub fn hs256(secret: impl Into<Vec<u8>>) -> Result<Self, KeyError> {
        let secret = Zeroizing::new(secret.into());
        if secret.len() < MIN_HS256_SECRET_BYTES {
            return Err(KeyError::InvalidKey {
                kty: "oct",
                reason: format!(
                    "an HS256 secret must be at least {MIN_HS256_SECRET_BYTES} bytes, got {}",
                    secret.len()
                ),
            });
        }
        Ok(Self::new(Inner::Hs256(secret)))
    }

    fn new(inner: Inner) -> Self {
        SigningKey { inner, kid: None }
    }

    /// Sets the `kid` (written into `public_jwk` / `private_jwk`; callers put it in JWS
    /// headers).
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }

    /// Removes the `kid`.
    pub fn without_kid(mut self) -> Self {
        self.kid = None;
        self
    }

    /// A fresh key for a JWS `alg`: ES256, ES384, ES512, EdDSA, or one of RS256/384/512 and
    /// PS256/384/512 (a 2048-bit RSA key: slow, see [`SigningKey::generate_rsa`]).
    pub fn generate_for(alg: &str) -> Result<Self, KeyError> {
        Ok(match alg {
            "ES256" => Self::generate_es256(),
            "ES384" => Self::new(Inner::Es384(p384::ecdsa::SigningKey::random(&mut OsRng))),
            "ES512" => Self::new(Inner::Es512(Box::new(p521::ecdsa::SigningKey::random(
                &mut OsRng,
            )))),
            "EdDSA" | "Ed25519" => Self::generate_ed25519(),
            a if RSA_ALGS.contains(&a) => Self::generate_rsa(MIN_RSA_BITS)?.with_alg(a)?,
            other => {
                return Err(KeyError::AlgMismatch {
                    kty: "JWK",
                    alg: short(other),
                    supported: "ES256, ES384, ES512, EdDSA, RS256/384/512, PS256/384/512",
                })
            }
        })
    }

    /// Switches an RSA key between RS256/384/512 and PS256/384/512; any other change is an
    /// error (an EC key cannot sign EdDSA).
    pub fn with_alg(mut self, alg: &str) -> Result<Self, KeyError> {
        if alg == self.alg() {
            return Ok(self);
        }
        match &mut self.inner {
            Inner::Rsa { pss, sha, .. } if RSA_ALGS.contains(&alg) => {
                *pss = alg.starts_with("PS");
                *sha = match &alg[2..] {
                    "384" => Sha::S384,
                    "512" => Sha::S512,
                    _ => Sha::S256,
                };
                Ok(self)
            }
            _ => Err(KeyError::AlgMismatch {
                kty: self.kty(),
                alg: short(alg),
                supported: self.alg(),
            }),
        }
    }

    /// Reads a key file: a private JWK when the content is JSON, otherwise a PKCS#8 or SEC1
    /// PEM.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, KeyError> {
        let path = path.as_ref();
        let bytes = Zeroizing::new(std::fs::read(path).map_err(|source| KeyError::Io {
            path: path.to_path_buf(),
            source,
        })?);
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| KeyError::Unrecognised("the file is not UTF-8 text"))?;
        Self::from_text(text)
    }

    /// Parses key text: a private JWK when it starts with `{`, otherwise a PKCS#8 or SEC1
    /// PEM.
    pub fn from_text(text: &str) -> Result<Self, KeyError> {
        let trimmed = text.trim_start_matches('\u{feff}').trim();
        if trimmed.starts_with('{') || trimmed.starts_with('[') {
            let value: Zeroizing<String> = Zeroizing::new(trimmed.to_string());
            // serde_json's syntax errors name a line and column, never the text.
            let jwk: Value =
                serde_json::from_str(&value).map_err(|e| KeyError::BadJson(e.to_string()))?;
            Self::from_jwk(&jwk)
        } else if trimmed.contains("-----BEGIN") {
            Self::from_pem(trimmed)
        } else if trimmed.is_empty() {
            Err(KeyError::Unrecognised("the key text is empty"))
        } else {
            Err(KeyError::Unrecognised(
                "the text is neither JSON nor a PEM document",
            ))
        }
    }

    /// Loads a private JWK (RFC 7517 / RFC 7518 §6 / RFC 8037): EC P-256 / P-384 / P-521,
    /// OKP Ed25519, RSA or oct. A `kid` member becomes the key's kid; for RSA an `alg` of `PS256` selects
    /// PS256 (default RS256).
    pub fn from_jwk(jwk: &Value) -> Result<Self, KeyError> {
        let obj = match jwk {
            Value::Object(o) => o,
            _ => return Err(KeyError::NotAnObject),
        };
        if obj.contains_key("keys") && !obj.contains_key("kty") {
            return Err(KeyError::JwkSet);
        }
        let kty = match obj.get("kty") {
            Some(Value::String(s)) => s.as_str(),
            Some(_) => {
                return Err(KeyError::InvalidMember {
                    kty: "JWK",
                    member: "kty",
                    reason: "must be a string".into(),
                })
            }
            None => return Err(KeyError::MissingKty),
        };
        let alg = match obj.get("alg") {
            None => None,
            Some(Value::String(s)) => Some(s.as_str()),
            Some(_) => {
                return Err(KeyError::InvalidMember {
                    kty: "JWK",
                    member: "alg",
                    reason: "must be a string".into(),
                })
            }
        };
        let inner = match kty {
            "EC" => ec_from_jwk(obj, alg)?,
            "OKP" => okp_from_jwk(obj, alg)?,
            "RSA" => rsa_from_jwk(obj, alg)?,
            "oct" => oct_from_jwk(obj, alg)?,
            other => return Err(KeyError::UnsupportedKty(short(other))),
        };
        let kid = match obj.get("kid") {
            None => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => {
                return Err(KeyError::InvalidMember {
                    kty: static_kty(kty),
                    member: "kid",
                    reason: "must be a string".into(),
                })
            }
        };
        Ok(SigningKey { inner, kid })
    }

    /// Loads a PKCS#8 PEM private key ("-----BEGIN PRIVATE KEY-----": EC P-256 / P-384 /
    /// P-521, Ed25519 or RSA) or a SEC1 EC private key ("-----BEGIN EC PRIVATE KEY-----",
    /// RFC 5915). Other PEM kinds get an error naming the conversion to use.
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let start = pem
            .find("-----BEGIN")
            .ok_or(KeyError::Pem("no \"-----BEGIN\" line".into()))?;
        let pem = &pem[start..];
        // Cut after the first END line so that a following block (a certificate) does not
        // confuse the decoder.
        let pem = match pem.find("-----END ") {
            Some(i) => match pem[i + 9..].find("-----") {
                Some(j) => &pem[..i + 9 + j + 5],
                None => pem,
            },
            None => pem,
        };
        let label = pkcs8::der::pem::decode_label(pem.as_bytes())
            .map_err(|e| KeyError::Pem(format!("malformed PEM: {e}")))?;
        match label {
            "PRIVATE KEY" => {}
            "EC PRIVATE KEY" => {
                let (_, der) = pkcs8::der::pem::decode_vec(pem.as_bytes())
                    .map_err(|e| KeyError::Pem(format!("malformed PEM: {e}")))?;
                return Ok(Self::new(ec_from_sec1_der(&Zeroizing::new(der))?));
            }
            "PUBLIC KEY" => {
                return Err(KeyError::PublicKeyOnly {
                    kty: "PEM",
                    member: "PRIVATE KEY",
                })
            }
            "RSA PRIVATE KEY" => {
                return Err(KeyError::Pem(format!(
                    "{label} (PKCS#1) is not supported; convert it to PKCS#8 with \
                     `openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.p8.pem`"
                )))
            }
            "ENCRYPTED PRIVATE KEY" => {
                return Err(KeyError::Pem(
                    "encrypted PKCS#8 is not supported; decrypt it with \
                     `openssl pkcs8 -in KEY -out KEY.p8.pem`"
                        .into(),
                ))
            }
            other => {
                return Err(KeyError::Pem(format!(
                    "PEM label {:?} is not a PKCS#8 private key",
                    short(other)
                )))
            }
        }
        let (_, der) = pkcs8::der::pem::decode_vec(pem.as_bytes())
            .map_err(|e| KeyError::Pem(format!("malformed PEM: {e}")))?;
        let der = Zeroizing::new(der);
        let info = pkcs8::PrivateKeyInfo::from_der(&der)
            .map_err(|e| KeyError::Pem(format!("not a PKCS#8 PrivateKeyInfo: {e}")))?;
        let oid = info.algorithm.oid.to_string();
        let inner = match oid.as_str() {
            // id-ecPublicKey (RFC 5480): the curve is in the parameters
            "1.2.840.10045.2.1" => {
                let curve = info
                    .algorithm
                    .parameters_oid()
                    .map(|o| o.to_string())
                    .unwrap_or_default();
                let curve = Curve::from_oid(&curve)?;
                let rejected = |e: pkcs8::Error| KeyError::InvalidKey {
                    kty: "EC",
                    reason: format!("PKCS#8 {} key rejected: {e}", curve.name()),
                };
                match curve {
                    Curve::P256 => Inner::Es256(
                        p256::SecretKey::from_pkcs8_der(&der)
                            .map_err(rejected)?
                            .into(),
                    ),
                    Curve::P384 => Inner::Es384(
                        p384::SecretKey::from_pkcs8_der(&der)
                            .map_err(rejected)?
                            .into(),
                    ),
                    Curve::P521 => {
                        let sk = p521::SecretKey::from_pkcs8_der(&der).map_err(rejected)?;
                        p521_inner(&sk)?
                    }
                }
            }
            "1.3.101.112" => {
                let sk = ed25519_dalek::SigningKey::from_pkcs8_der(&der).map_err(|e| {
                    KeyError::InvalidKey {
                        kty: "OKP",
                        reason: format!("PKCS#8 Ed25519 key rejected: {e}"),
                    }
                })?;
                Inner::Ed25519(Box::new(sk))
            }
            "1.3.101.113" | "1.3.101.110" | "1.3.101.111" => {
                return Err(KeyError::WrongCurve {
                    kty: "OKP",
                    crv: curve_name(&oid).to_string(),
                    expected: "Ed25519",
                })
            }
            "1.2.840.113549.1.1.1" => {
                let key =
                    rsa::RsaPrivateKey::from_pkcs8_der(&der).map_err(|e| KeyError::InvalidKey {
                        kty: "RSA",
                        reason: format!("PKCS#8 RSA key rejected: {e}"),
                    })?;
                check_rsa_bits(&key)?;
                Inner::Rsa {
                    key: Box::new(key),
                    pss: false,
                    sha: Sha::S256,
                }
            }
            _ => {
                return Err(KeyError::Pem(format!(
                    "PKCS#8 key algorithm {oid} is not supported (EC P-256 / P-384 / P-521, \
                     Ed25519 or RSA)"
                )))
            }
        };
        Ok(Self::new(inner))
    }

    /// The JWS `alg` this key signs with.
    pub fn alg(&self) -> &'static str {
        match &self.inner {
            Inner::Es256(_) => "ES256",
            Inner::Es384(_) => "ES384",
            Inner::Es512(_) => "ES512",
            Inner::Ed25519(_) => "EdDSA",
            Inner::Rsa { pss, sha, .. } => match (pss, sha) {
                (false, Sha::S256) => "RS256",
                (false, Sha::S384) => "RS384",
                (false, Sha::S512) => "RS512",
                (true, Sha::S256) => "PS256",
                (true, Sha::S384) => "PS384",
                (true, Sha::S512) => "PS512",
            },
            Inner::Hs256(_) => "HS256",
        }
    }

    /// The JWK `kty` of this key.
    pub fn kty(&self) -> &'static str {
        match &self.inner {
            Inner::Es256(_) | Inner::Es384(_) | Inner::Es512(_) => "EC",
            Inner::Ed25519(_) => "OKP",
            Inner::Rsa { .. } => "RSA",
            Inner::Hs256(_) => "oct",
        }
    }

    /// True for HS256: there is no public key to publish or put in `cnf`.
    pub fn is_symmetric(&self) -> bool {
        matches!(self.inner, Inner::Hs256(_))
    }

    /// The key's `kid`, if it has one.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The JWS signature over `signing_input` (RFC 7515 §5.1): ES256 as the fixed 64-byte
    /// r||s of RFC 7518 §3.4, EdDSA per RFC 8037 §3.1, RS256 / PS256 per RFC 7518 §3.3 /
    /// §3.5 (salt length 32), HS256 per §3.2.
    ///
    /// Infallible: every constructor checks what could make signing fail (curve, RSA size).
    pub fn sign(&self, signing_input: &[u8]) -> Vec<u8> {
        use rsa::signature::{RandomizedSigner as _, SignatureEncoding as _, Signer as _};
        match &self.inner {
            Inner::Es256(key) => {
                let sig: p256::ecdsa::Signature = key.sign(signing_input);
                sig.to_bytes().to_vec()
            }
            // RFC 7518 §3.4: r||s, each the size of the curve's order (48, 66 octets).
            Inner::Es384(key) => {
                let sig: p384::ecdsa::Signature = key.sign(signing_input);
                sig.to_bytes().to_vec()
            }
            Inner::Es512(key) => {
                // p521 signs with a random nonce (it implements only the randomized signer).
                let sig: p521::ecdsa::Signature = key.sign_with_rng(&mut OsRng, signing_input);
                sig.to_bytes().to_vec()
            }
            Inner::Ed25519(key) => key.sign(signing_input).to_bytes().to_vec(),
            // Randomized (blinded) signing keeps the private-key operation's timing
            // independent of the key.
            Inner::Rsa { key, pss, sha } => {
                let key = (**key).clone();
                match (pss, sha) {
                    (false, Sha::S256) => rsa::pkcs1v15::SigningKey::<Sha256>::new(key)
                        .sign_with_rng(&mut OsRng, signing_input)
                        .to_vec(),
                    (false, Sha::S384) => rsa::pkcs1v15::SigningKey::<sha2::Sha384>::new(key)
                        .sign_with_rng(&mut OsRng, signing_input)
                        .to_vec(),
                    (false, Sha::S512) => rsa::pkcs1v15::SigningKey::<sha2::Sha512>::new(key)
                        .sign_with_rng(&mut OsRng, signing_input)
                        .to_vec(),
                    (true, Sha::S256) => rsa::pss::BlindedSigningKey::<Sha256>::new(key)
                        .sign_with_rng(&mut OsRng, signing_input)
                        .to_vec(),
                    (true, Sha::S384) => rsa::pss::BlindedSigningKey::<sha2::Sha384>::new(key)
                        .sign_with_rng(&mut OsRng, signing_input)
                        .to_vec(),
                    (true, Sha::S512) => rsa::pss::BlindedSigningKey::<sha2::Sha512>::new(key)
                        .sign_with_rng(&mut OsRng, signing_input)
                        .to_vec(),
                }
            }
            Inner::Hs256(secret) => hs256(secret, signing_input),
        }
    }

    /// The public JWK: the required members of RFC 7518 §6 / RFC 8037 §2 plus `kid` when
    /// set. For HS256 there is no public key: the result is `{"kty":"oct"}` (+ `kid`),
    /// without the secret.
    pub fn public_jwk(&self) -> Value {
        let mut m = Map::new();
        match &self.inner {
            Inner::Es256(_) | Inner::Es384(_) | Inner::Es512(_) => {
                let (crv, x, y) = ec_public(&self.inner);
                m.insert("kty".into(), json!("EC"));
                m.insert("crv".into(), json!(crv.name()));
                m.insert("x".into(), json!(b64::encode(x)));
                m.insert("y".into(), json!(b64::encode(y)));
            }
            Inner::Ed25519(key) => {
                m.insert("kty".into(), json!("OKP"));
                m.insert("crv".into(), json!("Ed25519"));
                m.insert(
                    "x".into(),
                    json!(b64::encode(key.verifying_key().to_bytes())),
                );
            }
            Inner::Rsa { key, .. } => {
                m.insert("kty".into(), json!("RSA"));
                m.insert("n".into(), json!(b64::encode(key.n().to_bytes_be())));
                m.insert("e".into(), json!(b64::encode(key.e().to_bytes_be())));
            }
            Inner::Hs256(_) => {
                m.insert("kty".into(), json!("oct"));
            }
        }
        if let Some(kid) = &self.kid {
            m.insert("kid".into(), json!(kid));
        }
        Value::Object(m)
    }

    /// The private JWK: the public members, the private members and `alg` (so that an RSA
    /// key keeps its PS256 choice through a file), plus `kid` when set.
    pub fn private_jwk(&self) -> Value {
        let mut v = self.public_jwk();
        let m = v.as_object_mut().expect("public_jwk returns an object");
        match &self.inner {
            Inner::Es256(key) => {
                m.insert("d".into(), json!(b64::encode(key.to_bytes())));
            }
            Inner::Es384(key) => {
                m.insert("d".into(), json!(b64::encode(key.to_bytes())));
            }
            Inner::Es512(key) => {
                m.insert("d".into(), json!(b64::encode(key.to_bytes())));
            }
            Inner::Ed25519(key) => {
                m.insert("d".into(), json!(b64::encode(key.to_bytes())));
            }
            Inner::Rsa { key, .. } => {
                m.insert("d".into(), json!(b64::encode(key.d().to_bytes_be())));
                let primes = key.primes();
                if primes.len() == 2 {
                    m.insert("p".into(), json!(b64::encode(primes[0].to_bytes_be())));
                    m.insert("q".into(), json!(b64::encode(primes[1].to_bytes_be())));
                    if let (Some(dp), Some(dq), Some(qi)) = (key.dp(), key.dq(), key.qinv()) {
                        m.insert("dp".into(), json!(b64::encode(dp.to_bytes_be())));
                        m.insert("dq".into(), json!(b64::encode(dq.to_bytes_be())));
                        // qinv is a signed BigInt; precompute() keeps it in [0, p).
                        let (_, qi) = qi.to_bytes_be();
                        m.insert("qi".into(), json!(b64::encode(qi)));
                    }
                }
            }
            Inner::Hs256(secret) => {
                m.insert("k".into(), json!(b64::encode(secret.as_slice())));
            }
        }
        m.insert("alg".into(), json!(self.alg()));
        v
    }

    /// The RFC 7638 thumbprint of the public key (for HS256, of the oct key with its
    /// secret, as RFC 7638 §3.2 defines it).
    pub fn thumbprint(&self) -> String {
        let jwk = match &self.inner {
            Inner::Hs256(_) => self.private_jwk(),
            _ => self.public_jwk(),
        };
        // The JWKs built above always carry every required member as a string.
        thumbprint::thumbprint(&jwk).unwrap_or_default()
    }
}

/// HMAC-SHA256 of `data` under `secret` (any length: HMAC accepts all key sizes).
pub(crate) fn hs256(secret: &[u8], data: &[u8]) -> Vec<u8> {
    use hmac::Mac as _;
    let mut mac = <hmac::Hmac<Sha256> as hmac::Mac>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// The NIST curves the harness signs on, one per ECDSA algorithm (RFC 7518 §3.4, §6.2.1.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Curve {
    P256,
    P384,
    P521,
}

impl Curve {
    /// The curves a key file may hold, as the error for any other curve names them.
    const SUPPORTED: &'static str = "P-256, P-384 or P-521";

    /// The JWK `crv` name (RFC 7518 §6.2.1.1).
    fn name(self) -> &'static str {
        match self {
            Curve::P256 => "P-256",
            Curve::P384 => "P-384",
            Curve::P521 => "P-521",
        }
    }

    /// The JWS `alg` of the curve (RFC 7518 §3.4: ES256 on P-256, ES384 on P-384, ES512 on
    /// P-521).
    fn alg(self) -> &'static str {
        match self {
            Curve::P256 => "ES256",
            Curve::P384 => "ES384",
            Curve::P521 => "ES512",
        }
    }

    /// Octets of a coordinate and of `d` (RFC 7518 §6.2.1.2, §6.2.2.1: the full field size,
    /// 66 for P-521).
    fn size(self) -> usize {
        match self {
            Curve::P256 => 32,
            Curve::P384 => 48,
            Curve::P521 => 66,
        }
    }

    fn from_crv(crv: &str) -> Option<Curve> {
        [Curve::P256, Curve::P384, Curve::P521]
            .into_iter()
            .find(|c| c.name() == crv)
    }

    /// The named curve of a PKCS#8 / SEC1 EC key (RFC 5480 §2.1.1.1); any other curve is a
    /// [`KeyError::WrongCurve`] naming it.
    fn from_oid(oid: &str) -> Result<Curve, KeyError> {
        match oid {
            "1.2.840.10045.3.1.7" => Ok(Curve::P256),
            "1.3.132.0.34" => Ok(Curve::P384),
            "1.3.132.0.35" => Ok(Curve::P521),
            other => Err(KeyError::WrongCurve {
                kty: "EC",
                crv: curve_name(other).to_string(),
                expected: Curve::SUPPORTED,
            }),
        }
    }
}

/// The curve and public point coordinates of an EC key (for any other key: never called).
fn ec_public(inner: &Inner) -> (Curve, Vec<u8>, Vec<u8>) {
    // An uncompressed point of a valid key always has both coordinates.
    fn xy(x: Option<&[u8]>, y: Option<&[u8]>) -> (Vec<u8>, Vec<u8>) {
        (
            x.map(<[u8]>::to_vec).unwrap_or_default(),
            y.map(<[u8]>::to_vec).unwrap_or_default(),
        )
    }
    match inner {
        Inner::Es256(key) => {
            let p = key.verifying_key().to_encoded_point(false);
            let (x, y) = xy(p.x().map(|v| &v[..]), p.y().map(|v| &v[..]));
            (Curve::P256, x, y)
        }
        Inner::Es384(key) => {
            let p = key.verifying_key().to_encoded_point(false);
            let (x, y) = xy(p.x().map(|v| &v[..]), p.y().map(|v| &v[..]));
            (Curve::P384, x, y)
        }
        Inner::Es512(key) => {
            let p = p521::ecdsa::VerifyingKey::from(&**key).to_encoded_point(false);
            let (x, y) = xy(p.x().map(|v| &v[..]), p.y().map(|v| &v[..]));
            (Curve::P521, x, y)
        }
        _ => unreachable!("ec_public is called for EC keys only"),
    }
}

/// An EC signing key from its private scalar `d` (big-endian, the curve's size).
fn ec_from_scalar(curve: Curve, d: &[u8]) -> Result<Inner, KeyError> {
    let invalid = || KeyError::InvalidKey {
        kty: "EC",
        reason: format!(
            "d is not a valid {} private scalar (zero or not below the group order)",
            curve.name()
        ),
    };
    Ok(match curve {
        Curve::P256 => Inner::Es256(p256::ecdsa::SigningKey::from_slice(d).map_err(|_| invalid())?),
        Curve::P384 => Inner::Es384(p384::ecdsa::SigningKey::from_slice(d).map_err(|_| invalid())?),
        Curve::P521 => Inner::Es512(Box::new(
            p521::ecdsa::SigningKey::from_slice(d).map_err(|_| invalid())?,
        )),
    })
}

fn p521_inner(sk: &p521::SecretKey) -> Result<Inner, KeyError> {
    // p521's SigningKey has no From<SecretKey>: go through the scalar.
    ec_from_scalar(Curve::P521, &Zeroizing::new(sk.to_bytes().to_vec()))
}

/// A SEC1 `ECPrivateKey` (RFC 5915 §3) on one of the supported curves.
fn ec_from_sec1_der(der: &[u8]) -> Result<Inner, KeyError> {
    use sec1::der::Decode as _;
    let key = sec1::EcPrivateKey::from_der(der)
        .map_err(|e| KeyError::Pem(format!("not a SEC1 ECPrivateKey: {e}")))?;
    // RFC 5915 §3: "implementations that conform to this document MUST always include the
    // parameters field"; without it the curve could only be guessed from the length of d.
    let oid = key
        .parameters
        .and_then(|p| p.named_curve())
        .ok_or_else(|| {
            KeyError::Pem("the SEC1 EC key names no curve (parameters are missing)".into())
        })?;
    let curve = Curve::from_oid(&oid.to_string())?;
    let rejected = |e: p256::elliptic_curve::Error| KeyError::InvalidKey {
        kty: "EC",
        reason: format!("SEC1 {} key rejected: {e}", curve.name()),
    };
    // The crates check d against the order and, when present, the public key against d.
    Ok(match curve {
        Curve::P256 => Inner::Es256(
            p256::SecretKey::from_sec1_der(der)
                .map_err(rejected)?
                .into(),
        ),
        Curve::P384 => Inner::Es384(
            p384::SecretKey::from_sec1_der(der)
                .map_err(rejected)?
                .into(),
        ),
        Curve::P521 => p521_inner(&p521::SecretKey::from_sec1_der(der).map_err(rejected)?)?,
    })
}

fn short(s: &str) -> String {
    s.chars().take(24).collect()
}

fn static_kty(kty: &str) -> &'static str {
    match kty {
        "EC" => "EC",
        "OKP" => "OKP",
        "RSA" => "RSA",
        "oct" => "oct",
        _ => "JWK",
    }
}

fn curve_name(oid: &str) -> &str {
    match oid {
        "1.3.132.0.34" => "P-384",
        "1.3.132.0.35" => "P-521",
        "1.3.132.0.10" => "secp256k1",
        "1.3.101.113" => "Ed448",
        "1.3.101.110" => "X25519",
        "1.3.101.111" => "X448",
        "" => "(none)",
        other => other,
    }
}

/// A string member of a JWK, decoded from base64url.
fn member(
    obj: &Map<String, Value>,
    kty: &'static str,
    member: &'static str,
) -> Result<Option<Zeroizing<Vec<u8>>>, KeyError> {
    match obj.get(member) {
        None => Ok(None),
        Some(Value::String(s)) => b64::decode(s)
            .map(|v| Some(Zeroizing::new(v)))
            // The decoder's message names a character and an offset; for a private
            // member that would leak part of the key, so no detail is given.
            .map_err(|_| KeyError::InvalidMember {
                kty,
                member,
                reason: "not valid base64url (URL-safe alphabet, no padding)".into(),
            }),
        Some(_) => Err(KeyError::InvalidMember {
            kty,
            member,
            reason: "must be a string".into(),
        }),
    }
}

fn required(
    obj: &Map<String, Value>,
    kty: &'static str,
    name: &'static str,
) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    member(obj, kty, name)?.ok_or(KeyError::MissingMember { kty, member: name })
}

fn private(
    obj: &Map<String, Value>,
    kty: &'static str,
    name: &'static str,
) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    member(obj, kty, name)?.ok_or(KeyError::PublicKeyOnly { kty, member: name })
}

fn check_crv(
    obj: &Map<String, Value>,
    kty: &'static str,
    expected: &'static str,
) -> Result<(), KeyError> {
    match obj.get("crv") {
        Some(Value::String(c)) if c == expected => Ok(()),
        Some(Value::String(c)) => Err(KeyError::WrongCurve {
            kty,
            crv: short(c),
            expected,
        }),
        Some(_) => Err(KeyError::InvalidMember {
            kty,
            member: "crv",
            reason: "must be a string".into(),
        }),
        None => Err(KeyError::MissingMember { kty, member: "crv" }),
    }
}

fn check_alg(
    alg: Option<&str>,
    kty: &'static str,
    allowed: &[&str],
    supported: &'static str,
) -> Result<(), KeyError> {
    match alg {
        Some(a) if !allowed.contains(&a) => Err(KeyError::AlgMismatch {
            kty,
            alg: short(a),
            supported,
        }),
        _ => Ok(()),
    }
}

fn exact_len(
    bytes: &[u8],
    kty: &'static str,
    member: &'static str,
    len: usize,
) -> Result<(), KeyError> {
    if bytes.len() == len {
        Ok(())
    } else {
        Err(KeyError::InvalidMember {
            kty,
            member,
            reason: format!("must be {len} bytes, got {}", bytes.len()),
        })
    }
}

// RFC 7518 §6.2: crv, x, y and (private) d; all full length (§6.2.1.2, §6.2.2.1). The
// curve fixes the algorithm (§3.4), so an `alg` of another curve is refused.
fn ec_from_jwk(obj: &Map<String, Value>, alg: Option<&str>) -> Result<Inner, KeyError> {
    const KTY: &str = "EC";
    let curve = match obj.get("crv") {
        Some(Value::String(c)) => Curve::from_crv(c).ok_or_else(|| KeyError::WrongCurve {
            kty: KTY,
            crv: short(c),
            expected: Curve::SUPPORTED,
        })?,
        Some(_) => {
            return Err(KeyError::InvalidMember {
                kty: KTY,
                member: "crv",
                reason: "must be a string".into(),
            })
        }
        None => {
            return Err(KeyError::MissingMember {
                kty: KTY,
                member: "crv",
            })
        }
    };
    check_alg(alg, KTY, &[curve.alg()], curve.alg())?;
    let x = required(obj, KTY, "x")?;
    let y = required(obj, KTY, "y")?;
    let d = private(obj, KTY, "d")?;
    exact_len(&x, KTY, "x", curve.size())?;
    exact_len(&y, KTY, "y", curve.size())?;
    exact_len(&d, KTY, "d", curve.size())?;
    let inner = ec_from_scalar(curve, &d)?;
    let (_, dx, dy) = ec_public(&inner);
    if dx != *x || dy != *y {
        return Err(KeyError::InvalidKey {
            kty: KTY,
            reason: "x/y are not the public key of d".into(),
        });
    }
    Ok(inner)
}

// RFC 8037 §2: crv, x and (private) d, 32 bytes each for Ed25519.
fn okp_from_jwk(obj: &Map<String, Value>, alg: Option<&str>) -> Result<Inner, KeyError> {
    const KTY: &str = "OKP";
    check_crv(obj, KTY, "Ed25519")?;
    // "Ed25519" is the fully-specified name of RFC 9864 for the same algorithm.
    check_alg(alg, KTY, &["EdDSA", "Ed25519"], "EdDSA")?;
    let x = required(obj, KTY, "x")?;
    let d = private(obj, KTY, "d")?;
    exact_len(&x, KTY, "x", 32)?;
    exact_len(&d, KTY, "d", 32)?;
    let mut seed = Zeroizing::new([0u8; 32]);
    seed.copy_from_slice(&d);
    let key = ed25519_dalek::SigningKey::from_bytes(&seed);
    if key.verifying_key().to_bytes().as_slice() != x.as_slice() {
        return Err(KeyError::InvalidKey {
            kty: KTY,
            reason: "x is not the public key of d".into(),
        });
    }
    Ok(Inner::Ed25519(Box::new(key)))
}

// RFC 7518 §6.3: n, e, d; p and q optional (the rsa crate recovers them from n, e, d).
fn rsa_from_jwk(obj: &Map<String, Value>, alg: Option<&str>) -> Result<Inner, KeyError> {
    const KTY: &str = "RSA";
    check_alg(alg, KTY, &["RS256", "PS256"], "RS256, PS256")?;
    let n = required(obj, KTY, "n")?;
    let e = required(obj, KTY, "e")?;
    let d = private(obj, KTY, "d")?;
    let p = member(obj, KTY, "p")?;
    let q = member(obj, KTY, "q")?;
    let primes = match (p, q) {
        (Some(p), Some(q)) => vec![BigUint::from_bytes_be(&p), BigUint::from_bytes_be(&q)],
        (None, None) => vec![],
        (Some(_), None) => {
            return Err(KeyError::MissingMember {
                kty: KTY,
                member: "q",
            })
        }
        (None, Some(_)) => {
            return Err(KeyError::MissingMember {
                kty: KTY,
                member: "p",
            })
        }
    };
    let bits = BigUint::from_bytes_be(&n).bits();
    if bits < MIN_RSA_BITS {
        return Err(KeyError::RsaTooSmall { bits });
    }
    let key = rsa::RsaPrivateKey::from_components(
        BigUint::from_bytes_be(&n),
        BigUint::from_bytes_be(&e),
        BigUint::from_bytes_be(&d),
        primes,
    )
    .map_err(|e| KeyError::InvalidKey {
        kty: KTY,
        reason: format!("inconsistent RSA components: {e}"),
    })?;
    check_rsa_bits(&key)?;
    Ok(Inner::Rsa {
        key: Box::new(key),
        pss: alg == Some("PS256"),
        sha: Sha::S256,
    })
}

fn check_rsa_bits(key: &rsa::RsaPrivateKey) -> Result<(), KeyError> {
    let bits = key.n().bits();
    if bits < MIN_RSA_BITS {
        Err(KeyError::RsaTooSmall { bits })
    } else {
        Ok(())
    }
}

// RFC 7518 §6.4: k.
fn oct_from_jwk(obj: &Map<String, Value>, alg: Option<&str>) -> Result<Inner, KeyError> {
    const KTY: &str = "oct";
    check_alg(alg, KTY, &["HS256"], "HS256")?;
    let k = private(obj, KTY, "k")?;
    Ok(SigningKey::hs256(k.to_vec())?.inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 7515 appendix A.3.1
    fn rfc7515_a3() -> Value {
        json!({"kty": "EC", "crv": "P-256",
            "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
            "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
            "d": "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"})
    }

    fn err(v: Value) -> KeyError {
        SigningKey::from_jwk(&v).expect_err("the key should be refused")
    }

    #[test]
    fn ec_jwk_round_trips() {
        let key = SigningKey::from_jwk(&rfc7515_a3()).unwrap();
        assert_eq!(key.alg(), "ES256");
        assert_eq!(key.kid(), None);
        let private = key.private_jwk();
        assert_eq!(private["d"], rfc7515_a3()["d"]);
        assert_eq!(private["x"], rfc7515_a3()["x"]);
        let public = key.public_jwk();
        assert!(public.get("d").is_none());
        assert_eq!(public["y"], rfc7515_a3()["y"]);
        let again = SigningKey::from_jwk(&private).unwrap();
        assert_eq!(again.public_jwk(), public);
    }

    #[test]
    fn es256_signature_is_64_bytes() {
        let key = SigningKey::generate_es256();
        assert_eq!(key.sign(b"abc").len(), 64);
    }

    #[test]
    fn generated_keys_reload_from_their_private_jwk() {
        for key in [
            SigningKey::generate_es256().with_kid("a"),
            SigningKey::generate_for("ES384").unwrap().with_kid("c"),
            SigningKey::generate_for("ES512").unwrap(),
            SigningKey::generate_ed25519().with_kid("b"),
            SigningKey::hs256([7u8; 32]).unwrap(),
        ] {
            let again = SigningKey::from_jwk(&key.private_jwk()).unwrap();
            assert_eq!(again.alg(), key.alg());
            assert_eq!(again.kid(), key.kid());
            assert_eq!(again.private_jwk(), key.private_jwk());
            assert_eq!(again.thumbprint(), key.thumbprint());
        }
    }

    #[test]
    fn wrong_curve_is_named() {
        // secp256k1 (RFC 8812 §3.1) is a JOSE curve the harness does not sign on.
        let e = err(json!({"kty": "EC", "crv": "secp256k1", "x": "AA", "y": "AA", "d": "AA"}));
        assert_eq!(e.kind(), "wrong_curve");
        assert!(e.to_string().contains("secp256k1"), "{e}");
        assert!(e.to_string().contains("P-256, P-384 or P-521"), "{e}");
        let e = err(json!({"kty": "OKP", "crv": "Ed448", "x": "AA", "d": "AA"}));
        assert_eq!(e.kind(), "wrong_curve");
    }

    #[test]
    fn public_key_is_not_a_signing_key() {
        let mut jwk = rfc7515_a3();
        jwk.as_object_mut().unwrap().remove("d");
        let e = err(jwk);
        assert!(matches!(
            e,
            KeyError::PublicKeyOnly {
                kty: "EC",
                member: "d"
            }
        ));
        assert!(e.to_string().contains("public key"), "{e}");
        let e = err(json!({"kty": "oct"}));
        assert_eq!(e.kind(), "public_key_only");
    }

    #[test]
    fn missing_and_bad_members() {
        let mut jwk = rfc7515_a3();
        jwk.as_object_mut().unwrap().remove("y");
        assert!(matches!(
            err(jwk),
            KeyError::MissingMember {
                kty: "EC",
                member: "y"
            }
        ));
        assert_eq!(err(json!({"crv": "P-256"})).kind(), "missing_kty");
        let mut jwk = rfc7515_a3();
        jwk["crv"] = json!(null);
        assert_eq!(err(jwk).kind(), "invalid_member");
        let mut jwk = rfc7515_a3();
        jwk.as_object_mut().unwrap().remove("crv");
        assert_eq!(err(jwk).kind(), "missing_member");
        // d of the wrong length, and d that does not belong to x/y
        let mut jwk = rfc7515_a3();
        jwk["d"] = json!("AAAA");
        assert_eq!(err(jwk).kind(), "invalid_member");
        let mut jwk = rfc7515_a3();
        jwk["d"] = json!(b64::encode([1u8; 32]));
        assert_eq!(err(jwk).kind(), "invalid_key");
        // d = 0 is not a scalar
        let mut jwk = rfc7515_a3();
        jwk["d"] = json!(b64::encode([0u8; 32]));
        assert_eq!(err(jwk).kind(), "invalid_key");
        assert_eq!(
            err(json!({"kty": "EC", "alg": "ES384", "crv": "P-256"})).kind(),
            "alg_mismatch"
        );
        assert_eq!(err(json!({"kty": "XYZ"})).kind(), "unsupported_kty");
        assert_eq!(err(json!("EC")).kind(), "not_an_object");
        assert_eq!(err(json!({"keys": []})).kind(), "jwk_set");
        assert_eq!(
            err(json!({"kty": "oct", "k": "c2hvcnQ"})).kind(),
            "invalid_key"
        );
        assert_eq!(
            err(json!({"kty": "RSA", "n": "AQAB", "e": "AQAB", "d": "AQAB"})).kind(),
            "rsa_too_small"
        );
    }

    #[test]
    fn errors_never_contain_private_material() {
        let d = "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI";
        let mut cases = vec![];
        // bad base64 in d: the decoder would name the offending character
        let mut jwk = rfc7515_a3();
        jwk["d"] = json!(format!("{}+", &d[..42]));
        cases.push(err(jwk));
        // mismatching x
        let mut jwk = rfc7515_a3();
        jwk["x"] = json!("x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0");
        cases.push(err(jwk));
        let mut jwk = rfc7515_a3();
        jwk["crv"] = json!("secp256k1");
        cases.push(err(jwk));
        // a P-256 key named P-384: the lengths do not fit
        let mut jwk = rfc7515_a3();
        jwk["crv"] = json!("P-384");
        cases.push(err(jwk));
        for e in cases {
            let text = format!("{e} {e:?}");
            assert!(!text.contains(&d[..8]), "{text}");
        }
        let key = SigningKey::from_jwk(&rfc7515_a3()).unwrap();
        assert!(!format!("{key:?}").contains(&d[..8]));
    }

    #[test]
    fn text_garbage_is_unrecognised() {
        for (text, kind) in [
            ("", "unrecognised"),
            ("hello", "unrecognised"),
            ("{not json", "bad_json"),
            (
                "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
                "pem",
            ),
            (
                "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
                "public_key_only",
            ),
            (
                "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n",
                "pem",
            ),
            (
                "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
                "pem",
            ),
        ] {
            let e = SigningKey::from_text(text).expect_err(text);
            assert_eq!(e.kind(), kind, "{text:?}: {e}");
        }
    }

    #[test]
    fn rsa_alg_switches_only_between_rs256_and_ps256() {
        let ec = SigningKey::generate_es256();
        assert_eq!(ec.clone().with_alg("ES256").unwrap().alg(), "ES256");
        assert_eq!(ec.with_alg("RS256").unwrap_err().kind(), "alg_mismatch");
    }

    fn vector(rel: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../vectors/keys")
            .join(rel)
    }

    #[test]
    fn pkcs8_pem_gives_the_same_key_as_the_jwk() {
        // The PEM files were written by another implementation (Python cryptography) from
        // the JWKs, so this also cross-checks both parsers.
        for (pem, jwk) in [
            ("pem/attester.es256.pkcs8.pem", "attester.es256.jwk.json"),
            ("pem/attester.es256.sec1.pem", "attester.es256.jwk.json"),
            ("pem/attester.es384.pkcs8.pem", "attester.es384.jwk.json"),
            ("pem/attester.es384.sec1.pem", "attester.es384.jwk.json"),
            ("pem/attester.es512.pkcs8.pem", "attester.es512.jwk.json"),
            ("pem/attester.es512.sec1.pem", "attester.es512.jwk.json"),
            ("pem/attester.eddsa.pkcs8.pem", "attester.eddsa.jwk.json"),
            ("pem/attester.rs256.pkcs8.pem", "attester.rs256.jwk.json"),
        ] {
            let from_pem = SigningKey::from_file(vector(pem)).unwrap();
            let from_jwk = SigningKey::from_file(vector(jwk)).unwrap();
            assert_eq!(from_pem.alg(), from_jwk.alg());
            assert_eq!(from_pem.kid(), None, "PEM carries no kid");
            assert_eq!(from_pem.thumbprint(), from_jwk.thumbprint(), "{pem}");
            let mut private = from_jwk.private_jwk();
            private.as_object_mut().unwrap().remove("kid");
            assert_eq!(from_pem.private_jwk(), private, "{pem}");
        }
    }

    #[test]
    fn other_pem_kinds_get_a_precise_error() {
        for (file, kind, says) in [
            ("pem/attester.rs256.pkcs1.pem", "pem", "openssl pkcs8"),
            (
                "pem/attester.es256.public.pem",
                "public_key_only",
                "public key",
            ),
            (
                "pem/wrong-curve.secp256k1.pkcs8.pem",
                "wrong_curve",
                "secp256k1",
            ),
            (
                "pem/wrong-curve.secp256k1.sec1.pem",
                "wrong_curve",
                "secp256k1",
            ),
            ("wrong-curve.secp256k1.jwk.json", "wrong_curve", "secp256k1"),
        ] {
            let e = SigningKey::from_file(vector(file)).unwrap_err();
            assert_eq!(e.kind(), kind, "{file}: {e}");
            assert!(e.to_string().contains(says), "{file}: {e}");
        }
        let e = SigningKey::from_file(vector("no-such-file.json")).unwrap_err();
        assert_eq!(e.kind(), "io");
        assert!(e.to_string().contains("no-such-file.json"), "{e}");
    }

    #[test]
    fn p384_and_p521_keys_from_files_sign_and_verify() {
        for (file, alg, sig_len) in [
            ("attester.es384.jwk.json", "ES384", 96),
            ("pem/attester.es384.pkcs8.pem", "ES384", 96),
            ("pem/attester.es384.sec1.pem", "ES384", 96),
            ("attester.es512.jwk.json", "ES512", 132),
            ("pem/attester.es512.pkcs8.pem", "ES512", 132),
            ("pem/attester.es512.sec1.pem", "ES512", 132),
        ] {
            let key = SigningKey::from_file(vector(file)).unwrap();
            assert_eq!(key.alg(), alg, "{file}");
            assert_eq!(key.kty(), "EC", "{file}");
            assert_eq!(key.sign(b"header.payload").len(), sig_len, "{file}");
            let public = key.public_jwk();
            assert!(public.get("d").is_none(), "{file}");
            let claims = json!({"iss": "a"}).as_object().unwrap().clone();
            let token =
                crate::jose::jws::sign(&crate::jose::jws::header("JWT", alg), &claims, &key);
            assert_eq!(
                crate::jose::jws::verify(&token, &public),
                Ok(true),
                "{file}"
            );
            // the same signature under other claims does not verify
            let (head, rest) = token.split_once('.').unwrap();
            let sig = rest.split_once('.').unwrap().1;
            let forged = format!("{head}.{}.{sig}", b64::encode(br#"{"iss":"b"}"#));
            assert_eq!(
                crate::jose::jws::verify(&forged, &public),
                Ok(false),
                "{file}"
            );
        }
        let jwk = SigningKey::from_file(vector("attester.es384.jwk.json")).unwrap();
        assert_eq!(jwk.kid(), Some("attester-es384"));
    }

    #[test]
    fn ec_alg_must_fit_the_curve() {
        let text = std::fs::read_to_string(vector("attester.es384.jwk.json")).unwrap();
        let mut jwk: Value = serde_json::from_str(&text).unwrap();
        jwk["alg"] = json!("ES384");
        assert_eq!(SigningKey::from_jwk(&jwk).unwrap().alg(), "ES384");
        for wrong in ["ES256", "ES512", "RS256"] {
            jwk["alg"] = json!(wrong);
            let e = err(jwk.clone());
            assert!(
                matches!(
                    &e,
                    KeyError::AlgMismatch {
                        kty: "EC",
                        supported: "ES384",
                        ..
                    }
                ),
                "{wrong}: {e}"
            );
        }
        // P-521 coordinates are 66 octets (RFC 7518 §6.2.1.2), not 65 or 64.
        let text = std::fs::read_to_string(vector("attester.es512.jwk.json")).unwrap();
        let mut jwk: Value = serde_json::from_str(&text).unwrap();
        let x = b64::decode(jwk["x"].as_str().unwrap()).unwrap();
        jwk["x"] = json!(b64::encode(&x[1..]));
        assert!(matches!(
            err(jwk),
            KeyError::InvalidMember {
                kty: "EC",
                member: "x",
                ..
            }
        ));
    }

    #[test]
    fn pem_with_surrounding_text_loads() {
        let pem = std::fs::read_to_string(vector("pem/attester.es256.pkcs8.pem")).unwrap();
        let text = format!("Bag Attributes: test\n{pem}-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        assert_eq!(SigningKey::from_pem(&text).unwrap().alg(), "ES256");
    }

    proptest::proptest! {
        // Arbitrary member values never panic the loader.
        #[test]
        fn from_jwk_never_panics(
            kty in proptest::sample::select(vec!["EC", "OKP", "RSA", "oct", "x"]),
            crv in proptest::sample::select(vec!["P-256", "Ed25519", "P-384", "P-521", "secp256k1", ""]),
            a in "[A-Za-z0-9_-]{0,50}",
            b in "[A-Za-z0-9_-]{0,50}",
            c in "[A-Za-z0-9_-]{0,50}",
        ) {
            let jwk = json!({"kty": kty, "crv": crv, "x": a, "y": b, "d": c,
                "n": a, "e": b, "k": c});
            let _ = SigningKey::from_jwk(&jwk);
        }

        #[test]
        fn from_text_never_panics(text: String) {
            let _ = SigningKey::from_text(&text);
        }
    }
}
