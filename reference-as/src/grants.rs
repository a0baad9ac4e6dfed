//! Token endpoint grants (RFC 6749 §4.1.3, §4.4, §6; OpenID4VCI 1.0 §6.1), each after client
//! authentication by attestation (draft-10: the mechanism authenticates the client for every
//! token request), and the binding checks of draft-10 §Refresh token binding / §Binding of
//! OAuth protocol artifacts (-11 §10.3 / §10.4) and RFC 9449 §10.
//!
//! A binding mismatch, an unknown, expired or reused artifact is 400 `invalid_grant`
//! (RFC 6749 §5.2: "The provided authorization grant ... or refresh token is invalid, expired,
//! revoked, does not match the redirection URI used in the authorization request, or was
//! issued to another client"). A missing parameter is 400 `invalid_request`.
use crate::artifacts::RefreshGrant;
use crate::dispatch::{AuthOutcome, Mode};
use crate::errors::OAuthError;
use crate::fault::Fault;
use crate::form::Form;
use crate::state::AppState;
use axum::http::StatusCode;
use serde_json::{json, Map, Value};

pub const CLIENT_CREDENTIALS: &str = "client_credentials";
pub const AUTHORIZATION_CODE: &str = "authorization_code";
pub const REFRESH_TOKEN: &str = "refresh_token";
/// OpenID4VCI 1.0 §4.1.1 / §6.1.
pub const PRE_AUTHORIZED_CODE: &str = "urn:ietf:params:oauth:grant-type:pre-authorized_code";

/// `grant_types_supported`, in the order published.
pub const SUPPORTED: [&str; 4] = [
    CLIENT_CREDENTIALS,
    AUTHORIZATION_CODE,
    REFRESH_TOKEN,
    PRE_AUTHORIZED_CODE,
];

/// Lifetime of an access token, seconds.
const ACCESS_TOKEN_TTL: u64 = 3600;

fn invalid_grant(description: impl Into<String>) -> OAuthError {
    OAuthError::new(StatusCode::BAD_REQUEST, "invalid_grant", description)
}

fn required<'a>(form: &'a Form, name: &str) -> Result<&'a str, OAuthError> {
    form.get(name)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| OAuthError::invalid_request(format!("{name} missing")))
}

/// The token response body for the grant in `form` (RFC 6749 §5.1), or its error.
pub fn token_response(
    st: &AppState,
    form: &Form,
    auth: &AuthOutcome,
    now: u64,
) -> Result<Value, OAuthError> {
    // RFC 6749 §5.2: grant errors come after client authentication.
    let grant_type = form
        .get("grant_type")
        .ok_or_else(|| OAuthError::invalid_request("grant_type missing"))?;
    let issued = match grant_type.as_str() {
        // RFC 6749 §4.4.3: "A refresh token SHOULD NOT be included."
        CLIENT_CREDENTIALS => Issued::default(),
        AUTHORIZATION_CODE => authorization_code(st, form, auth, now)?,
        REFRESH_TOKEN => refresh_token(st, form, auth, now)?,
        PRE_AUTHORIZED_CODE => pre_authorized_code(st, form, auth, now)?,
        other => {
            return Err(OAuthError::new(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                format!(
                    "grant_type {other:?} is not supported (supported: {})",
                    SUPPORTED.join(", ")
                ),
            ))
        }
    };
    let token_type = if auth.dpop_validated() && !st.fault(Fault::TokenTypeBearerWithDpop) {
        "DPoP"
    } else {
        "Bearer"
    };
    let mut body = Map::new();
    body.insert("access_token".into(), json!(crate::store::random_handle()));
    body.insert("token_type".into(), json!(token_type));
    body.insert("expires_in".into(), json!(ACCESS_TOKEN_TTL));
    if let Some(rt) = issued.refresh_token {
        body.insert("refresh_token".into(), json!(rt));
    }
    if let Some(scope) = issued.scope {
        body.insert("scope".into(), json!(scope));
    }
    Ok(Value::Object(body))
}

/// What a grant adds to the access token response.
#[derive(Default)]
struct Issued {
    refresh_token: Option<String>,
    scope: Option<String>,
}

/// A refresh token bound to the instance that authenticated this token request.
fn issue_refresh_token(
    st: &AppState,
    auth: &AuthOutcome,
    scope: Option<String>,
    subject: String,
    now: u64,
) -> String {
    st.refresh_tokens.insert(
        RefreshGrant {
            client_id: auth.client_id.clone(),
            scope,
            subject,
            instance_jkt: auth.instance_jkt.clone(),
        },
        now,
        st.config.grants.refresh_token_ttl,
    )
}

