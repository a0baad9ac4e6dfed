//! The HTML of the authorization pages: a login form, a consent form and an error page. Real
//! forms, so that a client's login automation (find a form, fill named fields, submit) is
//! exercised as it would be against a production server. Every value is escaped.

/// Escapes text for HTML element content and double-quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{t} - reference AS</title>\n</head>\n<body>\n<h1>{t}</h1>\n{body}</body>\n</html>\n",
        t = escape(title)
    )
}

fn request_summary(client_id: &str, scope: Option<&str>) -> String {
    let scope = match scope {
        Some(s) if !s.is_empty() => format!(" with scope <code>{}</code>", escape(s)),
        _ => String::new(),
    };
    format!(
        "<p>The client <code id=\"client-id\">{}</code> asks for authorization{scope}.</p>\n",
        escape(client_id)
    )
}

/// The login page: `<form method="post" action="{base}/login">` with `username`, `password`
/// and the hidden `csrf` field.
pub fn login(
    action: &str,
    csrf: &str,
    client_id: &str,
    scope: Option<&str>,
    error: Option<&str>,
) -> String {
    let error = error
        .map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>\n", escape(e)))
        .unwrap_or_default();
    let body = format!(
        "{summary}{error}<form method=\"post\" action=\"{action}\" id=\"login\">\n\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\n\
         <p><label>Username <input type=\"text\" name=\"username\" autocomplete=\"username\" required></label></p>\n\
         <p><label>Password <input type=\"password\" name=\"password\" autocomplete=\"current-password\" required></label></p>\n\
         <p><button type=\"submit\">Sign in</button></p>\n\
         </form>\n",
        summary = request_summary(client_id, scope),
        action = escape(action),
        csrf = escape(csrf),
    );
    page("Sign in", &body)
}

/// The consent page: `<form method="post" action="{base}/consent">` with the hidden `csrf`
/// field and two submit buttons, `approve` and `deny`.
pub fn consent(
    action: &str,
    csrf: &str,
    user: &str,
    client_id: &str,
    scope: Option<&str>,
) -> String {
    let body = format!(
        "<p>Signed in as <strong id=\"user\">{user}</strong>.</p>\n{summary}\
         <form method=\"post\" action=\"{action}\" id=\"consent\">\n\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\n\
         <p><button type=\"submit\" name=\"approve\" value=\"approve\">Approve</button>\n\
         <button type=\"submit\" name=\"deny\" value=\"deny\">Deny</button></p>\n\
         </form>\n",
        user = escape(user),
        summary = request_summary(client_id, scope),
        action = escape(action),
        csrf = escape(csrf),
    );
    page("Authorize access", &body)
}

/// An error shown to the user instead of a redirect (RFC 6749 §4.1.2.1: with no valid
/// redirect URI the user agent must not be redirected).
pub fn error(message: &str) -> String {
    page(
        "Authorization error",
        &format!(
            "<p class=\"error\" role=\"alert\">{}</p>\n",
            escape(message)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_everything_interpolated() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        let p = login("/login", "c\"x", "<script>", Some("a&b"), Some("<b>"));
        assert!(!p.contains("<script>"));
        assert!(p.contains("value=\"c&quot;x\""));
        assert!(p.contains("&lt;b&gt;"));
    }
}
