//! The spec oracle: a pure function from a planned case (mode, endpoint, mutations) and what
//! the target declares or advertises, to what a server conforming to the revision it is judged
//! by (`Capabilities::revision`) does with it: the valid request has that revision's shape, the
//! rules that differ are read per revision, and a rule the revision does not have decides
//! nothing (the point is left open).
//!
//! It applies the mutations to its own symbolic request (symbolic.rs), then reads the final
//! request against the rules (rules.rs), collecting every MUST it breaks, every point the
//! draft leaves open, and every rule that makes a change harmless. Any broken MUST makes the
//! whole request `Reject`, whatever else was changed; with nothing broken, any open point
//! makes it `Skip` (not judged); otherwise `Accept`. It never calls plan/ or client/.
mod attestation;
mod jwt;
mod proofs;

use super::rules::{self as r, Rule};
use super::symbolic::{self as s, Request};
use crate::scenario::{
    AcceptSpec, ChallengeUse, CnfChange, Endpoint, Expectation, FieldRef, Level, Mode, Mutation,
    RejectSpec, TokenKind, TwoStep,
};
use attestation::judge_attestation;
use proofs::{judge_dpop, judge_pop, Role};

pub use super::capabilities::Capabilities;

/// What a conforming server does.
#[derive(Clone, Debug, PartialEq)]
pub enum Expected {
    Accept {
        /// The rules that make the changes harmless (or AUTH-VALID-ACCEPTED).
        rules: Vec<&'static Rule>,
        /// The weakest of them: a rejection breaks a rule of this level.
        level: Level,
    },
    Reject {
        rules: Vec<&'static Rule>,
        /// Acceptable `error` codes; empty = any (the draft mandates a code only for some).
        errors: Vec<&'static str>,
        /// Response header fields that must come with the error.
        headers: Vec<&'static str>,
        /// The strongest level among the broken rules (SHOULD for replay detection or a
        /// claim the profile does not define: a miss is a warning).
        level: Level,
    },
    /// The draft does not decide (or the harness cannot build the request): not judged.
    Skip { reason: String },
}

impl Expected {
    pub fn rules(&self) -> &[&'static Rule] {
        match self {
            Expected::Accept { rules, .. } | Expected::Reject { rules, .. } => rules,
            Expected::Skip { .. } => &[],
        }
    }
}

pub const CHALLENGE_HEADER: &str = "OAuth-Client-Attestation-Challenge";
pub const DPOP_NONCE_HEADER: &str = "DPoP-Nonce";
const USE_CHALLENGE: &str = "use_attestation_challenge";
const USE_DPOP_NONCE: &str = "use_dpop_nonce";
const USE_FRESH: &str = "use_fresh_attestation";

/// The oracle.
pub fn expect(
    mode: Mode,
    endpoint: Endpoint,
    mutations: &[Mutation],
    caps: &Capabilities,
) -> Expected {
    if mode == Mode::None || !matches!(endpoint, Endpoint::Token | Endpoint::Par) {
        return skip("only token and PAR requests in a PoP mode are fuzzed");
    }
    // `cnf: rsa_private` signs the proof with an RSA Client Instance Key (plan/mutate.rs): a
    // key swap like `use_alg`, with the same limits; two swaps in one case are not modelled.
    let rsa_private = |m: &Mutation| matches!(m, Mutation::Cnf(CnfChange::RsaPrivate));
    let swaps = mutations
        .iter()
        .filter(|m| rsa_private(m) || matches!(m, Mutation::UseAlg { .. }))
        .count();
    if swaps > 1 && mutations.iter().any(rsa_private) {
        return skip("cnf: rsa_private next to another key swap (use_alg, rsa_private)");
    }
    if swaps > 0 {
        if let Some(m) = mutations
            .iter()
            .find(|m| !rsa_private(m) && !beside_use_alg(m))
        {
            return skip(format!(
                "{m:?} next to use_alg: keys of other algorithms are modelled only with changes that name no key"
            ));
        }
    }
    let mut req = Request::valid(mode, endpoint, caps);
    for m in mutations {
        if let Err(e) = req.apply(m, caps) {
            return skip(format!("the harness cannot build this request ({e})"));
        }
    }
    let mut j = Judge::default();
    judge_request(&req, caps, &mut j);
    j.finish(&req, caps)
}

