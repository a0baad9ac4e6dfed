//! Self-test: the suite against servers known to conform and known not to (docs/design.md: prove
//! every check can fail). One libtest trial per configuration:
//! - `conforming/<config>`: the reference AS without faults, in several configurations
//!   (challenges off/optional/required, DPoP nonces, one method only) → 0 fail, 0 error,
//!   0 warning;
//! - `fault/<name>`: the reference AS with one fault, configured as
//!   `suites/self-test/faults.yaml` says → at least one `fail` or `warning` on a requirement
//!   the fault breaks, and the conforming controls still accepted;
//! - `rejects-everything`: a server that answers 401 to every request → no `pass` on any
//!   request case, `fail` on the controls;
//! - `faults/every-negative-scenario-catches-a-fault`: each negative scenario gets a `fail` or
//!   `warning` under some fault; `faults/every-negative-scenario-catches-its-own-fault`: under
//!   a fault of its own requirements (one reason per case, issue 13 §4), unless allow-listed
//!   with the reason in `suites/self-test/one-reason-exceptions.yaml`.
#[path = "common/libtest.rs"]
mod libtest;

use abca_conformance::engine::{
    self, Corpus, EmbeddedOptions, HttpOptions, RunOptions, TargetFlags, TargetSource,
};
use abca_conformance::report::{Report, Verdict};
use abca_conformance::revision::Revision;
use abca_conformance::scenario::load::parse_yaml;
use abca_conformance::scenario::Role;
use libtest_mimic::{Arguments, Failed, Trial};
use reference_as::{AuthMethod, ChallengePolicy, DpopNoncePolicy, Fault};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

#[derive(Deserialize, Clone, Debug)]
#[serde(deny_unknown_fields)]
struct FaultCase {
    fault: String,
    requirements: Vec<String>,
    #[serde(default)]
    server: ServerCfg,
    #[serde(default)]
    target: TargetCfg,
    /// Why, when the fault is caught only under a non-default configuration.
    #[serde(default)]
    note: Option<String>,
    /// The revision the reference AS speaks and the suite judges by (default 10: the rows
    /// were argued from draft-10; a fault of a rule of one revision names it).
    #[serde(default)]
    draft: Option<Revision>,
}

impl FaultCase {
    fn revision(&self) -> Revision {
        self.draft.unwrap_or(Revision::D10)
    }
    /// `fault` for draft-10 rows, `fault@12` for the others (a fault may have a row per revision).
    fn key(&self) -> String {
        match self.draft {
            None | Some(Revision::D10) => self.fault.clone(),
            Some(r) => format!("{}@{}", self.fault, r.as_str()),
        }
    }
}

#[derive(Deserialize, Clone, Debug, Default)]
#[serde(deny_unknown_fields)]
struct ServerCfg {
    challenge: Option<String>,
    dpop_nonce: Option<String>,
    methods: Option<Vec<String>>,
    #[serde(default)]
    attestation_max_age: Option<u64>,
    /// Seconds a challenge lives (the server's `challenge_ttl`), declared to the suite as the
    /// target's `challenge_lifetime`.
    #[serde(default)]
    challenge_lifetime: Option<u64>,
    /// A profile (suites/profiles/): `haip` trusts the attester through an x5c chain.
    #[serde(default)]
    profile: Option<String>,
    /// The algorithms the server advertises and verifies (`serve --algs`).
    #[serde(default)]
    algs: Option<Vec<String>>,
}

#[derive(Deserialize, Clone, Debug, Default)]
#[serde(deny_unknown_fields)]
struct TargetCfg {
    challenge_required: Option<bool>,
    dpop_nonce_required: Option<bool>,
    challenge_single_use: Option<bool>,
    #[serde(default)]
    attestation_max_age: Option<u64>,
}

/// Seconds a challenge lives where a configuration declares it: short, since the
/// expired-challenge case waits it out, and long enough for a loaded CI machine to use a
/// fresh challenge within it.
const CHALLENGE_LIFETIME: u64 = 3;

