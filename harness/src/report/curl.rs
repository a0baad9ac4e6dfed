//! A `curl` command that replays a recorded request byte for byte, for a POSIX shell.
//!
//! One `-H` per recorded header line, in wire order, so a field sent twice is sent twice
//! again (curl passes repeated custom headers through as separate lines). It re-sends the
//! recorded tokens, with the same `jti`, `iat` and challenge: a server that detects replays
//! rejects it (the report says so next to it); `abca-conformance replay` re-sends a case with
//! fresh ones.
use super::HttpRequest;

/// Quotes one word for a POSIX shell: bare when it holds only characters no shell treats
/// specially, else in single quotes (inside which only `'` needs care: `'\''`).
pub fn quote(s: &str) -> String {
    let safe = !s.is_empty()
        && s.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'_' | b'-' | b'.' | b'/' | b':' | b'@' | b'%' | b'+' | b',' | b'='
                )
        });
    if safe {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// The command, one option per line joined with ` \` continuations.
pub fn command(req: &HttpRequest) -> String {
    let mut words: Vec<String> = Vec::new();
    let body = !req.body.is_empty();
    // The harness sends a (possibly empty) body with every POST; curl needs --data-raw for
    // that, and -X only when the method is not the one curl picks itself.
    let data = body || req.method == "POST";
    let implied = if data { "POST" } else { "GET" };
    if req.method != implied {
        words.push(format!("-X {}", quote(&req.method)));
    }
    words.insert(0, format!("curl -sS -i {}", quote(&req.url)));
    for (name, value) in &req.headers {
        // curl derives these from the URL and the body; sending them twice would change the
        // request.
        if name.eq_ignore_ascii_case("content-length") || name.eq_ignore_ascii_case("host") {
            continue;
        }
        // `-H 'Name:'` would remove the header; `Name;` is curl's way to send it empty.
        let line = if value.is_empty() {
            format!("{name};")
        } else {
            format!("{name}: {value}")
        };
        words.push(format!("-H {}", quote(&line)));
    }
    if data {
        words.push(format!("--data-raw {}", quote(&req.body)));
    }
    words.join(" \\\n  ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(method: &str, headers: &[(&str, &str)], body: &str) -> HttpRequest {
        HttpRequest {
            method: method.into(),
            url: "http://127.0.0.1:9/token?a=1&b=2".into(),
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: body.into(),
        }
    }

    /// Runs the command in a real `sh` with `curl` replaced by a function that prints its
    /// arguments NUL-separated: what the shell would hand to curl.
    fn argv(cmd: &str) -> Vec<String> {
        let script =
            format!("curl() {{ for a in \"$@\"; do printf '%s\\0' \"$a\"; done; }}\n{cmd}");
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(script)
            .output()
            .expect("sh runs");
        assert!(out.status.success(), "{out:?}");
        let text = String::from_utf8(out.stdout).unwrap();
        let mut words: Vec<String> = text.split('\0').map(String::from).collect();
        words.pop(); // after the last NUL
        words
    }

    #[test]
    fn shell_sees_the_exact_request() {
        let nasty = "it's $(rm -rf /) `x` \"q\" \\ $HOME *";
        let r = req(
            "POST",
            &[
                ("DPoP", "a.b.c"),
                ("DPoP", "d.e.f"),
                ("X-Nasty", nasty),
                ("X-Empty", ""),
                ("Content-Length", "12"),
            ],
            "grant_type=client_credentials&x='y'",
        );
        let cmd = command(&r);
        assert_eq!(
            argv(&cmd),
            [
                "-sS",
                "-i",
                "http://127.0.0.1:9/token?a=1&b=2",
                "-H",
                "DPoP: a.b.c",
                "-H",
                "DPoP: d.e.f",
                "-H",
                &format!("X-Nasty: {nasty}"),
                "-H",
                "X-Empty;",
                "--data-raw",
                "grant_type=client_credentials&x='y'",
            ]
        );
    }

    #[test]
    fn method_and_empty_post_body() {
        let get = command(&req("GET", &[], ""));
        assert_eq!(
            argv(&get),
            ["-sS", "-i", "http://127.0.0.1:9/token?a=1&b=2"]
        );
        let post = command(&req("POST", &[], ""));
        assert_eq!(
            argv(&post),
            [
                "-sS",
                "-i",
                "http://127.0.0.1:9/token?a=1&b=2",
                "--data-raw",
                ""
            ]
        );
        let put = command(&req("PUT", &[], "a=b"));
        assert_eq!(argv(&put)[3..5], ["-X".to_string(), "PUT".to_string()]);
    }

    #[test]
    fn quoting() {
        assert_eq!(quote("abc-1.2/x:y"), "abc-1.2/x:y");
        assert_eq!(quote(""), "''");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's"), "'it'\\''s'");
    }
}
