//! The spec oracle: a pure function from a planned case (mode, endpoint, mutations) and what
//! the target declares or advertises, to what a server conforming to draft-10 does with it.
//!
//! It applies the mutations to its own symbolic request (symbolic.rs), then reads the final
//! request against the rules (rules.rs), collecting every MUST it breaks, every point the
//! draft leaves open, and every rule that makes a change harmless. Any broken MUST makes the
//! whole request `Reject`, whatever else was changed; with nothing broken, any open point
//! makes it `Skip` (not judged); otherwise `Accept`. It never calls plan/ or client/.
use super::rules::{self as r, Rule};
use super::symbolic::{self as s, CnfKey, FieldVal, Jwt, Request, Sv};
use crate::scenario::{Endpoint, KeyRef, Level, Mode, Mutation, TokenKind};
use serde_json::Value;
use std::collections::BTreeSet;

/// What the oracle knows about the target: discovered metadata and declared policy.
#[derive(Clone, Debug, PartialEq)]
pub struct Capabilities {
    /// Modes in `token_endpoint_auth_methods_supported`.
    pub advertised: BTreeSet<Mode>,
    /// Metadata advertises `challenge_endpoint`.
    pub challenge_endpoint: bool,
    /// Declared: every PoP / combined proof must carry a challenge.
    pub challenge_required: bool,
    /// Declared: every DPoP proof must carry a server nonce.
    pub dpop_nonce_required: bool,
    /// Declared: an issued challenge is accepted once.
    pub challenge_single_use: bool,
    /// Declared maximum attestation age in seconds.
    pub attestation_max_age: Option<u64>,
    /// `alg` of the attester key.
    pub attester_alg: String,
    /// The attestation header names the attester key by `kid`.
    pub attester_kid: bool,
    /// The target has the attestation MAC key (HS256 attestations can be valid).
    pub attester_mac: bool,
    /// The same client_id serves both modes (a request that switches mode stays registered).
    pub same_client_both_modes: bool,
}

impl Default for Capabilities {
    /// The embedded reference AS with its default configuration.
    fn default() -> Self {
        Capabilities {
            advertised: [Mode::AttestationPopJwt, Mode::DpopCombined].into(),
            challenge_endpoint: true,
            challenge_required: false,
            dpop_nonce_required: false,
            challenge_single_use: true,
            attestation_max_age: Some(86_400),
            attester_alg: "ES256".into(),
            attester_kid: true,
            attester_mac: false,
            same_client_both_modes: true,
        }
    }
}

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
        /// MUST, or SHOULD for replay detection (a miss is a warning).
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

    fn finish(self, req: &Request, caps: &Capabilities) -> Expected {
        let two_sends_of_the_case = matches!(
            req.step,
            Some(Mutation::Replay) | Some(Mutation::ReplayJti { .. })
        );
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
            return Expected::Reject {
                rules,
                errors,
                headers,
                level: Level::MUST,
            };
        }
        if !self.open.is_empty() {
            let mut open = self.open;
            open.dedup();
            return skip(open.join("; "));
        }
        if let Some(step) = &req.step {
            return replay_expectation(step, req.mode, caps);
        }
        let rules = if self.harmless.is_empty() {
            vec![&r::AUTH_VALID_ACCEPTED]
        } else {
            self.harmless
        };
        // Declaration order MUST < SHOULD < MAY: the weakest rule is the greatest.
        let level = rules.iter().map(|r| r.level).max().unwrap_or(Level::MUST);
        Expected::Accept { rules, level }
    }
}

