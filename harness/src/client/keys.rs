//! The keys a run signs with: the user's attester key, a fresh Client Instance Key, and an
//! "other" key nobody trusts. Generated once per run (the draft lets a client reuse one
//! attestation and key across requests, §Implementation Considerations).
use crate::jose::key::{KeyError, SigningKey};
use crate::scenario::JwsAlg;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;

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
    /// The attester key's certificate chain: attestations then carry `x5c` (RFC 7515 §4.1.6).
    pub x5c: Option<super::x5c::X5c>,
    /// Keys of other algorithms, for the cases that exercise each advertised algorithm.
    pub alt: AltKeys,
}

/// Keys of other algorithms: Client Instance Keys made on first use, and attester keys the
/// target trusts besides the main one (the embedded server registers one per key type).
#[derive(Default)]
pub struct AltKeys {
    /// Instance keys made so far (see [`KeySet::instance_for`]).
    pub instances: Mutex<BTreeMap<JwsAlg, SigningKey>>,
    /// Further trusted attester keys (each with its kid).
    pub attesters: Vec<SigningKey>,
    /// An RSA key to use instead of generating one (2048-bit generation takes a while; the
    /// embedded server passes a fixed test key).
    pub rsa_seed: Option<SigningKey>,
}

/// The run has no key that signs what a case asks for.
#[derive(Debug, thiserror::Error)]
pub enum NoKey {
    #[error("cannot make a {} instance key: {source}", .alg.as_str())]
    Instance { alg: JwsAlg, source: KeyError },
    #[error(
        "the attester key signs {has}: a {} attestation needs an attester key of that type (--attester-key)",
        .wanted.as_str()
    )]
    Attester { has: String, wanted: JwsAlg },
    #[error("the attester key cannot sign {}: {source}", .alg.as_str())]
    AttesterAlg { alg: JwsAlg, source: KeyError },
}

impl KeySet {
    /// A Client Instance Key for `alg`: the run's own when it has that algorithm, else one
    /// made on first use and kept for the run.
    pub fn instance_for(&self, alg: JwsAlg) -> Result<SigningKey, NoKey> {
        if self.instance.alg() == alg.as_str() {
            return Ok(self.instance.clone());
        }
        let mut made = self.alt.instances.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(k) = made.get(&alg) {
            return Ok(k.clone());
        }
        let is_rsa = crate::jose::key::RSA_ALGS.contains(&alg.as_str());
        let rsa = made
            .values()
            .find(|k| k.kty() == "RSA")
            .cloned()
            .or_else(|| self.alt.rsa_seed.clone());
        let key = match rsa {
            Some(k) if is_rsa => k.without_kid().with_alg(alg.as_str()),
            _ => SigningKey::generate_for(alg.as_str()),
        }
        .map_err(|source| NoKey::Instance { alg, source })?;
        made.insert(alg, key.clone());
        Ok(key)
    }

    /// An attester key the target trusts that signs `alg`, with the kid to name it by: the
    /// user's attester key (an RSA key signs any RS*/PS* algorithm) or, for the embedded
    /// server, one of its extra keys.
    pub fn attester_for(&self, alg: JwsAlg) -> Result<(SigningKey, Option<String>), NoKey> {
        let fits = |k: &SigningKey| {
            k.alg() == alg.as_str()
                || (k.kty() == "RSA" && crate::jose::key::RSA_ALGS.contains(&alg.as_str()))
        };
        let switch = |k: &SigningKey| {
            k.clone()
                .with_alg(alg.as_str())
                .map_err(|source| NoKey::AttesterAlg { alg, source })
        };
        if fits(&self.attester) {
            return Ok((switch(&self.attester)?, self.attester_kid.clone()));
        }
        match self.alt.attesters.iter().find(|k| fits(k)) {
            Some(k) => Ok((switch(k)?, k.kid().map(String::from))),
            None => Err(NoKey::Attester {
                has: self.attester.alg().to_string(),
                wanted: alg,
            }),
        }
    }
}

impl KeySet {
    /// From the user's attester key file (private JWK, PKCS#8 PEM or SEC1 EC PEM).
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
            x5c: None,
            alt: AltKeys::default(),
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
    // Cheapest first: RSA keys are slow to make and sign with. An RSA-only or ES384-only
    // server thus gets a matching instance key, and its controls can pass.
    [
        "ES256", "EdDSA", "ES384", "ES512", "PS256", "RS256", "PS384", "RS384", "PS512", "RS512",
    ]
    .into_iter()
    .find(|a| allowed(a))
    .unwrap_or("ES256")
}

impl KeySet {
    /// Replaces the instance key with one of `alg` (see [`KeySet::instance_for`]), and the
    /// "other" key with a fresh one of the same algorithm: a case that signs with the other
    /// key (a PoP by a key not in `cnf`, an independent DPoP proof under its own key) must be
    /// judged on the key, not refused for an algorithm the server does not take (an
    /// RSA-only server refuses an ES256 DPoP proof whatever its key).
    pub fn use_instance_alg(&mut self, alg: &str) -> anyhow::Result<()> {
        if alg != self.instance.alg() {
            let alg = JwsAlg::parse(alg)
                .ok_or_else(|| anyhow::anyhow!("the suite cannot sign {alg} proofs"))?;
            self.instance = self.instance_for(alg)?;
            // Issued attestations name the old key in cnf.
            self.issued = Default::default();
        }
        if alg != self.other.alg() {
            // Generated, never a fixed test key: the other key must be one neither the server
            // nor the attestation knows.
            self.other = SigningKey::generate_for(alg)
                .map_err(|e| anyhow::anyhow!("cannot make a {alg} key: {e}"))?;
        }
        Ok(())
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
    #[case::rsa_only(Some(&["RS256", "PS256"][..]), Some(&["PS256"][..]), "PS256")]
    #[case::es384_only(Some(&["ES384"][..]), Some(&["ES384"][..]), "ES384")]
    fn picks_an_alg_every_list_accepts(
        #[case] pop: Option<&[&str]>,
        #[case] dpop: Option<&[&str]>,
        #[case] want: &str,
    ) {
        assert_eq!(instance_alg(pop, dpop), want);
    }
}
