//! Named faults: each bends exactly one rule of draft-10 (or of RFC 9449 for combined mode).
//! CONTRACT: `Fault::all()`, `Fault::name()` (kebab-case, stable), `Fault::description()`,
//! `Fault::from_name()`. The suite's self-test iterates `all()`.

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fault {
    /// Accepts a PoP whose `aud` is not the issuer.
    PopAudNotChecked,
}

impl Fault {
    pub fn all() -> &'static [Fault] {
        &[Fault::PopAudNotChecked]
    }
    pub fn name(self) -> &'static str {
        match self {
            Fault::PopAudNotChecked => "pop-aud-not-checked",
        }
    }
    pub fn description(self) -> &'static str {
        match self {
            Fault::PopAudNotChecked => "accepts a PoP whose aud is not the issuer",
        }
    }
    pub fn from_name(name: &str) -> Option<Fault> {
        Fault::all().iter().copied().find(|f| f.name() == name)
    }
}
