//! abca-conformance: a conformance suite for OAuth 2.0 Attestation-Based Client
//! Authentication (draft-ietf-oauth-attestation-based-client-auth-10).
//!
//! The public API is small: [`engine`] (load a corpus, connect to a target, run, fuzz),
//! [`report`] (the report.json model, its renderers and the exit status), [`types`] (the
//! plain types every layer shares), [`scenario`] (the scenario format), [`fuzz`] (the
//! fuzzer's cases and findings), [`jose`] (the harness's JWS builder, for the test vectors)
//! and [`keygen`].
//!
//! Inside, data flows target → scenario → plan → exchange → verdict → report, and each layer
//! imports only the ones below it (docs/design.md, "Architecture"):
//! - bottom: [`types`], `yaml` (reading inputs), [`jose`];
//! - `exchange`: HTTP with its limits (rate, deadline, circuit breaker, TLS options, bounded
//!   reads), every exchange recorded; imports nothing above it;
//! - [`scenario`] and `catalog`, read together by `corpus`;
//! - `client` builds the valid attestation, PoP and DPoP proof; `target` is what the user
//!   said and what the metadata says; `plan` applies a scenario's mutations;
//! - `flow`: the client side of grants other than client_credentials (the automated user
//!   step, PKCE, pre-authorized code sources); the runner drives it;
//! - `verdict` and `checks` judge; `runner` orders it all (controls first);
//! - [`report`] renders; [`fuzz`] reuses the runner's steps with its own oracle;
//! - [`engine`] ties them together for callers; the binary's `cli` only translates arguments.
mod catalog;
mod checks;
mod client;
mod corpus;
mod embedded;
pub mod engine;
mod exchange;
mod flow;
pub mod fuzz;
pub mod jose;
pub mod keygen;
mod plan;
pub mod profile;
pub mod report;
pub mod revision;
mod runner;
pub mod scenario;
mod target;
pub mod types;
mod verdict;
mod yaml;

/// `suites/` and `vectors/` as compiled in: (path relative to the folder, text).
mod embedded_files {
    include!(concat!(env!("OUT_DIR"), "/embedded_files.rs"));
}
