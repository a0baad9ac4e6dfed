//! Applying one scenario mutation to a request draft. Each arm is the whole meaning of one
//! word of the scenario vocabulary (scenario/model.rs).
use super::error::PlanError;
use super::placeholders::Vars;
use super::request::{field_name, Field, FieldValue, RequestDraft};
use super::Fresh;
use crate::client::token::{alg_for, public_jwk_for, TokenDraft};
use crate::client::{self, fresh_id};
use crate::scenario::{
    ChallengeUse, CnfChange, DuplicateCopy, DuplicateStyle, FieldRef, JwsAlg, KeyRef, Mode,
    Mutation, TokenKind,
};
use crate::target::Target;
use serde_json::{json, Map, Value};

pub fn apply(
    draft: &mut RequestDraft,
    m: &Mutation,
    target: &Target,
    fresh: &Fresh,
) -> Result<(), PlanError> {
    let vars = vars(draft, target, fresh);
    match m {
        Mutation::RemoveHeader(f) => {
            let name = field_ref_name(f);
            draft.fields.retain(|x| !x.name.eq_ignore_ascii_case(&name));
        }
        Mutation::DuplicateHeader { field, style, copy } => {
            let name = field_name(*field);
            let pos = draft
                .fields
                .iter()
                .position(|f| f.name == name)
                .ok_or_else(|| PlanError::missing("duplicate_header", format!("{name} field")))?;
            let second = match copy {
                DuplicateCopy::Same => draft.fields[pos].value.clone(),
                DuplicateCopy::Fresh => {
                    FieldValue::Token(Box::new(fresh_token(*field, draft, target, fresh)?))
                }
            };
            match style {
                DuplicateStyle::Lines => draft.fields.insert(
                    pos + 1,
                    Field {
                        name: name.into(),
                        value: second,
                    },
                ),
                DuplicateStyle::Comma => {
                    let first = draft.fields[pos].value.clone();
                    draft.fields[pos].value = FieldValue::Joined(vec![first, second]);
                }
            }
        }
        Mutation::SetHeader { field, value } => {
            let name = field_ref_name(field);
            let value = expand_tokens(value, draft, target)?;
            let value = vars.expand_str(&value)?;
            match draft
                .fields
                .iter_mut()
                .find(|f| f.name.eq_ignore_ascii_case(&name))
            {
                Some(f) => f.value = FieldValue::Raw(value),
                None => draft.fields.push(Field {
                    name,
                    value: FieldValue::Raw(value),
                }),
            }
        }
        Mutation::AddToken { token, mutations } => {
            let mut t = fresh_token(*token, draft, target, fresh)?;
            for inner in mutations {
                apply_to_token(&mut t, inner, target, &vars).map_err(|e| {
                    PlanError::AddedToken {
                        token: *token,
                        source: Box::new(e),
                    }
                })?;
            }
            draft.fields.push(Field {
                name: field_name(*token).into(),
                value: FieldValue::Token(Box::new(t)),
            });
        }
        Mutation::Cnf(CnfChange::RsaPrivate) => rsa_private_instance(draft, target)?,
        Mutation::Cnf(change) => {
            let t = draft
                .token_mut(TokenKind::Attestation)
                .ok_or_else(|| PlanError::missing("cnf", "attestation"))?;
            change_cnf(t, change, target)?;
        }
        Mutation::Challenge(use_) => challenge(draft, *use_)?,
        Mutation::UseAlg { token, alg } => use_alg(draft, *token, *alg, target)?,
        Mutation::UseUnadvertisedAlg { token } => {
            let alg = unadvertised_alg(*token, target).ok_or(PlanError::NothingUnadvertised)?;
            use_alg(draft, *token, alg, target)?
        }
        Mutation::X5c(change) => {
            let keys = &target.keys;
            let x5c = keys
                .x5c
                .as_ref()
                .ok_or_else(|| PlanError::missing("x5c", "certificate chain in the attestation"))?;
            let value = x5c.changed(&keys.attester, *change)?;
            let t = draft
                .token_mut(TokenKind::Attestation)
                .ok_or_else(|| PlanError::missing("x5c", "attestation"))?;
            t.header.insert("x5c".into(), value);
        }
        Mutation::Form { name, value } => {
            let v = match value {
                Some(v) => Some(vars.expand_str(v)?),
                None => None,
            };
            draft.set_form(name, v);
        }
        Mutation::RepeatForm { name, value } => {
            let v = vars.expand_str(value)?;
            draft.form.push((name.clone(), v));
        }
        Mutation::HttpMethod(method) => draft.method = method.clone(),
        Mutation::FieldNameCase(case) => draft.name_case = *case,
        Mutation::OtherInstance => other_instance(draft, target)?,
        // Steps: the runner sends the request twice; nothing changes in the request itself.
        Mutation::Replay | Mutation::ReplayJti { .. } => {}
        Mutation::SetJoseHeader { token, .. }
        | Mutation::RemoveJoseHeader { token, .. }
        | Mutation::DuplicateJoseHeader { token, .. }
        | Mutation::SetClaim { token, .. }
        | Mutation::RemoveClaim { token, .. }
        | Mutation::TimeClaim { token, .. }
        | Mutation::SignWith { token, .. }
        | Mutation::DamageSignature { token, .. }
        | Mutation::MisnameAlg { token } => {
            // The PoP's verifier holds the key as the attestation's cnf.jwk states it.
            let cnf_jwk = draft
                .token(TokenKind::Attestation)
                .and_then(|a| a.claims.get("cnf"))
                .and_then(|c| c.get("jwk"))
                .cloned();
            let t = draft
                .token_mut(*token)
                .ok_or_else(|| PlanError::missing(m.name(), token.as_str()))?;
            apply_to_token(t, m, target, &vars)?;
            if let (Mutation::SignWith { key, .. }, TokenKind::Pop, Some(jwk)) = (m, token, cnf_jwk)
            {
                if key.confused_encoding().is_some() {
                    t.verifier_jwk = Some(jwk);
                }
            }
        }
    }
    Ok(())
}

