//! Exchange: sends a planned request over real HTTP and records both sides for the report.
//!
//! One client (one connection pool) per run; redirects are not followed (a redirect from a
//! token endpoint is an answer to judge, not a place to go); every read is bounded in size
//! and time so a misbehaving server cannot hang or exhaust the suite. Every request passes
//! the run's [`Limits`] (rate, deadline, circuit breaker) first, so etiquette towards a live
//! server holds for discovery, challenges and cases alike.
//!
//! The network layer: it imports nothing above it (only [`crate::jose`], to decode the JWTs
//! of a recorded request).
mod limits;
mod record;

pub use limits::{LimitOptions, Stop, DEFAULT_MAX_CONSECUTIVE_ERRORS};
pub use record::{record, DecodedJwt, Exchange, HttpRequest, HttpResponse};

use crate::types::FieldNameCase;
use limits::Limits;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A network option the user gave is unusable; the message names the flag.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct OptionError(pub String);

/// Why a request got no answer to judge.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SendError {
    /// The run has stopped (circuit breaker, deadline): nothing was sent.
    #[error(transparent)]
    Stopped(#[from] Stop),
    /// The planned request cannot be put on the wire (a scenario asked for a bad method or
    /// header).
    #[error("{0}")]
    Unsendable(String),
    /// Sent, but no complete answer came (refused, reset, timed out, TLS failure).
    #[error("{0}")]
    Transport(String),
}

/// Bodies beyond this are not read further (the server is misbehaving).
pub const MAX_BODY: usize = 1024 * 1024;
/// What the report keeps of a body.
pub const REPORT_BODY: usize = 64 * 1024;

/// A request exactly as it goes on the wire (headers in order; a name twice = two lines).
#[derive(Clone, Debug, PartialEq)]
pub struct WireRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// The letter case of the field names over HTTP/1.1.
    pub name_case: FieldNameCase,
}

/// What came back, parsed enough to judge.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub truncated: bool,
    /// The body as JSON, when it is JSON.
    pub json: Option<serde_json::Value>,
    /// The exchange went over HTTP/2, where every field name is sent in lower case (RFC 9113
    /// §8.2.2) whatever [`WireRequest::name_case`] asked.
    pub http2: bool,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    /// The OAuth `error` member (RFC 6749 §5.2), when present.
    pub fn error_code(&self) -> Option<&str> {
        self.json.as_ref()?.get("error")?.as_str()
    }
    pub fn json_str(&self, key: &str) -> Option<&str> {
        self.json.as_ref()?.get(key)?.as_str()
    }
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
    /// The request was accepted: a 2xx that issued something, an access token (RFC 6749
    /// §5.1) or a pushed request (RFC 9126 §2.2). Controls, two-step cases and verdicts all
    /// use this one rule.
    pub fn accepted(&self) -> bool {
        self.is_success()
            && (self.json_str("access_token").is_some() || self.json_str("request_uri").is_some())
    }
    /// One line for reasons: `401 invalid_client ("PoP aud mismatch")`.
    pub fn summary(&self) -> String {
        let mut s = self.status.to_string();
        if let Some(e) = self.error_code() {
            s.push(' ');
            s.push_str(e);
        }
        if let Some(d) = self.json_str("error_description") {
            let d: String = d.chars().take(160).collect();
            s.push_str(&format!(" ({d:?})"));
        }
        if self.truncated {
            // Said in the reason, not only in the recorded exchange: a body cut at the cap
            // is why no JSON (and so no `error` member) was seen.
            s.push_str(&format!(
                " [body truncated: more than {} bytes, read no further]",
                MAX_BODY
            ));
        }
        s
    }
}

#[derive(Clone, Debug)]
pub struct HttpOptions {
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Extra CA certificate (PEM) to trust.
    pub ca_cert: Option<Vec<u8>>,
    /// Accept any certificate (only by name: `--insecure`).
    pub insecure: bool,
    /// Rate, run deadline and circuit breaker (`--rate`, `--deadline`,
    /// `--max-consecutive-errors`).
    pub limits: LimitOptions,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            ca_cert: None,
            insecure: false,
            limits: LimitOptions::default(),
        }
    }
}

/// The run's HTTP client.
#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    /// The same client, sending field names in title case over HTTP/1.1.
    title_case: reqwest::Client,
    timeout: Duration,
    limits: Arc<Limits>,
}

