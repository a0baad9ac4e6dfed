//! Client Attestation JWT checks: draft-10 §Client Attestation JWT and §Verification Client
//! Attestation JWT. Every failure is `invalid_client` (401) naming the check, except a stale
//! attestation (`use_fresh_attestation`).
use crate::claims::{check_nbf, numeric_date, typ_matches};
use crate::draft::Draft;
use crate::errors::OAuthError;
use crate::fault::Fault;
use crate::jose::{parse_compact_with, ParseError};
use crate::jwk::{parse_jwk, private_members, verify, Alg, Jwk};
use crate::state::AppState;
use axum::http::StatusCode;
use serde_json::{Map, Value};

pub const TYP: &str = "oauth-client-attestation+jwt";

/// Claims registered by RFC 7519 §4.1 plus `cnf` (RFC 7800): the ones this server understands.
const KNOWN_CLAIMS: [&str; 8] = ["iss", "sub", "aud", "exp", "nbf", "iat", "jti", "cnf"];

/// A verified attestation.
#[derive(Debug, Clone)]
pub struct Attestation {
    /// The authenticated client (the `sub` claim).
    pub client_id: String,
    /// The Client Instance Key from `cnf.jwk`; None only under the
    /// `attestation-cnf-not-required` fault, for an attestation that names no key.
    pub cnf: Option<Jwk>,
}

fn fail(msg: impl std::fmt::Display) -> OAuthError {
    OAuthError::invalid_client(format!("client attestation: {msg}"))
}

