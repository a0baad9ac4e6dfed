//! What the user tells us about the target: flags and/or a target YAML file.
use super::grant::{GrantConfig, GrantSpec, GrantType};
use crate::revision::{DraftChoice, Revision};
use crate::scenario::{Mode, TokenKind};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The target YAML file (`--target FILE`). Paths in it are relative to the file.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetFile {
    pub issuer: Option<String>,
    /// The draft revision the server implements (`07`, `10`, `11`, `12`); `--draft` wins.
    pub draft: Option<Revision>,
    /// client_id used for every mode unless `clients` names one per mode.
    pub client_id: Option<String>,
    /// A client_id per mode: real servers (e.g. oidc-provider) accept combined mode only from
    /// a client registered for `attest_jwt_client_auth_dpop`.
    #[serde(default)]
    pub clients: BTreeMap<Mode, String>,
    /// Attester private key: JWK (JSON), PKCS#8 PEM or SEC1 EC PEM.
    pub attester_key: Option<PathBuf>,
    pub attester_kid: Option<String>,
    /// Attester MAC key (JWK `kty: oct`) for HS256 attestations, when the server trusts one.
    pub attestation_mac_key: Option<PathBuf>,
    /// The attester key's certificate chain (PEM, its own certificate first, then the
    /// intermediates, no trust anchor): attestations then carry it in `x5c` (RFC 7515 §4.1.6).
    pub attester_chain: Option<PathBuf>,
    /// Private key (PKCS#8 PEM) of the CA that issued the attester certificate: lets the suite
    /// mint test certificates (expired, not yet valid, wrong key usage) under it.
    pub attester_issuer_key: Option<PathBuf>,
    /// The trust anchor registered at the server (PEM), for the included-anchor case.
    pub attester_trust_anchor: Option<PathBuf>,
    /// An ecosystem profile (suites/profiles/NAME.yaml), e.g. `haip`.
    pub profile: Option<String>,
    /// Extra claims for every Client Attestation (e.g. `iss`); the same as `claims.attestation`.
    #[serde(default)]
    pub attestation_claims: serde_json::Map<String, serde_json::Value>,
    /// Extra claims per token (`attestation`, `pop`, `dpop`) that the server's profile demands
    /// (e.g. OpenID4VCI Appendix E's `wallet_name`, a PoP `exp` an older implementation wants),
    /// carried in every valid request; scenarios may still change or remove them.
    #[serde(default)]
    pub claims: BTreeMap<TokenKind, serde_json::Map<String, serde_json::Value>>,
    /// Extra form parameters per endpoint (`token`, `par`), e.g. scope, redirect_uri.
    #[serde(default)]
    pub form: BTreeMap<String, BTreeMap<String, String>>,
    #[serde(default)]
    pub policy: Policy,
    /// How tokens are obtained: the grant of the valid token request, the user step of
    /// authorization code flows, the pre-authorized code source (target/grant.rs).
    #[serde(default)]
    pub grant: GrantConfig,
}

/// Server policies the suite cannot discover and must be told (docs/design.md): nothing is
/// assumed, so every field defaults to "not declared".
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Policy {
    /// The server demands a challenge in every PoP / combined DPoP proof.
    pub challenge_required: bool,
    /// The server demands a DPoP nonce in every DPoP proof.
    pub dpop_nonce_required: bool,
    /// The server accepts a challenge once only. Not assumed: "whether a Challenge may be
    /// used in more than one Client Attestation PoP JWT [is] determined solely by the local
    /// policy" (-11 §6), and a self-contained (e.g. time-based) challenge may be reused by
    /// design. A target that keeps a list of used challenges declares it, and chal-reused runs.
    pub challenge_single_use: bool,
    /// The server rejects attestations older than this many seconds (`use_fresh_attestation`).
    pub attestation_max_age: Option<u64>,
    /// Seconds after which the server refuses a challenge it issued (-11 §6: local policy).
    /// The `challenge: expired` cases wait this long plus a second.
    pub challenge_lifetime: Option<u64>,
}

/// Flags of `run` / `fuzz` that describe the target (they override the file).
#[derive(Clone, Debug, Default)]
pub struct TargetFlags {
    pub issuer: Option<String>,
    pub client_id: Option<String>,
    pub dpop_client_id: Option<String>,
    pub attester_key: Option<PathBuf>,
    pub attester_kid: Option<String>,
    pub challenge_required: bool,
    /// `--dpop-nonce-required`: the server demands a DPoP nonce (RFC 9449 §8).
    pub dpop_nonce_required: bool,
    pub target_file: Option<PathBuf>,
    /// `--draft`: a revision, or `auto` (resolved by probing before the run).
    pub draft: Option<DraftChoice>,
    /// `--grant`: overrides the file's `grant.type`.
    pub grant: Option<GrantType>,
    /// `--max-flows`: overrides the file's `grant.max_flows`.
    pub max_flows: Option<usize>,
    pub profile: Option<String>,
}

/// The revision judged when neither `--draft` nor the target file names one: the newest
/// published revision, draft-11 (3 September 2026).
pub const DEFAULT_REVISION: Revision = Revision::D11;

