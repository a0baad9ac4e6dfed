//! The embedded default target: the reference AS in this process on an ephemeral loopback
//! port, trusting a fresh attester key. `run` with no target uses it, and so do the tests.
use crate::client::keys::KeySet;
use crate::jose::key::SigningKey;
use crate::revision::Revision;
use crate::scenario::Mode;
use crate::target::grant::{CodeProvider, GrantConfig, GrantSpec, LoginConfig, LoginStep};
use crate::target::{Policy, TargetSpec};
use reference_as::{ChallengePolicy, DpopNoncePolicy, RunningServer, ServerConfig};
use std::collections::BTreeMap;

pub const CLIENT_ID: &str = "https://client.example.com";
/// kid of the embedded server's shared MAC key for HS256 attestations.
pub const MAC_KID: &str = "abca-mac-attester";
/// The embedded server's freshness limit for attestations, told to the suite as policy so
/// the `use_fresh_attestation` scenarios run (draft-10 §Errors).
pub const ATTESTATION_MAX_AGE: u64 = 86_400;
/// The embedded server's test user (reference AS default, `serve --user`).
pub const USER: (&str, &str) = ("alice", "wonderland");

/// How to start the embedded server, and what the suite is told about it.
#[derive(Clone, Debug)]
pub struct EmbeddedOptions {
    pub server: ServerConfig,
    pub policy: Policy,
    /// The revision the suite judges the embedded server by.
    pub revision: Revision,
    /// What the suite is told about grants; `login` and `pre_authorized_code` left empty are
    /// filled with the embedded server's own (see [`grant_config`]).
    /// Boxed: large, and rarely set (keeps `TargetSource` small).
    pub grant: Box<GrantConfig>,
    /// Trust the attester through a certificate chain instead of a JWKS: a fresh test PKI
    /// (root, intermediate, the attester's certificate), the server trusting the root, the
    /// attestations carrying `x5c` and no `kid` (HAIP 1.0).
    pub x5c: bool,
    /// The profile the suite is told the target follows.
    pub profile: Option<String>,
}

impl Default for EmbeddedOptions {
    fn default() -> Self {
        let mut server = ServerConfig::default();
        server.windows.attestation_max_age = Some(ATTESTATION_MAX_AGE);
        // The embedded server speaks the revision the suite judges by.
        server.draft = as_draft(crate::target::config::DEFAULT_REVISION);
        EmbeddedOptions {
            server,
            policy: Policy {
                attestation_max_age: Some(ATTESTATION_MAX_AGE),
                // The reference AS consumes a challenge when a request using it succeeds.
                challenge_single_use: true,
                ..Policy::default()
            },
            revision: crate::target::config::DEFAULT_REVISION,
            grant: Box::default(),
            x5c: false,
            profile: None,
        }
    }
}

impl EmbeddedOptions {
    /// Keeps the suite's policy in step with the server's configuration.
    pub fn with_challenge(mut self, c: ChallengePolicy) -> Self {
        self.server.challenge = c;
        self.policy.challenge_required = c == ChallengePolicy::Required;
        self
    }
    /// Judge (and, once the reference AS speaks it, run) the embedded server as `r`.
    pub fn with_revision(mut self, r: Revision) -> Self {
        self.revision = r;
        self.server.draft = as_draft(r);
        self
    }
    pub fn with_dpop_nonce(mut self, n: DpopNoncePolicy) -> Self {
        self.server.dpop_nonce = n;
        self.policy.dpop_nonce_required = n == DpopNoncePolicy::Required;
        self
    }
}

/// The reference AS's name for a revision.
pub fn as_draft(r: Revision) -> reference_as::Draft {
    match r {
        Revision::D07 => reference_as::Draft::D07,
        Revision::D10 => reference_as::Draft::D10,
        Revision::D11 => reference_as::Draft::D11,
        Revision::D12 => reference_as::Draft::D12,
    }
}

pub struct Embedded {
    pub server: RunningServer,
    pub spec: TargetSpec,
    pub keys: KeySet,
}

