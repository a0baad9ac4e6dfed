//! `${...}` placeholders in scenario values (see scenario/model.rs for the list).
use serde_json::Value;
use std::collections::BTreeMap;

/// Values known when a request is planned.
pub struct Vars {
    pub strings: BTreeMap<&'static str, String>,
    pub now: i64,
    /// Whole-value JWK placeholders.
    pub jwks: BTreeMap<&'static str, Value>,
}

impl Vars {
    /// Replaces every `${name}` it knows in `s`; unknown names are an error (a typo in a
    /// scenario must not silently become a literal).
    pub fn expand_str(&self, s: &str) -> Result<String, String> {
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some(i) = rest.find("${") {
            out.push_str(&rest[..i]);
            let after = &rest[i + 2..];
            let end = after
                .find('}')
                .ok_or_else(|| format!("unclosed placeholder in {s:?}"))?;
            let name = &after[..end];
            if name == "now" {
                out.push_str(&self.now.to_string());
            } else if let Some(v) = self.strings.get(name) {
                out.push_str(v);
            } else {
                return Err(format!(
                    "unknown or unavailable placeholder ${{{name}}} in {s:?}"
                ));
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// Expands placeholders in any JSON value, recursively. A string that is exactly
    /// `${now}` becomes a number, exactly a JWK placeholder becomes the JWK object.
    pub fn expand(&self, v: &Value) -> Result<Value, String> {
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
                    .collect::<Result<_, String>>()?,
            ),
            other => other.clone(),
        })
    }
}