fn options(server: &ServerCfg, target: &TargetCfg) -> Result<EmbeddedOptions, String> {
    let mut o = EmbeddedOptions::default();
    if let Some(c) = &server.challenge {
        o = o.with_challenge(match c.as_str() {
            "off" => ChallengePolicy::Off,
            "optional" => ChallengePolicy::Optional,
            "required" => ChallengePolicy::Required,
            x => return Err(format!("unknown challenge policy {x}")),
        });
    }
    if let Some(n) = &server.dpop_nonce {
        o = o.with_dpop_nonce(match n.as_str() {
            "off" => DpopNoncePolicy::Off,
            "required" => DpopNoncePolicy::Required,
            x => return Err(format!("unknown dpop_nonce policy {x}")),
        });
    }
    if let Some(ms) = &server.methods {
        let methods: BTreeSet<AuthMethod> = ms
            .iter()
            .map(|m| AuthMethod::parse(m).ok_or(format!("unknown method {m}")))
            .collect::<Result<_, _>>()?;
        o.server.methods = methods.clone();
        for c in &mut o.server.clients {
            c.methods = methods.clone();
        }
    }
    if server.attestation_max_age.is_some() {
        o.server.windows.attestation_max_age = server.attestation_max_age;
        o.policy.attestation_max_age = server.attestation_max_age;
    }
    if let Some(secs) = server.challenge_lifetime {
        o.server.windows.challenge_ttl = secs;
        o.policy.challenge_lifetime = Some(secs);
    }
    if let Some(algs) = &server.algs {
        o.server.algs = algs
            .iter()
            .map(|a| reference_as::Alg::parse(a).ok_or(format!("unknown alg {a}")))
            .collect::<Result<_, _>>()?;
    }
    if let Some(name) = &server.profile {
        let p = abca_conformance::profile::Profile::named(name).map_err(|e| e.to_string())?;
        o.x5c = p.x5c;
        o.profile = Some(p.id);
    }
    if let Some(v) = target.challenge_required {
        o.policy.challenge_required = v;
    }
    if let Some(v) = target.dpop_nonce_required {
        o.policy.dpop_nonce_required = v;
    }
    if let Some(v) = target.challenge_single_use {
        o.policy.challenge_single_use = v;
    }
    if target.attestation_max_age.is_some() {
        o.policy.attestation_max_age = target.attestation_max_age;
    }
    Ok(o)
}

/// The whole corpus against `source`, with the default options of `run` (and, with
/// `keep_going`, past a failed preflight: a fault may refuse the valid request itself).
async fn run_suite(
    corpus: &Corpus,
    source: TargetSource,
    keep_going: bool,
) -> Result<Report, String> {
    engine::run(
        corpus,
        source,
        &HttpOptions::default(),
        &RunOptions {
            keep_going,
            ..RunOptions::default()
        },
        &|_| {},
    )
    .await
    .map_err(|e| format!("the suite could not run: {e:#}"))
}

fn run(
    rt: &tokio::runtime::Runtime,
    corpus: &Corpus,
    opts: EmbeddedOptions,
) -> Result<Report, Failed> {
    rt.block_on(run_suite(corpus, TargetSource::Embedded(opts), false))
        .map_err(Failed::from)
}

fn bad_lines(report: &Report, bad: &[Verdict]) -> Vec<String> {
    report
        .results
        .iter()
        .filter(|r| bad.contains(&r.verdict))
        .map(|r| format!("{} {}: {}", r.verdict.as_str(), r.id, r.reason))
        .collect()
}

