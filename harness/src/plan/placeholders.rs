//! `${...}` placeholders in scenario values (see scenario/model.rs for the list).
use super::error::PlaceholderError;
use crate::types::TokenKind;
use serde_json::Value;
use std::collections::BTreeMap;

/// Values known when a request is planned.
#[derive(Clone)]
pub struct Vars {
    pub strings: BTreeMap<&'static str, String>,
    pub now: i64,
    /// Whole-value JWK placeholders.
    pub jwks: BTreeMap<&'static str, Value>,
    /// `${challenge}` inside a PoP (the attestation challenge) and inside a DPoP proof (its
    /// nonce); the request-level `${challenge}` is the one the request's mode carries.
    pub pop_challenge: Option<String>,
    pub dpop_nonce: Option<String>,
}

impl Vars {
    /// The variables inside a token of `kind`: `${challenge}` is the value that token carries.
    /// From -11 on the two differ (combined-mode freshness is the DPoP nonce only, -11 §5.2).
    pub fn in_token(&self, kind: TokenKind) -> std::borrow::Cow<'_, Vars> {
        let value = match kind {
            TokenKind::Pop => &self.pop_challenge,
            TokenKind::Dpop => &self.dpop_nonce,
            TokenKind::Attestation => return std::borrow::Cow::Borrowed(self),
        };
        let mut v = self.clone();
        match value {
            Some(c) => v.strings.insert("challenge", c.clone()),
            None => v.strings.remove("challenge"),
        };
        std::borrow::Cow::Owned(v)
    }

    /// Replaces every `${name}` it knows in `s`; unknown names are an error (a typo in a
    /// scenario must not silently become a literal).
    pub fn expand_str(&self, s: &str) -> Result<String, PlaceholderError> {
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some(i) = rest.find("${") {
            out.push_str(&rest[..i]);
            let after = &rest[i + 2..];
            let end = after
                .find('}')
                .ok_or_else(|| PlaceholderError::Unclosed { value: s.into() })?;
            let name = &after[..end];
            if name == "now" {
                out.push_str(&self.now.to_string());
            } else if let Some(v) = self.strings.get(name) {
                out.push_str(v);
            } else {
                return Err(PlaceholderError::Unknown {
                    name: name.into(),
                    value: s.into(),
                });
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// Expands placeholders in any JSON value, recursively. A string that is exactly
    /// `${now}` becomes a number, exactly a JWK placeholder becomes the JWK object.
    pub fn expand(&self, v: &Value) -> Result<Value, PlaceholderError> {
        Ok(match v {
            Value::String(s) => {
                if s == "${now}" {
                    Value::from(self.now)
                } else if let Some(jwk) = s
                    .strip_prefix("${")
                    .and_then(|x| x.strip_suffix('}'))
                    .and_then(|n| self.jwks.get(n))
                {
                    jwk.clone()
                } else {
                    Value::String(self.expand_str(s)?)
                }
            }
            Value::Array(a) => {
                Value::Array(a.iter().map(|x| self.expand(x)).collect::<Result<_, _>>()?)
            }
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, x)| Ok((k.clone(), self.expand(x)?)))
                    .collect::<Result<_, PlaceholderError>>()?,
            ),
            other => other.clone(),
        })
    }
}
