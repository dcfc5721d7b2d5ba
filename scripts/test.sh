#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine, then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v nc >/dev/null 2>&1 || need+=(netcat-openbsd)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v nginx >/dev/null 2>&1 || need+=(nginx)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
fi
cargo build --release --locked
cargo test --release --locked --workspace 2>&1 | tee /tmp/weir-test.log
passed=$(grep -Eo '[0-9]+ passed' /tmp/weir-test.log | awk '{s+=$1} END {print s+0}')
failed=$(grep -Eo '[0-9]+ failed' /tmp/weir-test.log | awk '{s+=$1} END {print s+0}')
echo "${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
