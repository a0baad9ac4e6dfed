//! Ecosystem profiles: what a profile such as HAIP adds on the server side, as data
//! (`suites/profiles/NAME.yaml`, embedded in the binary). A profile names the draft revision
//! its deployments implement, whether attestations carry `x5c` chains, the algorithms each
//! metadata list must contain, the features the server must offer, and the extra attestation
//! claims the suite carries. Scenarios marked `profile: NAME` run only under that profile.
//! Adding a profile is adding a file; this module knows no profile by name.
use crate::revision::Revision;
use serde::Deserialize;
use std::collections::BTreeMap;

/// One profile file.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// The name used by `--profile` and `profile:`; equals the file stem.
    pub id: String,
    pub title: String,
    /// The draft revision the profile's deployments implement ("07".."12"): a run under the
    /// profile judges by it unless `--draft` or the target file's `draft:` says otherwise.
    pub revision: Revision,
    /// Client Attestations carry an `x5c` chain (the target must give `attester_chain`).
    #[serde(default)]
    pub x5c: bool,
    /// Algorithms each metadata list must contain.
    #[serde(default)]
    pub algorithms: ProfileAlgorithms,
    /// Features the server must offer.
    #[serde(default)]
    pub require: Vec<Feature>,
    /// Claims added to every valid Client Attestation (the target file's
    /// `attestation_claims` win).
    #[serde(default)]
    pub attestation_claims: serde_json::Map<String, serde_json::Value>,
}

/// Algorithms a profile requires in `client_attestation_signing_alg_values_supported`,
/// `client_attestation_pop_signing_alg_values_supported` and
/// `dpop_signing_alg_values_supported`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ProfileAlgorithms {
    #[serde(default)]
    pub attestation: Vec<String>,
    #[serde(default)]
    pub pop: Vec<String>,
    #[serde(default)]
    pub dpop: Vec<String>,
}

impl ProfileAlgorithms {
    /// (metadata member, required algorithms), for the non-empty lists.
    pub fn by_member(&self) -> Vec<(&'static str, &[String])> {
        [
            (
                "client_attestation_signing_alg_values_supported",
                &self.attestation,
            ),
            (
                "client_attestation_pop_signing_alg_values_supported",
                &self.pop,
            ),
            ("dpop_signing_alg_values_supported", &self.dpop),
        ]
        .into_iter()
        .filter(|(_, l)| !l.is_empty())
        .map(|(m, l)| (m, l.as_slice()))
        .collect()
    }
}

/// A server feature a profile can require.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Feature {
    /// Pushed authorization requests (RFC 9126): `pushed_authorization_request_endpoint`.
    Par,
    /// DPoP (RFC 9449): `dpop_signing_alg_values_supported`.
    Dpop,
    /// Client authentication required at the PAR endpoint.
    ClientAuthAtPar,
    /// Client authentication required at the token endpoint.
    ClientAuthAtToken,
}

impl Feature {
    pub fn name(self) -> &'static str {
        match self {
            Feature::Par => "par",
            Feature::Dpop => "dpop",
            Feature::ClientAuthAtPar => "client_auth_at_par",
            Feature::ClientAuthAtToken => "client_auth_at_token",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("unknown profile {name:?} (known: {known})")]
    Unknown { name: String, known: String },
    #[error("profile file {file}: {message}")]
    Invalid { file: String, message: String },
}

impl Profile {
    /// Every embedded profile, by id.
    pub fn all() -> Result<BTreeMap<String, Profile>, ProfileError> {
        let mut out = BTreeMap::new();
        for (rel, text) in crate::embedded_files::SUITES {
            let Some(file) = rel.strip_prefix("profiles/") else {
                continue;
            };
            let display = format!("suites/{rel}");
            let p: Profile = serde_saphyr::from_str(text).map_err(|e| ProfileError::Invalid {
                file: display.clone(),
                message: e.to_string(),
            })?;
            let stem = file.trim_end_matches(".yaml").trim_end_matches(".yml");
            if p.id != stem {
                return Err(ProfileError::Invalid {
                    file: display,
                    message: format!("id {:?} differs from the file name", p.id),
                });
            }
            out.insert(p.id.clone(), p);
        }
        Ok(out)
    }

    /// The embedded profile `name`.
    pub fn named(name: &str) -> Result<Profile, ProfileError> {
        let mut all = Self::all()?;
        all.remove(name).ok_or_else(|| ProfileError::Unknown {
            name: name.to_string(),
            known: all.keys().cloned().collect::<Vec<_>>().join(", "),
        })
    }

    pub fn requires(&self, f: Feature) -> bool {
        self.require.contains(&f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn haip_is_embedded_and_complete() {
        let p = Profile::named("haip").unwrap();
        // OpenID4VCI 1.0 and HAIP 1.0 deployments implement -07 (revision.rs).
        assert_eq!(p.revision, Revision::D07);
        assert!(p.x5c);
        assert_eq!(p.algorithms.by_member().len(), 3);
        assert!(p.requires(Feature::Par) && p.requires(Feature::Dpop));
        for claim in ["wallet_name", "wallet_link", "status"] {
            assert!(p.attestation_claims.contains_key(claim), "{claim}");
        }
    }

    #[test]
    fn unknown_profile_names_the_known_ones() {
        let e = Profile::named("nope").unwrap_err().to_string();
        assert!(e.contains("haip"), "{e}");
    }
}
