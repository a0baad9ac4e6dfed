//! The engine's API, all a caller needs (the CLI, the tests, the benches):
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use abca_conformance::engine::{Connection, Corpus, HttpOptions, RunOptions, TargetSource};
//! let corpus = Corpus::embedded()?; // read and validated once
//! let conn = Connection::open(TargetSource::default(), &HttpOptions::default()).await?;
//! let mut report = conn.run(&corpus, &RunOptions::default(), &|_| {}).await;
//! conn.close().await;
//! let exit_status = abca_conformance::report::gate::decide(&mut report, false, None);
//! # let _ = exit_status; Ok(()) }
//! ```
//!
//! A target is described by plain values ([`TargetSource`]: the embedded reference AS with
//! [`EmbeddedOptions`], or a server described by [`TargetFlags`]), the network by
//! [`HttpOptions`]; the result is a [`Report`] whose `run` says whether the suite really ran,
//! and [`crate::report::gate::decide`] turns it into the exit status.
use crate::client::keys::KeySet;
use crate::exchange::Http;
use crate::fuzz::engine::Fuzzer;
use crate::report::Report;
use crate::revision::DraftChoice;
use crate::runner;
use crate::target::{discovery, Target};
use std::sync::Arc;

pub use crate::catalog::{rfc_anchor, Catalog, ChangeKind, Requirement, Stated};
pub use crate::corpus::{Case, Corpus, CorpusError, Selection};
pub use crate::embedded::{as_draft, EmbeddedOptions, CLIENT_ID as EMBEDDED_CLIENT_ID};
pub use crate::exchange::{
    read_ca_cert, HttpOptions, LimitOptions, DEFAULT_MAX_CONSECUTIVE_ERRORS,
};
pub use crate::fuzz::engine::{Options as FuzzOptions, Summary as FuzzSummary};
pub use crate::runner::prefetch::PURPOSE as FETCHED_AHEAD_PURPOSE;
pub use crate::runner::{default_jobs, OnResult, RunOptions};
pub use crate::target::config::DEFAULT_REVISION;
pub use crate::target::grant::{
    CodeProvider, GrantConfig, GrantType, LoginConfig, LoginStep, DEFAULT_MAX_FLOWS,
};
pub use crate::target::{Policy, TargetFlags};

/// Which server to test.
// One value per run, moved once: the size difference between the variants costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum TargetSource {
    /// The reference AS, started in this process on a loopback port.
    Embedded(EmbeddedOptions),
    /// A server described by flags and/or a target file.
    Remote(TargetFlags),
}

impl Default for TargetSource {
    fn default() -> Self {
        TargetSource::Embedded(EmbeddedOptions::default())
    }
}

impl TargetSource {
    /// The flags when they name a target, else the embedded server with `embedded`, judged
    /// by the flags' revision when they give one.
    pub fn from_flags(
        flags: TargetFlags,
        embedded: EmbeddedOptions,
    ) -> anyhow::Result<TargetSource> {
        let revision = match flags.draft {
            Some(DraftChoice::Auto) => anyhow::bail!(
                "--draft auto is resolved by `run` before the target is prepared; give a revision (07, 10, 11, 12) here"
            ),
            Some(DraftChoice::Revision(r)) => Some(r),
            None => None,
        };
        Ok(if flags.is_empty() {
            let mut embedded = embedded;
            // The embedded server is configured for the profile (an x5c attester for HAIP),
            // and speaks the profile's revision unless --draft names another.
            if let Some(name) = &flags.profile {
                let profile = crate::profile::Profile::named(name)?;
                embedded.x5c |= profile.x5c;
                embedded.profile = Some(profile.id.clone());
                if revision.is_none() {
                    embedded = embedded.with_revision(profile.revision);
                }
            }
            let mut embedded = match revision {
                Some(r) => embedded.with_revision(r),
                None => embedded,
            };
            // `--grant` / `--max-flows` apply to the embedded server too (it offers all four
            // grants).
            if let Some(g) = flags.grant {
                embedded.grant.grant_type = Some(g);
            }
            if let Some(n) = flags.max_flows {
                embedded.grant.max_flows = Some(n);
            }
            TargetSource::Embedded(embedded)
        } else {
            TargetSource::Remote(flags)
        })
    }
}