/// The attester's public JWK as a server that registered it holds it: the public members,
/// then the `kid` the attestations name it by.
fn attester_public_jwk(target: &Target) -> Value {
    let keys = &target.keys;
    let mut jwk = keys.attester.public_jwk();
    if let (Some(kid), Some(obj)) = (&keys.attester_kid, jwk.as_object_mut()) {
        obj.insert("kid".into(), json!(kid));
    }
    jwk
}

/// Mutations that change one JWT.
fn apply_to_token(
    t: &mut TokenDraft,
    m: &Mutation,
    target: &Target,
    vars: &Vars,
) -> Result<(), PlanError> {
    if let Some(kind) = m.token() {
        if kind != t.kind {
            return Err(PlanError::WrongToken {
                named: kind,
                inside: t.kind,
            });
        }
    }
    let vars = vars.in_token(t.kind);
    match m {
        Mutation::SetJoseHeader { name, value, .. } => {
            t.header.insert(name.clone(), vars.expand(value)?);
        }
        Mutation::RemoveJoseHeader { name, .. } => {
            t.header.remove(name);
        }
        Mutation::DuplicateJoseHeader { name, value, .. } => {
            if !t.header.contains_key(name) {
                return Err(PlanError::missing(
                    m.name(),
                    format!("{name:?} in the {} header to duplicate", t.kind.as_str()),
                ));
            }
            t.header_duplicates
                .push((name.clone(), vars.expand(value)?));
        }
        Mutation::SetClaim { name, value, .. } => {
            t.claims.insert(name.clone(), vars.expand(value)?);
        }
        Mutation::RemoveClaim { name, .. } => {
            t.claims.remove(name);
        }
        Mutation::TimeClaim { name, offset, .. } => {
            t.claims.insert(name.clone(), json!(vars.now + offset));
        }
        Mutation::SignWith { key, .. } => {
            t.signer = *key;
            t.alg = None;
            t.header
                .insert("alg".into(), json!(alg_for(*key, None, &target.keys)));
            // A DPoP proof names its own key (RFC 9449 §4.2): the header follows the signer.
            if t.kind == TokenKind::Dpop {
                t.header
                    .insert("jwk".into(), public_jwk_for(*key, None, &target.keys));
            }
            // Algorithm confusion (RFC 8725 §2.1): the MAC is keyed with the public key the
            // verifier holds for this token: the attester's key (named by the same kid), the
            // DPoP proof's own jwk header, or the PoP's cnf.jwk (replaced by the request's
            // actual cnf.jwk in `apply`).
            t.verifier_jwk = key.confused_encoding().map(|_| match t.kind {
                TokenKind::Attestation => attester_public_jwk(target),
                TokenKind::Dpop => t.header.get("jwk").cloned().unwrap_or(Value::Null),
                TokenKind::Pop => target.keys.instance.public_jwk(),
            });
            // An attestation names its attester key by kid: a MAC-protected one names the MAC
            // key (or none), so a server that selects keys by kid finds it.
            if t.kind == TokenKind::Attestation {
                let kid = match key {
                    KeyRef::HmacAttester => Some(target.keys.attester_mac_kid.clone()),
                    KeyRef::Attester
                    | KeyRef::HmacPublicJwk
                    | KeyRef::HmacPublicPem
                    | KeyRef::HmacPublicDer => Some(target.keys.attester_kid.clone()),
                    _ => None,
                };
                match kid {
                    Some(Some(k)) => {
                        t.header.insert("kid".into(), json!(k));
                    }
                    Some(None) => {
                        t.header.remove("kid");
                    }
                    None => {}
                }
                // A MAC key has no certificate: a MAC-protected attestation carries no x5c. (Any
                // other signer keeps the chain, so that a signature by a key other than the
                // leaf's is what the server sees.)
                if *key == KeyRef::HmacAttester {
                    t.header.remove("x5c");
                }
            }
        }
        Mutation::DamageSignature { damage, .. } => t.damage.push(*damage),
        Mutation::MisnameAlg { .. } => {
            let signed = alg_for(t.signer, t.alg, &target.keys);
            t.header.insert(
                "alg".into(),
                json!(misnamed_alg(t.kind, signed, target).as_str()),
            );
        }
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
        | Mutation::UseUnadvertisedAlg { .. } => return Err(PlanError::NotTokenLevel(m.name())),
    }
    Ok(())
}

