//! What the user tells us about the target: flags and/or a target YAML file.
use crate::scenario::Mode;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The target YAML file (`--target FILE`). Paths in it are relative to the file.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetFile {
    pub issuer: Option<String>,
    /// client_id used for every mode unless `clients` names one per mode.
    pub client_id: Option<String>,
    /// A client_id per mode: real servers (e.g. oidc-provider) accept combined mode only from
    /// a client registered for `attest_jwt_client_auth_dpop`.
    #[serde(default)]
    pub clients: BTreeMap<Mode, String>,
    /// Attester private key: JWK (JSON) or PKCS#8 PEM.
    pub attester_key: Option<PathBuf>,
    pub attester_kid: Option<String>,
    /// Attester MAC key (JWK `kty: oct`) for HS256 attestations, when the server trusts one.
    pub attestation_mac_key: Option<PathBuf>,
    /// Extra claims for every Client Attestation (e.g. `iss`).
    #[serde(default)]
    pub attestation_claims: serde_json::Map<String, serde_json::Value>,
    /// Extra form parameters per endpoint (`token`, `par`), e.g. scope, redirect_uri.
    #[serde(default)]
    pub form: BTreeMap<String, BTreeMap<String, String>>,
    #[serde(default)]
    pub policy: Policy,
}

/// Server policies the suite cannot discover and must be told (DESIGN.md: conservative
/// defaults).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Policy {
    /// The server demands a challenge in every PoP / combined DPoP proof.
    pub challenge_required: bool,
    /// The server demands a DPoP nonce in every DPoP proof.
    pub dpop_nonce_required: bool,
    /// A challenge is accepted once only.
    pub challenge_single_use: bool,
    /// The server rejects attestations older than this many seconds (`use_fresh_attestation`).
    pub attestation_max_age: Option<u64>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            challenge_required: false,
            dpop_nonce_required: false,
            // Issued challenges are single-use in every implementation we know (draft-10
            // §Implementation Considerations, Replay Attack Detection); a server that says
            // otherwise sets this to false.
            challenge_single_use: true,
            attestation_max_age: None,
        }
    }
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
    pub target_file: Option<PathBuf>,
}

/// Flags and file merged, before discovery.
#[derive(Clone, Debug)]
pub struct TargetSpec {
    pub issuer: String,
    pub client_ids: BTreeMap<Mode, String>,
    pub attester_key: PathBuf,
    pub attester_kid: Option<String>,
    pub attestation_mac_key: Option<PathBuf>,
    pub attestation_claims: serde_json::Map<String, serde_json::Value>,
    pub form: BTreeMap<String, BTreeMap<String, String>>,
    pub policy: Policy,
}

impl TargetFlags {
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
            .context("no attester key: give --attester-key FILE (private JWK or PKCS#8 PEM)")?;
        let mut policy = file.policy.clone();
        policy.challenge_required |= self.challenge_required;
        Ok(TargetSpec {
            issuer,
            client_ids,
            attester_key,
            attester_kid: self.attester_kid.clone().or(file.attester_kid.clone()),
            attestation_mac_key: file.attestation_mac_key.as_ref().map(rel),
            attestation_claims: file.attestation_claims,
            form: file.form,
            policy,
        })
    }
}
