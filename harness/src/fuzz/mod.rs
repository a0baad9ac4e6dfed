//! The fuzzer: random combinations of the scenario mutations (strategy), judged by an
//! executable reading of the draft (oracle), fired at the target through the same runner as
//! the corpus (runner::steps), shrunk with proptest on a mismatch, and written out as a
//! scenario that `run --suites` replays.
//!
//! - [`oracle`] (with [`symbolic`] and [`rules`]): pure; case + capabilities → expected outcome;
//! - [`strategy`]: proptest strategies over the mutation vocabulary;
//! - [`engine`]: controls, concurrent execution, judging, shrinking;
//! - [`finding`]: a shrunk mismatch as a ready-to-run YAML scenario.
pub mod capabilities;
pub mod engine;
pub mod finding;
pub mod oracle;
pub mod rules;
pub mod strategy;
pub mod symbolic;

use crate::scenario::{Endpoint, Mode, Mutation};

/// One generated request case: the valid request for (mode, endpoint), then the mutations.
#[derive(Clone, Debug, PartialEq)]
pub struct FuzzCase {
    pub mode: Mode,
    pub endpoint: Endpoint,
    pub mutations: Vec<Mutation>,
}

impl FuzzCase {
    /// What a conforming server does with this case.
    pub fn expected(&self, caps: &oracle::Capabilities) -> oracle::Expected {
        oracle::expect(self.mode, self.endpoint, &self.mutations, caps)
    }
}
