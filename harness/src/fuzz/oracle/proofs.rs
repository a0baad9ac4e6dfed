//! The proofs of possession: the Client Attestation PoP JWT (draft-10 §Client Attestation
//! PoP JWT, §Verification PoP) and the DPoP proof, combined (§Verification DPoP Combined
//! Mode) or independent (RFC 9449 §4.3).
use super::attestation::CnfInfo;
use super::jwt::*;
use super::{
    Capabilities, Judge, CHALLENGE_HEADER, DPOP_NONCE_HEADER, USE_CHALLENGE, USE_DPOP_NONCE,
};
use crate::fuzz::rules::{self as r, Rule};
use crate::fuzz::symbolic::{FieldVal, Request, Sv};
use crate::scenario::{Endpoint, KeyRef};
use serde_json::Value;

pub(super) fn judge_pop(v: &FieldVal, cnf: Option<&CnfInfo>, caps: &Capabilities, j: &mut Judge) {
    let t = match v {
        FieldVal::Token(t) => t,
        FieldVal::Raw(s) => {
            // A value outside token68 is no sf-token JWT either (-12 §5.1).
            let syntax = if caps.revision.sf_token_headers() {
                &r::POP_SF_TOKEN
            } else {
                &r::POP_TOKEN68
            };
            return judge_raw(s, syntax, &r::POP_JWT_VALID, j);
        }
        FieldVal::Joined(_) => unreachable!("values() flattens lists"),
    };
    judge_typ(t, "oauth-client-attestation-pop+jwt", &r::POP_TYP, j);
    // §Verification PoP item 3, §Client Attestation PoP JWT rule 2 (asymmetric).
    match named_alg(t, caps) {
        None => j.broke(&[&r::POP_ALG_PRESENT]),
        Some(Err(())) => j.broke(&[&r::POP_JWT_VALID]),
        Some(Ok("none")) => j.broke(&[&r::POP_ALG_NOT_NONE]),
        Some(Ok(a)) if a.starts_with("HS") => j.broke(&[&r::POP_ASYMMETRIC]),
        Some(Ok(a)) if a != signed_alg(t, caps) => j.broke(&[&r::POP_SIGNATURE]),
        Some(Ok(_)) => {}
    }
    // rule 3 / item 4: the cnf key, and only it, verifies the PoP.
    match t.signer {
        KeyRef::None => j.broke(&[&r::POP_ALG_NOT_NONE]),
        KeyRef::HmacInstance | KeyRef::HmacAttester => j.broke(&[&r::POP_ASYMMETRIC]),
        // RFC 8725 §2.1: the cnf key's own encoding as the MAC secret.
        KeyRef::HmacPublicJwk | KeyRef::HmacPublicPem | KeyRef::HmacPublicDer => {
            j.broke(&[&r::POP_ALG_CONFUSION, &r::POP_ASYMMETRIC])
        }
        k => {
            if let Some(c) = cnf {
                if c.key != k {
                    j.broke(&[&r::POP_KEY_FROM_CNF]);
                }
            }
        }
    }
    if t.damaged {
        j.broke(&[&r::POP_SIGNATURE]);
    }
    judge_used_alg(t, caps, j);
    judge_other_header(t, &[], &r::POP_JWT_VALID, j);

    for (name, v) in &t.claims {
        match name.as_str() {
            // item 7: the issuer identifier, one audience (§Client Attestation PoP JWT aud).
            "aud" => match v {
                Sv::Json(Value::String(a)) if a == "${issuer}" => {}
                Sv::Json(Value::Array(a)) if a.len() == 1 && a[0] == "${issuer}" => j.open(
                    "aud as a one-element array holding the issuer (RFC 7519 allows arrays; the draft does not say)",
                ),
                _ => j.broke(&[&r::POP_AUD_ISSUER]),
            },
            "jti" => match v {
                Sv::FreshId => {}
                Sv::Json(Value::String(_)) => j.open(
                    "a literal jti may repeat an earlier case's (replay detection is a SHOULD)",
                ),
                _ => j.broke(&[&r::POP_JWT_VALID]),
            },
            "iat" => judge_proof_iat(
                v,
                caps.challenge_required,
                &r::POP_IAT_WINDOW,
                &r::POP_JWT_VALID,
                j,
            ),
            "challenge" => {}
            // rule 4: RFC 7519 validity of the optional registered claims. The PoP defines no
            // exp (-06 removed it) and rule 1 has claims not understood ignored: SHOULD
            // (POP-EXP), a type error included (an ignored claim's type is not looked at).
            "exp" => match when(v) {
                When::NotNumber => j.broke(&[&r::POP_EXP]),
                When::Offset(o) if o <= -600 => j.broke(&[&r::POP_EXP]),
                When::Offset(o) if o >= 120 => {}
                _ => j.open("PoP exp near now: within the clock-skew allowance"),
            },
            // -07 §5.2: the PoP MUST NOT be accepted before nbf; later revisions: a present
            // one by RFC 7519 (rule 4), at SHOULD (POP-NBF-PRESENT, as for exp).
            "nbf" if caps.revision.nbf_rules() => judge_nbf(v, &r::POP_NBF, j),
            "nbf" => judge_nbf(v, &r::POP_NBF_PRESENT, j),
            // -07 §5.2 rule 4, §9 item 13: iss is the client_id, which is the attestation's sub.
            "iss" if caps.revision.pop_iss_required() => match v {
                Sv::Json(Value::String(s)) if s == "${client_id}" => {}
                Sv::Json(Value::String(_)) => j.broke(&[&r::POP_ISS_SUB_MATCH]),
                _ => j.broke(&[&r::POP_JWT_VALID]),
            },
            // -10 renamed the PoP's nonce to challenge: nonce is just an unknown claim now.
            "nonce" => j.ok(&r::POP_UNKNOWN_CLAIMS),
            n if UNDERSTOOD_CLAIMS.contains(&n) => j.open(format!("PoP claim {n} set")),
            _ => j.ok(&r::POP_UNKNOWN_CLAIMS),
        }
    }
    for (claim, rule) in [
        ("aud", &r::POP_AUD_REQUIRED),
        ("jti", &r::POP_JTI_REQUIRED),
        ("iat", &r::POP_IAT_REQUIRED),
    ] {
        if t.claim(claim).is_none() {
            j.broke(&[rule]);
        }
    }
    if caps.revision.pop_iss_required() && t.claim("iss").is_none() {
        j.broke(&[&r::POP_ISS_REQUIRED]);
    }
    // items 5 and 8, §Errors: use_attestation_challenge with the challenge header.
    let served = caps.challenge_endpoint || caps.challenge_required;
    let broke = |j: &mut Judge| {
        j.broke_with(
            &[&r::POP_CHALLENGE_MATCH, &r::ERR_USE_CHALLENGE],
            &[USE_CHALLENGE],
            &[CHALLENGE_HEADER],
        )
    };
    match t.claim("challenge") {
        Some(Sv::Challenge) => {}
        None if caps.challenge_required => broke(j),
        None if served => j.open(
            "no challenge although the server offers a challenge endpoint: it cannot tell whether this client fetched one",
        ),
        None => {}
        Some(_) if served => broke(j),
        Some(_) => j.open("a challenge the server never offered"),
    }
}

