//! A strictly conforming authorization server for
//! draft-ietf-oauth-attestation-based-client-auth-10, with named faults.
//!
//! CONTRACT (used by the harness crate; keep these names and signatures):
//! - [`ServerConfig`] (with `Default`), [`ClientRegistration`], [`AuthMethod`],
//!   [`ChallengePolicy`], [`DpopNoncePolicy`], [`TimeWindows`], [`Fault`].
//! - [`start`] binds 127.0.0.1 and returns a [`RunningServer`].
//! - [`router`] gives the axum `Router` for in-process use (fuzzing without sockets).

mod challenge;
mod claims;
pub mod config;
mod dispatch;
mod errors;
pub mod fault;
mod fields;
mod form;
mod handlers;
mod jose;
mod jwk;
mod metadata;
mod replay;
mod state;
mod verify_attestation;
mod verify_dpop;
mod verify_pop;

pub use config::{
    AuthMethod, ChallengePolicy, ClientRegistration, DpopNoncePolicy, ServerConfig, TimeWindows,
};
pub use fault::Fault;

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
        .route(&format!("{base}/par"), any(handlers::par));
    if st.config.challenge != ChallengePolicy::Off {
        app = app.route(&format!("{base}/challenge"), any(handlers::challenge));
    }
    Ok(app.fallback(handlers::not_found).with_state(st))
}
