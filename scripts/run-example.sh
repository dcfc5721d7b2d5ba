#!/usr/bin/env bash
# Builds weir (installing Rust if needed) and runs an example script (default: examples/hello.js).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v cargo >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq cargo
fi
cargo build --release --locked
exec ./target/release/weir "${1:-examples/hello.js}"
