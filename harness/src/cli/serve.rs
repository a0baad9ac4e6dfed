//! `abca-conformance serve`: the reference AS as a standalone server.
use clap::{Args, ValueEnum};
use reference_as::{
    AuthMethod, ChallengePolicy, ClientRegistration, DpopNoncePolicy, Draft, Fault, ServerConfig,
    TestUser,
};
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ChallengeArg {
    Off,
    Optional,
    Required,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum NonceArg {
    Off,
    Required,
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Port on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Issuer identifier (default http://127.0.0.1:PORT).
    #[arg(long, value_name = "URL")]
    pub issuer: Option<String>,
    /// client_id to register (for every method in --methods).
    #[arg(long, value_name = "ID", default_value = "https://client.example.com")]
    pub client_id: String,
    /// Trusted attester public keys (JWKS file). Without it a fresh attester key is
    /// generated and its private JWK written to a temporary folder.
    #[arg(long, value_name = "FILE")]
    pub attester_jwks: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "optional")]
    pub challenge: ChallengeArg,
    /// DPoP nonces (RFC 9449 §8).
    #[arg(long, value_enum, default_value = "off")]
    pub dpop_nonce: NonceArg,
    /// Auth methods, comma-separated: attest_jwt_client_auth, attest_jwt_client_auth_dpop.
    #[arg(
        long,
        value_name = "LIST",
        default_value = "attest_jwt_client_auth,attest_jwt_client_auth_dpop"
    )]
    pub methods: String,
    /// Switch on a named fault (repeatable); see --list-faults.
    #[arg(long, value_name = "NAME")]
    pub fault: Vec<String>,
    /// List the faults and exit.
    #[arg(long)]
    pub list_faults: bool,
    /// Redirect URI registered for PAR.
    #[arg(
        long,
        value_name = "URI",
        default_value = "https://client.example.com/cb"
    )]
    pub redirect_uri: String,
    /// Reject attestations older than this many seconds (use_fresh_attestation).
    #[arg(long, value_name = "SECONDS")]
    pub attestation_max_age: Option<u64>,
    /// The draft revision the server conforms to: 07, 10, 11 (newest published) or 12 (the
    /// editor's copy; no -12 is published).
    #[arg(long, value_name = "N", default_value = "11", value_parser = parse_draft)]
    pub draft: Draft,
    /// The user the login page accepts (authorization code flow).
    #[arg(long, value_name = "NAME:PASSWORD", default_value = "alice:wonderland", value_parser = parse_user)]
    pub user: TestUser,
    /// Turn off the test-only endpoint POST /test/pre-authorized-code (it mints
    /// pre-authorized codes for the OpenID4VCI grant).
    #[arg(long)]
    pub no_test_endpoints: bool,
    /// Rotate refresh tokens: each refresh returns a new one and retires the old one.
    #[arg(long)]
    pub rotate_refresh_tokens: bool,
    /// Trust attester certificate chains (x5c, RFC 7515 §4.1.6) issued under these CAs (PEM,
    /// one or more certificates), e.g. attester-ca.pem from `keygen --x5c`.
    #[arg(long, value_name = "FILE")]
    pub attester_ca: Option<PathBuf>,
    /// Signature algorithms advertised and accepted for attestations, PoPs and DPoP proofs,
    /// comma-separated, from ES256, ES384, ES512, EdDSA, PS256, PS384, PS512, RS256, RS384, RS512
    /// (default: ES256,EdDSA,PS256,RS256).
    #[arg(long, value_name = "LIST")]
    pub algs: Option<String>,
}

fn parse_user(s: &str) -> Result<TestUser, String> {
    match s.split_once(':') {
        Some((u, p)) if !u.is_empty() && !p.is_empty() => Ok(TestUser {
            username: u.into(),
            password: p.into(),
        }),
        _ => Err(format!("{s:?} is not NAME:PASSWORD")),
    }
}

fn parse_draft(s: &str) -> Result<Draft, String> {
    s.parse()
}

pub async fn main(a: ServeArgs) -> anyhow::Result<i32> {
    if a.list_faults {
        for f in Fault::all() {
            // The revisions whose text states the bent rule, when not all of them.
            let drafts = if f.drafts().len() == Draft::ALL.len() {
                String::new()
            } else {
                let ds: Vec<&str> = f.drafts().iter().map(|d| d.as_str()).collect();
                format!("[draft {}] ", ds.join(", "))
            };
            outln!("{:<42} {drafts}{}", f.name(), f.description());
        }
        return Ok(0);
    }
    let config = config(&a)?;
    // `_keys` removes the generated private key when serve ends: normally, on Ctrl-C or
    // SIGTERM, or when the server fails to start.
    let (config, key_note, _keys) = with_attester(config, a.attester_jwks.as_ref())?;
    let port = config.port;
    let server = reference_as::start(config).await.map_err(|e| {
        let busy = e
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::AddrInUse)
            || e.to_string().to_lowercase().contains("address already in use");
        if busy {
            anyhow::anyhow!(
                "port {port} on 127.0.0.1 is already in use (another `serve`?): choose another --port, or --port 0 for any free one"
            )
        } else {
            e.context(format!("cannot start the reference AS on 127.0.0.1:{port}"))
        }
    })?;
    let md = format!("{}/.well-known/oauth-authorization-server", server.issuer);
    let editors_copy = if a.draft.is_editors_copy() {
        " (editor's copy)"
    } else {
        ""
    };
    outln!(
        "reference AS ready: issuer {} metadata {md} token {}/token par {}/par revision {}{editors_copy}{}",
        server.issuer, server.issuer, server.issuer, a.draft, key_note
    );
    stop_signal().await?;
    eprintln!("stopping");
    server.shutdown().await;
    Ok(0)
}

