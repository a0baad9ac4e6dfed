//! Property test over raw requests, in-process through `router()` with tower's `oneshot`:
//! arbitrary methods, paths, header values (including non-UTF-8 and huge ones), bodies and
//! mangled versions of valid tokens never produce a 5xx, a non-JSON error or a panic.
mod common;

use axum::body::Body;
use axum::http::{HeaderValue, Request};
use common::*;
use proptest::prelude::*;
use reference_as::{ChallengePolicy, DpopNoncePolicy, Draft, Fault, ServerConfig};
use std::sync::LazyLock;
use tower::ServiceExt;

const ISSUER: &str = "http://127.0.0.1:9";

/// Valid tokens to mangle, built once (they stay time-valid for the length of the run).
static SEEDS: LazyLock<Vec<String>> = LazyLock::new(|| {
    let att = attestation(CLIENT_ID, &CLIENT).encode();
    let pop = pop(ISSUER, &CLIENT).encode();
    let dpop = dpop(ISSUER, Ep::Token, &CLIENT).encode();
    vec![att, pop, dpop]
});

#[derive(Debug, Clone)]
enum HeaderInput {
    Bytes(Vec<u8>),
    Huge(u8, usize),
    Seed(usize),
    Mangled {
        seed: usize,
        at: usize,
        op: u8,
        byte: u8,
    },
}

/// Values for a header whose valid token is `SEEDS[seed]` (0 attestation, 1 PoP, 2 DPoP):
/// mostly that token, intact or mangled, sometimes random or huge bytes.
fn header_value(seed: usize) -> impl Strategy<Value = HeaderInput> {
    prop_oneof![
        1 => prop::collection::vec(any::<u8>(), 0..80).prop_map(HeaderInput::Bytes),
        1 => (any::<u8>(), 1usize..70_000).prop_map(|(b, n)| HeaderInput::Huge(b, n)),
        4 => (any::<usize>(), 0u8..4, any::<u8>())
            .prop_map(move |(at, op, byte)| HeaderInput::Mangled { seed, at, op, byte }),
        3 => Just(HeaderInput::Seed(seed)),
    ]
}

fn render(v: &HeaderInput) -> Vec<u8> {
    match v {
        HeaderInput::Bytes(b) => b.clone(),
        HeaderInput::Huge(b, n) => vec![b'A' + (b % 26); *n],
        HeaderInput::Seed(i) => SEEDS[*i].clone().into_bytes(),
        HeaderInput::Mangled { seed, at, op, byte } => {
            let mut s = SEEDS[*seed].clone().into_bytes();
            let i = at % s.len();
            match op {
                0 => s.truncate(i),
                1 => s[i] = *byte,
                2 => s.insert(i, *byte),
                _ => {
                    // Swap a whole segment for another token's segment.
                    let other = &SEEDS[(seed + 1) % SEEDS.len()];
                    let mut parts: Vec<&str> =
                        std::str::from_utf8(&s).unwrap_or("").split('.').collect();
                    let oparts: Vec<&str> = other.split('.').collect();
                    if parts.len() == 3 {
                        parts[i % 3] = oparts[i % 3];
                    }
                    s = parts.join(".").into_bytes();
                }
            }
            s
        }
    }
}

/// A request to `path`, declared a form body when `form_ct`.
fn form_request(method: &str, path: &str, form_ct: bool) -> axum::http::request::Builder {
    let req = Request::builder().method(method).uri(path);
    if form_ct {
        req.header("content-type", "application/x-www-form-urlencoded")
    } else {
        req
    }
}

fn config(fault: Option<usize>, policies: u8) -> ServerConfig {
    let mut c = base_config();
    c.issuer = Some(ISSUER.into());
    c.challenge = match policies % 3 {
        0 => ChallengePolicy::Off,
        1 => ChallengePolicy::Optional,
        _ => ChallengePolicy::Required,
    };
    c.dpop_nonce = if policies & 4 != 0 {
        DpopNoncePolicy::Required
    } else {
        DpopNoncePolicy::Off
    };
    // Every revision: the field syntax and the checks differ per revision (draft.rs).
    c.draft = Draft::ALL[usize::from(policies >> 3) % Draft::ALL.len()];
    if let Some(i) = fault {
        let f = Fault::all()[i % Fault::all().len()];
        // These faults break the property on purpose: one answers 500, the other answers
        // errors with a non-JSON body (the self-test's ERR-OAUTH-RESPONSE must see it).
        if f != Fault::ServerErrorOnMalformed && f != Fault::ErrorsNotOauthJson {
            c.faults = [f].into();
        }
    }
    c
}