/// A valid token of `kind`, built independently of the one in the request.
fn fresh_token(
    kind: TokenKind,
    draft: &RequestDraft,
    target: &Target,
    fresh: &Fresh,
) -> Result<TokenDraft, PlanError> {
    let keys = &target.keys;
    Ok(match kind {
        TokenKind::Attestation => {
            let mut t = client::attestation::valid(
                keys,
                target.client_id(draft.mode),
                &super::attestation_claims(target),
                fresh.now,
            );
            // Independent of the reused one (client/attestation.rs): a claim of its own, which
            // a server must ignore (draft-10 §Client Attestation JWT rule 1), keeps it distinct.
            t.claims.insert("jti".into(), json!(fresh_id()));
            t
        }
        TokenKind::Pop => super::valid_pop(target, draft.mode, fresh),
        TokenKind::Dpop => {
            // An independent DPoP proof (normal mode) carries a DPoP nonce only; in combined
            // mode it is the combined proof's twin.
            let nonce = match draft.mode {
                Mode::DpopCombined => fresh.combined_nonce.as_deref(),
                _ => fresh.dpop_nonce.as_deref(),
            };
            super::valid_dpop(target, &draft.method, &draft.url, nonce, fresh.now)
        }
    })
}

fn field_ref_name(f: &FieldRef) -> String {
    match f {
        FieldRef::Token(k) => field_name(*k).to_string(),
        FieldRef::Name(n) => n.clone(),
    }
}

