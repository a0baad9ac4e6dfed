//! Checks shared by the three JWTs: field values that are no JWT, explicit typing, alg,
//! other header parameters, and time claims.
use super::{Capabilities, Judge};
use crate::fuzz::rules::{self as r, Rule};
use crate::fuzz::symbolic::{Jwt, Sv};
use crate::scenario::KeyRef;
use serde_json::Value;

/// Claims with a meaning somewhere near this protocol (IANA JWT claims a server may
/// understand); setting one is not "an unknown claim", so the oracle does not call it harmless.
pub(super) const UNDERSTOOD_CLAIMS: &[&str] = &[
    "iss",
    "sub",
    "aud",
    "exp",
    "nbf",
    "iat",
    "jti",
    "cnf",
    "nonce",
    "challenge",
    "htm",
    "htu",
    "ath",
    "client_id",
    "scope",
    "act",
    "azp",
    "auth_time",
    "acr",
    "amr",
    "sid",
    "may_act",
    "status",
];

/// Registered JOSE header parameters (RFC 7515 §4.1, RFC 7516 §4.1, RFC 7797).
pub(super) const JOSE_PARAMS: &[&str] = &[
    "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "cty", "b64", "zip", "enc", "epk", "apu",
    "apv", "url", "nonce", "ppt", "svt", "iss", "sub", "aud",
];

/// Is the token68 grammar met (RFC 9110 §11.2)? Written here, not shared with the server.
pub(super) fn token68(v: &str) -> bool {
    let v = v.trim_matches([' ', '\t']);
    let body = v.trim_end_matches('=');
    !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b))
}

/// A field value that is not a token the harness built.
pub(super) fn judge_raw(
    v: &str,
    token68_rule: &'static Rule,
    jwt_rule: &'static Rule,
    j: &mut Judge,
) {
    if v.contains("${") {
        j.open("a header value built from placeholders");
    } else if !token68(v) {
        j.broke(&[token68_rule]);
    } else {
        // token68 text that is not a compact JWS the harness signed (the strategy's garbage).
        j.broke(&[jwt_rule]);
    }
}

/// The `alg` name a key signs with.
pub(super) fn alg_name(k: KeyRef, caps: &Capabilities) -> &str {
    match k {
        KeyRef::Attester => &caps.attester_alg,
        KeyRef::Instance | KeyRef::Other => &caps.instance_alg,
        KeyRef::None => "none",
        KeyRef::HmacInstance
        | KeyRef::HmacAttester
        | KeyRef::HmacPublicJwk
        | KeyRef::HmacPublicPem
        | KeyRef::HmacPublicDer => "HS256",
    }
}

/// The algorithm `t`'s signature is made with: the one `use_alg` chose, else its signer's.
pub(super) fn signed_alg<'a>(t: &'a Jwt, caps: &'a Capabilities) -> &'a str {
    t.used_alg
        .as_deref()
        .unwrap_or_else(|| alg_name(t.signer, caps))
}

/// `use_alg` (draft-10 §Authorization Server Metadata): an algorithm the token's list names
/// must be honoured (META-ALG-HONOURED). One it leaves out, or no list at all, decides
/// nothing: refusing is right, and accepting only means the list is incomplete, which
/// advertising being a SHOULD does not make a MUST to refuse (the suite's
/// `alg-*-unadvertised` cases judge that as a warning).
pub(super) fn judge_used_alg(t: &Jwt, caps: &Capabilities, j: &mut Judge) {
    let Some(alg) = t.used_alg.as_deref() else {
        return;
    };
    match caps.alg_list(t.kind) {
        Some(list) if list.iter().any(|a| a == alg) => j.ok(&r::META_ALG_HONOURED),
        Some(_) => j.open(format!(
            "{alg} is not in the server's list for the {:?}",
            t.kind
        )),
        None => j.open(format!(
            "the server publishes no algorithm list for the {:?}",
            t.kind
        )),
    }
}

/// What the `alg` header names; Err when it is not a string.
pub(super) fn named_alg<'a>(t: &'a Jwt, caps: &'a Capabilities) -> Option<Result<&'a str, ()>> {
    Some(match t.header("alg")? {
        Sv::Alg(k) => Ok(alg_name(*k, caps)),
        Sv::Json(Value::String(s)) => Ok(s.as_str()),
        _ => Err(()),
    })
}

