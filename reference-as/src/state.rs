//! Shared server state: configuration, trusted attester keys, endpoint URLs and the stores.
use crate::artifacts::{CodeGrant, PreAuthorizedCode, PushedRequest, RefreshGrant, Session};
use crate::challenge::{ChallengeStore, Purpose};
use crate::config::{AuthMethod, ChallengePolicy, DpopNoncePolicy, ServerConfig};
use crate::draft::Draft;
use crate::fault::Fault;
use crate::jwk::{parse_jwk, Alg, Jwk, KeyMaterial};
use crate::replay::ReplayStore;
use crate::store::Store;
use anyhow::{bail, Context};
use serde_json::Value;

#[derive(Debug)]
pub struct AppState {
    pub config: ServerConfig,
    /// Issuer identifier exactly as configured (the PoP `aud` must equal it).
    pub issuer: String,
    /// Path of the issuer URL without trailing slash ("" for `http://host:port`).
    pub base_path: String,
    pub token_endpoint: String,
    pub par_endpoint: String,
    pub challenge_endpoint: String,
    pub authorization_endpoint: String,
    pub trusted_attesters: Vec<Jwk>,
    /// Trust anchors for `x5c` attestations (from `config.attester_cas`).
    pub trust_anchors: Vec<rustls_pki_types::TrustAnchor<'static>>,
    pub challenges: ChallengeStore,
    pub pop_jtis: ReplayStore,
    pub dpop_jtis: ReplayStore,
    /// `request_uri` → pushed authorization request.
    pub pushed: Store<PushedRequest>,
    /// Session cookie value → login session of the authorization pages.
    pub sessions: Store<Session>,
    pub codes: Store<CodeGrant>,
    pub pre_authorized_codes: Store<PreAuthorizedCode>,
    pub refresh_tokens: Store<RefreshGrant>,
    /// Refused requests at the token and PAR endpoints, for `lock_out_after`.
    pub refused: std::sync::atomic::AtomicU32,
    /// (client_id, code_challenge) → instance key of the latest PAR request with them; kept
    /// and read only under the `request-uri-not-bound-to-instance` fault (which binds codes
    /// per pushed parameters, not per request_uri).
    pub latest_par_instance: std::sync::Mutex<LatestPar>,
}

/// See [`AppState::latest_par_instance`].
pub type LatestPar = std::collections::HashMap<(String, String), Option<String>>;

impl AppState {
    pub fn new(config: ServerConfig) -> anyhow::Result<AppState> {
        let issuer = config
            .issuer
            .clone()
            .context("ServerConfig.issuer must be set before building the router")?;
        let url = url::Url::parse(&issuer).with_context(|| format!("issuer {issuer:?}"))?;
        if url.query().is_some() || url.fragment().is_some() {
            // RFC 8414 §2: the issuer has no query or fragment.
            bail!("issuer {issuer:?} must not have a query or fragment");
        }
        let base_path = url.path().trim_end_matches('/').to_owned();
        let base = issuer.trim_end_matches('/').to_owned();
        let trusted_attesters = parse_trusted_keys(&config.attester_jwks)?;
        let trust_anchors = crate::x5c::trust_anchors(&config.attester_cas)?;
        if let Some(a) = config.algs.iter().find(|a| !a.is_asymmetric()) {
            bail!("algs: {} is not an asymmetric algorithm", a.as_str());
        }
        if config.algs.is_empty() {
            bail!("algs: at least one algorithm is needed");
        }
        Ok(AppState {
            token_endpoint: format!("{base}/token"),
            par_endpoint: format!("{base}/par"),
            challenge_endpoint: format!("{base}/challenge"),
            authorization_endpoint: format!("{base}/authorize"),
            issuer,
            base_path,
            trusted_attesters,
            trust_anchors,
            challenges: ChallengeStore::default(),
            pop_jtis: ReplayStore::default(),
            dpop_jtis: ReplayStore::default(),
            pushed: Store::default(),
            sessions: Store::default(),
            codes: Store::default(),
            pre_authorized_codes: Store::default(),
            refresh_tokens: Store::default(),
            refused: Default::default(),
            latest_par_instance: Default::default(),
            config,
        })
    }

    /// `lock_out_after`: the refusal every request gets once the server has locked out.
    pub fn locked_out(&self) -> Option<crate::errors::OAuthError> {
        let n = self.config.lock_out_after?;
        let refused = self.refused.load(std::sync::atomic::Ordering::SeqCst);
        (refused >= n).then(|| {
            crate::errors::OAuthError::invalid_client(format!(
                "locked out after {refused} refused requests"
            ))
        })
    }

