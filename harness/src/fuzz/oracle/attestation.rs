//! The Client Attestation JWT (draft-10 §Client Attestation JWT, §Verification Client
//! Attestation JWT).
use super::jwt::*;
use super::{Capabilities, Judge, USE_FRESH};
use crate::fuzz::rules::{self as r};
use crate::fuzz::symbolic::{CnfKey, FieldVal, Request, Sv, ATTESTER_ISS};
use crate::scenario::KeyRef;
use serde_json::Value;

/// The cnf key of a verified attestation.
pub(super) struct CnfInfo {
    pub key: KeyRef,
    pub cosmetic: bool,
}

pub(super) fn judge_attestation(
    v: &FieldVal,
    req: &Request,
    caps: &Capabilities,
    j: &mut Judge,
) -> Option<CnfInfo> {
    let t = match v {
        FieldVal::Token(t) => t,
        FieldVal::Raw(s) => {
            // A value outside token68 is no sf-token JWT either (-12 §4).
            let syntax = if caps.revision.sf_token_headers() {
                &r::ATT_SF_TOKEN
            } else {
                &r::ATT_TOKEN68
            };
            judge_raw(s, syntax, &r::ATT_JWT_VALID, j);
            return None;
        }
        FieldVal::Joined(_) => unreachable!("values() flattens lists"),
    };
    // §Client Attestation JWT: typ; §Verification item 3: alg registered, not none.
    judge_typ(t, "oauth-client-attestation+jwt", &r::ATT_TYP, j);
    match named_alg(t, caps) {
        None => j.broke(&[&r::ATT_ALG_PRESENT]),
        Some(Err(())) => j.broke(&[&r::ATT_JWT_VALID]),
        Some(Ok("none")) => j.broke(&[&r::ATT_ALG_NOT_NONE]),
        Some(Ok(a)) if a != signed_alg(t, caps) => j.broke(&[&r::ATT_ALG_SUPPORTED]),
        Some(Ok(_)) => {}
    }
    // §Verification item 4: a trusted attester signed it; rule 2: the signature verifies.
    match t.signer {
        KeyRef::Attester => {}
        KeyRef::None => j.broke(&[&r::ATT_ALG_NOT_NONE]),
        KeyRef::Instance | KeyRef::Other => j.broke(&[&r::ATT_TRUSTED_SIGNER]),
        KeyRef::HmacInstance => j.broke(&[&r::ATT_SIGNATURE]),
        KeyRef::HmacAttester if caps.attester_mac => {
            j.open("a MAC'd attestation: whether the server takes HS256 is its policy")
        }
        KeyRef::HmacAttester => j.broke(&[&r::ATT_SIGNATURE]),
        // RFC 8725 §3.1: the attester's public key is never an HMAC secret, whatever HS256
        // attestations the server takes with its MAC keys.
        KeyRef::HmacPublicJwk | KeyRef::HmacPublicPem | KeyRef::HmacPublicDer => {
            j.broke(&[&r::ATT_ALG_CONFUSION, &r::ATT_TRUSTED_SIGNER])
        }
    }
    if t.damaged {
        j.broke(&[&r::ATT_SIGNATURE]);
    }
    judge_used_alg(t, caps, j);
    match t.header("kid") {
        Some(Sv::Json(Value::String(k))) if k == "${attester_kid}" => {}
        Some(_) => j.open("the attestation's kid changed: key selection is the server's"),
        None if caps.attester_kid => {
            j.open("the attestation's kid removed: key selection is the server's")
        }
        None => {}
    }
    judge_other_header(t, &["kid"], &r::ATT_JWT_VALID, j);

    let form_client_id = req
        .form
        .iter()
        .find(|(n, _)| n == "client_id")
        .map(|(_, v)| v.is_some())
        .unwrap_or(true);
    let rev = caps.revision;
    let mut cnf = None;
    for (name, v) in &t.claims {
        match name.as_str() {
            "sub" => match v {
                Sv::Json(Value::String(s)) if s == "${client_id}" => {}
                Sv::Json(Value::String(_)) if form_client_id => j.broke(&[&r::ATT_CLIENT_ID_MATCH]),
                Sv::Json(Value::String(_)) => {
                    j.open("sub names another client and no client_id is sent")
                }
                _ => j.broke(&[&r::ATT_JWT_VALID]),
            },
            // §Client Attestation JWT exp: MUST reject once passed, "subject to allowable
            // clock skew" (how much is the server's: a few minutes is left open).
            "exp" => match when(v) {
                When::NotNumber => j.broke(&[&r::ATT_JWT_VALID]),
                When::Offset(o) if o >= 120 => {}
                When::Offset(o) if o <= -600 => j.broke(&[&r::ATT_EXP_CHECK]),
                _ => j.open("exp near now: within the clock-skew allowance"),
            },
            // §Verification item 6 + §Errors: stale by the declared policy → use_fresh_attestation.
            "iat" => match (when(v), caps.attestation_max_age) {
                (When::NotNumber, _) => j.broke(&[&r::ATT_JWT_VALID]),
                // A day ahead is beyond any skew or rounding (-12 §11.1 rounds down): SHOULD
                // (ATT-IAT-FUTURE); closer than that the draft does not say.
                (When::Offset(o), _) if o >= 86_400 => j.broke(&[&r::ATT_IAT_FUTURE]),
                (When::Offset(o), _) if o > 30 => {
                    j.open("attestation iat in the future, less than a day: the draft does not say")
                }
                (When::Offset(o), Some(m)) if o < -(m as i64) - 600 => {
                    j.broke_with(&[&r::ATT_FRESHNESS, &r::ERR_USE_FRESH], &[USE_FRESH], &[])
                }
                (When::Offset(o), Some(m)) if m > 600 && o >= -(m as i64) + 600 => {}
                (When::Offset(o), None) if o >= -60 => {}
                _ => j.open("attestation age near or without a declared freshness limit"),
            },
            // -07 §5.1: "MUST NOT be accepted for processing" before nbf; later revisions
            // leave a present nbf to RFC 7519 validity (rule 3), which rule 1 (claims not
            // understood are ignored) makes a SHOULD: ATT-NBF-PRESENT.
            "nbf" if rev.nbf_rules() => judge_nbf(v, &r::ATT_NBF, j),
            "nbf" => judge_nbf(v, &r::ATT_NBF_PRESENT, j),
            "cnf" => cnf = judge_cnf(v, j),
            // -07 §5.1: iss REQUIRED, a string naming the attester; which attesters are trusted
            // is the server's.
            "iss" if rev.pop_iss_required() => match v {
                Sv::Json(Value::String(s)) if s == ATTESTER_ISS => {}
                Sv::Json(Value::String(_)) => {
                    j.open("attestation iss names another attester: its trust is the server's")
                }
                _ => j.broke(&[&r::ATT_JWT_VALID]),
            },
            "iss" | "aud" | "jti" => j.open(format!(
                "attestation {name} set: its processing is the application's (RFC 7519 §4.1)"
            )),
            n if UNDERSTOOD_CLAIMS.contains(&n) => j.open(format!("attestation claim {n} set")),
            _ => j.ok(&r::ATT_UNKNOWN_CLAIMS),
        }
    }
    for (claim, rule) in [
        ("sub", &r::ATT_SUB_REQUIRED),
        ("exp", &r::ATT_EXP_REQUIRED),
        ("cnf", &r::ATT_CNF_REQUIRED),
    ] {
        if t.claim(claim).is_none() {
            j.broke(&[rule]);
        }
    }
    if rev.pop_iss_required() && t.claim("iss").is_none() {
        j.broke(&[&r::ATT_ISS_REQUIRED]);
    }
    if t.claim("iat").is_none() {
        if rev.attestation_iat_required() {
            // -12 editor's copy §4, §7.1 item 2.
            j.broke(&[&r::ATT_IAT_REQUIRED]);
        } else if caps.attestation_max_age.is_some() {
            j.open(
                "no attestation iat at a server with a freshness limit (iat or exp, its policy)",
            );
        } else {
            j.ok(&r::ATT_IAT_OPTIONAL);
        }
    }
    cnf
}