/// draft-10 §Security Considerations Replay Attacks: detection SHOULD be done, so a replayed
/// valid request that is accepted is a warning, not a failure.
fn replay_expectation(step: &Mutation, mode: Mode, caps: &Capabilities) -> Expected {
    let rule = match step {
        Mutation::Replay if mode == Mode::DpopCombined => &r::DPOP_JTI_REPLAY,
        Mutation::Replay => &r::REPLAY_DETECT,
        Mutation::ReplayJti {
            token: TokenKind::Dpop,
        } => &r::DPOP_JTI_REPLAY,
        Mutation::ReplayJti { .. } => &r::REPLAY_JTI,
        _ => {
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

/// Claims with a meaning somewhere near this protocol (IANA JWT claims a server may
/// understand); setting one is not "an unknown claim", so the oracle does not call it harmless.
const UNDERSTOOD_CLAIMS: &[&str] = &[
    "iss",
    "sub",
    "aud",
    "exp",
    "nbf",
    "iat",
    "jti",
    "cnf",
    "nonce",
    "challenge",
    "htm",
    "htu",
    "ath",
    "client_id",
    "scope",
    "act",
    "azp",
    "auth_time",
    "acr",
    "amr",
    "sid",
    "may_act",
    "status",
];

/// Registered JOSE header parameters (RFC 7515 §4.1, RFC 7516 §4.1, RFC 7797).
const JOSE_PARAMS: &[&str] = &[
    "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "cty", "b64", "zip", "enc", "epk", "apu",
    "apv", "url", "nonce", "ppt", "svt", "iss", "sub", "aud",
];

/// Is the token68 grammar met (RFC 9110 §11.2)? Written here, not shared with the server.
fn token68(v: &str) -> bool {
    let v = v.trim_matches([' ', '\t']);
    let body = v.trim_end_matches('=');
    !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b))
}

/// A field value that is not a token the harness built.
fn judge_raw(v: &str, token68_rule: &'static Rule, jwt_rule: &'static Rule, j: &mut Judge) {
    if v.contains("${") {
        j.open("a header value built from placeholders");
    } else if !token68(v) {
        j.broke(&[token68_rule]);
    } else {
        // token68 text that is not a compact JWS the harness signed (the strategy's garbage).
        j.broke(&[jwt_rule]);
    }
}

/// The `alg` name a key signs with.
fn alg_name(k: KeyRef, caps: &Capabilities) -> &str {
    match k {
        KeyRef::Attester => &caps.attester_alg,
        KeyRef::Instance | KeyRef::Other => "ES256",
        KeyRef::None => "none",
        KeyRef::HmacInstance | KeyRef::HmacAttester => "HS256",
    }
}

/// What the `alg` header names; Err when it is not a string.
fn named_alg<'a>(t: &'a Jwt, caps: &'a Capabilities) -> Option<Result<&'a str, ()>> {
    Some(match t.header("alg")? {
        Sv::Alg(k) => Ok(alg_name(*k, caps)),
        Sv::Json(Value::String(s)) => Ok(s.as_str()),
        _ => Err(()),
    })
}

/// RFC 7515 §4.1.9 / RFC 8725 §3.11: explicit typing. Only the exact value is decided; a
/// case variant or the `application/` prefix is left open (the suite records it as info).
fn judge_typ(t: &Jwt, expected: &str, rule: &'static Rule, j: &mut Judge) {
    match t.header("typ") {
        Some(Sv::Json(Value::String(v))) if v == expected => {}
        Some(Sv::Json(Value::String(v)))
            if v.eq_ignore_ascii_case(expected)
                || v.eq_ignore_ascii_case(&format!("application/{expected}")) =>
        {
            j.open("typ differs only in case or by the application/ prefix (RFC 7515 §4.1.9 vs the draft's exact value)")
        }
        _ => j.broke(&[rule]),
    }
}

/// Header parameters other than typ / alg (and the ones `skip` names): crit breaks the JWT
/// (RFC 7515 §4.1.11: nothing is understood), registered ones are open, unknown ones are
/// ignored (RFC 7515 §4).
fn judge_other_header(t: &Jwt, skip: &[&str], jwt_rule: &'static Rule, j: &mut Judge) {
    for (name, _) in &t.hsym {
        let name = name.as_str();
        if name == "typ" || name == "alg" || skip.contains(&name) {
        } else if name == "crit" {
            j.broke(&[jwt_rule]);
        } else if JOSE_PARAMS.contains(&name) {
            j.open(format!("JOSE header parameter {name} set"));
        } else {
            j.ok(&r::JOSE_UNKNOWN_HEADER);
        }
    }
}

/// When a time claim points, relative to the request.
enum When {
    Offset(i64),
    /// A number the oracle cannot place (a plausible absolute time: it depends on the clock).
    Unknown,
    NotNumber,
}

fn when(v: &Sv) -> When {
    match v {
        Sv::Now(o) => When::Offset(*o),
        Sv::Json(Value::Number(n)) => match n.as_f64() {
            // Before 2001 or after 2096: surely far from any test run.
            Some(x) if x < 1.0e9 => When::Offset(-1_000_000_000),
            Some(x) if x > 4.0e9 => When::Offset(1_000_000_000),
            _ => When::Unknown,
        },
        _ => When::NotNumber,
    }
}

/// `nbf` (RFC 7519 §4.1.5): a JWT must not be accepted before it.
fn judge_nbf(v: &Sv, rule: &'static Rule, j: &mut Judge) {
    match when(v) {
        When::NotNumber => j.broke(&[rule]),
        When::Offset(o) if o <= -60 => {}
        When::Offset(o) if o >= 3600 => j.broke(&[rule]),
        _ => j.open("nbf near now: within the clock-skew allowance"),
    }
}

/// The cnf key of a verified attestation.
struct CnfInfo {
    key: KeyRef,
    cosmetic: bool,
}

fn judge_attestation(
    v: &FieldVal,
    req: &Request,
    caps: &Capabilities,
    j: &mut Judge,
) -> Option<CnfInfo> {
    let t = match v {
        FieldVal::Token(t) => t,
        FieldVal::Raw(s) => {
            judge_raw(s, &r::ATT_TOKEN68, &r::ATT_JWT_VALID, j);
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
        Some(Ok(a)) if a != alg_name(t.signer, caps) => j.broke(&[&r::ATT_ALG_SUPPORTED]),
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
    }
    if t.damaged {
        j.broke(&[&r::ATT_SIGNATURE]);
    }
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
                (When::Offset(o), _) if o > 30 => {
                    j.open("attestation iat in the future: the draft does not say")
                }
                (When::Offset(o), Some(m)) if o < -(m as i64) - 600 => {
                    j.broke_with(&[&r::ATT_FRESHNESS, &r::ERR_USE_FRESH], &[USE_FRESH], &[])
                }
                (When::Offset(o), Some(m)) if m > 600 && o >= -(m as i64) + 600 => {}
                (When::Offset(o), None) if o >= -60 => {}
                _ => j.open("attestation age near or without a declared freshness limit"),
            },
            "nbf" => judge_nbf(v, &r::ATT_JWT_VALID, j),
            "cnf" => cnf = judge_cnf(v, j),
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
    if t.claim("iat").is_none() {
        if caps.attestation_max_age.is_some() {
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
fn judge_cnf(v: &Sv, j: &mut Judge) -> Option<CnfInfo> {
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

/// PoP / combined-proof `iat` (draft-10 §Verification PoP item 6, RFC 9449 §4.3 item 11): a
/// day old or an hour ahead is outside any window (DESIGN.md); when the server may judge
/// freshness by its own challenge / nonce instead, iat is not decided.
fn judge_proof_iat(
    v: &Sv,
    server_time: bool,
    window: &'static Rule,
    wf: &'static Rule,
    j: &mut Judge,
) {
    match when(v) {
        When::NotNumber => j.broke(&[wf]),
        When::Offset(o) if (-60..=30).contains(&o) => {}
        When::Offset(_) if server_time => {
            j.open("the server may judge freshness by its challenge / nonce instead of iat")
        }
        When::Offset(o) if o <= -86_400 || o >= 3_600 => j.broke(&[window]),
        _ => j.open("iat inside the range where windows differ between servers"),
    }
}

fn judge_pop(v: &FieldVal, cnf: Option<&CnfInfo>, caps: &Capabilities, j: &mut Judge) {
    let t = match v {
        FieldVal::Token(t) => t,
        FieldVal::Raw(s) => return judge_raw(s, &r::POP_TOKEN68, &r::POP_JWT_VALID, j),
        FieldVal::Joined(_) => unreachable!("values() flattens lists"),
    };
    judge_typ(t, "oauth-client-attestation-pop+jwt", &r::POP_TYP, j);
    // §Verification PoP item 3, §Client Attestation PoP JWT rule 2 (asymmetric).
    match named_alg(t, caps) {
        None => j.broke(&[&r::POP_ALG_PRESENT]),
        Some(Err(())) => j.broke(&[&r::POP_JWT_VALID]),
        Some(Ok("none")) => j.broke(&[&r::POP_ALG_NOT_NONE]),
        Some(Ok(a)) if a.starts_with("HS") => j.broke(&[&r::POP_ASYMMETRIC]),
        Some(Ok(a)) if a != alg_name(t.signer, caps) => j.broke(&[&r::POP_SIGNATURE]),
        Some(Ok(_)) => {}
    }
    // rule 3 / item 4: the cnf key, and only it, verifies the PoP.
    match t.signer {
        KeyRef::None => j.broke(&[&r::POP_ALG_NOT_NONE]),
        KeyRef::HmacInstance | KeyRef::HmacAttester => j.broke(&[&r::POP_ASYMMETRIC]),
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
            // rule 4: RFC 7519 validity of the optional registered claims.
            "exp" => match when(v) {
                When::NotNumber => j.broke(&[&r::POP_JWT_VALID]),
                When::Offset(o) if o <= -600 => j.broke(&[&r::POP_JWT_VALID]),
                When::Offset(o) if o >= 120 => {}
                _ => j.open("PoP exp near now: within the clock-skew allowance"),
            },
            "nbf" => judge_nbf(v, &r::POP_JWT_VALID, j),
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
enum Role {
    /// The combined-mode proof (draft-10 §Verification DPoP Combined Mode).
    Combined,
    /// A proof next to a PoP, validated on its own per RFC 9449 (§Verification dispatch).
    Independent,
}

fn judge_dpop(
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
        Some(Ok(a)) if a != alg_name(t.signer, caps) => broke(j, &r::DPOP_SIGNATURE),
        Some(Ok(_)) => {}
    }
    if matches!(
        t.signer,
        KeyRef::None | KeyRef::HmacInstance | KeyRef::HmacAttester
    ) {
        broke(j, &r::DPOP_ALG);
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
            if *key == KeyRef::Attester && role == Role::Independent && caps.attester_alg != "ES256"
            {
                j.open("an independent proof under the attester's key: its alg may not be offered for DPoP");
            }
        }
        Some(_) => broke(j, &r::DPOP_REQUIRED_CLAIMS),
    }
    if t.damaged {
        broke(j, &r::DPOP_SIGNATURE);
    }
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
fn judge_htu(v: &Sv, endpoint: Endpoint, ctx: &'static Rule, j: &mut Judge) {
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
/// use_attestation_challenge or use_dpop_nonce (DESIGN.md). Next to a PoP it is a DPoP
/// nonce only.
fn judge_nonce(v: Option<&Sv>, role: Role, caps: &Capabilities, j: &mut Judge) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{
        ChallengeUse, CnfChange, DuplicateCopy, DuplicateStyle, FieldRef, SignatureDamage,
    };
    use proptest::prelude::*;
    use rstest::rstest;
    use serde_json::json;
    use TokenKind::{Attestation as A, Dpop as D, Pop as P};

    const N: Mode = Mode::AttestationPopJwt;
    const C: Mode = Mode::DpopCombined;

    fn claim(t: TokenKind, n: &str, v: Value) -> Mutation {
        Mutation::SetClaim {
            token: t,
            name: n.into(),
            value: v,
        }
    }
    fn rm_claim(t: TokenKind, n: &str) -> Mutation {
        Mutation::RemoveClaim {
            token: t,
            name: n.into(),
        }
    }
    fn hdr(t: TokenKind, n: &str, v: Value) -> Mutation {
        Mutation::SetJoseHeader {
            token: t,
            name: n.into(),
            value: v,
        }
    }
    fn rm_hdr(t: TokenKind, n: &str) -> Mutation {
        Mutation::RemoveJoseHeader {
            token: t,
            name: n.into(),
        }
    }
    fn time(t: TokenKind, n: &str, offset: i64) -> Mutation {
        Mutation::TimeClaim {
            token: t,
            name: n.into(),
            offset,
        }
    }
    fn sign(t: TokenKind, key: KeyRef) -> Mutation {
        Mutation::SignWith { token: t, key }
    }
    fn damage(t: TokenKind) -> Mutation {
        Mutation::DamageSignature {
            token: t,
            damage: SignatureDamage::FlipBit,
        }
    }
    fn dup(t: TokenKind) -> Mutation {
        Mutation::DuplicateHeader {
            field: t,
            style: DuplicateStyle::Comma,
            copy: DuplicateCopy::Fresh,
        }
    }
    fn raw(t: TokenKind, v: &str) -> Mutation {
        Mutation::SetHeader {
            field: FieldRef::Token(t),
            value: v.into(),
        }
    }
    fn form(n: &str, v: Option<&str>) -> Mutation {
        Mutation::Form {
            name: n.into(),
            value: v.map(String::from),
        }
    }
    fn add(t: TokenKind, inner: Vec<Mutation>) -> Mutation {
        Mutation::AddToken {
            token: t,
            mutations: inner,
        }
    }

    /// What a row expects: the outcome, and a rule id that must be cited (or a Skip).
    #[derive(Debug)]
    enum Want {
        Accept(&'static str),
        Reject(&'static str),
        RejectWith(&'static str, &'static [&'static str]),
        Warn(&'static str),
        Skip,
    }

    fn check(mode: Mode, ms: Vec<Mutation>, caps: Capabilities, want: Want) {
        let got = expect(mode, Endpoint::Token, &ms, &caps);
        let cites = |id: &str| got.rules().iter().any(|r| r.id == id);
        let ok = match (&want, &got) {
            (Want::Accept(id), Expected::Accept { .. }) => cites(id),
            (Want::Reject(id), Expected::Reject { level, .. }) => {
                *level == Level::MUST && cites(id)
            }
            (Want::RejectWith(id, errs), Expected::Reject { errors, level, .. }) => {
                let (mut a, mut b) = (errors.clone(), errs.to_vec());
                a.sort();
                b.sort();
                *level == Level::MUST && cites(id) && a == b
            }
            (Want::Warn(id), Expected::Reject { level, .. }) => {
                *level == Level::SHOULD && cites(id)
            }
            (Want::Skip, Expected::Skip { .. }) => true,
            _ => false,
        };
        assert!(ok, "{mode:?} {ms:?}: want {want:?}, got {got:?}");
    }

    fn caps() -> Capabilities {
        Capabilities::default()
    }
    fn no_challenges() -> Capabilities {
        Capabilities {
            challenge_endpoint: false,
            ..caps()
        }
    }
    fn required() -> Capabilities {
        Capabilities {
            challenge_required: true,
            ..caps()
        }
    }
    fn nonce_required() -> Capabilities {
        Capabilities {
            dpop_nonce_required: true,
            challenge_endpoint: false,
            ..caps()
        }
    }
    fn normal_only() -> Capabilities {
        Capabilities {
            advertised: [N].into(),
            ..caps()
        }
    }

    // One row per rule (draft-10 section in the rule's id), then the open points.
    #[rstest]
    // Harmless changes: accept.
    #[case::valid(N, vec![], caps(), Want::Accept("AUTH-VALID-ACCEPTED"))]
    #[case::valid_combined(C, vec![], caps(), Want::Accept("AUTH-VALID-ACCEPTED"))]
    #[case::att_unknown_claim(N, vec![claim(A, "x_a", json!({"k": [1]}))], caps(), Want::Accept("ATT-UNKNOWN-CLAIMS-IGNORED"))]
    #[case::pop_unknown_claim(N, vec![claim(P, "x_b", json!(null))], caps(), Want::Accept("POP-UNKNOWN-CLAIMS-IGNORED"))]
    #[case::pop_nonce_is_unknown(N, vec![claim(P, "nonce", json!("n"))], caps(), Want::Accept("POP-UNKNOWN-CLAIMS-IGNORED"))]
    #[case::dpop_unknown_claim(C, vec![claim(D, "x_c", json!(1.5))], caps(), Want::Accept("JWT-UNKNOWN-CLAIMS-IGNORED"))]
    #[case::unknown_jose_header(N, vec![hdr(P, "x_h", json!(true))], caps(), Want::Accept("JOSE-UNKNOWN-HEADER-IGNORED"))]
    #[case::cnf_members_combined(C, vec![Mutation::Cnf(CnfChange::AddMembers([("use".to_string(), json!("sig")), ("kid".to_string(), json!("k"))].into_iter().collect()))], caps(), Want::Accept("COMB-KEY-MATCH"))]
    #[case::cnf_order(N, vec![Mutation::Cnf(CnfChange::ReverseOrder)], caps(), Want::Accept("ATT-CNF-JWK"))]
    #[case::unknown_field(N, vec![raw_named("X-Fuzz-a", "1")], caps(), Want::Accept("HTTP-UNKNOWN-FIELD-IGNORED"))]
    #[case::unknown_param(N, vec![form("x_p", Some("1"))], caps(), Want::Accept("FORM-UNKNOWN-PARAM-IGNORED"))]
    #[case::no_client_id(N, vec![form("client_id", None)], caps(), Want::Accept("ATT-CLIENT-ID-MATCH"))]
    #[case::independent_dpop_other_key(N, vec![add(D, vec![sign(D, KeyRef::Other)])], caps(), Want::Accept("DISP-INDEPENDENT-DPOP-KEY"))]
    #[case::other_instance_key(N, vec![Mutation::Cnf(CnfChange::OtherKey), sign(P, KeyRef::Other)], caps(), Want::Accept("AUTH-VALID-ACCEPTED"))]
    #[case::pop_next_to_combined(C, vec![add(P, vec![])], caps(), Want::Accept("DISP-POP-PRESENT"))]
    #[case::no_iat_no_policy(N, vec![rm_claim(A, "iat")], Capabilities { attestation_max_age: None, ..caps() }, Want::Accept("ATT-IAT-OPTIONAL"))]
    #[case::exp_far(N, vec![claim(A, "exp", json!(5_000_000_000i64))], caps(), Want::Accept("AUTH-VALID-ACCEPTED"))]
    #[case::fixed_later(N, vec![claim(P, "aud", json!("x")), claim(P, "aud", json!("${issuer}"))], caps(), Want::Accept("AUTH-VALID-ACCEPTED"))]
    // Client Attestation JWT.
    #[case::att_missing(N, vec![Mutation::RemoveHeader(FieldRef::Token(A))], caps(), Want::Reject("AUTH-CLIENT-REQUIRED"))]
    #[case::att_twice(N, vec![dup(A)], caps(), Want::Reject("ATT-SINGLE-FIELD"))]
    #[case::att_quoted(N, vec![raw(A, "\"abc.def.ghi\"")], caps(), Want::Reject("ATT-TOKEN68"))]
    #[case::att_garbage(N, vec![raw(A, "abc.def.ghi")], caps(), Want::Reject("ATT-JWT-VALID"))]
    #[case::att_typ(N, vec![hdr(A, "typ", json!("JWT"))], caps(), Want::Reject("ATT-TYP"))]
    #[case::att_typ_missing(C, vec![rm_hdr(A, "typ")], caps(), Want::Reject("ATT-TYP"))]
    #[case::att_alg_missing(N, vec![rm_hdr(A, "alg")], caps(), Want::Reject("ATT-ALG-PRESENT"))]
    #[case::att_alg_none(N, vec![sign(A, KeyRef::None)], caps(), Want::Reject("ATT-ALG-NOT-NONE"))]
    #[case::att_alg_other(N, vec![hdr(A, "alg", json!("RS256"))], caps(), Want::Reject("ATT-ALG-SUPPORTED"))]
    #[case::att_self_signed(N, vec![sign(A, KeyRef::Instance)], caps(), Want::Reject("ATT-TRUSTED-SIGNER"))]
    #[case::att_damaged(C, vec![damage(A)], caps(), Want::Reject("ATT-SIGNATURE"))]
    #[case::att_no_sub(N, vec![rm_claim(A, "sub")], caps(), Want::Reject("ATT-SUB-REQUIRED"))]
    #[case::att_sub_number(N, vec![claim(A, "sub", json!(7))], caps(), Want::Reject("ATT-JWT-VALID"))]
    #[case::att_no_exp(N, vec![rm_claim(A, "exp")], caps(), Want::Reject("ATT-EXP-REQUIRED"))]
    #[case::att_expired(N, vec![time(A, "exp", -3600)], caps(), Want::Reject("ATT-EXP-CHECK"))]
    #[case::att_exp_string(N, vec![claim(A, "exp", json!("1"))], caps(), Want::Reject("ATT-JWT-VALID"))]
    #[case::att_nbf_future(N, vec![time(A, "nbf", 7200)], caps(), Want::Reject("ATT-JWT-VALID"))]
    #[case::att_crit(N, vec![hdr(A, "crit", json!(["x"]))], caps(), Want::Reject("ATT-JWT-VALID"))]
    #[case::att_no_cnf(N, vec![rm_claim(A, "cnf")], caps(), Want::Reject("ATT-CNF-REQUIRED"))]
    #[case::att_cnf_no_jwk(N, vec![Mutation::Cnf(CnfChange::RemoveJwk)], caps(), Want::Reject("ATT-CNF-JWK"))]
    #[case::att_cnf_private(C, vec![Mutation::Cnf(CnfChange::IncludePrivate)], caps(), Want::Reject("ATT-CNF-NOT-PRIVATE"))]
    #[case::att_cnf_symmetric(N, vec![Mutation::Cnf(CnfChange::Symmetric)], caps(), Want::Reject("ATT-CNF-NOT-PRIVATE"))]
    #[case::att_stale(N, vec![time(A, "iat", -200_000)], caps(), Want::RejectWith("ERR-USE-FRESH-ATTESTATION", &["use_fresh_attestation"]))]
    #[case::client_id_mismatch(N, vec![form("client_id", Some("other"))], caps(), Want::Reject("ATT-CLIENT-ID-MATCH"))]
    // Client Attestation PoP JWT.
    #[case::pop_twice(N, vec![dup(P)], caps(), Want::Reject("POP-SINGLE-FIELD"))]
    #[case::pop_non_ascii(N, vec![raw(P, "é€")], caps(), Want::Reject("POP-TOKEN68"))]
    #[case::pop_typ(N, vec![hdr(P, "typ", json!("dpop+jwt"))], caps(), Want::Reject("POP-TYP"))]
    #[case::pop_alg_missing(N, vec![rm_hdr(P, "alg")], caps(), Want::Reject("POP-ALG-PRESENT"))]
    #[case::pop_alg_none(N, vec![sign(P, KeyRef::None)], caps(), Want::Reject("POP-ALG-NOT-NONE"))]
    #[case::pop_hmac(N, vec![sign(P, KeyRef::HmacInstance)], caps(), Want::Reject("POP-ASYMMETRIC"))]
    #[case::pop_damaged(N, vec![damage(P)], caps(), Want::Reject("POP-SIGNATURE"))]
    #[case::pop_other_key(N, vec![sign(P, KeyRef::Other)], caps(), Want::Reject("POP-KEY-FROM-CNF"))]
    #[case::pop_own_jwk(N, vec![hdr(P, "jwk", json!("${other_jwk}")), sign(P, KeyRef::Other)], caps(), Want::Reject("POP-KEY-FROM-CNF"))]
    #[case::cnf_other_key(N, vec![Mutation::Cnf(CnfChange::OtherKey)], caps(), Want::Reject("POP-KEY-FROM-CNF"))]
    #[case::pop_no_aud(N, vec![rm_claim(P, "aud")], caps(), Want::Reject("POP-AUD-REQUIRED"))]
    #[case::pop_aud_token_endpoint(N, vec![claim(P, "aud", json!("${token_endpoint}"))], caps(), Want::Reject("POP-AUD-ISSUER"))]
    #[case::pop_aud_two(N, vec![claim(P, "aud", json!(["${issuer}", "https://x"]))], caps(), Want::Reject("POP-AUD-ISSUER"))]
    #[case::pop_no_jti(N, vec![rm_claim(P, "jti")], caps(), Want::Reject("POP-JTI-REQUIRED"))]
    #[case::pop_jti_number(N, vec![claim(P, "jti", json!(5))], caps(), Want::Reject("POP-JWT-VALID"))]
    #[case::pop_no_iat(N, vec![rm_claim(P, "iat")], caps(), Want::Reject("POP-IAT-REQUIRED"))]
    #[case::pop_iat_stale(N, vec![time(P, "iat", -86_400)], caps(), Want::Reject("POP-IAT-WINDOW"))]
    #[case::pop_iat_future(N, vec![time(P, "iat", 3_600)], caps(), Want::Reject("POP-IAT-WINDOW"))]
    #[case::pop_exp_past(N, vec![time(P, "exp", -3_600)], caps(), Want::Reject("POP-JWT-VALID"))]
    #[case::pop_challenge_wrong(N, vec![Mutation::Challenge(ChallengeUse::Wrong)], caps(), Want::RejectWith("POP-CHALLENGE-MATCH", &["use_attestation_challenge"]))]
    #[case::pop_challenge_required(N, vec![Mutation::Challenge(ChallengeUse::Missing)], required(), Want::RejectWith("ERR-USE-ATTESTATION-CHALLENGE", &["use_attestation_challenge"]))]
    #[case::pop_challenge_in_nonce(N, vec![Mutation::Challenge(ChallengeUse::WrongClaim)], required(), Want::Reject("POP-CHALLENGE-MATCH"))]
    // Dispatch.
    #[case::no_proof(N, vec![Mutation::RemoveHeader(FieldRef::Token(P))], caps(), Want::Reject("DISP-PROOF-REQUIRED"))]
    #[case::bad_pop_next_to_dpop(C, vec![add(P, vec![sign(P, KeyRef::Other)])], caps(), Want::Reject("POP-KEY-FROM-CNF"))]
    #[case::bad_independent_dpop(N, vec![add(D, vec![damage(D)])], caps(), Want::Reject("DISP-POP-PRESENT"))]
    #[case::unadvertised(C, vec![], normal_only(), Want::Reject("DISP-METHOD-ENFORCED"))]
    #[case::pop_switches_to_unadvertised(C, vec![add(P, vec![])], Capabilities { advertised: [C].into(), ..caps() }, Want::Reject("DISP-METHOD-ENFORCED"))]
    // Combined mode and RFC 9449.
    #[case::dpop_twice(C, vec![dup(D)], caps(), Want::Reject("COMB-SINGLE-DPOP"))]
    #[case::dpop_garbage(C, vec![raw(D, "a.b")], caps(), Want::Reject("DPOP-WELL-FORMED"))]
    #[case::comb_key(C, vec![Mutation::Cnf(CnfChange::OtherKey)], caps(), Want::Reject("COMB-KEY-MATCH"))]
    #[case::comb_signed_other(C, vec![sign(D, KeyRef::Other)], caps(), Want::Reject("COMB-KEY-MATCH"))]
    #[case::dpop_typ(C, vec![hdr(D, "typ", json!("JWT"))], caps(), Want::Reject("DPOP-TYP"))]
    #[case::dpop_none(C, vec![sign(D, KeyRef::None)], caps(), Want::Reject("DPOP-ALG"))]
    #[case::dpop_jwk_not_signer(C, vec![hdr(D, "jwk", json!("${other_jwk}"))], caps(), Want::Reject("DPOP-SIGNATURE"))]
    #[case::dpop_jwk_private(C, vec![hdr(D, "jwk", json!("${instance_jwk_private}"))], caps(), Want::Reject("DPOP-JWK-PUBLIC"))]
    #[case::dpop_no_jwk(C, vec![rm_hdr(D, "jwk")], caps(), Want::Reject("DPOP-REQUIRED-CLAIMS"))]
    #[case::dpop_htm(C, vec![claim(D, "htm", json!("GET"))], caps(), Want::Reject("DPOP-HTM"))]
    #[case::dpop_htu(C, vec![claim(D, "htu", json!("${issuer}"))], caps(), Want::Reject("DPOP-HTU"))]
    #[case::dpop_no_jti(C, vec![rm_claim(D, "jti")], caps(), Want::Reject("DPOP-REQUIRED-CLAIMS"))]
    #[case::dpop_iat(C, vec![time(D, "iat", 7_200)], caps(), Want::Reject("DPOP-IAT-WINDOW"))]
    #[case::comb_challenge_wrong(C, vec![Mutation::Challenge(ChallengeUse::Wrong)], caps(), Want::RejectWith("COMB-CHALLENGE-NONCE", &["use_attestation_challenge", "use_dpop_nonce"]))]
    #[case::comb_nonce_required(C, vec![Mutation::Challenge(ChallengeUse::Missing)], nonce_required(), Want::RejectWith("DPOP-NONCE", &["use_attestation_challenge", "use_dpop_nonce"]))]
    #[case::independent_nonce(N, vec![add(D, vec![rm_claim(D, "nonce")])], nonce_required(), Want::RejectWith("DPOP-NONCE", &["use_dpop_nonce"]))]
    // Several broken rules: any code.
    #[case::two_codes(N, vec![Mutation::Challenge(ChallengeUse::Wrong), time(A, "iat", -200_000)], caps(), Want::RejectWith("POP-CHALLENGE-MATCH", &["use_attestation_challenge", "use_fresh_attestation"]))]
    #[case::coded_and_not(N, vec![Mutation::Challenge(ChallengeUse::Wrong), hdr(P, "typ", json!("x"))], caps(), Want::RejectWith("POP-TYP", &[]))]
    #[case::open_lifts_the_code(N, vec![hdr(A, "kid", json!("x")), Mutation::Challenge(ChallengeUse::Wrong)], caps(), Want::RejectWith("POP-CHALLENGE-MATCH", &[]))]
    #[case::break_beats_open(N, vec![claim(P, "aud", json!(["${issuer}"])), hdr(A, "typ", json!("x"))], caps(), Want::Reject("ATT-TYP"))]
    // SHOULD: replay detection is a warning.
    #[case::replay(N, vec![Mutation::Replay], caps(), Want::Warn("REPLAY-DETECT"))]
    #[case::replay_jti_dpop(C, vec![Mutation::ReplayJti { token: D }], caps(), Want::Warn("DPOP-JTI-REPLAY"))]
    #[case::reused_challenge(N, vec![Mutation::Challenge(ChallengeUse::Reused)], caps(), Want::Warn("REPLAY-CHALLENGE-SINGLE-USE"))]
    #[case::reused_and_broken(N, vec![Mutation::Challenge(ChallengeUse::Reused), hdr(P, "typ", json!("x"))], caps(), Want::Reject("POP-TYP"))]
    #[case::replay_of_a_broken_request(N, vec![Mutation::Replay, hdr(P, "typ", json!("x"))], caps(), Want::Skip)]
    // Points the draft leaves open (or the harness cannot build): not judged.
    #[case::aud_one_element_array(N, vec![claim(P, "aud", json!(["${issuer}"]))], caps(), Want::Skip)]
    #[case::htu_query(C, vec![claim(D, "htu", json!("${endpoint_url}?x=1"))], caps(), Want::Skip)]
    #[case::typ_case(N, vec![hdr(A, "typ", json!("OAUTH-CLIENT-ATTESTATION+JWT"))], caps(), Want::Skip)]
    #[case::typ_prefix(N, vec![hdr(P, "typ", json!("application/oauth-client-attestation-pop+jwt"))], caps(), Want::Skip)]
    #[case::jti_literal(N, vec![claim(P, "jti", json!("abc"))], caps(), Want::Skip)]
    #[case::challenge_optional_missing(N, vec![Mutation::Challenge(ChallengeUse::Missing)], caps(), Want::Skip)]
    #[case::challenge_never_offered(N, vec![Mutation::Challenge(ChallengeUse::Wrong)], no_challenges(), Want::Skip)]
    #[case::exp_within_skew(N, vec![time(A, "exp", -100)], caps(), Want::Skip)]
    #[case::att_iat_future(N, vec![time(A, "iat", 600)], caps(), Want::Skip)]
    #[case::pop_iat_stale_but_challenges(N, vec![time(P, "iat", -86_400)], required(), Want::Skip)]
    #[case::att_aud(N, vec![claim(A, "aud", json!("x"))], caps(), Want::Skip)]
    #[case::att_kid(N, vec![hdr(A, "kid", json!("x"))], caps(), Want::Skip)]
    #[case::odd_cnf_member(C, vec![Mutation::Cnf(CnfChange::AddMembers([("use".to_string(), json!("enc"))].into_iter().collect()))], caps(), Want::Skip)]
    #[case::other_method(N, vec![Mutation::HttpMethod("GET".into())], caps(), Want::Skip)]
    #[case::unbuildable_wrong_claim(N, vec![Mutation::Challenge(ChallengeUse::WrongClaim)], no_challenges(), Want::Skip)]
    #[case::unbuildable_cnf(N, vec![Mutation::Cnf(CnfChange::RemoveJwk), Mutation::Cnf(CnfChange::ReverseOrder)], caps(), Want::Skip)]
    #[case::unbuildable_no_token(C, vec![claim(P, "aud", json!("x"))], caps(), Want::Skip)]
    #[case::no_iat_with_policy(N, vec![rm_claim(A, "iat")], caps(), Want::Skip)]
    fn rules(
        #[case] mode: Mode,
        #[case] ms: Vec<Mutation>,
        #[case] caps: Capabilities,
        #[case] want: Want,
    ) {
        check(mode, ms, caps, want);
    }

    fn raw_named(n: &str, v: &str) -> Mutation {
        Mutation::SetHeader {
            field: FieldRef::Name(n.into()),
            value: v.into(),
        }
    }

    #[test]
    fn par_without_client_id_is_open() {
        let got = expect(N, Endpoint::Par, &[form("client_id", None)], &caps());
        assert!(matches!(got, Expected::Skip { .. }), "{got:?}");
    }

    /// Changes that keep a normal-mode request valid, whatever else is changed.
    fn harmless() -> Vec<Mutation> {
        vec![
            claim(A, "x_a", json!(1)),
            claim(P, "x_b", json!("é")),
            raw_named("X-Fuzz-z", "1"),
            form("x_p", Some("v")),
            Mutation::Cnf(CnfChange::AddMembers(
                [("key_ops".to_string(), json!(["verify"]))]
                    .into_iter()
                    .collect(),
            )),
            Mutation::Cnf(CnfChange::ReverseOrder),
            hdr(P, "x_h", json!([])),
            add(D, vec![sign(D, KeyRef::Other)]),
        ]
    }

    /// MUST-breaking changes that no harmless change above repairs, with a rule they cite.
    fn breakers() -> Vec<(Mutation, &'static str)> {
        vec![
            (hdr(A, "typ", json!("JWT")), "ATT-TYP"),
            (claim(P, "aud", json!("https://x")), "POP-AUD-ISSUER"),
            (sign(P, KeyRef::None), "POP-ALG-NOT-NONE"),
            (damage(A), "ATT-SIGNATURE"),
            (rm_claim(P, "jti"), "POP-JTI-REQUIRED"),
            (dup(A), "ATT-SINGLE-FIELD"),
            (form("client_id", Some("x")), "ATT-CLIENT-ID-MATCH"),
            (
                Mutation::Cnf(CnfChange::IncludePrivate),
                "ATT-CNF-NOT-PRIVATE",
            ),
            (time(A, "exp", -5_000), "ATT-EXP-CHECK"),
            (
                Mutation::Challenge(ChallengeUse::Wrong),
                "POP-CHALLENGE-MATCH",
            ),
        ]
    }

    proptest! {
        /// Any single MUST-breaking mutation makes the whole request Reject, in any order
        /// with harmless ones.
        #[test]
        fn one_break_rejects_whatever_else(
            b in 0usize..10,
            picks in proptest::sample::subsequence((0..8).collect::<Vec<_>>(), 0..=4),
            at in 0usize..5,
        ) {
            let (breaker, rule) = breakers()[b].clone();
            let h = harmless();
            let mut ms: Vec<Mutation> = picks.iter().map(|&i| h[i].clone()).collect();
            ms.insert(at.min(ms.len()), breaker);
            let got = expect(N, Endpoint::Token, &ms, &caps());
            let cited = got.rules().iter().any(|r| r.id == rule);
            prop_assert!(matches!(got, Expected::Reject { level: Level::MUST, .. }) && cited, "{:?} → {:?}", ms, got);
        }

        /// Harmless mutations alone keep Accept.
        #[test]
        fn harmless_keep_accept(
            picks in proptest::sample::subsequence((0..8).collect::<Vec<_>>(), 0..=8),
        ) {
            let h = harmless();
            let ms: Vec<Mutation> = picks.iter().map(|&i| h[i].clone()).collect();
            let got = expect(N, Endpoint::Token, &ms, &caps());
            prop_assert!(matches!(got, Expected::Accept { .. }), "{:?} → {:?}", ms, got);
        }

        /// The oracle is total: any generated case gets an answer, and a generated case's
        /// answer does not depend on anything but the case (pure).
        #[test]
        fn total_and_pure(case in super::super::strategy::cases(vec![(N, Endpoint::Token), (C, Endpoint::Par)])) {
            let a = case.expected(&caps());
            let b = case.expected(&caps());
            prop_assert_eq!(a, b);
        }
    }
}
