//! Verdict: what the server did, compared with what a conforming server does, at the
//! requirement's level (docs/design.md, "Verdicts").
//!
//! The rule that makes rejections mean something: a negative result counts as `pass` only
//! when the positive control of the same (mode, endpoint) was accepted in the same run. A
//! server that rejects everything gets `fail` on its controls and `error` on its negatives.
use crate::exchange::Reply;
use crate::report::Verdict;
use crate::scenario::{AcceptSpec, Expectation, Level, RejectSpec};

/// What happened to the judged request.
#[derive(Debug)]
pub enum Outcome {
    Reply(Reply),
    /// No usable answer: timeout, refused, reset.
    Transport(String),
    /// The harness could not run the case (e.g. a first step of a replay was rejected).
    Inconclusive(String),
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
}

fn j(verdict: Verdict, reason: impl Into<String>) -> Judgement {
    Judgement {
        verdict,
        reason: reason.into(),
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
) -> Judgement {
    let reply = match outcome {
        Outcome::Reply(r) => r,
        Outcome::Transport(e) => {
            return j(Verdict::Error, format!("no answer from the server: {e}"))
        }
        Outcome::NotApplicable(why) => return j(Verdict::NotApplicable, why.clone()),
        Outcome::Inconclusive(e) => return j(Verdict::Error, e.clone()),
    };
    match expect {
        // A valid variant refused while the valid request itself is refused says nothing
        // about the variant: the refusal has the same cause (usually the set-up). Only the
        // control itself is `fail` (it has Control::NotNeeded).
        Expectation::Accept(spec) => match control {
            Control::NotAccepted(why) if !reply.accepted() => j(
                Verdict::Error,
                format!(
                    "inconclusive: the valid request for this mode and endpoint was not accepted ({why}), so refusing this variant too says nothing about it (server answered {})",
                    reply.summary()
                ),
            ),
            _ => judge_accept(spec, level, reply),
        },
        Expectation::Reject(spec) => match control {
            Control::NotAccepted(why) => j(
                Verdict::Error,
                format!(
                    "inconclusive: the valid request for this mode and endpoint was not accepted ({why}), so a rejection here proves nothing (server answered {})",
                    reply.summary()
                ),
            ),
            _ => judge_reject(spec, level, reply),
        },
        // What the server did with an open point says something only if it accepts the valid
        // request: a rejection by a server that rejects the control is just that again.
        Expectation::Observe => match control {
            Control::NotAccepted(why) if !reply.accepted() => j(
                Verdict::Error,
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
        Expectation::Check(_) => j(Verdict::Error, "built-in checks are judged by checks.rs"),
    }
}

fn judge_accept(spec: &AcceptSpec, level: Level, r: &Reply) -> Judgement {
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
    j(Verdict::Pass, format!("accepted ({})", r.status))
}

fn judge_reject(spec: &RejectSpec, level: Level, r: &Reply) -> Judgement {
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
    if problems.is_empty() {
        j(
            Verdict::Pass,
            format!("rejected as required ({})", r.summary()),
        )
    } else {
        j(
            broken(level),
            format!("rejected ({}), but {}", r.summary(), problems.join("; ")),
        )
    }
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

    fn reply(status: u16, body: &str, headers: &[(&str, &str)]) -> Outcome {
        Outcome::Reply(Reply {
            status,
            headers: headers
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
            body: body.as_bytes().to_vec(),
            truncated: false,
            json: serde_json::from_str(body).ok(),
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
    #[case::par_accepted(Expectation::Accept(AcceptSpec::default()), Level::MUST, reply(201, r#"{"request_uri":"urn:x"}"#, &[]), Control::NotNeeded, Verdict::Pass)]
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
        let got = judge(&expect, level, &outcome, &control);
        assert_eq!(got.verdict, want, "{}", got.reason);
    }
}
