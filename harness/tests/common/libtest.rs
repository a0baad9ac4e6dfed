//! The libtest filter, for the test binaries that run libtest-mimic trials
//! (tests/suite.rs, tests/self_test.rs) and must decide what to run before they make trials.

/// Would libtest run a trial named `name` with these arguments (the filter, `--exact`,
/// `--skip`)? libtest applies the filter again itself; this only saves the work of the
/// trials it would filter out.
pub fn wanted(args: &libtest_mimic::Arguments, name: &str) -> bool {
    let filtered = match &args.filter {
        None => true,
        Some(f) if args.exact => name == f,
        Some(f) => name.contains(f.as_str()),
    };
    filtered && !args.skip.iter().any(|s| name.contains(s.as_str()))
}