fn conforming(
    rt: &tokio::runtime::Runtime,
    corpus: &Corpus,
    opts: EmbeddedOptions,
) -> Result<(), Failed> {
    // Every algorithm the server advertises gets its own passing case in each list whose
    // mode is on (issue 16); the DPoP list's cases are combined mode, which -07 lacks.
    let mut wanted = Vec::new();
    for alg in &opts.server.algs {
        let lists = [
            ("attestation", true),
            (
                "pop",
                opts.server
                    .methods
                    .contains(&AuthMethod::AttestJwtClientAuth),
            ),
            (
                "dpop",
                opts.server
                    .methods
                    .contains(&AuthMethod::AttestJwtClientAuthDpop)
                    && opts.revision.has_combined_mode(),
            ),
        ];
        for (list, on) in lists {
            if on {
                wanted.push(format!("alg-{list}-{}", alg.as_str().to_lowercase()));
            }
        }
    }
    let report = run(rt, corpus, opts)?;
    let missing: Vec<&String> = wanted
        .iter()
        .filter(|s| {
            !report
                .results
                .iter()
                .any(|r| &r.scenario == *s && r.verdict == Verdict::Pass)
        })
        .collect();
    if !missing.is_empty() {
        return Err(format!("advertised algorithms without a passing case: {missing:?}").into());
    }
    let bad = bad_lines(&report, &[Verdict::Fail, Verdict::Error, Verdict::Warning]);
    // A run where no request was judged would pass vacuously.
    let judged = report.results.iter().any(|r| {
        r.verdict == Verdict::Pass
            && matches!(
                r.endpoint,
                abca_conformance::types::Endpoint::Token | abca_conformance::types::Endpoint::Par
            )
    });
    if !judged {
        return Err("no token or PAR request passed: nothing was judged".into());
    }
    if bad.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "a conforming server got {} bad verdicts:\n  {}",
            bad.len(),
            bad.join("\n  ")
        )
        .into())
    }
}

/// The suite against the reference AS with one fault, configured as its row says.
async fn fault_report(corpus: &Corpus, case: &FaultCase) -> Result<Report, String> {
    let fault = Fault::from_name(&case.fault).ok_or(format!("unknown fault {}", case.fault))?;
    let mut opts = options(&case.server, &case.target)?.with_revision(case.revision());
    opts.server.faults.insert(fault);
    run_suite(corpus, TargetSource::Embedded(opts), true).await
}

fn fault_trial(case: &FaultCase, report: &Result<Report, String>) -> Result<(), Failed> {
    let fault = Fault::from_name(&case.fault).ok_or(format!("unknown fault {}", case.fault))?;
    let report = report.as_ref().map_err(|e| Failed::from(e.clone()))?;
    let caught: Vec<String> = report
        .results
        .iter()
        .filter(|r| matches!(r.verdict, Verdict::Fail | Verdict::Warning))
        .filter(|r| r.requirements.iter().any(|q| case.requirements.contains(q)))
        .map(|r| r.id.clone())
        .collect();
    if caught.is_empty() {
        let all = bad_lines(report, &[Verdict::Fail, Verdict::Warning, Verdict::Error]);
        return Err(format!(
            "fault {} ({}) was not caught on {:?}{}; non-pass results:\n  {}",
            case.fault,
            fault.description(),
            case.requirements,
            case.note
                .as_deref()
                .map(|n| format!(" ({n})"))
                .unwrap_or_default(),
            all.join("\n  ")
        )
        .into());
    }
    Ok(())
}

/// A server that publishes metadata and rejects every request.
async fn rejecting_server() -> wiremock::MockServer {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, ResponseTemplate};
    let server = wiremock::MockServer::start().await;
    let issuer = server.uri();
    let md = serde_json::json!({
        "issuer": issuer,
        "token_endpoint": format!("{issuer}/token"),
        "pushed_authorization_request_endpoint": format!("{issuer}/par"),
        "challenge_endpoint": format!("{issuer}/challenge"),
        "token_endpoint_auth_methods_supported": ["attest_jwt_client_auth", "attest_jwt_client_auth_dpop"],
        "client_attestation_signing_alg_values_supported": ["ES256"],
        "client_attestation_pop_signing_alg_values_supported": ["ES256"],
        "dpop_signing_alg_values_supported": ["ES256"],
    });
    Mock::given(method("GET"))
        .and(path("/.well-known/oauth-authorization-server"))
        .respond_with(ResponseTemplate::new(200).set_body_json(md))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/challenge"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("cache-control", "no-store")
                .set_body_json(serde_json::json!({"attestation_challenge": "c"})),
        )
        .mount(&server)
        .await;
    Mock::given(wiremock::matchers::any())
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(serde_json::json!({"error": "invalid_client"})),
        )
        .mount(&server)
        .await;
    server
}

