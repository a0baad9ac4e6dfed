//! Client authentication: which mode a request uses (§7 of -10/-11/-12; -07 has only the
//! PoP JWT, §6.2), the checks of that mode, and the final commit of replay / challenge state.
use crate::challenge::Purpose;
use crate::config::{AuthMethod, ChallengePolicy, DpopNoncePolicy};
use crate::draft::Draft;
use crate::errors::OAuthError;
use crate::fault::Fault;
use crate::fields::{present, single_value, FieldRules, Syntax};
use crate::state::{AppState, NonceNeed};
use crate::verify_attestation::{verify_attestation, Attestation};
use crate::verify_dpop::{verify_dpop, DpopProof, NonceRule};
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
    /// The mode the request authenticated with.
    pub mode: Mode,
    /// RFC 7638 thumbprint of the Client Instance Key (the attestation's `cnf.jwk`): what
    /// codes and refresh tokens are bound to (draft-10 §Refresh token binding, §Binding of
    /// OAuth protocol artifacts).
    pub instance_jkt: Option<String>,
    /// RFC 7638 thumbprint of the key of the validated DPoP proof, if any (the combined-mode
    /// proof, or an independent one next to a PoP): checked against `dpop_jkt` (RFC 9449 §10).
    pub dpop_jkt: Option<String>,
}

