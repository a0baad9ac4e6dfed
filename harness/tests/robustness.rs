//! The harness against misbehaving servers: every fault ends in `error` verdicts that say
//! why, or in exit status 2 with a clear message when nothing can run (docs/design.md); never a
//! panic, never a hang.
//!
//! Each test runs the built binary exactly as a user would (`abca-conformance run ...
//! --report-dir DIR --format json`), as a child killed on drop, inside a tokio timeout; the
//! misbehaving server is wiremock (metadata, status codes, slow and huge bodies) or a raw
//! `TcpListener` (no answer, reset, half a response, an endless body), or a TLS front with a
//! self-signed certificate made by rcgen in the test.
#[path = "common/process.rs"]
mod process;

use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// No test may take longer than this, whatever the server does.
const TEST_LIMIT: Duration = Duration::from_secs(50);

/// The valid request and one negative, token endpoint, normal mode: enough to see both how
/// a control and how a negative case are judged. (Combined mode and PAR are not advertised
/// by the mocks, so their cases are not_applicable.)
const ONLY: [&str; 4] = ["--only", "control-valid-request", "--only", "pop-alg-none"];
const CONTROL: &str = "control-valid-request/attestation_pop_jwt/token";
const NEGATIVE: &str = "pop-alg-none/attestation_pop_jwt/token";

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    /// report.json, when the run got that far.
    report: Option<Value>,
    took: Duration,
}

impl Run {
    fn result(&self, id: &str) -> &Value {
        let report = self
            .report
            .as_ref()
            .unwrap_or_else(|| panic!("no report; exit {:?}\nstderr:\n{}", self.code, self.stderr));
        report["results"]
            .as_array()
            .and_then(|rs| rs.iter().find(|r| r["id"] == id))
            .unwrap_or_else(|| panic!("no result {id} in {report:#}"))
    }
    fn verdict(&self, id: &str) -> (String, String) {
        let r = self.result(id);
        (
            r["verdict"].as_str().unwrap_or("").to_string(),
            r["reason"].as_str().unwrap_or("").to_string(),
        )
    }
    fn results(&self) -> Vec<Value> {
        self.report
            .as_ref()
            .and_then(|r| r["results"].as_array().cloned())
            .unwrap_or_default()
    }
}

/// Runs `abca-conformance run ARGS --report-dir TMP --format json`; fails the test on a
/// panic message or when the process outlives `limit`.
async fn cli(args: &[String], limit: Duration) -> Run {
    let out_dir = tempfile::tempdir().unwrap();
    let mut cmd = process::bin();
    // --keep-going: these rows test how each case copes with a bad answer, past the
    // preflight that would otherwise stop at the refused control (tests/preflight.rs).
    cmd.args(["run", "--keep-going"])
        .args(args)
        .arg("--report-dir")
        .arg(out_dir.path())
        .args(["--format", "json"])
        .current_dir(out_dir.path());
    let start = Instant::now();
    let out = process::output(cmd, limit, &format!("abca-conformance {args:?}")).await;
    let run = Run {
        code: out.code,
        stdout: out.stdout,
        stderr: out.stderr,
        report: std::fs::read_to_string(out_dir.path().join("report.json"))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok()),
        took: start.elapsed(),
    };
    assert!(
        !run.stderr.contains("panicked"),
        "the harness panicked:\n{}",
        run.stderr
    );
    run
}

/// Every test body runs under [`TEST_LIMIT`].
async fn limited<F: std::future::Future<Output = ()>>(f: F) {
    tokio::time::timeout(TEST_LIMIT, f)
        .await
        .expect("test exceeded its time limit");
}

/// An attester key for the run (any key: the mocks verify nothing).
fn attester_key(dir: &std::path::Path) -> String {
    abca_conformance::keygen::keygen(dir)
        .unwrap()
        .private_jwk
        .display()
        .to_string()
}

