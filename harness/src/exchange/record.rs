//! The record of one exchange, as report.json carries it: the request as sent, the answer as
//! received (or why none came), and the JWTs the request carried, decoded.
use super::{Reply, SendError, WireRequest, REPORT_BODY};
use crate::types::FieldNameCase;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// One HTTP request and its response, as sent and received.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Exchange {
    /// What this exchange was for: `challenge`, `request`, `retry (use_dpop_nonce)`, ...
    pub purpose: String,
    pub request: HttpRequest,
    /// None when no response came (timeout, reset); `error` says why.
    pub response: Option<HttpResponse>,
    pub error: Option<String>,
    /// JWTs carried in the request, decoded (for reports).
    pub jwts: Vec<DecodedJwt>,
    pub duration_ms: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct HttpRequest {
    pub method: String,
    pub url: String,
    /// In wire order; a field sent on two lines appears twice.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// Body as text (lossy UTF-8), cut at 64 KiB; `body_truncated` says so.
    pub body: String,
    pub body_truncated: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DecodedJwt {
    /// The header field it came in.
    pub field: String,
    pub header: serde_json::Value,
    pub claims: serde_json::Value,
}

/// Builds the report record of one exchange, decoding the JWTs the request carried.
pub fn record(
    purpose: &str,
    req: &WireRequest,
    result: &Result<Reply, SendError>,
    took: Duration,
) -> Exchange {
    let jwts = req
        .headers
        .iter()
        .filter(|(n, _)| {
            let n = n.to_ascii_lowercase();
            n == "oauth-client-attestation" || n == "oauth-client-attestation-pop" || n == "dpop"
        })
        .flat_map(|(n, v)| {
            v.split(',')
                .map(move |part| (n.clone(), part.trim().to_string()))
        })
        .filter_map(|(n, v)| {
            let (header, claims) = crate::jose::jws::decode_unverified(&v).ok()?;
            Some(DecodedJwt {
                field: n,
                header,
                claims,
            })
        })
        .collect();
    let (response, error) = match result {
        Ok(r) => {
            let cut = r.body.len().min(REPORT_BODY);
            (
                Some(HttpResponse {
                    status: r.status,
                    headers: r.headers.clone(),
                    body: String::from_utf8_lossy(&r.body[..cut]).into_owned(),
                    body_truncated: r.truncated || cut < r.body.len(),
                }),
                None,
            )
        }
        Err(e) => (None, Some(e.to_string())),
    };
    Exchange {
        purpose: purpose.to_string(),
        request: HttpRequest {
            method: req.method.clone(),
            url: req.url.clone(),
            headers: match req.name_case {
                // What went on the wire; by default the names as the suite wrote them (the
                // HTTP client sends them in lower case, which means the same).
                FieldNameCase::Title if !matches!(result, Ok(r) if r.http2) => req
                    .headers
                    .iter()
                    .map(|(n, v)| (FieldNameCase::Title.apply(n), v.clone()))
                    .collect(),
                _ => req.headers.clone(),
            },
            body: req.body.clone(),
        },
        response,
        error,
        jwts,
        duration_ms: took.as_millis() as u64,
    }
}
