//! Verdict: what the server did, compared with what a conforming server does, at the
//! requirement's level (docs/design.md, "Verdicts").
//!
//! The rule that makes rejections mean something: a negative result counts as `pass` only
//! when the positive control of the same (mode, endpoint) was accepted in the same run. A
//! server that rejects everything gets `fail` on its controls and `error` on its negatives.
use crate::exchange::Reply;
use crate::scenario::{AcceptSpec, Endpoint, Expectation, Level, RejectSpec};
use crate::types::{Inconclusive, Verdict};

/// A rule of the protocol around the scenario's own requirement, judged on every request case
/// (an error response's form, a success response's form). When one is broken, the verdict is
/// about that rule: the result names its catalog id instead of the scenario's requirements,
/// so "the server refused a bad signature with an HTML page" does not read as "the server
/// accepted a bad signature".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// RFC 6749 §5.2 (draft-10 §Errors points there): a rejection is a JSON error response
    /// with an `error` member, 400 or 401, never 5xx.
    OAuthErrorResponse,
    /// RFC 6749 §5.2 `invalid_client` (or draft §Errors `invalid_client_attestation`, or RFC
    /// 9449 §5 `invalid_dpop_proof` for a DPoP proof) for a failed client authentication.
    ClientAuthErrorCode,
    /// RFC 6749 §5.2 "responds with an HTTP 400 (Bad Request) status code (unless specified
    /// otherwise)": only `invalid_client` (and -12 EC §7.4 `invalid_client_attestation`) may
    /// use 401. No RFC 2119 keyword: a miss is a warning.
    ErrorStatus400,
    /// RFC 9126 §2.2: a successful pushed authorization request is answered 201.
    ParCreated,
    /// RFC 6749 §5.1: `token_type` is REQUIRED in a token response.
    TokenTypePresent,
    /// RFC 6749 §5.1: a response with tokens MUST carry `Cache-Control: no-store`.
    TokenNoStore,
}

impl Rule {
    #[cfg(test)]
    const ALL: [Rule; 6] = [
        Rule::OAuthErrorResponse,
        Rule::ClientAuthErrorCode,
        Rule::ErrorStatus400,
        Rule::ParCreated,
        Rule::TokenTypePresent,
        Rule::TokenNoStore,
    ];
    /// The catalog id (suites/requirements.yaml).
    pub fn id(self) -> &'static str {
        match self {
            Rule::OAuthErrorResponse => "ERR-OAUTH-RESPONSE",
            Rule::ClientAuthErrorCode => "ERR-CLIENT-AUTH-CODE",
            Rule::ErrorStatus400 => "ERR-STATUS-400",
            Rule::ParCreated => "PAR-CREATED",
            Rule::TokenTypePresent => "TOKEN-TYPE-PRESENT",
            Rule::TokenNoStore => "TOKEN-NO-STORE",
        }
    }
    /// The catalog level (a test checks that the catalog agrees).
    pub fn level(self) -> Level {
        match self {
            Rule::ErrorStatus400 => Level::SHOULD,
            _ => Level::MUST,
        }
    }
}

/// What the case is, beyond its expectation: where it was sent, and which error codes its
/// requirements allow when the scenario itself names none (the catalog's `rejected_as`).
#[derive(Clone, Copy, Debug)]
pub struct CaseContext<'a> {
    pub endpoint: Endpoint,
    /// Empty: any error code.
    pub error_codes: &'a [&'static str],
}

/// What happened to the judged request.
#[derive(Debug)]
pub enum Outcome {
    Reply(Reply),
    /// No usable answer: timeout, refused, reset.
    Transport(String),
    /// The harness could not run the case (e.g. a first step of a replay was rejected).
    Inconclusive(Inconclusive, String),
    /// The server did not offer what the case needs (found out while running it, e.g. no
    /// challenge header on a response).
    NotApplicable(String),
}

