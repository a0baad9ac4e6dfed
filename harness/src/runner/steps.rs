//! Executing one request case: get a challenge, plan, send, follow the server's
//! `use_attestation_challenge` / `use_dpop_nonce` once, and the two-step cases (replays,
//! reused challenge) where the first request must be accepted before the second is judged.
use crate::checks;
use crate::client;
use crate::exchange::{Http, Reply, SendError};
use crate::plan::{self, Fresh, RequestDraft};
use crate::report::Exchange;
use crate::scenario::{two_step, Endpoint, Mode, Mutation, TokenKind, TwoStep};
use crate::target::Target;
use crate::verdict::Outcome;

pub struct Executed {
    pub outcome: Outcome,
    pub exchanges: Vec<Exchange>,
}

/// One case being executed: where it goes, what it changes, and what it has exchanged.
struct CaseRun<'a> {
    target: &'a Target,
    http: &'a Http,
    mode: Mode,
    endpoint: Endpoint,
    exchanges: Vec<Exchange>,
}

/// The last attempt of a request: its draft, the challenge it used, and the reply.
struct Sent {
    draft: RequestDraft,
    challenge: Option<String>,
    reply: Result<Reply, SendError>,
}

pub async fn execute(
    target: &Target,
    http: &Http,
    mode: Mode,
    endpoint: Endpoint,
    mutations: &[Mutation],
) -> Executed {
    let mut run = CaseRun {
        target,
        http,
        mode,
        endpoint,
        exchanges: Vec::new(),
    };
    let outcome = run
        .steps(mutations)
        .await
        .unwrap_or_else(Outcome::Inconclusive);
    Executed {
        outcome,
        exchanges: run.exchanges,
    }
}

