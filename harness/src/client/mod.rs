//! The client engine: keys, and the three JWTs a valid request carries.
pub mod attestation;
pub mod dpop;
pub mod draft;
pub mod issued;
pub mod keys;
pub mod pop;
pub mod token;
pub mod x5c;

/// A fresh unique identifier for `jti` (128 random bits, base64url).
pub fn fresh_id() -> String {
    let bytes: [u8; 16] = rand::random();
    crate::jose::b64::encode(bytes)
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
