//! The oracle's own picture of a request: which header fields hold which tokens, and each
//! token's header and claims as *symbols* (the issuer, "now + 30 s", the server's challenge,
//! the instance key…) instead of bytes. Mutations of the scenario vocabulary are applied here
//! by reading their documented meaning (scenario/model.rs), independently of plan/ and client/,
//! so that a bug in the request builder and a bug in the oracle do not hide each other.
use super::capabilities::Capabilities;
use crate::plan::PlanError;
use crate::scenario::{
    ChallengeUse, CnfChange, DuplicateCopy, DuplicateStyle, Endpoint, FieldRef, KeyRef, Mode,
    Mutation, TokenKind, TwoStep,
};
use serde_json::Value;

/// Why the model cannot build a request: plan/ would refuse it the same way, or the oracle
/// does not model it. Either way the case is not a question to the server.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// A mutation the oracle does not model (the fuzzer never draws it).
    #[error("{0} is not modelled by the oracle")]
    NotModelled(String),
    #[error("more than one step mutation")]
    TwoSteps,
    /// `use_alg` on the attestation with an algorithm no trusted attester key signs (plan/
    /// refuses it the same way, with the key it has).
    #[error("use_alg: no attester key the target trusts signs {0}")]
    NoAttesterKey(String),
}

/// A symbolic header or claim value.
#[derive(Clone, Debug, PartialEq)]
pub enum Sv {
    /// A literal JSON value, placeholders (`${issuer}` …) kept as written.
    Json(Value),
    /// The time of the request plus an offset in seconds.
    Now(i64),
    /// A fresh unique identifier (jti).
    FreshId,
    /// The challenge / nonce the server handed out for this request.
    Challenge,
    /// A value the server never issued (`challenge: wrong`).
    NotIssued,
    /// The `alg` name of a key.
    Alg(KeyRef),
    /// A JWK of one of the harness's keys.
    Jwk { key: KeyRef, private: bool },
    /// The attestation's `cnf`.
    Cnf(Cnf),
}

