//! Golden inputs in `testdata/http1/`: each `NAME.http` is decoded whole, split at every
//! position and one byte at a time, and the outcome must equal `NAME.out`. Responses may have
//! a `NAME.expect` file: one line per request sent (`get`, `head` or `connect`).
//!
//! To write missing or changed `.out` files after a deliberate change, run with `BLESS=1` and
//! review the diff.

mod support;

use std::path::{Path, PathBuf};

use support::{check_all_cuts, requests, responses, Outcome};
use weir_codec::http1::ResponseFor;

fn inputs(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/http1")
        .join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("testdata dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "http"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no inputs in {}", dir.display());
    files
}

fn compare(input: &Path, outcome: &Outcome) {
    let out_path = input.with_extension("out");
    let got = outcome.render();
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&out_path, &got).expect("write .out");
        return;
    }
    let want = std::fs::read_to_string(&out_path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with BLESS=1 to create)", out_path.display()));
    assert_eq!(got, want, "{}", input.display());
}

fn expectations(input: &Path) -> Vec<ResponseFor> {
    let Ok(text) = std::fs::read_to_string(input.with_extension("expect")) else {
        return Vec::new();
    };
    text.lines()
        .map(|l| match l.trim() {
            "head" => ResponseFor {
                head_request: true,
                connect: false,
            },
            "connect" => ResponseFor {
                head_request: false,
                connect: true,
            },
            _ => ResponseFor::default(),
        })
        .collect()
}

#[test]
fn golden_requests() {
    for path in inputs("requests") {
        let input = std::fs::read(&path).expect("read input");
        let outcome = check_all_cuts(requests, &input);
        assert_eq!(outcome.error, None, "{}", path.display());
        compare(&path, &outcome);
    }
}

#[test]
fn golden_responses() {
    for path in inputs("responses") {
        let input = std::fs::read(&path).expect("read input");
        let expect = expectations(&path);
        let outcome = check_all_cuts(responses(&expect), &input);
        assert_eq!(outcome.error, None, "{}", path.display());
        compare(&path, &outcome);
    }
}
