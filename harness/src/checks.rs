//! Built-in checks: properties that are not "send a request, expect accept or reject"
//! (metadata contents, the challenge endpoint's response). Each cites its rule.
use crate::exchange::{Exchange, Http, Reply, WireRequest};
use crate::scenario::BuiltinCheck;
use crate::target::Target;
use crate::types::{Inconclusive, Verdict};
use crate::verdict::Judgement;
use serde_json::Value;

const REGISTERED_POP_METHODS: &[&str] = &["attestation_pop_jwt", "dpop_combined", "none"];

/// What a check found: why the rule holds, or why it does not.
type Found = Result<String, NotHeld>;

/// Why a check did not pass.
#[derive(Debug)]
enum NotHeld {
    /// The rule is broken: the verdict for the check's level.
    Broken(String),
    /// Nothing to judge (docs/design.md, "Verdicts": error).
    Inconclusive(Inconclusive, String),
}

impl NotHeld {
    fn broken(why: impl Into<String>) -> NotHeld {
        NotHeld::Broken(why.into())
    }
}

/// The challenge endpoint gave no challenge.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChallengeError {
    /// No answer at all (timeout, reset, refused, run stopped).
    #[error("no answer from the challenge endpoint: {0}")]
    NoAnswer(String),
    /// An answer without a challenge in it.
    #[error("the challenge endpoint answered {0} without attestation_challenge")]
    NotIssued(String),
}

impl From<ChallengeError> for NotHeld {
    /// No answer proves nothing about the rule; an answer without a challenge breaks it.
    fn from(e: ChallengeError) -> NotHeld {
        match e {
            ChallengeError::NoAnswer(_) => {
                NotHeld::Inconclusive(Inconclusive::NoAnswer, e.to_string())
            }
            ChallengeError::NotIssued(_) => NotHeld::Broken(e.to_string()),
        }
    }
}

fn ok(reason: impl Into<String>) -> Found {
    Ok(reason.into())
}

/// Runs one check.
pub async fn run(
    check: BuiltinCheck,
    target: &Target,
    http: &Http,
    broken: Verdict,
) -> (Judgement, Vec<Exchange>) {
    let mut exchanges = Vec::new();
    let result = match check {
        BuiltinCheck::ChallengeEndpointResponse
        | BuiltinCheck::ChallengeEndpointNoStore
        | BuiltinCheck::ChallengeEndpointFresh
        | BuiltinCheck::ChallengeEndpointDpopNonce => {
            challenge_check(check, target, http, &mut exchanges).await
        }
        _ => {
            exchanges.push(target.metadata_exchange.clone());
            metadata_check(check, target)
        }
    };
    let judgement = match result {
        Ok(reason) => Judgement::decided(Verdict::Pass, reason),
        Err(NotHeld::Broken(reason)) => Judgement::decided(broken, reason),
        Err(NotHeld::Inconclusive(cause, reason)) => Judgement::inconclusive(cause, reason),
    };
    (judgement, exchanges)
}

fn str_list<'a>(md: &'a Value, name: &str) -> Option<Vec<&'a str>> {
    md.get(name)?
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
}

