//! A strictly conforming authorization server for
//! draft-ietf-oauth-attestation-based-client-auth, revision -07, -10, -11 or the -12 editor's
//! copy ([`Draft`], `ServerConfig::draft`, default -11), with named faults.
//!
//! CONTRACT (used by the harness crate; keep these names and signatures):
//! - [`ServerConfig`] (with `Default`), [`ClientRegistration`], [`AuthMethod`],
//!   [`ChallengePolicy`], [`DpopNoncePolicy`], [`TimeWindows`], [`Fault`], [`Draft`].
//! - [`start`] binds 127.0.0.1 and returns a [`RunningServer`].
//! - [`router`] gives the axum `Router` for in-process use (fuzzing without sockets).
//!
//! Behaviour common to every revision (RFC 9449, RFC 9126):
//! - Endpoints: metadata (RFC 8414), `POST /token`, `POST /par`, `POST /challenge` when
//!   challenges are on, the authorization endpoint `GET /authorize` with its HTML login and
//!   consent pages (`POST /login`, `POST /consent`; authorize.rs), and the test-only
//!   `POST /test/pre-authorized-code` (`grants.test_endpoints`).
//! - Grants (grants.rs): client_credentials, authorization_code (PAR required, PKCE S256
//!   required, single use), refresh_token, and OpenID4VCI's pre-authorized code; the code and
//!   pre-authorized grants issue refresh tokens. Every grant authenticates the client by
//!   attestation. Codes are bound to the Client Instance Key used at PAR and to `dpop_jkt`
//!   (RFC 9449 §10); refresh tokens to the Client Instance Key of the request that got them,
//!   checked in either mode (artifacts.rs). Mismatch, reuse, expiry: 400 `invalid_grant`.
//! - Dispatch: an `OAuth-Client-Attestation-PoP` field selects normal mode (a DPoP proof next
//!   to it is validated on its own, its key need not be the cnf key); otherwise a `DPoP` field
//!   selects combined mode (DPoP key = cnf key by RFC 7638 thumbprint); neither is
//!   `invalid_client`. A mode the server or client does not support is `invalid_client`.
//! - Errors: attestation / PoP failures and key mismatch are 401 `invalid_client`; RFC 9449
//!   proof failures are 400 `invalid_dpop_proof`; a missing or wrong challenge is 400
//!   `use_attestation_challenge` with a fresh `OAuth-Client-Attestation-Challenge`; a missing
//!   or wrong DPoP nonce is 400 `use_dpop_nonce` with a fresh `DPoP-Nonce`; a stale
//!   attestation is 400 `use_fresh_attestation`. Every error is JSON with
//!   `Cache-Control: no-store` and an `error_description` naming the failed check; malformed
//!   input never gets a 5xx. (These statuses meet the -12 §7.4 SHOULD: 400 for the three
//!   attestation codes; `invalid_client_attestation` is not used.)
//! - Challenges and DPoP nonces are single-use; every /token and /par response carries fresh
//!   ones when the server uses them.
//! - Signatures are verified with `ring` (ES256, EdDSA/Ed25519, RS256, PS256; HS256 only for
//!   attestations and only with a trusted `oct` key). JOSE parsing is hand-written (jose.rs).
//!
//! What differs per revision:
//! - -07: the attestation `iss` is REQUIRED (§5.1); the PoP `iss` is REQUIRED, equals the
//!   attestation `sub` (§5.2 rule 4) and any request `client_id` (§6.3, §6.4, §9 item 13);
//!   `nbf` is honoured in both JWTs (§5.1, §5.2; the other revisions reject a future `nbf` by
//!   RFC 7519 too). There is no combined mode: attestation + DPoP without a PoP is
//!   `invalid_client` (missing PoP, §6.2 item 2), `attest_jwt_client_auth_dpop`,
//!   `dpop_signing_alg_values_supported` and `client_attestation_pop_methods_supported` are
//!   not advertised. A MAC-protected attestation is accepted with a trusted `oct` key: §5.1
//!   rule 2 allows a MAC while §9 item 4 asks for an asymmetric algorithm; we follow §5.1 (and
//!   -08, which settled it that way); the suite does not judge this point for -07.
//! - -10: combined-mode challenges travel in the DPoP `nonce` (§7.3 item 5) and one server
//!   value serves as challenge and DPoP nonce; a missing or wrong one is
//!   `use_attestation_challenge`.
//! - -11 and -12: combined-mode freshness comes only from DPoP nonces (§5.2, §7.3 item 3,
//!   §7.4): challenges and DPoP nonces are separate values, an attestation challenge in the
//!   DPoP `nonce` is not accepted (the text says challenges "are not used for the DPoP
//!   proof"), and a missing or wrong nonce is `use_dpop_nonce` + `DPoP-Nonce`. A server with
//!   challenges on hands out DPoP nonces for combined mode with the same strictness
//!   (challenge Optional: a nonce, if sent, must be ours; Required: every combined proof
//!   carries one), and so does one with DPoP nonces required. When it hands out DPoP nonces,
//!   the challenge endpoint also returns `DPoP-Nonce` (§6.3).
//! - -12 editor's copy: the attestation `iat` is REQUIRED (§4); the attestation and PoP
//!   fields are RFC 9651 Token Items without parameters (§4, §5.1): `<jwt>;p=1` and a quoted
//!   `"<jwt>"` are rejected, as are two field lines or a comma list.

