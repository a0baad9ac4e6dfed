//! DPoP proof checks of RFC 9449 §4.3, used for an independent proof next to a PoP and for
//! the combined mode (draft-10 §Verification DPoP Combined Mode item 3). Failures are
//! `invalid_dpop_proof` (RFC 9449 §7.1); a missing or unknown server nonce is
//! `use_dpop_nonce` (RFC 9449 §8).
use crate::challenge::Purpose;
use crate::claims::{check_nbf, check_optional_exp, numeric_date, typ_matches};
use crate::errors::OAuthError;
use crate::fault::Fault;
use crate::jose::parse_compact_with;
use crate::jwk::{parse_jwk, private_members, thumbprint, verify, Alg, KeyMaterial};
use crate::state::{AppState, NonceNeed};
use serde_json::{Map, Value};

pub const TYP: &str = "dpop+jwt";

/// A validated DPoP proof.
#[derive(Debug, Clone)]
pub struct DpopProof {
    /// The `jwk` header, as sent.
    pub jwk: Map<String, Value>,
    /// RFC 7638 thumbprint of `jwk`.
    pub thumbprint: String,
    /// jti to insert into the replay store (None when replay detection is off by fault).
    pub jti: Option<String>,
    pub claims: Map<String, Value>,
    /// A server nonce that was checked and must be consumed.
    pub nonce_used: Option<String>,
}

fn fail(msg: impl std::fmt::Display) -> OAuthError {
    OAuthError::invalid_dpop_proof(format!("DPoP proof: {msg}"))
}

/// How the `nonce` claim of a proof is checked: how strictly, and which server values count.
#[derive(Clone, Copy, Debug)]
pub struct NonceRule {
    pub need: NonceNeed,
    pub purpose: Purpose,
}

/// Validates `token` for a request with `method` to `endpoint_url` (the issuer-based URL of
/// the endpoint, which has no query or fragment), checking its `nonce` by `nonce_rule`.
pub fn verify_dpop(
    st: &AppState,
    token: &str,
    method: &str,
    endpoint_url: &str,
    nonce_rule: NonceRule,
    cnf: Option<&crate::jwk::Jwk>,
    now: u64,
) -> Result<DpopProof, OAuthError> {
    let w = &st.config.windows;
    // The dpop-required-claims-not-checked fault: missing required members are skipped.
    let lax = st.fault(Fault::DpopRequiredClaimsNotChecked);
    // item 2: a well-formed JWT.
    let jws = parse_compact_with(token, st.header_rules()).map_err(fail)?;

    // item 4: typ dpop+jwt.
    if !st.fault(Fault::DpopTypNotChecked) {
        typ_matches(&jws.header, TYP).map_err(fail)?;
    }

    // item 7 (checked early, it needs no signature): jwk is a public key.
    // (`cnf`: the combined-mode attestation's key, used only under the fault.)
    let cnf_json = cnf.map(|c| Value::Object(c.json.clone()));
    let jwk_value = match (jws.header.get("jwk"), &cnf_json) {
        (Some(j), _) => j,
        (None, Some(c)) if lax => c,
        (None, _) => return Err(fail("jwk header missing")),
    };
    let jwk_obj = jwk_value
        .as_object()
        .ok_or_else(|| fail("jwk header is not a JSON object"))?
        .clone();
    let private = private_members(&jwk_obj);
    if !private.is_empty() && !st.fault(Fault::DpopJwkPrivateAccepted) {
        return Err(fail(format!(
            "jwk header is a private or symmetric key (has {})",
            private.join(", ")
        )));
    }
    let jwk = parse_jwk(jwk_value).map_err(|e| fail(format!("jwk header: {e}")))?;
    if matches!(jwk.material, KeyMaterial::Oct(_)) {
        return Err(fail("jwk header is a symmetric key"));
    }
    let thumb = thumbprint(&jwk_obj).ok_or_else(|| fail("jwk header has no thumbprint"))?;

    // item 5: alg asymmetric, supported, not none; item 6: signature with jwk.
    let alg_name = match jws.header_str("alg") {
        Some(a) => a,
        None if st.fault(Fault::DpopAlgFromKey) => "",
        None => return Err(fail("alg header missing or not a string")),
    };
    if alg_name == "none" {
        if !st.fault(Fault::DpopAlgNoneAccepted) {
            return Err(fail("alg none is not allowed"));
        }
    } else if alg_name == "HS256" && st.fault(Fault::DpopHmacWithPublicKey) {
        if !crate::confusion::mac_with_public_key(
            Some(&jwk_obj),
            &jwk.material,
            &jws.signing_input,
            &jws.signature,
        ) {
            return Err(fail(
                "HS256 MAC does not verify with the jwk header as secret",
            ));
        }
    } else {
        let alg = match Alg::parse(alg_name) {
            Some(a) => Some(a),
            None if st.fault(Fault::DpopAlgFromKey) => Some(jwk.own_alg()),
            None => None,
        }
        .filter(|a| st.proof_algs().contains(a) || st.verifies_unadvertised(*a))
        .ok_or_else(|| {
            fail(format!(
                "alg {alg_name:?} is not an accepted asymmetric alg"
            ))
        })?;
        if !st.fault(Fault::DpopSignatureNotChecked) {
            verify(alg, &jwk.material, &jws.signing_input, &jws.signature)
                .map_err(|e| fail(format!("{e} with its jwk header")))?;
        }
    }

    let claims = jws.claims;

    // item 3 + 8: htm.
    match claims.get("htm") {
        None if lax => {}
        None => return Err(fail("htm claim missing")),
        Some(htm) => {
            let htm = htm.as_str().ok_or_else(|| fail("htm is not a string"))?;
            if htm != method && !st.fault(Fault::DpopHtmNotChecked) {
                return Err(fail(format!(
                    "htm {htm:?} is not the request method {method}"
                )));
            }
        }
    }

    // item 3 + 9: htu, compared after syntax-based normalization; it has no query/fragment.
    match claims.get("htu") {
        None if lax => {}
        None => return Err(fail("htu claim missing")),
        Some(htu) => {
            let htu = htu.as_str().ok_or_else(|| fail("htu is not a string"))?;
            if !st.fault(Fault::DpopHtuNotChecked) {
                check_htu(htu, endpoint_url).map_err(fail)?;
            }
        }
    }

    // item 3: jti.
    let jti = match claims.get("jti") {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Value::String(_)) => return Err(fail("jti is empty")),
        Some(_) => return Err(fail("jti is not a string")),
        None if lax => None,
        None => return Err(fail("jti claim missing")),
    };

    // item 3 + 11: iat within the window.
    let iat = match numeric_date(&claims, "iat", false).map_err(fail)? {
        Some(iat) => Some(iat),
        None if lax => None,
        None => return Err(fail("iat claim missing")),
    };
    if let Some(iat) = iat.filter(|_| !st.fault(Fault::DpopIatNotChecked)) {
        if (now as f64) - iat > w.pop_max_age as f64 {
            return Err(fail(format!("iat is older than {} s", w.pop_max_age)));
        }
        if iat > (now + w.skew) as f64 {
            return Err(fail("iat is in the future"));
        }
    }

    // RFC 9449 §4.2 defines neither exp nor nbf, but a proof is a JWT (§4.3 item 2) and RFC
    // 7519 §4.1.4 / §4.1.5 say a JWT whose exp has passed or whose nbf lies ahead "MUST NOT be
    // accepted for processing"; this server honours both when present (with skew).
    if !st.fault(Fault::DpopExpNotChecked) {
        check_optional_exp(&claims, now, w.skew).map_err(fail)?;
    }
    if !st.fault(Fault::DpopNbfNotChecked) {
        check_nbf(&claims, now, w.skew).map_err(fail)?;
    }

    // item 10 / §8: server nonce.
    let mut nonce_used = None;
    let need = if st.fault(Fault::DpopNonceNotChecked) {
        NonceNeed::Off
    } else {
        nonce_rule.need
    };
    match (need, claims.get("nonce")) {
        (NonceNeed::Off, _) => {}
        (_, Some(Value::String(n))) if st.challenges.is_live(n, nonce_rule.purpose, now) => {
            nonce_used = Some(n.clone());
        }
        (_, Some(_)) => {
            return Err(OAuthError::use_dpop_nonce(
                "DPoP proof: nonce is not a live DPoP nonce issued by this server",
            ))
        }
        (NonceNeed::Required, None) => {
            return Err(OAuthError::use_dpop_nonce(
                "DPoP proof: nonce claim missing; this server requires a DPoP nonce",
            ))
        }
        (NonceNeed::Optional, None) => {}
    }

    // §11.1: replay.
    let replay_check = !st.fault(Fault::DpopJtiReplayNotDetected);
    if replay_check && jti.as_ref().is_some_and(|j| st.dpop_jtis.is_seen(j, now)) {
        return Err(fail("jti was already used (replay)"));
    }

    Ok(DpopProof {
        jwk: jwk_obj,
        thumbprint: thumb,
        jti: jti.filter(|_| replay_check),
        claims,
        nonce_used,
    })
}