fn metadata_check(check: BuiltinCheck, target: &Target) -> Found {
    let md = &target.metadata;
    if matches!(
        check,
        BuiltinCheck::ProfileAlgorithms | BuiltinCheck::ProfileFeatures
    ) {
        return profile_check(check, target);
    }
    if check == BuiltinCheck::AdvertisedAlgsSignable {
        let unsignable = unsignable_algs(target);
        return if unsignable.is_empty() {
            ok("every advertised algorithm has its own alg-* case")
        } else {
            Err(NotHeld::broken(format!(
                "not exercised: {}",
                unsignable.join("; ")
            )))
        };
    }
    match check {
        // draft-10 §Metadata: support SHOULD be signalled in token_endpoint_auth_methods_supported.
        BuiltinCheck::MetadataAuthMethods => {
            if target.advertised.is_empty() {
                Err(NotHeld::broken("token_endpoint_auth_methods_supported lists neither attest_jwt_client_auth nor attest_jwt_client_auth_dpop"))
            } else {
                ok(format!("advertises {:?}", target.methods))
            }
        }
        // draft-10 §Metadata: both attestation alg lists MUST be present when PoP JWTs are used.
        BuiltinCheck::MetadataAttestationAlgs => {
            let missing: Vec<&str> = [
                "client_attestation_signing_alg_values_supported",
                "client_attestation_pop_signing_alg_values_supported",
            ]
            .into_iter()
            .filter(|n| str_list(md, n).is_none_or(|l| l.is_empty()))
            .collect();
            if missing.is_empty() {
                ok("both attestation alg lists are present")
            } else {
                Err(NotHeld::broken(format!(
                    "missing or empty: {}",
                    missing.join(", ")
                )))
            }
        }
        // draft-10 §Metadata: dpop_signing_alg_values_supported MUST be present for combined mode.
        BuiltinCheck::MetadataDpopAlgs => match str_list(md, "dpop_signing_alg_values_supported") {
            Some(l) if !l.is_empty() => ok(format!("dpop_signing_alg_values_supported = {l:?}")),
            _ => Err(NotHeld::broken(
                "dpop_signing_alg_values_supported is missing or empty",
            )),
        },
        // -10 §Additional security signal / -11 §7.6: "a JSON array of case-sensitive strings
        // ... the array MUST NOT be empty when the parameter is present".
        BuiltinCheck::MetadataPopMethods => {
            match md.get("client_attestation_pop_methods_supported") {
                None => ok("client_attestation_pop_methods_supported is absent (allowed)"),
                Some(Value::Array(a)) if a.is_empty() => Err(NotHeld::broken(
                    "client_attestation_pop_methods_supported is an empty array",
                )),
                Some(Value::Array(a)) if a.iter().all(Value::is_string) => {
                    ok(format!("client_attestation_pop_methods_supported = {a:?}"))
                }
                Some(other) => Err(NotHeld::broken(format!(
                    "client_attestation_pop_methods_supported is not an array of strings: {other}"
                ))),
            }
        }
        // Not applicable without the parameter (runner/cases.rs). Each value is a method "as registered in the 'OAuth Client Attestation
        // Proof-of-Possession Methods' registry" (-11 §7.6); the registry is open, so a name
        // this draft does not register may be another specification's.
        BuiltinCheck::MetadataPopMethodsRegistered => {
            let listed = str_list(md, "client_attestation_pop_methods_supported")
                .filter(|l| !l.is_empty())
                .ok_or_else(|| {
                    NotHeld::Inconclusive(
                        Inconclusive::CannotBuild,
                        "client_attestation_pop_methods_supported holds no strings to look at (see meta-pop-methods)".into(),
                    )
                })?;
            let unknown: Vec<&str> = listed
                .iter()
                .copied()
                .filter(|s| !REGISTERED_POP_METHODS.contains(s))
                .collect();
            if unknown.is_empty() {
                ok(format!("every listed method is registered: {listed:?}"))
            } else {
                Err(NotHeld::broken(format!(
                    "not registered by this draft: {} (registered: {})",
                    unknown.join(", "),
                    REGISTERED_POP_METHODS.join(", ")
                )))
            }
        }
        // draft-10 §Verification items 3 (alg not none) and §PoP rule 2 (asymmetric only).
        BuiltinCheck::MetadataAlgValues => {
            let mut problems = Vec::new();
            for name in [
                "client_attestation_signing_alg_values_supported",
                "client_attestation_pop_signing_alg_values_supported",
                "dpop_signing_alg_values_supported",
            ] {
                for alg in str_list(md, name).unwrap_or_default() {
                    if alg.eq_ignore_ascii_case("none") {
                        problems.push(format!("{name} lists none"));
                    } else if name != "client_attestation_signing_alg_values_supported"
                        && alg.starts_with("HS")
                    {
                        problems.push(format!("{name} lists the MAC algorithm {alg}"));
                    }
                }
            }
            if problems.is_empty() {
                ok("no alg list offers none, and PoP/DPoP lists are asymmetric")
            } else {
                Err(NotHeld::broken(problems.join("; ")))
            }
        }
        _ => Err(NotHeld::Inconclusive(
            Inconclusive::CannotBuild,
            "not a metadata check".into(),
        )),
    }
}

