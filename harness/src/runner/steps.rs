//! Executing one request case: get a challenge, plan, send, follow the server's
//! `use_attestation_challenge` / `use_dpop_nonce` once, and the two-step cases (replays,
//! reused challenge) where the first request must be accepted before the second is judged.
use crate::checks;
use crate::client;
use crate::exchange::{Http, Reply};
use crate::plan::{self, Fresh, RequestDraft};
use crate::report::Exchange;
use crate::scenario::{ChallengeUse, Endpoint, Mode, Mutation, TokenKind};
use crate::target::Target;
use crate::verdict::Outcome;

pub struct Executed {
    pub outcome: Outcome,
    pub exchanges: Vec<Exchange>,
}

/// Which two-step pattern a scenario uses, if any.
enum Steps {
    Single,
    Replay,
    ReplayJti(TokenKind),
    ReusedChallenge,
}

fn steps_of(mutations: &[Mutation]) -> Steps {
    for m in mutations {
        match m {
            Mutation::Replay => return Steps::Replay,
            Mutation::ReplayJti { token } => return Steps::ReplayJti(*token),
            Mutation::Challenge(ChallengeUse::Reused) => return Steps::ReusedChallenge,
            _ => {}
        }
    }
    Steps::Single
}

pub async fn execute(
    target: &Target,
    http: &Http,
    mode: Mode,
    endpoint: Endpoint,
    mutations: &[Mutation],
) -> Executed {
    let mut ex = Vec::new();
    let outcome = match run(target, http, mode, endpoint, mutations, &mut ex).await {
        Ok(o) => o,
        Err(e) => Outcome::Inconclusive(e),
    };
    Executed {
        outcome,
        exchanges: ex,
    }
}

async fn run(
    target: &Target,
    http: &Http,
    mode: Mode,
    endpoint: Endpoint,
    mutations: &[Mutation],
    ex: &mut Vec<Exchange>,
) -> Result<Outcome, String> {
    let fresh = new_fresh(target, http, ex).await?;
    match steps_of(mutations) {
        Steps::Single => {
            send(
                target,
                http,
                mode,
                endpoint,
                mutations,
                fresh,
                "request",
                ex,
                |_| {},
            )
            .await
        }
        Steps::Replay => {
            let (first, _, reply) = send_planned(
                target,
                http,
                mode,
                endpoint,
                mutations,
                fresh,
                "first request",
                ex,
                |_| {},
            )
            .await?;
            require_accepted(&reply, "first request of the replay")?;
            let wire = first.render(&target.keys);
            let (e, r) = http.exchange("replayed request", &wire).await;
            ex.push(e);
            Ok(to_outcome(r))
        }
        Steps::ReplayJti(kind) => {
            let (first, _, reply) = send_planned(
                target,
                http,
                mode,
                endpoint,
                mutations,
                fresh,
                "first request",
                ex,
                |_| {},
            )
            .await?;
            require_accepted(&reply, "first request (the jti's first use)")?;
            let jti =
                plan::jti_of(&first, kind).ok_or("the first request carries no jti to replay")?;
            // A fresh challenge, so a single-use challenge cannot hide a missing jti check.
            let fresh2 = new_fresh(target, http, ex).await?;
            send(
                target,
                http,
                mode,
                endpoint,
                mutations,
                fresh2,
                "request reusing the jti",
                ex,
                |d| {
                    if let Some(t) = d.token_mut(kind) {
                        t.claims.insert("jti".into(), jti.clone().into());
                    }
                },
            )
            .await
        }
        Steps::ReusedChallenge => {
            let (first, used, reply) = send_planned(
                target,
                http,
                mode,
                endpoint,
                &[],
                fresh,
                "first request",
                ex,
                |_| {},
            )
            .await?;
            require_accepted(&reply, "first request (the challenge's first use)")?;
            let used = used.or_else(|| first_challenge(&first, mode)).ok_or(
                "the server gave no challenge to reuse (no challenge endpoint, no challenge header)",
            )?;
            let mut again = Fresh::new(client::now(), None);
            again.with_challenge(used);
            // No retries: a fresh challenge from the server would replace the reused one.
            let draft = plan::build(target, mode, endpoint, mutations, &again)?;
            let (e, r) = http
                .exchange("request reusing the challenge", &draft.render(&target.keys))
                .await;
            ex.push(e);
            Ok(to_outcome(r))
        }
    }
}