/// `${attestation}`, `${pop}`, `${dpop}`: the current token of that kind, signed.
fn expand_tokens(value: &str, draft: &RequestDraft, target: &Target) -> Result<String, PlanError> {
    let mut out = value.to_string();
    for (name, kind) in [
        ("${attestation}", TokenKind::Attestation),
        ("${pop}", TokenKind::Pop),
        ("${dpop}", TokenKind::Dpop),
    ] {
        if out.contains(name) {
            let t = draft
                .token(kind)
                .ok_or_else(|| PlanError::missing("set_header", format!("token for {name}")))?;
            out = out.replace(name, &t.render(&target.keys));
        }
    }
    Ok(out)
}

/// Another Client Instance of the same client (draft-10 §Refresh token binding, §Binding of
/// OAuth protocol artifacts): a valid attestation for the `other` key, proofs signed by it.
fn other_instance(draft: &mut RequestDraft, target: &Target) -> Result<(), PlanError> {
    let keys = &target.keys;
    let att = draft
        .token_mut(TokenKind::Attestation)
        .ok_or_else(|| PlanError::missing("other_instance", "attestation"))?;
    change_cnf(att, &CnfChange::OtherKey, target)?;
    // Distinct from any issued attestation, so it is signed anew (client/attestation.rs).
    att.claims.insert("jti".into(), json!(fresh_id()));
    let proof = match draft.mode {
        Mode::AttestationPopJwt => TokenKind::Pop,
        Mode::DpopCombined => TokenKind::Dpop,
        Mode::None => return Err(PlanError::missing("other_instance", "proof (mode none)")),
    };
    let t = draft
        .token_mut(proof)
        .ok_or_else(|| PlanError::missing("other_instance", proof.as_str()))?;
    t.signer = KeyRef::Other;
    t.header
        .insert("alg".into(), json!(alg_for(KeyRef::Other, None, keys)));
    if proof == TokenKind::Dpop {
        t.header
            .insert("jwk".into(), public_jwk_for(KeyRef::Other, None, keys));
    }
    Ok(())
}

/// The proof that carries the challenge, and the claim it goes in (draft-10 §Verification:
/// PoP `challenge`; combined mode: DPoP `nonce`).
fn challenge(draft: &mut RequestDraft, use_: ChallengeUse) -> Result<(), PlanError> {
    let (kind, claim, other) = match draft.mode {
        Mode::AttestationPopJwt => (TokenKind::Pop, "challenge", "nonce"),
        Mode::DpopCombined => (TokenKind::Dpop, "nonce", "challenge"),
        Mode::None => return Err(PlanError::missing("challenge", "proof (mode none)")),
    };
    let t = draft
        .token_mut(kind)
        .ok_or_else(|| PlanError::missing("challenge", kind.as_str()))?;
    match use_ {
        ChallengeUse::Missing => {
            t.claims.remove(claim);
        }
        // FromError: the first request of the two carries a foreign challenge; the runner
        // sends the retry without this mutation.
        ChallengeUse::Wrong | ChallengeUse::FromError => {
            t.claims
                .insert(claim.into(), json!(format!("not-issued-{}", fresh_id())));
        }
        ChallengeUse::WrongClaim => {
            // wrong_claim moves the server's challenge: none was issued.
            let v = t
                .claims
                .remove(claim)
                .ok_or_else(|| PlanError::missing("challenge", "server challenge to move"))?;
            t.claims.insert(other.into(), v);
        }
        // The runner supplies the already-used (or the response's) challenge as the fresh one.
        ChallengeUse::Reused | ChallengeUse::FromResponse | ChallengeUse::Expired => {}
    }
    Ok(())
}