async fn fetch_challenge(
    http: &Http,
    url: &str,
    exchanges: &mut Vec<Exchange>,
) -> Result<Reply, ChallengeError> {
    let req = WireRequest {
        method: "POST".into(),
        url: url.into(),
        headers: vec![("Accept".into(), "application/json".into())],
        body: String::new(),
        name_case: Default::default(),
    };
    let (ex, r) = http.exchange("challenge", &req).await;
    exchanges.push(ex);
    r.map_err(|e| ChallengeError::NoAnswer(e.to_string()))
}

async fn challenge_check(
    check: BuiltinCheck,
    target: &Target,
    http: &Http,
    exchanges: &mut Vec<Exchange>,
) -> Found {
    let url = target
        .challenge_endpoint
        .as_deref()
        .ok_or_else(|| NotHeld::broken("no challenge_endpoint"))?;
    let r = fetch_challenge(http, url, exchanges).await?;
    // draft-10 §Challenge Endpoint: 200, application/json, attestation_challenge a string.
    let challenge = |r: &Reply| -> Found {
        if r.status != 200 {
            return Err(NotHeld::broken(format!(
                "POST {url} answered {}, expected 200",
                r.summary()
            )));
        }
        r.json_str("attestation_challenge")
            .map(String::from)
            .ok_or_else(|| NotHeld::broken("the response has no string attestation_challenge"))
    };
    match check {
        BuiltinCheck::ChallengeEndpointResponse => {
            let c = challenge(&r)?;
            let ct = r.header("content-type").unwrap_or("");
            if !ct.to_ascii_lowercase().starts_with("application/json") {
                return Err(NotHeld::broken(format!(
                    "Content-Type is {ct:?}, expected application/json"
                )));
            }
            ok(format!(
                "200 application/json with attestation_challenge ({} chars)",
                c.len()
            ))
        }
        // draft-10 §Challenge Endpoint: the response MUST be uncacheable (Cache-Control: no-store).
        BuiltinCheck::ChallengeEndpointNoStore => {
            challenge(&r)?;
            let cc = r.header("cache-control").unwrap_or("");
            if cc
                .split(',')
                .any(|d| d.trim().eq_ignore_ascii_case("no-store"))
            {
                ok(format!("Cache-Control: {cc}"))
            } else {
                Err(NotHeld::broken(format!(
                    "Cache-Control is {cc:?}, expected no-store"
                )))
            }
        }
        // -11 §6.3: "If the server supports DPoP server nonces, the response MUST include a
        // DPoP-Nonce header".
        BuiltinCheck::ChallengeEndpointDpopNonce => {
            if r.status != 200 {
                return Err(NotHeld::broken(format!(
                    "POST {url} answered {}, expected 200",
                    r.summary()
                )));
            }
            match r.header("dpop-nonce") {
                Some(n) if !n.trim().is_empty() => ok(format!("DPoP-Nonce: {n}")),
                _ => Err(NotHeld::broken(
                    "the challenge response carries no DPoP-Nonce header",
                )),
            }
        }
        BuiltinCheck::ChallengeEndpointFresh => {
            let a = challenge(&r)?;
            let b = challenge(&fetch_challenge(http, url, exchanges).await?)?;
            if a != b {
                ok("two challenges in a row differ")
            } else {
                Err(NotHeld::broken(format!(
                    "two requests got the same challenge {a:?}"
                )))
            }
        }
        _ => Err(NotHeld::Inconclusive(
            Inconclusive::CannotBuild,
            "not a challenge check".into(),
        )),
    }
}

