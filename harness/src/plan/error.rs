//! Why a request could not be built. Not a verdict on the server: the scenario asks for
//! something this request, these keys or this target does not have (a scenario written for
//! another mode or endpoint, an algorithm no key of the run signs). The runner reports the
//! case as `error` with the cause `cannot_build` (types::Inconclusive).
use crate::types::{Endpoint, TokenKind};

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("the target has no {} endpoint", .0.as_str())]
    NoEndpoint(Endpoint),
    #[error("the {} endpoint takes no client-authenticated request", .0.as_str())]
    NotAuthenticated(Endpoint),
    #[error("mode `none` has no request")]
    NoRequest,
    /// What the mutation changes is not in this request.
    #[error("{mutation}: the request has no {what}")]
    Missing {
        /// The scenario word (`cnf`, `use_alg`, ...).
        mutation: String,
        what: String,
    },
    /// A mutation inside `add_token` names another token.
    #[error("the mutation names a {} token inside a {} token", .named.as_str(), .inside.as_str())]
    WrongToken { named: TokenKind, inside: TokenKind },
    /// A request-level mutation inside `add_token`.
    #[error("{0} changes the request, not a single token")]
    NotTokenLevel(String),
    #[error("add_token {}: {source}", .token.as_str())]
    AddedToken {
        token: TokenKind,
        source: Box<PlanError>,
    },
    #[error("every algorithm the suite can sign is advertised")]
    NothingUnadvertised,
    /// The run has no key that signs what the mutation needs.
    #[error(transparent)]
    NoKey(#[from] crate::client::keys::NoKey),
    /// The changed certificate chain cannot be made for this run.
    #[error("x5c: {0}")]
    Certificate(#[from] crate::client::x5c::X5cError),
    /// A fixture key the suite carries would not load (a build problem, not the target's).
    #[error("{0}")]
    Fixture(String),
    #[error(transparent)]
    Placeholder(#[from] PlaceholderError),
}

/// A `${...}` placeholder in a scenario value that cannot be expanded here.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PlaceholderError {
    #[error("unclosed placeholder in {value:?}")]
    Unclosed { value: String },
    /// A typo, or a value this request does not have (no challenge was issued).
    #[error("unknown or unavailable placeholder ${{{name}}} in {value:?}")]
    Unknown { name: String, value: String },
}

impl PlanError {
    pub(crate) fn missing(mutation: impl Into<String>, what: impl Into<String>) -> PlanError {
        PlanError::Missing {
            mutation: mutation.into(),
            what: what.into(),
        }
    }
}
