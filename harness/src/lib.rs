//! abca-conformance: a conformance suite for OAuth 2.0 Attestation-Based Client
//! Authentication (draft-ietf-oauth-attestation-based-client-auth-10).
//!
//! Data flows target → scenario → plan → exchange → verdict → report:
//! - [`target`]: what the user said about the server, and its discovered metadata;
//! - [`scenario`] and [`catalog`]: the YAML corpus and the requirement catalog;
//! - [`client`] builds the valid attestation, PoP and DPoP proof; [`plan`] applies a
//!   scenario's mutations and lays the request out for the wire;
//! - [`exchange`] sends it over HTTP and records both sides;
//! - [`verdict`] and [`checks`] judge; [`runner`] orders it all (controls first);
//! - [`report`] renders the results.
pub mod catalog;
pub mod checks;
pub mod cli;
pub mod client;
pub mod embedded;
pub mod exchange;
pub mod fuzz;
pub mod jose;
pub mod keygen;
pub mod plan;
pub mod report;
pub mod revision;
pub mod runner;
pub mod scenario;
pub mod target;
pub mod verdict;

/// `suites/` and `vectors/` as compiled in: (path relative to the folder, text).
pub mod embedded_files {
    include!(concat!(env!("OUT_DIR"), "/embedded_files.rs"));
}
