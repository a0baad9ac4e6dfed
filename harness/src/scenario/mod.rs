//! Scenarios: the YAML corpus (model) and how it is read (load).
pub mod load;
pub mod model;
pub use load::{InputError, Loaded};
pub use model::*;