/// Whether `m` may come with `use_alg` in one case. `use_alg` swaps a token's key for one of
/// another algorithm (for a proof, a new Client Instance Key that `cnf` names), which the
/// symbolic request still calls the instance / attester key; a mutation that names a key
/// (`sign_with`, `cnf`, a `${…_jwk}` value, a fresh copy or added token, a replay) would mean
/// the run's own key in plan/ but the swapped one here, so such a pair is not judged.
fn beside_use_alg(m: &Mutation) -> bool {
    let names_no_key = |v: &serde_json::Value| !v.to_string().contains("jwk");
    match m {
        Mutation::UseAlg { .. }
        | Mutation::TimeClaim { .. }
        | Mutation::DamageSignature { .. }
        | Mutation::Form { .. }
        | Mutation::RepeatForm { .. }
        | Mutation::HttpMethod(_)
        | Mutation::FieldNameCase(_) => true,
        Mutation::SetClaim { name, value, .. } => name != "cnf" && names_no_key(value),
        Mutation::RemoveClaim { name, .. } => name != "cnf",
        Mutation::SetJoseHeader { name, value, .. } => {
            !["jwk", "kid", "x5c"].contains(&name.as_str()) && names_no_key(value)
        }
        Mutation::RemoveJoseHeader { name, .. } => name != "jwk",
        Mutation::Challenge(u) => matches!(
            u,
            ChallengeUse::Missing | ChallengeUse::Wrong | ChallengeUse::WrongClaim
        ),
        Mutation::SetHeader { field, .. } => matches!(field, FieldRef::Name(_)),
        _ => false,
    }
}

fn skip(reason: impl Into<String>) -> Expected {
    Expected::Skip {
        reason: reason.into(),
    }
}

struct Broken {
    rules: Vec<&'static Rule>,
    errors: &'static [&'static str],
    headers: &'static [&'static str],
}

#[derive(Default)]
struct Judge {
    broken: Vec<Broken>,
    open: Vec<String>,
    harmless: Vec<&'static Rule>,
}

impl Judge {
    fn broke(&mut self, rules: &[&'static Rule]) {
        self.broke_with(rules, &[], &[]);
    }
    fn broke_with(
        &mut self,
        rules: &[&'static Rule],
        errors: &'static [&'static str],
        headers: &'static [&'static str],
    ) {
        self.broken.push(Broken {
            rules: rules.to_vec(),
            errors,
            headers,
        });
    }
    fn open(&mut self, why: impl Into<String>) {
        self.open.push(why.into());
    }
    fn ok(&mut self, rule: &'static Rule) {
        if !self.harmless.contains(&rule) {
            self.harmless.push(rule);
        }
    }

