//! abca-conformance: a conformance suite for OAuth 2.0 Attestation-Based Client
//! Authentication (draft-ietf-oauth-attestation-based-client-auth-10).
//!
//! Data flows target → scenario → plan → exchange → verdict → report (see README).
pub mod jose;
pub mod keygen;
pub mod report;
pub mod scenario;