    /// Counts a refused request towards `lock_out_after`.
    pub fn count_refusal<T>(&self, result: &Result<T, crate::errors::OAuthError>) {
        if result.is_err() && self.config.lock_out_after.is_some() {
            self.refused
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }

    pub fn fault(&self, f: Fault) -> bool {
        self.config.faults.contains(&f)
    }

    pub fn client(&self, client_id: &str) -> Option<&crate::config::ClientRegistration> {
        self.config
            .clients
            .iter()
            .find(|c| c.client_id == client_id)
    }

    pub fn method_enabled(&self, m: AuthMethod) -> bool {
        self.config.methods.contains(&m)
    }

    pub fn draft(&self) -> Draft {
        self.config.draft
    }

    /// DPoP combined mode is on: it exists in the revision (not in -07) and is enabled.
    pub fn combined_enabled(&self) -> bool {
        self.draft().has_combined_mode() && self.method_enabled(AuthMethod::AttestJwtClientAuthDpop)
    }

    /// Up to -10 one server value serves as challenge and as DPoP nonce (challenge.rs).
    fn shared_values(&self) -> bool {
        !self.draft().dpop_nonce_freshness()
    }

    /// How long an issued challenge (or DPoP nonce) lives: the configured policy, unless the
    /// server is faulted into never letting one expire.
    pub fn challenge_ttl(&self) -> u64 {
        if self.fault(Fault::ChallengeNeverExpires) {
            u64::MAX / 2
        } else {
            self.config.windows.challenge_ttl
        }
    }

    /// What an issued challenge is good for.
    pub fn challenge_purpose(&self) -> Purpose {
        if self.shared_values() {
            Purpose::Both
        } else {
            Purpose::Challenge
        }
    }

    /// What an issued DPoP nonce is good for.
    pub fn nonce_purpose(&self) -> Purpose {
        if self.shared_values() {
            Purpose::Both
        } else {
            Purpose::DpopNonce
        }
    }

    /// What a combined-mode DPoP proof needs in its `nonce` claim from -11 on: server
    /// freshness in combined mode comes "solely" from the DPoP nonce mechanism (-11/-12 §5.2,
    /// §7.3 item 3), so a server that uses challenges hands out DPoP nonces for combined mode
    /// with the same strictness (Optional: a nonce, if sent, must be one we issued; Required:
    /// every proof carries one).
    pub fn combined_nonce_need(&self) -> NonceNeed {
        if !self.combined_enabled() {
            return if self.config.dpop_nonce == DpopNoncePolicy::Required {
                NonceNeed::Required
            } else {
                NonceNeed::Off
            };
        }
        match (self.config.dpop_nonce, self.config.challenge) {
            (DpopNoncePolicy::Required, _) | (_, ChallengePolicy::Required) => NonceNeed::Required,
            (_, ChallengePolicy::Optional) => NonceNeed::Optional,
            (_, ChallengePolicy::Off) => NonceNeed::Off,
        }
    }

    /// The server hands out DPoP nonces (`DPoP-Nonce` on /token and /par responses, and from
    /// -11 on the challenge endpoint, -11/-12 §6.3).
    pub fn provides_dpop_nonces(&self) -> bool {
        self.config.dpop_nonce == DpopNoncePolicy::Required
            || (self.draft().dpop_nonce_freshness() && self.combined_nonce_need() != NonceNeed::Off)
    }

    /// How the JOSE parser reads headers: duplicated members (RFC 7515 §4) and `crit`
    /// (§4.1.11), bent by their faults.
    pub fn header_rules(&self) -> crate::jose::HeaderRules {
        crate::jose::HeaderRules {
            duplicates: if self.fault(Fault::JoseHeaderDuplicateFirstWins) {
                crate::jose::Duplicates::FirstWins
            } else {
                crate::jose::Duplicates::Reject
            },
            ignore_crit: self.fault(Fault::JoseCritIgnored),
        }
    }

    /// HS256 attestations are possible only when a symmetric attester key is trusted.
    pub fn oct_trusted(&self) -> bool {
        self.trusted_attesters
            .iter()
            .any(|k| matches!(k.material, KeyMaterial::Oct(_)))
    }

    /// `client_attestation_pop_signing_alg_values_supported` and
    /// `dpop_signing_alg_values_supported`: the asymmetric algorithms configured.
    pub fn proof_algs(&self) -> &[Alg] {
        &self.config.algs
    }

    /// The `metadata-algs-incomplete` fault: an asymmetric algorithm the server implements
    /// but does not list (nor is configured for) is verified all the same.
    pub fn verifies_unadvertised(&self, alg: Alg) -> bool {
        alg != Alg::Hs256 && self.fault(crate::fault::Fault::MetadataAlgsIncomplete)
    }

    /// `client_attestation_signing_alg_values_supported`.
    pub fn attestation_algs(&self) -> Vec<Alg> {
        let mut algs = self.config.algs.clone();
        if self.oct_trusted() {
            algs.push(Alg::Hs256);
        }
        algs
    }
}

/// How strictly a DPoP proof's `nonce` claim is checked (RFC 9449 §4.3 item 10, §8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NonceNeed {
    /// Not checked.
    Off,
    /// A nonce, when present, must be a live one issued by this server.
    Optional,
    /// Every proof must carry a live nonce issued by this server.
    Required,
}

/// Accepts `{"keys":[...]}`, a bare array, or a single JWK.
fn parse_trusted_keys(v: &Value) -> anyhow::Result<Vec<Jwk>> {
    let list: Vec<&Value> = if let Some(keys) = v.get("keys") {
        keys.as_array()
            .context("attester_jwks.keys must be an array")?
            .iter()
            .collect()
    } else if let Some(arr) = v.as_array() {
        arr.iter().collect()
    } else if v.get("kty").is_some() {
        vec![v]
    } else {
        bail!("attester_jwks must be a JWKS ({{\"keys\":[...]}}), an array or a JWK")
    };
    list.into_iter()
        .enumerate()
        .map(|(i, k)| {
            parse_jwk(k)
                .map_err(anyhow::Error::msg)
                .with_context(|| format!("attester_jwks key #{i}"))
        })
        .collect()
}

/// Current unix time in seconds.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