fn config(a: &ServeArgs) -> anyhow::Result<ServerConfig> {
    let methods = a
        .methods
        .split(',')
        .map(|m| {
            AuthMethod::parse(m.trim()).ok_or_else(|| anyhow::anyhow!("unknown auth method {m:?}"))
        })
        .collect::<anyhow::Result<std::collections::BTreeSet<_>>>()?;
    let faults = a
        .fault
        .iter()
        .map(|f| {
            Fault::from_name(f)
                .ok_or_else(|| anyhow::anyhow!("unknown fault {f:?} (see --list-faults)"))
        })
        .collect::<anyhow::Result<_>>()?;
    let mut c = ServerConfig {
        issuer: a.issuer.clone(),
        port: a.port,
        clients: vec![ClientRegistration {
            client_id: a.client_id.clone(),
            methods: methods.clone(),
            redirect_uris: vec![a.redirect_uri.clone()],
        }],
        methods,
        challenge: match a.challenge {
            ChallengeArg::Off => ChallengePolicy::Off,
            ChallengeArg::Optional => ChallengePolicy::Optional,
            ChallengeArg::Required => ChallengePolicy::Required,
        },
        dpop_nonce: match a.dpop_nonce {
            NonceArg::Off => DpopNoncePolicy::Off,
            NonceArg::Required => DpopNoncePolicy::Required,
        },
        faults,
        draft: a.draft,
        ..ServerConfig::default()
    };
    c.windows.attestation_max_age = a.attestation_max_age;
    c.grants.user = a.user.clone();
    c.grants.test_endpoints = !a.no_test_endpoints;
    c.grants.rotate_refresh_tokens = a.rotate_refresh_tokens;
    if let Some(list) = &a.algs {
        c.algs = parse_algs(list)?;
    }
    if let Some(p) = &a.attester_ca {
        use anyhow::Context;
        let text =
            std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?;
        c.attester_cas = reference_as::x5c::parse_pem_certificates(&text)
            .with_context(|| format!("--attester-ca {}", p.display()))?;
    }
    Ok(c)
}

/// Ctrl-C, or SIGTERM (what `kill` and service managers send).
async fn stop_signal() -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r?,
            _ = term.recv() => {}
        }
        Ok(())
    }
    #[cfg(not(unix))]
    {
        Ok(tokio::signal::ctrl_c().await?)
    }
}

/// A folder holding a generated private key, removed when dropped.
pub struct TempKeys(PathBuf);

impl Drop for TempKeys {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `--algs ES384,RS256`: names of RFC 7518 / RFC 8037 asymmetric algorithms.
pub fn parse_algs(list: &str) -> anyhow::Result<Vec<reference_as::Alg>> {
    let algs = list
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|name| {
            reference_as::Alg::parse(name)
                .filter(|a| a.is_asymmetric())
                .ok_or_else(|| {
                    let known: Vec<&str> = reference_as::Alg::ALL_ASYMMETRIC
                        .iter()
                        .map(|a| a.as_str())
                        .collect();
                    anyhow::anyhow!(
                        "--algs: unknown algorithm {name:?} (known: {})",
                        known.join(", ")
                    )
                })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    if algs.is_empty() {
        anyhow::bail!("--algs: name at least one algorithm");
    }
    Ok(algs)
}

/// Trust the given JWKS, or generate an attester key and say where its private half is.
fn with_attester(
    mut c: ServerConfig,
    jwks: Option<&PathBuf>,
) -> anyhow::Result<(ServerConfig, String, Option<TempKeys>)> {
    use anyhow::Context;
    match jwks {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read {}", p.display()))?;
            c.attester_jwks = serde_json::from_str(&text)
                .with_context(|| format!("{} is not a JWKS (JSON)", p.display()))?;
            Ok((c, String::new(), None))
        }
        None => {
            let dir = std::env::temp_dir().join(format!("abca-serve-{}", std::process::id()));
            let guard = TempKeys(dir.clone());
            let out = abca_conformance::keygen::keygen_with(
                &dir,
                abca_conformance::keygen::KeygenOptions {
                    overwrite: true,
                    ..Default::default()
                },
            )?;
            let text = std::fs::read_to_string(&out.public_jwks)?;
            c.attester_jwks = serde_json::from_str(&text)?;
            Ok((
                c,
                format!(
                    " attester-key {} (removed when serve stops)",
                    out.private_jwk.display()
                ),
                Some(guard),
            ))
        }
    }
}
