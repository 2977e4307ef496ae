//! Running the vendors' tools: found on `PATH` (so tests put fakes first),
//! bounded in time so a hung driver cannot hang `rigsize`.

use std::ffi::OsStr;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Duration;

use wait_timeout::ChildExt;

/// Longest a vendor tool may run; `nvidia-smi` answers in well under a
/// second, `system_profiler` in a few.
const TOOL_TIMEOUT: Duration = Duration::from_secs(20);

/// What happened when a tool was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolOutput {
    /// Not on PATH: the normal case on a machine without that vendor.
    Absent,
    /// Ran but failed, timed out or printed nothing useful; the reason.
    Failed(String),
    /// Standard output of a successful run.
    Ok(String),
}

/// Runs `program args…`, looked up on `path` (default: this process's
/// `PATH`), and collects its standard output.
pub fn run_tool(program: &str, args: &[&str], path: Option<&OsStr>) -> ToolOutput {
    let mut cmd = Command::new(program);
    if let Some(p) = path {
        cmd.env("PATH", p);
    }
    let child = cmd
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return ToolOutput::Absent,
        Err(e) => return ToolOutput::Failed(format!("{program} could not start: {e}")),
    };
    // Read on a thread so a chatty tool cannot fill the pipe and block.
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let status = match child.wait_timeout(TOOL_TIMEOUT) {
        Ok(Some(s)) => s,
        Ok(None) => {
            let _ = child.kill();
            let _ = child.wait();
            return ToolOutput::Failed(format!(
                "{program} did not answer within {} s",
                TOOL_TIMEOUT.as_secs()
            ));
        }
        Err(e) => return ToolOutput::Failed(format!("{program}: {e}")),
    };
    let out = reader.join().unwrap_or_default();
    if !status.success() {
        return ToolOutput::Failed(format!("{program} exited with {status}"));
    }
    ToolOutput::Ok(out)
}
