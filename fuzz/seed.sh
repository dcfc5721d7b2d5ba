#!/usr/bin/env bash
# Seeds the fuzz corpora from the golden inputs in crates/weir-codec/testdata/http1/.
# Each seed is 2 bytes of split point + 1 byte of flags + the golden bytes (see src/http1.rs).
set -euo pipefail
cd "$(dirname "$0")"
data=../crates/weir-codec/testdata/http1
for kind in request response; do
  mkdir -p "corpus/http1_$kind"
  for f in "$data/${kind}s"/*.http; do
    name=$(basename "$f" .http)
    for flags in 00 01 02; do
      { printf "\x11\x00\x$flags"; cat "$f"; } > "corpus/http1_$kind/$name-$flags"
    done
  done
done
echo "seeded: $(ls corpus/http1_request | wc -l) request, $(ls corpus/http1_response | wc -l) response inputs"
