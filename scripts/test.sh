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
# The shipped build (fat LTO), then the tests in the `ci` profile: release code generation
# without LTO, so the many test binaries link quickly.
cargo build --release --locked
# To a file, not through a pipe: a stray child process holding the pipe open must not make
# this script wait for it.
log=$(mktemp)
status=0
cargo test --profile ci --locked --workspace --no-fail-fast > "$log" 2>&1 || status=$?
cat "$log"
passed=$(grep -Eo '[0-9]+ passed' "$log" | awk '{s+=$1} END {print s+0}')
failed=$(grep -Eo '[0-9]+ failed' "$log" | awk '{s+=$1} END {print s+0}')
echo "${passed} passed, ${failed} failed"
rm -f "$log"
[ "$failed" -eq 0 ] && [ "$status" -eq 0 ]
