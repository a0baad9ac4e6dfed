//! The command line (docs/design.md, "CLI contract"; keep it, or extend it compatibly).
//!
//! It only translates arguments into the engine's plain values
//! ([`abca_conformance::engine`]) and prints what comes back.

/// `println!` for the CLI's own output, without its panic on a closed pipe: `list | head`
/// and `run | head` stop printing when the reader goes away, and a run still writes its
/// reports and exits with its own status.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cli::out(format_args!("{}\n", format_args!($($arg)*)))
    };
}
/// `print!` without the panic on a closed pipe (see [`outln!`]).
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::out(format_args!($($arg)*))
    };
}

/// Writes to stdout; a write error (the reader closed the pipe) is not a reason to stop.
pub(crate) fn out(args: std::fmt::Arguments) {
    use std::io::Write;
    let _ = std::io::stdout().lock().write_fmt(args);
}

pub mod fuzz;
pub mod list;
pub mod replay;
pub mod run;
pub mod serve;

use abca_conformance::engine::{
    read_ca_cert, HttpOptions, LimitOptions, TargetFlags, DEFAULT_MAX_CONSECUTIVE_ERRORS,
};
use abca_conformance::revision::DraftChoice;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Parser, Debug)]
#[command(
    name = "abca-conformance",
    version,
    about = "Conformance suite for OAuth 2.0 Attestation-Based Client Authentication (draft-ietf-oauth-attestation-based-client-auth -07, -10, -11 and the -12 editor's copy)"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the suite against a target (default: the embedded reference AS).
    Run(Box<run::RunArgs>),
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
    /// Re-send one case (or every case of a scenario) with fresh jti, iat and challenge, and
    /// print both sides of every exchange; the exit status is the run's.
    Replay(Box<replay::ReplayArgs>),
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
    /// Attester private key: a JWK (JSON), a PKCS#8 PEM or a SEC1 EC PEM file (EC P-256 /
    /// P-384 / P-521, Ed25519, RSA).
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
    /// The target is known to demand a DPoP nonce (RFC 9449 §8) in every DPoP proof
    /// (`policy: dpop_nonce_required` in the target file).
    #[arg(long)]
    pub dpop_nonce_required: bool,
    /// Target description file (YAML); flags override it.
    #[arg(long, value_name = "FILE.yaml")]
    pub target: Option<PathBuf>,
    /// Draft revision to judge the server by: 07, 10, 11 (the newest published, default) or
    /// 12 (the editor's copy; not published). `auto` (run only) sends the valid request in
    /// each revision's shape and runs the best match. Overrides `draft:` of the target file.
    #[arg(long, value_name = "07|10|11|12|auto")]
    pub draft: Option<abca_conformance::revision::DraftChoice>,
    /// Grant of the valid token request: client_credentials, authorization_code,
    /// pre-authorized_code or refresh_token (overrides the target file's grant.type; the
    /// embedded AS offers all four).
    #[arg(long, value_name = "GRANT", value_parser = parse_grant)]
    pub grant: Option<abca_conformance::engine::GrantType>,
    /// At most N authorization-code flows (user logins) per run (default: 50 against a live
    /// server, no bound against the embedded AS).
    #[arg(long, value_name = "N")]
    pub max_flows: Option<usize>,
    /// An ecosystem profile whose additional checks run (`haip`: OpenID4VC High Assurance
    /// Interoperability Profile, x5c attestations). Without a target, the embedded server is
    /// configured for it.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
}

fn parse_grant(s: &str) -> Result<abca_conformance::engine::GrantType, String> {
    abca_conformance::engine::GrantType::parse(s).ok_or_else(|| {
        "one of client_credentials, authorization_code, pre-authorized_code, refresh_token"
            .to_string()
    })
}

impl TargetArgs {
    pub fn flags(&self) -> TargetFlags {
        TargetFlags {
            issuer: self.issuer.clone(),
            client_id: self.client_id.clone(),
            dpop_client_id: self.dpop_client_id.clone(),
            attester_key: self.attester_key.clone(),
            attester_kid: self.attester_kid.clone(),
            challenge_required: self.challenge_required,
            dpop_nonce_required: self.dpop_nonce_required,
            target_file: self.target.clone(),
            draft: self.draft,
            grant: self.grant,
            max_flows: self.max_flows,
            profile: self.profile.clone(),
        }
    }
}

