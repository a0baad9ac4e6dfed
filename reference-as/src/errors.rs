//! OAuth error responses (RFC 6749 §5.2, draft-10 §Errors, RFC 9449 §7.1 / §8).
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// An error answer: status, OAuth `error` code, a description naming the failed check, and
/// headers that must accompany it (e.g. `OAuth-Client-Attestation-Challenge`).
#[derive(Debug, Clone)]
pub struct OAuthError {
    pub status: StatusCode,
    pub error: &'static str,
    pub description: String,
    pub headers: Vec<(HeaderName, String)>,
}

impl OAuthError {
    pub fn new(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        OAuthError {
            status,
            error,
            description: description.into(),
            headers: Vec::new(),
        }
    }
    /// Client authentication failed (RFC 6749 §5.2): 401.
    pub fn invalid_client(description: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "invalid_client", description)
    }
    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", description)
    }
    /// RFC 9449 §7.1: a DPoP proof that fails its checks.
    pub fn invalid_dpop_proof(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_dpop_proof", description)
    }
    /// draft-10 §Errors: the PoP does not use an expected server-provided challenge. The
    /// handler attaches the `OAuth-Client-Attestation-Challenge` header.
    pub fn use_attestation_challenge(description: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "use_attestation_challenge",
            description,
        )
    }
    /// RFC 9449 §8: a DPoP nonce is required. The handler attaches the `DPoP-Nonce` header.
    pub fn use_dpop_nonce(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "use_dpop_nonce", description)
    }
    /// draft-10 §Errors: the attestation is not fresh enough.
    pub fn use_fresh_attestation(description: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "use_fresh_attestation",
            description,
        )
    }
    pub fn with_header(mut self, name: HeaderName, value: String) -> Self {
        self.headers.push((name, value));
        self
    }
}

impl std::fmt::Display for OAuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.error, self.description)
    }
}

/// A JSON response with `Cache-Control: no-store` (RFC 6749 §5.1 / §5.2).
pub fn json_response(status: StatusCode, body: &serde_json::Value) -> Response {
    let mut resp = (status, body.to_string()).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "error": self.error,
            "error_description": sanitize_description(&self.description),
        });
        let mut resp = json_response(self.status, &body);
        for (name, value) in self.headers {
            if let Ok(v) = HeaderValue::from_str(&value) {
                resp.headers_mut().append(name, v);
            }
        }
        resp
    }
}

/// RFC 6749 §5.2: error_description is limited to %x20-21 / %x23-5B / %x5D-7E. The check
/// messages cite sections with `§`, spelt out here so the citation survives.
fn sanitize_description(s: &str) -> String {
    s.replace('§', "section ")
        .chars()
        .map(|c| match c {
            '"' | '\\' => '\'',
            ' '..='~' => c,
            _ => '?',
        })
        .take(300)
        .collect()
}