fn target_args(issuer: &str, key: &str, extra: &[&str]) -> Vec<String> {
    let mut a: Vec<String> = [
        "--issuer",
        issuer,
        "--client-id",
        "https://client.example.com",
        "--attester-key",
        key,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    a.extend(extra.iter().map(|s| s.to_string()));
    a
}

fn metadata(issuer: &str, token_endpoint: &str) -> Value {
    json!({
        "issuer": issuer,
        "token_endpoint": token_endpoint,
        "token_endpoint_auth_methods_supported": ["attest_jwt_client_auth"],
        "client_attestation_signing_alg_values_supported": ["ES256"],
        "client_attestation_pop_signing_alg_values_supported": ["ES256"],
    })
}

/// wiremock serving RFC 8414 metadata whose token endpoint is `token` (default: its own
/// `/token`).
async fn metadata_server(token: Option<String>) -> MockServer {
    let server = MockServer::start().await;
    let issuer = server.uri();
    let token = token.unwrap_or_else(|| format!("{issuer}/token"));
    Mock::given(method("GET"))
        .and(path("/.well-known/oauth-authorization-server"))
        .respond_with(ResponseTemplate::new(200).set_body_json(metadata(&issuer, &token)))
        .mount(&server)
        .await;
    server
}

async fn with_token_reply(reply: ResponseTemplate) -> MockServer {
    let server = metadata_server(None).await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(reply)
        .mount(&server)
        .await;
    server
}

fn token_ok() -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("cache-control", "no-store")
        .set_body_json(json!({"access_token": "at", "token_type": "Bearer", "expires_in": 60}))
}

/// Runs the two cases against `issuer`.
async fn run_two(issuer: &str, extra: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let key = attester_key(dir.path());
    let mut args = target_args(issuer, &key, &ONLY);
    args.extend(extra.iter().map(|s| s.to_string()));
    cli(&args, TEST_LIMIT - Duration::from_secs(5)).await
}

/// The shape every "the server answered, but badly" row has: the control fails with the
/// status in its reason, the negative is `error` (inconclusive without an accepted control),
/// nothing passes, exit 1.
fn assert_control_failed_negative_error(run: &Run, status: &str) {
    let (v, reason) = run.verdict(CONTROL);
    assert_eq!(v, "fail", "{reason}");
    assert!(
        reason.contains(status),
        "control reason lacks {status}: {reason}"
    );
    let (v, reason) = run.verdict(NEGATIVE);
    assert_eq!(v, "error", "{reason}");
    let negative = run.results().iter().find(|r| r["id"] == NEGATIVE).cloned();
    assert_eq!(
        negative.map(|r| r["inconclusive"].clone()),
        Some("control_refused".into()),
        "{reason}"
    );
    assert!(run.results().iter().all(|r| r["verdict"] != "pass"));
    assert_eq!(run.code, Some(1), "stderr:\n{}", run.stderr);
}

// ---- answers that are wrong ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_error_500() {
    limited(async {
        let s =
            with_token_reply(ResponseTemplate::new(500).set_body_string("internal error")).await;
        let run = run_two(&s.uri(), &[]).await;
        assert_control_failed_negative_error(&run, "500");
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_json_body() {
    limited(async {
        let html = "<html><body>Bad Request</body></html>";
        let s = with_token_reply(
            ResponseTemplate::new(400).set_body_raw(html.as_bytes().to_vec(), "text/html"),
        )
        .await;
        let run = run_two(&s.uri(), &[]).await;
        assert_control_failed_negative_error(&run, "400");
        // What came back is kept for the report, as it was.
        let ex = &run.result(CONTROL)["exchanges"][0]["response"];
        assert_eq!(ex["body"], html);
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncated_json_body() {
    limited(async {
        let s = with_token_reply(
            ResponseTemplate::new(401)
                .set_body_raw(b"{\"error\": \"invalid_cli".to_vec(), "application/json"),
        )
        .await;
        let run = run_two(&s.uri(), &[]).await;
        assert_control_failed_negative_error(&run, "401");
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_megabyte_body_is_cut() {
    limited(async {
        let body = vec![b'x'; 10 * 1024 * 1024];
        let s = with_token_reply(ResponseTemplate::new(400).set_body_raw(body, "text/plain")).await;
        let run = run_two(&s.uri(), &[]).await;
        assert_control_failed_negative_error(&run, "400");
        let (_, reason) = run.verdict(CONTROL);
        assert!(reason.contains("body truncated"), "{reason}");
        let resp = &run.result(CONTROL)["exchanges"][0]["response"];
        assert_eq!(resp["body_truncated"], true);
        // The report keeps 64 KiB of it, not 10 MB.
        assert!(resp["body"].as_str().unwrap().len() <= 64 * 1024);
    })
    .await
}

// ---- raw TCP servers: no answer, reset, half an answer, endless answer ----

/// A raw server on 127.0.0.1: `serve` gets each accepted connection. Returns its URL and
/// the count of connections accepted.
async fn raw_server<F, Fut>(serve: F) -> (String, Arc<AtomicUsize>)
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(serve(stream));
        }
    });
    (url, accepted)
}

/// Reads one request (headers, then Content-Length bytes of body).
async fn read_request(stream: &mut TcpStream) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            while buf.len() < end + 4 + len {
                match stream.read(&mut chunk).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            }
            return;
        }
    }
}

/// Metadata on wiremock, token endpoint on a raw server (same host, another port).
async fn raw_token_target<F, Fut>(serve: F) -> (MockServer, Arc<AtomicUsize>)
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let (url, accepted) = raw_server(serve).await;
    (
        metadata_server(Some(format!("{url}/token"))).await,
        accepted,
    )
}

