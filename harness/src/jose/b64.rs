//! base64url without padding (RFC 7515 §2, "Base64url Encoding").
//!
//! Decoding is strict: padding characters, characters outside the URL-safe alphabet and
//! non-canonical trailing bits are errors, never panics. The harness decodes what servers
//! and users hand it, so every failure must come back as a value.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

/// A base64url string that could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid base64url: {reason}")]
pub struct B64Error {
    reason: String,
}

/// Encodes bytes as base64url without padding.
pub fn encode(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes base64url without padding.
pub fn decode(text: impl AsRef<[u8]>) -> Result<Vec<u8>, B64Error> {
    URL_SAFE_NO_PAD.decode(text).map_err(|e| B64Error {
        // DecodeError's text names the offending offset and byte, never the whole input.
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4648_test_vectors_round_trip() {
        // RFC 4648 §10, without padding.
        for (plain, enc) in [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(encode(plain), enc);
            assert_eq!(decode(enc).unwrap(), plain.as_bytes());
        }
    }

    #[test]
    fn url_safe_alphabet_is_used() {
        assert_eq!(encode([0xfb, 0xff]), "-_8");
        assert_eq!(decode("-_8").unwrap(), [0xfb, 0xff]);
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        // padding, standard-alphabet characters, impossible length, non-canonical tail bits,
        // whitespace and non-ASCII bytes
        for bad in ["Zg==", "+/8", "Z", "Zh", "Zm9v Yg", "Zm9v\u{e9}", "a.b"] {
            assert!(decode(bad).is_err(), "{bad:?} should not decode");
        }
        assert!(decode([0xff, 0xfe, 0x00]).is_err());
    }

    proptest::proptest! {
        #[test]
        fn round_trip(bytes: Vec<u8>) {
            proptest::prop_assert_eq!(decode(encode(&bytes)).unwrap(), bytes);
        }

        #[test]
        fn decode_never_panics(text: String) {
            let _ = decode(&text);
        }
    }
}
