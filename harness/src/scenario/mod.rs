//! Scenarios: the YAML corpus (model) and how it is read (load).
pub mod model;
pub use model::*;
