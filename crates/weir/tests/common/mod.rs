//! Helpers shared by the integration tests: starting weir and stopping it again.

#![allow(dead_code)] // each test file uses a different part

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub const WEIR: &str = env!("CARGO_BIN_EXE_weir");

/// A child process that is killed when the test is done with it.
pub struct Proc(pub Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Starts `weir --log-level=debug:thread --no-graph <args>` in `dir` and waits until its
/// first worker has started (its listeners are open).
pub fn start_weir(args: &[&str], dir: Option<&Path>) -> Result<Proc, String> {
    let mut cmd = Command::new(WEIR);
    cmd.args(["--log-level=debug:thread", "--no-graph"])
        .args(args);
    if let Some(dir) = dir {
        cmd.current_dir(dir);
    }
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let stderr = child.stderr.take().ok_or("no stderr")?;
    let proc = Proc(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut seen = Vec::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains("Thread 0 started") {
                let _ = tx.send(Ok(()));
            }
            seen.push(line);
        }
        let _ = tx.send(Err(seen.join("\n")));
    });
    match rx.recv_timeout(Duration::from_secs(10)) {
        Ok(Ok(())) => Ok(proc),
        Ok(Err(log)) => Err(format!("weir exited before starting:\n{log}")),
        Err(_) => Err("weir did not start in time".to_string()),
    }
}

/// Writes `script` to a new temporary directory and starts weir on it.
pub fn start_script(script: &str, extra: &[&str]) -> Proc {
    let dir =
        std::env::temp_dir().join(format!("weir-test-{}-{}", std::process::id(), free_port()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("main.js");
    std::fs::write(&file, script).expect("script");
    let path = file.to_string_lossy().into_owned();
    let mut args: Vec<&str> = extra.to_vec();
    args.push(&path);
    start_weir(&args, None).expect("weir starts")
}
