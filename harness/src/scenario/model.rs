//! The scenario format: what a YAML file under `suites/` may say.
//!
//! A scenario starts from the *valid request* for a (mode, endpoint) pair, applies named
//! mutations in order, and states what a conforming server does with the result. The
//! vocabulary below is the whole language; a new rule of the draft should need a new YAML
//! file, and only a new *kind* of change to the request needs a new variant here.
//!
//! Strings inside `set:` values and header values may hold placeholders, replaced when the
//! request is planned: `${issuer}`, `${endpoint_url}` (URL of the endpoint the request goes
//! to), `${token_endpoint}`, `${par_endpoint}`, `${client_id}`, `${challenge}` (a challenge the
//! server issued for this request), `${now}` (integer seconds; a value that is exactly
//! `"${now}"` becomes a JSON number). A `set:` value that is exactly one of `"${instance_jwk}"`,
//! `"${instance_jwk_private}"`, `"${other_jwk}"`, `"${attester_jwk}"` becomes that JWK object.
//! `${instance_jkt}` and `${other_jkt}` are the RFC 7638 thumbprints of those keys (for
//! `dpop_jkt`, RFC 9449 §10).
use crate::revision::Revision;
pub use crate::types::{Endpoint, FieldNameCase, KeyRef, Level, Mode, TokenKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One file = one scenario.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Stable id, kebab-case, unique across the corpus (`cargo test -- <id>` runs it).
    pub id: String,
    pub title: String,
    /// Requirement ids of `suites/requirements.yaml` this scenario checks.
    pub requirements: Vec<String>,
    /// Proof-of-possession modes the scenario applies to.
    pub modes: Vec<Mode>,
    /// Endpoints the scenario applies to.
    pub endpoints: Vec<Endpoint>,
    /// Preconditions on the target; when one is not met the result is `not_applicable` with
    /// the precondition's reason.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<Precondition>,
    /// `control`: the valid request itself. Every (mode, endpoint) has one; negatives for that
    /// pair count as `pass` only if its control was accepted in the same run.
    #[serde(default, skip_serializing_if = "is_default")]
    pub role: Role,
    /// The profile (suites/profiles/NAME.yaml) under which alone the scenario runs; elsewhere
    /// it is `not_applicable`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// Overrides the level derived from the requirements (the strongest of them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
    /// Steps before the judged request: the grant it redeems and how that was obtained
    /// (issue 15). With a flow, the judged request is a token request with that grant, and
    /// `mutations` apply to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow: Option<Flow>,
    /// Changes applied, in order, to the valid request.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mutations: Vec<Mutation>,
    pub expect: Expectation,
    /// Why the expectation is what it is, citing the draft (shown in reports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rationale: Option<String>,
    /// The draft revisions the scenario applies to; empty: every revision in which one of its
    /// requirements exists. A run of another revision shows the case as `not_applicable`
    /// with the reason.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub revisions: Vec<Revision>,
    /// What a revision expects differently (expectation, level, rationale), e.g. combined
    /// mode without a nonce: -10 accepts either retry signal, -11 names `use_dpop_nonce`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub by_revision: BTreeMap<Revision, ScenarioDelta>,
}

/// A scenario's expectation as one revision states it.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ScenarioDelta {
    /// The modes the scenario applies to in this revision (a subset of `modes`); the other
    /// modes' cases are `not_applicable` with this revision's rationale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modes: Option<Vec<Mode>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<Expectation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rationale: Option<String>,
}

impl Scenario {
    /// The entries of `by_revision` that hold for `rev`, latest last: an entry for -11 also
    /// holds for -12 unless -12 has its own; an entry for -07 or -10 holds for that revision
    /// only (the scenario's own fields state -10).
    fn deltas(&self, rev: Revision) -> impl DoubleEndedIterator<Item = &ScenarioDelta> {
        self.by_revision
            .iter()
            .filter(move |(k, _)| **k == rev || (**k >= Revision::D11 && **k <= rev))
            .map(|(_, d)| d)
    }
    /// The expectation in `rev`.
    pub fn expect_in(&self, rev: Revision) -> &Expectation {
        self.deltas(rev)
            .rev()
            .find_map(|d| d.expect.as_ref())
            .unwrap_or(&self.expect)
    }
    /// The level override in `rev`, if any.
    pub fn level_in(&self, rev: Revision) -> Option<Level> {
        self.deltas(rev).rev().find_map(|d| d.level).or(self.level)
    }
    /// The rationale in `rev`.
    pub fn rationale_in(&self, rev: Revision) -> Option<&str> {
        self.deltas(rev)
            .rev()
            .find_map(|d| d.rationale.as_deref())
            .or(self.rationale.as_deref())
    }
    /// The modes in `rev`.
    pub fn modes_in(&self, rev: Revision) -> &[Mode] {
        self.deltas(rev)
            .rev()
            .find_map(|d| d.modes.as_deref())
            .unwrap_or(&self.modes)
    }
}