/// No request was answered: every case `error` with the transport reason, exit 2 because
/// nothing could be judged, and stderr says so.
fn assert_nothing_judged(run: &Run, needle: &str) {
    for id in [CONTROL, NEGATIVE] {
        let (v, reason) = run.verdict(id);
        assert_eq!(v, "error", "{id}: {reason}");
        assert!(
            reason.to_lowercase().contains(needle),
            "{id}: reason lacks {needle:?}: {reason}"
        );
    }
    assert_eq!(run.code, Some(2), "stderr:\n{}", run.stderr);
    assert!(
        run.stderr.contains("no case could be judged"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_never_answers() {
    limited(async {
        let (s, _) = raw_token_target(|mut stream| async move {
            read_request(&mut stream).await;
            // Hold the connection open, say nothing.
            tokio::time::sleep(Duration::from_secs(120)).await;
            drop(stream);
        })
        .await;
        let run = run_two(&s.uri(), &["--timeout", "1"]).await;
        assert_nothing_judged(&run, "timed out");
        // Two requests (control, then both cases at once) of 1 s each, not 120 s.
        assert!(run.took < Duration::from_secs(15), "{:?}", run.took);
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_reset() {
    limited(async {
        // Accept and close at once, without reading: the kernel answers the pending
        // request with a reset.
        let (s, _) = raw_token_target(|stream| async move { drop(stream) }).await;
        let run = run_two(&s.uri(), &[]).await;
        assert_nothing_judged(&run, "no answer from the server");
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_a_response_then_close() {
    limited(async {
        let (s, _) = raw_token_target(|mut stream| async move {
            read_request(&mut stream).await;
            let _ = stream
                .write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{\"access_to",
                )
                .await;
            let _ = stream.shutdown().await;
        })
        .await;
        let run = run_two(&s.uri(), &[]).await;
        assert_nothing_judged(&run, "broken response body");
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_body_is_cut_quickly() {
    limited(async {
        let (s, _) = raw_token_target(|mut stream| async move {
            read_request(&mut stream).await;
            let head = b"HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n";
            if stream.write_all(head).await.is_err() {
                return;
            }
            let mut chunk = format!("{:x}\r\n", 64 * 1024).into_bytes();
            chunk.extend(std::iter::repeat_n(b'y', 64 * 1024));
            chunk.extend_from_slice(b"\r\n");
            // Until the client hangs up (capped at 4 GiB so a broken harness cannot keep
            // this task alive forever).
            for _ in 0..65_536 {
                if stream.write_all(&chunk).await.is_err() {
                    return;
                }
            }
        })
        .await;
        // A generous per-request timeout: the cut must come from the size cap, not the clock.
        let run = run_two(&s.uri(), &["--timeout", "30"]).await;
        let (v, reason) = run.verdict(CONTROL);
        assert_eq!(v, "fail", "{reason}");
        assert!(reason.contains("body truncated"), "{reason}");
        assert_eq!(
            run.result(CONTROL)["exchanges"][0]["response"]["body_truncated"],
            true
        );
        assert!(run.took < Duration::from_secs(20), "{:?}", run.took);
    })
    .await
}

// ---- slow answers ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_answer_within_timeout_is_judged() {
    limited(async {
        let s = with_token_reply(token_ok().set_delay(Duration::from_millis(400))).await;
        let run = run_two(&s.uri(), &["--timeout", "5"]).await;
        let (v, reason) = run.verdict(CONTROL);
        assert_eq!(v, "pass", "{reason}");
        // This server accepts everything: the unsigned PoP is accepted, a MUST broken.
        let (v, reason) = run.verdict(NEGATIVE);
        assert_eq!(v, "fail", "{reason}");
        assert_eq!(run.code, Some(1));
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_answer_beyond_timeout_is_error() {
    limited(async {
        let s = with_token_reply(token_ok().set_delay(Duration::from_secs(3))).await;
        let run = run_two(&s.uri(), &["--timeout", "1"]).await;
        assert_nothing_judged(&run, "timed out");
    })
    .await
}

// ---- redirects and hosts ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirect_is_judged_not_followed() {
    limited(async {
        let elsewhere = MockServer::start().await;
        Mock::given(wiremock::matchers::any())
            .respond_with(token_ok())
            .mount(&elsewhere)
            .await;
        let s = with_token_reply(
            ResponseTemplate::new(307)
                .insert_header("location", format!("{}/token", elsewhere.uri())),
        )
        .await;
        let run = run_two(&s.uri(), &[]).await;
        assert_control_failed_negative_error(&run, "307");
        let got = elsewhere.received_requests().await.unwrap_or_default();
        assert!(got.is_empty(), "the redirect was followed: {got:?}");
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_redirect_is_not_followed() {
    limited(async {
        let elsewhere = metadata_server(None).await;
        let s = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(302).insert_header(
                "location",
                format!("{}/.well-known/oauth-authorization-server", elsewhere.uri()),
            ))
            .mount(&s)
            .await;
        let run = run_two(&s.uri(), &[]).await;
        assert_eq!(run.code, Some(2));
        assert!(run.stderr.contains("HTTP 302"), "{}", run.stderr);
        assert!(elsewhere
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty());
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endpoint_on_another_host_is_refused() {
    limited(async {
        // Same port, another host name: the suite must not go there.
        let s = MockServer::start().await;
        let issuer = s.uri();
        let port = s.address().port();
        Mock::given(method("GET"))
            .and(path("/.well-known/oauth-authorization-server"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(metadata(&issuer, &format!("http://localhost:{port}/token"))),
            )
            .mount(&s)
            .await;
        let run = run_two(&issuer, &[]).await;
        assert_eq!(run.code, Some(2));
        assert!(
            run.stderr.contains("only contacts the target's own host"),
            "{}",
            run.stderr
        );
        let posts: Vec<_> = s
            .received_requests()
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.method.as_str() == "POST")
            .collect();
        assert!(posts.is_empty());
    })
    .await
}

// ---- metadata ----

async fn metadata_row(reply: ResponseTemplate, needle: &str) {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/.well-known/oauth-authorization-server"))
        .respond_with(reply)
        .mount(&s)
        .await;
    // Everything else (the OpenID Connect fallback URL) is 404.
    let run = run_two(&s.uri(), &[]).await;
    assert_eq!(run.code, Some(2), "stderr:\n{}", run.stderr);
    assert!(
        run.stderr.contains("abca-conformance: error:") && run.stderr.contains(needle),
        "stderr lacks {needle:?}:\n{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_missing() {
    limited(metadata_row(ResponseTemplate::new(404), "HTTP 404")).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_not_json() {
    limited(metadata_row(
        ResponseTemplate::new(200).set_body_raw(b"<html>hi</html>".to_vec(), "text/html"),
        "not a JSON object",
    ))
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_wrong_issuer() {
    limited(metadata_row(
        ResponseTemplate::new(200).set_body_json(metadata(
            "https://evil.example",
            "https://evil.example/token",
        )),
        "differs from the configured issuer",
    ))
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn target_unreachable() {
    limited(async {
        // A port nobody listens on.
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", l.local_addr().unwrap());
        drop(l);
        let run = run_two(&url, &[]).await;
        assert_eq!(run.code, Some(2));
        assert!(run.stderr.contains("could not connect"), "{}", run.stderr);
    })
    .await
}

// ---- live-server etiquette: rate, deadline, circuit breaker ----

/// Answers 400 invalid_client and notes when each request arrived.
struct Stamps(Arc<Mutex<Vec<Instant>>>);

impl wiremock::Respond for Stamps {
    fn respond(&self, _: &wiremock::Request) -> ResponseTemplate {
        self.0.lock().unwrap().push(Instant::now());
        ResponseTemplate::new(400).set_body_json(json!({"error": "invalid_client"}))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_is_shared_across_concurrent_cases() {
    limited(async {
        let stamps = Arc::new(Mutex::new(Vec::new()));
        let s = metadata_server(None).await;
        Mock::given(method("POST"))
            .and(path("/token"))
            .respond_with(Stamps(stamps.clone()))
            .mount(&s)
            .await;
        let dir = tempfile::tempdir().unwrap();
        let key = attester_key(dir.path());
        let rate = 20.0;
        let args = target_args(
            &s.uri(),
            &key,
            &["--only", "pop-a", "--jobs", "8", "--rate", "20"],
        );
        let run = cli(&args, Duration::from_secs(40)).await;
        assert!(run.code.is_some());
        let mut t = stamps.lock().unwrap().clone();
        t.sort();
        assert!(t.len() >= 6, "too few requests to measure: {}", t.len());
        // A bucket of one token hands out slots one interval apart, so n requests span at
        // least n-1 intervals although 8 cases ran at once; without the limit they arrive
        // within a few tens of milliseconds. The whole span is measured, not every window:
        // on a loaded machine a stalled process releases several due slots together, which
        // a window would count as a burst although the rate over the run was kept.
        let interval = Duration::from_secs_f64(1.0 / rate);
        let n = u32::try_from(t.len()).expect("a handful of requests");
        let span = t[t.len() - 1] - t[0];
        assert!(
            span + Duration::from_millis(100) >= interval * (n - 1),
            "{n} requests within {span:?} at --rate {rate}"
        );
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deadline_ends_the_run() {
    limited(async {
        let s = with_token_reply(
            ResponseTemplate::new(400)
                .set_body_json(json!({"error": "invalid_client"}))
                .set_delay(Duration::from_millis(500)),
        )
        .await;
        let dir = tempfile::tempdir().unwrap();
        let key = attester_key(dir.path());
        let args = target_args(
            &s.uri(),
            &key,
            &["--only", "pop-", "--jobs", "1", "--deadline", "2"],
        );
        let run = cli(&args, Duration::from_secs(40)).await;
        let results = run.results();
        let late = results
            .iter()
            .filter(|r| r["verdict"] == "error" && r["reason"] == "run deadline reached")
            .count();
        assert!(late > 5, "{late} cases marked deadline in {results:#?}");
        // The deadline is kept: 2 s, plus start-up and writing the report.
        assert!(run.took < Duration::from_secs(6), "{:?}", run.took);
        assert!(run.code == Some(1) || run.code == Some(2), "{:?}", run.code);
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn circuit_breaker_stops_sending() {
    limited(async {
        let (s, accepted) = raw_token_target(|stream| async move { drop(stream) }).await;
        let dir = tempfile::tempdir().unwrap();
        let key = attester_key(dir.path());
        let args = target_args(
            &s.uri(),
            &key,
            &[
                "--only",
                "pop-",
                "--jobs",
                "1",
                "--max-consecutive-errors",
                "3",
            ],
        );
        let run = cli(&args, Duration::from_secs(40)).await;
        assert_eq!(run.code, Some(2), "stderr:\n{}", run.stderr);
        assert!(
            run.stderr.contains("stopped after 3 consecutive errors"),
            "{}",
            run.stderr
        );
        let results = run.results();
        let stopped = results
            .iter()
            .filter(|r| {
                r["verdict"] == "error"
                    && r["reason"]
                        .as_str()
                        .unwrap_or("")
                        .starts_with("stopped after 3 consecutive errors: ")
            })
            .count();
        assert!(stopped > 10, "{stopped} stopped cases in {results:#?}");
        assert!(
            accepted.load(Ordering::SeqCst) <= 3,
            "{} connections after the breaker's limit of 3",
            accepted.load(Ordering::SeqCst)
        );
    })
    .await
}

// ---- TLS ----

/// A TLS front with a fresh self-signed certificate for 127.0.0.1, relaying to the
/// reference AS (whose issuer is the https URL). Returns the issuer, the certificate (PEM),
/// the attester key file, and the folder holding it.
async fn tls_reference_as() -> (String, String, String, tempfile::TempDir) {
    use tokio_rustls::rustls;
    let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.cert.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(cert.key_pair.serialize_der().into()),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("https://{}", listener.local_addr().unwrap());

    let dir = tempfile::tempdir().unwrap();
    let keys = abca_conformance::keygen::keygen(dir.path()).unwrap();
    let mut config = reference_as::ServerConfig {
        issuer: Some(issuer.clone()),
        ..Default::default()
    };
    config.attester_jwks =
        serde_json::from_str(&std::fs::read_to_string(&keys.public_jwks).unwrap()).unwrap();
    let server = reference_as::start(config).await.unwrap();
    let backend = server.addr;
    // Kept alive for the test: leaking the handle is the simplest owner here.
    std::mem::forget(server);
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A client that refuses the certificate ends the handshake: nothing to do.
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let Ok(mut up) = TcpStream::connect(backend).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut up).await;
            });
        }
    });
    (
        issuer,
        cert.cert.pem(),
        keys.private_jwk.display().to_string(),
        dir,
    )
}

const TLS_ONLY: [&str; 2] = ["--only", "control-valid-request"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_self_signed_is_refused() {
    limited(async {
        let (issuer, _, key, _dir) = tls_reference_as().await;
        let run = cli(
            &target_args(&issuer, &key, &TLS_ONLY),
            Duration::from_secs(40),
        )
        .await;
        assert_eq!(run.code, Some(2), "stderr:\n{}", run.stderr);
        assert!(run.stderr.contains("certificate"), "{}", run.stderr);
        assert!(run.stderr.contains("--ca-cert"), "{}", run.stderr);
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_with_ca_cert_works() {
    limited(async {
        let (issuer, pem, key, dir) = tls_reference_as().await;
        let ca = dir.path().join("ca.pem");
        std::fs::write(&ca, pem).unwrap();
        let mut extra = TLS_ONLY.to_vec();
        extra.extend(["--ca-cert", ca.to_str().unwrap()]);
        let run = cli(&target_args(&issuer, &key, &extra), Duration::from_secs(40)).await;
        assert_eq!(
            run.code,
            Some(0),
            "stdout:\n{}\nstderr:\n{}",
            run.stdout,
            run.stderr
        );
        let (v, reason) = run.verdict(CONTROL);
        assert_eq!(v, "pass", "{reason}");
        assert!(!run.stderr.contains("WARNING"), "{}", run.stderr);
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_insecure_works_with_a_warning() {
    limited(async {
        let (issuer, _, key, _dir) = tls_reference_as().await;
        let mut extra = TLS_ONLY.to_vec();
        extra.push("--insecure");
        let run = cli(&target_args(&issuer, &key, &extra), Duration::from_secs(40)).await;
        assert_eq!(run.code, Some(0), "stderr:\n{}", run.stderr);
        let (v, reason) = run.verdict(CONTROL);
        assert_eq!(v, "pass", "{reason}");
        assert!(
            run.stderr
                .contains("WARNING: --insecure: TLS certificates are NOT verified"),
            "{}",
            run.stderr
        );
    })
    .await
}

// ---- key hygiene ----

/// Every encoding of a secret the output must not contain.
struct Secrets(Vec<(String, String)>);

impl Secrets {
    fn add(&mut self, what: &str, value: &str) {
        // Short fragments would match by chance; every needle here is 20+ characters.
        assert!(value.len() >= 20, "{what} is too short to scan for");
        self.0.push((what.to_string(), value.to_string()));
    }
    /// The names of the secrets found in `text`.
    fn found_in(&self, text: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(_, v)| text.contains(v.as_str()))
            .map(|(w, _)| w.clone())
            .collect()
    }
}

/// Every file below `dir`, recursively, as (path, lossy text).
fn files_below(dir: &std::path::Path) -> Vec<(std::path::PathBuf, String)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_below(&p));
        } else {
            let text = String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned();
            out.push((p, text));
        }
    }
    out
}

/// `abca-conformance serve` as a child trusting `jwks`; returns it and its issuer.
async fn serve(jwks: &std::path::Path) -> (tokio::process::Child, String) {
    use tokio::io::AsyncBufReadExt;
    let mut child = process::bin()
        .args(["serve", "--port", "0", "--attester-jwks"])
        .arg(jwks)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start serve");
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .expect("serve did not say it was ready")
        .unwrap()
        .expect("serve ended before it was ready");
    // "reference AS ready: issuer http://127.0.0.1:PORT metadata ..."
    let issuer = line
        .split_whitespace()
        .skip_while(|w| *w != "issuer")
        .nth(1)
        .unwrap_or_else(|| panic!("no issuer in {line:?}"))
        .to_string();
    (child, issuer)
}

#[derive(Clone, Copy, Debug)]
enum KeyForm {
    Jwk,
    Pem,
}

/// The attester's private key (its `d`, and the PEM body when a PEM is used) and a MAC key
/// given in the target file appear nowhere: not in any report format, not on stdout, not
/// on stderr. The harness does send the *instance* key's `d` in the cnf-with-private-key
/// scenarios on purpose; that key is a throwaway made per run, not a user secret.
async fn no_secret_in_output(form: KeyForm) {
    use abca_conformance::jose::key::SigningKey;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut secrets = Secrets(Vec::new());
    let key_path = match form {
        KeyForm::Jwk => {
            abca_conformance::keygen::keygen(&d.join("keys"))
                .unwrap()
                .private_jwk
        }
        KeyForm::Pem => {
            // rcgen's default key: ECDSA P-256, PKCS#8 PEM.
            let pem = rcgen::KeyPair::generate().unwrap().serialize_pem();
            for line in pem.lines().filter(|l| !l.starts_with("-----")) {
                if line.len() >= 20 {
                    secrets.add("a line of the PEM body", line);
                }
            }
            let p = d.join("attester.pem");
            std::fs::write(&p, pem).unwrap();
            p
        }
    };
    let attester = SigningKey::from_file(&key_path).unwrap();
    let private = attester.private_jwk();
    let d_b64 = private["d"].as_str().unwrap().to_string();
    secrets.add("the attester's d", &d_b64);
    let kid = attester.thumbprint();
    let mut public = attester.public_jwk();
    public["kid"] = kid.clone().into();
    let jwks = d.join("attesters.jwks.json");
    std::fs::write(&jwks, json!({ "keys": [public] }).to_string()).unwrap();

    // A user secret of another kind: the attester MAC key named in the target file.
    let mac: Vec<u8> = (0..32u8)
        .map(|i| i.wrapping_mul(37).wrapping_add(11))
        .collect();
    use base64::Engine;
    let k = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&mac);
    secrets.add("the MAC key (base64url)", &k);
    secrets.add(
        "the MAC key (base64)",
        &base64::engine::general_purpose::STANDARD.encode(&mac),
    );
    let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
    secrets.add("the MAC key (hex)", &hex);
    std::fs::write(
        d.join("mac.jwk.json"),
        json!({"kty": "oct", "k": k}).to_string(),
    )
    .unwrap();

    // The scan finds what it looks for (else a pass would mean nothing).
    let key_text = std::fs::read_to_string(&key_path).unwrap();
    assert!(!secrets.found_in(&key_text).is_empty());
    assert!(secrets
        .found_in(&private.to_string())
        .contains(&"the attester's d".to_string()));

    let (mut server, issuer) = serve(&jwks).await;
    let target = d.join("target.yaml");
    std::fs::write(
        &target,
        format!(
            "issuer: {issuer}\nclient_id: https://client.example.com\nattester_key: {}\nattester_kid: {kid}\nattestation_mac_key: mac.jwk.json\n",
            key_path.display()
        ),
    )
    .unwrap();
    // Every report format this build knows.
    let formats: Vec<&str> = ["json", "junit", "html", "md"]
        .into_iter()
        .filter(|f| abca_conformance::report::Format::parse_list(f).is_ok())
        .collect();
    let reports = d.join("reports");
    let mut cmd = process::bin();
    cmd.args(["run", "--verbose", "--target"])
        .arg(&target)
        .arg("--report-dir")
        .arg(&reports)
        .args(["--format", &formats.join(",")])
        .current_dir(d);
    let out = process::output(cmd, Duration::from_secs(40), "the run").await;
    let _ = server.kill().await;
    let (stdout, stderr) = (&out.stdout, &out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    // The suite ran for real (0 or 1; the server does not trust the MAC key).
    assert!(
        matches!(out.code, Some(0) | Some(1)),
        "exit {:?}\n{stderr}",
        out.code
    );
    let written = files_below(&reports);
    assert_eq!(written.len(), formats.len(), "{written:?}");
    let report: Value = serde_json::from_str(
        &written
            .iter()
            .find(|(p, _)| p.ends_with("report.json"))
            .unwrap()
            .1,
    )
    .unwrap();
    assert!(report["results"].as_array().unwrap().len() > 100);
    // The attester key was really used: the server accepted the valid request.
    let control = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == CONTROL)
        .unwrap();
    assert_eq!(control["verdict"], "pass", "{control:#}");
    let mut leaks = Vec::new();
    for (name, text) in [("stdout", stdout.as_ref()), ("stderr", stderr.as_ref())] {
        for s in secrets.found_in(text) {
            leaks.push(format!("{s} in {name}"));
        }
    }
    for (p, text) in &written {
        for s in secrets.found_in(text) {
            leaks.push(format!("{s} in {}", p.display()));
        }
    }
    assert!(leaks.is_empty(), "secrets leaked ({form:?}): {leaks:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attester_jwk_and_mac_key_never_leak() {
    limited(no_secret_in_output(KeyForm::Jwk)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attester_pem_and_mac_key_never_leak() {
    limited(no_secret_in_output(KeyForm::Pem)).await
}

/// A challenge endpoint that does not answer proves nothing about the challenge rules: the
/// built-in challenge checks are `error` with the cause `no_answer`, not `fail`, and the
/// requests that need a challenge first say so too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn challenge_endpoint_without_answer_is_inconclusive() {
    limited(async {
        let server = MockServer::start().await;
        let issuer = server.uri();
        // A port nobody listens on: connection refused.
        let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let challenge = format!("http://{}/challenge", closed.local_addr().unwrap());
        drop(closed);
        let mut md = metadata(&issuer, &format!("{issuer}/token"));
        md["challenge_endpoint"] = json!(challenge);
        Mock::given(method("GET"))
            .and(path("/.well-known/oauth-authorization-server"))
            .respond_with(ResponseTemplate::new(200).set_body_json(md))
            .mount(&server)
            .await;
        let dir = tempfile::tempdir().unwrap();
        let key = attester_key(dir.path());
        let args = target_args(
            &issuer,
            &key,
            &["--only", "chal-endpoint-response", "--only", "pop-alg-none"],
        );
        let run = cli(&args, TEST_LIMIT - Duration::from_secs(5)).await;
        for id in [
            "chal-endpoint-response/none/challenge",
            "pop-alg-none/attestation_pop_jwt/token",
        ] {
            let r = run.result(id);
            assert_eq!(r["verdict"], "error", "{r:#}");
            assert_eq!(r["inconclusive"], "no_answer", "{r:#}");
        }
    })
    .await;
}
