//! Reading the draft's HTTP fields: exactly one field line holding exactly one token68 value
//! (draft-10 §Client Attestation JWT / §Client Attestation PoP JWT; RFC 9449 §4.1 for DPoP).
use axum::http::HeaderMap;

/// How strictly to read a field; the lenient switches exist for the named faults.
#[derive(Clone, Copy, Debug, Default)]
pub struct FieldRules {
    /// Take the first of several field lines / the first element of a comma list.
    pub allow_multiple: bool,
    /// Skip the token68 check, unquoting a value wrapped in double quotes.
    pub skip_token68: bool,
}

/// Largest field value looked at; longer values are rejected before any parsing.
const MAX_FIELD_LEN: usize = 32 * 1024;

/// True when `name` has at least one field line.
pub fn present(headers: &HeaderMap, name: &str) -> bool {
    headers.get_all(name).iter().next().is_some()
}

/// The single value of field `name`, or None when absent. Two field lines, or one line with a
/// comma (RFC 9110 §5.3: a list, so two values), are an error.
pub fn single_value(
    headers: &HeaderMap,
    name: &str,
    rules: FieldRules,
) -> Result<Option<String>, String> {
    let lines: Vec<_> = headers.get_all(name).iter().collect();
    let Some(first) = lines.first() else {
        return Ok(None);
    };
    if lines.len() > 1 && !rules.allow_multiple {
        return Err(format!(
            "{} {name} field lines; exactly one is allowed",
            lines.len()
        ));
    }
    if first.len() > MAX_FIELD_LEN {
        return Err(format!("{name} value longer than {MAX_FIELD_LEN} bytes"));
    }
    let raw = first
        .to_str()
        .map_err(|_| format!("{name} value is not visible ASCII"))?;
    let mut value = raw.trim_matches([' ', '\t']);
    if value.contains(',') {
        if !rules.allow_multiple {
            return Err(format!(
                "{name} holds a comma-separated list, i.e. more than one value; exactly one is allowed"
            ));
        }
        value = value
            .split(',')
            .next()
            .unwrap_or("")
            .trim_matches([' ', '\t']);
    }
    if rules.skip_token68 {
        if value.len() >= 2 && value.starts_with('"') && value.ends_with('"') {
            value = &value[1..value.len() - 1];
        }
    } else if !is_token68(value) {
        return Err(format!("{name} value is not token68 (RFC 9110 §11.2)"));
    }
    if value.is_empty() {
        return Err(format!("{name} value is empty"));
    }
    Ok(Some(value.to_owned()))
}

/// token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
pub fn is_token68(s: &str) -> bool {
    let body = s.trim_end_matches('=');
    !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn token68_syntax() {
        assert!(is_token68("eyJ.a-b_c.d~+/=="));
        assert!(!is_token68("\"eyJ\""));
        assert!(!is_token68("a b"));
        assert!(!is_token68("=="));
        assert!(!is_token68("a=b"));
    }

    #[test]
    fn multiple_values() {
        let mut h = HeaderMap::new();
        h.append("x", HeaderValue::from_static("a.b.c, d.e.f"));
        assert!(single_value(&h, "x", FieldRules::default()).is_err());
        let lenient = FieldRules {
            allow_multiple: true,
            ..Default::default()
        };
        assert_eq!(
            single_value(&h, "x", lenient).unwrap().as_deref(),
            Some("a.b.c")
        );
        let mut h = HeaderMap::new();
        h.append("x", HeaderValue::from_static("a.b.c"));
        h.append("x", HeaderValue::from_static("d.e.f"));
        assert!(single_value(&h, "x", FieldRules::default()).is_err());
        assert_eq!(single_value(&h, "y", FieldRules::default()), Ok(None));
    }
}