pub fn verify_attestation(
    st: &AppState,
    token: &str,
    form_client_id: Option<&str>,
    now: u64,
) -> Result<Attestation, OAuthError> {
    let skew = st.config.windows.skew;
    let jws = match parse_compact_with(token, st.header_rules()) {
        Ok(j) => j,
        Err(ParseError::Malformed(m)) if st.fault(Fault::ServerErrorOnMalformed) => {
            return Err(OAuthError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                format!("failed to decode attestation: {m}"),
            ))
        }
        Err(e) => return Err(fail(e)),
    };

    // Header: typ (draft-10 §Client Attestation JWT).
    if !st.fault(Fault::AttestationTypNotChecked) {
        typ_matches(&jws.header, TYP).map_err(fail)?;
    }

    // alg: registered, not none, supported, advertised (§Verification item 3).
    let alg_name = match jws.header_str("alg") {
        Some(a) => a,
        // Under the fault a missing alg is one the server does not know (taken from the key).
        None if st.fault(Fault::AttestationAlgFromKey) && !jws.header.contains_key("alg") => "",
        None => return Err(fail("alg header missing or not a string")),
    };
    let unsigned_ok = alg_name == "none" && st.fault(Fault::AttestationAlgNoneAccepted);
    let alg = if unsigned_ok {
        None
    } else if alg_name == "none" {
        return Err(fail("alg none is not allowed"));
    } else {
        let alg = match Alg::parse(alg_name) {
            Some(a) => Some(a),
            None if st.fault(Fault::AttestationAlgFromKey) => attester_own_alg(st, &jws.header),
            None => None,
        }
        .ok_or_else(|| fail(format!("alg {alg_name:?} is not supported")))?;
        let confused = alg == Alg::Hs256 && st.fault(Fault::AttestationHmacWithPublicKey);
        if !st.attestation_algs().contains(&alg) && !confused && !st.verifies_unadvertised(alg) {
            return Err(fail(format!(
                "alg {alg_name} is not accepted for attestations (not configured, or HS256 without a trusted symmetric attester key)"
            )));
        }
        Some(alg)
    };

    let claims = &jws.claims;

    // cnf: object holding a jwk object, a public key (§Client Attestation JWT, item 5).
    let cnf = parse_cnf(st, claims)?;

    // Signature with a known and trusted attester key (§Verification item 4).
    if let Some(alg) = alg {
        if !st.fault(Fault::AttestationSignatureNotChecked) {
            let trusted =
                verify_with_trusted(st, &jws.header, alg, &jws.signing_input, &jws.signature);
            if let Err(why) = trusted {
                let self_signed = st.fault(Fault::AttestationUntrustedSignerAccepted)
                    && cnf.as_ref().is_some_and(|cnf| {
                        verify(alg, &cnf.material, &jws.signing_input, &jws.signature).is_ok()
                    });
                let confused = alg == Alg::Hs256
                    && st.fault(Fault::AttestationHmacWithPublicKey)
                    && mac_with_attester_public_key(
                        st,
                        &jws.header,
                        &jws.signing_input,
                        &jws.signature,
                    );
                if !self_signed && !confused {
                    return Err(fail(why));
                }
            }
        }
    }

    let coerce = st.fault(Fault::AttestationClaimTypesNotChecked);

    // sub: required string, the client_id (§Client Attestation JWT).
    let sub = match claims.get("sub") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(Value::Number(n)) if coerce => n.to_string(),
        Some(Value::String(_)) => return Err(fail("sub is empty")),
        Some(_) => return Err(fail("sub is not a string")),
        None if st.fault(Fault::AttestationSubNotRequired) => form_client_id
            .map(str::to_owned)
            .ok_or_else(|| fail("sub missing and no client_id in the request"))?,
        None => return Err(fail("sub claim missing")),
    };

    // exp: required NumericDate, not passed (with skew).
    match numeric_date(claims, "exp", coerce).map_err(fail)? {
        None if st.fault(Fault::AttestationExpNotRequired) => {}
        None => return Err(fail("exp claim missing")),
        Some(exp) => {
            if exp + skew as f64 <= now as f64 && !st.fault(Fault::AttestationExpNotChecked) {
                return Err(fail("attestation has expired (exp passed)"));
            }
        }
    }
    // nbf: -07 §5.1 defines it ("MUST NOT be accepted for processing" before it); later
    // revisions drop it, but a present nbf still makes the JWT invalid before that time
    // (RFC 7519 §4.1.5; §4 rule 3 of -10/-11/-12: "not valid in all other respects").
    if !st.fault(Fault::NbfNotChecked) && !st.fault(Fault::PresentNbfNotChecked) {
        check_nbf(claims, now, skew).map_err(fail)?;
    }
    // iss: REQUIRED in -07 only (§5.1: "a unique identifier for the entity that issued the
    // JWT"); removed in -08, so later revisions ignore it. With no configured attester
    // identifier there is nothing to compare it to: present and a non-empty string.
    if st.draft() == Draft::D07 && !st.fault(Fault::AttestationIssNotRequired) {
        match claims.get("iss") {
            Some(Value::String(s)) if !s.is_empty() => {}
            Some(Value::String(_)) => return Err(fail("iss is empty")),
            Some(_) => return Err(fail("iss is not a string")),
            None => return Err(fail("iss claim missing (REQUIRED by draft-07 section 5.1)")),
        }
    }
    // RFC 7519 §4.1.3 (draft-10 §Client Attestation JWT rule 3): an attestation normally has
    // no aud, but one that carries it must name this server.
    match claims.get("aud") {
        None => {}
        Some(Value::String(a)) if *a == st.issuer => {}
        Some(Value::Array(list)) if list.iter().any(|a| a.as_str() == Some(&st.issuer)) => {}
        Some(_) => return Err(fail("aud is present and does not name this server")),
    }

    // iat: OPTIONAL up to -11 (-07 §5.1, -10/-11 §4), REQUIRED in the -12 editor's copy (§4,
    // §7.1 item 2); if present a number, not in the future; freshness per local policy
    // (§7.1 item 6 / -07 §9 item 11, use_fresh_attestation of §7.4 / -07 §6.2). -12 §11.1 lets
    // attesters round iat down (e.g. to midnight UTC): the max age is the operator's policy.
    let iat = numeric_date(claims, "iat", coerce).map_err(fail)?;
    if iat.is_none() && st.draft() == Draft::D12 && !st.fault(Fault::AttestationIatNotRequired) {
        return Err(fail("iat claim missing (REQUIRED by draft-12 section 4)"));
    }
    if let Some(iat) = iat {
        if iat > (now + skew) as f64 && !st.fault(Fault::AttestationFutureIatAccepted) {
            return Err(fail("iat is in the future"));
        }
        if let Some(max_age) = st.config.windows.attestation_max_age {
            if (now as f64) - iat > max_age as f64 {
                let msg = format!("attestation is older than {max_age} s (iat); get a fresh one");
                return Err(if st.fault(Fault::UseFreshAttestationNotUsed) {
                    fail(msg)
                } else {
                    OAuthError::use_fresh_attestation(msg)
                });
            }
        }
    }

    // A client_id in the request must equal sub (§Verification item 7,
    // §Client Attestation as an OAuth Client Authentication).
    if let Some(cid) = form_client_id {
        if cid != sub && !st.fault(Fault::AttestationClientIdMismatchAccepted) {
            return Err(fail(format!(
                "client_id {cid:?} in the request differs from sub {sub:?}"
            )));
        }
    }

    if !st.config.clients.iter().any(|c| c.client_id == sub) {
        return Err(fail(format!("sub {sub:?} is not a registered client")));
    }

    // Unknown claims MUST be ignored (§Client Attestation JWT rule 1); the fault breaks that.
    if st.fault(Fault::AttestationUnknownClaimsRejected) {
        if let Some(k) = claims.keys().find(|k| !KNOWN_CLAIMS.contains(&k.as_str())) {
            return Err(fail(format!("unknown claim {k:?}")));
        }
    }

    Ok(Attestation {
        client_id: sub,
        cnf,
    })
}