impl AuthOutcome {
    /// A DPoP proof was validated (→ token_type DPoP, RFC 9449 §5).
    pub fn dpop_validated(&self) -> bool {
        self.dpop_jkt.is_some()
    }
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
        syntax: attestation_field_syntax(st),
        allow_multiple: st.fault(Fault::AttestationMultipleFieldsAccepted),
        skip_token68: st.fault(Fault::AttestationToken68NotChecked),
        allow_sf_parameters: st.fault(Fault::SfParametersAccepted),
    };
    // §7.1 item 1 (-07 §6.2 item 1): precisely one attestation field.
    let att_token = single_value(req.headers, ATTESTATION, att_rules)
        .map_err(|e| OAuthError::invalid_client(format!("client attestation: {e}")))?
        .ok_or_else(|| {
            OAuthError::invalid_client(
                "no OAuth-Client-Attestation header: client authentication is required",
            )
        })?;

    // Dispatch. -10 §7: a PoP field selects normal mode; otherwise a DPoP field selects
    // combined mode. -11/-12 §7: the attestation field and a DPoP proof without a PoP field
    // select combined mode (the attestation is required above in every revision). -07 has no
    // combined mode: the PoP field is required (-07 §6.2 item 2, §9 item 1).
    let has_pop = present(req.headers, POP);
    let has_dpop = present(req.headers, DPOP);
    let combined_exists =
        st.draft().has_combined_mode() || st.fault(Fault::CombinedModeAcceptedIn07);
    let mode = if has_pop && !(has_dpop && combined_exists && st.fault(Fault::StrayPopIgnored)) {
        Mode::Normal
    } else if has_dpop && combined_exists {
        Mode::Combined
    } else if st.fault(Fault::AttestationAloneAccepted) {
        Mode::AttestationAlone
    } else if has_dpop {
        return Err(OAuthError::invalid_client(
            "no OAuth-Client-Attestation-PoP header: draft-07 has no DPoP combined mode, a DPoP proof does not replace the Client Attestation PoP (draft-07 section 6.2 item 2)",
        ));
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
    // -11/-12 §7: an AS that does not support attest_jwt_client_auth_dpop "MUST reject" the
    // attestation + DPoP request without a PoP (no error code is named; invalid_client, RFC
    // 6749 §5.2). The same holds for a disabled normal mode, in every revision.
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
    let mut dpop_jkt = None;
    match mode {
        Mode::Normal => {
            // §7.2 item 1 (-07 §6.2 item 2): precisely one PoP field.
            let rules = FieldRules {
                syntax: attestation_field_syntax(st),
                allow_multiple: st.fault(Fault::PopMultipleFieldsAccepted),
                skip_token68: st.fault(Fault::PopToken68NotChecked),
                allow_sf_parameters: st.fault(Fault::SfParametersAccepted),
            };
            let pop_token = single_value(req.headers, POP, rules)
                .map_err(|e| OAuthError::invalid_client(format!("client attestation PoP: {e}")))?
                .ok_or_else(|| OAuthError::invalid_client("client attestation PoP: missing"))?;
            let pop = verify_pop(st, &pop_token, &att, req.form_client_id, now)?;
            commit.pop_jti = pop.jti;
            commit.values.extend(pop.challenge);
            if has_dpop {
                // Validated on its own per RFC 9449; its key need not be the cnf key
                // (draft-10 §Using DPoP as the Proof of Possession, third paragraph).
                let proof = read_and_verify_dpop(st, req, independent_nonce_rule(st), None, now)?;
                if st.fault(Fault::IndependentDpopBoundToCnf)
                    && !key_matches_thumbprint(&att, &proof)
                {
                    return Err(OAuthError::invalid_dpop_proof(
                        "DPoP proof: key differs from the attestation's cnf key",
                    ));
                }
                dpop_jkt = Some(proof.thumbprint.clone());
                commit.add_dpop(st, proof);
            }
        }
        Mode::Combined => {
            // -11/-12 §5.2 and §7.3 item 3: freshness comes only from DPoP nonces, and a
            // missing or wrong one is use_dpop_nonce with a fresh DPoP-Nonce (§7.4). -10 §7.3
            // item 5: the attestation challenge travels in the DPoP nonce claim.
            let nonce_freshness = st.draft().dpop_nonce_freshness()
                && !st.fault(Fault::DpopNonceFreshnessViaChallenge);
            let rule = if nonce_freshness {
                NonceRule {
                    need: st.combined_nonce_need(),
                    purpose: st.nonce_purpose(),
                }
            } else {
                independent_nonce_rule(st)
            };
            let proof = read_and_verify_dpop(st, req, rule, att.cnf.as_ref(), now)?;
            check_combined_key(st, &att, &proof)?;
            if !nonce_freshness {
                if let Some(c) = combined_challenge(st, &proof, now)? {
                    commit.values.push(c);
                }
            }
            dpop_jkt = Some(proof.thumbprint.clone());
            commit.add_dpop(st, proof);
        }
        Mode::AttestationAlone => {}
    }

    commit.apply(st, now)?;
    Ok(AuthOutcome {
        instance_jkt: att
            .cnf
            .as_ref()
            .and_then(|c| crate::jwk::thumbprint(&c.json))
            .or(dpop_jkt.clone()),
        client_id: att.client_id,
        mode,
        dpop_jkt,
    })
}

/// The syntax of the OAuth-Client-Attestation and OAuth-Client-Attestation-PoP values:
/// token68 in -07 (§6.1) to -11 (§4, §5.1); an RFC 9651 Token Item without parameters in the
/// -12 editor's copy (§4, §5.1).
fn attestation_field_syntax(st: &AppState) -> Syntax {
    if st.draft() == Draft::D12 {
        Syntax::SfToken
    } else {
        Syntax::Token68
    }
}

/// RFC 9449 §8: a DPoP proof that is not the combined-mode PoP needs a server nonce only when
/// the server demands DPoP nonces.
fn independent_nonce_rule(st: &AppState) -> NonceRule {
    NonceRule {
        need: if st.config.dpop_nonce == DpopNoncePolicy::Required {
            NonceNeed::Required
        } else {
            NonceNeed::Off
        },
        purpose: st.nonce_purpose(),
    }
}

