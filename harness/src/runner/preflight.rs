//! The preflight: before any case, check that the target can be tested at all — its metadata
//! advertises a method the suite tests, its challenge endpoint answers, and the valid request
//! of each (mode, endpoint) the run leans on (its positive control) is accepted. The token
//! endpoint's control uses the grant the target declares (issue 15: a server need not offer
//! client_credentials), and each flow the selected cases run (authorization code through the
//! user step, refresh) has its own control: the valid flow.
//!
//! A refused control is almost always a set-up mistake (attester key not registered, a `kid`
//! the server does not know, a client not registered for the method, the wrong issuer), not a
//! finding: every negative case would be inconclusive and every valid variant would be
//! refused for the same reason. So the run stops there (exit 2, "could not run") with a
//! diagnosis naming the server's own reason and the likely cause, like testssl.sh or h2spec
//! checking the connection first; `--keep-going` runs the cases anyway.
use super::cases::ControlKey;
use super::prefetch::Challenges;
use super::steps::{Env, Executed};
use crate::checks;
use crate::exchange::{Http, Reply};
use crate::flow::Flows;
use crate::report::{Preflight, PreflightCheck};
use crate::scenario::Mode;
use crate::target::Target;
use crate::verdict::{Control, Outcome};
use std::collections::BTreeMap;

/// The controls' states and executions, by (mode, endpoint, flow); cases read them.
pub type Controls = BTreeMap<ControlKey, (Control, Executed)>;

/// Runs the preflight for the controls `needed` (sorted, deduplicated); `request_cases`
/// says whether any selected case sends a request (metadata checks alone need no control).
pub async fn run(
    target: &Target,
    http: &Http,
    flows: &Flows,
    challenges: &Challenges<'_>,
    needed: &[ControlKey],
    request_cases: bool,
    sem: &tokio::sync::Semaphore,
) -> (Preflight, Controls) {
    let mut checks = Vec::new();
    checks.push(metadata_check(target, request_cases));
    if request_cases {
        if let Some(c) = challenge_check(target, http).await {
            checks.push(c);
        }
    }
    let env = Env {
        target,
        http,
        flows,
        challenges,
    };
    let runs = super::bracket::run_controls(env, sem, needed).await;
    let mut controls = Controls::new();
    for (key, e) in runs {
        let (mode, endpoint) = (key.mode, key.endpoint);
        let state = super::bracket::control_state(&e.outcome);
        let answer = match &e.outcome {
            Outcome::Reply(r) => r.summary(),
            Outcome::Transport(t) => format!("no answer: {t}"),
            Outcome::Inconclusive(_, t) | Outcome::NotApplicable(t) => t.clone(),
        };
        // A flow the server turns out not to offer (e.g. it issued no refresh token) is not
        // a set-up mistake: its cases are not applicable for the same reason, and the run
        // goes on.
        let ok = state == Control::Accepted || matches!(e.outcome, Outcome::NotApplicable(_));
        let reply = match &e.outcome {
            Outcome::Reply(r) => Some(r),
            _ => None,
        };
        checks.push(PreflightCheck {
            name: match key.flow {
                None => format!("{}/{}", mode.as_str(), endpoint.as_str()),
                Some(kind) => format!(
                    "{}/{} ({} flow)",
                    mode.as_str(),
                    endpoint.as_str(),
                    kind.as_str()
                ),
            },
            ok,
            likely_causes: if ok {
                Vec::new()
            } else {
                likely_causes(target, mode, reply, &answer)
            },
            answer,
            exchanges: e.exchanges.clone(),
        });
        controls.insert(key, (state, e));
    }
    let passed = checks.iter().all(|c| c.ok);
    (
        Preflight {
            passed,
            stopped: false,
            checks,
        },
        controls,
    )
}

/// draft-10 §Metadata: a server supporting the methods lists them in
/// `token_endpoint_auth_methods_supported`; without either, every request case would be
/// not applicable, and the run would test nothing.
fn metadata_check(target: &Target, request_cases: bool) -> PreflightCheck {
    let listed = if target.methods.is_empty() {
        "no token_endpoint_auth_methods_supported".to_string()
    } else {
        format!(
            "token_endpoint_auth_methods_supported: {}",
            target.methods.join(", ")
        )
    };
    let ok = !request_cases || !target.advertised.is_empty();
    PreflightCheck {
        name: "metadata".into(),
        ok,
        answer: format!("token_endpoint {}; {listed}", target.token_endpoint),
        likely_causes: if ok {
            Vec::new()
        } else {
            vec![format!(
                "the metadata at {} advertises neither attest_jwt_client_auth nor attest_jwt_client_auth_dpop (draft-10 §Metadata): attestation-based client authentication is not enabled on this server, or --issuer names another server",
                target.metadata_exchange.request.url
            )]
        },
        exchanges: vec![target.metadata_exchange.clone()],
    }
}

