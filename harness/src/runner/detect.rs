//! `--draft auto`: which revision a server implements, judged from the outside. The valid
//! request is sent in each revision's shape (the positive controls only); the revision whose
//! shape the server accepts best is run. And after any run: when the controls fail in a way
//! that points at another revision (the server demands `iss`, refuses an `iat`-less
//! attestation, asks for a DPoP nonce where a challenge was sent), say which one to try.
use super::{run, OnResult, RunOptions};
use crate::corpus::{Corpus, Selection};
use crate::exchange::Http;
use crate::report::{Report, Verdict};
use crate::revision::Revision;
use crate::target::Target;

/// How one revision's valid request fared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Probe {
    pub revision: Revision,
    pub accepted: usize,
    pub total: usize,
}

/// Preference among revisions whose shape is accepted equally well: the newest published
/// revision first (the default), then the -12 editor's copy, then the older ones. A server
/// accepting every shape is judged by -11.
const PREFERENCE: [Revision; 4] = [Revision::D11, Revision::D12, Revision::D10, Revision::D07];

/// Sends the positive controls in each revision's shape; returns the probes (in
/// [`PREFERENCE`] order) and the revision to run.
pub async fn probe(
    target: &mut Target,
    http: &Http,
    corpus: &Corpus,
    jobs: usize,
) -> (Vec<Probe>, Revision) {
    let nobody: OnResult = &|_| {};
    let mut probes = Vec::new();
    for rev in PREFERENCE {
        target.spec.revision = rev;
        let opts = RunOptions {
            select: Selection::Patterns(vec!["control-valid-request/*".into()]),
            jobs,
            // The probe wants the controls' verdicts even when the preflight refuses.
            keep_going: true,
            // A few controls: nothing to fetch ahead for.
            fetch_ahead: false,
        };
        let r = run(target, http, corpus, &opts, nobody).await;
        let judged: Vec<_> = r
            .results
            .iter()
            .filter(|x| x.verdict != Verdict::NotApplicable)
            .collect();
        probes.push(Probe {
            revision: rev,
            accepted: judged.iter().filter(|x| x.verdict == Verdict::Pass).count(),
            total: judged.len(),
        });
    }
    // Most controls accepted; a revision where the server accepts every control it runs
    // beats one with more controls (-07 has no combined mode, so fewer controls).
    let best = probes
        .iter()
        .max_by_key(|p| {
            let complete = p.total > 0 && p.accepted == p.total;
            let rank = PREFERENCE.len()
                - PREFERENCE
                    .iter()
                    .position(|r| *r == p.revision)
                    .unwrap_or(0);
            (complete, p.accepted, rank)
        })
        .map(|p| p.revision)
        .unwrap_or_default();
    target.spec.revision = best;
    (probes, best)
}

/// One line per probe, for the terminal and the report.
pub fn describe(probes: &[Probe], chosen: Revision) -> String {
    let parts: Vec<String> = probes
        .iter()
        .map(|p| {
            format!(
                "{}: {}/{} controls accepted",
                p.revision.label(),
                p.accepted,
                p.total
            )
        })
        .collect();
    format!(
        "--draft auto: valid request sent in each revision's shape ({}); running {}",
        parts.join("; "),
        chosen.label()
    )
}

/// When the positive controls were refused for a reason another revision explains, the
/// revision to try and why.
pub fn hint(report: &Report) -> Option<(Revision, String)> {
    let judged = Revision::parse(&report.tool.draft).ok()?;
    for r in report
        .results
        .iter()
        .filter(|r| r.scenario == "control-valid-request" && r.verdict == Verdict::Fail)
    {
        let Some(x) = r.exchanges.last() else {
            continue;
        };
        let Some(resp) = &x.response else { continue };
        let body = resp.body.to_ascii_lowercase();
        let says = |w: &str| body.contains(w);
        // -07 §5.1/§5.2: iss REQUIRED in both JWTs (gone from -08 on).
        if judged != Revision::D07 && says("iss") && (says("missing") || says("required")) {
            return Some((
                Revision::D07,
                format!(
                    "{} was refused for a missing iss, which only draft-07 requires (§5.1, §5.2)",
                    r.id
                ),
            ));
        }
        // -12 §4: attestation iat REQUIRED.
        if judged < Revision::D12 && says("iat") && (says("missing") || says("required")) {
            return Some((
                Revision::D12,
                format!("{} was refused for a missing iat, which the -12 editor's copy makes REQUIRED (§4)", r.id),
            ));
        }
        let combined = r.mode == crate::scenario::Mode::DpopCombined;
        // -11 §7.4: in combined mode freshness is a DPoP nonce; -10 put the challenge there.
        if combined && judged == Revision::D10 && says("use_dpop_nonce") {
            return Some((
                Revision::D11,
                format!(
                    "{} was answered use_dpop_nonce in combined mode, as draft-11 §7.4 prescribes",
                    r.id
                ),
            ));
        }
        if combined && judged >= Revision::D11 && says("use_attestation_challenge") {
            return Some((
                Revision::D10,
                format!("{} was answered use_attestation_challenge in combined mode: the server reads the attestation challenge from the DPoP nonce (draft-10 §7.3 item 5)", r.id),
            ));
        }
        // No combined mode at all in -07: a server that does not know it.
        if combined && judged > Revision::D07 && says("unsupported") && says("dpop") {
            return Some((
                Revision::D07,
                format!(
                    "{} was refused as an unsupported DPoP use; draft-07 has no combined mode",
                    r.id
                ),
            ));
        }
    }
    None
}
