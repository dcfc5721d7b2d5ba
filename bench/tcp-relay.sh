#!/usr/bin/env bash
# TCP relay benchmark: weir (--threads=1) vs HAProxy (mode tcp, nbthread 1).
#
#   bench/tcp-relay.sh            # from the repo root
#
# Measures, for each proxy, interleaved, median of $RUNS runs:
#   1. bulk throughput  : iperf3 client -> proxy -> iperf3 server, upload and
#                         download (-R), $BULK_SECS s each; GB/s and proxy CPU s/GB
#   2. connection rate  : wrk -H 'Connection: close' -> proxy -> nginx (tiny
#                         static file), $CONN_SECS s; conn/s and proxy CPU us/conn
# Proxy CPU time = utime+stime of the proxy pid (/proc/PID/stat) before/after.
# The proxy is pinned to CPU $PROXY_CPU, load generators and backends to CPU $LOAD_CPU.
#
# Environment knobs (all optional):
#   WEIR=path/to/weir  RUNS=3  BULK_SECS=5  CONN_SECS=5  CONNS=32
#   PROXY_CPU=0  LOAD_CPU=1  KEEP_TMP=1 (keep logs/configs in the temp dir)
set -euo pipefail

WEIR=${WEIR:-target/release/weir}
RUNS=${RUNS:-3}
BULK_SECS=${BULK_SECS:-5}
CONN_SECS=${CONN_SECS:-5}
CONNS=${CONNS:-32}
PROXY_CPU=${PROXY_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
PROXIES=(weir haproxy)

die() { echo "tcp-relay: $*" >&2; exit 1; }
log() { echo "[$(date +%T)] $*" >&2; }

# ---------------------------------------------------------------- prerequisites
for t in haproxy nginx wrk iperf3 taskset python3 ss getconf; do
  command -v "$t" >/dev/null || die "missing '$t' (apt-get install -y haproxy nginx wrk iperf3 util-linux iproute2)"
done
if [[ ! -x $WEIR ]]; then
  log "building weir (cargo build --release -p weir)"
  cargo build --release -p weir >&2 || die "cannot build weir"
fi
WEIR=$(readlink -f "$WEIR")
HZ=$(getconf CLK_TCK)

# ---------------------------------------------------------------- cleanup
TMP=$(mktemp -d /tmp/weir-bench.XXXXXX)
chmod 755 "$TMP"
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]:-}"; do
    [[ -n $p ]] && kill "$p" 2>/dev/null || true
  done
  sleep 0.3
  for p in "${PIDS[@]:-}"; do
    [[ -n $p ]] && kill -9 "$p" 2>/dev/null || true
  done
  if [[ -n ${KEEP_TMP:-} ]]; then echo "tcp-relay: kept $TMP" >&2; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

stop_pid() { # stop one pid we started and forget it
  local pid=$1 i
  kill "$pid" 2>/dev/null || true
  for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  local keep=() p
  for p in "${PIDS[@]:-}"; do [[ $p == "$pid" ]] || keep+=("$p"); done
  PIDS=("${keep[@]:-}")
}

wait_port() { # wait until something listens on 127.0.0.1:$1
  local i
  for i in $(seq 100); do
    ss -Hltn "sport = :$1" 2>/dev/null | grep -q . && return 0
    sleep 0.05
  done
  return 1
}

# Pick free ports on 127.0.0.1 (bind to port 0 all at once, then release).
read -r P_BULK_BE P_HTTP_BE P_WEIR_BULK P_WEIR_HTTP P_HAP_BULK P_HAP_HTTP < <(python3 - <<'EOF'
import socket
ss=[socket.socket() for _ in range(6)]
for s in ss: s.bind(("127.0.0.1",0))
print(*[s.getsockname()[1] for s in ss])
EOF
)

cpu_ticks() { # utime+stime of a pid (all its threads), in clock ticks
  sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12+$13}'
}

# ---------------------------------------------------------------- backends
iperf3 -s -B 127.0.0.1 -p "$P_BULK_BE" >"$TMP/iperf3-server.log" 2>&1 &
IPERF_PID=$!; PIDS+=("$IPERF_PID")
taskset -pc "$LOAD_CPU" "$IPERF_PID" >/dev/null