fn first_challenge(d: &RequestDraft, mode: Mode) -> Option<String> {
    match mode {
        Mode::DpopCombined => d
            .token(TokenKind::Dpop)?
            .claim_str("nonce")
            .map(String::from),
        _ => d
            .token(TokenKind::Pop)?
            .claim_str("challenge")
            .map(String::from),
    }
}

async fn new_fresh(target: &Target, http: &Http, ex: &mut Vec<Exchange>) -> Result<Fresh, String> {
    let challenge = checks::get_challenge(target, http, ex).await?;
    Ok(Fresh::new(client::now(), challenge))
}

fn require_accepted(r: &Result<Reply, String>, what: &str) -> Result<(), String> {
    match r {
        Ok(r) if r.is_success() => Ok(()),
        Ok(r) => Err(format!(
            "inconclusive: the {what} was not accepted ({}), so the second one proves nothing",
            r.summary()
        )),
        Err(e) => Err(format!("inconclusive: no answer to the {what}: {e}")),
    }
}

fn to_outcome(r: Result<Reply, String>) -> Outcome {
    match r {
        Ok(r) => Outcome::Reply(r),
        Err(e) => Outcome::Transport(e),
    }
}

#[allow(clippy::too_many_arguments)]
async fn send(
    target: &Target,
    http: &Http,
    mode: Mode,
    endpoint: Endpoint,
    mutations: &[Mutation],
    fresh: Fresh,
    purpose: &str,
    ex: &mut Vec<Exchange>,
    tweak: impl Fn(&mut RequestDraft),
) -> Result<Outcome, String> {
    let (_, _, r) = send_planned(
        target, http, mode, endpoint, mutations, fresh, purpose, ex, tweak,
    )
    .await?;
    Ok(to_outcome(r))
}

/// Plans and sends, following the server's retry signals once each (draft-10 §Errors:
/// `use_attestation_challenge` comes with the challenge header; RFC 9449 §8: `use_dpop_nonce`
/// with `DPoP-Nonce`). The scenario's mutations are applied to every attempt, so a wrong
/// challenge stays wrong. Returns the last draft, the challenge it used, and the reply.
#[allow(clippy::too_many_arguments)]
async fn send_planned(
    target: &Target,
    http: &Http,
    mode: Mode,
    endpoint: Endpoint,
    mutations: &[Mutation],
    mut fresh: Fresh,
    purpose: &str,
    ex: &mut Vec<Exchange>,
    tweak: impl Fn(&mut RequestDraft),
) -> Result<(RequestDraft, Option<String>, Result<Reply, String>), String> {
    let mut challenge_retry = true;
    let mut nonce_retry = true;
    let mut label = purpose.to_string();
    loop {
        let mut draft = plan::build(target, mode, endpoint, mutations, &fresh)?;
        tweak(&mut draft);
        let (e, r) = http.exchange(&label, &draft.render(&target.keys)).await;
        ex.push(e);
        if let Ok(reply) = &r {
            if !reply.is_success() {
                let code = reply.error_code();
                if code == Some("use_attestation_challenge") && challenge_retry {
                    if let Some(c) = reply.header("oauth-client-attestation-challenge") {
                        challenge_retry = false;
                        let c = c.to_string();
                        fresh = Fresh {
                            now: client::now(),
                            ..fresh
                        };
                        fresh.with_challenge(c);
                        label = format!("{purpose}, retried after use_attestation_challenge");
                        continue;
                    }
                }
                if code == Some("use_dpop_nonce") && nonce_retry {
                    if let Some(n) = reply.header("dpop-nonce") {
                        nonce_retry = false;
                        let n = n.to_string();
                        fresh = Fresh {
                            now: client::now(),
                            ..fresh
                        };
                        fresh.with_dpop_nonce(n);
                        label = format!("{purpose}, retried after use_dpop_nonce");
                        continue;
                    }
                }
            }
        }
        return Ok((draft, fresh.challenge.clone(), r));
    }
}