/// What the challenge endpoint handed out for one request.
#[derive(Clone, Debug, Default)]
pub struct Issued {
    /// `attestation_challenge`.
    pub challenge: Option<String>,
    /// The `DPoP-Nonce` header (-11 §6.3: MUST be sent by a server that supports DPoP nonces).
    pub dpop_nonce: Option<String>,
}

/// A fresh challenge for a request, when the server advertises a challenge endpoint (a
/// client MUST then use one, -07 §8 / -10 §6.1; -11 §6.3: SHOULD), and the DPoP nonce the
/// endpoint sent with it (-11 §6.3). From -11 on an endpoint that only serves DPoP nonces
/// may leave `attestation_challenge` out.
pub async fn get_challenge(
    target: &Target,
    http: &Http,
    exchanges: &mut Vec<Exchange>,
) -> Result<Issued, ChallengeError> {
    let Some(url) = target.challenge_endpoint.as_deref() else {
        return Ok(Issued::default());
    };
    let r = fetch_challenge(http, url, exchanges).await?;
    let dpop_nonce = r.header("dpop-nonce").map(String::from);
    match r.json_str("attestation_challenge") {
        Some(c) if r.status == 200 => Ok(Issued {
            challenge: Some(c.to_string()),
            dpop_nonce,
        }),
        None if r.status == 200
            && dpop_nonce.is_some()
            && target.spec.revision >= crate::revision::Revision::D11 =>
        {
            Ok(Issued {
                challenge: None,
                dpop_nonce,
            })
        }
        _ => Err(ChallengeError::NotIssued(r.summary())),
    }
}

/// What the target's profile (suites/profiles/) requires of the metadata.
fn profile_check(check: BuiltinCheck, target: &Target) -> Found {
    use crate::profile::{Feature, Profile};
    let name = target
        .spec
        .profile
        .as_deref()
        .ok_or_else(|| NotHeld::broken("no profile was selected"))?;
    let profile = Profile::named(name).map_err(|e| NotHeld::broken(e.to_string()))?;
    let md = &target.metadata;
    let mut missing = Vec::new();
    match check {
        BuiltinCheck::ProfileAlgorithms => {
            for (member, algs) in profile.algorithms.by_member() {
                let listed = str_list(md, member).unwrap_or_default();
                for alg in algs {
                    if !listed.contains(&alg.as_str()) {
                        missing.push(format!("{member} lacks {alg}"));
                    }
                }
            }
        }
        _ => {
            for f in &profile.require {
                let present = match f {
                    Feature::Par => md.get("pushed_authorization_request_endpoint").is_some(),
                    Feature::Dpop => str_list(md, "dpop_signing_alg_values_supported")
                        .is_some_and(|l| !l.is_empty()),
                    // Observed by the scenarios that send no client authentication
                    // (dispatch/, `par-*`); nothing to read from the metadata.
                    Feature::ClientAuthAtPar | Feature::ClientAuthAtToken => true,
                };
                if !present {
                    missing.push(format!("{} is not offered", f.name()));
                }
            }
        }
    }
    if missing.is_empty() {
        ok(format!("the metadata meets the {name} profile"))
    } else {
        Err(NotHeld::broken(format!(
            "{name} profile: {}",
            missing.join("; ")
        )))
    }
}

/// `member: alg` for each advertised algorithm the suite cannot sign with (HS256 in the
/// attestation list is exercised by the MAC cases).
pub fn unsignable_algs(target: &Target) -> Vec<String> {
    use crate::scenario::{AlgList, JwsAlg};
    let mut out = Vec::new();
    for list in [AlgList::Attestation, AlgList::Pop, AlgList::Dpop] {
        for alg in str_list(&target.metadata, list.member()).unwrap_or_default() {
            let mac_case = list == AlgList::Attestation && alg == "HS256";
            if JwsAlg::parse(alg).is_none() && !mac_case {
                out.push(format!("{}: {alg}", list.member()));
            }
        }
    }
    out
}
