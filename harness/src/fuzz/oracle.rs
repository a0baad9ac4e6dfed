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
                return skip("the first request of the replay breaks a rule, so the replay proves nothing");
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
            // report any of the problems (draft-10 §Errors names codes for some only).
            let all_coded = self.broken.iter().all(|b| !b.errors.is_empty());
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
    "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "cty", "b64", "zip", "enc", "epk",
    "apu", "apv", "url", "nonce", "ppt", "svt", "iss", "sub", "aud",
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
                Sv::Json(Value::String(_)) if form_client_id => {
                    j.broke(&[&r::ATT_CLIENT_ID_MATCH])
                }
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
                (When::Offset(o), Some(m)) if o < -(m as i64) - 600 => j.broke_with(
                    &[&r::ATT_FRESHNESS, &r::ERR_USE_FRESH],
                    &[USE_FRESH],
                    &[],
                ),
                (When::Offset(o), Some(m)) if m > 600 && o >= -(m as i64) + 600 => {}
                (When::Offset(o), None) if o >= -60 => {}
                _ => j.open("attestation age near or without a declared freshness limit"),
            },
            "nbf" => judge_nbf(v, &r::ATT_JWT_VALID, j),
            "cnf" => cnf = judge_cnf(v, j),
            "iss" | "aud" | "jti" => j.open(format!(
                "attestation {name} set: its processing is the application's (RFC 7519 §4.1)"
            )),
            n if UNDERSTOOD_CLAIMS.contains(&n) => {
                j.open(format!("attestation claim {n} set"))
            }
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
            j.open("no attestation iat at a server with a freshness limit (iat or exp, its policy)");
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
fn judge_proof_iat(v: &Sv, server_time: bool, window: &'static Rule, wf: &'static Rule, j: &mut Judge) {
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
                (Role::Combined, Some(c)) if c.key != *key => {
                    j.broke(&[&r::COMB_KEY_MATCH])
                }
                (Role::Combined, Some(c)) if c.cosmetic => j.ok(&r::COMB_KEY_MATCH),
                (Role::Independent, Some(c)) if c.key != *key => {
                    j.ok(&r::DISP_INDEPENDENT_KEY)
                }
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
            return j.open("htu with a query or fragment: RFC 9449 §4.3 ignores them, §4.2 forbids them");
        }
    }
    if u.contains("${") && !matches!(u.as_str(), "${issuer}" | "${token_endpoint}" | "${par_endpoint}") {
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
