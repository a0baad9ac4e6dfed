//! The authorization endpoint and its user pages (RFC 6749 §3.1, §4.1.1-4.1.2; RFC 9126 §4).
//!
//! - `GET <base>/authorize?client_id=..&request_uri=..`: only pushed requests are accepted
//!   (`require_pushed_authorization_requests`, RFC 9126 §5). The `request_uri` must have been
//!   pushed by that client, is live for `grants.request_uri_ttl` seconds and is used up here
//!   (RFC 9126 §4, one-time use). The answer is the login page and a `Set-Cookie` starting a
//!   session (`abca_session`, HttpOnly, SameSite=Lax): a client must keep a cookie jar.
//! - `POST <base>/login` (`username`, `password`, hidden `csrf`): the test user
//!   (`grants.user`) gets the consent page; anything else gets the login page again (401).
//! - `POST <base>/consent` (hidden `csrf`, submit button `approve` or `deny`): 302 to
//!   `redirect_uri?code=..&state=..&iss=..` (RFC 9207), or `error=access_denied`.
//!
//! Problems before a redirect URI is known to be valid are HTML error pages (RFC 6749
//! §4.1.2.1: "MUST NOT automatically redirect the user-agent to the invalid redirection
//! URI"); with PAR every redirect URI was checked at push time.
use crate::artifacts::{CodeGrant, Session};
use crate::fault::Fault;
use crate::form::{parse_form, FormRules};
use crate::state::{now, AppState};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;
use std::sync::Arc;

pub const SESSION_COOKIE: &str = "abca_session";

type St = State<Arc<AppState>>;

fn html(status: StatusCode, body: String) -> Response {
    let mut r = (status, body).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // RFC 6749 §10.13 (clickjacking): the pages must not be framed.
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    r
}

fn error_page(status: StatusCode, message: impl AsRef<str>) -> Response {
    html(status, crate::html::error(message.as_ref()))
}

fn wrong_method(allow: &'static str) -> Response {
    let mut r = error_page(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("method not allowed; use {allow}"),
    );
    r.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(allow));
    r
}

fn cookie_path(st: &AppState) -> String {
    if st.base_path.is_empty() {
        "/".into()
    } else {
        st.base_path.clone()
    }
}

fn set_cookie(r: &mut Response, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// The session id from the `Cookie` header(s), if any.
fn session_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.trim().to_owned())
}

/// Query parameters, each at most once (RFC 6749 §3.1).
fn query_params(query: Option<&str>) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for (k, v) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        if out.insert(k.to_string(), v.to_string()).is_some() {
            return Err(format!(
                "parameter {k:?} is included more than once (RFC 6749 §3.1)"
            ));
        }
    }
    Ok(out)
}

/// GET /authorize.
pub async fn authorize(State(st): St, req: Request) -> Response {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return wrong_method("GET");
    }
    let params = match query_params(req.uri().query()) {
        Ok(p) => p,
        Err(e) => return error_page(StatusCode::BAD_REQUEST, e),
    };
    let Some(client_id) = params.get("client_id") else {
        return error_page(StatusCode::BAD_REQUEST, "client_id missing");
    };
    if st.client(client_id).is_none() {
        return error_page(
            StatusCode::BAD_REQUEST,
            format!("unknown client {client_id:?}"),
        );
    }
    let Some(request_uri) = params.get("request_uri") else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "request_uri missing: this server accepts only pushed authorization requests \
             (require_pushed_authorization_requests, RFC 9126 §5)",
        );
    };
    let now = now();
    // Looked at first, taken only when the client matches: a wrong client_id must not burn
    // another client's request_uri.
    match st.pushed.get(request_uri, now) {
        None => {
            return error_page(
                StatusCode::BAD_REQUEST,
                "request_uri is unknown, expired or already used (RFC 9126 §4)",
            )
        }
        Some(p) if p.client_id != *client_id => {
            return error_page(
                StatusCode::BAD_REQUEST,
                "request_uri was pushed by another client (RFC 9126 §4)",
            )
        }
        Some(_) => {}
    }
    let Some(request) = st.pushed.take(request_uri, now) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "request_uri was used concurrently (RFC 9126 §4)",
        );
    };
    let csrf = crate::store::random_handle();
    let session = st.sessions.insert(
        Session {
            request: request.clone(),
            csrf: csrf.clone(),
            user: None,
        },
        now,
        st.config.grants.session_ttl,
    );
    let mut r = html(
        StatusCode::OK,
        crate::html::login(
            &format!("{}/login", st.base_path),
            &csrf,
            &request.client_id,
            request.scope.as_deref(),
            None,
        ),
    );
    set_cookie(
        &mut r,
        &format!(
            "{SESSION_COOKIE}={session}; Path={}; Max-Age={}; HttpOnly; SameSite=Lax",
            cookie_path(&st),
            st.config.grants.session_ttl
        ),
    );
    r
}

