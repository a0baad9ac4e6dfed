//! Configuration of the reference AS.
use crate::draft::Draft;
use crate::fault::Fault;
use crate::jwk::Alg;
use std::collections::BTreeSet;

/// Token endpoint auth methods of draft-10 §13 (IANA registrations).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AuthMethod {
    /// `attest_jwt_client_auth`: Client Attestation + Client Attestation PoP JWT.
    AttestJwtClientAuth,
    /// `attest_jwt_client_auth_dpop`: Client Attestation + DPoP proof (combined mode).
    AttestJwtClientAuthDpop,
}

impl AuthMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::AttestJwtClientAuth => "attest_jwt_client_auth",
            AuthMethod::AttestJwtClientAuthDpop => "attest_jwt_client_auth_dpop",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "attest_jwt_client_auth" => Some(AuthMethod::AttestJwtClientAuth),
            "attest_jwt_client_auth_dpop" => Some(AuthMethod::AttestJwtClientAuthDpop),
            _ => None,
        }
    }
}

/// Server-provided challenges (draft-10 §Challenges).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ChallengePolicy {
    /// No challenge endpoint, no challenge headers; challenges in PoPs are ignored.
    Off,
    /// Challenge endpoint advertised; a challenge, if present, must be one we issued.
    #[default]
    Optional,
    /// Every PoP / combined DPoP proof must carry a challenge we issued.
    Required,
}

/// DPoP nonces (RFC 9449 §8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum DpopNoncePolicy {
    #[default]
    Off,
    /// Every DPoP proof must carry a `nonce` we issued (`use_dpop_nonce` + `DPoP-Nonce`).
    Required,
}

/// Time windows, in seconds.
#[derive(Clone, Debug)]
pub struct TimeWindows {
    /// Allowed clock skew for `exp` / future `iat`.
    pub skew: u64,
    /// Max age of a PoP / DPoP proof `iat` (also the jti replay window).
    pub pop_max_age: u64,
    /// Max age of a Client Attestation by its `iat` (→ `use_fresh_attestation`); None = no limit.
    pub attestation_max_age: Option<u64>,
    /// Lifetime of an issued challenge / DPoP nonce.
    pub challenge_ttl: u64,
}

impl Default for TimeWindows {
    fn default() -> Self {
        TimeWindows {
            skew: 60,
            pop_max_age: 300,
            attestation_max_age: None,
            challenge_ttl: 300,
        }
    }
}

/// A registered client.
#[derive(Clone, Debug)]
pub struct ClientRegistration {
    pub client_id: String,
    /// Auth methods this client may use (real servers register one per client).
    pub methods: BTreeSet<AuthMethod>,
    /// Redirect URIs accepted at the PAR endpoint.
    pub redirect_uris: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// None → `http://127.0.0.1:<port>` once bound.
    pub issuer: Option<String>,
    /// 0 → ephemeral.
    pub port: u16,
    /// Trusted attester keys, as a JWKS (`{"keys":[...]}`), public keys (EC P-256, OKP
    /// Ed25519, RSA) or `kty: oct` keys for HS256 attestations.
    pub attester_jwks: serde_json::Value,
    /// Trusted attester CAs (DER certificates): an attestation with an `x5c` header is
    /// verified with its leaf key once the chain validates to one of them (RFC 7515 §4.1.6,
    /// draft-10 §Trust Management and Key Resolution). `serve --attester-ca FILE`.
    pub attester_cas: Vec<Vec<u8>>,
    /// Asymmetric algorithms advertised and accepted for attestations, PoPs and DPoP proofs
    /// (`serve --algs`); HS256 is added for attestations when an `oct` attester key is trusted.
    pub algs: Vec<Alg>,
    pub clients: Vec<ClientRegistration>,
    /// Auth methods advertised and accepted server-wide.
    pub methods: BTreeSet<AuthMethod>,
    pub challenge: ChallengePolicy,
    pub dpop_nonce: DpopNoncePolicy,
    pub windows: TimeWindows,
    /// Faults switched on (empty = conforming).
    pub faults: BTreeSet<Fault>,
    /// The draft revision the server conforms to (default: -11, the newest published).
    pub draft: Draft,
    /// The authorization code, refresh token and pre-authorized code grants.
    pub grants: GrantSettings,
    /// After this many refused requests at the token and PAR endpoints, refuse every later
    /// one with `invalid_client` (a lock-out some servers apply against guessing). Not a
    /// fault: the draft neither asks for nor forbids it; it is how the suite proves that a
    /// rejection counts only while the valid request is still accepted. `None` = never.
    pub lock_out_after: Option<u32>,
}

/// The test user of the login page (`serve --user NAME:PASSWORD`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestUser {
    pub username: String,
    pub password: String,
}

impl Default for TestUser {
    fn default() -> Self {
        TestUser {
            username: "alice".into(),
            password: "wonderland".into(),
        }
    }
}

/// Settings of the grants beyond client_credentials, lifetimes in seconds.
#[derive(Clone, Debug)]
pub struct GrantSettings {
    /// The one user the login page accepts.
    pub user: TestUser,
    /// `POST /test/pre-authorized-code` mints pre-authorized codes (test-only; on by default).
    pub test_endpoints: bool,
    /// Lifetime of a pushed request's `request_uri` (RFC 9126 §2.2 `expires_in`).
    pub request_uri_ttl: u64,
    /// Lifetime of an authorization code (RFC 6749 §4.1.2: "maximum ... of 10 minutes").
    pub code_ttl: u64,
    /// Lifetime of a minted pre-authorized code.
    pub pre_authorized_code_ttl: u64,
    /// Lifetime of a refresh token.
    pub refresh_token_ttl: u64,
    /// Issue a new refresh token on each refresh and retire the old one (RFC 6749 §6 MAY).
    pub rotate_refresh_tokens: bool,
    /// Lifetime of a login session (the cookie of the authorization pages).
    pub session_ttl: u64,
}

impl Default for GrantSettings {
    fn default() -> Self {
        GrantSettings {
            user: TestUser::default(),
            test_endpoints: true,
            request_uri_ttl: 60,
            code_ttl: 60,
            pre_authorized_code_ttl: 300,
            refresh_token_ttl: 86_400,
            rotate_refresh_tokens: false,
            session_ttl: 600,
        }
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        let methods: BTreeSet<AuthMethod> = [
            AuthMethod::AttestJwtClientAuth,
            AuthMethod::AttestJwtClientAuthDpop,
        ]
        .into();
        ServerConfig {
            issuer: None,
            port: 0,
            attester_jwks: serde_json::json!({ "keys": [] }),
            attester_cas: Vec::new(),
            algs: Alg::ASYMMETRIC.to_vec(),
            clients: vec![ClientRegistration {
                client_id: "https://client.example.com".into(),
                methods: methods.clone(),
                redirect_uris: vec!["https://client.example.com/cb".into()],
            }],
            methods,
            challenge: ChallengePolicy::default(),
            dpop_nonce: DpopNoncePolicy::default(),
            windows: TimeWindows::default(),
            faults: BTreeSet::new(),
            draft: Draft::default(),
            grants: GrantSettings::default(),
            lock_out_after: None,
        }
    }
}