#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    #[default]
    Check,
    Control,
}

fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

/// Conditions the target must meet for a scenario to apply.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Precondition {
    /// Metadata advertises `challenge_endpoint`.
    ChallengeEndpoint,
    /// The target is declared to demand a challenge (`--challenge-required`).
    ChallengeRequired,
    /// The target is NOT declared to demand a challenge (stale-`iat` cases: a server that
    /// demands challenges may use them instead of `iat` for freshness, draft-10 §Verification
    /// PoP item 6; replay cases sent without a challenge, so that only the jti repeats).
    ChallengeNotRequired,
    /// The scenario's mode is NOT advertised by the server (and the other one is): the request
    /// is sent anyway and must be rejected (draft-10 §Metadata: the methods signal support;
    /// docs/design.md stance). The control of the other mode at the same endpoint stands in as the
    /// positive control.
    MethodNotAdvertised,
    /// The target is declared to enforce a maximum attestation age (target config
    /// `attestation_max_age`), so a stale attestation must get `use_fresh_attestation`.
    AttestationFreshness,
    /// An HS* algorithm is advertised for attestations and the target config holds the MAC key.
    MacAttestation,
    /// The target is declared to demand DPoP nonces (target config `dpop_nonce_required`).
    DpopNonceRequired,
    /// The target is NOT declared to demand DPoP nonces: a combined-mode case without a nonce
    /// would otherwise be refused for the missing nonce, for the wrong reason.
    DpopNonceNotRequired,
    /// The target is declared to treat challenges as single-use (`challenge_single_use`).
    ChallengeSingleUse,
    /// The target declares how long its challenges live (`challenge_lifetime`).
    ChallengeLifetime,
    /// The server hands out challenges: it advertises a challenge endpoint or is declared to
    /// demand challenges, or (combined mode) it is declared to demand DPoP nonces.
    ChallengesIssued,
    /// The server supports DPoP: it advertises `dpop_signing_alg_values_supported` (RFC 9449
    /// §5.1) or the combined mode. A server without DPoP support may refuse a request carrying
    /// a DPoP proof it cannot validate, so cases that need the proof accepted ask for this.
    DpopSupported,
    /// Attestations carry an `x5c` chain (target config `attester_chain`; the embedded server
    /// under `--profile haip`).
    X5c,
    /// The suite holds the private key of the attester certificate's issuer
    /// (`attester_issuer_key`), so it can mint test certificates the server would trust.
    X5cIssuerKey,
    /// The chain holds at least one intermediate certificate after the leaf.
    X5cIntermediate,
    /// The suite was given the trust anchor (`attester_trust_anchor`).
    X5cTrustAnchor,
    /// The server lists `alg` in the metadata list `list`, and the suite has a key to sign
    /// that token with it.
    AlgAdvertised { list: AlgList, alg: JwsAlg },
    /// The suite can sign the list's token with an algorithm the list does not name.
    AlgUnadvertised { list: AlgList },
}

/// JWS algorithms the suite signs with (RFC 7518 §3, RFC 8037 §3.1).
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum JwsAlg {
    ES256,
    ES384,
    ES512,
    EdDSA,
    RS256,
    RS384,
    RS512,
    PS256,
    PS384,
    PS512,
}