fn rejects_everything(rt: &tokio::runtime::Runtime, corpus: &Corpus) -> Result<(), Failed> {
    let server = rt.block_on(rejecting_server());
    let dir = tempfile::tempdir().map_err(|e| Failed::from(e.to_string()))?;
    let key =
        abca_conformance::keygen::keygen(dir.path()).map_err(|e| Failed::from(e.to_string()))?;
    let flags = TargetFlags {
        issuer: Some(server.uri()),
        client_id: Some("c".into()),
        attester_key: Some(key.private_jwk),
        ..TargetFlags::default()
    };
    let report = rt
        .block_on(run_suite(corpus, TargetSource::Remote(flags), true))
        .map_err(Failed::from)?;
    let controls: BTreeSet<&str> = corpus
        .scenarios()
        .iter()
        .filter(|l| l.scenario.role == Role::Control)
        .map(|l| l.scenario.id.as_str())
        .collect();
    let mut problems = Vec::new();
    let mut request_cases = 0;
    for r in &report.results {
        let request_case = !matches!(
            r.endpoint,
            abca_conformance::types::Endpoint::Metadata
                | abca_conformance::types::Endpoint::Challenge
        );
        if !request_case || r.verdict == Verdict::NotApplicable {
            continue;
        }
        request_cases += 1;
        if controls.contains(r.scenario.as_str()) {
            if r.verdict != Verdict::Fail {
                problems.push(format!(
                    "control {} got {} ({})",
                    r.id,
                    r.verdict.as_str(),
                    r.reason
                ));
            }
        } else if r.verdict == Verdict::Pass {
            problems.push(format!(
                "{} passed against a server that rejects everything: {}",
                r.id, r.reason
            ));
        }
    }
    if request_cases == 0 {
        problems.push("no request case ran".into());
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n").into())
    }
}

/// Issue 13 §6: a server that locks the client out after a few refused requests (a policy
/// the draft neither asks for nor forbids) must earn no `pass` for the negatives it refuses
/// once locked, and no `fail` for the valid variants it refuses then: those verdicts rest on
/// a refusal that the closing positive controls show is the lock-out. The only failures are
/// the positive controls themselves (the valid request is refused).
fn locks_out(rt: &tokio::runtime::Runtime, corpus: &Corpus) -> Result<(), Failed> {
    let mut opts = EmbeddedOptions::default();
    opts.server.lock_out_after = Some(3);
    let report = rt
        .block_on(run_suite(corpus, TargetSource::Embedded(opts), true))
        .map_err(Failed::from)?;
    let mut problems = Vec::new();
    let mut closed = 0;
    for r in &report.results {
        let scenario = corpus
            .scenarios()
            .iter()
            .find(|l| l.scenario.id == r.scenario)
            .map(|l| &l.scenario)
            .ok_or_else(|| Failed::from(format!("{}: no such scenario", r.id)))?;
        if r.inconclusive == Some(abca_conformance::types::Inconclusive::ControlLost) {
            closed += 1;
        }
        let expect = scenario.expect_in(report_revision(&report));
        let problem = match (scenario.role == Role::Control, expect, r.verdict) {
            (false, abca_conformance::scenario::Expectation::Reject(_), Verdict::Pass) => {
                Some("a negative passed")
            }
            (false, abca_conformance::scenario::Expectation::Accept(_), Verdict::Fail) => {
                Some("a valid variant failed")
            }
            _ => None,
        };
        if let Some(p) = problem {
            problems.push(format!(
                "{p} while the server had locked the client out: {} ({})",
                r.id, r.reason
            ));
        }
    }
    if closed == 0 {
        problems.push("no verdict was turned inconclusive by a closing control".into());
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n").into())
    }
}

fn report_revision(report: &Report) -> abca_conformance::revision::Revision {
    abca_conformance::revision::Revision::parse(&report.tool.draft)
        .expect("the report names a known revision")
}

/// The negative scenarios of the corpus: those that expect a rejection, by default or in some
/// revision (e.g. att-without-iat, refused from -12 on).
fn negatives(corpus: &Corpus) -> impl Iterator<Item = &abca_conformance::scenario::Scenario> {
    corpus.scenarios().iter().map(|l| &l.scenario).filter(|s| {
        Revision::ALL.iter().any(|r| {
            matches!(
                s.expect_in(*r),
                abca_conformance::scenario::Expectation::Reject(_)
            )
        })
    })
}