fn parse_cnf(st: &AppState, claims: &Map<String, Value>) -> Result<Option<Jwk>, OAuthError> {
    if st.fault(Fault::AttestationCnfNotRequired)
        && !claims
            .get("cnf")
            .and_then(|c| c.get("jwk"))
            .is_some_and(Value::is_object)
    {
        return Ok(None);
    }
    let cnf = claims.get("cnf").ok_or_else(|| fail("cnf claim missing"))?;
    let cnf = cnf
        .as_object()
        .ok_or_else(|| fail("cnf is not a JSON object"))?;
    let jwk = cnf
        .get("jwk")
        .ok_or_else(|| fail("cnf has no jwk member (RFC 7800 jwk representation required)"))?;
    let obj = jwk
        .as_object()
        .ok_or_else(|| fail("cnf.jwk is not a JSON object"))?;
    let private = private_members(obj);
    if !private.is_empty() && !st.fault(Fault::AttestationCnfPrivateKeyAccepted) {
        return Err(fail(format!(
            "cnf.jwk is a private or symmetric key (has {})",
            private.join(", ")
        )));
    }
    parse_jwk(jwk)
        .map(Some)
        .map_err(|e| fail(format!("cnf.jwk: {e}")))
}

/// The `attestation-alg-from-key` fault: the algorithm of the trusted attester key the
/// header's kid names (or of the first one).
fn attester_own_alg(st: &AppState, header: &Map<String, Value>) -> Option<Alg> {
    let kid = header.get("kid").and_then(Value::as_str);
    st.trusted_attesters
        .iter()
        .find(|k| kid.is_none() || k.kid.as_deref() == kid)
        .map(Jwk::own_alg)
}

/// The `attestation-hmac-with-public-key` fault: the attester key the header selects (the
/// x5c leaf, or the trusted keys with the header's kid, or all) taken as the HMAC secret.
fn mac_with_attester_public_key(
    st: &AppState,
    header: &Map<String, Value>,
    input: &[u8],
    sig: &[u8],
) -> bool {
    if let Some(x5c) = header.get("x5c") {
        let lenient = crate::x5c::Leniency::from_faults(|f| st.fault(f));
        return crate::x5c::leaf_key(x5c, &st.trust_anchors, crate::state::now(), lenient)
            .is_ok_and(|leaf| crate::confusion::mac_with_public_key(None, &leaf, input, sig));
    }
    let kid = header.get("kid").and_then(Value::as_str);
    st.trusted_attesters
        .iter()
        .filter(|k| kid.is_none() || k.kid.as_deref() == kid)
        .any(|k| crate::confusion::mac_with_public_key(Some(&k.json), &k.material, input, sig))
}

/// An `x5c` header names the key: the chain's leaf, once the chain validates to a trusted
/// attester CA (RFC 7515 §4.1.6; draft-10 §Trust Management and Key Resolution). A `kid`
/// next to it is a hint only (RFC 7515 §4.1.4) and is not consulted. Without `x5c`, the
/// trusted attester keys are tried: the one named by `kid` when the header has one, else each
/// key whose type and `alg` fit.
fn verify_with_trusted(
    st: &AppState,
    header: &Map<String, Value>,
    alg: Alg,
    input: &[u8],
    sig: &[u8],
) -> Result<(), String> {
    if let Some(x5c) = header.get("x5c") {
        let lenient = crate::x5c::Leniency::from_faults(|f| st.fault(f));
        let leaf = crate::x5c::leaf_key(x5c, &st.trust_anchors, crate::state::now(), lenient)
            .map_err(|e| e.to_string())?;
        if st.fault(Fault::X5cLeafKeyNotChecked) {
            return Ok(());
        }
        return verify(alg, &leaf, input, sig)
            .map_err(|e| format!("{e} with the x5c leaf certificate's key"));
    }
    let kid = match header.get("kid") {
        None => None,
        Some(Value::String(k)) => Some(k.as_str()),
        Some(_) => return Err("kid header is not a string".into()),
    };
    let candidates: Vec<&Jwk> = st
        .trusted_attesters
        .iter()
        .filter(|k| kid.is_none() || k.kid.as_deref() == kid)
        .filter(|k| k.alg.as_deref().is_none_or(|a| a == alg.as_str()))
        .collect();
    if candidates.is_empty() {
        return Err(match kid {
            Some(k) => format!(
                "no trusted attester key with kid {k:?} for {}",
                alg.as_str()
            ),
            None => format!("no trusted attester key for {}", alg.as_str()),
        });
    }
    if candidates
        .iter()
        .any(|k| verify(alg, &k.material, input, sig).is_ok())
    {
        Ok(())
    } else {
        Err("signature does not verify with any trusted attester key".into())
    }
}