impl JwsAlg {
    pub const ALL: [JwsAlg; 10] = [
        JwsAlg::ES256,
        JwsAlg::ES384,
        JwsAlg::ES512,
        JwsAlg::EdDSA,
        JwsAlg::RS256,
        JwsAlg::RS384,
        JwsAlg::RS512,
        JwsAlg::PS256,
        JwsAlg::PS384,
        JwsAlg::PS512,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JwsAlg::ES256 => "ES256",
            JwsAlg::ES384 => "ES384",
            JwsAlg::ES512 => "ES512",
            JwsAlg::EdDSA => "EdDSA",
            JwsAlg::RS256 => "RS256",
            JwsAlg::RS384 => "RS384",
            JwsAlg::RS512 => "RS512",
            JwsAlg::PS256 => "PS256",
            JwsAlg::PS384 => "PS384",
            JwsAlg::PS512 => "PS512",
        }
    }

    /// The algorithm a metadata value names; `Ed25519` is RFC 9864's fully-specified name
    /// for EdDSA on Ed25519, the only EdDSA curve the suite signs with.
    pub fn parse(s: &str) -> Option<JwsAlg> {
        if s == "Ed25519" {
            return Some(JwsAlg::EdDSA);
        }
        JwsAlg::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// The three algorithm lists of draft-10 §Authorization Server Metadata.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum AlgList {
    /// `client_attestation_signing_alg_values_supported`: the Client Attestation JWT.
    Attestation,
    /// `client_attestation_pop_signing_alg_values_supported`: the Client Attestation PoP JWT.
    Pop,
    /// `dpop_signing_alg_values_supported`: the DPoP proof (combined mode).
    Dpop,
}

impl AlgList {
    pub fn member(self) -> &'static str {
        match self {
            AlgList::Attestation => "client_attestation_signing_alg_values_supported",
            AlgList::Pop => "client_attestation_pop_signing_alg_values_supported",
            AlgList::Dpop => "dpop_signing_alg_values_supported",
        }
    }

    /// The token whose `alg` the list governs.
    pub fn token(self) -> TokenKind {
        match self {
            AlgList::Attestation => TokenKind::Attestation,
            AlgList::Pop => TokenKind::Pop,
            AlgList::Dpop => TokenKind::Dpop,
        }
    }
}

/// A header field of the request: one of the three token fields, or any other name.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum FieldRef {
    Token(TokenKind),
    Name(String),
}

/// How to damage a finished signature.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum SignatureDamage {
    /// Flip one bit of the signature.
    FlipBit,
    /// Drop the signature (`header.payload.`).
    Strip,
    /// Change the payload after signing (one claim) and keep the old signature.
    TamperPayload,
    /// Use the signature of another token signed with the same key.
    FromOtherToken,
}

/// How the second value of a duplicated header field is made.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, Hash, Default)]
#[serde(rename_all = "snake_case")]
pub enum DuplicateCopy {
    /// The same value twice.
    #[default]
    Same,
    /// A second, independently built valid token of the same kind.
    Fresh,
}

/// Two field lines, or one line holding a comma-joined list (RFC 9110 §5.3 treats them alike).
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, Hash, Default)]
#[serde(rename_all = "snake_case")]
pub enum DuplicateStyle {
    #[default]
    Lines,
    Comma,
}

/// What to do with a challenge / nonce for this request.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum ChallengeUse {
    /// Do not include any challenge.
    Missing,
    /// Include a value the server never issued.
    Wrong,
    /// Include a challenge that an earlier accepted request already used.
    Reused,
    /// A first valid request is sent; the challenge the server put in its response's
    /// `OAuth-Client-Attestation-Challenge` header is used, as is, in the second request,
    /// which is judged (draft-10 §Challenges: the client uses it for the next PoP).
    FromResponse,
    /// Put the (valid) challenge in another claim: `challenge` in a DPoP proof, or `nonce`
    /// in a PoP, instead of the one the draft names.
    WrongClaim,
    /// Two-step: a first request carries a challenge the server never issued; its answer must
    /// be `use_attestation_challenge` with a challenge header (or, in combined mode,
    /// `use_dpop_nonce` with `DPoP-Nonce`); the valid request retried with that value is the
    /// judged one (draft-10 §Errors; -11 §6.1 "The Client uses the Challenge provided with
    /// the error response to retry the request"; RFC 9449 §8).
    FromError,
    /// Two-step: a challenge from the server, used only after the lifetime the target
    /// declares (`challenge_lifetime`) has passed, without retries (-11 §6: "The lifetime of a
    /// Challenge ... [is] determined solely by the local policy"; §6.1: a rejected challenge
    /// gets `use_attestation_challenge`).
    Expired,
}