/// RFC 7636 §4.1: code_verifier = 43*128unreserved.
fn verifier_syntax_ok(v: &str) -> bool {
    (43..=128).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

/// RFC 7636 §4.6: BASE64URL-ENCODE(SHA256(ASCII(code_verifier))) == code_challenge.
pub fn s256(verifier: &str) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes());
    crate::jose::b64url_encode(d.as_ref())
}

/// RFC 6749 §4.1.3 with PKCE (RFC 7636 §4.5-4.6) and the instance / DPoP bindings.
fn authorization_code(
    st: &AppState,
    form: &Form,
    auth: &AuthOutcome,
    now: u64,
) -> Result<Issued, OAuthError> {
    let code = required(form, "code")?;
    let redirect_uri = required(form, "redirect_uri")?;
    let verifier = required(form, "code_verifier")?;
    if !verifier_syntax_ok(verifier) {
        return Err(OAuthError::invalid_request(
            "code_verifier must be 43 to 128 unreserved characters (RFC 7636 §4.1)",
        ));
    }
    // Every check and the single-use mark run under the store's lock: two concurrent
    // redemptions of one code cannot both pass. A failed check leaves the code unused, so a
    // request from the wrong instance cannot burn the legitimate client's code.
    let outcome = st.codes.with(code, now, |g| {
        if g.used && !st.fault(Fault::CodeReusable) {
            // RFC 6749 §4.1.2: deny, and revoke what the first use issued.
            return Err((
                g.refresh_token.take(),
                invalid_grant("authorization code was already used (RFC 6749 §4.1.2: single use)"),
            ));
        }
        if g.client_id != auth.client_id {
            return Err((
                None,
                invalid_grant("authorization code was issued to another client"),
            ));
        }
        if g.redirect_uri != redirect_uri {
            return Err((
                None,
                invalid_grant("redirect_uri differs from the one of the authorization request (RFC 6749 §4.1.3)"),
            ));
        }
        if s256(verifier) != g.code_challenge {
            return Err((
                None,
                invalid_grant("code_verifier does not match the code_challenge (RFC 7636 §4.6)"),
            ));
        }
        // draft-10 §Binding of OAuth protocol artifacts (RECOMMENDED): the code is bound to
        // the Client Instance that used client attestation at PAR; proving it means
        // authenticating with the same Client Instance Key at the token endpoint.
        // No instance key at PAR (only when PAR skips client authentication, a fault) means
        // nothing to bind to: "this only applies if Attestation-Based Client Authentication
        // is used as Client Authentication" (same section).
        let bound = g.instance_jkt.is_some() && !st.fault(Fault::CodeNotBoundToInstance);
        if bound && g.instance_jkt != auth.instance_jkt {
            return Err((
                None,
                invalid_grant("authorization code is bound to another Client Instance Key (the cnf key used at the PAR endpoint; draft-10 §Binding of OAuth protocol artifacts)"),
            ));
        }
        // RFC 9449 §10: "If they do not match, it MUST reject the request"; §10.1: without a
        // DPoP proof for that key the request is rejected as well.
        if let (Some(bound), false) = (&g.dpop_jkt, st.fault(Fault::DpopJktNotChecked)) {
            match &auth.dpop_jkt {
                Some(k) if k == bound => {}
                Some(_) => {
                    return Err((
                        None,
                        invalid_grant("the DPoP proof key is not the key bound to the authorization code (dpop_jkt, RFC 9449 §10)"),
                    ))
                }
                None => {
                    return Err((
                        None,
                        invalid_grant("the authorization code is bound to a DPoP key (dpop_jkt, RFC 9449 §10) but the request carries no DPoP proof"),
                    ))
                }
            }
        }
        g.used = true;
        Ok(g.clone())
    });
    let grant = match outcome {
        None => return Err(invalid_grant("authorization code is unknown or expired")),
        Some(Err((revoke, e))) => {
            if let Some(rt) = revoke {
                st.refresh_tokens.remove(&rt);
            }
            return Err(e);
        }
        Some(Ok(g)) => g,
    };
    let rt = issue_refresh_token(st, auth, grant.scope.clone(), grant.subject.clone(), now);
    st.codes
        .with(code, now, |g| g.refresh_token = Some(rt.clone()));
    Ok(Issued {
        refresh_token: Some(rt),
        scope: grant.scope,
    })
}

