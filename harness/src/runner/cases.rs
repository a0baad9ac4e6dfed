//! Whether a case applies to the target (and to the revision the run judges by), and which
//! positive control it leans on.
use crate::catalog::Catalog;
use crate::corpus::Case;
use crate::revision::Revision;
use crate::scenario::{
    BuiltinCheck, CodeFlow, Endpoint, Expectation, Flow, Mode, ModeChoice, Precondition,
    RefreshFlow,
};
use crate::target::grant::GrantType;
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
    if let Some(p) = &s.profile {
        if target.spec.profile.as_deref() != Some(p.as_str()) {
            return Some(format!("runs only under the {p} profile (--profile {p})"));
        }
    }
    if let Expectation::Check(check) = s.expect_in(target.spec.revision) {
        // A check's own conditions, then the scenario's `requires:` as for any case.
        return check_not_applicable(*check, case.endpoint, target)
            .or_else(|| unmet_precondition(case, target));
    }
    if case.endpoint == Endpoint::Par && target.par_endpoint.is_none() {
        return Some("the server advertises no pushed_authorization_request_endpoint".into());
    }
    if let Some(why) = s
        .flow
        .as_ref()
        .and_then(|f| flow_not_applicable(f, case.mode, target))
    {
        return Some(why);
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
    unmet_precondition(case, target)
}

/// The first of the scenario's `requires:` the target does not meet, and why.
fn unmet_precondition(case: &Case, target: &Target) -> Option<String> {
    let s = case.scenario;
    let p = target.policy();
    for pre in &s.requires {
        let unmet = match pre {
            Precondition::ChallengeEndpoint => {
                target.challenge_endpoint.is_none().then_some("the server advertises no challenge_endpoint")
            }
            Precondition::ChallengeRequired => (!p.challenge_required)
                .then_some("the target is not declared to require challenges (--challenge-required)"),
            Precondition::ChallengeNotRequired => p.challenge_required.then_some(
                "the target requires challenges: a challenge may stand in for iat freshness (PoP verification: draft-10 §Verification PoP item 6, -11 and -12 §7.2 item 6, -07 §9 item 9), and a request without one is refused for that",
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
                "the target requires DPoP nonces: a nonce may stand in for iat freshness (RFC 9449 §11.1), and a proof without one is refused for that",
            ),
            Precondition::ChallengeSingleUse => (!p.challenge_single_use)
                .then_some("the target is declared to accept a challenge more than once"),
            Precondition::ChallengeLifetime => p
                .challenge_lifetime
                .is_none()
                .then_some("the target config declares no challenge_lifetime"),
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
            Precondition::X5c => target.keys.x5c.is_none().then_some(
                "attestations carry no x5c chain (give attester_chain in the target file, or --profile haip)",
            ),
            Precondition::X5cIssuerKey => target
                .keys
                .x5c
                .as_ref()
                .is_none_or(|x| x.issuer.is_none())
                .then_some("the suite cannot mint certificates under the attester's issuer (no attester_issuer_key)"),
            Precondition::X5cIntermediate => target
                .keys
                .x5c
                .as_ref()
                .is_none_or(|x| x.chain.len() < 2)
                .then_some("the attester chain has no intermediate certificate"),
            Precondition::AlgAdvertised { list, alg } => {
                let listed = target
                    .metadata
                    .get(list.member())
                    .and_then(|v| v.as_array())
                    .is_some_and(|a| {
                        a.iter()
                            .any(|v| v.as_str().and_then(crate::scenario::JwsAlg::parse) == Some(*alg))
                    });
                if !listed {
                    return Some(format!("{} does not list {}", list.member(), alg.as_str()));
                }
                if *list == crate::scenario::AlgList::Attestation {
                    if let Err(why) = target.keys.attester_for(*alg) {
                        return Some(why.to_string());
                    }
                }
                None
            }
            Precondition::AlgUnadvertised { list } => {
                if target.metadata.get(list.member()).is_none() {
                    return Some(format!("the server publishes no {}", list.member()));
                }
                let why = if *list == crate::scenario::AlgList::Attestation {
                    "the attester key signs only algorithms the list names (an unlisted one needs an attester key of that type, --attester-key)"
                } else {
                    "the server lists every algorithm the suite can sign"
                };
                crate::plan::mutate::unadvertised_alg(list.token(), target)
                    .is_none()
                    .then_some(why)
            }
            Precondition::X5cTrustAnchor => target
                .keys
                .x5c
                .as_ref()
                .is_none_or(|x| x.anchor.is_none())
                .then_some("the suite was not given the trust anchor (attester_trust_anchor)"),
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
        MetadataPopMethodsRegistered => target
            .metadata
            .get("client_attestation_pop_methods_supported")
            .is_none()
            .then(|| "the metadata has no client_attestation_pop_methods_supported".into()),
        MetadataAttestationAlgs => (!target.advertised.contains(&Mode::AttestationPopJwt))
            .then(|| "attest_jwt_client_auth is not advertised".into()),
        MetadataDpopAlgs => (!target.advertised.contains(&Mode::DpopCombined))
            .then(|| "attest_jwt_client_auth_dpop is not advertised".into()),
        AdvertisedAlgsSignable if endpoint == Endpoint::Metadata => {
            let unsignable = crate::checks::unsignable_algs(target);
            (!unsignable.is_empty()).then(|| {
                format!(
                    "advertised but not signable by the suite, so not exercised: {}",
                    unsignable.join("; ")
                )
            })
        }
        _ => (endpoint != Endpoint::Metadata)
            .then(|| "metadata checks run on the metadata endpoint".into()),
    }
}

/// The kind of artifact a flow scenario redeems.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FlowKind {
    Code,
    Refresh,
}