#[derive(Clone, Copy, PartialEq)]
pub(super) enum Role {
    /// The combined-mode proof (draft-10 §Verification DPoP Combined Mode).
    Combined,
    /// A proof next to a PoP, validated on its own per RFC 9449 (§Verification dispatch).
    Independent,
}

pub(super) fn judge_dpop(
    v: &FieldVal,
    role: Role,
    cnf: Option<&CnfInfo>,
    req: &Request,
    caps: &Capabilities,
    j: &mut Judge,
) {
    let ctx: &'static Rule = match role {
        Role::Combined => &r::COMB_DPOP_VALID,
        Role::Independent => &r::DISP_POP_PRESENT,
    };
    let broke = |j: &mut Judge, rule: &'static Rule| j.broke(&[rule, ctx]);
    let t = match v {
        FieldVal::Token(t) => t,
        FieldVal::Raw(s) => {
            if s.contains("${") {
                j.open("a header value built from placeholders");
            } else {
                broke(j, &r::DPOP_WELL_FORMED);
            }
            return;
        }
        FieldVal::Joined(_) => unreachable!("values() flattens lists"),
    };
    // RFC 9449 §4.3 items 4-7.
    judge_typ(t, "dpop+jwt", &r::DPOP_TYP, j);
    match named_alg(t, caps) {
        None => broke(j, &r::DPOP_REQUIRED_CLAIMS),
        Some(Err(())) => broke(j, &r::DPOP_WELL_FORMED),
        Some(Ok(a)) if a == "none" || a.starts_with("HS") => broke(j, &r::DPOP_ALG),
        Some(Ok(a)) if a != signed_alg(t, caps) => broke(j, &r::DPOP_SIGNATURE),
        Some(Ok(_)) => {}
    }
    if matches!(
        t.signer,
        KeyRef::None | KeyRef::HmacInstance | KeyRef::HmacAttester
    ) {
        broke(j, &r::DPOP_ALG);
    }
    // RFC 8725 §2.1: the proof's own jwk, encoded, as the MAC secret.
    if t.signer.confused_encoding().is_some() {
        j.broke(&[&r::DPOP_ALG_CONFUSION, &r::DPOP_ALG, ctx]);
    }
    match t.header("jwk") {
        None => broke(j, &r::DPOP_REQUIRED_CLAIMS),
        Some(Sv::Jwk { private: true, .. }) => broke(j, &r::DPOP_JWK_PUBLIC),
        Some(Sv::Jwk { key, .. }) => {
            let asymmetric = matches!(
                t.signer,
                KeyRef::Attester | KeyRef::Instance | KeyRef::Other
            );
            if asymmetric && *key != t.signer {
                broke(j, &r::DPOP_SIGNATURE);
            }
            match (role, cnf) {
                // draft-10 §Verification DPoP Combined Mode item 4.
                (Role::Combined, Some(c)) if c.key != *key => j.broke(&[&r::COMB_KEY_MATCH]),
                (Role::Combined, Some(c)) if c.cosmetic => j.ok(&r::COMB_KEY_MATCH),
                (Role::Independent, Some(c)) if c.key != *key => j.ok(&r::DISP_INDEPENDENT_KEY),
                _ => {}
            }
            let dpop_offers_attester_alg = caps
                .dpop_algs
                .as_ref()
                .is_some_and(|l| l.contains(&caps.attester_alg));
            if *key == KeyRef::Attester && role == Role::Independent && !dpop_offers_attester_alg {
                j.open("an independent proof under the attester's key: its alg may not be offered for DPoP");
            }
        }
        Some(_) => broke(j, &r::DPOP_REQUIRED_CLAIMS),
    }
    if t.damaged {
        broke(j, &r::DPOP_SIGNATURE);
    }
    judge_used_alg(t, caps, j);
    judge_other_header(t, &["jwk"], &r::DPOP_WELL_FORMED, j);

    let server_time = match role {
        Role::Combined => caps.challenge_required || caps.dpop_nonce_required,
        Role::Independent => caps.dpop_nonce_required,
    };
    for (name, v) in &t.claims {
        match name.as_str() {
            "htm" => match v {
                Sv::Json(Value::String(m)) if *m == req.method => {}
                _ => broke(j, &r::DPOP_HTM),
            },
            "htu" => judge_htu(v, req.endpoint, ctx, j),
            "iat" => {
                if let When::NotNumber = when(v) {
                    broke(j, &r::DPOP_WELL_FORMED);
                } else {
                    judge_proof_iat(v, server_time, &r::DPOP_IAT_WINDOW, ctx, j);
                }
            }
            "jti" => match v {
                Sv::FreshId => {}
                Sv::Json(Value::String(_)) => j.open(
                    "a literal jti may repeat an earlier case's (replay detection is a SHOULD)",
                ),
                _ => broke(j, &r::DPOP_WELL_FORMED),
            },
            "nonce" => {}
            // RFC 9449 §4.2 defines neither; RFC 7519 §4.1.4 / §4.1.5 apply to a present one,
            // at SHOULD (DPOP-EXP, DPOP-NBF: a server may ignore claims it does not understand).
            "exp" => match when(v) {
                When::NotNumber => j.broke(&[&r::DPOP_EXP]),
                When::Offset(o) if o <= -600 => j.broke(&[&r::DPOP_EXP]),
                When::Offset(o) if o >= 120 => {}
                _ => j.open("DPoP exp near now: within the clock-skew allowance"),
            },
            "nbf" => judge_nbf(v, &r::DPOP_NBF, j),
            // The suite's stance: a challenge claim does not carry the challenge in combined
            // mode, so to this server it is an unknown claim.
            "challenge" => j.ok(&r::JWT_UNKNOWN_CLAIMS),
            n if UNDERSTOOD_CLAIMS.contains(&n) => j.open(format!("DPoP claim {n} set")),
            _ => j.ok(&r::JWT_UNKNOWN_CLAIMS),
        }
    }
    for claim in ["htm", "htu", "iat", "jti"] {
        if t.claim(claim).is_none() {
            broke(j, &r::DPOP_REQUIRED_CLAIMS);
        }
    }
    judge_nonce(t.claim("nonce"), role, caps, j);
}