fn change_cnf(t: &mut TokenDraft, change: &CnfChange, target: &Target) -> Result<(), PlanError> {
    let keys = &target.keys;
    let cnf = t
        .claims
        .entry("cnf")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .ok_or_else(|| PlanError::missing("cnf", "cnf object in the attestation"))?;
    let jwk = |v: Value| -> Result<Map<String, Value>, PlanError> {
        v.as_object().cloned().ok_or_else(|| {
            PlanError::Fixture("the instance key's private JWK is not an object".into())
        })
    };
    match change {
        CnfChange::AddMembers(extra) => {
            let j = cnf
                .get_mut("jwk")
                .and_then(Value::as_object_mut)
                .ok_or_else(|| PlanError::missing("cnf", "jwk to add members to"))?;
            for (k, v) in extra {
                j.insert(k.clone(), v.clone());
            }
        }
        CnfChange::ReverseOrder => {
            let j = cnf
                .get("jwk")
                .and_then(Value::as_object)
                .ok_or_else(|| PlanError::missing("cnf", "jwk"))?;
            let reversed: Map<String, Value> = j
                .iter()
                .rev()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            cnf.insert("jwk".into(), Value::Object(reversed));
        }
        CnfChange::IncludePrivate => {
            cnf.insert(
                "jwk".into(),
                Value::Object(jwk(keys.instance.private_jwk())?),
            );
        }
        CnfChange::OtherKey => {
            cnf.insert("jwk".into(), keys.other.public_jwk());
        }
        CnfChange::Symmetric => {
            let k: [u8; 32] = rand::random();
            cnf.insert(
                "jwk".into(),
                json!({"kty": "oct", "k": crate::jose::b64::encode(k)}),
            );
        }
        // Changes the proof too: applied by rsa_private_instance, never here.
        CnfChange::RsaPrivate => {
            return Err(PlanError::Fixture(
                "cnf: rsa_private is applied with the proof it signs".into(),
            ))
        }
        CnfChange::RemoveJwk => {
            cnf.remove("jwk");
        }
    }
    Ok(())
}

/// `cnf: rsa_private`: the Client Instance Key becomes an RSA key (the first RSA algorithm the
/// mode's proof list advertises, else RS256) that signs the proof, and `cnf.jwk` carries it
/// with its private members. Only the rule that cnf holds a public key is broken (issue 13
/// §4): a server that does not look at private members finds the proof signed by the cnf key.
fn rsa_private_instance(draft: &mut RequestDraft, target: &Target) -> Result<(), PlanError> {
    let proof = match draft.mode {
        Mode::DpopCombined => TokenKind::Dpop,
        _ => TokenKind::Pop,
    };
    let named: Vec<JwsAlg> = target
        .metadata
        .get(list_of(proof).member())
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().and_then(JwsAlg::parse))
                .collect()
        })
        .unwrap_or_default();
    let alg = [
        JwsAlg::RS256,
        JwsAlg::PS256,
        JwsAlg::RS384,
        JwsAlg::PS384,
        JwsAlg::RS512,
        JwsAlg::PS512,
    ]
    .into_iter()
    .find(|a| named.contains(a))
    .unwrap_or(JwsAlg::RS256);
    use_alg(draft, proof, alg, target)?;
    let key = target.keys.instance_for(alg)?;
    let att = draft
        .token_mut(TokenKind::Attestation)
        .ok_or_else(|| PlanError::missing("cnf", "attestation"))?;
    att.claims
        .insert("cnf".into(), json!({ "jwk": key.private_jwk() }));
    Ok(())
}

/// Placeholder values for this request.
fn vars(draft: &RequestDraft, target: &Target, fresh: &Fresh) -> Vars {
    let mut strings = std::collections::BTreeMap::new();
    strings.insert("issuer", target.issuer().to_string());
    strings.insert("endpoint_url", draft.url.clone());
    strings.insert("token_endpoint", target.token_endpoint.clone());
    if let Some(p) = &target.par_endpoint {
        strings.insert("par_endpoint", p.clone());
    }
    strings.insert("client_id", target.client_id(draft.mode).to_string());
    let pop_challenge = fresh.challenge.clone().or(fresh.combined_nonce.clone());
    let dpop_nonce = fresh.combined_nonce.clone().or(fresh.challenge.clone());
    let mode_value = match draft.mode {
        Mode::DpopCombined => &dpop_nonce,
        _ => &pop_challenge,
    };
    if let Some(c) = mode_value {
        strings.insert("challenge", c.clone());
    }
    let keys = &target.keys;
    let mut jwks = std::collections::BTreeMap::new();
    jwks.insert("instance_jwk", keys.instance.public_jwk());
    jwks.insert("instance_jwk_private", keys.instance.private_jwk());
    jwks.insert("other_jwk", keys.other.public_jwk());
    jwks.insert("attester_jwk", keys.attester.public_jwk());
    // RFC 7638 thumbprints, for `dpop_jkt` (RFC 9449 §10).
    for (name, key) in [("instance_jkt", &keys.instance), ("other_jkt", &keys.other)] {
        if let Ok(t) = crate::jose::thumbprint::thumbprint(&key.public_jwk()) {
            strings.insert(name, t);
        }
    }
    Vars {
        strings,
        now: fresh.now,
        jwks,
        pop_challenge,
        dpop_nonce,
    }
}