impl FlowKind {
    pub fn of(flow: &Flow) -> FlowKind {
        match flow {
            Flow::AuthorizationCode(_) => FlowKind::Code,
            Flow::RefreshToken(_) => FlowKind::Refresh,
        }
    }

    /// The valid flow of this kind: its positive control.
    pub fn valid(self) -> Flow {
        match self {
            FlowKind::Code => Flow::AuthorizationCode(CodeFlow::default()),
            FlowKind::Refresh => Flow::RefreshToken(RefreshFlow::default()),
        }
    }

    /// The grant the flow ends with, as the preflight names it.
    pub fn as_str(self) -> &'static str {
        match self {
            FlowKind::Code => "authorization_code",
            FlowKind::Refresh => "refresh_token",
        }
    }
}

/// What a case's negatives lean on: the valid request of a (mode, endpoint), or, for a flow
/// scenario, the valid flow of its kind (a refused refresh with another key proves something
/// only if the same refresh with the right key is accepted).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ControlKey {
    pub mode: Mode,
    pub endpoint: Endpoint,
    pub flow: Option<FlowKind>,
}

impl ControlKey {
    /// The control that closes a held case (runner/bracket.rs): the plain valid request of
    /// the mode and endpoint. A lock-out of the client shows there as well, and a flow (a
    /// user login, a slot of the run's flow budget) is not spent on each round.
    pub fn closing(self) -> ControlKey {
        ControlKey { flow: None, ..self }
    }
}

/// Round trips a case needs, roughly: the order in which cases take a place in flight
/// (longest first, so that the run does not end waiting on a long case started last; on a
/// real network the tail is what the user waits for, issue 17 §6). A challenge, when the
/// server hands them out, comes first in each request.
pub fn round_trips(case: &Case, target: &Target) -> usize {
    use crate::scenario::{two_step, Expectation, TwoStep};
    let challenge = usize::from(target.challenge_endpoint.is_some());
    if let Expectation::Check(_) = case.scenario.expect_in(target.spec.revision) {
        return 2;
    }
    let request = challenge + 1;
    let flow = match &case.scenario.flow {
        // PAR, the authorization endpoint and its login pages, then the token request.
        Some(crate::scenario::Flow::AuthorizationCode(_)) => request + 4,
        // The issuing grant's own flow, then the refresh.
        Some(crate::scenario::Flow::RefreshToken(_)) => request + 5,
        None => 0,
    };
    let steps = match two_step(&case.scenario.mutations) {
        None => request,
        Some(TwoStep::ChallengeFromError) => request + 2,
        Some(
            TwoStep::Replay
            | TwoStep::ReplayJti(_)
            | TwoStep::ReusedChallenge
            | TwoStep::ChallengeFromResponse,
        ) => 2 * request,
        // A wait of the challenge's lifetime, which no place in flight can shorten.
        Some(TwoStep::ExpiredChallenge) => request + 100,
    };
    flow + steps
}

/// The control a case leans on.
pub fn control_key(case: &Case) -> ControlKey {
    if case
        .scenario
        .requires
        .contains(&Precondition::MethodNotAdvertised)
    {
        let other = match case.mode {
            Mode::AttestationPopJwt => Mode::DpopCombined,
            _ => Mode::AttestationPopJwt,
        };
        ControlKey {
            mode: other,
            endpoint: case.endpoint,
            flow: None,
        }
    } else {
        ControlKey {
            mode: case.mode,
            endpoint: case.endpoint,
            flow: case.scenario.flow.as_ref().map(FlowKind::of),
        }
    }
}

/// Why a flow scenario does not apply to this target, or None.
fn flow_not_applicable(flow: &Flow, mode: Mode, target: &Target) -> Option<String> {
    let listed = |g: GrantType| {
        target
            .grants
            .supported
            .as_ref()
            .is_none_or(|l| l.iter().any(|s| s == g.as_str()))
    };
    let other_mode = match flow {
        Flow::AuthorizationCode(c) => c.par_mode == ModeChoice::Other,
        Flow::RefreshToken(r) => r.issued_in == ModeChoice::Other,
    };
    if other_mode {
        let other = ModeChoice::Other.of(mode);
        if !target.advertised.contains(&other) {
            return Some(format!(
                "the case uses both modes; the server does not advertise {}",
                other.method()
            ));
        }
        if !target.same_client_both_modes() {
            return Some(
                "the case uses both modes with one client; the target names a client per mode"
                    .into(),
            );
        }
    }
    let code = |why: &mut Option<String>| {
        if target.par_endpoint.is_none() {
            *why = Some("the server advertises no pushed_authorization_request_endpoint".into());
        } else if target.authorization_endpoint.is_none() {
            *why = Some("the server advertises no authorization_endpoint".into());
        } else if target.grants.login().is_none() {
            *why = Some("the target file has no grant.login for the user step".into());
        } else if !listed(GrantType::AuthorizationCode) {
            *why = Some("grant_types_supported does not list authorization_code".into());
        }
    };
    let mut why = None;
    match flow {
        Flow::AuthorizationCode(_) => code(&mut why),
        Flow::RefreshToken(_) => match target.grants.refresh_from {
            None => {
                why = Some(
                    "no grant that issues refresh tokens is configured (grant.login or \
                     grant.pre_authorized_code)"
                        .into(),
                )
            }
            Some(_) if !listed(GrantType::RefreshToken) => {
                why = Some("grant_types_supported does not list refresh_token".into())
            }
            Some(GrantType::AuthorizationCode) => code(&mut why),
            Some(_) => {}
        },
    }
    why
}
