//! Running the built binary (or a shell line) from a test, one way everywhere: stdin closed,
//! a time limit that fails the test by name, and the child killed when the test gives up.
use std::process::Stdio;
use std::time::Duration;

/// What a finished child printed, and its exit code.
pub struct Out {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    /// Everything, for an assertion message.
    #[allow(dead_code)] // not every test binary prints it
    pub fn both(&self) -> String {
        format!(
            "exit {:?}\nstdout:\n{}\nstderr:\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// A command for the built `abca-conformance`.
pub fn bin() -> tokio::process::Command {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_abca-conformance"))
}

/// Runs `cmd` to its end; panics naming `what` when it outlives `limit` (the child is killed).
pub async fn output(mut cmd: tokio::process::Command, limit: Duration, what: &str) -> Out {
    cmd.stdin(Stdio::null()).kill_on_drop(true);
    let out = tokio::time::timeout(limit, cmd.output())
        .await
        .unwrap_or_else(|_| panic!("{what} hung (> {limit:?})"))
        .unwrap_or_else(|e| panic!("start {what}: {e}"));
    Out {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// [`output`] for a synchronous caller (also one running inside a runtime: the child is
/// awaited on a thread of its own).
#[allow(dead_code)] // used by the synchronous callers only
pub fn output_blocking(cmd: tokio::process::Command, limit: Duration, what: &str) -> Out {
    let what = what.to_string();
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
            .block_on(output(cmd, limit, &what))
    })
    .join()
    .unwrap_or_else(|e| std::panic::resume_unwind(e))
}