/// For each scenario, the fault rows (by key) under which one of its cases gave a `fail` or a
/// `warning`.
fn catching_faults(
    reports: &BTreeMap<String, Result<Report, String>>,
) -> BTreeMap<&str, BTreeSet<&str>> {
    let mut by_scenario: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (key, report) in reports {
        let Ok(report) = report else { continue };
        for r in &report.results {
            if matches!(r.verdict, Verdict::Fail | Verdict::Warning) {
                by_scenario
                    .entry(r.scenario.as_str())
                    .or_default()
                    .insert(key.as_str());
            }
        }
    }
    by_scenario
}

/// Issue 4: "a scenario that catches nothing is suspect": every negative scenario gives a fail
/// or warning under at least one fault of the reference AS (allow-listed scenarios included).
fn uncaught_negatives(
    corpus: &Corpus,
    reports: &BTreeMap<String, Result<Report, String>>,
) -> Result<(), Failed> {
    let caught = catching_faults(reports);
    let uncaught: Vec<&str> = negatives(corpus)
        .map(|s| s.id.as_str())
        .filter(|id| !caught.contains_key(id))
        .collect();
    if uncaught.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "negative scenarios that no fault of the reference AS makes fail (add a fault, or question the scenario): {uncaught:?}"
        )
        .into())
    }
}

/// A negative scenario that cannot be made to break one rule only
/// (`suites/self-test/one-reason-exceptions.yaml`).
#[derive(Deserialize, Clone, Debug)]
#[serde(deny_unknown_fields)]
struct OneReasonException {
    scenario: String,
    /// Why no request breaks the scenario's rule alone (shown when the entry goes stale).
    reason: String,
}