/// The state of the positive control this case leans on.
#[derive(Clone, Debug, PartialEq)]
pub enum Control {
    /// This case is itself a control (or needs none).
    NotNeeded,
    Accepted,
    NotAccepted(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Judgement {
    pub verdict: Verdict,
    pub reason: String,
    /// The verdict is about this rule rather than the scenario's own requirements.
    pub rule: Option<Rule>,
    /// Why the verdict is `error`: set exactly when it is.
    pub inconclusive: Option<Inconclusive>,
}

impl Judgement {
    /// A verdict on the case (anything but `error`).
    pub fn decided(verdict: Verdict, reason: impl Into<String>) -> Judgement {
        debug_assert_ne!(verdict, Verdict::Error, "an error verdict needs its cause");
        Judgement {
            verdict,
            reason: reason.into(),
            rule: None,
            inconclusive: None,
        }
    }

    /// No verdict on the case (`error`), for this cause.
    pub fn inconclusive(cause: Inconclusive, reason: impl Into<String>) -> Judgement {
        Judgement {
            verdict: Verdict::Error,
            reason: reason.into(),
            rule: None,
            inconclusive: Some(cause),
        }
    }
}

fn j(verdict: Verdict, reason: impl Into<String>) -> Judgement {
    Judgement::decided(verdict, reason)
}

/// A broken [`Rule`]: judged at the rule's level, and attributed to it.
fn rule_broken(rule: Rule, reason: impl Into<String>) -> Judgement {
    Judgement {
        verdict: broken(rule.level()),
        reason: format!("{} ({})", reason.into(), rule.id()),
        rule: Some(rule),
        inconclusive: None,
    }
}

/// The verdict for a broken rule of this level.
pub fn broken(level: Level) -> Verdict {
    match level {
        Level::MUST => Verdict::Fail,
        Level::SHOULD => Verdict::Warning,
        Level::MAY => Verdict::Info,
    }
}

pub fn judge(
    expect: &Expectation,
    level: Level,
    outcome: &Outcome,
    control: &Control,
    ctx: &CaseContext,
) -> Judgement {
    let reply = match outcome {
        Outcome::Reply(r) => r,
        Outcome::Transport(e) => {
            return Judgement::inconclusive(
                Inconclusive::NoAnswer,
                format!("no answer from the server: {e}"),
            )
        }
        Outcome::NotApplicable(why) => return j(Verdict::NotApplicable, why.clone()),
        Outcome::Inconclusive(cause, e) => return Judgement::inconclusive(*cause, e.clone()),
    };
    match expect {
        // A valid variant refused while the valid request itself is refused says nothing
        // about the variant: the refusal has the same cause (usually the set-up). Only the
        // control itself is `fail` (it has Control::NotNeeded).
        Expectation::Accept(spec) => match control {
            Control::NotAccepted(why) if !reply.accepted() => Judgement::inconclusive(
                Inconclusive::ControlRefused,
                format!(
                    "inconclusive: the valid request for this mode and endpoint was not accepted ({why}), so refusing this variant too says nothing about it (server answered {})",
                    reply.summary()
                ),
            ),
            _ => judge_accept(spec, level, reply, ctx),
        },
        Expectation::Reject(spec) => match control {
            Control::NotAccepted(why) => Judgement::inconclusive(
                Inconclusive::ControlRefused,
                format!(
                    "inconclusive: the valid request for this mode and endpoint was not accepted ({why}), so a rejection here proves nothing (server answered {})",
                    reply.summary()
                ),
            ),
            _ => judge_reject(spec, level, reply, ctx),
        },
        // What the server did with an open point says something only if it accepts the valid
        // request: a rejection by a server that rejects the control is just that again.
        Expectation::Observe => match control {
            Control::NotAccepted(why) if !reply.accepted() => Judgement::inconclusive(
                Inconclusive::ControlRefused,
                format!(
                    "inconclusive: the valid request for this mode and endpoint was not accepted ({why}), so this rejection says nothing about the open point (server answered {})",
                    reply.summary()
                ),
            ),
            _ => j(
                Verdict::Info,
                format!(
                    "the draft leaves this open; the server {} ({})",
                    if reply.accepted() {
                        "accepted"
                    } else if reply.is_success() {
                        "answered 2xx without issuing anything"
                    } else {
                        "rejected"
                    },
                    reply.summary()
                ),
            ),
        },
        // Unreachable by construction (runner/mod.rs sends checks to checks.rs).
        Expectation::Check(_) => Judgement::inconclusive(
            Inconclusive::CannotBuild,
            "built-in checks are judged by checks.rs, not from an answer",
        ),
    }
}

fn judge_accept(spec: &AcceptSpec, level: Level, r: &Reply, ctx: &CaseContext) -> Judgement {
    if !r.is_success() {
        return j(
            broken(level),
            format!(
                "expected the request to be accepted; the server answered {}",
                r.summary()
            ),
        );
    }
    // A success is an issued token (RFC 6749 §5.1: access_token) or a pushed request
    // (RFC 9126 §2.2: request_uri); a 2xx without either issued nothing.
    if r.json_str("access_token").is_none() && r.json_str("request_uri").is_none() {
        return j(
            broken(level),
            format!(
                "the server answered {} but issued nothing: no access_token (RFC 6749 §5.1) or request_uri (RFC 9126 §2.2) in the body",
                r.status
            ),
        );
    }
    if let Some(tt) = &spec.token_type {
        match r.json_str("token_type") {
            Some(got) if got.eq_ignore_ascii_case(tt) => {}
            got => {
                return j(
                    broken(level),
                    format!("accepted, but token_type is {got:?}, expected {tt:?}"),
                )
            }
        }
    }
    // The form of the success response itself (the request was accepted: the scenario's own
    // rule holds; these are the rules of the response around it).
    match ctx.endpoint {
        Endpoint::Par if r.status != 201 => {
            return rule_broken(
                Rule::ParCreated,
                format!(
                    "accepted, but a pushed authorization request is answered 201 (RFC 9126 §2.2), not {}",
                    r.status
                ),
            )
        }
        Endpoint::Token => {
            if r.json_str("token_type").is_none() {
                return rule_broken(
                    Rule::TokenTypePresent,
                    "accepted, but the token response has no token_type (REQUIRED, RFC 6749 §5.1)",
                );
            }
            if !has_no_store(r) {
                return rule_broken(
                    Rule::TokenNoStore,
                    format!(
                        "accepted, but the token response's Cache-Control is {:?}; RFC 6749 §5.1 requires no-store",
                        r.header("cache-control").unwrap_or("")
                    ),
                );
            }
        }
        _ => {}
    }
    j(Verdict::Pass, format!("accepted ({})", r.status))
}

/// `Cache-Control` carries the `no-store` directive (in any of its field lines).
fn has_no_store(r: &Reply) -> bool {
    r.headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("cache-control"))
        .flat_map(|(_, v)| v.split(','))
        .any(|d| d.trim().eq_ignore_ascii_case("no-store"))
}

/// RFC 6749 §5.2: "The parameters are included in the entity-body of the HTTP response using
/// the "application/json" media type", with a string `error` member.
fn is_oauth_error_response(r: &Reply) -> bool {
    let json = r
        .header("content-type")
        .and_then(|ct| ct.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"));
    json && r.error_code().is_some()
}

/// The codes RFC 6749 §5.2 lets a server send with 401: `invalid_client`; draft -12 EC §7.4
/// adds `invalid_client_attestation` ("MAY return a status code 401").
const CODES_WITH_401: &[&str] = &["invalid_client", "invalid_client_attestation"];

fn judge_reject(spec: &RejectSpec, level: Level, r: &Reply, ctx: &CaseContext) -> Judgement {
    if r.is_success() {
        return j(
            broken(level),
            format!(
                "expected a rejection; the server accepted it ({})",
                r.status
            ),
        );
    }
    if r.status >= 500 {
        // A conforming server answers an invalid request with an OAuth error response
        // (RFC 6749 §5.2), not a server error.
        return j(
            broken(level),
            format!(
                "expected an OAuth error response; the server failed with {}",
                r.summary()
            ),
        );
    }
    if !(400..500).contains(&r.status) {
        return j(
            broken(level),
            format!("expected a rejection; the server answered {}", r.summary()),
        );
    }
    // Rejected. Whether it is the right rejection: an OAuth error response first (without
    // one, no error code or header can be judged).
    if !is_oauth_error_response(r) {
        return rule_broken(
            Rule::OAuthErrorResponse,
            format!(
                "rejected, but not with an OAuth error response: {} with Content-Type {:?}; RFC 6749 §5.2 asks for an application/json body with an error member",
                r.summary(),
                r.header("content-type").unwrap_or("")
            ),
        );
    }
    let mut problems = mismatches(spec, r);
    if !spec.any_of.is_empty() {
        let alternatives: Vec<Vec<String>> =
            spec.any_of.iter().map(|alt| mismatches(alt, r)).collect();
        if alternatives.iter().all(|p| !p.is_empty()) {
            let why: Vec<String> = alternatives.iter().map(|p| p.join(", ")).collect();
            problems.push(format!(
                "it matches none of the allowed answers ({})",
                why.join(" | ")
            ));
        }
    }
    if !problems.is_empty() {
        return j(
            broken(level),
            format!("rejected ({}), but {}", r.summary(), problems.join("; ")),
        );
    }
    let code = r.error_code().unwrap_or_default();
    // The scenario names no code: its requirements may (a failed client authentication is
    // invalid_client, RFC 6749 §5.2; the catalog's `rejected_as`).
    let names_codes = !spec.error.is_empty() || spec.any_of.iter().any(|a| !a.error.is_empty());
    if !names_codes && !ctx.error_codes.is_empty() && !ctx.error_codes.contains(&code) {
        return rule_broken(
            Rule::ClientAuthErrorCode,
            format!(
                "rejected ({}), but a failed client authentication is answered with one of {:?}, not {code:?}",
                r.summary(),
                ctx.error_codes
            ),
        );
    }
    let explicit_status =
        !spec.status.is_empty() || spec.any_of.iter().any(|a| !a.status.is_empty());
    if r.status == 401 && !explicit_status && !CODES_WITH_401.contains(&code) {
        return rule_broken(
            Rule::ErrorStatus400,
            format!(
                "rejected ({}), but RFC 6749 §5.2 answers {code:?} with 400; only invalid_client may use 401",
                r.summary()
            ),
        );
    }
    j(
        Verdict::Pass,
        format!("rejected as required ({})", r.summary()),
    )
}

/// How a rejection differs from one spec (empty: it matches).
fn mismatches(spec: &RejectSpec, r: &Reply) -> Vec<String> {
    let statuses: &[u16] = if spec.status.is_empty() {
        &[400, 401]
    } else {
        &spec.status
    };
    let mut problems = Vec::new();
    if !statuses.contains(&r.status) {
        problems.push(format!("status {} is not one of {statuses:?}", r.status));
    }
    if !spec.error.is_empty() {
        match r.error_code() {
            Some(e) if spec.error.iter().any(|x| x == e) => {}
            Some(e) => problems.push(format!("error {e:?} is not one of {:?}", spec.error)),
            None => problems.push(format!(
                "no OAuth `error` member; expected one of {:?}",
                spec.error
            )),
        }
    }
    for h in &spec.headers {
        if r.header(h).is_none() {
            problems.push(format!("the {h} header is missing"));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    /// A reply; a JSON body comes with `Content-Type: application/json` and
    /// `Cache-Control: no-store`, as RFC 6749 §5.1 / §5.2 responses do.
    fn reply(status: u16, body: &str, headers: &[(&str, &str)]) -> Outcome {
        let json: Option<serde_json::Value> = serde_json::from_str(body).ok();
        let mut all: Vec<(String, String)> = headers
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        if json.is_some() {
            all.push(("content-type".into(), "application/json".into()));
            all.push(("cache-control".into(), "no-store".into()));
        }
        raw(status, body, all)
    }
    fn raw(status: u16, body: &str, headers: Vec<(String, String)>) -> Outcome {
        Outcome::Reply(Reply {
            status,
            headers,
            body: body.as_bytes().to_vec(),
            truncated: false,
            json: serde_json::from_str(body).ok(),
            http2: false,
        })
    }
    fn reject(status: &[u16], error: &[&str], headers: &[&str]) -> Expectation {
        Expectation::Reject(RejectSpec {
            status: status.to_vec(),
            error: error.iter().map(|s| s.to_string()).collect(),
            headers: headers.iter().map(|s| s.to_string()).collect(),
            any_of: Vec::new(),
        })
    }
    fn retry_signal() -> Expectation {
        let alt = |e: &str, h: &str| RejectSpec {
            error: vec![e.to_string()],
            headers: vec![h.to_string()],
            ..Default::default()
        };
        Expectation::Reject(RejectSpec {
            any_of: vec![
                alt(
                    "use_attestation_challenge",
                    "OAuth-Client-Attestation-Challenge",
                ),
                alt("use_dpop_nonce", "DPoP-Nonce"),
            ],
            ..Default::default()
        })
    }
    const NONCE: &str = r#"{"error":"use_dpop_nonce"}"#;
    const TOKEN: &str = r#"{"access_token":"a","token_type":"Bearer"}"#;
    const ERR: &str = r#"{"error":"invalid_client"}"#;
    const CHAL: &str = r#"{"error":"use_attestation_challenge"}"#;

    #[rstest]
    #[case::rejected_with_control(reject(&[], &[], &[]), Level::MUST, reply(401, ERR, &[]), Control::Accepted, Verdict::Pass)]
    #[case::accepted_must(reject(&[], &[], &[]), Level::MUST, reply(200, "{}", &[]), Control::Accepted, Verdict::Fail)]
    #[case::accepted_should(reject(&[], &[], &[]), Level::SHOULD, reply(200, "{}", &[]), Control::Accepted, Verdict::Warning)]
    #[case::accepted_may(reject(&[], &[], &[]), Level::MAY, reply(200, "{}", &[]), Control::Accepted, Verdict::Info)]
    #[case::rejected_without_control(reject(&[], &[], &[]), Level::MUST, reply(401, ERR, &[]), Control::NotAccepted("401".into()), Verdict::Error)]
    #[case::server_error(reject(&[], &[], &[]), Level::MUST, reply(500, "oops", &[]), Control::Accepted, Verdict::Fail)]
    #[case::forbidden_not_oauth(reject(&[], &[], &[]), Level::MUST, reply(403, ERR, &[]), Control::Accepted, Verdict::Fail)]
    #[case::wrong_error(reject(&[], &["use_attestation_challenge"], &[]), Level::MUST, reply(401, ERR, &[]), Control::Accepted, Verdict::Fail)]
    #[case::missing_header(reject(&[], &["use_attestation_challenge"], &["OAuth-Client-Attestation-Challenge"]), Level::MUST, reply(400, CHAL, &[]), Control::Accepted, Verdict::Fail)]
    #[case::header_present(reject(&[], &["use_attestation_challenge"], &["OAuth-Client-Attestation-Challenge"]), Level::MUST, reply(400, CHAL, &[("oauth-client-attestation-challenge", "x")]), Control::Accepted, Verdict::Pass)]
    #[case::control_accepted(Expectation::Accept(AcceptSpec::default()), Level::MUST, reply(200, TOKEN, &[]), Control::NotNeeded, Verdict::Pass)]
    #[case::accepted_but_empty(Expectation::Accept(AcceptSpec::default()), Level::MUST, reply(200, "{}", &[]), Control::NotNeeded, Verdict::Fail)]
    #[case::variant_without_control(Expectation::Accept(AcceptSpec::default()), Level::MUST, reply(401, ERR, &[]), Control::NotAccepted("401".into()), Verdict::Error)]
    #[case::variant_accepted_without_control(Expectation::Accept(AcceptSpec::default()), Level::MUST, reply(200, TOKEN, &[]), Control::NotAccepted("401".into()), Verdict::Pass)]
    #[case::control_rejected(Expectation::Accept(AcceptSpec::default()), Level::MUST, reply(401, ERR, &[]), Control::NotNeeded, Verdict::Fail)]
    #[case::token_type_wrong(Expectation::Accept(AcceptSpec{token_type: Some("DPoP".into())}), Level::MUST, reply(200, r#"{"access_token":"a","token_type":"Bearer"}"#, &[]), Control::NotNeeded, Verdict::Fail)]
    #[case::token_type_case(Expectation::Accept(AcceptSpec{token_type: Some("DPoP".into())}), Level::MUST, reply(200, r#"{"access_token":"a","token_type":"dpop"}"#, &[]), Control::NotNeeded, Verdict::Pass)]
    #[case::observe(Expectation::Observe, Level::MAY, reply(200, "{}", &[]), Control::Accepted, Verdict::Info)]
    #[case::either_first(retry_signal(), Level::MUST, reply(400, CHAL, &[("OAuth-Client-Attestation-Challenge", "c")]), Control::Accepted, Verdict::Pass)]
    #[case::either_second(retry_signal(), Level::MUST, reply(400, NONCE, &[("DPoP-Nonce", "n")]), Control::Accepted, Verdict::Pass)]
    #[case::either_wrong_header(retry_signal(), Level::MUST, reply(400, NONCE, &[("OAuth-Client-Attestation-Challenge", "c")]), Control::Accepted, Verdict::Fail)]
    #[case::either_neither(retry_signal(), Level::MUST, reply(401, ERR, &[]), Control::Accepted, Verdict::Fail)]
    #[case::not_applicable(Expectation::Observe, Level::MAY, Outcome::NotApplicable("no header".into()), Control::Accepted, Verdict::NotApplicable)]
    #[case::observe_without_control(Expectation::Observe, Level::MAY, reply(401, ERR, &[]), Control::NotAccepted("401".into()), Verdict::Error)]
    #[case::observe_accepted_without_control(Expectation::Observe, Level::MAY, reply(200, TOKEN, &[]), Control::NotAccepted("401".into()), Verdict::Info)]
    #[case::transport(reject(&[], &[], &[]), Level::MUST, Outcome::Transport("reset".into()), Control::Accepted, Verdict::Error)]
    fn verdicts(
        #[case] expect: Expectation,
        #[case] level: Level,
        #[case] outcome: Outcome,
        #[case] control: Control,
        #[case] want: Verdict,
    ) {
        let got = judge(&expect, level, &outcome, &control, &TOKEN_CTX);
        assert_eq!(got.verdict, want, "{}", got.reason);
        assert_eq!(
            got.inconclusive.is_some(),
            want == Verdict::Error,
            "{got:?}"
        );
    }

    /// The cause travels with an `error` verdict, typed (report.json `inconclusive`).
    #[rstest]
    #[case::no_answer(Outcome::Transport("reset".into()), Control::Accepted, Inconclusive::NoAnswer)]
    #[case::control_refused(reply(401, ERR, &[]), Control::NotAccepted("401".into()), Inconclusive::ControlRefused)]
    #[case::first_step(Outcome::Inconclusive(Inconclusive::FirstStep, "first refused".into()), Control::Accepted, Inconclusive::FirstStep)]
    fn inconclusive_causes(
        #[case] outcome: Outcome,
        #[case] control: Control,
        #[case] want: Inconclusive,
    ) {
        let got = judge(&any_reject(), Level::MUST, &outcome, &control, &TOKEN_CTX);
        assert_eq!(got.inconclusive, Some(want), "{}", got.reason);
    }

    const TOKEN_CTX: CaseContext = CaseContext {
        endpoint: Endpoint::Token,
        error_codes: &[],
    };
    const CLIENT_AUTH: &[&str] = &["invalid_client", "invalid_client_attestation"];
    fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }
    fn any_reject() -> Expectation {
        reject(&[], &[], &[])
    }
    fn accept() -> Expectation {
        Expectation::Accept(AcceptSpec::default())
    }

    /// The rules the verdict judges on every case report under catalog ids: each must exist,
    /// with the level the verdict uses.
    #[test]
    fn rules_are_in_the_catalog() {
        let catalog = crate::catalog::Catalog::embedded().expect("catalog");
        for rule in Rule::ALL {
            let r = catalog
                .get(rule.id())
                .unwrap_or_else(|| panic!("{} is not in suites/requirements.yaml", rule.id()));
            assert_eq!(
                r.level,
                rule.level(),
                "{}: catalog level differs",
                rule.id()
            );
            assert!(
                r.excluded.is_none(),
                "{} is judged, not excluded",
                rule.id()
            );
        }
    }

    /// The rules around the scenario's own requirement: each broken one is attributed to its
    /// catalog id, at its own level.
    #[rstest]
    #[case::html_rejection(any_reject(), Endpoint::Token, &[], raw(400, "<html>bad</html>", h(&[("content-type", "text/html")])), Verdict::Fail, Some(Rule::OAuthErrorResponse))]
    #[case::json_without_error(any_reject(), Endpoint::Token, &[], reply(400, r#"{"message":"no"}"#, &[]), Verdict::Fail, Some(Rule::OAuthErrorResponse))]
    #[case::error_as_text(any_reject(), Endpoint::Token, &[], raw(401, ERR, h(&[("content-type", "text/plain")])), Verdict::Fail, Some(Rule::OAuthErrorResponse))]
    #[case::json_charset(any_reject(), Endpoint::Token, &[], raw(401, ERR, h(&[("Content-Type", "application/json; charset=utf-8")])), Verdict::Pass, None)]
    #[case::invalid_request_for_auth(any_reject(), Endpoint::Token, CLIENT_AUTH, reply(400, r#"{"error":"invalid_request"}"#, &[]), Verdict::Fail, Some(Rule::ClientAuthErrorCode))]
    #[case::invalid_client_for_auth(any_reject(), Endpoint::Token, CLIENT_AUTH, reply(401, ERR, &[]), Verdict::Pass, None)]
    #[case::attestation_code_400(any_reject(), Endpoint::Token, CLIENT_AUTH, reply(400, r#"{"error":"invalid_client_attestation"}"#, &[]), Verdict::Pass, None)]
    #[case::scenario_names_code(reject(&[], &["use_fresh_attestation"], &[]), Endpoint::Token, CLIENT_AUTH, reply(400, r#"{"error":"use_fresh_attestation"}"#, &[]), Verdict::Pass, None)]
    #[case::any_code_without_class(any_reject(), Endpoint::Token, &[], reply(400, r#"{"error":"invalid_request"}"#, &[]), Verdict::Pass, None)]
    #[case::status_401_other_code(any_reject(), Endpoint::Token, &[], reply(401, r#"{"error":"invalid_request"}"#, &[]), Verdict::Warning, Some(Rule::ErrorStatus400))]
    #[case::par_200(accept(), Endpoint::Par, &[], reply(200, r#"{"request_uri":"urn:x"}"#, &[]), Verdict::Fail, Some(Rule::ParCreated))]
    #[case::par_201(accept(), Endpoint::Par, &[], reply(201, r#"{"request_uri":"urn:x"}"#, &[]), Verdict::Pass, None)]
    #[case::no_token_type(accept(), Endpoint::Token, &[], reply(200, r#"{"access_token":"a"}"#, &[]), Verdict::Fail, Some(Rule::TokenTypePresent))]
    #[case::cacheable(accept(), Endpoint::Token, &[], raw(200, TOKEN, h(&[("content-type", "application/json")])), Verdict::Fail, Some(Rule::TokenNoStore))]
    #[case::no_store_among_directives(accept(), Endpoint::Token, &[], raw(200, TOKEN, h(&[("Cache-Control", "private, No-Store")])), Verdict::Pass, None)]
    fn response_rules(
        #[case] expect: Expectation,
        #[case] endpoint: Endpoint,
        #[case] codes: &'static [&'static str],
        #[case] outcome: Outcome,
        #[case] want: Verdict,
        #[case] rule: Option<Rule>,
    ) {
        let ctx = CaseContext {
            endpoint,
            error_codes: codes,
        };
        let got = judge(&expect, Level::SHOULD, &outcome, &Control::Accepted, &ctx);
        assert_eq!((got.verdict, got.rule), (want, rule), "{}", got.reason);
    }
}
