//! The command line (DESIGN.md "CLI contract"; keep it, or extend it compatibly).
pub mod fuzz;
pub mod list;
pub mod run;
pub mod serve;

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "abca-conformance",
    version,
    about = "Conformance suite for OAuth 2.0 Attestation-Based Client Authentication (draft-ietf-oauth-attestation-based-client-auth-10)"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the suite against a target (default: the embedded reference AS).
    Run(run::RunArgs),
    /// Start the reference authorization server.
    Serve(serve::ServeArgs),
    /// List scenarios, or the requirement catalog with coverage.
    List(list::ListArgs),
    /// Print a scenario: its requirements, mutations and expectation.
    Explain(list::ExplainArgs),
    /// Write an attester key pair (private JWK) and its public JWKS.
    Keygen(KeygenArgs),
    /// Fuzz the target with random mutation sets judged by the spec oracle.
    Fuzz(fuzz::FuzzArgs),
}

/// Options that describe the target (shared by `run` and `fuzz`).
#[derive(Args, Debug, Clone, Default)]
pub struct TargetArgs {
    /// Issuer identifier of the authorization server under test.
    #[arg(long, value_name = "URL")]
    pub issuer: Option<String>,
    /// client_id registered at the target (for both modes unless --dpop-client-id).
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,
    /// Attester private key: a JWK (JSON) or a PKCS#8 PEM file.
    #[arg(long, value_name = "FILE")]
    pub attester_key: Option<PathBuf>,
    /// kid to put in the Client Attestation header.
    #[arg(long, value_name = "KID")]
    pub attester_kid: Option<String>,
    /// client_id for combined mode (attest_jwt_client_auth_dpop); default: --client-id.
    #[arg(long, value_name = "ID")]
    pub dpop_client_id: Option<String>,
    /// The target is known to demand a challenge in every proof.
    #[arg(long)]
    pub challenge_required: bool,
    /// Target description file (YAML); flags override it.
    #[arg(long, value_name = "FILE.yaml")]
    pub target: Option<PathBuf>,
}

impl TargetArgs {
    pub fn flags(&self) -> crate::target::TargetFlags {
        crate::target::TargetFlags {
            issuer: self.issuer.clone(),
            client_id: self.client_id.clone(),
            dpop_client_id: self.dpop_client_id.clone(),
            attester_key: self.attester_key.clone(),
            attester_kid: self.attester_kid.clone(),
            challenge_required: self.challenge_required,
            target_file: self.target.clone(),
        }
    }
}

#[derive(Args, Debug)]
pub struct KeygenArgs {
    /// Folder to write attester.private.jwk.json and attester.jwks.json into.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Replace existing files.
    #[arg(long)]
    pub force: bool,
}

/// Runs a parsed command line; returns the process exit status.
pub async fn main(cli: Cli) -> i32 {
    let result = match cli.command {
        Command::Run(a) => run::main(a).await,
        Command::Serve(a) => serve::main(a).await,
        Command::List(a) => list::list(a),
        Command::Explain(a) => list::explain(a),
        Command::Keygen(a) => keygen(a),
        Command::Fuzz(a) => fuzz::main(a).await,
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("abca-conformance: error: {e:#}");
            2
        }
    }
}

fn keygen(a: KeygenArgs) -> anyhow::Result<i32> {
    let out =
        crate::keygen::keygen_with(&a.out, crate::keygen::KeygenOptions { overwrite: a.force })?;
    println!("wrote {} (keep it private)", out.private_jwk.display());
    println!(
        "wrote {} (register it at the authorization server)",
        out.public_jwks.display()
    );
    Ok(0)
}
