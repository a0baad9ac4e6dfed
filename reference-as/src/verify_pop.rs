//! Client Attestation PoP JWT checks ("normal mode"): draft-10 §Client Attestation PoP JWT and
//! §Verification Client Attestation PoP JWT. Failures are `invalid_client`; a missing or wrong
//! challenge is `use_attestation_challenge` (§Errors).
use crate::claims::{check_nbf, check_optional_exp, numeric_date, typ_matches};
use crate::config::ChallengePolicy;
use crate::draft::Draft;
use crate::errors::OAuthError;
use crate::fault::Fault;
use crate::jose::parse_compact_with;
use crate::jwk::{parse_jwk, verify, Alg};
use crate::state::AppState;
use crate::verify_attestation::Attestation;
use serde_json::Value;

pub const TYP: &str = "oauth-client-attestation-pop+jwt";

/// What must be recorded once the whole request has passed.
#[derive(Debug, Default, Clone)]
pub struct PopOutcome {
    /// jti to insert into the replay store (None when replay detection is off by fault).
    pub jti: Option<String>,
    /// Server-issued challenge to consume.
    pub challenge: Option<String>,
}

fn fail(msg: impl std::fmt::Display) -> OAuthError {
    OAuthError::invalid_client(format!("client attestation PoP: {msg}"))
}

pub fn verify_pop(
    st: &AppState,
    token: &str,
    att: &Attestation,
    form_client_id: Option<&str>,
    now: u64,
) -> Result<PopOutcome, OAuthError> {
    let w = &st.config.windows;
    let jws = parse_compact_with(token, st.header_rules()).map_err(fail)?;
    // Only the attestation-cnf-not-required fault lets an attestation without a key through;
    // a PoP then has nothing to be verified with.
    let cnf = att
        .cnf
        .as_ref()
        .ok_or_else(|| fail("the attestation names no cnf key to verify the PoP with"))?;

    if !st.fault(Fault::PopTypNotChecked) {
        typ_matches(&jws.header, TYP).map_err(fail)?;
    }

    // alg: asymmetric, registered, not none (§Client Attestation PoP JWT rule 2,
    // §Verification PoP item 3).
    let alg_name = match jws.header_str("alg") {
        Some(a) => a,
        // Under the fault a missing alg is one the server does not know (taken from the key).
        None if st.fault(Fault::PopAlgFromKey) && !jws.header.contains_key("alg") => "",
        None => return Err(fail("alg header missing or not a string")),
    };
    let skip_signature = match alg_name {
        "none" if st.fault(Fault::PopAlgNoneAccepted) => true,
        "none" => return Err(fail("alg none is not allowed")),
        "HS256" | "HS384" | "HS512" if st.fault(Fault::PopHmacAccepted) => true,
        "HS256" if st.fault(Fault::PopHmacWithPublicKey) => {
            if !crate::confusion::mac_with_public_key(
                Some(&cnf.json),
                &cnf.material,
                &jws.signing_input,
                &jws.signature,
            ) {
                return Err(fail("HS256 MAC does not verify with the cnf key as secret"));
            }
            true
        }
        "HS256" | "HS384" | "HS512" => {
            return Err(fail(format!(
                "alg {alg_name} is symmetric; the PoP must use an asymmetric algorithm"
            )))
        }
        _ => false,
    };
    if !skip_signature {
        let alg = match Alg::parse(alg_name) {
            Some(a) => Some(a),
            None if st.fault(Fault::PopAlgFromKey) => Some(cnf.own_alg()),
            None => None,
        }
        .filter(|a| st.proof_algs().contains(a) || st.verifies_unadvertised(*a))
        .ok_or_else(|| fail(format!("alg {alg_name:?} is not supported")))?;
        if !st.fault(Fault::PopSignatureNotChecked) {
            // The key is the attestation's cnf key (§Client Attestation PoP JWT rule 3); a
            // key in the PoP's own header is never trusted, except under the fault.
            let header_key = if st.fault(Fault::PopNotBoundToCnf) {
                jws.header.get("jwk").and_then(|j| parse_jwk(j).ok())
            } else {
                None
            };
            let key = header_key.as_ref().map_or(&cnf.material, |k| &k.material);
            verify(alg, key, &jws.signing_input, &jws.signature)
                .map_err(|e| fail(format!("{e} with the cnf key of the attestation")))?;
        }
    }

    let claims = &jws.claims;

    if st.draft() == Draft::D07 && !st.fault(Fault::PopIssNotChecked) {
        check_iss_07(st, claims, att, form_client_id)?;
    }

    // aud: a single string, the issuer identifier (§Verification PoP item 7).
    match claims.get("aud") {
        None if st.fault(Fault::PopAudNotRequired) => {}
        None => return Err(fail("aud claim missing")),
        Some(_) if st.fault(Fault::PopAudNotChecked) => {}
        Some(Value::String(aud)) => {
            let token_ok =
                st.fault(Fault::PopAudTokenEndpointAccepted) && *aud == st.token_endpoint;
            if *aud != st.issuer && !token_ok {
                return Err(fail(format!(
                    "aud {aud:?} is not the issuer {:?}",
                    st.issuer
                )));
            }
        }
        Some(Value::Array(_)) => {
            return Err(fail(
                "aud is an array; it must be the issuer identifier as a single string",
            ))
        }
        Some(_) => return Err(fail("aud is not a string")),
    }

    // jti: required string (§Client Attestation PoP JWT).
    let coerce = st.fault(Fault::PopClaimTypesNotChecked);
    let jti = match claims.get("jti") {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Value::Number(n)) if coerce => Some(n.to_string()),
        Some(Value::String(_)) => return Err(fail("jti is empty")),
        Some(_) => return Err(fail("jti is not a string")),
        None if st.fault(Fault::PopJtiNotRequired) => None,
        None => return Err(fail("jti claim missing")),
    };

    // iat: required, within the window (§Verification PoP item 6). Evaluated before the
    // replay look-up (§Implementation Considerations Replay Attack Detection).
    match numeric_date(claims, "iat", coerce).map_err(fail)? {
        None if st.fault(Fault::PopIatNotRequired) => {}
        None => return Err(fail("iat claim missing")),
        Some(iat) => {
            if (now as f64) - iat > w.pop_max_age as f64 && !st.fault(Fault::PopIatNotChecked) {
                return Err(fail(format!(
                    "iat is older than {} s (stale PoP)",
                    w.pop_max_age
                )));
            }
            if iat > (now + w.skew) as f64 && !st.fault(Fault::PopFutureIatAccepted) {
                return Err(fail("iat is in the future"));
            }
        }
    }
    // RFC 7519 validity of optional registered claims (§Client Attestation PoP JWT rule 4).
    if !st.fault(Fault::PopExpNotChecked) {
        check_optional_exp(claims, now, w.skew).map_err(fail)?;
    }
    if !st.fault(Fault::NbfNotChecked) && !st.fault(Fault::PresentNbfNotChecked) {
        check_nbf(claims, now, w.skew).map_err(fail)?;
    }

    let replay_check = !st.fault(Fault::PopJtiReplayNotDetected);
    if let Some(j) = &jti {
        if replay_check && st.pop_jtis.is_seen(j, now) {
            return Err(fail("jti was already used (replay)"));
        }
    }

    let challenge = check_challenge(st, claims.get("challenge"), now)?;

    Ok(PopOutcome {
        jti: jti.filter(|_| replay_check),
        challenge,
    })
}

