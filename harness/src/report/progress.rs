//! The progress bar on stderr: shown only on a terminal and for runs long enough to wait
//! for, so CI logs and pipes stay clean.
use super::{CaseResult, Verdict};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Runs with at most this many cases finish before a bar is worth drawing.
pub const MIN_CASES: usize = 20;

pub struct Progress {
    bar: ProgressBar,
    failed: AtomicUsize,
}

/// Whether a run of `cases` cases gets a bar, given whether stderr is a terminal.
pub fn wanted(cases: usize, stderr_is_terminal: bool) -> bool {
    stderr_is_terminal && cases > MIN_CASES
}

impl Progress {
    /// A bar on stderr when [`wanted`], else a hidden one; `cases` counts the run's cases
    /// and is only called when stderr is a terminal.
    pub fn for_run(cases: impl FnOnce() -> usize) -> Progress {
        use std::io::IsTerminal;
        let tty = std::io::stderr().is_terminal();
        let cases = if tty { cases() } else { 0 };
        if !wanted(cases, tty) {
            return Progress::hidden();
        }
        let bar = ProgressBar::with_draw_target(Some(cases as u64), ProgressDrawTarget::stderr());
        // The template is a constant; fall back to the default style rather than panic.
        if let Ok(style) =
            ProgressStyle::with_template("{elapsed:>4} [{wide_bar}] {pos}/{len} {msg}")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        Progress {
            bar,
            failed: AtomicUsize::new(0),
        }
    }

    pub fn hidden() -> Progress {
        Progress {
            bar: ProgressBar::hidden(),
            failed: AtomicUsize::new(0),
        }
    }

    pub fn is_hidden(&self) -> bool {
        self.bar.is_hidden()
    }

    /// One result decided (called from the runner's `on_result`).
    pub fn tick(&self, r: &CaseResult) {
        if r.verdict == Verdict::Fail {
            let n = self.failed.fetch_add(1, Ordering::Relaxed) + 1;
            self.bar.set_message(format!("{n} fail"));
        }
        self.bar.inc(1);
    }

    /// Removes the bar before the summary is printed.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_long_runs_on_a_terminal() {
        assert!(!wanted(500, false));
        assert!(!wanted(MIN_CASES, true));
        assert!(wanted(MIN_CASES + 1, true));
    }
}