static RT: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
});

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn never_a_server_error(
        method in prop_oneof![
            3 => Just("POST"),
            1 => prop::sample::select(vec!["GET", "HEAD", "PUT", "OPTIONS", "DELETE"]),
        ],
        path in prop_oneof![
            3 => prop::sample::select(vec!["/token", "/par"]),
            1 => prop::sample::select(vec![
                "/challenge", "/.well-known/oauth-authorization-server", "/", "/token/", "/nope", "/%ff",
                "/test/pre-authorized-code",
            ]),
        ],
        att in prop::option::weighted(0.9, header_value(0)),
        pop in prop::option::weighted(0.5, header_value(1)),
        dpop in prop::option::weighted(0.5, header_value(2)),
        extra in prop::collection::vec(
            (prop::sample::select(vec![
                "oauth-client-attestation", "oauth-client-attestation-pop", "dpop",
                "content-type", "x-other",
            ]), (0usize..3).prop_flat_map(header_value)),
            0..3,
        ),
        form_ct in prop::bool::weighted(0.8),
        body in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..200),
            Just(b"grant_type=client_credentials".to_vec()),
            Just(b"grant_type=client_credentials".to_vec()),
            Just(b"response_type=code&redirect_uri=https%3A%2F%2Fclient.example.com%2Fcb&client_id=%ff".to_vec()),
            Just(b"grant_type=authorization_code&code=x&redirect_uri=%ff&code_verifier=".to_vec()),
            Just(b"grant_type=refresh_token&refresh_token=%00".to_vec()),
            Just(b"grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code&pre-authorized_code=\xff".to_vec()),
            (1usize..100_000).prop_map(|n| vec![b'x'; n]),
        ],
        fault in prop::option::weighted(0.7, any::<usize>()),
        policies in any::<u8>(),
    ) {
        let app = reference_as::router(config(fault, policies)).expect("router");
        let mut req = form_request(method, path, form_ct);
        let main = [("oauth-client-attestation", att), ("oauth-client-attestation-pop", pop), ("dpop", dpop)];
        let headers = main
            .into_iter()
            .filter_map(|(n, v)| v.map(|v| (n, v)))
            .chain(extra);
        for (name, v) in headers {
            if let Ok(hv) = HeaderValue::from_bytes(&render(&v)) {
                req = req.header(name, hv);
            }
        }
        let req = req.body(Body::from(body)).expect("request");
        let resp = RT.block_on(async {
            tokio::time::timeout(std::time::Duration::from_secs(10), app.oneshot(req)).await
        });
        let resp = resp.expect("no answer within 10 s").expect("infallible");
        let status = resp.status();
        prop_assert!(status.as_u16() < 500, "server error {status}");
        let bytes = RT.block_on(axum::body::to_bytes(resp.into_body(), 1 << 20)).expect("body");
        if method != "HEAD" {
            let json: Result<serde_json::Value, _> = serde_json::from_slice(&bytes);
            prop_assert!(json.is_ok(), "{status}: non-JSON body {:?}", String::from_utf8_lossy(&bytes));
            if !status.is_success() {
                prop_assert!(json.unwrap()["error"].is_string(), "{status}: error body without error code");
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// The HTML authorization pages: whatever the query, cookie and form, an HTML answer
    /// (page or redirect), never a server error.
    #[test]
    fn authorization_pages_never_fail(
        method in prop::sample::select(vec!["GET", "POST", "PUT"]),
        path in prop::sample::select(vec![
            "/authorize", "/authorize?client_id=https%3A%2F%2Fclient.example.com&request_uri=urn%3Ax",
            "/authorize?client_id=%ff&client_id=a", "/authorize?request_uri=", "/login", "/consent",
        ]),
        cookie in prop::option::weighted(0.6, prop::sample::select(vec![
            "abca_session=x", "abca_session=", "abca_session", "a=b; abca_session=%ff", "=;;=",
        ])),
        form_ct in prop::bool::weighted(0.8),
        body in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..200),
            Just(b"username=alice&password=wonderland&csrf=x".to_vec()),
            Just(b"approve=approve&deny=deny&csrf=".to_vec()),
            (1usize..100_000).prop_map(|n| vec![b'x'; n]),
        ],
        fault in prop::option::weighted(0.5, any::<usize>()),
        policies in any::<u8>(),
    ) {
        let app = reference_as::router(config(fault, policies)).expect("router");
        let mut req = form_request(method, path, form_ct);
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        let req = req.body(Body::from(body)).expect("request");
        let resp = RT.block_on(async {
            tokio::time::timeout(std::time::Duration::from_secs(10), app.oneshot(req)).await
        });
        let resp = resp.expect("no answer within 10 s").expect("infallible");
        let status = resp.status();
        prop_assert!(status.as_u16() < 500, "server error {status}");
        let ct = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        prop_assert!(ct.starts_with("text/html"), "{status}: content-type {ct:?}");
    }
}
