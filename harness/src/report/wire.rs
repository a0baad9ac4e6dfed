//! One exchange as text, both sides in wire order (`> ` what was sent, `< ` what came back),
//! with the JWTs it carried decoded: what `abca-conformance replay` prints.
use super::Exchange;
use std::fmt::Write;

/// The exchange: request line, header lines (a field sent twice shows twice), body, the
/// decoded JWTs (their fresh `jti`, `iat` and challenge visible), then the response or why
/// none came.
pub fn render(x: &Exchange) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "--- {} ({} ms)", x.purpose, x.duration_ms);
    let _ = writeln!(out, "> {} {}", x.request.method, x.request.url);
    for (name, value) in &x.request.headers {
        let _ = writeln!(out, "> {name}: {value}");
    }
    if !x.request.body.is_empty() {
        let _ = writeln!(out, ">\n> {}", x.request.body);
    }
    for j in &x.jwts {
        let _ = writeln!(
            out,
            "  {} decoded: header {} claims {}",
            j.field, j.header, j.claims
        );
    }
    match (&x.response, &x.error) {
        (Some(r), _) => {
            let _ = writeln!(out, "< {}", r.status);
            for (name, value) in &r.headers {
                let _ = writeln!(out, "< {name}: {value}");
            }
            if !r.body.is_empty() {
                let _ = writeln!(
                    out,
                    "<\n< {}{}",
                    r.body,
                    if r.body_truncated { " [cut]" } else { "" }
                );
            }
        }
        (None, Some(e)) => {
            let _ = writeln!(out, "< no response: {e}");
        }
        (None, None) => {
            let _ = writeln!(out, "< no response");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{DecodedJwt, HttpRequest, HttpResponse};

    #[test]
    fn both_sides_in_wire_order() {
        let x = Exchange {
            purpose: "request".into(),
            request: HttpRequest {
                method: "POST".into(),
                url: "http://127.0.0.1:1/token".into(),
                headers: vec![
                    ("OAuth-Client-Attestation".into(), "a".into()),
                    ("OAuth-Client-Attestation".into(), "b".into()),
                ],
                body: "grant_type=client_credentials".into(),
            },
            response: Some(HttpResponse {
                status: 400,
                headers: vec![("content-type".into(), "application/json".into())],
                body: r#"{"error":"invalid_client"}"#.into(),
                body_truncated: false,
            }),
            error: None,
            jwts: vec![DecodedJwt {
                field: "OAuth-Client-Attestation-PoP".into(),
                header: serde_json::json!({"alg": "ES256"}),
                claims: serde_json::json!({"jti": "j1"}),
            }],
            duration_ms: 3,
        };
        let text = render(&x);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[1], "> POST http://127.0.0.1:1/token");
        assert_eq!(lines[2], "> OAuth-Client-Attestation: a");
        assert_eq!(lines[3], "> OAuth-Client-Attestation: b");
        assert!(text.contains("> grant_type=client_credentials"));
        assert!(text.contains(r#"claims {"jti":"j1"}"#));
        assert!(text.contains("< 400\n< content-type: application/json"));
        assert!(text.contains(r#"< {"error":"invalid_client"}"#));
    }
}
