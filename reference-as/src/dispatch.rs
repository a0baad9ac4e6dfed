//! Client authentication: which mode a request uses (draft-10 §Verification and Processing),
//! the checks of that mode, and the final commit of replay / challenge state.
use crate::config::{AuthMethod, ChallengePolicy};
use crate::errors::OAuthError;
use crate::fault::Fault;
use crate::fields::{present, single_value, FieldRules};
use crate::state::AppState;
use crate::verify_attestation::{verify_attestation, Attestation};
use crate::verify_dpop::{verify_dpop, DpopProof};
use crate::verify_pop::verify_pop;
use axum::http::HeaderMap;
use serde_json::Value;

pub const ATTESTATION: &str = "oauth-client-attestation";
pub const POP: &str = "oauth-client-attestation-pop";
pub const DPOP: &str = "dpop";

/// The proof of possession a request uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Client Attestation PoP JWT (`attest_jwt_client_auth`).
    Normal,
    /// DPoP proof as the PoP (`attest_jwt_client_auth_dpop`).
    Combined,
    /// No PoP at all; reachable only through the `attestation-alone-accepted` fault.
    AttestationAlone,
}

/// A successfully authenticated request.
#[derive(Debug, Clone)]
pub struct AuthOutcome {
    pub client_id: String,
    /// A DPoP proof was validated (→ token_type DPoP, RFC 9449 §5).
    pub dpop_validated: bool,
}

/// The request facts authentication needs.
pub struct AuthRequest<'a> {
    pub method: &'a str,
    pub headers: &'a HeaderMap,
    /// The issuer-based URL of the endpoint (for htu).
    pub endpoint_url: &'a str,
    pub form_client_id: Option<&'a str>,
}

pub fn authenticate(
    st: &AppState,
    req: &AuthRequest<'_>,
    now: u64,
) -> Result<AuthOutcome, OAuthError> {
    let att_rules = FieldRules {
        allow_multiple: st.fault(Fault::AttestationMultipleFieldsAccepted),
        skip_token68: st.fault(Fault::AttestationToken68NotChecked),
    };
    // §Verification Client Attestation JWT item 1: precisely one attestation field.
    let att_token = single_value(req.headers, ATTESTATION, att_rules)
        .map_err(|e| OAuthError::invalid_client(format!("client attestation: {e}")))?
        .ok_or_else(|| {
            OAuthError::invalid_client(
                "no OAuth-Client-Attestation header: client authentication is required",
            )
        })?;

    // Dispatch (§Verification and Processing): a PoP field selects normal mode; otherwise a
    // DPoP field selects combined mode.
    let has_pop = present(req.headers, POP);
    let has_dpop = present(req.headers, DPOP);
    let mode = if has_pop && !(has_dpop && st.fault(Fault::StrayPopIgnored)) {
        Mode::Normal
    } else if has_dpop {
        Mode::Combined
    } else if st.fault(Fault::AttestationAloneAccepted) {
        Mode::AttestationAlone
    } else {
        return Err(OAuthError::invalid_client(
            "neither OAuth-Client-Attestation-PoP nor DPoP: a proof of possession is required",
        ));
    };

    let method = match mode {
        Mode::Normal => Some(AuthMethod::AttestJwtClientAuth),
        Mode::Combined => Some(AuthMethod::AttestJwtClientAuthDpop),
        Mode::AttestationAlone => None,
    };
    let enforce = !st.fault(Fault::MethodNotEnforced);
    if let (Some(m), true) = (method, enforce) {
        if !st.method_enabled(m) {
            return Err(OAuthError::invalid_client(format!(
                "auth method {} is not supported by this server",
                m.as_str()
            )));
        }
    }

    let att = verify_attestation(st, &att_token, req.form_client_id, now)?;

    if let (Some(m), true) = (method, enforce) {
        let allowed = st
            .config
            .clients
            .iter()
            .find(|c| c.client_id == att.client_id)
            .is_some_and(|c| c.methods.contains(&m));
        if !allowed {
            return Err(OAuthError::invalid_client(format!(
                "client {:?} is not registered for auth method {}",
                att.client_id,
                m.as_str()
            )));
        }
    }

    let mut commit = Commit::default();
    let mut dpop_validated = false;
    match mode {
        Mode::Normal => {
            let rules = FieldRules {
                allow_multiple: st.fault(Fault::PopMultipleFieldsAccepted),
                skip_token68: false,
            };
            let pop_token = single_value(req.headers, POP, rules)
                .map_err(|e| OAuthError::invalid_client(format!("client attestation PoP: {e}")))?
                .ok_or_else(|| OAuthError::invalid_client("client attestation PoP: missing"))?;
            let pop = verify_pop(st, &pop_token, &att, now)?;
            commit.pop_jti = pop.jti;
            commit.values.extend(pop.challenge);
            if has_dpop {
                // Validated on its own per RFC 9449; its key need not be the cnf key
                // (draft-10 §Using DPoP as the Proof of Possession, third paragraph).
                let proof = read_and_verify_dpop(st, req, now)?;
                if st.fault(Fault::IndependentDpopBoundToCnf)
                    && !key_matches_thumbprint(&att, &proof)
                {
                    return Err(OAuthError::invalid_dpop_proof(
                        "DPoP proof: key differs from the attestation's cnf key",
                    ));
                }
                commit.add_dpop(proof);
                dpop_validated = true;
            }
        }
        Mode::Combined => {
            let proof = read_and_verify_dpop(st, req, now)?;
            check_combined_key(st, &att, &proof)?;
            if let Some(c) = combined_challenge(st, &proof, now)? {
                commit.values.push(c);
            }
            commit.add_dpop(proof);
            dpop_validated = true;
        }
        Mode::AttestationAlone => {}
    }

    commit.apply(st, now)?;
    Ok(AuthOutcome {
        client_id: att.client_id,
        dpop_validated,
    })
}