mkdir -p "$TMP/www" "$TMP/nginx-tmp"
printf 'hello from the weir tcp-relay bench\n' >"$TMP/www/index.html"
chmod -R a+rX "$TMP/www"
cat >"$TMP/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $TMP/nginx.pid;
error_log $TMP/nginx-error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path $TMP/nginx-tmp/body;
  proxy_temp_path $TMP/nginx-tmp/proxy;
  fastcgi_temp_path $TMP/nginx-tmp/fastcgi;
  uwsgi_temp_path $TMP/nginx-tmp/uwsgi;
  scgi_temp_path $TMP/nginx-tmp/scgi;
  server {
    listen 127.0.0.1:$P_HTTP_BE backlog=4096;
    root $TMP/www;
  }
}
EOF
taskset -c "$LOAD_CPU" nginx -c "$TMP/nginx.conf" -p "$TMP" >"$TMP/nginx.out" 2>&1 &
NGINX_PID=$!; PIDS+=("$NGINX_PID")

wait_port "$P_BULK_BE" || die "iperf3 server did not start: $(cat "$TMP/iperf3-server.log")"
wait_port "$P_HTTP_BE" || die "nginx did not start: $(cat "$TMP/nginx.out" "$TMP/nginx-error.log" 2>/dev/null)"

# ---------------------------------------------------------------- proxies
cat >"$TMP/weir-relay.js" <<EOF
pipy()
  .listen($P_WEIR_BULK).connect('127.0.0.1:$P_BULK_BE')
  .listen($P_WEIR_HTTP).connect('127.0.0.1:$P_HTTP_BE')
EOF
cat >"$TMP/haproxy.cfg" <<EOF
global
  nbthread 1
  maxconn 8000
defaults
  mode tcp
  timeout connect 5s
  timeout client 60s
  timeout server 60s
listen bulk
  bind 127.0.0.1:$P_HAP_BULK
  server be 127.0.0.1:$P_BULK_BE
listen http
  bind 127.0.0.1:$P_HAP_HTTP
  server be 127.0.0.1:$P_HTTP_BE
EOF

PROXY_PID=
start_proxy() { # $1 = weir|haproxy ; sets PROXY_PID
  case $1 in
    weir)
      taskset -c "$PROXY_CPU" "$WEIR" --threads=1 --log-level=warn --no-graph "$TMP/weir-relay.js" \
        >>"$TMP/weir.log" 2>&1 &
      PROXY_PID=$!; PIDS+=("$PROXY_PID")
      wait_port "$P_WEIR_BULK" && wait_port "$P_WEIR_HTTP" || die "weir did not start: $(cat "$TMP/weir.log")" ;;
    haproxy)
      taskset -c "$PROXY_CPU" haproxy -db -f "$TMP/haproxy.cfg" >>"$TMP/haproxy.log" 2>&1 &
      PROXY_PID=$!; PIDS+=("$PROXY_PID")
      wait_port "$P_HAP_BULK" && wait_port "$P_HAP_HTTP" || die "haproxy did not start: $(cat "$TMP/haproxy.log")" ;;
  esac
}
port_of() { # $1 proxy, $2 bulk|http
  case $1-$2 in
    weir-bulk) echo "$P_WEIR_BULK" ;; weir-http) echo "$P_WEIR_HTTP" ;;
    haproxy-bulk) echo "$P_HAP_BULK" ;; haproxy-http) echo "$P_HAP_HTTP" ;;
  esac
}
check_alive() { # $1 proxy name, $2 what just ran
  if ! kill -0 "$PROXY_PID" 2>/dev/null; then
    echo "!! $1 died during $2; log tail:" >&2; tail -20 "$TMP/$1.log" >&2
    PROBLEMS+=("$1 died during $2")
    return 1
  fi
}

PROBLEMS=()
declare -A RES   # RES[proxy,metric,run]