/// Only under the `refresh-skips-client-auth` fault: the refresh token alone stands for the
/// client and the instance it was issued to, as if they had authenticated (what draft-10
/// §Refresh token binding forbids: "the Client Instance MUST use the client attestation
/// mechanism when refreshing an access token").
pub fn refresh_holder(st: &AppState, form: &Form, now: u64) -> Result<AuthOutcome, OAuthError> {
    let token = required(form, "refresh_token")?;
    let grant = st
        .refresh_tokens
        .get(token, now)
        .ok_or_else(|| invalid_grant("refresh token is unknown, expired or revoked"))?;
    Ok(AuthOutcome {
        client_id: grant.client_id,
        mode: Mode::Normal,
        instance_jkt: grant.instance_jkt,
        dpop_jkt: None,
    })
}

/// RFC 6749 §6 with the binding of draft-10 §Refresh token binding (-11 §10.3).
fn refresh_token(
    st: &AppState,
    form: &Form,
    auth: &AuthOutcome,
    now: u64,
) -> Result<Issued, OAuthError> {
    let token = required(form, "refresh_token")?;
    let grant = st
        .refresh_tokens
        .get(token, now)
        .ok_or_else(|| invalid_grant("refresh token is unknown, expired or revoked"))?;
    if grant.client_id != auth.client_id {
        return Err(invalid_grant(
            "refresh token was issued to another client (RFC 6749 §6)",
        ));
    }
    // draft-10 §Refresh token binding: "The client MUST also use the same key that was present
    // in the "cnf" claim of the client attestation that was used when the refresh token was
    // issued." The binding is to the key, so either mode proves it with that key: normal mode
    // (PoP signed with the cnf key) and combined mode (DPoP proof whose key is the cnf key)
    // are both "the client attestation mechanism" the section asks for.
    let check = match auth.mode {
        _ if st.fault(Fault::RefreshNotBoundToInstance) => false,
        Mode::Combined if st.fault(Fault::RefreshBindingCheckedInNormalModeOnly) => false,
        _ => true,
    };
    if check && grant.instance_jkt != auth.instance_jkt {
        return Err(invalid_grant(
            "refresh token is bound to another Client Instance Key (draft-10 §Refresh token binding: the same cnf key must be used)",
        ));
    }
    // RFC 6749 §6: a requested scope must not exceed the original grant.
    let scope = match form.get("scope").filter(|s| !s.is_empty()) {
        None => grant.scope.clone(),
        Some(asked) => {
            let granted: Vec<&str> = grant.scope.as_deref().unwrap_or("").split(' ').collect();
            if let Some(extra) = asked.split(' ').find(|s| !granted.contains(s)) {
                return Err(OAuthError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_scope",
                    format!("scope {extra:?} was not granted originally (RFC 6749 §6)"),
                ));
            }
            Some(asked.clone())
        }
    };
    let refresh_token = if st.config.grants.rotate_refresh_tokens {
        // Rotation: the old token is retired and a new one, bound to the same instance key,
        // replaces it. Retiring happens under the lock, so only one concurrent refresh wins.
        if st.refresh_tokens.take(token, now).is_none() {
            return Err(invalid_grant("refresh token was used concurrently"));
        }
        Some(issue_refresh_token(
            st,
            auth,
            scope.clone(),
            grant.subject,
            now,
        ))
    } else {
        None
    };
    Ok(Issued {
        refresh_token,
        scope,
    })
}

/// OpenID4VCI 1.0 §6.1: `pre-authorized_code`, single use; a code minted for a client only
/// for that client. The refresh token issued is bound to the authenticating instance.
fn pre_authorized_code(
    st: &AppState,
    form: &Form,
    auth: &AuthOutcome,
    now: u64,
) -> Result<Issued, OAuthError> {
    let code = required(form, "pre-authorized_code")?;
    let outcome = st.pre_authorized_codes.with(code, now, |p| {
        if p.used {
            return Err(invalid_grant("pre-authorized code was already used"));
        }
        if p.client_id.as_ref().is_some_and(|c| *c != auth.client_id) {
            return Err(invalid_grant(
                "pre-authorized code was issued to another client",
            ));
        }
        p.used = true;
        Ok(())
    });
    match outcome {
        None => Err(invalid_grant("pre-authorized code is unknown or expired")),
        Some(Err(e)) => Err(e),
        Some(Ok(())) => {
            // The wallet holder the issuer pre-authorized out of band; one test subject here.
            let subject = "pre-authorized-holder".to_owned();
            Ok(Issued {
                refresh_token: Some(issue_refresh_token(st, auth, None, subject, now)),
                scope: None,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_s256_rfc7636_appendix_b() {
        assert_eq!(
            s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert!(verifier_syntax_ok(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        ));
        assert!(!verifier_syntax_ok("short"));
        assert!(!verifier_syntax_ok(&"a+".repeat(30)));
    }
}