/// The target's profile, with its attestation claims added to the spec (the target file's
/// own attestation claims win).
fn apply_profile(
    spec: &mut crate::target::TargetSpec,
) -> anyhow::Result<Option<crate::profile::Profile>> {
    let Some(name) = &spec.profile else {
        return Ok(None);
    };
    let profile = crate::profile::Profile::named(name)?;
    if !profile.attestation_claims.is_empty() {
        let att = spec
            .claims
            .entry(crate::types::TokenKind::Attestation)
            .or_default();
        for (k, v) in &profile.attestation_claims {
            att.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    Ok(Some(profile))
}

/// A discovered target and the HTTP client of the run (with its limits), plus the embedded
/// server behind it when there is one, kept alive until [`Connection::close`].
pub struct Connection {
    target: Arc<Target>,
    http: Http,
    server: Option<reference_as::RunningServer>,
}

impl Connection {
    /// Starts the embedded server or resolves the target description, then discovers the
    /// target's metadata.
    pub async fn open(source: TargetSource, http: &HttpOptions) -> anyhow::Result<Connection> {
        let http = Http::new(http)?;
        let (target, server) = match source {
            TargetSource::Embedded(opts) => {
                let mut e = crate::embedded::start(opts).await?;
                apply_profile(&mut e.spec)?;
                let target = discovery::discover(&http, e.spec, e.keys, true).await?;
                (target, Some(e.server))
            }
            TargetSource::Remote(flags) => {
                let mut spec = flags.resolve()?;
                let profile = apply_profile(&mut spec)?;
                let mut keys = KeySet::load(
                    &spec.attester_key,
                    spec.attester_kid.clone(),
                    spec.attestation_mac_key.as_deref(),
                )?;
                if let Some(chain) = &spec.attester_chain {
                    keys.x5c = Some(crate::client::x5c::X5c::load(
                        chain,
                        spec.attester_issuer_key.as_deref(),
                        spec.attester_trust_anchor.as_deref(),
                        &keys.attester,
                    )?);
                }
                if let Some(p) = profile.filter(|p| p.x5c && keys.x5c.is_none()) {
                    anyhow::bail!(
                        "profile {}: attestations carry an x5c chain; give attester_chain in the target file (`keygen --x5c` makes one)",
                        p.id
                    );
                }
                (discovery::discover(&http, spec, keys, false).await?, None)
            }
        };
        Ok(Connection {
            target: Arc::new(target),
            http,
            server,
        })
    }

    /// Runs the selected cases of `corpus`: the positive controls first, then every case,
    /// `opts.jobs` at a time. `on_result` sees each result as it is decided.
    pub async fn run(&self, corpus: &Corpus, opts: &RunOptions, on_result: OnResult<'_>) -> Report {
        runner::run(&self.target, &self.http, corpus, opts, on_result).await
    }

    /// `--draft auto`: sends the positive controls in each revision's shape, judges the
    /// target by the revision whose shape it accepts best, and says how it chose.
    /// Call it before any run (the target is not shared yet).
    pub async fn detect_revision(
        &mut self,
        corpus: &Corpus,
        jobs: usize,
    ) -> anyhow::Result<String> {
        let target = Arc::get_mut(&mut self.target).ok_or_else(|| {
            anyhow::anyhow!("--draft auto: the target is already in use by a run")
        })?;
        let (probes, chosen) = runner::detect::probe(target, &self.http, corpus, jobs).await;
        Ok(runner::detect::describe(&probes, chosen))
    }

    /// Fuzzes the target: its positive controls must be accepted first (a server that
    /// refuses valid requests would only show its own brokenness), then `opts.cases` random
    /// cases; `progress` sees the summary after each.
    pub async fn fuzz(
        &self,
        opts: &FuzzOptions,
        progress: &(dyn Fn(&FuzzSummary) + Sync),
    ) -> anyhow::Result<FuzzSummary> {
        let fuzzer = Fuzzer::new(self.target.clone(), self.http.clone())?;
        fuzzer.controls().await?;
        fuzzer.run(opts, progress).await
    }

    /// The issuer of the discovered target.
    pub fn issuer(&self) -> &str {
        self.target.issuer()
    }

    /// Stops the embedded server, if any.
    pub async fn close(self) {
        if let Some(s) = self.server {
            s.shutdown().await;
        }
    }
}

/// Opens a connection, runs, closes: the whole of `run` without the reports.
pub async fn run(
    corpus: &Corpus,
    source: TargetSource,
    http: &HttpOptions,
    opts: &RunOptions,
    on_result: OnResult<'_>,
) -> anyhow::Result<Report> {
    let conn = Connection::open(source, http).await?;
    let report = conn.run(corpus, opts, on_result).await;
    conn.close().await;
    Ok(report)
}

/// Why `case` is no case of revision `rev` (the reason its result is `not_applicable` in a run
/// judging by `rev`, whatever the server), or None when it belongs to `rev`.
pub fn outside_revision(
    corpus: &Corpus,
    case: &Case<'_>,
    rev: crate::revision::Revision,
) -> Option<String> {
    runner::cases::outside_revision(case, corpus.catalog(), rev)
}

/// Sets `report.tool.draft_note`: how `--draft auto` chose (`auto_note`), and, when the
/// failed positive controls point at another revision, which one to try.
pub fn annotate_draft(report: &mut Report, auto_note: Option<String>) {
    let hint = runner::detect::hint(report).map(|(rev, why)| {
        format!(
            "the controls point at another revision: {why}; try --draft {}",
            rev.as_str()
        )
    });
    report.tool.draft_note = match (auto_note, hint) {
        (Some(n), Some(h)) => Some(format!("{n}. {h}")),
        (n, h) => n.or(h),
    };
}