# One iperf3 run. $1 proxy $2 run $3 dir (up|down)
bulk_run() {
  local p=$1 r=$2 dir=$3 port t0 t1 json flag=
  port=$(port_of "$p" bulk)
  [[ $dir == down ]] && flag=-R
  json=$TMP/iperf-$p-$dir-$r.json
  t0=$(cpu_ticks "$PROXY_PID")
  timeout $((BULK_SECS + 10)) taskset -c "$LOAD_CPU" \
    iperf3 -c 127.0.0.1 -p "$port" -t "$BULK_SECS" $flag -J >"$json" 2>"$json.err" || true
  t1=$(cpu_ticks "$PROXY_PID" 2>/dev/null || echo "$t0")
  check_alive "$p" "bulk-$dir run $r" || true
  python3 - "$json" "$t0" "$t1" "$HZ" <<'EOF' >"$json.res" || true
import json, sys
f, t0, t1, hz = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
try:
    d = json.load(open(f))
except Exception as e:
    print("ERR", "bad-json"); sys.exit()
if "error" in d:
    print("ERR", d["error"].replace(" ", "_")); sys.exit()
e = d["end"]
sent, recv = e["sum_sent"]["bytes"], e["sum_received"]["bytes"]
secs = e["sum_received"]["seconds"]
cpu = (t1 - t0) / hz
gb = recv / 1e9
print("OK", f"{gb/secs:.3f}", f"{cpu/gb if gb else 0:.3f}", sent, recv)
EOF
  local st gbps cpg sent recv
  read -r st gbps cpg sent recv <"$json.res" || st=ERR
  if [[ $st != OK ]]; then
    PROBLEMS+=("$p bulk-$dir run $r: iperf3 failed: $gbps $(head -c 300 "$json.err")")
    RES[$p,bulk-$dir,$r]=nan; RES[$p,cpu-$dir,$r]=nan
    return
  fi
  # Through a relay the receiver may lag the sender by what is buffered at the stop;
  # more than 1% missing is flagged.
  if (( recv * 100 < sent * 99 )); then
    PROBLEMS+=("$p bulk-$dir run $r: sent $sent bytes but backend/receiver got $recv")
  fi
  RES[$p,bulk-$dir,$r]=$gbps; RES[$p,cpu-$dir,$r]=$cpg
  log "$p bulk-$dir run $r: $gbps GB/s, $cpg CPU-s/GB (sent $sent, received $recv)"
}

conn_run() {
  local p=$1 r=$2 port t0 t1 out
  port=$(port_of "$p" http)
  out=$TMP/wrk-$p-$r.txt
  t0=$(cpu_ticks "$PROXY_PID")
  timeout $((CONN_SECS + 10)) taskset -c "$LOAD_CPU" \
    wrk -t1 -c"$CONNS" -d"${CONN_SECS}s" --timeout 5s -H 'Connection: close' \
    "http://127.0.0.1:$port/index.html" >"$out" 2>&1 || true
  t1=$(cpu_ticks "$PROXY_PID" 2>/dev/null || echo "$t0")
  check_alive "$p" "conn run $r" || true
  local reqs secs errs non2xx
  reqs=$(awk '/requests in/ {print $1}' "$out")
  secs=$(awk '/requests in/ {gsub(/s,?$/,"",$4); print $4}' "$out")
  errs=$(grep -E 'Socket errors' "$out" || true)
  non2xx=$(grep -E 'Non-2xx' "$out" || true)
  if [[ -z $reqs || -z $secs || $reqs == 0 ]]; then
    PROBLEMS+=("$p conn run $r: wrk produced no result: $(head -c 300 "$out")")
    RES[$p,conn,$r]=nan; RES[$p,cpuconn,$r]=nan
    return
  fi
  [[ -n $errs || -n $non2xx ]] && PROBLEMS+=("$p conn run $r: $reqs requests; ${errs}${non2xx:+ $non2xx}")
  RES[$p,conn,$r]=$(awk -v n="$reqs" -v s="$secs" 'BEGIN{printf "%.0f", n/s}')
  RES[$p,cpuconn,$r]=$(awk -v a="$t0" -v b="$t1" -v hz="$HZ" -v n="$reqs" 'BEGIN{printf "%.1f", (b-a)/hz*1e6/n}')
  log "$p conn run $r: ${RES[$p,conn,$r]} conn/s, ${RES[$p,cpuconn,$r]} CPU-us/conn ($reqs in ${secs}s)${errs:+; $errs}"
}