/// RFC 9449 §4.3 item 9: htu is the request URI without query and fragment.
pub(super) fn judge_htu(v: &Sv, endpoint: Endpoint, ctx: &'static Rule, j: &mut Judge) {
    let Sv::Json(Value::String(u)) = v else {
        return j.broke(&[&r::DPOP_WELL_FORMED, ctx]);
    };
    let this = match endpoint {
        Endpoint::Par => "${par_endpoint}",
        _ => "${token_endpoint}",
    };
    if u == "${endpoint_url}" || u == this {
        return;
    }
    if let Some(rest) = u.strip_prefix("${endpoint_url}") {
        if rest.starts_with('?') || rest.starts_with('#') {
            return j.open(
                "htu with a query or fragment: RFC 9449 §4.3 ignores them, §4.2 forbids them",
            );
        }
    }
    if u.contains("${")
        && !matches!(
            u.as_str(),
            "${issuer}" | "${token_endpoint}" | "${par_endpoint}"
        )
    {
        return j.open("htu built from placeholders");
    }
    j.broke(&[&r::DPOP_HTU, ctx]);
}

/// The DPoP `nonce`: in combined mode it carries the server's challenge (draft-10
/// §Verification DPoP Combined Mode item 5) or DPoP nonce (RFC 9449 §8); the error may be
/// use_attestation_challenge or use_dpop_nonce (docs/design.md). From -11 on (§5.2, §7.3
/// item 3, §7.4) only a DPoP nonce, and the error is use_dpop_nonce with a fresh DPoP-Nonce.
/// Next to a PoP it is a DPoP nonce only.
pub(super) fn judge_nonce(v: Option<&Sv>, role: Role, caps: &Capabilities, j: &mut Judge) {
    if role == Role::Combined && caps.revision.combined_freshness_from_dpop_nonce() {
        return judge_combined_dpop_nonce(v, caps, j);
    }
    let (required, served) = match role {
        Role::Combined => (
            caps.challenge_required || caps.dpop_nonce_required,
            caps.challenge_endpoint || caps.challenge_required || caps.dpop_nonce_required,
        ),
        Role::Independent => (caps.dpop_nonce_required, caps.dpop_nonce_required),
    };
    let broke = |j: &mut Judge| match role {
        Role::Combined => {
            let rule: &'static Rule = if caps.challenge_required || caps.challenge_endpoint {
                &r::COMB_CHALLENGE_NONCE
            } else {
                &r::DPOP_NONCE
            };
            j.broke_with(&[rule], &[USE_CHALLENGE, USE_DPOP_NONCE], &[])
        }
        Role::Independent => {
            j.broke_with(&[&r::DPOP_NONCE], &[USE_DPOP_NONCE], &[DPOP_NONCE_HEADER])
        }
    };
    match v {
        Some(Sv::Challenge) => {}
        None if required => broke(j),
        None if served => j.open(
            "no nonce although the server offers a challenge endpoint: it cannot tell whether this client fetched one",
        ),
        None => {}
        Some(_) if served => broke(j),
        Some(_) => j.open("a nonce the server never asked for"),
    }
}

