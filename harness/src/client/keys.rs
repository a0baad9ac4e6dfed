//! The keys a run signs with: the user's attester key, a fresh Client Instance Key, and an
//! "other" key nobody trusts. Generated once per run (the draft lets a client reuse one
//! attestation and key across requests, §Implementation Considerations).
use crate::jose::key::SigningKey;
use std::path::Path;

pub struct KeySet {
    pub attester: SigningKey,
    pub attester_kid: Option<String>,
    /// The Client Instance Key: in `cnf.jwk`, signs PoPs and combined-mode DPoP proofs.
    pub instance: SigningKey,
    /// A key that neither the server nor the attestation knows.
    pub other: SigningKey,
    /// HS256 attester secret, when the target trusts MAC attestations.
    pub attester_mac: Option<Vec<u8>>,
}

impl KeySet {
    /// From the user's attester key file (private JWK or PKCS#8 PEM).
    pub fn load(
        attester: &Path,
        kid: Option<String>,
        mac: Option<&Path>,
    ) -> anyhow::Result<KeySet> {
        use anyhow::Context;
        let attester = SigningKey::from_file(attester)
            .with_context(|| format!("cannot load the attester key {}", attester.display()))?;
        let attester_mac = match mac {
            Some(p) => Some(load_mac(p)?),
            None => None,
        };
        Ok(KeySet::with_attester(attester, kid, attester_mac))
    }

    pub fn with_attester(
        attester: SigningKey,
        kid: Option<String>,
        attester_mac: Option<Vec<u8>>,
    ) -> KeySet {
        KeySet {
            attester,
            attester_kid: kid,
            instance: SigningKey::generate_es256(),
            other: SigningKey::generate_es256(),
            attester_mac,
        }
    }
}

/// An oct JWK file → its secret bytes.
fn load_mac(path: &Path) -> anyhow::Result<Vec<u8>> {
    use anyhow::Context;
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read MAC key {}", path.display()))?;
    let jwk: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("MAC key {} is not JSON", path.display()))?;
    if jwk.get("kty").and_then(|v| v.as_str()) != Some("oct") {
        anyhow::bail!("MAC key {} is not a JWK with kty \"oct\"", path.display());
    }
    let k = jwk
        .get("k")
        .and_then(|v| v.as_str())
        .with_context(|| format!("MAC key {} has no \"k\"", path.display()))?;
    crate::jose::b64::decode(k)
        .map_err(|_| anyhow::anyhow!("MAC key {}: \"k\" is not base64url", path.display()))
}