/// One change to the valid request.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Mutation {
    /// Remove every line of a header field.
    RemoveHeader(FieldRef),
    /// Send a field twice: two lines, or one comma-joined line.
    DuplicateHeader {
        field: TokenKind,
        #[serde(default)]
        style: DuplicateStyle,
        #[serde(default)]
        copy: DuplicateCopy,
    },
    /// Replace the value of a field with a literal string (placeholders allowed); adds the
    /// field when absent.
    SetHeader { field: FieldRef, value: String },
    /// Add a token field the mode does not normally send, built valid and then changed by
    /// `mutations` (which must target `token`): e.g. a PoP next to a combined-mode DPoP proof,
    /// or an independent DPoP proof next to a normal-mode PoP.
    AddToken {
        token: TokenKind,
        #[serde(default)]
        mutations: Vec<Mutation>,
    },
    /// Set a JOSE header parameter to any JSON value.
    SetJoseHeader {
        token: TokenKind,
        name: String,
        value: serde_json::Value,
    },
    /// Remove a JOSE header parameter.
    RemoveJoseHeader { token: TokenKind, name: String },
    /// Write the JOSE header parameter `name` twice: the value it has, then `value` as the
    /// lexically last member (RFC 7515 §4: names MUST be unique; a parser MUST reject the
    /// JWS or take the last one). The signature covers the header as sent.
    DuplicateJoseHeader {
        token: TokenKind,
        name: String,
        value: serde_json::Value,
    },
    /// Set a claim to any JSON value.
    SetClaim {
        token: TokenKind,
        name: String,
        value: serde_json::Value,
    },
    /// Remove a claim.
    RemoveClaim { token: TokenKind, name: String },
    /// Set a time claim (`iat`, `exp`, `nbf`) to now + `offset` seconds (negative: past).
    TimeClaim {
        token: TokenKind,
        name: String,
        offset: i64,
    },
    /// Sign with another key. For `dpop` the `jwk` header follows the signing key unless a
    /// later mutation sets it.
    SignWith { token: TokenKind, key: KeyRef },
    /// Damage the signature after signing.
    DamageSignature {
        token: TokenKind,
        damage: SignatureDamage,
    },
    /// Change the Client Instance Key as it appears in the attestation's `cnf.jwk`.
    Cnf(CnfChange),
    /// Challenge handling for the proof that carries it (PoP `challenge`, DPoP `nonce`).
    Challenge(ChallengeUse),
    /// Set (or, with `value: null`, remove) a form parameter of the request body.
    Form { name: String, value: Option<String> },
    /// Send a form parameter once more, after its existing occurrence (RFC 6749 §3.2:
    /// "Request and response parameters MUST NOT be included more than once").
    RepeatForm { name: String, value: String },
    /// Change the attestation's `x5c` certificate chain (RFC 7515 §4.1.6).
    X5c(X5cChange),
    /// Sign the token with another algorithm, validly: a PoP or combined-mode DPoP proof by a
    /// Client Instance Key of that type (the attestation's `cnf` names it), an attestation by
    /// an attester key of that type.
    UseAlg { token: TokenKind, alg: JwsAlg },
    /// [`Mutation::UseAlg`] with the first algorithm the suite can sign that the token's
    /// metadata list does not name.
    UseUnadvertisedAlg { token: TokenKind },
    /// Set the token's `alg` header to an algorithm other than the one its signature was made
    /// with, the signature left as it is: another algorithm the token's metadata list names
    /// when it names one (so the signature check, not the list, has to refuse it), else the
    /// first other algorithm the suite knows. Right whatever key the token is signed with
    /// (an ES384-only server's attestation is not misnamed by a fixed `ES384`).
    MisnameAlg { token: TokenKind },
    /// Send the request with another HTTP method.
    HttpMethod(String),
    /// Send every header field name in another letter case (over HTTP/1.1; RFC 9110 §5.1:
    /// field names are case-insensitive).
    FieldNameCase(FieldNameCase),
    /// Send the exact same request again after it was accepted; the second one is judged.
    Replay,
    /// Send a second request that reuses the first one's `jti` in `token`, with a fresh
    /// challenge where the server issues them (so a single-use challenge cannot hide a missing
    /// jti check); the second one is judged.
    ReplayJti { token: TokenKind },
    /// Present another Client Instance of the same client: a valid attestation whose `cnf`
    /// holds the `other` key, with the PoP (or combined-mode DPoP proof) signed by that key.
    /// Every check of the request passes; only what was bound to the instance key differs.
    OtherInstance,
}

