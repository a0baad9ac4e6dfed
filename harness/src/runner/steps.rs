//! Executing one request case: get a challenge, plan, send, follow the server's
//! `use_attestation_challenge` / `use_dpop_nonce` once, and the two-step cases (replays,
//! reused challenge) where the first request must be accepted before the second is judged.
use crate::checks;
use crate::client;
use crate::exchange::{Http, Reply, SendError};
use crate::flow::{self, browser::UserAgent, FlowError, Flows, Pkce};
use crate::plan::{self, Fresh, PlanError, RequestDraft};
use crate::report::Exchange;
use crate::scenario::{
    two_step, Endpoint, FieldNameCase, Flow, Mode, Mutation, TokenKind, TwoStep,
};
use crate::target::grant::GrantType;
use crate::target::Target;
use crate::types::Inconclusive;
use crate::verdict::Outcome;

use super::prefetch::Challenges;

/// Why a case stopped before its judged request: inconclusive, or not applicable (found out
/// while running it, e.g. the server issued no refresh token).
#[derive(Debug)]
enum Stop {
    Inconclusive(Inconclusive, String),
    NotApplicable(String),
}

impl Stop {
    /// A two-step case's first step did not give what the second needs.
    fn first_step(why: impl Into<String>) -> Stop {
        Stop::Inconclusive(Inconclusive::FirstStep, why.into())
    }
}

impl From<PlanError> for Stop {
    fn from(e: PlanError) -> Stop {
        Stop::Inconclusive(Inconclusive::CannotBuild, e.to_string())
    }
}

impl From<FlowError> for Stop {
    fn from(e: FlowError) -> Stop {
        match e {
            FlowError::NotApplicable(why) => Stop::NotApplicable(why),
            other => Stop::Inconclusive(Inconclusive::Flow, other.to_string()),
        }
    }
}

pub struct Executed {
    pub outcome: Outcome,
    pub exchanges: Vec<Exchange>,
}

/// What every request of a run shares: the target, the HTTP client with the run's limits,
/// the flows' state (cookie jars, the login budget) and the challenges, some fetched ahead
/// (runner/prefetch.rs).
#[derive(Clone, Copy)]
pub struct Env<'a> {
    pub target: &'a Target,
    pub http: &'a Http,
    pub flows: &'a Flows,
    pub challenges: &'a Challenges<'a>,
}

/// One case being executed: where it goes, what it changes, and what it has exchanged.
struct CaseRun<'a> {
    target: &'a Target,
    http: &'a Http,
    flows: &'a Flows,
    challenges: &'a Challenges<'a>,
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

/// Executes one case: `flow` (if any) first, then the judged request with `mutations`.
pub async fn execute(
    env: Env<'_>,
    mode: Mode,
    endpoint: Endpoint,
    flow: Option<&Flow>,
    mutations: &[Mutation],
) -> Executed {
    let mut run = CaseRun {
        target: env.target,
        http: env.http,
        flows: env.flows,
        challenges: env.challenges,
        mode,
        endpoint,
        exchanges: Vec::new(),
    };
    let result = match flow {
        Some(f) => run.flow(f, mutations).await,
        None => run.steps(mutations).await,
    };
    let outcome = match result.unwrap_or_else(|stop| match stop {
        Stop::Inconclusive(cause, why) => Outcome::Inconclusive(cause, why),
        Stop::NotApplicable(why) => Outcome::NotApplicable(why),
    }) {
        // The case asked for field names in another letter case, but HTTP/2 carries every
        // name in lower case: the request tested nothing the control did not.
        Outcome::Reply(r)
            if r.http2
                && mutations.iter().any(
                    |m| matches!(m, Mutation::FieldNameCase(c) if *c != FieldNameCase::Lower),
                ) =>
        {
            Outcome::NotApplicable(
                "the server answered over HTTP/2, where every field name goes in lower case \
                 (RFC 9113 §8.2.2): the other letter case cannot be sent"
                    .into(),
            )
        }
        outcome => outcome,
    };
    Executed {
        outcome,
        exchanges: run.exchanges,
    }
}