impl CaseRun<'_> {
    async fn steps(&mut self, mutations: &[Mutation]) -> Result<Outcome, String> {
        let fresh = self.fresh().await?;
        match two_step(mutations) {
            None => Ok(to_outcome(
                self.send(mutations, fresh, "request", |_| {}).await?.reply,
            )),
            Some(TwoStep::Replay) => {
                let first = self.send(mutations, fresh, "first request", |_| {}).await?;
                require_accepted(&first.reply, "first request of the replay")?;
                let wire = first.draft.render(&self.target.keys);
                Ok(to_outcome(self.exchange("replayed request", &wire).await))
            }
            Some(TwoStep::ReplayJti(kind)) => {
                let first = self.send(mutations, fresh, "first request", |_| {}).await?;
                require_accepted(&first.reply, "first request (the jti's first use)")?;
                let jti = plan::jti_of(&first.draft, kind)
                    .ok_or("the first request carries no jti to replay")?;
                // A fresh challenge, so a single-use challenge cannot hide a missing jti check.
                let fresh2 = self.fresh().await?;
                let second = self
                    .send(mutations, fresh2, "request reusing the jti", |d| {
                        if let Some(t) = d.token_mut(kind) {
                            t.claims.insert("jti".into(), jti.clone().into());
                        }
                    })
                    .await?;
                Ok(to_outcome(second.reply))
            }
            Some(TwoStep::ReusedChallenge) => {
                let first = self.send(&[], fresh, "first request", |_| {}).await?;
                require_accepted(&first.reply, "first request (the challenge's first use)")?;
                let used = first
                    .challenge
                    .or_else(|| first_challenge(&first.draft, self.mode))
                    .ok_or("the server gave no challenge to reuse (no challenge endpoint, no challenge header)")?;
                // No retries: a fresh challenge from the server would replace the reused one.
                self.send_once(mutations, used, "request reusing the challenge")
                    .await
            }
            Some(TwoStep::ChallengeFromError) => self.retry_after_error(mutations, fresh).await,
            Some(TwoStep::ChallengeFromResponse) => {
                let first = self.send(&[], fresh, "first request", |_| {}).await?;
                require_accepted(&first.reply, "first request")?;
                let header = first
                    .reply
                    .as_ref()
                    .ok()
                    .and_then(|r| r.header("oauth-client-attestation-challenge"));
                let Some(c) = header.map(String::from) else {
                    // Sending a challenge on responses is a MAY (draft-10 §Challenges).
                    return Ok(Outcome::NotApplicable(
                        "the server sent no OAuth-Client-Attestation-Challenge header on an accepted response".into(),
                    ));
                };
                self.send_once(
                    mutations,
                    c,
                    "request with the challenge from the previous response",
                )
                .await
            }
        }
    }

    /// The retry the draft promises: a foreign challenge first (no retries), then the valid
    /// request with the value the error carried, judged.
    async fn retry_after_error(
        &mut self,
        mutations: &[Mutation],
        fresh: Fresh,
    ) -> Result<Outcome, String> {
        let draft = plan::build(self.target, self.mode, self.endpoint, mutations, &fresh)?;
        let first = match self
            .exchange(
                "request with a challenge the server never issued",
                &draft.render(&self.target.keys),
            )
            .await
        {
            Ok(r) => r,
            Err(e) => return Ok(Outcome::Transport(e.to_string())),
        };
        let combined = self.mode == Mode::DpopCombined;
        let rev = self.target.spec.revision;
        // -11 §7.4: in combined mode use_dpop_nonce "MUST be used instead" of
        // use_attestation_challenge, and a challenge never becomes the proof's nonce (-11 §5.2).
        let challenge_retries = !(combined && rev.combined_freshness_from_dpop_nonce());
        let mut retry = Fresh::for_revision(client::now(), rev, None, None);
        match first.error_code() {
            Some("use_attestation_challenge") if challenge_retries => {
                let c = first.header("oauth-client-attestation-challenge").ok_or_else(|| {
                    format!("inconclusive: use_attestation_challenge without a challenge header ({}), nothing to retry with", first.summary())
                })?;
                retry.with_challenge(c.to_string());
            }
            Some("use_dpop_nonce") if combined => {
                let n = first.header("dpop-nonce").ok_or_else(|| {
                    format!("inconclusive: use_dpop_nonce without a DPoP-Nonce header ({}), nothing to retry with", first.summary())
                })?;
                retry.with_dpop_nonce(n.to_string());
            }
            _ => {
                return Err(format!(
                    "inconclusive: the foreign challenge was not answered with {} ({}), so there is no retry to judge",
                    if !challenge_retries {
                        "use_dpop_nonce (-11 §7.4 in combined mode)"
                    } else if combined {
                        "use_attestation_challenge or use_dpop_nonce"
                    } else {
                        "use_attestation_challenge"
                    },
                    first.summary()
                ))
            }
        }
        let rest: Vec<Mutation> = mutations
            .iter()
            .filter(|m| !matches!(m, Mutation::Challenge(_)))
            .cloned()
            .collect();
        let draft = plan::build(self.target, self.mode, self.endpoint, &rest, &retry)?;
        Ok(to_outcome(
            self.exchange(
                "request retried with the value from the error response",
                &draft.render(&self.target.keys),
            )
            .await,
        ))
    }

    /// One attempt with `challenge` as the server's challenge, no retries.
    async fn send_once(
        &mut self,
        mutations: &[Mutation],
        challenge: String,
        purpose: &str,
    ) -> Result<Outcome, String> {
        let mut fresh = Fresh::for_revision(client::now(), self.target.spec.revision, None, None);
        // The value is the one the case's mode carries: the PoP challenge, or the combined
        // proof's nonce.
        match self.mode {
            Mode::DpopCombined => fresh.with_combined_nonce(challenge),
            _ => fresh.with_challenge(challenge),
        }
        let draft = plan::build(self.target, self.mode, self.endpoint, mutations, &fresh)?;
        let wire = draft.render(&self.target.keys);
        Ok(to_outcome(self.exchange(purpose, &wire).await))
    }

    async fn fresh(&mut self) -> Result<Fresh, String> {
        let issued = checks::get_challenge(self.target, self.http, &mut self.exchanges).await?;
        Ok(Fresh::for_revision(
            client::now(),
            self.target.spec.revision,
            issued.challenge,
            issued.dpop_nonce,
        ))
    }

    async fn exchange(
        &mut self,
        purpose: &str,
        wire: &crate::exchange::WireRequest,
    ) -> Result<Reply, SendError> {
        let (e, r) = self.http.exchange(purpose, wire).await;
        self.exchanges.push(e);
        r
    }

    /// Plans and sends, following the server's retry signals once each (draft-10 §Errors:
    /// `use_attestation_challenge` comes with the challenge header; RFC 9449 §8:
    /// `use_dpop_nonce` with `DPoP-Nonce`). The scenario's mutations are applied to every
    /// attempt, so a wrong challenge stays wrong.
    async fn send(
        &mut self,
        mutations: &[Mutation],
        mut fresh: Fresh,
        purpose: &str,
        tweak: impl Fn(&mut RequestDraft),
    ) -> Result<Sent, String> {
        let mut challenge_retry = true;
        let mut nonce_retry = true;
        let mut label = purpose.to_string();
        loop {
            let mut draft = plan::build(self.target, self.mode, self.endpoint, mutations, &fresh)?;
            tweak(&mut draft);
            let reply = self
                .exchange(&label, &draft.render(&self.target.keys))
                .await;
            let retry = match &reply {
                Ok(r) if !r.is_success() => match r.error_code() {
                    Some("use_attestation_challenge") if challenge_retry => r
                        .header("oauth-client-attestation-challenge")
                        .map(|c| (true, c.to_string())),
                    Some("use_dpop_nonce") if nonce_retry => {
                        r.header("dpop-nonce").map(|n| (false, n.to_string()))
                    }
                    _ => None,
                },
                _ => None,
            };
            let Some((is_challenge, value)) = retry else {
                return Ok(Sent {
                    draft,
                    challenge: match self.mode {
                        Mode::DpopCombined => fresh.combined_nonce.clone(),
                        _ => fresh.challenge.clone(),
                    },
                    reply,
                });
            };
            fresh.now = client::now();
            if is_challenge {
                challenge_retry = false;
                fresh.with_challenge(value);
                label = format!("{purpose}, retried after use_attestation_challenge");
            } else {
                nonce_retry = false;
                fresh.with_dpop_nonce(value);
                label = format!("{purpose}, retried after use_dpop_nonce");
            }
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

fn require_accepted(r: &Result<Reply, SendError>, what: &str) -> Result<(), String> {
    match r {
        Ok(r) if r.accepted() => Ok(()),
        Ok(r) => Err(format!(
            "inconclusive: the {what} was not accepted ({}), so the second one proves nothing",
            r.summary()
        )),
        Err(e) => Err(format!("inconclusive: no answer to the {what}: {e}")),
    }
}

fn to_outcome(r: Result<Reply, SendError>) -> Outcome {
    match r {
        Ok(r) => Outcome::Reply(r),
        Err(e) => Outcome::Transport(e.to_string()),
    }
}