/// Issue 13 §4, "one reason per case": a negative scenario must give a `fail` or `warning`
/// under a fault whose requirements include one of the scenario's own `requirements:`. A
/// request that breaks only rule R is accepted by a server that lacks only the check for R;
/// had it broken a second rule S too, R's fault would still refuse it (for S) and only a
/// broader fault (or S's) would catch it. This tightens `every-negative-scenario-catches-a-
/// fault`, which stays as it was (some fault, any requirement) and still holds for the
/// allow-listed scenarios. An allow-list entry whose scenario is unknown, not a negative, or
/// meets the rule after all is an error: the list cannot go stale.
fn negatives_without_own_fault(
    corpus: &Corpus,
    cases: &[FaultCase],
    reports: &BTreeMap<String, Result<Report, String>>,
    exceptions: &[OneReasonException],
) -> Result<(), Failed> {
    let fault_requirements: BTreeMap<String, &[String]> = cases
        .iter()
        .map(|c| (c.key(), c.requirements.as_slice()))
        .collect();
    let caught = catching_faults(reports);
    let excepted: BTreeMap<&str, &str> = exceptions
        .iter()
        .map(|e| (e.scenario.as_str(), e.reason.as_str()))
        .collect();
    let mut problems = Vec::new();
    let mut met = BTreeSet::new();
    for s in negatives(corpus) {
        let Some(faults) = caught.get(s.id.as_str()) else {
            continue; // uncaught altogether: the other trial's finding
        };
        let own = faults.iter().any(|f| {
            fault_requirements
                .get(*f)
                .is_some_and(|rs| rs.iter().any(|r| s.requirements.contains(r)))
        });
        if own {
            met.insert(s.id.as_str());
            continue;
        }
        if excepted.contains_key(s.id.as_str()) {
            continue;
        }
        let by: Vec<String> = faults
            .iter()
            .map(|f| {
                format!(
                    "{f} {:?}",
                    fault_requirements.get(*f).copied().unwrap_or_default()
                )
            })
            .collect();
        problems.push(format!(
            "{} {:?} is caught only by: {}",
            s.id,
            s.requirements,
            by.join(", ")
        ));
    }
    let negative_ids: BTreeSet<&str> = negatives(corpus).map(|s| s.id.as_str()).collect();
    for e in exceptions {
        if !negative_ids.contains(e.scenario.as_str()) {
            problems.push(format!(
                "allow-list entry {}: no such negative scenario",
                e.scenario
            ));
        } else if met.contains(e.scenario.as_str()) {
            problems.push(format!(
                "allow-list entry {}: a fault of its own requirements catches it now; remove the entry ({})",
                e.scenario, e.reason
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "negative scenarios not caught by a fault of their own requirements (they may break a second rule: make the request break only the named one, add the fault for exactly that rule, fix the requirement list, or allow-list them with the reason in suites/self-test/one-reason-exceptions.yaml):\n  {}",
            problems.join("\n  ")
        )
        .into())
    }
}

fn main() {
    let args = Arguments::from_args();
    let rt = Arc::new(tokio::runtime::Runtime::new().expect("runtime"));
    // Read and validated once, shared by every trial.
    let corpus = Arc::new(Corpus::embedded().unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2)
    }));
    let text = Corpus::embedded_file("self-test/faults.yaml").unwrap_or_else(|| {
        eprintln!("suites/self-test/faults.yaml is missing");
        std::process::exit(2)
    });
    let cases: Vec<FaultCase> =
        parse_yaml("suites/self-test/faults.yaml", text).unwrap_or_else(|e| {
            eprintln!("{e}");
            std::process::exit(2)
        });
    let exceptions: Vec<OneReasonException> = parse_yaml(
        "suites/self-test/one-reason-exceptions.yaml",
        Corpus::embedded_file("self-test/one-reason-exceptions.yaml").unwrap_or_else(|| {
            eprintln!("suites/self-test/one-reason-exceptions.yaml is missing");
            std::process::exit(2)
        }),
    )
    .unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2)
    });
    let all_cases = cases.clone();
    let mut trials = Vec::new();
    let configs: Vec<(&str, ServerCfg, TargetCfg)> = vec![
        ("default", ServerCfg::default(), TargetCfg::default()),
        (
            "challenge-off",
            ServerCfg {
                challenge: Some("off".into()),
                ..Default::default()
            },
            TargetCfg::default(),
        ),
        (
            "challenge-required",
            ServerCfg {
                challenge: Some("required".into()),
                ..Default::default()
            },
            TargetCfg::default(),
        ),
        (
            "dpop-nonce-required",
            ServerCfg {
                dpop_nonce: Some("required".into()),
                ..Default::default()
            },
            TargetCfg::default(),
        ),
        (
            "normal-mode-only",
            ServerCfg {
                methods: Some(vec!["attest_jwt_client_auth".into()]),
                ..Default::default()
            },
            TargetCfg::default(),
        ),
        (
            "combined-mode-only",
            ServerCfg {
                methods: Some(vec!["attest_jwt_client_auth_dpop".into()]),
                ..Default::default()
            },
            TargetCfg::default(),
        ),
        // -11 §5.2: a server that uses challenges takes combined-mode freshness from DPoP
        // nonces, so it demands them there; declared, the DPoP-nonce scenarios run (the
        // configuration of the dpop-nonce-freshness-via-challenge row).
        (
            "challenge-required-dpop-nonce-declared",
            ServerCfg {
                challenge: Some("required".into()),
                ..Default::default()
            },
            TargetCfg {
                dpop_nonce_required: Some(true),
                ..Default::default()
            },
        ),
        (
            "profile-haip",
            ServerCfg {
                profile: Some("haip".into()),
                ..Default::default()
            },
            TargetCfg::default(),
        ),
        // Challenges that expire within seconds, declared: the expired-challenge case runs
        // (it waits the lifetime out), and no other case is refused for a stale challenge
        // (those fetched ahead are used only while well within it).
        (
            "challenge-lifetime",
            ServerCfg {
                challenge_lifetime: Some(CHALLENGE_LIFETIME),
                ..Default::default()
            },
            TargetCfg::default(),
        ),
        // Servers that verify one family only: the controls pass with a matching instance
        // (and attester) key, and each advertised algorithm has its case.
        (
            "algs-rsa-only",
            ServerCfg {
                algs: Some(vec!["RS256".into(), "PS384".into(), "RS512".into()]),
                ..Default::default()
            },
            TargetCfg::default(),
        ),
        (
            "algs-es384-only",
            ServerCfg {
                algs: Some(vec!["ES384".into()]),
                ..Default::default()
            },
            TargetCfg::default(),
        ),
        (
            "algs-all",
            ServerCfg {
                algs: Some(
                    [
                        "ES256", "ES384", "ES512", "EdDSA", "PS256", "PS384", "PS512", "RS256",
                        "RS384", "RS512",
                    ]
                    .map(String::from)
                    .to_vec(),
                ),
                ..Default::default()
            },
            TargetCfg::default(),
        ),
    ];
    // The conforming server of each revision: 0 fail, 0 error, 0 warning in every
    // configuration (draft-10 keeps its historical trial names).
    for rev in Revision::ALL {
        for (name, cfg, target) in &configs {
            // draft-07 has no combined mode (-07 §6.2 item 2): a server offering only
            // attest_jwt_client_auth_dpop is no draft-07 server.
            if rev == Revision::D07 && *name == "combined-mode-only" {
                continue;
            }
            let (rt, corpus) = (rt.clone(), corpus.clone());
            let (cfg, target) = (cfg.clone(), target.clone());
            let trial = match rev {
                Revision::D10 => format!("conforming/{name}"),
                r => format!("conforming/draft-{}/{name}", r.as_str()),
            };
            trials.push(Trial::test(trial, move || {
                conforming(&rt, &corpus, options(&cfg, &target)?.with_revision(rev))
            }));
        }
    }
    // Every fault of the reference AS must have a row at a revision it applies to
    // (Fault::applies_to): a fault nothing catches is a missing scenario.
    let listed: BTreeSet<(&str, Revision)> = cases
        .iter()
        .map(|c| (c.fault.as_str(), c.revision()))
        .collect();
    let missing: Vec<&str> = Fault::all()
        .iter()
        .filter(|f| {
            !Revision::ALL
                .iter()
                .any(|r| f.applies_to(engine::as_draft(*r)) && listed.contains(&(f.name(), *r)))
        })
        .map(|f| f.name())
        .collect();
    trials.push(Trial::test("faults/every-fault-listed", move || {
        if missing.is_empty() {
            Ok(())
        } else {
            Err(format!("faults without a self-test row: {missing:?}").into())
        }
    }));
    // The fault runs happen here, two at a time, so that one trial can look across all of
    // them; only the selected ones run unless the cross-fault trial is selected.
    const COVERAGE: &str = "faults/every-negative-scenario-catches-a-fault";
    const ONE_REASON: &str = "faults/every-negative-scenario-catches-its-own-fault";
    let coverage_wanted = libtest::wanted(&args, COVERAGE) || libtest::wanted(&args, ONE_REASON);
    let runs: Vec<FaultCase> = cases
        .iter()
        .filter(|c| coverage_wanted || libtest::wanted(&args, &format!("fault/{}", c.key())))
        .cloned()
        .collect();
    let reports: Vec<Result<Report, String>> = rt.block_on(async {
        let sem = Arc::new(tokio::sync::Semaphore::new(2));
        futures::future::join_all(runs.iter().map(|c| {
            let (sem, corpus) = (sem.clone(), &corpus);
            async move {
                let _permit = sem.acquire().await;
                fault_report(corpus, c).await
            }
        }))
        .await
    });
    let reports: Arc<BTreeMap<String, Result<Report, String>>> =
        Arc::new(runs.iter().map(|c| c.key()).zip(reports).collect());
    for case in cases {
        let reports = reports.clone();
        trials.push(Trial::test(
            format!("fault/{}", case.key()),
            move || match reports.get(&case.key()) {
                Some(r) => fault_trial(&case, r),
                None => Err("not run".into()),
            },
        ));
    }
    let (all_reports, corpus2) = (reports.clone(), corpus.clone());
    trials.push(Trial::test(COVERAGE, move || {
        uncaught_negatives(&corpus2, &all_reports)
    }));
    let (all_reports, corpus4) = (reports.clone(), corpus.clone());
    trials.push(Trial::test(ONE_REASON, move || {
        negatives_without_own_fault(&corpus4, &all_cases, &all_reports, &exceptions)
    }));
    let (rt3, corpus3) = (rt.clone(), corpus.clone());
    trials.push(Trial::test("locks-out-after-failures", move || {
        locks_out(&rt3, &corpus3)
    }));
    let rt2 = rt.clone();
    trials.push(Trial::test("rejects-everything", move || {
        rejects_everything(&rt2, &corpus)
    }));
    libtest_mimic::run(&args, trials).exit();
}
