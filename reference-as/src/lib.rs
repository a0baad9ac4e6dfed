//! A strictly conforming authorization server for
//! draft-ietf-oauth-attestation-based-client-auth-10, with named faults.
//!
//! CONTRACT (used by the harness crate; keep these names and signatures):
//! - [`ServerConfig`] (with `Default`), [`ClientRegistration`], [`AuthMethod`],
//!   [`ChallengePolicy`], [`DpopNoncePolicy`], [`TimeWindows`], [`Fault`].
//! - [`start`] binds 127.0.0.1 and returns a [`RunningServer`].
//! - [`router`] gives the axum `Router` for in-process use (fuzzing without sockets).

pub mod config;
pub mod fault;

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

/// The application. `config.issuer` must be set.
pub fn router(config: ServerConfig) -> anyhow::Result<axum::Router> {
    let _ = config;
    anyhow::bail!("reference AS not implemented yet")
}
