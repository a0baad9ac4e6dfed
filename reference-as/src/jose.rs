//! Minimal JOSE compact-serialization parsing (RFC 7515 §7.1), written out so that every check
//! is visible: base64url without padding, JSON objects without duplicate members, three parts.
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{Map, Value};

/// Largest token accepted; attestation-sized JWTs are a few KiB (draft-10 §Implementation
/// Considerations Web Server Default Maximum HTTP Header Sizes mentions 8 kB).
pub const MAX_TOKEN_LEN: usize = 16 * 1024;

/// A parsed (not yet verified) compact JWS.
#[derive(Debug, Clone)]
pub struct CompactJws {
    pub header: Map<String, Value>,
    pub claims: Map<String, Value>,
    /// ASCII(BASE64URL(header) || '.' || BASE64URL(payload)), the JWS Signing Input.
    pub signing_input: Vec<u8>,
    pub signature: Vec<u8>,
}

impl CompactJws {
    pub fn header_str(&self, name: &str) -> Option<&str> {
        self.header.get(name).and_then(Value::as_str)
    }
}

/// Why a token could not be parsed. `Malformed` distinguishes encoding errors (bad base64url,
/// bad JSON) from structural ones, for the `server-error-on-malformed` fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    Structure(String),
    Malformed(String),
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParseError::Structure(s) | ParseError::Malformed(s) => f.write_str(s),
        }
    }
}

/// Strict base64url (RFC 7515 §2): no padding, no whitespace, canonical trailing bits.
pub fn b64url_decode(s: &str) -> Result<Vec<u8>, String> {
    URL_SAFE_NO_PAD
        .decode(s)
        .map_err(|e| format!("not base64url without padding: {e}"))
}

pub fn b64url_encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What a JSON object parse does with a member name it meets twice (RFC 7515 §4: header
/// names "MUST be unique; JWS parsers MUST either reject JWSs with duplicate Header Parameter
/// names or use a JSON parser that returns only the lexically last duplicate member name").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Duplicates {
    /// Refuse the object (this server's choice).
    Reject,
    /// Keep the first value: neither choice RFC 7515 §4 allows (the
    /// `jose-header-duplicate-first-wins` fault only).
    FirstWins,
}

/// How the JOSE header is read: this server's rules, or a fault's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeaderRules {
    /// What a duplicated header member does.
    pub duplicates: Duplicates,
    /// Accept `crit` without understanding the extensions it lists (the `jose-crit-ignored`
    /// fault only; RFC 7515 §4.1.11 makes such a JWS invalid).
    pub ignore_crit: bool,
}

impl Default for HeaderRules {
    fn default() -> Self {
        HeaderRules {
            duplicates: Duplicates::Reject,
            ignore_crit: false,
        }
    }
}

/// Parses a compact JWS into header, claims and signature (RFC 7515 §5.2 steps 1-7),
/// under this server's header rules (the verifiers call [`parse_compact_with`]).
#[cfg(test)]
pub fn parse_compact(token: &str) -> Result<CompactJws, ParseError> {
    parse_compact_with(token, HeaderRules::default())
}

/// [`parse_compact`], with `rules` deciding what a duplicate JOSE header member and `crit` do
/// (the payload always refuses duplicates).
pub fn parse_compact_with(token: &str, rules: HeaderRules) -> Result<CompactJws, ParseError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(ParseError::Structure(format!(
            "token longer than {MAX_TOKEN_LEN} bytes"
        )));
    }
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 {
        return Err(ParseError::Structure(format!(
            "not a compact JWS: {} parts instead of 3",
            parts.len()
        )));
    }
    let header = decode_object(parts[0], "header", rules.duplicates)?;
    let claims = decode_object(parts[1], "payload", Duplicates::Reject)?;
    let signature =
        b64url_decode(parts[2]).map_err(|e| ParseError::Malformed(format!("JWS signature {e}")))?;
    let signing_input = format!("{}.{}", parts[0], parts[1]).into_bytes();
    // RFC 7515 §4.1.11: extensions listed in crit must be understood; we understand none.
    if header.contains_key("crit") && !rules.ignore_crit {
        return Err(ParseError::Structure(
            "header carries crit with extensions this server does not understand".into(),
        ));
    }
    Ok(CompactJws {
        header,
        claims,
        signing_input,
        signature,
    })
}

fn decode_object(
    part: &str,
    what: &str,
    duplicates: Duplicates,
) -> Result<Map<String, Value>, ParseError> {
    if part.is_empty() {
        return Err(ParseError::Structure(format!("JWS {what} is empty")));
    }
    let bytes =
        b64url_decode(part).map_err(|e| ParseError::Malformed(format!("JWS {what} {e}")))?;
    parse_json_object_with(&bytes, duplicates)
        .map_err(|e| ParseError::Malformed(format!("JWS {what}: {e}")))
}

/// Parses a JSON object, rejecting duplicate member names at the top level (RFC 7515 §5.2
/// step 4 / RFC 7519 §7.2 step 3: reject, or use the last; we reject).
#[cfg(test)]
pub fn parse_json_object(bytes: &[u8]) -> Result<Map<String, Value>, String> {
    parse_json_object_with(bytes, Duplicates::Reject)
}

fn parse_json_object_with(
    bytes: &[u8],
    duplicates: Duplicates,
) -> Result<Map<String, Value>, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "not UTF-8".to_string())?;
    let members: Members =
        serde_json::from_str(text).map_err(|e| format!("not a JSON object: {e}"))?;
    let mut out = Map::new();
    for (k, v) in members.0 {
        if out.contains_key(&k) {
            match duplicates {
                Duplicates::Reject => return Err(format!("duplicate member {k:?}")),
                Duplicates::FirstWins => continue,
            }
        }
        out.insert(k, v);
    }
    Ok(out)
}

/// The members of a JSON object in order, duplicates included.
struct Members(Vec<(String, Value)>);

impl<'de> serde::Deserialize<'de> for Members {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Members;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<Members, A::Error> {
                let mut out = Vec::new();
                while let Some(k) = m.next_key::<String>()? {
                    let v: Value = m.next_value()?;
                    out.push((k, v));
                }
                Ok(Members(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// A JSON number as f64 (RFC 7519 NumericDate may be fractional).
pub fn numeric(v: &Value) -> Option<f64> {
    v.as_f64().filter(|f| f.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_wins_keeps_the_first_duplicate() {
        let m = parse_json_object_with(br#"{"a":1,"b":2,"a":3}"#, Duplicates::FirstWins).unwrap();
        assert_eq!(Value::Object(m).to_string(), r#"{"a":1,"b":2}"#);
    }

    #[test]
    fn rejects_duplicate_members() {
        assert!(parse_json_object(br#"{"a":1,"a":2}"#).is_err());
        assert!(parse_json_object(br#"{"a":1,"b":{"c":1}}"#).is_ok());
        assert!(parse_json_object(br#"[1]"#).is_err());
    }

    #[test]
    fn rejects_padding_and_bad_parts() {
        assert!(b64url_decode("e30=").is_err());
        assert!(matches!(
            parse_compact("e30.e30"),
            Err(ParseError::Structure(_))
        ));
        assert!(matches!(
            parse_compact("e30.e30.!!"),
            Err(ParseError::Malformed(_))
        ));
        let ok = parse_compact("e30.e30.").unwrap();
        assert!(ok.signature.is_empty());
    }
}