/// RFC 9449 §4.3 item 9: htu matches the request URI ignoring query and fragment, after
/// RFC 3986 §6.2.2-6.2.3 normalization (scheme/host case, default port, empty path).
fn check_htu(htu: &str, endpoint_url: &str) -> Result<(), String> {
    let got = url::Url::parse(htu).map_err(|e| format!("htu {htu:?} is not a URL: {e}"))?;
    if got.query().is_some() || got.fragment().is_some() {
        return Err(format!(
            "htu {htu:?} carries a query or fragment (RFC 9449 §4.2)"
        ));
    }
    let want =
        url::Url::parse(endpoint_url).map_err(|e| format!("endpoint URL {endpoint_url:?}: {e}"))?;
    let same = got.scheme() == want.scheme()
        && got.host_str() == want.host_str()
        && got.port_or_known_default() == want.port_or_known_default()
        && got.path() == want.path()
        && got.username() == want.username()
        && got.password() == want.password();
    if same {
        Ok(())
    } else {
        Err(format!("htu {htu:?} is not this endpoint ({endpoint_url})"))
    }
}

#[cfg(test)]
mod tests {
    use super::check_htu;

    #[test]
    fn htu_normalization() {
        let ep = "http://127.0.0.1:8080/token";
        assert!(check_htu("HTTP://127.0.0.1:8080/token", ep).is_ok());
        assert!(check_htu("http://127.0.0.1:8080/token?x=1", ep).is_err());
        assert!(check_htu("http://127.0.0.1:8080/token#f", ep).is_err());
        assert!(check_htu("http://127.0.0.1:8080/par", ep).is_err());
        assert!(check_htu("http://127.0.0.1:8081/token", ep).is_err());
        assert!(check_htu("https://a.example/token", "https://a.example:443/token").is_ok());
    }
}