/// §Verification PoP items 5 and 8: a challenge, when present, must be one we issued; when
/// challenges are required it must be present.
fn check_challenge(
    st: &AppState,
    claim: Option<&Value>,
    now: u64,
) -> Result<Option<String>, OAuthError> {
    let policy = st.config.challenge;
    if policy == ChallengePolicy::Off {
        return Ok(None);
    }
    match claim {
        Some(Value::String(c)) if st.challenges.is_live(c, st.challenge_purpose(), now) => {
            Ok(Some(c.clone()))
        }
        Some(_) if st.fault(Fault::PopChallengeNotChecked) => Ok(None),
        Some(Value::String(_)) => Err(OAuthError::use_attestation_challenge(
            "client attestation PoP: challenge is not a live challenge issued by this server",
        )),
        Some(_) => Err(OAuthError::use_attestation_challenge(
            "client attestation PoP: challenge is not a string",
        )),
        None if policy == ChallengePolicy::Required
            && !st.fault(Fault::PopChallengeNotRequired) =>
        {
            Err(OAuthError::use_attestation_challenge(
                "client attestation PoP: challenge claim missing; this server requires one",
            ))
        }
        None => Ok(None),
    }
}

/// draft-07 only (removed in -08): the PoP `iss` is REQUIRED and is the client_id (-07 §5.2);
/// it "MUST match the value of the `sub` claim" of the attestation (§5.2 rule 4), and a
/// `client_id` in the request must equal it (§6.3, §6.4, §9 item 13).
fn check_iss_07(
    st: &AppState,
    claims: &serde_json::Map<String, Value>,
    att: &Attestation,
    form_client_id: Option<&str>,
) -> Result<(), OAuthError> {
    let iss = match claims.get("iss") {
        Some(Value::String(s)) if !s.is_empty() => s,
        Some(Value::String(_)) => return Err(fail("iss is empty")),
        Some(_) => return Err(fail("iss is not a string")),
        None => {
            return Err(fail(
                "iss claim missing (REQUIRED by draft-07 section 5.2: the client_id)",
            ))
        }
    };
    if *iss != att.client_id {
        return Err(fail(format!(
            "iss {iss:?} differs from the attestation sub {:?} (draft-07 section 5.2 rule 4)",
            att.client_id
        )));
    }
    if let Some(cid) = form_client_id {
        if cid != iss && !st.fault(Fault::AttestationClientIdMismatchAccepted) {
            return Err(fail(format!(
                "client_id {cid:?} in the request differs from the PoP iss {iss:?} (draft-07 section 6.3)"
            )));
        }
    }
    Ok(())
}
