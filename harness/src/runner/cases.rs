//! Whether a case applies to the target (and to the revision the run judges by), and which
//! positive control it leans on.
use crate::catalog::Catalog;
use crate::corpus::Case;
use crate::revision::Revision;
use crate::scenario::{BuiltinCheck, Endpoint, Expectation, Mode, Precondition};
use crate::target::Target;

/// Why a case is not part of the revision the run judges by, or None when it is: the
/// scenario names other revisions, none of its requirements is a rule of this revision, or
/// the mode does not exist in it (draft-07 has no combined mode).
pub fn outside_revision(case: &Case, catalog: &Catalog, rev: Revision) -> Option<String> {
    let s = case.scenario;
    if case.mode == Mode::DpopCombined && !rev.has_combined_mode() {
        return Some(format!(
            "{rev} has no DPoP combined mode (attest_jwt_client_auth_dpop appears in draft-09)"
        ));
    }
    if !s.revisions.is_empty() && !s.revisions.contains(&rev) {
        let list: Vec<&str> = s.revisions.iter().map(|r| r.name()).collect();
        return Some(format!(
            "the scenario checks a rule of {} only; this run judges by {}",
            list.join(", "),
            rev.label()
        ));
    }
    if !s.modes_in(rev).contains(&case.mode) {
        return Some(format!(
            "not a {} case in {}: {}",
            case.mode.as_str(),
            rev.label(),
            s.rationale_in(rev)
                .unwrap_or("the revision drops this mode for the scenario")
        ));
    }
    let reqs: Vec<&crate::catalog::Requirement> = s
        .requirements
        .iter()
        .filter_map(|id| catalog.get(id))
        .collect();
    if !reqs.is_empty() && !reqs.iter().any(|r| r.in_revision(rev)) {
        let why: Vec<String> = reqs.iter().filter_map(|r| r.absent_reason(rev)).collect();
        return Some(why.join("; "));
    }
    None
}

/// Why a case does not apply to this target, or None when it does.
pub fn not_applicable(case: &Case, target: &Target) -> Option<String> {
    let s = case.scenario;
    if let Expectation::Check(check) = s.expect_in(target.spec.revision) {
        return check_not_applicable(*check, case.endpoint, target);
    }
    if case.endpoint == Endpoint::Par && target.par_endpoint.is_none() {
        return Some("the server advertises no pushed_authorization_request_endpoint".into());
    }
    let method_not_advertised = s.requires.contains(&Precondition::MethodNotAdvertised);
    let advertised = target.advertised.contains(&case.mode);
    if method_not_advertised {
        if advertised {
            return Some(format!(
                "the server advertises {}; this case is for servers that do not",
                case.mode.method()
            ));
        }
        if target.advertised.is_empty() {
            return Some("the server advertises neither auth method".into());
        }
    } else if !advertised {
        return Some(format!(
            "token_endpoint_auth_methods_supported does not list {}",
            case.mode.method()
        ));
    }
    let p = target.policy();
    for pre in &s.requires {
        let unmet = match pre {
            Precondition::ChallengeEndpoint => {
                target.challenge_endpoint.is_none().then_some("the server advertises no challenge_endpoint")
            }
            Precondition::ChallengeRequired => (!p.challenge_required)
                .then_some("the target is not declared to require challenges (--challenge-required)"),
            Precondition::ChallengeNotRequired => p.challenge_required.then_some(
                "the target requires challenges, which may stand in for iat freshness (draft-10 §Verification PoP item 6)",
            ),
            Precondition::MethodNotAdvertised => None,
            Precondition::AttestationFreshness => p
                .attestation_max_age
                .is_none()
                .then_some("the target config declares no attestation_max_age"),
            Precondition::MacAttestation => {
                let hs = target
                    .metadata
                    .get("client_attestation_signing_alg_values_supported")
                    .and_then(|v| v.as_array())
                    .is_some_and(|a| a.iter().any(|x| x.as_str().is_some_and(|s| s.starts_with("HS"))));
                if !hs {
                    Some("the server advertises no HS* attestation algorithm")
                } else if target.keys.attester_mac.is_none() {
                    Some("the target config has no attestation_mac_key")
                } else {
                    None
                }
            }
            Precondition::DpopNonceRequired => (!p.dpop_nonce_required)
                .then_some("the target is not declared to require DPoP nonces"),
            Precondition::DpopNonceNotRequired => p.dpop_nonce_required.then_some(
                "the target requires DPoP nonces, which may stand in for iat freshness (RFC 9449 §11.1)",
            ),
            Precondition::ChallengeSingleUse => (!p.challenge_single_use)
                .then_some("the target is declared to accept a challenge more than once"),
            Precondition::ChallengesIssued => {
                let issued = target.challenge_endpoint.is_some()
                    || p.challenge_required
                    || (case.mode == Mode::DpopCombined && p.dpop_nonce_required);
                (!issued).then_some(
                    "the server hands out no challenges (no challenge_endpoint, not declared to require challenges or DPoP nonces)",
                )
            }
            Precondition::DpopSupported => {
                let algs = target
                    .metadata
                    .get("dpop_signing_alg_values_supported")
                    .and_then(|v| v.as_array())
                    .is_some_and(|a| !a.is_empty());
                let combined = target.advertised.contains(&Mode::DpopCombined);
                (!algs && !combined).then_some(
                    "the server does not support DPoP (no dpop_signing_alg_values_supported, no combined mode): it may refuse a DPoP proof it cannot validate",
                )
            }
        };
        if let Some(why) = unmet {
            return Some(why.into());
        }
    }
    None
}

fn check_not_applicable(
    check: BuiltinCheck,
    endpoint: Endpoint,
    target: &Target,
) -> Option<String> {
    use BuiltinCheck::*;
    match check {
        ChallengeEndpointResponse | ChallengeEndpointNoStore | ChallengeEndpointFresh => target
            .challenge_endpoint
            .is_none()
            .then(|| "the server advertises no challenge_endpoint".into()),
        ChallengeEndpointDpopNonce => {
            if target.challenge_endpoint.is_none() {
                Some("the server advertises no challenge_endpoint".into())
            } else if !target.policy().dpop_nonce_required {
                Some("the target is not declared to use DPoP nonces (policy dpop_nonce_required); -11 §6.3 asks for DPoP-Nonce only at servers that support them".into())
            } else {
                None
            }
        }
        MetadataAttestationAlgs => (!target.advertised.contains(&Mode::AttestationPopJwt))
            .then(|| "attest_jwt_client_auth is not advertised".into()),
        MetadataDpopAlgs => (!target.advertised.contains(&Mode::DpopCombined))
            .then(|| "attest_jwt_client_auth_dpop is not advertised".into()),
        _ => (endpoint != Endpoint::Metadata)
            .then(|| "metadata checks run on the metadata endpoint".into()),
    }
}

/// The (mode, endpoint) whose control a case leans on.
pub fn control_key(case: &Case) -> (Mode, Endpoint) {
    if case
        .scenario
        .requires
        .contains(&Precondition::MethodNotAdvertised)
    {
        let other = match case.mode {
            Mode::AttestationPopJwt => Mode::DpopCombined,
            _ => Mode::AttestationPopJwt,
        };
        (other, case.endpoint)
    } else {
        (case.mode, case.endpoint)
    }
}
