//! The preflight diagnosis on the terminal: one screen saying which check failed, what was
//! sent (the request line, the JWTs' identifying claims, the form), what the server answered
//! (its `error` and `error_description`), and the likely causes.
use super::{Exchange, Preflight, PreflightCheck};
use std::fmt::Write;

/// The diagnosis, or None when the preflight passed (or did not run).
pub fn diagnosis(p: &Preflight) -> Option<String> {
    if p.passed {
        return None;
    }
    let mut out = String::new();
    let failed: Vec<&PreflightCheck> = p.checks.iter().filter(|c| !c.ok).collect();
    let _ = writeln!(
        out,
        "PREFLIGHT: {} of {} check(s) failed{}",
        failed.len(),
        p.checks.len(),
        if p.stopped {
            "; the cases did not run (exit 2; --keep-going runs them anyway)"
        } else {
            "; the cases ran anyway (--keep-going): those leaning on a refused control are inconclusive"
        }
    );
    let ok: Vec<&str> = p
        .checks
        .iter()
        .filter(|c| c.ok)
        .map(|c| c.name.as_str())
        .collect();
    if !ok.is_empty() {
        let _ = writeln!(out, "  ok: {}", ok.join(", "));
    }
    // Checks with the same answer share one explanation.
    let mut shown: Vec<&PreflightCheck> = Vec::new();
    for c in &failed {
        if shown.iter().any(|s| s.answer == c.answer) {
            continue;
        }
        shown.push(c);
        let same: Vec<&str> = failed
            .iter()
            .filter(|o| o.name != c.name && o.answer == c.answer)
            .map(|o| o.name.as_str())
            .collect();
        let _ = writeln!(
            out,
            "\n  {}{}",
            c.name,
            if same.is_empty() {
                String::new()
            } else {
                format!(" (and, with the same answer: {})", same.join(", "))
            }
        );
        if let Some(x) = sent(&c.exchanges) {
            out.push_str(&sent_lines(x));
        }
        let _ = writeln!(out, "    answer: {}", c.answer);
        for (i, why) in c.likely_causes.iter().enumerate() {
            let _ = writeln!(
                out,
                "    {} {why}",
                if i == 0 { "likely:" } else { "   or: " }
            );
        }
    }
    Some(out)
}

/// The exchange worth showing: the last one (after any challenge fetch and retry).
fn sent(exchanges: &[Exchange]) -> Option<&Exchange> {
    exchanges.last()
}

fn sent_lines(x: &Exchange) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "    sent:   {} {} ({})",
        x.request.method, x.request.url, x.purpose
    );
    for j in &x.jwts {
        let pick = |v: &serde_json::Value, keys: &[&str]| -> String {
            keys.iter()
                .filter_map(|k| {
                    v.get(*k).map(|x| match x {
                        serde_json::Value::String(s) => format!("{k}={}", short(s, 60)),
                        serde_json::Value::Object(_) => format!("{k}={{..}}"),
                        other => format!("{k}={}", short(&other.to_string(), 60)),
                    })
                })
                .collect::<Vec<_>>()
                .join(" ")
        };
        let _ = writeln!(
            out,
            "            {}: {} | {}",
            j.field,
            pick(&j.header, &["typ", "alg", "kid"]),
            pick(
                &j.claims,
                &[
                    "iss",
                    "sub",
                    "aud",
                    "htm",
                    "htu",
                    "challenge",
                    "nonce",
                    "cnf"
                ]
            )
        );
    }
    if !x.request.body.is_empty() {
        let _ = writeln!(out, "            body: {}", short(&x.request.body, 160));
    }
    out
}

fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}
