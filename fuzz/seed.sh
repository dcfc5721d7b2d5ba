#!/usr/bin/env bash
# Seeds the fuzz corpora from golden inputs:
# - http1_*: crates/weir-codec/testdata/http1/, each seed 2 bytes of split point + 1 byte of
#   flags + the golden bytes (see src/http1.rs);
# - compress_decode: the compressed fixtures of tests/conformance/061 (made by Python's
#   zlib and gzip and Node's brotli), 2 bytes of split point + 1 byte of flags (method,
#   small limit) + the file (see src/compress.rs);
# - compress_round_trip: the plain fixture, 1 byte of flags + 2 piece sizes + the text.
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
fixtures=../tests/conformance/061-http-decompress
mkdir -p corpus/compress_decode corpus/compress_round_trip
seed() { { printf "$2"; cat "$fixtures/$3"; } > "corpus/$1/$4"; }
for small in 0 4; do
  seed compress_decode "\x21\x00\x0$((0 + small))" hello.txt.gz "gz-$small"
  seed compress_decode "\x21\x00\x0$((0 + small))" corrupt.gz "corrupt-gz-$small"
  seed compress_decode "\x21\x00\x0$((0 + small))" truncated.gz "truncated-gz-$small"
  seed compress_decode "\x21\x00\x0$((1 + small))" hello.txt.zlib "zlib-$small"
  seed compress_decode "\x21\x00\x0$((1 + small))" hello.txt.raw "raw-$small"
  seed compress_decode "\x21\x00\x0$((2 + small))" hello.txt.br "br-$small"
done
for flags in 0 1 2 4 6 9 10 14 15; do
  seed compress_round_trip "\x$(printf %02x $flags)\x3f\x1f" hello.txt "hello-$flags"
done
echo "seeded: $(ls corpus/http1_request | wc -l) request, $(ls corpus/http1_response | wc -l) response," \
  "$(ls corpus/compress_decode | wc -l) decode, $(ls corpus/compress_round_trip | wc -l) round-trip inputs"