/// -11 §5.2 / §7.3 item 3: combined-mode freshness is the DPoP nonce only. A server declared
/// to demand DPoP nonces refuses a missing or foreign one with use_dpop_nonce and a fresh
/// DPoP-Nonce (§7.4, RFC 9449 §8). Whether a server that offers challenges also hands out
/// DPoP nonces (and checks one it did not issue) is its choice (-11 §6.3 "when the server
/// supports" them): not judged.
fn judge_combined_dpop_nonce(v: Option<&Sv>, caps: &Capabilities, j: &mut Judge) {
    let required = caps.dpop_nonce_required;
    let offered = caps.challenge_endpoint || caps.challenge_required;
    let broke = |j: &mut Judge| {
        j.broke_with(
            &[
                &r::COMB_DPOP_NONCE_FRESHNESS,
                &r::ERR_USE_DPOP_NONCE_COMBINED,
            ],
            &[USE_DPOP_NONCE],
            &[DPOP_NONCE_HEADER],
        )
    };
    match v {
        Some(Sv::Challenge) => {}
        None | Some(_) if required => broke(j),
        None if offered => j.open(
            "no nonce in combined mode at a server that offers challenges: whether it uses DPoP nonces is its choice (-11 §6.3)",
        ),
        None => {}
        Some(_) => j.open("a nonce the server was not declared to demand (-11: DPoP nonces only)"),
    }
}