/// Reads `--ca-cert FILE`: PEM with at least one certificate.
pub fn read_ca_cert(path: &Path) -> Result<Vec<u8>, OptionError> {
    let pem = std::fs::read(path)
        .map_err(|e| OptionError(format!("cannot read --ca-cert {}: {e}", path.display())))?;
    // reqwest takes a file without any certificate silently; the user meant one.
    if !String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----") {
        return Err(OptionError(format!(
            "--ca-cert {}: no PEM certificate (\"-----BEGIN CERTIFICATE-----\") in it",
            path.display()
        )));
    }
    Ok(pem)
}

impl Http {
    pub fn new(opts: &HttpOptions) -> Result<Http, OptionError> {
        opts.limits.validate()?;
        Ok(Http {
            client: Self::client(opts, FieldNameCase::Lower)?,
            title_case: Self::client(opts, FieldNameCase::Title)?,
            timeout: opts.timeout,
            limits: Arc::new(Limits::new(&opts.limits)),
        })
    }

    fn client(opts: &HttpOptions, case: FieldNameCase) -> Result<reqwest::Client, OptionError> {
        let mut b = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(opts.connect_timeout)
            .timeout(opts.timeout)
            .pool_max_idle_per_host(64)
            .user_agent(concat!("abca-conformance/", env!("CARGO_PKG_VERSION")));
        if let Some(pem) = &opts.ca_cert {
            let cert = reqwest::Certificate::from_pem(pem)
                .map_err(|e| OptionError(format!("--ca-cert is not a PEM certificate: {e}")))?;
            b = b.add_root_certificate(cert);
        }
        if opts.insecure {
            // Loud, every time: a run without certificate checks must never pass unnoticed
            // in a CI log.
            eprintln!(
                "abca-conformance: WARNING: --insecure: TLS certificates are NOT verified; \
                 anyone on the path can impersonate the target. Use --ca-cert FILE instead."
            );
            b = b.danger_accept_invalid_certs(true);
        }
        if case == FieldNameCase::Title {
            b = b.http1_title_case_headers();
        }
        b.build()
            .map_err(|e| OptionError(format!("cannot set up the HTTP client: {e}")))
    }

    /// Why the run sends nothing more (circuit breaker tripped, deadline passed), if so.
    pub fn stopped(&self) -> Option<Stop> {
        self.limits.stopped()
    }

    /// Whether `--rate` spaces the requests (then the rate, not the round trip, bounds a run).
    pub fn rate_limited(&self) -> bool {
        self.limits.rate_limited()
    }

    /// Sends `req`; never panics; transport failures come back as `Err` with a reason.
    pub async fn send(&self, req: &WireRequest) -> Result<Reply, SendError> {
        let method = reqwest::Method::from_bytes(req.method.as_bytes())
            .map_err(|_| SendError::Unsendable(format!("invalid HTTP method {:?}", req.method)))?;
        let client = match req.name_case {
            FieldNameCase::Lower => &self.client,
            FieldNameCase::Title => &self.title_case,
        };
        let mut rb = client.request(method, &req.url);
        for (n, v) in &req.headers {
            let name = reqwest::header::HeaderName::from_bytes(n.as_bytes())
                .map_err(|_| SendError::Unsendable(format!("invalid header name {n:?}")))?;
            let value = reqwest::header::HeaderValue::from_bytes(v.as_bytes())
                .map_err(|_| SendError::Unsendable(format!("invalid header value for {n}")))?;
            rb = rb.header(name, value);
        }
        if !req.body.is_empty() || req.method == "POST" {
            rb = rb.body(req.body.clone());
        }
        // Waits for the rate limit; refuses once the run has stopped. Not a transport
        // failure: it must not feed the breaker.
        self.limits.admit().await?;
        let fut = async {
            let mut resp = rb.send().await.map_err(describe)?;
            let status = resp.status().as_u16();
            let http2 = resp.version() == reqwest::Version::HTTP_2;
            let headers = resp
                .headers()
                .iter()
                .map(|(n, v)| {
                    (
                        n.as_str().to_string(),
                        String::from_utf8_lossy(v.as_bytes()).into(),
                    )
                })
                .collect();
            let mut body = Vec::new();
            let mut truncated = false;
            while let Some(chunk) = resp.chunk().await.map_err(describe)? {
                let room = MAX_BODY - body.len();
                if chunk.len() > room {
                    body.extend_from_slice(&chunk[..room]);
                    truncated = true;
                    break;
                }
                body.extend_from_slice(&chunk);
            }
            let json = if truncated {
                None
            } else {
                serde_json::from_slice(&body).ok()
            };
            Ok(Reply {
                status,
                headers,
                body,
                truncated,
                json,
                http2,
            })
        };
        // reqwest's timeout covers the whole exchange; this outer one guards the body loop
        // too, and cuts a request short at the run's deadline.
        let budget = self.timeout + Duration::from_secs(1);
        let (budget, at_deadline) = match self.limits.remaining() {
            Some(left) if left < budget => (left, true),
            _ => (budget, false),
        };
        let result = match tokio::time::timeout(budget, fut).await {
            Ok(r) => r,
            Err(_) if at_deadline => return Err(SendError::Stopped(Stop::Deadline)),
            Err(_) => Err(format!("no complete answer within {:?}", self.timeout)),
        };
        match &result {
            Ok(_) => self.limits.record_answer(),
            Err(e) => self.limits.record_transport_failure(e),
        }
        result.map_err(SendError::Transport)
    }