impl TargetArgs {
    /// The options of this invocation that name the target, shell-quoted, so that a printed
    /// replay line is a complete command. File paths are made absolute (the line runs from
    /// any folder); `resolved` is the revision the run judged by, for `--draft auto`.
    pub fn command_words(&self, resolved: Option<&str>) -> Vec<String> {
        let mut w = Vec::new();
        let mut opt = |name: &str, value: &str| {
            w.push(format!("--{name}"));
            w.push(quote(value));
        };
        if let Some(p) = &self.target {
            opt("target", &absolute(p));
        }
        if let Some(v) = &self.issuer {
            opt("issuer", v);
        }
        if let Some(v) = &self.client_id {
            opt("client-id", v);
        }
        if let Some(v) = &self.dpop_client_id {
            opt("dpop-client-id", v);
        }
        if let Some(p) = &self.attester_key {
            opt("attester-key", &absolute(p));
        }
        if let Some(v) = &self.attester_kid {
            opt("attester-kid", v);
        }
        match (&self.draft, resolved) {
            (Some(DraftChoice::Revision(r)), _) => opt("draft", r.as_str()),
            (Some(DraftChoice::Auto), Some(r)) => opt("draft", r),
            _ => {}
        }
        // A profile changes the cases (and, with no target, the embedded server's attester).
        if let Some(v) = &self.profile {
            opt("profile", v);
        }
        if self.challenge_required {
            w.push("--challenge-required".into());
        }
        if self.dpop_nonce_required {
            w.push("--dpop-nonce-required".into());
        }
        w
    }
}

impl NetArgs {
    /// The options needed to reach the target again (TLS trust, timeout, rate), shell-quoted.
    pub fn command_words(&self) -> Vec<String> {
        let mut w = Vec::new();
        if let Some(p) = &self.ca_cert {
            w.extend(["--ca-cert".to_string(), quote(&absolute(p))]);
        }
        if self.insecure {
            w.push("--insecure".into());
        }
        if self.timeout != DEFAULT_TIMEOUT {
            w.extend(["--timeout".to_string(), self.timeout.to_string()]);
        }
        if let Some(r) = self.rate {
            w.extend(["--rate".to_string(), r.to_string()]);
        }
        w
    }
}

/// `--suites DIR`, absolute, when the run used its own scenarios.
pub fn suites_words(suites: Option<&std::path::Path>) -> Vec<String> {
    suites
        .map(|p| vec!["--suites".to_string(), quote(&absolute(p))])
        .unwrap_or_default()
}

fn quote(s: &str) -> String {
    abca_conformance::report::curl::quote(s)
}

/// `p` as an absolute path (canonical when it exists), for commands printed to be run later.
fn absolute(p: &std::path::Path) -> String {
    p.canonicalize()
        .or_else(|_| std::path::absolute(p))
        .unwrap_or_else(|_| p.to_path_buf())
        .display()
        .to_string()
}

/// `--timeout`'s default, in seconds.
const DEFAULT_TIMEOUT: f64 = 10.0;

/// How the suite behaves towards a live server, and which TLS certificates it trusts
/// (shared by `run` and `fuzz`; the logic is in the engine's exchange layer).
#[derive(Args, Debug, Clone)]
pub struct NetArgs {
    /// Per-request timeout in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_TIMEOUT)]
    pub timeout: f64,
    /// At most R requests per second, all concurrent cases together (`50` or `50/s`).
    #[arg(long, value_name = "R", value_parser = parse_rate)]
    pub rate: Option<f64>,
    /// Stop the whole run after SECONDS; cases not finished by then are `error`.
    #[arg(long, value_name = "SECONDS")]
    pub deadline: Option<f64>,
    /// Stop sending after N consecutive requests got no answer at all (0: never stop).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_CONSECUTIVE_ERRORS)]
    pub max_consecutive_errors: usize,
    /// Also trust this CA certificate (PEM) for the target's TLS.
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    /// Do not verify TLS certificates at all (throwaway test servers only; warns loudly).
    #[arg(long)]
    pub insecure: bool,
}

/// `--rate 50` or `--rate 50/s`; the range is checked with the other limits.
fn parse_rate(s: &str) -> Result<f64, String> {
    let n = s.trim();
    let n = n.strip_suffix("/s").unwrap_or(n);
    n.trim()
        .parse::<f64>()
        .map_err(|_| format!("{s:?}: expected a number of requests per second, e.g. 50 or 50/s"))
}