/// §Client Attestation JWT cnf: a jwk (RFC 7800), public (§Verification item 5).
pub(super) fn judge_cnf(v: &Sv, j: &mut Judge) -> Option<CnfInfo> {
    match v {
        Sv::Cnf(c) => {
            if c.odd_members {
                j.open("cnf.jwk members whose effect the draft does not decide");
            }
            if c.cosmetic {
                j.ok(&r::ATT_CNF_JWK);
            }
            match c.key {
                CnfKey::Public(k) => Some(CnfInfo {
                    key: k,
                    cosmetic: c.cosmetic,
                }),
                CnfKey::PrivateInstance | CnfKey::RsaPrivate | CnfKey::Symmetric => {
                    j.broke(&[&r::ATT_CNF_NOT_PRIVATE]);
                    None
                }
                CnfKey::NoJwk => {
                    j.broke(&[&r::ATT_CNF_JWK]);
                    None
                }
            }
        }
        Sv::Json(Value::Object(o)) => {
            match o.get("jwk") {
                None => j.broke(&[&r::ATT_CNF_JWK]),
                Some(Value::Object(k)) if k.contains_key("kty") => {
                    j.open("a literal cnf.jwk object")
                }
                Some(_) => j.broke(&[&r::ATT_CNF_JWK]),
            }
            None
        }
        _ => {
            j.broke(&[&r::ATT_CNF_REQUIRED]);
            None
        }
    }
}