/// Starts the reference AS with a fresh attester key and returns the spec to discover it.
pub async fn start(opts: EmbeddedOptions) -> anyhow::Result<Embedded> {
    use crate::jose::fixtures::{self, FixedKey};
    let mut server_config = opts.server;
    // The attester signs with the first algorithm the server accepts (ES256 by default; an
    // RSA-only or ES384-only server gets an attester of that type). RSA keys are the fixed
    // test keys of vectors/keys/: generating 2048-bit keys for every run would be slow.
    let rsa = |alg: &str| -> anyhow::Result<SigningKey> {
        Ok(fixtures::key(FixedKey::AttesterRs256)?
            .without_kid()
            .with_alg(alg)?)
    };
    let first = server_config
        .algs
        .first()
        .map(|a| a.as_str())
        .unwrap_or("ES256");
    let attester = if crate::jose::key::RSA_ALGS.contains(&first) {
        rsa(first)?
    } else {
        SigningKey::generate_for(first)?
    };
    let kid = crate::jose::thumbprint::thumbprint(&attester.public_jwk())?;
    let mut jwk = attester.public_jwk();
    jwk["kid"] = kid.clone().into();
    // One more trusted attester key per other key type the server verifies, so that each
    // advertised attestation algorithm gets its case (alg-attestation-*).
    let mut extra: Vec<SigningKey> = Vec::new();
    for alg in ["EdDSA", "ES384", "ES512", "RS256"] {
        let accepted = server_config.algs.iter().any(|a| {
            let a = a.as_str();
            a == alg || (alg == "RS256" && crate::jose::key::RSA_ALGS.contains(&a))
        });
        let same_type = attester.alg() == alg || (alg == "RS256" && attester.kty() == "RSA");
        if accepted && !same_type {
            let k = if alg == "RS256" {
                rsa("RS256")?
            } else {
                SigningKey::generate_for(alg)?
            };
            let kid = crate::jose::thumbprint::thumbprint(&k.public_jwk())?;
            extra.push(k.with_kid(kid));
        }
    }
    let extra_jwks: Vec<serde_json::Value> = extra.iter().map(|k| k.public_jwk()).collect();
    // A shared MAC key too, so the MAC-attestation scenarios run (draft-10 §Client Attestation
    // JWT rule 2 allows a MAC; the reference AS then advertises HS256 for attestations).
    let mac: [u8; 32] = rand::random();
    let mac_jwk = serde_json::json!({
        "kty": "oct", "kid": MAC_KID, "alg": "HS256", "k": crate::jose::b64::encode(mac),
    });
    let x5c = if opts.x5c {
        // Only the chain makes the attester trusted: its key is not in the JWKS.
        let generated = crate::client::x5c::X5c::generate(&attester, true)?;
        server_config.attester_cas = vec![generated.root.cert.der().to_vec()];
        let mut keys = extra_jwks;
        keys.push(mac_jwk);
        server_config.attester_jwks = serde_json::json!({ "keys": keys });
        Some(generated.x5c)
    } else {
        let mut keys = vec![jwk];
        keys.extend(extra_jwks);
        keys.push(mac_jwk);
        server_config.attester_jwks = serde_json::json!({ "keys": keys });
        None
    };
    let kid = if x5c.is_some() { None } else { Some(kid) };
    let client_ids: BTreeMap<Mode, String> = server_config
        .clients
        .first()
        .map(|c| {
            [Mode::AttestationPopJwt, Mode::DpopCombined]
                .into_iter()
                .map(|m| (m, c.client_id.clone()))
                .collect()
        })
        .unwrap_or_default();
    let server = reference_as::start(server_config).await?;
    let spec = TargetSpec {
        issuer: server.issuer.clone(),
        client_ids,
        attester_key: Default::default(),
        attester_kid: kid.clone(),
        attestation_mac_key: None,
        claims: Default::default(),
        attester_chain: None,
        attester_issuer_key: None,
        attester_trust_anchor: None,
        profile: opts.profile,
        form: Default::default(),
        policy: opts.policy,
        revision: opts.revision,
        grant: GrantSpec::new(
            grant_config(*opts.grant, &server.issuer),
            std::path::Path::new(""),
        ),
    };
    Ok(Embedded {
        server,
        spec,
        keys: KeySet {
            attester_mac_kid: Some(MAC_KID.into()),
            x5c,
            alt: crate::client::keys::AltKeys {
                attesters: extra,
                rsa_seed: Some(fixtures::key(FixedKey::InstanceRs256)?.without_kid()),
                ..Default::default()
            },
            ..KeySet::with_attester(attester, kid, Some(mac.to_vec()))
        },
    })
}

/// The embedded server's grants as a user would write them in a target file: its login and
/// consent pages driven by declarative steps (so the automation is exercised for real), and its
/// test endpoint for pre-authorized codes.
pub fn grant_config(mut g: GrantConfig, issuer: &str) -> GrantConfig {
    if g.login.is_none() {
        g.login = Some(LoginConfig {
            steps: vec![
                LoginStep {
                    form: Some("/login".into()),
                    fields: [
                        ("username".to_string(), USER.0.to_string()),
                        ("password".to_string(), USER.1.to_string()),
                    ]
                    .into(),
                    submit: None,
                },
                LoginStep {
                    form: Some("/consent".into()),
                    fields: Default::default(),
                    submit: Some("approve".into()),
                },
            ],
            ..LoginConfig::default()
        });
    }
    if g.pre_authorized_code.is_none() {
        g.pre_authorized_code = Some(CodeProvider::Url(format!(
            "{}/test/pre-authorized-code",
            issuer.trim_end_matches('/')
        )));
    }
    g
}
