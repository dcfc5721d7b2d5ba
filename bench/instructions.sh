#!/usr/bin/env bash
# User-space instructions per request, weir vs nginx, counted by valgrind (callgrind).
#
# Unlike CPU time, an instruction count does not move when other work shares the machine,
# so this compares builds and proxies reliably on a noisy 2-core box. It leaves out the
# kernel (the system calls are the same for weir and nginx on these jobs: one read and one
# writev per request and side) and cache effects, so read it next to bench/http.sh.
#
# Cases: serve (constant 'Hi'), proxy (tutorial 03: demuxHTTP -> muxHTTP -> connect to an
# nginx backend) and router (proxy plus tutorial 04's per-request scripting, as in
# bench/http.sh; nginx runs its plain proxy config for it, so weir's router-minus-proxy is
# the cost of the scripting). Each proxy runs under callgrind; after a warm-up, the counters are
# zeroed, wrk runs for SECS seconds, the counters are dumped, and the total is divided by
# the requests wrk completed.
#
# Settings: SECS (3), CONNS (20), CASES ("serve proxy router"), WEIR (target/release/weir),
# WEIR_BASE (a second weir binary to compare, optional), NO_NGINX=1 (weir only), KEEP_TMP=1.
set -euo pipefail

WEIR=${WEIR:-target/release/weir}
SECS=${SECS:-3}
CONNS=${CONNS:-20}
read -r -a CASES <<<"${CASES:-serve proxy router}"

die() { echo "instructions: $*" >&2; exit 1; }
for t in valgrind callgrind_annotate callgrind_control nginx wrk curl python3; do
  command -v "$t" >/dev/null || die "missing '$t' (apt-get install -y valgrind nginx wrk curl)"
done
[[ -x $WEIR ]] || cargo build --release -p weir >&2 || die "cannot build weir"
WEIR=$(readlink -f "$WEIR")
[[ -z ${WEIR_BASE:-} ]] || WEIR_BASE=$(readlink -f "$WEIR_BASE")

TMP=$(mktemp -d /tmp/weir-bench-instr.XXXXXX)
chmod 755 "$TMP"
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]:-}"; do [[ -n $p ]] && kill "$p" 2>/dev/null || true; done
  sleep 0.5
  for p in "${PIDS[@]:-}"; do [[ -n $p ]] && kill -9 "$p" 2>/dev/null || true; done
  if [[ -n ${KEEP_TMP:-} ]]; then echo "instructions: kept $TMP" >&2; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

read -r P_BE P_SERVE P_PROXY < <(python3 - <<'EOF'
import socket
ss=[socket.socket() for _ in range(3)]
for s in ss: s.bind(("127.0.0.1",0))
print(*[s.getsockname()[1] for s in ss])
EOF
)

# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
nginx_conf backend "  server { listen 127.0.0.1:$P_BE; location / { default_type text/plain; return 200 'hello-from-the-nginx-backend'; } }"
nginx_conf serve "  server { listen 127.0.0.1:$P_SERVE; location / { default_type text/plain; return 200 'Hi'; } }"
nginx_conf proxy "  upstream be { server 127.0.0.1:$P_BE; keepalive 256; keepalive_requests 1000000; }
  server { listen 127.0.0.1:$P_PROXY; location / { proxy_pass http://be; proxy_http_version 1.1; proxy_set_header Connection \"\"; } }"
weir_scripts "$TMP" "$P_SERVE" "$P_PROXY" "$P_BE" Hi

nginx -c "$TMP/nginx-backend.conf" >/dev/null 2>&1 </dev/null &
PIDS+=($!)

# measure NAME PORT CMD...: prints instructions per request
measure() {
  local name=$1 port=$2 out="$TMP/cg-$1" pid n ir i
  shift 2
  valgrind --tool=callgrind --callgrind-out-file="$out" "$@" >"$TMP/$name.log" 2>&1 </dev/null &
  pid=$!
  PIDS+=($pid)
  for i in $(seq 150); do
    curl -s -o /dev/null "http://127.0.0.1:$port/" && break
    sleep 0.2
  done
  wrk -t1 -c"$CONNS" -d1s "http://127.0.0.1:$port/" >/dev/null
  callgrind_control -z "$pid" >/dev/null 2>&1
  n=$(wrk -t1 -c"$CONNS" -d"${SECS}s" "http://127.0.0.1:$port/" | awk '/requests in/ {print $1}')
  callgrind_control -d "$pid" >/dev/null 2>&1
  sleep 0.5
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  # The requested dump (after zeroing) is part 1; the exit dump holds only what came after.
  ir=$(callgrind_annotate "$out.1" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",","",$1); print $1}')
  [[ -n $n && $n -gt 0 && -n $ir ]] || die "$name: no measurement (requests '$n', Ir '$ir')"
  printf '%-12s %-6s %8d instructions/request  (%d requests)\n' "$name" "$case" $((ir / n)) "$n"
}

echo "# user-space instructions per request (callgrind), wrk -c$CONNS, ${SECS}s"
for case in "${CASES[@]}"; do
  port=$P_SERVE
  [[ $case == serve ]] || port=$P_PROXY
  conf=$case
  [[ $case == router ]] && conf=proxy
  measure "weir" "$port" "$WEIR" --threads=1 --no-graph "$TMP/weir-$case.js"
  if [[ -n ${WEIR_BASE:-} ]]; then
    measure "weir-base" "$port" "$WEIR_BASE" --threads=1 --no-graph "$TMP/weir-$case.js"
  fi
  [[ -n ${NO_NGINX:-} ]] || measure "nginx" "$port" nginx -c "$TMP/nginx-$conf.conf"
done
