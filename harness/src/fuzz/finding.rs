//! A confirmed mismatch as a ready-to-run scenario: `<dir>/fuzz-<seed>-<n>.yaml`, citing
//! requirements of the embedded catalog, so that `abca-conformance run --suites <dir>` replays
//! it (to `fail` on the same server).
use super::oracle::{Capabilities, Expected};
use super::FuzzCase;
use crate::scenario::{Precondition, Scenario};
use std::path::{Path, PathBuf};

#[derive(Clone, Debug)]
pub struct Finding {
    pub seed: u64,
    /// The case number within the seed.
    pub index: u64,
    /// The shrunk case.
    pub case: FuzzCase,
    /// The case as generated.
    pub original: FuzzCase,
    pub expected: Expected,
    /// What the verdict rules said about the server's answer.
    pub reason: String,
    pub shrink_steps: u32,
    /// The written case failed again when re-sent after shrinking.
    pub confirmed: bool,
    pub caps: Capabilities,
    /// The revision the run judged by.
    pub revision: crate::revision::Revision,
}

impl Finding {
    pub fn id(&self) -> String {
        format!("fuzz-{}-{}", self.seed, self.index)
    }

    /// The scenario that replays this finding.
    pub fn scenario(&self) -> anyhow::Result<Scenario> {
        let (expect, level) = self
            .expected
            .expectation()
            .ok_or_else(|| anyhow::anyhow!("the oracle does not decide this case"))?;
        let rules = self.expected.rules();
        let cited: Vec<String> = rules
            .iter()
            .map(|r| r.requirement())
            .map(|r| format!("{} (§{}{}: {})", r.id, r.section, item(r.item), r.summary))
            .collect();
        let verb = match self.expected {
            Expected::Accept { .. } => "accept",
            _ => "reject",
        };
        Ok(Scenario {
            id: self.id(),
            title: format!(
                "fuzz finding: {} mutation(s) at the {} endpoint in {}; a conforming server would {verb}",
                self.case.mutations.len(),
                self.case.endpoint.as_str(),
                self.case.mode.as_str(),
            ),
            requirements: rules.iter().map(|r| r.id.to_string()).collect(),
            modes: vec![self.case.mode],
            endpoints: vec![self.case.endpoint],
            requires: preconditions(&self.caps),
            profile: None,
            role: Default::default(),
            flow: None,
            level: Some(level),
            mutations: self.case.mutations.clone(),
            expect,
            rationale: Some(format!(
                "Found by `abca-conformance fuzz --seed {}` (case {}; shrunk from {} to {} mutation(s) in {} step(s){}). The oracle cites {}. The server: {}",
                self.seed,
                self.index,
                self.original.mutations.len(),
                self.case.mutations.len(),
                self.shrink_steps,
                if self.confirmed { "" } else { "; NOT reproduced when re-sent" },
                cited.join("; "),
                self.reason,
            )),
            // The oracle reads one revision (the run's); the finding is for it alone.
            revisions: vec![self.revision],
            by_revision: Default::default(),
        })
    }

    /// Writes the scenario and the rule catalog into `dir`; returns the scenario's path.
    pub fn write(&self, dir: &Path) -> anyhow::Result<PathBuf> {
        use anyhow::Context;
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let scenario = self.scenario()?;
        let text = serde_saphyr::to_string(&scenario)
            .map_err(|e| anyhow::anyhow!("cannot serialize the finding: {e}"))?;
        // What is written must read back to the same scenario (strings of any kind travel
        // through YAML here).
        let back = crate::scenario::load::parse_scenario("finding", &text)
            .map_err(|e| anyhow::anyhow!("the written finding does not parse back: {e}"))?;
        if back != scenario {
            anyhow::bail!("the written finding reads back differently:\n{text}");
        }
        let path = dir.join(format!("{}.yaml", scenario.id));
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
        Ok(path)
    }
}

fn item(i: Option<u32>) -> String {
    i.map(|i| format!(" item {i}")).unwrap_or_default()
}

/// The target properties the oracle's answer leaned on: a target without them gets
/// `not_applicable` instead of a verdict the oracle never gave.
fn preconditions(c: &Capabilities) -> Vec<Precondition> {
    let mut out = vec![if c.challenge_required {
        Precondition::ChallengeRequired
    } else {
        Precondition::ChallengeNotRequired
    }];
    if c.challenge_endpoint {
        out.push(Precondition::ChallengeEndpoint);
    }
    if c.attestation_max_age.is_some() {
        out.push(Precondition::AttestationFreshness);
    }
    if c.dpop_nonce_required {
        out.push(Precondition::DpopNonceRequired);
    }
    out
}
