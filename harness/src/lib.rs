//! abca-conformance: a conformance suite for OAuth 2.0 Attestation-Based Client
//! Authentication (draft-ietf-oauth-attestation-based-client-auth-10).
//!
//! Data flows target → scenario → plan → exchange → verdict → report (see README).
pub mod catalog;
pub mod report;
pub mod scenario;

/// `suites/` and `vectors/` as compiled in: (path relative to the folder, text).
pub mod embedded_files {
    include!(concat!(env!("OUT_DIR"), "/embedded_files.rs"));
}
pub mod checks;
pub mod cli;
pub mod client;
pub mod embedded;
pub mod exchange;
pub mod jose;
pub mod keygen;
pub mod plan;
pub mod runner;
pub mod target;
pub mod verdict;