/// How the artifact a flow scenario redeems was obtained.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Flow {
    /// An authorization code: a pushed authorization request (RFC 9126) authenticated with
    /// the client attestation, the authorization endpoint with the target's user step, the
    /// redirect with `code` (PKCE S256 always, RFC 7636).
    AuthorizationCode(CodeFlow),
    /// A refresh token, issued by the target's code or pre-authorized code grant to the valid
    /// Client Instance.
    RefreshToken(RefreshFlow),
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CodeFlow {
    /// Mutations of the pushed authorization request (e.g. a `dpop_jkt` form parameter, or
    /// `other_instance`); it must still be accepted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub par: Vec<Mutation>,
    /// The mode of the pushed authorization request, relative to the case's.
    #[serde(default, skip_serializing_if = "is_default")]
    pub par_mode: ModeChoice,
    /// After that pushed request, the case's own instance pushes the same parameters again
    /// (same PKCE challenge and state; accepted, its request_uri never used), so the
    /// request_uri the user goes through is not the latest push of that request: a server
    /// that takes the code's binding from the latest push of the parameters rather than from
    /// the PAR that produced the request_uri is caught.
    #[serde(default, skip_serializing_if = "is_default")]
    pub later_push: bool,
    /// The code is first redeemed by the valid request (which must be accepted); the judged
    /// request redeems it again.
    #[serde(default, skip_serializing_if = "is_default")]
    pub redeem_first: bool,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RefreshFlow {
    /// The mode of the token request that issued the refresh token, relative to the case's.
    #[serde(default, skip_serializing_if = "is_default")]
    pub issued_in: ModeChoice,
}

/// A mode relative to the case's: the same, or the other PoP mode (which needs both modes
/// advertised and one client for both).
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum ModeChoice {
    #[default]
    Same,
    Other,
}

impl ModeChoice {
    pub fn of(self, mode: Mode) -> Mode {
        match (self, mode) {
            (ModeChoice::Same, m) => m,
            (ModeChoice::Other, Mode::AttestationPopJwt) => Mode::DpopCombined,
            (ModeChoice::Other, Mode::DpopCombined) => Mode::AttestationPopJwt,
            (ModeChoice::Other, Mode::None) => Mode::None,
        }
    }
}

/// The two-step cases: a first request that must be accepted, then the request that is
/// judged (docs/design.md, "Scenarios, cases and controls"). A scenario has at most one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TwoStep {
    /// `replay`: the same request again.
    Replay,
    /// `replay_jti`: a new request reusing the first one's `jti` in this token.
    ReplayJti(TokenKind),
    /// `challenge: reused`: a new request with the challenge the first one used.
    ReusedChallenge,
    /// `challenge: from_response`: a new request with the challenge the first response sent.
    ChallengeFromResponse,
    /// `challenge: from_error`: a first request without a challenge, refused with
    /// `use_attestation_challenge`, then retried with the challenge from that error's header.
    ChallengeFromError,
    /// `challenge: expired`: the case waits out the declared challenge lifetime, then sends.
    ExpiredChallenge,
}

