//! The harness's JOSE layer: base64url, signing keys, RFC 7638 thumbprints and a JWS
//! compact builder that can build malformed tokens on purpose.
//!
//! Signing uses RustCrypto (p256, ed25519-dalek, rsa, hmac); the reference AS verifies
//! with ring. docs/design.md, "Architecture": the two never share JOSE code.

pub mod b64;
pub mod fixtures;
pub mod jws;
pub mod key;
pub mod spki;
pub mod thumbprint;

pub use jws::{JwsBuilder, JwsError, Segment, Signer, Tamper};
pub use key::{KeyError, SigningKey};
pub use thumbprint::{thumbprint, ThumbprintError};