    /// Sends and records.
    pub async fn exchange(
        &self,
        purpose: &str,
        req: &WireRequest,
    ) -> (Exchange, Result<Reply, SendError>) {
        let start = Instant::now();
        let result = self.send(req).await;
        let ex = record(purpose, req, &result, start.elapsed());
        (ex, result)
    }
}

fn describe(e: reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_redirect() {
        "redirect error"
    } else if e.is_body() || e.is_decode() {
        "broken response body"
    } else {
        "request failed"
    };
    // The source chain says why (refused, reset, certificate...).
    let mut msg = format!("{kind}: {e}");
    let mut src = std::error::Error::source(&e);
    while let Some(s) = src {
        msg.push_str(&format!(": {s}"));
        src = s.source();
    }
    let lower = msg.to_ascii_lowercase();
    if lower.contains("certificate") || lower.contains("unknownissuer") {
        msg.push_str(
            " (the server's TLS certificate is not trusted: give --ca-cert FILE with the CA \
             that issued it, or, for a throwaway test server only, --insecure)",
        );
    }
    // rustls reading a plain-HTTP answer as a TLS record.
    if lower.contains("invalidcontenttype") || lower.contains("corrupt message") {
        msg.push_str(
            " (the port answers plain HTTP, not TLS: use an http:// issuer for it, or the \
             server's HTTPS port)",
        );
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// The bytes of the request head a raw loopback server received for `req`.
    async fn head_on_the_wire(name_case: FieldNameCase) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/token", listener.local_addr().unwrap());
        let server = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut got = Vec::new();
            let mut buf = [0u8; 4096];
            while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = s.read(&mut buf).await.unwrap();
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
            }
            s.write_all(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
                .await
                .unwrap();
            String::from_utf8_lossy(&got).into_owned()
        });
        let http = Http::new(&HttpOptions::default()).unwrap();
        let req = WireRequest {
            method: "POST".into(),
            url,
            headers: vec![
                ("OAuth-Client-Attestation-PoP".into(), "x".into()),
                ("DPoP".into(), "y".into()),
            ],
            body: String::new(),
            name_case,
        };
        let (ex, reply) = http.exchange("request", &req).await;
        assert_eq!(reply.unwrap().status, 204);
        let head = tokio::time::timeout(Duration::from_secs(5), server)
            .await
            .unwrap()
            .unwrap();
        // The record says what went on the wire.
        if name_case == FieldNameCase::Title {
            assert_eq!(ex.request.headers[0].0, "Oauth-Client-Attestation-Pop");
        }
        head
    }

    #[tokio::test]
    async fn field_names_go_in_the_case_asked_for() {
        let lower = head_on_the_wire(FieldNameCase::Lower).await;
        assert!(
            lower.contains("\r\noauth-client-attestation-pop: x\r\n"),
            "{lower}"
        );
        assert!(lower.contains("\r\ndpop: y\r\n"), "{lower}");
        let title = head_on_the_wire(FieldNameCase::Title).await;
        assert!(
            title.contains("\r\nOauth-Client-Attestation-Pop: x\r\n"),
            "{title}"
        );
        assert!(title.contains("\r\nDpop: y\r\n"), "{title}");
    }
}
