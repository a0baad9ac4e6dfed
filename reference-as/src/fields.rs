//! Reading the draft's HTTP fields: exactly one field line holding exactly one value.
//! The value syntax depends on the revision: token68 (RFC 9110 §11.2) for the attestation
//! and PoP fields in -07 (§6.1) to -11 (§4, §5.1), and for DPoP (RFC 9449 §4.1); in the -12
//! editor's copy (§4, §5.1) the attestation and PoP fields are RFC 9651 Structured Field
//! Items of type Token, and "The Item MUST NOT have any parameters".
use axum::http::HeaderMap;

/// The value syntax of a field.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Syntax {
    /// RFC 9110 §11.2 token68.
    #[default]
    Token68,
    /// RFC 9651 §3.3.4 Token as a bare Item without parameters.
    SfToken,
}

/// How strictly to read a field; the lenient switches exist for the named faults.
#[derive(Clone, Copy, Debug, Default)]
pub struct FieldRules {
    pub syntax: Syntax,
    /// Take the first of several field lines / the first element of a comma list.
    pub allow_multiple: bool,
    /// Skip the syntax check, unquoting a value wrapped in double quotes and keeping the
    /// first word of a value with spaces.
    pub skip_token68: bool,
    /// SfToken only: ignore the Item's parameters instead of rejecting them.
    pub allow_sf_parameters: bool,
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
        value = value.split([' ', '\t']).next().unwrap_or("");
    } else {
        match rules.syntax {
            Syntax::Token68 if !is_token68(value) => {
                return Err(format!("{name} value is not token68 (RFC 9110 §11.2)"));
            }
            Syntax::Token68 => {}
            Syntax::SfToken => value = sf_token_item(value, rules.allow_sf_parameters)
                .map_err(|e| format!("{name} value is not a Structured Field Token Item without parameters (RFC 9651; draft-12 section 4): {e}"))?,
        }
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

/// RFC 9651 §4.2 parsing of an Item field value whose bare item must be a Token (§4.2.6) and
/// which must carry no parameters (§4.2.3.2). Returns the token.
fn sf_token_item(value: &str, allow_parameters: bool) -> Result<&str, String> {
    let v = value.trim_start_matches(' ');
    let first = v.bytes().next().ok_or("empty value")?;
    match first {
        b'"' => return Err("a quoted sf-string, not a Token".into()),
        b':' => return Err("an sf-binary, not a Token".into()),
        b'0'..=b'9' | b'-' => return Err("an sf-integer or sf-decimal, not a Token".into()),
        b'?' => return Err("an sf-boolean, not a Token".into()),
        b'*' | b'A'..=b'Z' | b'a'..=b'z' => {}
        _ => return Err(format!("{:?} cannot start a Token", first as char)),
    }
    let end = v
        .bytes()
        .position(|b| !(is_tchar(b) || b == b':' || b == b'/'))
        .unwrap_or(v.len());
    let (token, rest) = v.split_at(end);
    let rest = rest.trim_end_matches(' ');
    if rest.is_empty() {
        return Ok(token);
    }
    if rest.starts_with(';') {
        if allow_parameters {
            return Ok(token);
        }
        return Err("the Item has parameters".into());
    }
    Err(format!(
        "unexpected {:?} after the Token",
        rest.chars().next().unwrap_or(' ')
    ))
}

/// RFC 9110 §5.6.2 tchar.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
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
    fn sf_token_items() {
        assert_eq!(sf_token_item("eyJ.a-b_c.d", false), Ok("eyJ.a-b_c.d"));
        assert_eq!(sf_token_item("a:b/c", false), Ok("a:b/c"));
        assert!(sf_token_item("eyJ.a.b;p=1", false).is_err());
        assert_eq!(sf_token_item("eyJ.a.b;p=1", true), Ok("eyJ.a.b"));
        assert!(sf_token_item("\"eyJ.a.b\"", false).is_err());
        assert!(sf_token_item("1eyJ", false).is_err());
        assert!(sf_token_item("-abc", false).is_err());
        assert!(sf_token_item("abc==", false).is_err());
        assert!(sf_token_item("abc def", false).is_err());
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