mod artifacts;
mod authorize;
mod challenge;
mod claims;
pub mod config;
mod confusion;
mod dispatch;
pub mod draft;
mod errors;
mod expiring;
pub mod fault;
mod fields;
mod form;
mod grants;
mod handlers;
mod html;
mod jose;
mod jwk;
mod metadata;
mod replay;
mod state;
mod store;
mod verify_attestation;
mod verify_dpop;
mod verify_pop;
pub mod x5c;

pub use config::{
    AuthMethod, ChallengePolicy, ClientRegistration, DpopNoncePolicy, GrantSettings, ServerConfig,
    TestUser, TimeWindows,
};
pub use draft::Draft;
pub use fault::Fault;
pub use jwk::Alg;

use std::net::SocketAddr;

/// A server started by [`start`]. Dropping it does not stop it; call [`RunningServer::shutdown`].
pub struct RunningServer {
    /// The issuer identifier, e.g. `http://127.0.0.1:41234`.
    pub issuer: String,
    pub addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningServer {
    /// Stops accepting connections and waits for the server task to end.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
    }
}

/// Binds `127.0.0.1:config.port` (0 = ephemeral) and serves until shut down.
/// When `config.issuer` is `None` the issuer is `http://127.0.0.1:<bound port>`.
pub async fn start(config: ServerConfig) -> anyhow::Result<RunningServer> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port)).await?;
    let addr = listener.local_addr()?;
    let issuer = config
        .issuer
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"));
    let app = router(ServerConfig {
        issuer: Some(issuer.clone()),
        ..config
    })?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await;
    });
    Ok(RunningServer {
        issuer,
        addr,
        shutdown: Some(tx),
        task,
    })
}

/// The application. `config.issuer` must be set. Endpoints live under the issuer's path:
/// `<path>/token`, `<path>/par`, `<path>/challenge` (only when challenges are on), and the
/// metadata at `/.well-known/oauth-authorization-server<path>` (RFC 8414 §3.1).
pub fn router(config: ServerConfig) -> anyhow::Result<axum::Router> {
    use axum::routing::any;
    let st = std::sync::Arc::new(state::AppState::new(config)?);
    let base = st.base_path.clone();
    let mut app = axum::Router::new()
        .route(
            &format!("/.well-known/oauth-authorization-server{base}"),
            any(handlers::metadata),
        )
        .route(&format!("{base}/token"), any(handlers::token))
        .route(&format!("{base}/par"), any(handlers::par))
        .route(&format!("{base}/authorize"), any(authorize::authorize))
        .route(&format!("{base}/login"), any(authorize::login))
        .route(&format!("{base}/consent"), any(authorize::consent));
    if st.config.challenge != ChallengePolicy::Off {
        app = app.route(&format!("{base}/challenge"), any(handlers::challenge));
    }
    if st.config.grants.test_endpoints {
        app = app.route(
            &format!("{base}/test/pre-authorized-code"),
            any(handlers::mint_pre_authorized_code),
        );
    }
    Ok(app.fallback(handlers::not_found).with_state(st))
}