/// RFC 7515 §4.1.9 / RFC 8725 §3.11: explicit typing. Only the exact value is decided; a
/// case variant or the `application/` prefix is left open (the suite records it as info).
pub(super) fn judge_typ(t: &Jwt, expected: &str, rule: &'static Rule, j: &mut Judge) {
    match t.header("typ") {
        Some(Sv::Json(Value::String(v))) if v == expected => {}
        Some(Sv::Json(Value::String(v)))
            if v.eq_ignore_ascii_case(expected)
                || v.eq_ignore_ascii_case(&format!("application/{expected}")) =>
        {
            j.open("typ differs only in case or by the application/ prefix (RFC 7515 §4.1.9 vs the draft's exact value)")
        }
        _ => j.broke(&[rule]),
    }
}

/// Header parameters other than typ / alg (and the ones `skip` names): crit breaks the JWT
/// (RFC 7515 §4.1.11: nothing is understood), registered ones are open, unknown ones are
/// ignored (RFC 7515 §4).
pub(super) fn judge_other_header(t: &Jwt, skip: &[&str], jwt_rule: &'static Rule, j: &mut Judge) {
    // RFC 7515 §4: a parser rejects duplicate names or keeps the last; the header was judged
    // with the last value, so a rule it breaks means a rejection either way, and otherwise
    // either answer conforms.
    if t.duplicate_header {
        j.open("a JOSE header member written twice: the server may reject or keep the last");
    }
    for (name, _) in &t.hsym {
        let name = name.as_str();
        if name == "typ" || name == "alg" || skip.contains(&name) {
        } else if name == "crit" {
            j.broke(&[jwt_rule]);
        } else if JOSE_PARAMS.contains(&name) {
            j.open(format!("JOSE header parameter {name} set"));
        } else {
            j.ok(&r::JOSE_UNKNOWN_HEADER);
        }
    }
}

/// When a time claim points, relative to the request.
pub(super) enum When {
    Offset(i64),
    /// A number the oracle cannot place (a plausible absolute time: it depends on the clock).
    Unknown,
    NotNumber,
}

pub(super) fn when(v: &Sv) -> When {
    match v {
        Sv::Now(o) => When::Offset(*o),
        Sv::Json(Value::Number(n)) => match n.as_f64() {
            // Before 2001 or after 2096: surely far from any test run.
            Some(x) if x < 1.0e9 => When::Offset(-1_000_000_000),
            Some(x) if x > 4.0e9 => When::Offset(1_000_000_000),
            _ => When::Unknown,
        },
        _ => When::NotNumber,
    }
}

/// `nbf` (RFC 7519 §4.1.5): a JWT must not be accepted before it.
pub(super) fn judge_nbf(v: &Sv, rule: &'static Rule, j: &mut Judge) {
    match when(v) {
        When::NotNumber => j.broke(&[rule]),
        When::Offset(o) if o <= -60 => {}
        When::Offset(o) if o >= 3600 => j.broke(&[rule]),
        _ => j.open("nbf near now: within the clock-skew allowance"),
    }
}

/// PoP / combined-proof `iat` (draft-10 §Verification PoP item 6, RFC 9449 §4.3 item 11): a
/// day old or an hour ahead is outside any window (docs/design.md); when the server may judge
/// freshness by its own challenge / nonce instead, iat is not decided.
pub(super) fn judge_proof_iat(
    v: &Sv,
    server_time: bool,
    window: &'static Rule,
    wf: &'static Rule,
    j: &mut Judge,
) {
    match when(v) {
        When::NotNumber => j.broke(&[wf]),
        When::Offset(o) if (-60..=30).contains(&o) => {}
        When::Offset(_) if server_time => {
            j.open("the server may judge freshness by its challenge / nonce instead of iat")
        }
        When::Offset(o) if o <= -86_400 || o >= 3_600 => j.broke(&[window]),
        _ => j.open("iat inside the range where windows differ between servers"),
    }
}
