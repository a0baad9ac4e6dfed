//! Running a user's program (the login escape hatch, a pre-authorized code source) with a
//! timeout: it is killed when the time is up, never waited for beyond it.
use std::time::Duration;

/// Why the user's program gave no output to use.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error("the command is empty (give argv as a list)")]
    Empty,
    #[error("cannot start {prog:?}: {source}")]
    Start {
        prog: String,
        source: std::io::Error,
    },
    #[error("{prog:?} failed: {source}")]
    Wait {
        prog: String,
        source: std::io::Error,
    },
    #[error("{prog:?} did not finish within {after:?}")]
    Timeout { prog: String, after: Duration },
    /// A non-zero exit, with (the start of) what it printed on stderr.
    #[error("{prog:?} exited with {status}: {stderr}")]
    Exit {
        prog: String,
        status: std::process::ExitStatus,
        stderr: String,
    },
    #[error("{prog:?} printed something not UTF-8")]
    NotUtf8 { prog: String },
}

/// Runs `argv` (with `extra_env`), returns its stdout, or why not.
pub async fn run(
    argv: &[String],
    extra_env: &[(&str, &str)],
    timeout: Duration,
) -> Result<String, CommandError> {
    let (prog, args) = argv.split_first().ok_or(CommandError::Empty)?;
    let mut cmd = tokio::process::Command::new(prog);
    cmd.args(args)
        .envs(extra_env.iter().copied())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    let child = cmd.spawn().map_err(|source| CommandError::Start {
        prog: prog.clone(),
        source,
    })?;
    let out = match tokio::time::timeout(timeout, child.wait_with_output()).await {
        Ok(r) => r.map_err(|source| CommandError::Wait {
            prog: prog.clone(),
            source,
        })?,
        // Dropping the future drops the child: kill_on_drop ends it.
        Err(_) => {
            return Err(CommandError::Timeout {
                prog: prog.clone(),
                after: timeout,
            })
        }
    };
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let err: String = err.chars().take(2000).collect();
        return Err(CommandError::Exit {
            prog: prog.clone(),
            status: out.status,
            stderr: err.trim().to_string(),
        });
    }
    String::from_utf8(out.stdout).map_err(|_| CommandError::NotUtf8 { prog: prog.clone() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn output_failure_and_timeout() {
        let ok = run(
            &["sh".into(), "-c".into(), "echo \"$X\"".into()],
            &[("X", "hello")],
            Duration::from_secs(5),
        )
        .await;
        assert_eq!(ok.unwrap(), "hello\n");
        let bad = run(
            &["sh".into(), "-c".into(), "echo nope >&2; exit 3".into()],
            &[],
            Duration::from_secs(5),
        )
        .await;
        assert!(bad.unwrap_err().to_string().contains("nope"));
        let start = std::time::Instant::now();
        let slow = run(
            &["sleep".into(), "5".into()],
            &[],
            Duration::from_millis(200),
        )
        .await;
        assert!(matches!(slow.unwrap_err(), CommandError::Timeout { .. }));
        assert!(start.elapsed() < Duration::from_secs(3));
        assert!(run(&[], &[], Duration::from_secs(1)).await.is_err());
    }
}