impl Mutation {
    /// The scenario word for this mutation (`set_claim`, `replay`): its serde name, so the
    /// word in messages is the word in the YAML.
    pub fn name(&self) -> String {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::String(s)) => s,
            Ok(serde_json::Value::Object(m)) => m.keys().next().cloned().unwrap_or_default(),
            _ => String::new(),
        }
    }

    /// The JWT a token-level mutation changes; `None` for a change to the request. Every
    /// variant is named, so a new one must be placed on one side or the other.
    pub fn token(&self) -> Option<TokenKind> {
        match self {
            Mutation::SetJoseHeader { token, .. }
            | Mutation::RemoveJoseHeader { token, .. }
            | Mutation::DuplicateJoseHeader { token, .. }
            | Mutation::SetClaim { token, .. }
            | Mutation::RemoveClaim { token, .. }
            | Mutation::TimeClaim { token, .. }
            | Mutation::SignWith { token, .. }
            | Mutation::DamageSignature { token, .. }
            | Mutation::MisnameAlg { token } => Some(*token),
            Mutation::RemoveHeader(_)
            | Mutation::DuplicateHeader { .. }
            | Mutation::SetHeader { .. }
            | Mutation::AddToken { .. }
            | Mutation::Cnf(_)
            | Mutation::Challenge(_)
            | Mutation::Form { .. }
            | Mutation::RepeatForm { .. }
            | Mutation::HttpMethod(_)
            | Mutation::FieldNameCase(_)
            | Mutation::Replay
            | Mutation::ReplayJti { .. }
            | Mutation::OtherInstance
            | Mutation::X5c(_)
            | Mutation::UseAlg { .. }
            | Mutation::UseUnadvertisedAlg { .. } => None,
        }
    }

    /// The two-step pattern this mutation makes its case follow, if any.
    pub fn two_step(&self) -> Option<TwoStep> {
        match self {
            Mutation::Replay => Some(TwoStep::Replay),
            Mutation::ReplayJti { token } => Some(TwoStep::ReplayJti(*token)),
            Mutation::Challenge(u) => match u {
                ChallengeUse::Reused => Some(TwoStep::ReusedChallenge),
                ChallengeUse::FromResponse => Some(TwoStep::ChallengeFromResponse),
                ChallengeUse::Expired => Some(TwoStep::ExpiredChallenge),
                ChallengeUse::FromError => Some(TwoStep::ChallengeFromError),
                ChallengeUse::Missing | ChallengeUse::Wrong | ChallengeUse::WrongClaim => None,
            },
            Mutation::RemoveHeader(_)
            | Mutation::DuplicateHeader { .. }
            | Mutation::SetHeader { .. }
            | Mutation::AddToken { .. }
            | Mutation::SetJoseHeader { .. }
            | Mutation::RemoveJoseHeader { .. }
            | Mutation::DuplicateJoseHeader { .. }
            | Mutation::SetClaim { .. }
            | Mutation::RemoveClaim { .. }
            | Mutation::TimeClaim { .. }
            | Mutation::SignWith { .. }
            | Mutation::DamageSignature { .. }
            | Mutation::MisnameAlg { .. }
            | Mutation::Cnf(_)
            | Mutation::Form { .. }
            | Mutation::RepeatForm { .. }
            | Mutation::HttpMethod(_)
            | Mutation::FieldNameCase(_)
            | Mutation::OtherInstance
            | Mutation::X5c(_)
            | Mutation::UseAlg { .. }
            | Mutation::UseUnadvertisedAlg { .. } => None,
        }
    }
}

/// The two-step pattern of a list of mutations (the first one found; the corpus checker
/// allows one).
pub fn two_step(mutations: &[Mutation]) -> Option<TwoStep> {
    mutations.iter().find_map(Mutation::two_step)
}

/// Changes to the attestation's `x5c` chain. Every minted leaf holds the attester key, so the
/// signature still verifies with the leaf: only the certificate is wrong.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum X5cChange {
    /// A chain from a fresh CA the server has never heard of.
    UntrustedAnchor,
    /// The leaf expired an hour ago (issued by the real issuer, while it was valid).
    ExpiredLeaf,
    /// The leaf becomes valid tomorrow.
    NotYetValidLeaf,
    /// The leaf's key usage is keyEncipherment only, no digitalSignature.
    NoDigitalSignature,
    /// The chain in reverse order: the leaf is not first.
    WrongOrder,
    /// The leaf alone, its intermediates left out.
    MissingIntermediate,
    /// An element that is not base64 appended to the chain.
    AppendNotBase64,
    /// An element that is base64 but not a DER certificate appended to the chain.
    AppendNotDer,
    /// The trust anchor appended to the chain (HAIP: it should be left out).
    IncludeAnchor,
}

/// Changes to `cnf.jwk` of the attestation.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum CnfChange {
    /// Add members (e.g. `use`, `kid`, `alg`, `key_ops`) that do not change the key material.
    AddMembers(serde_json::Map<String, serde_json::Value>),
    /// Emit the members in reverse order (a JSON-order-dependent comparison breaks).
    ReverseOrder,
    /// Include the private part (`d`).
    IncludePrivate,
    /// Replace by the public key of the `other` key (the PoP / DPoP stays signed by the
    /// instance key unless changed too).
    OtherKey,
    /// Replace by a symmetric key (`kty: oct`).
    Symmetric,
    /// The Client Instance Key becomes an RSA key that signs the proof, and `cnf.jwk` carries
    /// it with its private members (so only the public-key rule of cnf is broken).
    RsaPrivate,
    /// Remove `jwk` from `cnf`.
    RemoveJwk,
}