fn read_and_verify_dpop(
    st: &AppState,
    req: &AuthRequest<'_>,
    nonce_rule: NonceRule,
    cnf: Option<&crate::jwk::Jwk>,
    now: u64,
) -> Result<DpopProof, OAuthError> {
    let rules = FieldRules {
        allow_multiple: st.fault(Fault::DpopMultipleFieldsAccepted),
        skip_token68: st.fault(Fault::DpopToken68NotChecked),
        ..FieldRules::default()
    };
    // RFC 9449 §4.3 item 1; draft-10 §Verification DPoP Combined Mode item 2.
    let token = single_value(req.headers, DPOP, rules)
        .map_err(|e| OAuthError::invalid_dpop_proof(format!("DPoP proof: {e}")))?
        .ok_or_else(|| OAuthError::invalid_dpop_proof("DPoP proof: missing"))?;
    verify_dpop(
        st,
        &token,
        req.method,
        req.endpoint_url,
        nonce_rule,
        cnf,
        now,
    )
}

fn key_matches_thumbprint(att: &Attestation, proof: &DpopProof) -> bool {
    att.cnf
        .as_ref()
        .and_then(|c| crate::jwk::thumbprint(&c.json))
        .as_deref()
        == Some(proof.thumbprint.as_str())
}

/// §7.3 item 4 (-10, -11, -12): the DPoP key is the cnf key, compared on key material by
/// RFC 7638 thumbprint; -11 adds that this is "not ... the comparison of a canonical
/// representation of the JWK, but a check via JWK thumbprint" (member order and extra
/// members do not matter).
fn check_combined_key(
    st: &AppState,
    att: &Attestation,
    proof: &DpopProof,
) -> Result<(), OAuthError> {
    // No cnf key only under the attestation-cnf-not-required fault: nothing to compare with.
    let Some(cnf) = &att.cnf else {
        return Ok(());
    };
    if st.fault(Fault::DpopKeyNotMatchedToCnf) {
        return Ok(());
    }
    let same = if st.fault(Fault::DpopKeyComparedAsJson) {
        serde_json::to_string(&cnf.json).ok() == serde_json::to_string(&proof.jwk).ok()
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

/// draft-10 §7.3 item 5: the challenge travels in the DPoP `nonce` claim. A `challenge` claim
/// does not count (except under `dpop-challenge-claim-accepted`). Not used from -11 on.
fn combined_challenge(
    st: &AppState,
    proof: &DpopProof,
    now: u64,
) -> Result<Option<String>, OAuthError> {
    let policy = st.config.challenge;
    if policy == ChallengePolicy::Off || st.fault(Fault::CombinedChallengeNotChecked) {
        return Ok(None);
    }
    let mut claim = proof.claims.get("nonce");
    if claim.is_none() && st.fault(Fault::DpopChallengeClaimAccepted) {
        claim = proof.claims.get("challenge");
    }
    match claim {
        Some(Value::String(c)) if st.challenges.is_live(c, Purpose::Both, now) => {
            Ok(Some(c.clone()))
        }
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
    /// Server-issued values used (challenges, and up to -10 the shared challenge / DPoP
    /// nonce values), consumed once each.
    values: Vec<String>,
    /// DPoP nonces used (from -11 on, when they are separate values), consumed once each.
    dpop_nonces: Vec<String>,
}

impl Commit {
    fn add_dpop(&mut self, st: &AppState, proof: DpopProof) {
        self.dpop_jti = proof.jti;
        if st.nonce_purpose() == Purpose::DpopNonce {
            self.dpop_nonces.extend(proof.nonce_used);
        } else {
            self.values.extend(proof.nonce_used);
        }
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
        self.dpop_nonces.retain(|n| !self.values.contains(n));
        for v in &self.values {
            if !st.challenges.consume(v, now) {
                return Err(OAuthError::use_attestation_challenge(
                    "challenge was used concurrently by another request",
                ));
            }
        }
        // -11/-12 §7.4: a DPoP nonce that is no longer valid is use_dpop_nonce.
        for v in &self.dpop_nonces {
            if !st.challenges.consume(v, now) {
                return Err(OAuthError::use_dpop_nonce(
                    "DPoP nonce was used concurrently by another request",
                ));
            }
        }
        Ok(())
    }
}
