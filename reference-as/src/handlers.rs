//! HTTP endpoints: metadata, token, PAR, challenge, the test-only pre-authorized code minting,
//! and the JSON fallbacks (the HTML authorization pages are in authorize.rs). Handlers take the
//! raw request so that no extractor rejection (axum's plain-text errors) reaches a client.
use crate::artifacts::{PreAuthorizedCode, PushedRequest};
use crate::config::ChallengePolicy;
use crate::dispatch::{authenticate, AuthRequest};
use crate::errors::{json_response, OAuthError};
use crate::fault::Fault;
use crate::form::{parse_form, Form, FormRules};
use crate::state::{now, AppState};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::sync::Arc;

/// Largest accepted request body; token and PAR requests are small forms.
pub const MAX_BODY: usize = 64 * 1024;

pub const CHALLENGE_HEADER: HeaderName =
    HeaderName::from_static("oauth-client-attestation-challenge");
pub const DPOP_NONCE_HEADER: HeaderName = HeaderName::from_static("dpop-nonce");

type St = State<Arc<AppState>>;

fn method_not_allowed(allow: &'static str) -> Response {
    let mut r = OAuthError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "invalid_request",
        format!("method not allowed; use {allow}"),
    )
    .into_response();
    r.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(allow));
    r
}

/// GET /.well-known/oauth-authorization-server (RFC 8414 §3).
pub async fn metadata(State(st): St, req: Request) -> Response {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return method_not_allowed("GET");
    }
    let mut r = (StatusCode::OK, crate::metadata::metadata(&st).to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// POST /challenge (-07 §8, -10 §6.1, -11/-12 §6.3): 200, JSON `attestation_challenge`,
/// `Cache-Control: no-store`. From -11 on, a server that supports DPoP server nonces "MUST
/// additionally include a fresh DPoP nonce in the DPoP-Nonce HTTP header field" (-11/-12
/// §6.3); up to -10 the challenge value itself serves as the combined-mode nonce.
pub async fn challenge(State(st): St, req: Request) -> Response {
    if req.method() != Method::POST {
        return method_not_allowed("POST");
    }
    let (t, ttl) = (now(), st.challenge_ttl());
    let value = st.challenges.issue(st.challenge_purpose(), t, ttl);
    let mut r = json_response(StatusCode::OK, &json!({ "attestation_challenge": value }));
    if st.fault(Fault::ChallengeEndpointCacheable) {
        r.headers_mut().remove(header::CACHE_CONTROL);
    }
    if st.draft().dpop_nonce_freshness()
        && st.provides_dpop_nonces()
        && !st.fault(Fault::ChallengeEndpointWithoutDpopNonce)
    {
        let nonce = st.challenges.issue(st.nonce_purpose(), t, ttl);
        if let Ok(v) = HeaderValue::from_str(&nonce) {
            r.headers_mut().insert(DPOP_NONCE_HEADER, v);
        }
    }
    r
}

/// POST /token: every grant authenticates the client by attestation first (grants.rs).
pub async fn token(State(st): St, req: Request) -> Response {
    let result = match st.locked_out() {
        Some(e) => Err(e),
        None => token_inner(&st, req).await,
    };
    st.count_refusal(&result);
    finish(&st, result)
}

async fn token_inner(st: &AppState, req: Request) -> Result<Response, OAuthError> {
    let (method, headers, form) = read_form_request(st, req).await?;
    let now = now();
    let skip_auth = st.fault(Fault::RefreshSkipsClientAuth)
        && form.get("grant_type").map(String::as_str) == Some(crate::grants::REFRESH_TOKEN)
        && !headers.contains_key(crate::dispatch::ATTESTATION);
    let outcome = if skip_auth {
        crate::grants::refresh_holder(st, &form, now)?
    } else {
        authenticate(
            st,
            &AuthRequest {
                method: method.as_str(),
                headers: &headers,
                endpoint_url: &st.token_endpoint,
                form_client_id: form.get("client_id").map(String::as_str),
            },
            now,
        )?
    };
    let mut body = crate::grants::token_response(st, &form, &outcome, now)?;
    if st.fault(Fault::TokenTypeMissing) {
        if let Some(o) = body.as_object_mut() {
            o.remove("token_type");
        }
    }
    let mut resp = json_response(StatusCode::OK, &body);
    if st.fault(Fault::TokenResponseCacheable) {
        resp.headers_mut().remove(header::CACHE_CONTROL);
    }
    Ok(resp)
}

/// POST /par (RFC 9126 §2): authenticates like the token endpoint, then stores the request
/// under a fresh `request_uri` together with the Client Instance Key that authenticated it
/// (draft-10 §Binding of OAuth protocol artifacts: the binding of the code is established
/// here, "before the user is redirected to the Authorization Endpoint").
pub async fn par(State(st): St, req: Request) -> Response {
    let result = match st.locked_out() {
        Some(e) => Err(e),
        None => par_inner(&st, req).await,
    };
    st.count_refusal(&result);
    finish(&st, result)
}

async fn par_inner(st: &AppState, req: Request) -> Result<Response, OAuthError> {
    let (method, headers, form) = read_form_request(st, req).await?;
    let now = now();
    let (client_id, instance_jkt, proof_jkt) = if st.fault(Fault::ParSkipsClientAuth) {
        let id = form
            .get("client_id")
            .cloned()
            .ok_or_else(|| OAuthError::invalid_request("client_id missing"))?;
        (id, None, None)
    } else {
        let o = authenticate(
            st,
            &AuthRequest {
                method: method.as_str(),
                headers: &headers,
                endpoint_url: &st.par_endpoint,
                form_client_id: form.get("client_id").map(String::as_str),
            },
            now,
        )?;
        (o.client_id, o.instance_jkt, o.dpop_jkt)
    };
    let client = st
        .client(&client_id)
        .ok_or_else(|| OAuthError::invalid_client(format!("unknown client {client_id:?}")))?;
    // RFC 9126 §2.1: request_uri must not be provided.
    if form.contains_key("request_uri") {
        return Err(OAuthError::invalid_request(
            "request_uri must not be sent to the PAR endpoint",
        ));
    }
    match form.get("response_type").map(String::as_str) {
        Some("code") => {}
        Some(other) => {
            return Err(OAuthError::new(
                StatusCode::BAD_REQUEST,
                "unsupported_response_type",
                format!("response_type {other:?} is not supported (only code)"),
            ))
        }
        None => return Err(OAuthError::invalid_request("response_type missing")),
    }
    let redirect_uri = form
        .get("redirect_uri")
        .ok_or_else(|| OAuthError::invalid_request("redirect_uri missing"))?;
    if !client.redirect_uris.iter().any(|u| u == redirect_uri) {
        return Err(OAuthError::invalid_request(format!(
            "redirect_uri {redirect_uri:?} is not registered for the client"
        )));
    }
    // PKCE S256 is required for every code (RFC 7636 §4.2-4.3; "plain" is not offered:
    // code_challenge_methods_supported is ["S256"]).
    let code_challenge = form
        .get("code_challenge")
        .ok_or_else(|| OAuthError::invalid_request("code_challenge missing: PKCE is required"))?;
    match form.get("code_challenge_method").map(String::as_str) {
        Some("S256") => {}
        Some(other) => {
            return Err(OAuthError::invalid_request(format!(
                "code_challenge_method {other:?} is not supported (only S256)"
            )))
        }
        None => {
            return Err(OAuthError::invalid_request(
                "code_challenge_method missing (S256 is required; RFC 7636 §4.3 defaults to plain)",
            ))
        }
    }
    if !is_sha256_b64url(code_challenge) {
        return Err(OAuthError::invalid_request(
            "code_challenge is not a base64url SHA-256 value (RFC 7636 §4.2, S256)",
        ));
    }
    // RFC 9449 §10 / §10.1: dpop_jkt, or a DPoP proof sent here, binds the code to that key;
    // when both are present they must name the same key.
    let dpop_jkt = match (form.get("dpop_jkt"), proof_jkt) {
        (Some(j), _) if !is_sha256_b64url(j) => {
            return Err(OAuthError::invalid_request(
                "dpop_jkt is not a base64url SHA-256 JWK thumbprint (RFC 9449 §10)",
            ))
        }
        (Some(j), Some(p)) if *j != p => {
            return Err(OAuthError::invalid_request(
                "dpop_jkt does not match the key of the DPoP proof (RFC 9449 §10.1)",
            ))
        }
        (Some(j), _) => Some(j.clone()),
        (None, p) => p,
    };
    if st.fault(Fault::RequestUriNotBoundToInstance) {
        if let Ok(mut m) = st.latest_par_instance.lock() {
            m.insert(
                (client_id.clone(), code_challenge.clone()),
                instance_jkt.clone(),
            );
        }
    }
    let request_uri = format!(
        "urn:ietf:params:oauth:request_uri:{}",
        crate::store::random_handle()
    );
    let ttl = st.config.grants.request_uri_ttl;
    st.pushed.insert_as(
        request_uri.clone(),
        PushedRequest {
            client_id,
            redirect_uri: redirect_uri.clone(),
            code_challenge: code_challenge.clone(),
            state: form.get("state").cloned(),
            scope: form.get("scope").cloned(),
            instance_jkt,
            dpop_jkt,
        },
        now,
        ttl,
    );
    // RFC 9126 §2.2: 201 Created.
    let status = if st.fault(Fault::ParAnswers200) {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok(json_response(
        status,
        &json!({ "request_uri": request_uri, "expires_in": ttl }),
    ))
}

/// 43 base64url characters: the encoding of a SHA-256 value (S256 challenge, RFC 7638 jkt).
fn is_sha256_b64url(s: &str) -> bool {
    s.len() == 43 && crate::jose::b64url_decode(s).is_ok_and(|b| b.len() == 32)
}

/// POST /test/pre-authorized-code: mints a pre-authorized code (OpenID4VCI 1.0 §4.1.1) the
/// way a credential issuer's back office would put one in a credential offer. Test-only;
/// `ServerConfig.grants.test_endpoints` switches it off. Form `client_id` (optional) restricts
/// the code to that client.
pub async fn mint_pre_authorized_code(State(st): St, req: Request) -> Response {
    let result = async {
        require_post(&req)?;
        let (parts, body) = req.into_parts();
        let bytes = read_body(body).await?;
        let form = if bytes.is_empty() {
            Form::new()
        } else {
            parse_form(&parts.headers, &bytes, FormRules::default())?
        };
        let client_id = form.get("client_id").cloned();
        if let Some(c) = &client_id {
            if st.client(c).is_none() {
                return Err(OAuthError::invalid_request(format!("unknown client {c:?}")));
            }
        }
        let code = st.pre_authorized_codes.insert(
            PreAuthorizedCode {
                client_id,
                used: false,
            },
            now(),
            st.config.grants.pre_authorized_code_ttl,
        );
        Ok(json_response(
            StatusCode::OK,
            &json!({
                "pre-authorized_code": code,
                "expires_in": st.config.grants.pre_authorized_code_ttl,
            }),
        ))
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

/// The form endpoints take POST only (RFC 6749 §3.2, RFC 9126 §2.1); anything else is 405
/// with `Allow: POST` (RFC 9110 §15.5.6).
fn require_post(req: &Request) -> Result<(), OAuthError> {
    if req.method() != Method::POST {
        return Err(OAuthError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "invalid_request",
            "method not allowed; use POST",
        )
        .with_header(header::ALLOW, "POST".into()));
    }
    Ok(())
}

async fn read_form_request(
    st: &AppState,
    req: Request,
) -> Result<(Method, axum::http::HeaderMap, Form), OAuthError> {
    require_post(&req)?;
    let (parts, body) = req.into_parts();
    let bytes = read_body(body).await?;
    let rules = FormRules {
        allow_repeats: st.fault(Fault::RepeatedFormParamAccepted),
        keep_empty: st.fault(Fault::EmptyFormParamKept),
    };
    let form = parse_form(&parts.headers, &bytes, rules)?;
    Ok((parts.method, parts.headers, form))
}

pub(crate) async fn read_body(body: Body) -> Result<axum::body::Bytes, OAuthError> {
    axum::body::to_bytes(body, MAX_BODY).await.map_err(|_| {
        OAuthError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "invalid_request",
            format!("request body larger than {MAX_BODY} bytes or unreadable"),
        )
    })
}

/// Every /token and /par response (success or error) carries fresh server values: a challenge
/// in `OAuth-Client-Attestation-Challenge` when challenges are on (§6.2 of -10/-11/-12, -07
/// §8.1; required with use_attestation_challenge by §7.4 / -07 §6.2, and "fresh" by -11/-12
/// §6.1) and a nonce in `DPoP-Nonce` when the server hands out DPoP nonces (RFC 9449 §8;
/// required with use_dpop_nonce in combined mode by -11/-12 §7.4). Up to -10 one value serves
/// both; from -11 on they are separate values (see challenge.rs).
fn finish(st: &AppState, result: Result<Response, OAuthError>) -> Response {
    let is_error = result.is_err();
    let (mut resp, is_challenge_error) = match result {
        Ok(r) => (r, false),
        Err(e) => {
            let c = e.error == "use_attestation_challenge";
            (error_response(st, e), c)
        }
    };
    let want_challenge = st.config.challenge != ChallengePolicy::Off
        && !(is_challenge_error && st.fault(Fault::UseAttestationChallengeWithoutHeader));
    let want_nonce = st.provides_dpop_nonces();
    let (t, ttl) = (now(), st.challenge_ttl());
    let (challenge, nonce) = match (want_challenge, want_nonce) {
        (false, false) => (None, None),
        (true, true) if st.challenge_purpose() == st.nonce_purpose() => {
            let v = st.challenges.issue(st.challenge_purpose(), t, ttl);
            (Some(v.clone()), Some(v))
        }
        _ => (
            want_challenge.then(|| st.challenges.issue(st.challenge_purpose(), t, ttl)),
            want_nonce.then(|| st.challenges.issue(st.nonce_purpose(), t, ttl)),
        ),
    };
    // The fault: what an error hands out was never stored, so the retry is refused.
    let (challenge, nonce) = if is_error && st.fault(Fault::ChallengeFromErrorNotHonoured) {
        let never = || {
            format!(
                "never-issued-{}",
                crate::jose::b64url_encode(&rand::random::<[u8; 16]>())
            )
        };
        (challenge.map(|_| never()), nonce.map(|_| never()))
    } else {
        (challenge, nonce)
    };
    let h = resp.headers_mut();
    for (name, value) in [(CHALLENGE_HEADER, challenge), (DPOP_NONCE_HEADER, nonce)] {
        if let Some(v) = value.and_then(|v| HeaderValue::from_str(&v).ok()) {
            h.insert(name, v);
        }
    }
    resp
}

/// An error as the server answers it: the RFC 6749 §5.2 JSON response, unless a fault bends
/// its form.
fn error_response(st: &AppState, mut e: OAuthError) -> Response {
    if st.fault(Fault::ClientAuthFailureInvalidRequest) && e.error == "invalid_client" {
        e.status = StatusCode::BAD_REQUEST;
        e.error = "invalid_request";
    }
    if st.fault(Fault::ErrorsAll401) {
        e.status = StatusCode::UNAUTHORIZED;
    }
    if st.fault(Fault::ErrorsNotOauthJson) {
        let mut r = (
            e.status,
            "<!doctype html><title>Bad request</title><p>The request was refused.</p>",
        )
            .into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        return r;
    }
    e.into_response()
}

/// Unknown paths.
pub async fn not_found() -> Response {
    OAuthError::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint").into_response()
}