/// What a conforming server does. In YAML `accept`, `reject` and `observe` may be written as
/// a bare word, or as a map (`reject: {status: [401], error: [invalid_client]}`).
#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum Expectation {
    /// 2xx (token: 200 with `access_token`; PAR: 201 with `request_uri`).
    Accept(AcceptSpec),
    /// An OAuth error response.
    Reject(RejectSpec),
    /// The draft does not decide: record what the server did (`info`).
    Observe,
    /// A built-in check of a non-request-driven property (metadata, challenge endpoint).
    Check(BuiltinCheck),
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AcceptSpec {
    /// Required `token_type` in a token response (case-insensitive), e.g. `DPoP`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RejectSpec {
    /// Acceptable status codes; default 400 and 401.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub status: Vec<u16>,
    /// Acceptable `error` values; default: any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub error: Vec<String>,
    /// Response header fields that must be present (e.g. `OAuth-Client-Attestation-Challenge`
    /// with `use_attestation_challenge`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<String>,
    /// Alternatives: the rejection must also match at least one of these (e.g.
    /// `use_attestation_challenge` with its header, or `use_dpop_nonce` with `DPoP-Nonce`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub any_of: Vec<RejectSpec>,
}

/// Checks that are not "send a request, expect accept/reject".
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum BuiltinCheck {
    /// `token_endpoint_auth_methods_supported` lists a draft-10 method.
    MetadataAuthMethods,
    /// Both attestation alg lists present when normal mode is advertised.
    MetadataAttestationAlgs,
    /// `dpop_signing_alg_values_supported` present when combined mode is advertised.
    MetadataDpopAlgs,
    /// `client_attestation_pop_methods_supported`, when present, is a non-empty array of
    /// strings.
    MetadataPopMethods,
    /// Its values are methods registered by this draft (the registry is open: another
    /// specification may register more).
    MetadataPopMethodsRegistered,
    /// No alg list advertises `none`; PoP/DPoP lists hold asymmetric algs only.
    MetadataAlgValues,
    /// POST to the challenge endpoint → 200 JSON with a string `attestation_challenge`.
    ChallengeEndpointResponse,
    /// The challenge response carries `Cache-Control: no-store`.
    ChallengeEndpointNoStore,
    /// Two challenges fetched in a row differ.
    ChallengeEndpointFresh,
    /// -11 §6.3: at a server that uses DPoP nonces the challenge response carries `DPoP-Nonce`.
    ChallengeEndpointDpopNonce,
    /// Each metadata algorithm list holds the algorithms the target's profile requires.
    ProfileAlgorithms,
    /// The metadata offers the features the target's profile requires (PAR, DPoP).
    ProfileFeatures,
    /// Every algorithm of the three metadata lists is one the suite can sign (else
    /// not applicable, naming the others).
    AdvertisedAlgsSignable,
}

impl<'de> Deserialize<'de> for Expectation {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        /// The map form, with serde's own error messages for unknown keys.
        #[derive(Deserialize)]
        #[serde(rename_all = "snake_case", deny_unknown_fields)]
        enum Full {
            Accept(#[serde(default)] Option<AcceptSpec>),
            Reject(#[serde(default)] Option<RejectSpec>),
            Observe(#[serde(default)] ()),
            Check(BuiltinCheck),
        }
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Expectation;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("`accept`, `reject`, `observe`, or a map with one of them or `check`")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Expectation, E> {
                match v {
                    "accept" => Ok(Expectation::Accept(AcceptSpec::default())),
                    "reject" => Ok(Expectation::Reject(RejectSpec::default())),
                    "observe" => Ok(Expectation::Observe),
                    other => Err(E::unknown_variant(other, &["accept", "reject", "observe"])),
                }
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                a: A,
            ) -> Result<Expectation, A::Error> {
                let full = Full::deserialize(serde::de::value::MapAccessDeserializer::new(a))?;
                Ok(match full {
                    Full::Accept(s) => Expectation::Accept(s.unwrap_or_default()),
                    Full::Reject(s) => Expectation::Reject(s.unwrap_or_default()),
                    Full::Observe(()) => Expectation::Observe,
                    Full::Check(c) => Expectation::Check(c),
                })
            }
        }
        d.deserialize_any(V)
    }
}