    /// Only the rules of the judged revision decide: a broken rule it does not state, or a
    /// harmless change only another revision's rule makes harmless, is an open point.
    fn keep_revision(&mut self, caps: &Capabilities) {
        let rev = caps.revision;
        let in_rev = |r: &&'static Rule| r.requirement().in_revision(rev);
        let ids =
            |rules: &[&'static Rule]| rules.iter().map(|r| r.id).collect::<Vec<_>>().join(", ");
        let mut kept = Vec::new();
        for mut b in std::mem::take(&mut self.broken) {
            if b.rules.iter().any(in_rev) {
                b.rules.retain(in_rev);
                kept.push(b);
            } else {
                self.open
                    .push(format!("{} is no rule of {}", ids(&b.rules), rev.label()));
            }
        }
        self.broken = kept;
        let (harmless, other): (Vec<&'static Rule>, Vec<&'static Rule>) =
            self.harmless.iter().partition(|r| in_rev(r));
        if !other.is_empty() {
            self.open
                .push(format!("{} is no rule of {}", ids(&other), rev.label()));
        }
        self.harmless = harmless;
    }

    fn finish(mut self, req: &Request, caps: &Capabilities) -> Expected {
        self.keep_revision(caps);
        let two_sends_of_the_case =
            matches!(req.step, Some(TwoStep::Replay | TwoStep::ReplayJti(_)));
        if !self.broken.is_empty() {
            if two_sends_of_the_case {
                return skip(
                    "the first request of the replay breaks a rule, so the replay proves nothing",
                );
            }
            let mut rules: Vec<&'static Rule> = Vec::new();
            for b in &self.broken {
                for rule in &b.rules {
                    if !rules.contains(rule) {
                        rules.push(rule);
                    }
                }
            }
            // A code is mandated only when every broken rule mandates one: the server may
            // report any of the problems (draft-10 §Errors names codes for some only). An
            // open point may be a reason to refuse too (e.g. a kid naming no key), so it
            // lifts the mandate as well.
            let all_coded =
                self.open.is_empty() && self.broken.iter().all(|b| !b.errors.is_empty());
            let mut errors: Vec<&'static str> = Vec::new();
            let mut headers: Vec<&'static str> = Vec::new();
            if all_coded {
                for e in self.broken.iter().flat_map(|b| b.errors.iter()) {
                    if !errors.contains(e) {
                        errors.push(e);
                    }
                }
                // Headers are demanded only when every possible error demands the same one.
                let first = self.broken[0].headers;
                if !first.is_empty() && self.broken.iter().all(|b| b.headers == first) {
                    headers.extend_from_slice(first);
                }
            }
            // The strongest broken rule decides: a request that breaks only SHOULD rules (a
            // PoP exp, a DPoP nbf) may be accepted by a conforming server (a warning).
            let level = rules.iter().map(|r| r.level()).min().unwrap_or(Level::MUST);
            return Expected::Reject {
                rules,
                errors,
                headers,
                level,
            };
        }
        if !self.open.is_empty() {
            let mut open = self.open;
            open.dedup();
            return skip(open.join("; "));
        }
        if let Some(step) = req.step {
            return replay_expectation(step, req.mode, caps);
        }
        let rules = if self.harmless.is_empty() {
            vec![&r::AUTH_VALID_ACCEPTED]
        } else {
            self.harmless
        };
        // Declaration order MUST < SHOULD < MAY: the weakest rule is the greatest.
        let level = rules.iter().map(|r| r.level()).max().unwrap_or(Level::MUST);
        Expected::Accept { rules, level }
    }
}

/// draft-10 §Security Considerations Replay Attacks: detection SHOULD be done, so a replayed
/// valid request that is accepted is a warning, not a failure.
fn replay_expectation(step: TwoStep, mode: Mode, caps: &Capabilities) -> Expected {
    let rule = match step {
        TwoStep::Replay if mode == Mode::DpopCombined => &r::DPOP_JTI_REPLAY,
        TwoStep::Replay => &r::REPLAY_DETECT,
        TwoStep::ReplayJti(TokenKind::Dpop) if mode == Mode::DpopCombined => &r::DPOP_JTI_REPLAY,
        // RFC 9449 §11.1: a proof next to a PoP is judged by RFC 9449 alone.
        TwoStep::ReplayJti(TokenKind::Dpop) => &r::DPOP_INDEPENDENT_JTI_REPLAY,
        TwoStep::ReplayJti(TokenKind::Attestation | TokenKind::Pop) => &r::REPLAY_JTI,
        TwoStep::ChallengeFromResponse | TwoStep::ChallengeFromError => {
            return skip("challenge: from_response / from_error depend on the server's responses")
        }
        // Never drawn (the symbolic model refuses it): a wait of the challenge's lifetime.
        TwoStep::ExpiredChallenge => return skip("challenge: expired waits out a lifetime"),
        TwoStep::ReusedChallenge => {
            if !(caps.challenge_single_use && (caps.challenge_endpoint || caps.challenge_required))
            {
                return skip("the target is not declared to issue single-use challenges");
            }
            &r::REPLAY_CHALLENGE_SINGLE_USE
        }
    };
    Expected::Reject {
        rules: vec![rule],
        errors: vec![],
        headers: vec![],
        level: Level::SHOULD,
    }
}

fn judge_request(req: &Request, caps: &Capabilities, j: &mut Judge) {
    if req.method != "POST" {
        j.open("another HTTP method: the endpoint may answer 405 before any client authentication");
    }
    for (name, value) in &req.form {
        judge_form(name, value.as_deref(), req.endpoint, j);
    }
    // RFC 6749 §3.2: a repeated parameter (SHOULD be refused, suite stance in the catalog).
    if !req.repeated_form.is_empty() {
        j.broke_with(&[&r::FORM_REPEATED_PARAM], &["invalid_request"], &[]);
    }
    for f in &req.fields {
        let token_field = [s::ATTESTATION, s::POP, s::DPOP]
            .iter()
            .any(|n| n.eq_ignore_ascii_case(&f.name));
        if !token_field {
            if f.name.to_ascii_lowercase().starts_with("x-") {
                j.ok(&r::HTTP_UNKNOWN_FIELD);
            } else {
                j.open(format!("header field {} set", f.name));
            }
        }
    }

    // draft-10 §Verification Client Attestation JWT item 1: precisely one attestation.
    let atts = req.values(s::ATTESTATION);
    let cnf = match atts.as_slice() {
        [] => {
            j.broke(&[&r::AUTH_CLIENT_REQUIRED, &r::ATT_SINGLE_FIELD]);
            None
        }
        [one] => judge_attestation(one, req, caps, j),
        _ => {
            j.broke(&[&r::ATT_SINGLE_FIELD]);
            None
        }
    };

    // draft-10 §Verification and Processing: a PoP field selects normal mode, else a DPoP
    // field combined mode; neither is no proof of possession at all.
    let has_pop = req.has_field(s::POP);
    let has_dpop = req.has_field(s::DPOP);
    let effective = if has_pop {
        Mode::AttestationPopJwt
    } else if has_dpop && !caps.revision.has_combined_mode() {
        // -07 §6.2 item 2, §9 item 1: the PoP field is required; there is no combined mode.
        j.broke(&[&r::DISP_NO_COMBINED_07]);
        return;
    } else if has_dpop {
        Mode::DpopCombined
    } else {
        j.broke(&[&r::DISP_PROOF_REQUIRED]);
        return;
    };
    if !caps.advertised.contains(&effective) {
        j.broke(&[&r::DISP_METHOD_ENFORCED]);
    } else if effective != req.mode {
        j.ok(&r::DISP_POP_PRESENT);
        if !caps.same_client_both_modes {
            j.open("the request switches mode and the target uses another client_id per mode");
        }
    }
    match effective {
        Mode::AttestationPopJwt => {
            match req.values(s::POP).as_slice() {
                [one] => judge_pop(one, cnf.as_ref(), caps, j),
                _ => j.broke(&[&r::POP_SINGLE_FIELD]),
            }
            if has_dpop {
                match req.values(s::DPOP).as_slice() {
                    [one] => judge_dpop(one, Role::Independent, cnf.as_ref(), req, caps, j),
                    _ => j.broke(&[&r::DPOP_SINGLE_FIELD, &r::DISP_POP_PRESENT]),
                }
            }
        }
        _ => match req.values(s::DPOP).as_slice() {
            [one] => judge_dpop(one, Role::Combined, cnf.as_ref(), req, caps, j),
            _ => j.broke(&[&r::COMB_SINGLE_DPOP, &r::DPOP_SINGLE_FIELD]),
        },
    }
}

/// RFC 6749 §3.2: unknown parameters are ignored; draft-10 §Verification item 7: a client_id
/// must equal sub.
fn judge_form(name: &str, value: Option<&str>, endpoint: Endpoint, j: &mut Judge) {
    match (name, value) {
        ("client_id", Some("${client_id}")) => {}
        // RFC 6749 §3.2: a parameter without a value is as if omitted.
        ("client_id", Some("")) if endpoint == Endpoint::Token => j.ok(&r::FORM_EMPTY_PARAM),
        ("client_id", Some("")) => j.open(
            "a PAR request with an empty client_id, as if without one (RFC 6749 §4.1.1 names it REQUIRED)",
        ),
        ("client_id", None) if endpoint == Endpoint::Token => j.ok(&r::ATT_CLIENT_ID_MATCH),
        ("client_id", None) => {
            j.open("a PAR request without client_id (RFC 6749 §4.1.1 names it REQUIRED)")
        }
        ("client_id", Some(_)) => j.broke(&[&r::ATT_CLIENT_ID_MATCH]),
        (n, _) if OAUTH_PARAMS.contains(&n) => j.open(format!("form parameter {n} changed")),
        _ => j.ok(&r::FORM_UNKNOWN_PARAM),
    }
}

const OAUTH_PARAMS: &[&str] = &[
    "grant_type",
    "response_type",
    "redirect_uri",
    "scope",
    "state",
    "code",
    "code_challenge",
    "code_challenge_method",
    "code_verifier",
    "client_secret",
    "client_assertion",
    "client_assertion_type",
    "request",
    "request_uri",
    "resource",
    "authorization_details",
    "dpop_jkt",
    "nonce",
    "prompt",
    "audience",
];

#[cfg(test)]
mod tests;

/// The oracle's expectation as the scenario language says it, and its level.
impl Expected {
    pub fn expectation(&self) -> Option<(Expectation, Level)> {
        match self {
            Expected::Accept { level, .. } => {
                Some((Expectation::Accept(AcceptSpec::default()), *level))
            }
            Expected::Reject {
                errors,
                headers,
                level,
                ..
            } => Some((
                Expectation::Reject(RejectSpec {
                    status: vec![],
                    error: errors.iter().map(|s| s.to_string()).collect(),
                    headers: headers.iter().map(|s| s.to_string()).collect(),
                    any_of: vec![],
                }),
                *level,
            )),
            Expected::Skip { .. } => None,
        }
    }
}