/// Flags and file merged, before discovery.
#[derive(Clone, Debug)]
pub struct TargetSpec {
    pub issuer: String,
    pub client_ids: BTreeMap<Mode, String>,
    pub attester_key: PathBuf,
    pub attester_kid: Option<String>,
    pub attestation_mac_key: Option<PathBuf>,
    /// Extra claims per token (the file's `attestation_claims` merged into `attestation`).
    pub claims: BTreeMap<TokenKind, serde_json::Map<String, serde_json::Value>>,
    pub attester_chain: Option<PathBuf>,
    pub attester_issuer_key: Option<PathBuf>,
    pub attester_trust_anchor: Option<PathBuf>,
    pub profile: Option<String>,
    pub form: BTreeMap<String, BTreeMap<String, String>>,
    pub policy: Policy,
    pub grant: GrantSpec,
    /// The revision the server is judged by.
    pub revision: Revision,
}

impl TargetSpec {
    /// The extra claims the target file gives for `kind` (empty when none).
    pub fn extra_claims(&self, kind: TokenKind) -> &serde_json::Map<String, serde_json::Value> {
        static EMPTY: std::sync::OnceLock<serde_json::Map<String, serde_json::Value>> =
            std::sync::OnceLock::new();
        self.claims
            .get(&kind)
            .unwrap_or_else(|| EMPTY.get_or_init(Default::default))
    }
}

impl TargetFlags {
    /// The revision: `--draft N`, else the file's `draft:`, else the revision the profile
    /// names (suites/profiles/), else [`DEFAULT_REVISION`]. `--draft auto` is resolved by the
    /// caller (it needs the server); here it falls back to the file, the profile or the
    /// default, which the probe then replaces.
    pub fn revision(&self, file: Option<Revision>, profile: Option<Revision>) -> Revision {
        match self.draft {
            Some(DraftChoice::Revision(r)) => r,
            _ => file.or(profile).unwrap_or(DEFAULT_REVISION),
        }
    }

    /// True when nothing names a target: the embedded reference AS is used.
    pub fn is_empty(&self) -> bool {
        self.issuer.is_none() && self.target_file.is_none()
    }

    /// Merges the file (if any) and the flags; flags win.
    pub fn resolve(&self) -> anyhow::Result<TargetSpec> {
        use anyhow::Context;
        let (file, base) = match &self.target_file {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .with_context(|| format!("cannot read target file {}", p.display()))?;
                let f: TargetFile =
                    crate::scenario::load::parse_yaml(&p.display().to_string(), &text)?;
                let base = p.parent().map(Path::to_path_buf).unwrap_or_default();
                (f, base)
            }
            None => (TargetFile::default(), PathBuf::new()),
        };
        let rel = |p: &PathBuf| {
            if p.is_absolute() {
                p.clone()
            } else {
                base.join(p)
            }
        };
        let issuer = self
            .issuer
            .clone()
            .or(file.issuer.clone())
            .context("no issuer: give --issuer URL or `issuer:` in the target file")?;
        let client_id = self.client_id.clone().or(file.client_id.clone());
        let mut client_ids = BTreeMap::new();
        for mode in [Mode::AttestationPopJwt, Mode::DpopCombined] {
            let id = match mode {
                Mode::DpopCombined => self.dpop_client_id.clone(),
                _ => None,
            }
            .or_else(|| file.clients.get(&mode).cloned())
            .or_else(|| client_id.clone());
            if let Some(id) = id {
                client_ids.insert(mode, id);
            }
        }
        if client_ids.is_empty() {
            anyhow::bail!("no client_id: give --client-id ID or `client_id:` in the target file");
        }
        let attester_key = self
            .attester_key
            .clone()
            .or(file.attester_key.as_ref().map(rel))
            .context("no attester key: give --attester-key FILE (private JWK, PKCS#8 PEM or SEC1 EC PEM)")?;
        let mut policy = file.policy.clone();
        policy.challenge_required |= self.challenge_required;
        policy.dpop_nonce_required |= self.dpop_nonce_required;
        let mut claims = file.claims.clone();
        if !file.attestation_claims.is_empty() {
            let att = claims.entry(TokenKind::Attestation).or_default();
            for (k, v) in &file.attestation_claims {
                att.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
        let grant = self.grant_spec(file.grant.clone(), &base);
        let profile = self.profile.clone().or(file.profile.clone());
        let profile_revision = match &profile {
            Some(name) => Some(crate::profile::Profile::named(name)?.revision),
            None => None,
        };
        Ok(TargetSpec {
            revision: self.revision(file.draft, profile_revision),
            claims,
            issuer,
            client_ids,
            attester_key,
            attester_kid: self.attester_kid.clone().or(file.attester_kid.clone()),
            attestation_mac_key: file.attestation_mac_key.as_ref().map(rel),
            attester_chain: file.attester_chain.as_ref().map(rel),
            attester_issuer_key: file.attester_issuer_key.as_ref().map(rel),
            attester_trust_anchor: file.attester_trust_anchor.as_ref().map(rel),
            profile,
            form: file.form,
            policy,
            grant,
        })
    }

    /// The file's `grant:` with `--grant` / `--max-flows` applied.
    pub fn grant_spec(&self, mut config: GrantConfig, base: &Path) -> GrantSpec {
        if let Some(g) = self.grant {
            config.grant_type = Some(g);
        }
        if let Some(n) = self.max_flows {
            config.max_flows = Some(n);
        }
        GrantSpec::new(config, base)
    }
}