/// The metadata list that governs `token`'s algorithm.
fn list_of(token: TokenKind) -> crate::scenario::AlgList {
    use crate::scenario::AlgList;
    match token {
        TokenKind::Attestation => AlgList::Attestation,
        TokenKind::Pop => AlgList::Pop,
        TokenKind::Dpop => AlgList::Dpop,
    }
}

/// The first algorithm the suite can sign `token` with that its metadata list does not name
/// (None when the list is absent: then nothing is "not advertised").
pub fn unadvertised_alg(token: TokenKind, target: &Target) -> Option<JwsAlg> {
    let list = target.metadata.get(list_of(token).member())?.as_array()?;
    let named: Vec<JwsAlg> = list
        .iter()
        .filter_map(|v| v.as_str().and_then(JwsAlg::parse))
        .collect();
    JwsAlg::ALL.into_iter().find(|a| {
        !named.contains(a)
            && (token != TokenKind::Attestation || target.keys.attester_for(*a).is_ok())
    })
}

/// An algorithm other than `signed` for `token`'s `alg` header: the first other one the
/// token's metadata list names, else the first other one the suite knows.
fn misnamed_alg(token: TokenKind, signed: &str, target: &Target) -> JwsAlg {
    let signed = JwsAlg::parse(signed);
    let named: Vec<JwsAlg> = target
        .metadata
        .get(list_of(token).member())
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().and_then(JwsAlg::parse))
                .collect()
        })
        .unwrap_or_default();
    named
        .into_iter()
        .chain(JwsAlg::ALL)
        .find(|a| Some(*a) != signed)
        .unwrap_or(JwsAlg::ES256)
}

/// Signs `token` validly with `alg`: a proof by an instance key of that type (named in the
/// attestation's cnf), an attestation by an attester key of that type.
fn use_alg(
    draft: &mut RequestDraft,
    token: TokenKind,
    alg: JwsAlg,
    target: &Target,
) -> Result<(), PlanError> {
    let keys = &target.keys;
    match token {
        TokenKind::Attestation => {
            let (_, kid) = keys.attester_for(alg)?;
            let t = draft
                .token_mut(TokenKind::Attestation)
                .ok_or_else(|| PlanError::missing("use_alg", "attestation"))?;
            t.signer = KeyRef::Attester;
            t.alg = Some(alg);
            t.header.insert("alg".into(), json!(alg.as_str()));
            // Another attester key has no certificate in the chain; it is named by kid.
            if alg.as_str() != keys.attester.alg() || keys.x5c.is_none() {
                t.header.remove("x5c");
                match kid {
                    Some(k) => t.header.insert("kid".into(), json!(k)),
                    None => t.header.remove("kid"),
                };
            }
        }
        TokenKind::Pop | TokenKind::Dpop => {
            let key = keys.instance_for(alg)?;
            let proof = draft
                .token_mut(token)
                .ok_or_else(|| PlanError::missing("use_alg", token.as_str()))?;
            proof.signer = KeyRef::Instance;
            proof.alg = Some(alg);
            proof.header.insert("alg".into(), json!(alg.as_str()));
            if token == TokenKind::Dpop {
                proof.header.insert("jwk".into(), key.public_jwk());
            }
            let att = draft
                .token_mut(TokenKind::Attestation)
                .ok_or_else(|| PlanError::missing("use_alg", "attestation"))?;
            att.claims
                .insert("cnf".into(), json!({ "jwk": key.public_jwk() }));
        }
    }
    Ok(())
}