impl NetArgs {
    /// The engine's HTTP options from these flags.
    pub fn http_options(&self) -> anyhow::Result<HttpOptions> {
        if !(self.timeout > 0.0 && self.timeout <= 3600.0) {
            anyhow::bail!("--timeout must be between 0 and 3600 seconds");
        }
        let deadline = match self.deadline {
            Some(d) if d.is_finite() && d > 0.0 && d <= 1e7 => Some(Duration::from_secs_f64(d)),
            Some(d) => anyhow::bail!("--deadline must be a number of seconds above 0 (got {d})"),
            None => None,
        };
        let ca_cert = self.ca_cert.as_deref().map(read_ca_cert).transpose()?;
        let limits = LimitOptions {
            rate: self.rate,
            deadline,
            max_consecutive_errors: self.max_consecutive_errors,
        };
        limits.validate()?;
        Ok(HttpOptions {
            timeout: Duration::from_secs_f64(self.timeout),
            ca_cert,
            insecure: self.insecure,
            limits,
            ..HttpOptions::default()
        })
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
    /// Also write a test PKI for the attester key: attester-ca.pem (the trust anchor to
    /// register at the AS), attester.chain.pem (what the attestation carries in x5c),
    /// attester-issuer.private.pem (lets the suite mint test certificates) and
    /// target.x5c.yaml (the target file lines naming them).
    #[arg(long)]
    pub x5c: bool,
    /// With --x5c: put an intermediate CA between the trust anchor and the attester.
    #[arg(long, requires = "x5c")]
    pub intermediate: bool,
    /// The attester key's algorithm: ES256 (P-256), ES384 (P-384) or ES512 (P-521).
    #[arg(long, value_name = "ALG", default_value = "ES256",
          value_parser = clap::builder::PossibleValuesParser::new(abca_conformance::keygen::KeygenAlg::NAMES))]
    pub alg: String,
}

/// Runs a parsed command line; returns the process exit status.
pub async fn main(cli: Cli) -> i32 {
    let result = match cli.command {
        Command::Run(a) => run::main(*a).await,
        Command::Serve(a) => serve::main(a).await,
        Command::List(a) => list::list(a),
        Command::Explain(a) => list::explain(a),
        Command::Keygen(a) => keygen(a),
        Command::Fuzz(a) => fuzz::main(a).await,
        Command::Replay(a) => replay::main(*a).await,
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
    let out = abca_conformance::keygen::keygen_with(
        &a.out,
        abca_conformance::keygen::KeygenOptions {
            overwrite: a.force,
            x5c: a.x5c,
            intermediate: a.intermediate,
            // The parser only lets the names of KeygenAlg through.
            alg: abca_conformance::keygen::KeygenAlg::parse(&a.alg).unwrap_or_default(),
        },
    )?;
    outln!("wrote {} (keep it private)", out.private_jwk.display());
    match &out.x5c {
        None => outln!(
            "wrote {} (register it at the authorization server)",
            out.public_jwks.display()
        ),
        Some(x) => {
            outln!(
                "wrote {} (the trust anchor: register it at the authorization server, e.g. `serve --attester-ca`)",
                x.trust_anchor.display()
            );
            outln!(
                "wrote {} (the attester certificate chain, leaf first, sent in x5c)",
                x.chain.display()
            );
            outln!(
                "wrote {} (keep it private: the suite mints test certificates with it)",
                x.issuer_key.display()
            );
            outln!(
                "wrote {} (the target file lines that name these files)",
                x.target.display()
            );
        }
    }
    if let Some(root) = git_work_tree(&a.out) {
        outln!(
            "note: {} is inside the git work tree {}; keep the private key out of commits, e.g. add `{}/` to {}/.gitignore",
            a.out.display(),
            root.display(),
            a.out
                .canonicalize()
                .ok()
                .and_then(|p| p.strip_prefix(&root).ok().map(|r| r.display().to_string()))
                .unwrap_or_else(|| a.out.display().to_string()),
            root.display()
        );
    }
    Ok(0)
}

/// The git work tree holding `dir`, if any (a `.git` entry in it or an ancestor).
fn git_work_tree(dir: &std::path::Path) -> Option<PathBuf> {
    let dir = dir.canonicalize().ok()?;
    dir.ancestors()
        .find(|a| a.join(".git").exists())
        .map(|a| a.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn net_flags_defaults_are_the_engines() {
        let cli = Cli::try_parse_from(["abca-conformance", "run"]).unwrap();
        let Command::Run(run) = cli.command else {
            panic!("not run")
        };
        let http = run.net.http_options().unwrap();
        let d = HttpOptions::default();
        assert_eq!(http.timeout, d.timeout);
        assert_eq!(http.limits, d.limits);
        assert_eq!(http.insecure, d.insecure);
        assert_eq!(http.ca_cert, d.ca_cert);
    }

    #[test]
    fn rate_takes_a_number_or_a_number_per_second() {
        assert_eq!(parse_rate("50"), Ok(50.0));
        assert_eq!(parse_rate("2.5/s"), Ok(2.5));
        assert!(parse_rate("fast").is_err());
    }
}