/// draft-10 §Challenge Endpoint: when advertised, a POST answers 200 with
/// `attestation_challenge`. Every request of the run starts there, so it must answer.
async fn challenge_check(target: &Target, http: &Http) -> Option<PreflightCheck> {
    let url = target.challenge_endpoint.clone()?;
    let mut exchanges = Vec::new();
    let got = checks::get_challenge(target, http, &mut exchanges).await;
    let (ok, answer) = match got {
        Ok(checks::Issued {
            challenge: Some(_), ..
        }) => (true, "200 with attestation_challenge".to_string()),
        // -11 §6.3: an endpoint that only serves DPoP nonces may leave the challenge out.
        Ok(_) => (true, "200 with a DPoP-Nonce".to_string()),
        Err(e) => (false, e.to_string()),
    };
    Some(PreflightCheck {
        name: "challenge endpoint".into(),
        ok,
        likely_causes: if ok {
            Vec::new()
        } else {
            vec![format!(
                "the metadata advertises challenge_endpoint {url}, but it does not hand out challenges (draft-10 §Challenge Endpoint: POST, 200, {{\"attestation_challenge\": ...}}): check that URL, or remove challenge_endpoint from the metadata if the server issues no challenges"
            )]
        },
        answer,
        exchanges,
    })
}

/// The likely causes of a refused valid request, most likely first: the server's own words
/// (`error`, `error_description`) read against the usual set-up mistakes.
pub fn likely_causes(
    target: &Target,
    mode: Mode,
    reply: Option<&Reply>,
    answer: &str,
) -> Vec<String> {
    let client = target.client_id(mode).to_string();
    let method = mode.method();
    let kid = target
        .keys
        .attester_kid
        .as_deref()
        .unwrap_or("(none)")
        .to_string();
    let facts = Facts {
        status: reply.map(|r| r.status),
        error: reply.and_then(|r| r.error_code()).unwrap_or("").to_string(),
        description: reply
            .and_then(|r| r.json_str("error_description"))
            .unwrap_or("")
            .to_lowercase(),
        answer: answer.to_lowercase(),
    };
    causes(
        &facts,
        &client,
        method,
        &kid,
        target.issuer(),
        target.spec.revision.name(),
    )
}

/// What a refusal said, normalised for matching.
struct Facts {
    status: Option<u16>,
    error: String,
    description: String,
    answer: String,
}

