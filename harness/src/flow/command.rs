//! Running a user's program (the login escape hatch, a pre-authorized code source) with a
//! timeout: it is killed when the time is up, never waited for beyond it.
use std::time::Duration;

/// Runs `argv` (with `extra_env`), returns its stdout, or why not.
pub async fn run(
    argv: &[String],
    extra_env: &[(&str, &str)],
    timeout: Duration,
) -> Result<String, String> {
    let (prog, args) = argv
        .split_first()
        .ok_or("the command is empty (give argv as a list)")?;
    let mut cmd = tokio::process::Command::new(prog);
    cmd.args(args)
        .envs(extra_env.iter().copied())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    let child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {prog:?}: {e}"))?;
    let out = match tokio::time::timeout(timeout, child.wait_with_output()).await {
        Ok(r) => r.map_err(|e| format!("{prog:?} failed: {e}"))?,
        // Dropping the future drops the child: kill_on_drop ends it.
        Err(_) => return Err(format!("{prog:?} did not finish within {timeout:?}")),
    };
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let err: String = err.chars().take(2000).collect();
        return Err(format!(
            "{prog:?} exited with {}: {}",
            out.status,
            err.trim()
        ));
    }
    String::from_utf8(out.stdout).map_err(|_| format!("{prog:?} printed something not UTF-8"))
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
        assert!(bad.unwrap_err().contains("nope"));
        let start = std::time::Instant::now();
        let slow = run(
            &["sleep".into(), "5".into()],
            &[],
            Duration::from_millis(200),
        )
        .await;
        assert!(slow.unwrap_err().contains("did not finish"));
        assert!(start.elapsed() < Duration::from_secs(3));
        assert!(run(&[], &[], Duration::from_secs(1)).await.is_err());
    }
}