impl CaseRun<'_> {
    async fn steps(&mut self, mutations: &[Mutation]) -> Result<Outcome, Stop> {
        if two_step(mutations) == Some(TwoStep::Replay)
            && self.endpoint == Endpoint::Token
            && self.target.grants.token.single_use()
        {
            return Err(Stop::NotApplicable(format!(
                "the token requests redeem single-use {} artifacts: a replayed request would be \
                 refused for the reused artifact, not for the replayed proof",
                self.target.grants.token.as_str()
            )));
        }
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
                let jti = plan::jti_of(&first.draft, kind).ok_or_else(|| {
                    Stop::first_step("the first request carries no jti to replay")
                })?;
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
                    .ok_or_else(|| Stop::Inconclusive(Inconclusive::NoChallenge, "the server gave no challenge to reuse (no challenge endpoint, no challenge header)".into()))?;
                // No retries: a fresh challenge from the server would replace the reused one.
                self.send_once(mutations, used, "request reusing the challenge")
                    .await
            }
            Some(TwoStep::ChallengeFromError) => self.retry_after_error(mutations, fresh).await,
            Some(TwoStep::ExpiredChallenge) => {
                let lifetime = self.target.policy().challenge_lifetime.ok_or_else(|| {
                    Stop::NotApplicable("the target config declares no challenge_lifetime".into())
                })?;
                let issued = match self.mode {
                    Mode::DpopCombined => fresh.combined_nonce,
                    _ => fresh.challenge,
                };
                let c = issued.ok_or_else(|| {
                    Stop::Inconclusive(
                        Inconclusive::NoChallenge,
                        "the server gave no challenge to let expire".into(),
                    )
                })?;
                // A second past the lifetime, for the clocks of two machines; the proof itself
                // is made after the wait, so only the challenge is old.
                tokio::time::sleep(std::time::Duration::from_secs(lifetime.saturating_add(1)))
                    .await;
                // No retries: a fresh challenge from the server would replace the expired one.
                self.send_once(mutations, c, "request with the expired challenge")
                    .await
            }
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
    ) -> Result<Outcome, Stop> {
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
                    Stop::first_step(format!("inconclusive: use_attestation_challenge without a challenge header ({}), nothing to retry with", first.summary()))
                })?;
                retry.with_challenge(c.to_string());
            }
            Some("use_dpop_nonce") if combined => {
                let n = first.header("dpop-nonce").ok_or_else(|| {
                    Stop::first_step(format!("inconclusive: use_dpop_nonce without a DPoP-Nonce header ({}), nothing to retry with", first.summary()))
                })?;
                retry.with_dpop_nonce(n.to_string());
            }
            _ => {
                return Err(Stop::first_step(format!(
                    "inconclusive: the foreign challenge was not answered with {} ({}), so there is no retry to judge",
                    if !challenge_retries {
                        "use_dpop_nonce (-11 §7.4 in combined mode)"
                    } else if combined {
                        "use_attestation_challenge or use_dpop_nonce"
                    } else {
                        "use_attestation_challenge"
                    },
                    first.summary()
                )))
            }
        }
        // A fresh grant artifact for the retry: whether a refused request used up a
        // single-use code is the server's business (RFC 6749 §4.1.2 says nothing of it).
        if self.endpoint == Endpoint::Token {
            retry.params = self
                .grant_params(self.target.grants.token, self.mode)
                .await?;
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
    ) -> Result<Outcome, Stop> {
        let mut fresh = Fresh::for_revision(client::now(), self.target.spec.revision, None, None);
        // The value is the one the case's mode carries: the PoP challenge, or the combined
        // proof's nonce.
        match self.mode {
            Mode::DpopCombined => fresh.with_combined_nonce(challenge),
            _ => fresh.with_challenge(challenge),
        }
        if self.endpoint == Endpoint::Token {
            fresh.params = self
                .grant_params(self.target.grants.token, self.mode)
                .await?;
        }
        let draft = plan::build(self.target, self.mode, self.endpoint, mutations, &fresh)?;
        let wire = draft.render(&self.target.keys);
        Ok(to_outcome(self.exchange(purpose, &wire).await))
    }

    /// Fresh values for the next request of the case: a challenge (and DPoP nonce) when the
    /// server hands them out, and at the token endpoint the declared grant with a fresh
    /// artifact.
    async fn fresh(&mut self) -> Result<Fresh, Stop> {
        let mut fresh = self.fresh_challenge().await?;
        if self.endpoint == Endpoint::Token {
            fresh.params = self
                .grant_params(self.target.grants.token, self.mode)
                .await?;
        }
        Ok(fresh)
    }

    async fn fresh_challenge(&mut self) -> Result<Fresh, Stop> {
        let issued = self
            .challenges
            .take(&mut self.exchanges)
            .await
            .map_err(|e| {
                let cause = match e {
                    checks::ChallengeError::NoAnswer(_) => Inconclusive::NoAnswer,
                    checks::ChallengeError::NotIssued(_) => Inconclusive::NoChallenge,
                };
                Stop::Inconclusive(cause, e.to_string())
            })?;
        Ok(Fresh::for_revision(
            client::now(),
            self.target.spec.revision,
            issued.challenge,
            issued.dpop_nonce,
        ))
    }

    /// A flow scenario: obtain the artifact, then send the judged token request redeeming it.
    async fn flow(&mut self, flow: &Flow, mutations: &[Mutation]) -> Result<Outcome, Stop> {
        let params = match flow {
            Flow::AuthorizationCode(c) => {
                let params = self
                    .code_flow(c.par_mode.of(self.mode), &c.par, c.later_push)
                    .await?;
                if c.redeem_first {
                    let mut f = self.fresh_challenge().await?;
                    f.params = params.clone();
                    let first = self
                        .send(&[], f, "first redemption of the code", |_| {})
                        .await?;
                    require_accepted(&first.reply, "first redemption of the code")?;
                }
                params
            }
            Flow::RefreshToken(r) => {
                let rt = self.refresh_token(r.issued_in.of(self.mode)).await?;
                refresh_params(rt)
            }
        };
        let mut f = self.fresh_challenge().await?;
        f.params = params;
        Ok(to_outcome(
            self.send(mutations, f, "request", |_| {}).await?.reply,
        ))
    }

    /// The token request parameters of `grant` for a request in `mode`, with a fresh artifact.
    async fn grant_params(
        &mut self,
        grant: GrantType,
        mode: Mode,
    ) -> Result<Vec<(String, String)>, Stop> {
        match grant {
            GrantType::ClientCredentials => Ok(vec![(
                "grant_type".into(),
                GrantType::ClientCredentials.as_str().into(),
            )]),
            GrantType::RefreshToken => Ok(refresh_params(self.refresh_token(mode).await?)),
            g => self.artifact_params(g, mode).await,
        }
    }

    /// A code (authorization or pre-authorized) and the parameters that redeem it.
    async fn artifact_params(
        &mut self,
        grant: GrantType,
        mode: Mode,
    ) -> Result<Vec<(String, String)>, Stop> {
        match grant {
            GrantType::AuthorizationCode => self.code_flow(mode, &[], false).await,
            GrantType::PreAuthorizedCode => {
                let code = flow::pre_authorized_code(
                    &self.target.grants.spec,
                    self.http,
                    self.target.client_id(mode),
                    self.target.grants.step_timeout(),
                    &mut self.exchanges,
                )
                .await?;
                Ok(vec![
                    (
                        "grant_type".into(),
                        GrantType::PreAuthorizedCode.as_str().into(),
                    ),
                    ("pre-authorized_code".into(), code),
                ])
            }
            other => Err(Stop::Inconclusive(
                Inconclusive::Flow,
                format!("{} does not issue a refresh token", other.as_str()),
            )),
        }
    }

    /// A refresh token issued to the valid Client Instance in `mode` by the target's issuing
    /// grant (draft-10 §Refresh token binding: the token request used the attestation).
    async fn refresh_token(&mut self, mode: Mode) -> Result<String, Stop> {
        let grant = self.target.grants.refresh_from.ok_or_else(|| {
            Stop::NotApplicable(
                "no grant that issues refresh tokens is configured (grant.login for \
                 authorization_code, or grant.pre_authorized_code)"
                    .into(),
            )
        })?;
        let params = self.artifact_params(grant, mode).await?;
        let mut f = self.fresh_challenge().await?;
        f.params = params;
        let sent = self
            .send_as(
                mode,
                Endpoint::Token,
                &[],
                f,
                "token request that issues the refresh token",
                |_| {},
            )
            .await?;
        require_accepted(&sent.reply, "token request that issues the refresh token")?;
        let reply = sent
            .reply
            .as_ref()
            .map_err(|e| Stop::Inconclusive(Inconclusive::NoAnswer, e.to_string()))?;
        reply
            .json_str("refresh_token")
            .map(String::from)
            .ok_or_else(|| {
                Stop::NotApplicable(format!(
                    "the server issued no refresh token with the {} grant",
                    grant.as_str()
                ))
            })
    }

    /// An authorization code bound (or not) at PAR: a pushed authorization request in `mode`
    /// with `par` mutations, the authorization endpoint and the user step, the redirect with
    /// `code`. Returns the parameters that redeem it (RFC 6749 §4.1.3, RFC 7636 §4.5).
    async fn code_flow(
        &mut self,
        mode: Mode,
        par: &[Mutation],
        later_push: bool,
    ) -> Result<Vec<(String, String)>, Stop> {
        let t = self.target;
        let login = t.grants.login().ok_or_else(|| {
            Stop::NotApplicable("the target file has no grant.login for the user step".into())
        })?;
        let authz = t.authorization_endpoint.clone().ok_or_else(|| {
            Stop::NotApplicable("the server advertises no authorization_endpoint".into())
        })?;
        if t.par_endpoint.is_none() {
            return Err(Stop::NotApplicable(
                "the server advertises no pushed_authorization_request_endpoint: the code \
                 flow binds the code to the instance at PAR (draft-10 §Binding of OAuth \
                 protocol artifacts)"
                    .into(),
            ));
        }
        self.flows.admit()?;
        let pkce = Pkce::new();
        let state = client::fresh_id();
        let redirect_uri = t.grants.redirect_uri.clone();
        let mut f = self.fresh_challenge().await?;
        f.params = vec![
            ("redirect_uri".into(), redirect_uri.clone()),
            ("code_challenge".into(), pkce.challenge.clone()),
            ("code_challenge_method".into(), "S256".into()),
            ("state".into(), state.clone()),
        ];
        if let Some(scope) = &t.grants.spec.config.scope {
            f.params.push(("scope".into(), scope.clone()));
        }
        let params = f.params.clone();
        let sent = self
            .send_as(
                mode,
                Endpoint::Par,
                par,
                f,
                "pushed authorization request of the flow",
                |_| {},
            )
            .await?;
        require_accepted(&sent.reply, "pushed authorization request of the flow")?;
        let request_uri = sent
            .reply
            .as_ref()
            .ok()
            .and_then(|r| r.json_str("request_uri"))
            .ok_or_else(|| {
                Stop::Inconclusive(
                    Inconclusive::Flow,
                    "the pushed authorization request gave no request_uri".into(),
                )
            })?
            .to_string();
        if later_push {
            // This case's own instance, in the case's mode, unmutated: the request_uri above
            // is then no longer the client's latest (CodeFlow::later_push).
            let mut f = self.fresh_challenge().await?;
            f.params = params;
            let own = self
                .send_as(
                    self.mode,
                    Endpoint::Par,
                    &[],
                    f,
                    "later pushed authorization request of this instance (not used)",
                    |_| {},
                )
                .await?;
            require_accepted(&own.reply, "later pushed authorization request")?;
        }
        let mut auth_url = url::Url::parse(&authz).map_err(|e| {
            Stop::Inconclusive(
                Inconclusive::Flow,
                format!("authorization_endpoint {authz:?}: {e}"),
            )
        })?;
        auth_url
            .query_pairs_mut()
            .append_pair("client_id", t.client_id(mode))
            .append_pair("request_uri", &request_uri);
        let host = url::Url::parse(t.issuer())
            .ok()
            .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
            .unwrap_or_default();
        let ua = UserAgent {
            http: self.http,
            host,
            redirect_uri: &redirect_uri,
            step_timeout: t.grants.step_timeout(),
        };
        let redirect = self
            .flows
            .authorize(&ua, login, auth_url.as_str(), &mut self.exchanges)
            .await?;
        if let Some(e) = redirect.get("error") {
            return Err(Stop::Inconclusive(
                Inconclusive::Flow,
                format!(
                    "the authorization endpoint redirected with error={e} ({})",
                    redirect.get("error_description").unwrap_or("")
                ),
            ));
        }
        // RFC 6749 §10.12: the state must come back unchanged.
        if redirect.get("state") != Some(state.as_str()) {
            return Err(Stop::Inconclusive(
                Inconclusive::Flow,
                format!(
                    "the authorization response's state {:?} is not the one sent",
                    redirect.get("state")
                ),
            ));
        }
        let code = redirect.get("code").ok_or_else(|| {
            Stop::Inconclusive(
                Inconclusive::Flow,
                format!("the redirect {} carries no code", redirect.url),
            )
        })?;
        Ok(vec![
            (
                "grant_type".into(),
                GrantType::AuthorizationCode.as_str().into(),
            ),
            ("code".into(), code.to_string()),
            ("redirect_uri".into(), redirect_uri),
            ("code_verifier".into(), pkce.verifier),
        ])
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
        fresh: Fresh,
        purpose: &str,
        tweak: impl Fn(&mut RequestDraft),
    ) -> Result<Sent, PlanError> {
        self.send_as(self.mode, self.endpoint, mutations, fresh, purpose, tweak)
            .await
    }

    /// [`send`](Self::send) in another mode or to another endpoint (a flow's steps).
    async fn send_as(
        &mut self,
        mode: Mode,
        endpoint: Endpoint,
        mutations: &[Mutation],
        mut fresh: Fresh,
        purpose: &str,
        tweak: impl Fn(&mut RequestDraft),
    ) -> Result<Sent, PlanError> {
        let mut challenge_retry = true;
        let mut nonce_retry = true;
        let mut label = purpose.to_string();
        loop {
            let mut draft = plan::build(self.target, mode, endpoint, mutations, &fresh)?;
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

fn refresh_params(rt: String) -> Vec<(String, String)> {
    vec![
        ("grant_type".into(), GrantType::RefreshToken.as_str().into()),
        ("refresh_token".into(), rt),
    ]
}

fn require_accepted(r: &Result<Reply, SendError>, what: &str) -> Result<(), Stop> {
    match r {
        Ok(r) if r.accepted() => Ok(()),
        Ok(r) => Err(Stop::first_step(format!(
            "inconclusive: the {what} was not accepted ({}), so the second one proves nothing",
            r.summary()
        ))),
        Err(e) => Err(Stop::Inconclusive(
            Inconclusive::NoAnswer,
            format!("inconclusive: no answer to the {what}: {e}"),
        )),
    }
}

fn to_outcome(r: Result<Reply, SendError>) -> Outcome {
    match r {
        Ok(r) => Outcome::Reply(r),
        Err(e) => Outcome::Transport(e.to_string()),
    }
}