fn causes(
    f: &Facts,
    client: &str,
    method: &str,
    kid: &str,
    issuer: &str,
    revision: &str,
) -> Vec<String> {
    let d = f.description.as_str();
    // Words of the description: a short word must match a whole word ("exp" is not
    // "expected"), a longer one may start a word ("attester" in "attesters").
    let tokens: Vec<&str> = d
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|t| !t.is_empty())
        .collect();
    let has = |words: &[&str]| {
        words.iter().any(|w| {
            if w.contains(' ') {
                d.contains(w)
            } else if w.len() <= 4 {
                tokens.contains(w)
            } else {
                tokens.iter().any(|t| t.starts_with(w))
            }
        })
    };
    let mut out = Vec::new();
    let Some(status) = f.status else {
        if f.answer.contains("challenge endpoint") {
            out.push(
                "the challenge endpoint does not hand out challenges (see its check above)".into(),
            );
        } else {
            out.push("no usable answer: the server is down, the port or scheme is wrong (https against a plain-HTTP port, or the reverse), or a proxy is in the way".into());
        }
        return out;
    };
    if has(&[
        "kid",
        "attester",
        "trusted",
        "jwks",
        "signature",
        "issuer key",
        "unknown key",
    ]) {
        out.push(format!(
            "the attester key or its kid is unknown to the server: register the public JWKS (keygen writes attester.jwks.json) as a trusted attester there, and make --attester-kid / attester_kid match the kid it is registered under (sent: {kid})"
        ));
    }
    if f.error == "unauthorized_client"
        || d.contains("auth method")
        || (d.contains("client")
            && has(&[
                "unknown",
                "not registered",
                "registered",
                "not found",
                "no such",
                "not allowed",
                "not permitted",
                "method",
                "not supported",
            ]))
    {
        out.push(format!(
            "the client {client:?} is not registered at the server, or not for {method}: register it for that method, or name the client that is (--client-id / --dpop-client-id, or `clients:` in the target file)"
        ));
    }
    if has(&["aud", "audience", "issuer", "htu"]) {
        out.push(format!(
            "wrong issuer or endpoint URL: the proofs name {issuer} (PoP aud) and the endpoint URL from the metadata (DPoP htu); --issuer must be the server's issuer identifier exactly, and the metadata's endpoints the URLs it is reached at"
        ));
    }
    if has(&["challenge"]) {
        out.push("the server wants an attestation challenge the suite did not send: declare --challenge-required, and check that the metadata advertises challenge_endpoint".into());
    }
    if has(&["nonce"]) {
        out.push("a nonce problem: for DPoP nonces declare --dpop-nonce-required; a server that wants `nonce` in the PoP (not `challenge`) implements a draft before -06".into());
    }
    if has(&[
        "grant",
        "scope",
        "redirect_uri",
        "response_type",
        "code_challenge",
    ]) || matches!(
        f.error.as_str(),
        "unsupported_grant_type" | "invalid_grant" | "invalid_scope"
    ) {
        out.push("the server expects another grant or more parameters: add them per endpoint under `form:` in the target file (e.g. token: { scope: openid }, par: { redirect_uri: https://client.example.com/cb })".into());
    }
    if has(&["exp", "expired", "stale", "fresh", "iat", "clock", "time"])
        || f.error == "use_fresh_attestation"
    {
        out.push("a time problem: the clocks of this machine and the server differ, or the server wants claims (e.g. PoP exp) from another draft revision".into());
    }
    if status >= 500 || has(&["schema", "missing", "required", "unexpected", "typ"]) {
        out.push(format!("the server may implement another draft revision of the attestation or PoP format than this run's {revision} (--draft 07, 10, 11 or 12, or `draft:` in the target file); a 5xx means its logs say more"));
    }
    if matches!(status, 404 | 405) {
        out.push(format!(
            "HTTP {status}: the endpoint URL in the metadata does not take this request (wrong path, or another method expected)"
        ));
    }
    if out.is_empty() {
        out.push(format!(
            "the answer names no specific check; the usual causes: the attester key (kid {kid}) not registered, the client {client:?} not registered for {method}, the wrong issuer, or another draft revision than {revision} (--draft)"
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{causes, Facts};

    fn why(status: u16, error: &str, description: &str) -> Vec<String> {
        let f = Facts {
            status: Some(status),
            error: error.into(),
            description: description.to_lowercase(),
            answer: String::new(),
        };
        causes(
            &f,
            "c",
            "attest_jwt_client_auth",
            "k1",
            "https://as",
            "draft-11",
        )
    }

    #[test]
    fn unknown_kid() {
        let c = why(
            401,
            "invalid_client",
            "client attestation: no trusted attester key with kid 'my-attester'",
        );
        assert!(c[0].contains("attester key or its kid"), "{c:?}");
    }

    #[test]
    fn client_not_registered() {
        let c = why(
            401,
            "invalid_client",
            "client \"x\" is not registered for auth method attest_jwt_client_auth",
        );
        assert!(c[0].contains("not registered"), "{c:?}");
        assert_eq!(c.len(), 1, "{c:?}");
        let c = why(
            401,
            "invalid_client",
            "client attestation: sub 'nobody' is not a registered client",
        );
        assert!(c[0].contains("not registered"), "{c:?}");
    }

    #[test]
    fn wrong_issuer() {
        let c = why(
            401,
            "invalid_client",
            "client attestation PoP: aud mismatch",
        );
        assert!(c[0].contains("wrong issuer"), "{c:?}");
    }

    #[test]
    fn server_error_suggests_revision() {
        let c = why(500, "server_error", "");
        assert!(c.iter().any(|x| x.contains("draft revision")), "{c:?}");
    }

    #[test]
    fn nothing_specific() {
        let c = why(401, "invalid_client", "");
        assert!(c[0].contains("usual causes"), "{c:?}");
    }

    #[test]
    fn no_answer() {
        let f = Facts {
            status: None,
            error: String::new(),
            description: String::new(),
            answer: "no answer: connection refused".into(),
        };
        let c = causes(&f, "c", "m", "k", "i", "draft-11");
        assert!(c[0].contains("down"), "{c:?}");
    }
}
