//! Golden-script conformance runner over `tests/conformance/NNN-name/`.
//!
//! A case is `main.js` plus either `test.sh` (weir is started with
//! `--log-level=debug:thread`, the runner waits for `Thread 0 started`, runs the script and
//! compares its stdout with `output`) or, without `test.sh`, weir's own stdout compared with
//! `output` (the program must exit by itself). `test.sh` gets `$WEIR`, the binary.
//! `WEIR_CASE=NNN cargo test --profile ci -p weir --test conformance` runs only matching cases.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

mod common;

use common::{start_weir, WEIR};

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/conformance");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("tests/conformance exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("main.js").is_file())
        .filter(|p| match std::env::var("WEIR_CASE") {
            // `WEIR_CASE=057` runs only the cases whose directory name contains it.
            Ok(want) => p.to_string_lossy().contains(want.as_str()),
            Err(_) => true,
        })
        .collect();
    v.sort();
    v
}

fn run_case(dir: &Path) -> Result<(), String> {
    let expected =
        std::fs::read_to_string(dir.join("output")).map_err(|e| format!("no output file: {e}"))?;
    let actual = if dir.join("test.sh").is_file() {
        let _weir = start_weir(&["main.js"], Some(dir))?;
        let out = Command::new("timeout")
            .args(["60", "bash", "test.sh"])
            .current_dir(dir)
            .env("WEIR", WEIR)
            .output()
            .map_err(|e| e.to_string())?;
        String::from_utf8_lossy(&out.stdout).into_owned()
    } else {
        let out = Command::new("timeout")
            .args(["30", WEIR, "--no-graph", "main.js"])
            .current_dir(dir)
            .output()
            .map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(format!(
                "exit status {}\nstderr:\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let norm = |s: &str| s.replace("\r\n", "\n");
    if norm(&actual) == norm(&expected) {
        Ok(())
    } else {
        Err(format!("--- expected\n{expected}\n--- actual\n{actual}"))
    }
}

#[test]
fn conformance() {
    let mut failed = Vec::new();
    let all = cases();
    assert!(!all.is_empty(), "no conformance cases found");
    for dir in &all {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let t = Instant::now();
        match run_case(dir) {
            Ok(()) => eprintln!(
                "conformance {name} ... ok ({:.1}s)",
                t.elapsed().as_secs_f64()
            ),
            Err(e) => {
                eprintln!("conformance {name} ... FAILED\n{e}");
                failed.push(name);
            }
        }
    }
    assert!(failed.is_empty(), "failed cases: {failed:?}");
}