# ---------------------------------------------------------------- run
log "ports: iperf3 $P_BULK_BE nginx $P_HTTP_BE weir $P_WEIR_BULK/$P_WEIR_HTTP haproxy $P_HAP_BULK/$P_HAP_HTTP; tmp $TMP"
LOAD_BEFORE=$(cut -d' ' -f1 /proc/loadavg)
awk -v l="$LOAD_BEFORE" 'BEGIN{exit !(l > 0.5)}' &&
  log "WARNING: load average is $LOAD_BEFORE before starting; other work on this machine will skew throughput (CPU-per-unit numbers are more robust)"
log "weir: $WEIR ($("$WEIR" --version 2>/dev/null || echo '?'))  haproxy: $(haproxy -v | head -1 | awk '{print $3}')"
# Warm the backends up once, directly.
taskset -c "$LOAD_CPU" wrk -t1 -c4 -d1s -H 'Connection: close' "http://127.0.0.1:$P_HTTP_BE/index.html" >/dev/null 2>&1 || true

for r in $(seq "$RUNS"); do
  for p in "${PROXIES[@]}"; do
    start_proxy "$p"
    bulk_run "$p" "$r" up
    kill -0 "$PROXY_PID" 2>/dev/null || start_proxy "$p"
    bulk_run "$p" "$r" down
    kill -0 "$PROXY_PID" 2>/dev/null || start_proxy "$p"
    sleep 0.5
    conn_run "$p" "$r"
    stop_pid "$PROXY_PID"
    sleep 1  # let TIME_WAIT / CPU settle a little between proxies
  done
done

# ---------------------------------------------------------------- report
median() { # numbers as args; "nan" entries are ignored
  printf '%s\n' "$@" | grep -v nan | sort -g | awk '{a[NR]=$1} END{ if (NR==0) print "nan"; else if (NR%2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2 }'
}
med() { local p=$1 m=$2 r vals=(); for r in $(seq "$RUNS"); do vals+=("${RES[$p,$m,$r]:-nan}"); done; median "${vals[@]}"; }
runs() { local p=$1 m=$2 r out=; for r in $(seq "$RUNS"); do out+="${RES[$p,$m,$r]:-nan} "; done; echo "${out% }"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (a=="nan"||b=="nan"||b==0) print "n/a"; else printf "%.2f", a/b }'; }

echo
echo "TCP relay: weir --threads=1 vs haproxy mode tcp nbthread 1 (proxy on CPU $PROXY_CPU, load+backend on CPU $LOAD_CPU)"
echo "load average before: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg) (ours adds ~2 while running)"
echo "median of $RUNS runs; bulk = iperf3 ${BULK_SECS}s; conn = wrk -c$CONNS ${CONN_SECS}s 'Connection: close' to nginx"
echo
printf '%-28s %12s %12s %14s\n' metric weir haproxy weir/haproxy
printf '%-28s %12s %12s %14s\n' ---------------------------- ------------ ------------ --------------
row() { local label=$1 m=$2 w h; w=$(med weir "$m"); h=$(med haproxy "$m"); printf '%-28s %12s %12s %14s\n' "$label" "$w" "$h" "$(ratio "$w" "$h")"; }
row "bulk upload GB/s"           bulk-up
row "  proxy CPU-s per GB"       cpu-up
row "bulk download (-R) GB/s"    bulk-down
row "  proxy CPU-s per GB"       cpu-down
row "connections/s"              conn
row "  proxy CPU-us per conn"    cpuconn
echo
echo "all runs:"
for p in "${PROXIES[@]}"; do
  for m in bulk-up cpu-up bulk-down cpu-down conn cpuconn; do
    printf '  %-8s %-10s %s\n' "$p" "$m" "$(runs "$p" "$m")"
  done
done
if [[ -s $TMP/weir.log ]]; then
  echo; echo "weir log (last 10 lines):"; tail -10 "$TMP/weir.log"
fi
if ((${#PROBLEMS[@]})); then
  echo; echo "PROBLEMS:"; printf '  - %s\n' "${PROBLEMS[@]}"
  exit 2
fi
