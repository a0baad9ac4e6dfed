//! `application/x-www-form-urlencoded` request bodies, parsed from raw bytes so that no
//! framework rejection (plain text) ever reaches a client: every failure is an OAuth error.
use crate::errors::OAuthError;
use axum::http::{header, HeaderMap};
use std::collections::BTreeMap;

/// Request parameters; each at most once (RFC 6749 §3.2).
pub type Form = BTreeMap<String, String>;

/// How strictly a body is read; the default is RFC 6749 §3.2, the rest are faults.
#[derive(Clone, Copy, Debug, Default)]
pub struct FormRules {
    /// Fault `repeated-form-param-accepted`: a repeated parameter keeps its last value.
    pub allow_repeats: bool,
    /// Fault `empty-form-param-kept`: an empty value is kept instead of being dropped.
    pub keep_empty: bool,
}

pub fn parse_form(headers: &HeaderMap, body: &[u8], rules: FormRules) -> Result<Form, OAuthError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let media = ct.split(';').next().unwrap_or("").trim();
    if !media.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        return Err(OAuthError::invalid_request(
            "Content-Type must be application/x-www-form-urlencoded (RFC 6749 §3.2)",
        ));
    }
    let text = std::str::from_utf8(body)
        .map_err(|_| OAuthError::invalid_request("request body is not UTF-8"))?;
    let mut form = Form::new();
    for (k, v) in url::form_urlencoded::parse(text.as_bytes()) {
        // RFC 6749 §3.2: "Parameters sent without a value MUST be treated as if they were
        // omitted from the request."
        if k.is_empty() || (v.is_empty() && !rules.keep_empty) {
            continue;
        }
        if form.insert(k.to_string(), v.to_string()).is_some() && !rules.allow_repeats {
            return Err(OAuthError::invalid_request(format!(
                "parameter {k:?} is included more than once (RFC 6749 §3.2)"
            )));
        }
    }
    Ok(form)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn h(ct: &'static str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
        h
    }

    #[test]
    fn parses_and_rejects() {
        let f = parse_form(
            &h("application/x-www-form-urlencoded; charset=UTF-8"),
            b"grant_type=client_credentials&client_id=a%20b",
            FormRules::default(),
        )
        .unwrap();
        assert_eq!(f["client_id"], "a b");
        let strict = FormRules::default();
        assert!(parse_form(&h("application/json"), b"{}", strict).is_err());
        assert!(parse_form(&h("application/x-www-form-urlencoded"), b"a=1&a=2", strict).is_err());
        // An empty value is as if omitted, so it neither counts nor repeats.
        let f = parse_form(
            &h("application/x-www-form-urlencoded"),
            b"a=&b=1&a=2",
            strict,
        )
        .unwrap();
        assert_eq!(f.get("a").map(String::as_str), Some("2"));
        assert!(parse_form(&h("application/x-www-form-urlencoded"), b"\xff", strict).is_err());
    }
}