/// The session named by the cookie and the posted form, with the CSRF value checked.
async fn session_and_form(
    st: &AppState,
    req: Request,
) -> Result<(String, Session, crate::form::Form), Response> {
    if req.method() != Method::POST {
        return Err(wrong_method("POST"));
    }
    let (parts, body) = req.into_parts();
    let Some(id) = session_id(&parts.headers) else {
        return Err(error_page(
            StatusCode::BAD_REQUEST,
            "no session cookie: start at the authorization endpoint, with cookies enabled",
        ));
    };
    let Some(session) = st.sessions.get(&id, now()) else {
        return Err(error_page(
            StatusCode::BAD_REQUEST,
            "the session is unknown or has expired: start again at the authorization endpoint",
        ));
    };
    let bytes = axum::body::to_bytes(body, crate::handlers::MAX_BODY)
        .await
        .map_err(|_| error_page(StatusCode::PAYLOAD_TOO_LARGE, "request body too large"))?;
    let form = parse_form(&parts.headers, &bytes, FormRules::default())
        .map_err(|e| error_page(StatusCode::BAD_REQUEST, e.description))?;
    if form.get("csrf") != Some(&session.csrf) {
        return Err(error_page(
            StatusCode::BAD_REQUEST,
            "the form's csrf value does not belong to this session",
        ));
    }
    Ok((id, session, form))
}

/// POST /login.
pub async fn login(State(st): St, req: Request) -> Response {
    let (id, session, form) = match session_and_form(&st, req).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let user = &st.config.grants.user;
    let ok = form.get("username") == Some(&user.username)
        && form.get("password") == Some(&user.password);
    let request = &session.request;
    if !ok {
        return html(
            StatusCode::UNAUTHORIZED,
            crate::html::login(
                &format!("{}/login", st.base_path),
                &session.csrf,
                &request.client_id,
                request.scope.as_deref(),
                Some("Invalid username or password."),
            ),
        );
    }
    let signed_in = st
        .sessions
        .with(&id, now(), |s| s.user = Some(user.username.clone()));
    if signed_in.is_none() {
        return error_page(StatusCode::BAD_REQUEST, "the session has expired");
    }
    html(
        StatusCode::OK,
        crate::html::consent(
            &format!("{}/consent", st.base_path),
            &session.csrf,
            &user.username,
            &request.client_id,
            request.scope.as_deref(),
        ),
    )
}

/// POST /consent.
pub async fn consent(State(st): St, req: Request) -> Response {
    let (id, session, form) = match session_and_form(&st, req).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(user) = session.user.clone() else {
        return error_page(StatusCode::BAD_REQUEST, "not signed in");
    };
    let approved = match (form.contains_key("approve"), form.contains_key("deny")) {
        (true, false) => true,
        (false, true) => false,
        _ => {
            return error_page(
                StatusCode::BAD_REQUEST,
                "submit the consent form with exactly one of the buttons approve or deny",
            )
        }
    };
    // The session ends here, whatever the answer; taking it makes a second submit fail.
    let now = now();
    if st.sessions.take(&id, now).is_none() {
        return error_page(StatusCode::BAD_REQUEST, "the session has already ended");
    }
    let request = session.request;
    let Ok(mut location) = url::Url::parse(&request.redirect_uri) else {
        return error_page(StatusCode::BAD_REQUEST, "the redirect_uri is not a URL");
    };
    {
        let mut q = location.query_pairs_mut();
        if approved {
            let instance_jkt = if st.fault(Fault::RequestUriNotBoundToInstance) {
                // The fault: the binding comes from the client's latest PAR with the same
                // code_challenge, whichever instance sent it, instead of from this
                // request_uri's own PAR.
                st.latest_par_instance
                    .lock()
                    .ok()
                    .and_then(|m| {
                        m.get(&(request.client_id.clone(), request.code_challenge.clone()))
                            .cloned()
                    })
                    .flatten()
            } else {
                request.instance_jkt.clone()
            };
            let code = st.codes.insert(
                CodeGrant {
                    client_id: request.client_id.clone(),
                    redirect_uri: request.redirect_uri.clone(),
                    code_challenge: request.code_challenge.clone(),
                    scope: request.scope.clone(),
                    subject: user,
                    instance_jkt,
                    dpop_jkt: request.dpop_jkt.clone(),
                    used: false,
                    refresh_token: None,
                },
                now,
                st.config.grants.code_ttl,
            );
            q.append_pair("code", &code);
        } else {
            // RFC 6749 §4.1.2.1.
            q.append_pair("error", "access_denied");
            q.append_pair("error_description", "the user denied the request");
        }
        if let Some(state) = &request.state {
            q.append_pair("state", state);
        }
        // RFC 9207 §2: the issuer identifier in every authorization response.
        q.append_pair("iss", &st.issuer);
    }
    let mut r = (StatusCode::FOUND, "").into_response();
    if let Ok(v) = HeaderValue::from_str(location.as_str()) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    set_cookie(
        &mut r,
        &format!(
            "{SESSION_COOKIE}=; Path={}; Max-Age=0; HttpOnly; SameSite=Lax",
            cookie_path(&st)
        ),
    );
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_and_query_parsing() {
        let mut h = HeaderMap::new();
        h.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; abca_session=xyz"),
        );
        assert_eq!(session_id(&h).as_deref(), Some("xyz"));
        assert_eq!(session_id(&HeaderMap::new()), None);
        assert!(query_params(Some("a=1&a=2")).is_err());
        assert_eq!(
            query_params(Some("client_id=a%20b")).unwrap()["client_id"],
            "a b"
        );
    }
}