fn read_and_verify_dpop(
    st: &AppState,
    req: &AuthRequest<'_>,
    now: u64,
) -> Result<DpopProof, OAuthError> {
    let rules = FieldRules {
        allow_multiple: st.fault(Fault::DpopMultipleFieldsAccepted),
        skip_token68: false,
    };
    // RFC 9449 §4.3 item 1; draft-10 §Verification DPoP Combined Mode item 2.
    let token = single_value(req.headers, DPOP, rules)
        .map_err(|e| OAuthError::invalid_dpop_proof(format!("DPoP proof: {e}")))?
        .ok_or_else(|| OAuthError::invalid_dpop_proof("DPoP proof: missing"))?;
    verify_dpop(st, &token, req.method, req.endpoint_url, now)
}

fn key_matches_thumbprint(att: &Attestation, proof: &DpopProof) -> bool {
    crate::jwk::thumbprint(&att.cnf.json).as_deref() == Some(proof.thumbprint.as_str())
}

/// draft-10 §Verification DPoP Combined Mode item 4: the DPoP key is the cnf key, compared on
/// key material by RFC 7638 thumbprint (member order and extra members do not matter).
fn check_combined_key(
    st: &AppState,
    att: &Attestation,
    proof: &DpopProof,
) -> Result<(), OAuthError> {
    if st.fault(Fault::DpopKeyNotMatchedToCnf) {
        return Ok(());
    }
    let same = if st.fault(Fault::DpopKeyComparedAsJson) {
        serde_json::to_string(&att.cnf.json).ok() == serde_json::to_string(&proof.jwk).ok()
    } else {
        key_matches_thumbprint(att, proof)
    };
    if same {
        Ok(())
    } else {
        Err(OAuthError::invalid_client(
            "DPoP combined mode: the DPoP proof key is not the cnf key of the client attestation",
        ))
    }
}

/// draft-10 §Verification DPoP Combined Mode item 5: the challenge travels in the DPoP `nonce`
/// claim. A `challenge` claim does not count (except under `dpop-challenge-claim-accepted`).
fn combined_challenge(
    st: &AppState,
    proof: &DpopProof,
    now: u64,
) -> Result<Option<String>, OAuthError> {
    let policy = st.config.challenge;
    if policy == ChallengePolicy::Off {
        return Ok(None);
    }
    let mut claim = proof.claims.get("nonce");
    if claim.is_none() && st.fault(Fault::DpopChallengeClaimAccepted) {
        claim = proof.claims.get("challenge");
    }
    match claim {
        Some(Value::String(c)) if st.challenges.is_live(c, now) => Ok(Some(c.clone())),
        Some(_) => Err(OAuthError::use_attestation_challenge(
            "DPoP combined mode: nonce is not a live challenge issued by this server",
        )),
        None if policy == ChallengePolicy::Required => Err(OAuthError::use_attestation_challenge(
            "DPoP combined mode: the DPoP proof carries no nonce; this server requires a challenge in the nonce claim",
        )),
        None => Ok(None),
    }
}

/// State written only after every check passed (draft-10 §Implementation Considerations
/// Replay Attack Detection: "insert ... once it has passed all other checks").
#[derive(Default)]
struct Commit {
    pop_jti: Option<String>,
    dpop_jti: Option<String>,
    /// Server-issued values used (challenges / DPoP nonces), consumed once each.
    values: Vec<String>,
}

impl Commit {
    fn add_dpop(&mut self, proof: DpopProof) {
        self.dpop_jti = proof.jti;
        self.values.extend(proof.nonce_used);
    }

    fn apply(mut self, st: &AppState, now: u64) -> Result<(), OAuthError> {
        let w = &st.config.windows;
        // A value stays in the store as long as a proof carrying it could still pass the iat
        // window: iat ≤ now + skew, accepted until iat + pop_max_age.
        let until = now + w.pop_max_age + w.skew;
        if let Some(j) = &self.pop_jti {
            if !st.pop_jtis.insert_new(j, until, now) {
                return Err(OAuthError::invalid_client(
                    "client attestation PoP: jti was already used (replay)",
                ));
            }
        }
        if let Some(j) = &self.dpop_jti {
            if !st.dpop_jtis.insert_new(j, until, now) {
                return Err(OAuthError::invalid_dpop_proof(
                    "DPoP proof: jti was already used (replay)",
                ));
            }
        }
        if st.fault(Fault::ChallengeReusable) {
            return Ok(());
        }
        self.values.sort();
        self.values.dedup();
        for v in &self.values {
            if !st.challenges.consume(v, now) {
                return Err(OAuthError::use_attestation_challenge(
                    "challenge was used concurrently by another request",
                ));
            }
        }
        Ok(())
    }
}