/// `cnf` as the harness's `cnf:` mutations leave it.
#[derive(Clone, Debug, PartialEq)]
pub struct Cnf {
    pub key: CnfKey,
    /// Members added that do not change the key (`use`, `kid`, `alg`, `key_ops`), or the
    /// members reordered.
    pub cosmetic: bool,
    /// Members added whose effect the draft does not decide.
    pub odd_members: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum CnfKey {
    Public(KeyRef),
    PrivateInstance,
    Symmetric,
    /// An RSA instance key with its private members (the harness signs the proof with it).
    RsaPrivate,
    /// `cnf` without `jwk`.
    NoJwk,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Jwt {
    pub kind: TokenKind,
    pub hsym: Vec<(String, Sv)>,
    pub claims: Vec<(String, Sv)>,
    pub signer: KeyRef,
    pub damaged: bool,
    /// `use_alg`: the signer is a key of this algorithm (an attester key of that type, or a
    /// Client Instance Key of that type that `cnf` names) instead of the run's own.
    pub used_alg: Option<String>,
    /// A header member was written twice (RFC 7515 §4); `hsym` holds the last value, the one
    /// a conforming parser that does not reject keeps.
    pub duplicate_header: bool,
}

impl Jwt {
    fn new(kind: TokenKind, signer: KeyRef) -> Jwt {
        Jwt {
            kind,
            hsym: Vec::new(),
            claims: Vec::new(),
            signer,
            damaged: false,
            used_alg: None,
            duplicate_header: false,
        }
    }
    pub fn header(&self, name: &str) -> Option<&Sv> {
        self.hsym.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }
    pub fn claim(&self, name: &str) -> Option<&Sv> {
        self.claims.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }
    fn set(list: &mut Vec<(String, Sv)>, name: &str, v: Sv) {
        match list.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = v,
            None => list.push((name.to_string(), v)),
        }
    }
    fn remove(list: &mut Vec<(String, Sv)>, name: &str) -> Option<Sv> {
        let i = list.iter().position(|(n, _)| n == name)?;
        Some(list.remove(i).1)
    }
    fn set_header(&mut self, name: &str, v: Sv) {
        Jwt::set(&mut self.hsym, name, v);
    }
    fn set_claim(&mut self, name: &str, v: Sv) {
        Jwt::set(&mut self.claims, name, v);
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum FieldVal {
    Token(Box<Jwt>),
    Raw(String),
    Joined(Vec<FieldVal>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub name: String,
    pub value: FieldVal,
}

/// The symbolic request.
#[derive(Clone, Debug)]
pub struct Request {
    pub mode: Mode,
    pub endpoint: Endpoint,
    pub method: String,
    pub fields: Vec<Field>,
    /// Form parameters the mutations touched: name → value (None: removed).
    pub form: Vec<(String, Option<String>)>,
    /// Form parameters sent once more (`repeat_form`).
    pub repeated_form: Vec<String>,
    /// The two-step pattern (replay, replay_jti, reused challenge).
    pub step: Option<TwoStep>,
}

pub const ATTESTATION: &str = "OAuth-Client-Attestation";
pub const POP: &str = "OAuth-Client-Attestation-PoP";
pub const DPOP: &str = "DPoP";

pub fn field_name(kind: TokenKind) -> &'static str {
    match kind {
        TokenKind::Attestation => ATTESTATION,
        TokenKind::Pop => POP,
        TokenKind::Dpop => DPOP,
    }
}

/// A value the plan turns into a symbol: exact placeholders become what they name.
pub fn sym(v: &Value) -> Sv {
    let Some(s) = v.as_str() else {
        return Sv::Json(v.clone());
    };
    match s {
        "${now}" => Sv::Now(0),
        "${challenge}" => Sv::Challenge,
        "${instance_jwk}" => Sv::Jwk {
            key: KeyRef::Instance,
            private: false,
        },
        "${instance_jwk_private}" => Sv::Jwk {
            key: KeyRef::Instance,
            private: true,
        },
        "${other_jwk}" => Sv::Jwk {
            key: KeyRef::Other,
            private: false,
        },
        "${attester_jwk}" => Sv::Jwk {
            key: KeyRef::Attester,
            private: false,
        },
        _ => Sv::Json(v.clone()),
    }
}

impl Request {
    /// The valid request for (mode, endpoint), as the draft describes it.
    pub fn valid(mode: Mode, endpoint: Endpoint, caps: &Capabilities) -> Request {
        let mut fields = vec![Field {
            name: ATTESTATION.into(),
            value: FieldVal::Token(Box::new(valid_token(
                TokenKind::Attestation,
                mode,
                "POST",
                caps,
            ))),
        }];
        let proof = match mode {
            Mode::DpopCombined => TokenKind::Dpop,
            _ => TokenKind::Pop,
        };
        fields.push(Field {
            name: field_name(proof).into(),
            value: FieldVal::Token(Box::new(valid_token(proof, mode, "POST", caps))),
        });
        Request {
            mode,
            endpoint,
            method: "POST".into(),
            fields,
            form: Vec::new(),
            repeated_form: Vec::new(),
            step: None,
        }
    }

    /// The first token of `kind` (inside a comma list too): the one token mutations change.
    pub fn token_mut(&mut self, kind: TokenKind) -> Option<&mut Jwt> {
        fn find(v: &mut FieldVal, kind: TokenKind) -> Option<&mut Jwt> {
            match v {
                FieldVal::Token(t) if t.kind == kind => Some(t),
                FieldVal::Joined(vs) => vs.iter_mut().find_map(|v| find(v, kind)),
                _ => None,
            }
        }
        self.fields
            .iter_mut()
            .find_map(|f| find(&mut f.value, kind))
    }

    /// Every value of the fields named `name` (case-insensitive), comma lists flattened.
    pub fn values(&self, name: &str) -> Vec<&FieldVal> {
        fn flat<'a>(v: &'a FieldVal, out: &mut Vec<&'a FieldVal>) {
            match v {
                FieldVal::Joined(vs) => vs.iter().for_each(|v| flat(v, out)),
                other => out.push(other),
            }
        }
        let mut out = Vec::new();
        for f in self
            .fields
            .iter()
            .filter(|f| f.name.eq_ignore_ascii_case(name))
        {
            flat(&f.value, &mut out);
        }
        out
    }

    pub fn has_field(&self, name: &str) -> bool {
        self.fields
            .iter()
            .any(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// Applies one mutation. `Err` = the harness cannot build this request (the case is not
    /// a question to the server at all).
    pub fn apply(&mut self, m: &Mutation, caps: &Capabilities) -> Result<(), ModelError> {
        match m {
            Mutation::RemoveHeader(f) => {
                let name = ref_name(f);
                self.fields.retain(|x| !x.name.eq_ignore_ascii_case(&name));
            }
            Mutation::DuplicateHeader { field, style, copy } => {
                let name = field_name(*field);
                let pos = self
                    .fields
                    .iter()
                    .position(|f| f.name == name)
                    .ok_or_else(|| {
                        PlanError::missing("duplicate_header", format!("{name} field"))
                    })?;
                let second = match copy {
                    DuplicateCopy::Same => self.fields[pos].value.clone(),
                    DuplicateCopy::Fresh => FieldVal::Token(Box::new(valid_token(
                        *field,
                        self.mode,
                        &self.method,
                        caps,
                    ))),
                };
                match style {
                    DuplicateStyle::Lines => self.fields.insert(
                        pos + 1,
                        Field {
                            name: name.into(),
                            value: second,
                        },
                    ),
                    DuplicateStyle::Comma => {
                        let first = self.fields[pos].value.clone();
                        self.fields[pos].value = FieldVal::Joined(vec![first, second]);
                    }
                }
            }
            Mutation::SetHeader { field, value } => {
                let name = ref_name(field);
                let value = FieldVal::Raw(value.clone());
                match self
                    .fields
                    .iter_mut()
                    .find(|f| f.name.eq_ignore_ascii_case(&name))
                {
                    Some(f) => f.value = value,
                    None => self.fields.push(Field { name, value }),
                }
            }
            Mutation::AddToken { token, mutations } => {
                let mut t = valid_token(*token, self.mode, &self.method, caps);
                for inner in mutations {
                    apply_to_token(&mut t, inner)?;
                }
                self.fields.push(Field {
                    name: field_name(*token).into(),
                    value: FieldVal::Token(Box::new(t)),
                });
            }
            Mutation::Cnf(change) => {
                let t = self
                    .token_mut(TokenKind::Attestation)
                    .ok_or_else(|| PlanError::missing("cnf", "attestation"))?;
                change_cnf(t, change, caps)?;
            }
            Mutation::UseAlg { token, alg } => self.use_alg(*token, alg.as_str(), caps)?,
            Mutation::Challenge(u) => self.challenge(*u)?,
            // `form` replaces every occurrence (plan/request.rs `set_form`), so a repeat ends.
            Mutation::Form { name, value } => {
                self.repeated_form.retain(|n| n != name);
                match self.form.iter_mut().find(|(n, _)| n == name) {
                    Some(slot) => slot.1 = value.clone(),
                    None => self.form.push((name.clone(), value.clone())),
                }
            }
            // A parameter that was removed (or emptied: RFC 6749 §3.2, as if omitted) is sent
            // once by `repeat_form`, which then is no repetition.
            Mutation::RepeatForm { name, value } => {
                match self.form.iter_mut().find(|(n, _)| n == name) {
                    Some(slot) if slot.1.as_deref().is_none_or(str::is_empty) => {
                        slot.1 = Some(value.clone())
                    }
                    _ => {
                        if !self.repeated_form.contains(name) {
                            self.repeated_form.push(name.clone())
                        }
                    }
                }
            }
            Mutation::HttpMethod(method) => self.method = method.clone(),
            // Field names are case-insensitive (RFC 9110 §5.1): the model already compares
            // them so; the request means the same.
            Mutation::FieldNameCase(_) => {}
            Mutation::Replay | Mutation::ReplayJti { .. } => {
                if self.step.is_some() {
                    return Err(ModelError::TwoSteps);
                }
                self.step = m.two_step();
            }
            // Instance binding is about artifacts issued earlier, which the oracle does not
            // model; the fuzzer never draws it.
            Mutation::OtherInstance => return Err(ModelError::NotModelled(m.name())),
            // The oracle models neither certificate chains nor the algorithms picked from the
            // server's lists at run time: such a case is not a symbolic question (the fuzzer
            // never draws these mutations).
            Mutation::X5c(_)
            | Mutation::UseUnadvertisedAlg { .. }
            | Mutation::MisnameAlg { .. } => {
                return Err(ModelError::NotModelled(m.name()));
            }
            Mutation::SetJoseHeader { token, .. }
            | Mutation::RemoveJoseHeader { token, .. }
            | Mutation::DuplicateJoseHeader { token, .. }
            | Mutation::SetClaim { token, .. }
            | Mutation::RemoveClaim { token, .. }
            | Mutation::TimeClaim { token, .. }
            | Mutation::SignWith { token, .. }
            | Mutation::DamageSignature { token, .. } => {
                let t = self
                    .token_mut(*token)
                    .ok_or_else(|| PlanError::missing(m.name(), token.as_str()))?;
                apply_to_token(t, m)?;
            }
        }
        Ok(())
    }

    /// `use_alg` (scenario/model.rs): `token` signed validly with `alg`, as plan/mutate.rs
    /// `use_alg` builds it: an attestation by an attester key of that type (named by its kid),
    /// a proof by a Client Instance Key of that type that the attestation's `cnf` (and a DPoP
    /// proof's `jwk`) then names. That key stays [`KeyRef::Instance`] here: `expect` lets no
    /// other mutation name keys in a case that uses `use_alg`, so nothing tells the two apart.
    fn use_alg(
        &mut self,
        token: TokenKind,
        alg: &str,
        caps: &Capabilities,
    ) -> Result<(), ModelError> {
        if token == TokenKind::Attestation {
            if !caps.attester_algs.iter().any(|a| a == alg) {
                return Err(ModelError::NoAttesterKey(alg.to_string()));
            }
            // The run's attester key signs it when of that type (an RSA key every RS*/PS*);
            // otherwise one of the further trusted attester keys, each with a kid.
            let rsa = |a: &str| a.starts_with("RS") || a.starts_with("PS");
            let own_key = caps.attester_alg == alg || (rsa(&caps.attester_alg) && rsa(alg));
            let t = self
                .token_mut(token)
                .ok_or_else(|| PlanError::missing("use_alg", "attestation"))?;
            t.signer = KeyRef::Attester;
            t.used_alg = Some(alg.to_string());
            t.set_header("alg", Sv::Json(alg.into()));
            if own_key && !caps.attester_kid {
                Jwt::remove(&mut t.hsym, "kid");
            } else {
                t.set_header("kid", Sv::Json("${attester_kid}".into()));
            }
            return Ok(());
        }
        let t = self
            .token_mut(token)
            .ok_or_else(|| PlanError::missing("use_alg", token.as_str()))?;
        t.signer = KeyRef::Instance;
        t.used_alg = Some(alg.to_string());
        t.set_header("alg", Sv::Json(alg.into()));
        if token == TokenKind::Dpop {
            t.set_header(
                "jwk",
                Sv::Jwk {
                    key: KeyRef::Instance,
                    private: false,
                },
            );
        }
        let att = self
            .token_mut(TokenKind::Attestation)
            .ok_or_else(|| PlanError::missing("use_alg", "attestation"))?;
        att.set_claim(
            "cnf",
            Sv::Cnf(Cnf {
                key: CnfKey::Public(KeyRef::Instance),
                cosmetic: false,
                odd_members: false,
            }),
        );
        Ok(())
    }

    /// `challenge:` works on the proof of the *requested* mode (plan/mutate.rs does the same:
    /// the PoP's `challenge`, or the combined DPoP proof's `nonce`).
    fn challenge(&mut self, u: ChallengeUse) -> Result<(), ModelError> {
        // Whether the server sends a challenge on responses is only known while running: the
        // oracle cannot decide it beforehand, so such a case is not symbolic (Skip).
        if matches!(
            u,
            ChallengeUse::FromResponse | ChallengeUse::FromError | ChallengeUse::Expired
        ) {
            // They depend on the server's responses.
            return Err(ModelError::NotModelled(
                "challenge from a server response".into(),
            ));
        }
        let (kind, claim, other) = match self.mode {
            Mode::DpopCombined => (TokenKind::Dpop, "nonce", "challenge"),
            _ => (TokenKind::Pop, "challenge", "nonce"),
        };
        if u == ChallengeUse::Reused {
            if self.step.is_some() {
                return Err(ModelError::TwoSteps);
            }
            self.step = Some(TwoStep::ReusedChallenge);
        }
        let t = self
            .token_mut(kind)
            .ok_or_else(|| PlanError::missing("challenge", kind.as_str()))?;
        match u {
            ChallengeUse::Missing => {
                Jwt::remove(&mut t.claims, claim);
            }
            ChallengeUse::Wrong => t.set_claim(claim, Sv::NotIssued),
            ChallengeUse::WrongClaim => {
                let v = Jwt::remove(&mut t.claims, claim)
                    .ok_or_else(|| PlanError::missing("challenge", "server challenge to move"))?;
                t.set_claim(other, v);
            }
            ChallengeUse::Reused
            | ChallengeUse::FromResponse
            | ChallengeUse::FromError
            | ChallengeUse::Expired => {}
        }
        Ok(())
    }
}

fn ref_name(f: &FieldRef) -> String {
    match f {
        FieldRef::Token(k) => field_name(*k).into(),
        FieldRef::Name(n) => n.clone(),
    }
}

fn apply_to_token(t: &mut Jwt, m: &Mutation) -> Result<(), ModelError> {
    match m.token() {
        Some(k) if k == t.kind => {}
        Some(k) => {
            return Err(PlanError::WrongToken {
                named: k,
                inside: t.kind,
            }
            .into())
        }
        None => return Err(PlanError::NotTokenLevel(m.name()).into()),
    }
    match m {
        Mutation::SetJoseHeader { name, value, .. } => t.set_header(name, sym(value)),
        Mutation::DuplicateJoseHeader { name, value, .. } => {
            if t.header(name).is_none() {
                return Err(PlanError::missing(
                    m.name(),
                    format!("{name:?} in the {} header to duplicate", t.kind.as_str()),
                )
                .into());
            }
            t.set_header(name, sym(value));
            t.duplicate_header = true;
        }
        Mutation::RemoveJoseHeader { name, .. } => {
            Jwt::remove(&mut t.hsym, name);
        }
        Mutation::SetClaim { name, value, .. } => {
            let v = if name == "cnf" && t.kind == TokenKind::Attestation {
                cnf_of_json(value)
            } else {
                sym(value)
            };
            t.set_claim(name, v);
        }
        Mutation::RemoveClaim { name, .. } => {
            Jwt::remove(&mut t.claims, name);
        }
        Mutation::TimeClaim { name, offset, .. } => t.set_claim(name, Sv::Now(*offset)),
        Mutation::SignWith { key, .. } => {
            t.signer = *key;
            t.set_header("alg", Sv::Alg(*key));
            // RFC 9449 §4.2: a DPoP proof names its own key; the harness keeps the header in
            // step with the signer (the instance key for none / MAC signers).
            if t.kind == TokenKind::Dpop {
                let key = match key {
                    KeyRef::Attester | KeyRef::Other => *key,
                    _ => KeyRef::Instance,
                };
                t.set_header(
                    "jwk",
                    Sv::Jwk {
                        key,
                        private: false,
                    },
                );
            }
        }
        Mutation::DamageSignature { .. } => t.damaged = true,
        // The algorithm it names depends on the server's lists, which the oracle does not hold.
        Mutation::MisnameAlg { .. } => return Err(ModelError::NotModelled(m.name())),
        // Checked above: only token mutations get here.
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
        | Mutation::UseUnadvertisedAlg { .. } => {
            return Err(PlanError::NotTokenLevel(m.name()).into())
        }
    }
    Ok(())
}

/// A `set_claim` of the whole `cnf`: `{jwk: "${…_jwk}"}` is a key the oracle knows.
fn cnf_of_json(v: &Value) -> Sv {
    let jwk = v
        .as_object()
        .filter(|o| o.len() == 1)
        .and_then(|o| o.get("jwk"));
    match jwk.map(sym) {
        Some(Sv::Jwk { key, private }) => Sv::Cnf(Cnf {
            key: if private {
                CnfKey::PrivateInstance
            } else {
                CnfKey::Public(key)
            },
            cosmetic: false,
            odd_members: false,
        }),
        _ => Sv::Json(v.clone()),
    }
}

fn change_cnf(t: &mut Jwt, change: &CnfChange, caps: &Capabilities) -> Result<(), ModelError> {
    let cur = t.claim("cnf").cloned();
    let mut cnf = match cur {
        Some(Sv::Cnf(c)) => c,
        // The plan starts from `{}` when cnf is absent; anything else is not an object.
        None => Cnf {
            key: CnfKey::NoJwk,
            cosmetic: false,
            odd_members: false,
        },
        Some(Sv::Json(Value::Object(_))) => {
            return Err(ModelError::NotModelled(
                "cnf on a literal cnf object".into(),
            ))
        }
        Some(_) => return Err(PlanError::missing("cnf", "cnf object in the attestation").into()),
    };
    let fresh = |key| Cnf {
        key,
        cosmetic: false,
        odd_members: false,
    };
    match change {
        CnfChange::AddMembers(extra) => {
            if cnf.key == CnfKey::NoJwk {
                return Err(PlanError::missing("cnf", "jwk to add members to").into());
            }
            if extra
                .iter()
                .all(|(k, v)| harmless_jwk_member(k, v, &caps.instance_alg))
            {
                cnf.cosmetic = true;
            } else {
                cnf.odd_members = true;
            }
        }
        CnfChange::ReverseOrder => {
            if cnf.key == CnfKey::NoJwk {
                return Err(PlanError::missing("cnf", "jwk").into());
            }
            cnf.cosmetic = true;
        }
        CnfChange::IncludePrivate => cnf = fresh(CnfKey::PrivateInstance),
        CnfChange::OtherKey => cnf = fresh(CnfKey::Public(KeyRef::Other)),
        CnfChange::Symmetric => cnf = fresh(CnfKey::Symmetric),
        CnfChange::RsaPrivate => cnf = fresh(CnfKey::RsaPrivate),
        CnfChange::RemoveJwk => cnf = fresh(CnfKey::NoJwk),
    }
    t.set_claim("cnf", Sv::Cnf(cnf));
    Ok(())
}

/// JWK members that do not change the key material (RFC 7517 §4; docs/design.md stance on the
/// combined-mode key match): `use: sig`, any `kid`, `alg` of the instance key's algorithm,
/// and `key_ops: [verify]`.
pub fn harmless_jwk_member(k: &str, v: &Value, instance_alg: &str) -> bool {
    match k {
        "use" => v == "sig",
        "kid" => v.is_string(),
        "alg" => v == instance_alg,
        "key_ops" => v == &serde_json::json!(["verify"]),
        _ => false,
    }
}

/// The symbol of the attester's `iss` in a -07 attestation (what plan/ puts there).
pub const ATTESTER_ISS: &str = "${attester_iss}";

/// The valid token of `kind` the harness builds (client/*.rs, as described by the draft).
pub fn valid_token(kind: TokenKind, mode: Mode, method: &str, caps: &Capabilities) -> Jwt {
    let challenge = caps.challenge_endpoint || caps.challenge_required;
    match kind {
        // draft-10 §Client Attestation JWT: typ, alg; sub, exp, cnf (iat optional, sent).
        TokenKind::Attestation => {
            let mut t = Jwt::new(kind, KeyRef::Attester);
            t.set_header("typ", Sv::Json("oauth-client-attestation+jwt".into()));
            t.set_header("alg", Sv::Alg(KeyRef::Attester));
            if caps.attester_kid {
                t.set_header("kid", Sv::Json("${attester_kid}".into()));
            }
            t.set_claim("sub", Sv::Json("${client_id}".into()));
            // -07 §5.1: the attester's iss (plan/ adds the target's, or a default).
            if caps.revision.pop_iss_required() {
                t.set_claim("iss", Sv::Json(ATTESTER_ISS.into()));
            }
            t.set_claim("iat", Sv::Now(0));
            t.set_claim("exp", Sv::Now(3600));
            t.set_claim(
                "cnf",
                Sv::Cnf(Cnf {
                    key: CnfKey::Public(KeyRef::Instance),
                    cosmetic: false,
                    odd_members: false,
                }),
            );
            t
        }
        // draft-10 §Client Attestation PoP JWT: aud = issuer, jti, iat, challenge if given.
        TokenKind::Pop => {
            let mut t = Jwt::new(kind, KeyRef::Instance);
            t.set_header("typ", Sv::Json("oauth-client-attestation-pop+jwt".into()));
            t.set_header("alg", Sv::Alg(KeyRef::Instance));
            t.set_claim("aud", Sv::Json("${issuer}".into()));
            // -07 §5.2 rule 4: iss = the client_id (= the attestation's sub).
            if caps.revision.pop_iss_required() {
                t.set_claim("iss", Sv::Json("${client_id}".into()));
            }
            t.set_claim("jti", Sv::FreshId);
            t.set_claim("iat", Sv::Now(0));
            if challenge {
                t.set_claim("challenge", Sv::Challenge);
            }
            t
        }
        // RFC 9449 §4.2; in combined mode the server's challenge rides in nonce (draft-10
        // §Verification DPoP Combined Mode item 5); an independent proof carries a DPoP nonce
        // only when the server demands one.
        TokenKind::Dpop => {
            let mut t = Jwt::new(kind, KeyRef::Instance);
            t.set_header("typ", Sv::Json("dpop+jwt".into()));
            t.set_header("alg", Sv::Alg(KeyRef::Instance));
            t.set_header(
                "jwk",
                Sv::Jwk {
                    key: KeyRef::Instance,
                    private: false,
                },
            );
            t.set_claim("htm", Sv::Json(method.into()));
            t.set_claim("htu", Sv::Json("${endpoint_url}".into()));
            t.set_claim("iat", Sv::Now(0));
            t.set_claim("jti", Sv::FreshId);
            let nonce = match mode {
                Mode::DpopCombined => challenge || caps.dpop_nonce_required,
                _ => caps.dpop_nonce_required,
            };
            if nonce {
                t.set_claim("nonce", Sv::Challenge);
            }
            t
        }
    }
}
