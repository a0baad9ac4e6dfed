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
    /// The MAC key's `kid`, put in the header of MAC-protected attestations.
    pub attester_mac_kid: Option<String>,
    /// The valid attestations issued in this run (signed once, reused).
    pub issued: super::issued::Issued,
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
        let (attester_mac, mac_kid) = match mac {
            Some(p) => {
                let (secret, kid) = load_mac(p)?;
                (Some(secret), kid)
            }
            None => (None, None),
        };
        let mut keys = KeySet::with_attester(attester, kid, attester_mac);
        keys.attester_mac_kid = mac_kid;
        Ok(keys)
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
            attester_mac_kid: None,
            issued: Default::default(),
        }
    }
}

/// The Client Instance Key's algorithm: one the server accepts for every proof it may see.
/// A normal-mode PoP needs an alg of `client_attestation_pop_signing_alg_values_supported`,
/// a combined-mode DPoP proof one of `dpop_signing_alg_values_supported` (draft-10
/// §Metadata), and one instance key serves both (its public key is in `cnf`). ES256 first,
/// then EdDSA (the algorithms the harness signs proofs with); lists the server does not
/// publish do not constrain.
pub fn instance_alg(pop_algs: Option<&[&str]>, dpop_algs: Option<&[&str]>) -> &'static str {
    let allowed = |alg: &str| {
        [pop_algs, dpop_algs].into_iter().flatten().all(|list| {
            list.iter()
                .any(|a| *a == alg || (alg == "EdDSA" && *a == "Ed25519"))
        })
    };
    ["ES256", "EdDSA"]
        .into_iter()
        .find(|a| allowed(a))
        .unwrap_or("ES256")
}

impl KeySet {
    /// Replaces the instance key with a fresh one of `alg` (ES256 or EdDSA).
    pub fn use_instance_alg(&mut self, alg: &str) {
        if alg != self.instance.alg() {
            self.instance = match alg {
                "EdDSA" => SigningKey::generate_ed25519(),
                _ => SigningKey::generate_es256(),
            };
            // Issued attestations name the old key in cnf.
            self.issued = Default::default();
        }
    }
}

/// An oct JWK file → its secret bytes and kid.
fn load_mac(path: &Path) -> anyhow::Result<(Vec<u8>, Option<String>)> {
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
    let secret = crate::jose::b64::decode(k)
        .map_err(|_| anyhow::anyhow!("MAC key {}: \"k\" is not base64url", path.display()))?;
    let kid = jwk.get("kid").and_then(|v| v.as_str()).map(String::from);
    Ok((secret, kid))
}

#[cfg(test)]
mod tests {
    use super::instance_alg;
    use rstest::rstest;

    #[rstest]
    #[case::unpublished(None, None, "ES256")]
    #[case::both_es256(Some(&["ES256", "EdDSA"][..]), Some(&["ES256"][..]), "ES256")]
    #[case::eddsa_only(Some(&["EdDSA"][..]), Some(&["EdDSA", "PS256"][..]), "EdDSA")]
    #[case::ed25519_name(Some(&["Ed25519"][..]), None, "EdDSA")]
    #[case::pop_eddsa_dpop_unpublished(Some(&["EdDSA"][..]), None, "EdDSA")]
    #[case::no_common(Some(&["PS256"][..]), Some(&["RS256"][..]), "ES256")]
    fn picks_an_alg_every_list_accepts(
        #[case] pop: Option<&[&str]>,
        #[case] dpop: Option<&[&str]>,
        #[case] want: &str,
    ) {
        assert_eq!(instance_alg(pop, dpop), want);
    }
}
