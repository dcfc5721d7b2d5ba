#!/usr/bin/env bash
# HTTP benchmark: weir (--threads=1) vs nginx (1 worker) vs HAProxy (nbthread 1).
#
#   bench/http.sh                 # from the repo root
#
# Two cases, each proxy started fresh for each case and run, interleaved,
# median of $RUNS runs:
#   serve : the proxy answers every request itself with a constant "Hi"
#           (weir: serveHTTP(new Message('Hi')); nginx: return 200 'Hi';
#            haproxy: http-request return ... string Hi)
#   proxy : HTTP/1.1 reverse proxy with keep-alive on both legs to an nginx
#           backend that returns a constant body
#           (weir: demuxHTTP().to(muxHTTP().to(connect(BE))), Pipy's tutorial 03;
#            nginx: proxy_pass + proxy_http_version 1.1 + upstream keepalive;
#            haproxy: mode http, default server-side keep-alive)
# Load: wrk -t1 -c$CONNS -d${SECS}s --latency (keep-alive). Reported per proxy:
#   req/s, p50/p99 latency, proxy CPU us per request (utime+stime of the proxy
#   pid from /proc/PID/stat over the run / requests), RSS idle (after start)
#   and RSS under load (max VmRSS sampled every 0.1 s during the run).
# Correctness, every run: a curl request before and after the load, and a
# ${CHECK_SECS}s wrk pass whose Lua script checks every status (200) and body;
# any wrk socket error, non-2xx/3xx, timeout, wrong body or dead proxy is a problem.
# The proxy is pinned to CPU $PROXY_CPU, wrk and the backend to CPU $LOAD_CPU.
#
# Environment knobs (all optional):
#   WEIR=path/to/weir  RUNS=3  SECS=8  CHECK_SECS=2  CONNS=50
#   PROXY_CPU=0  LOAD_CPU=1  CASES="serve proxy"  PROXIES="weir nginx haproxy"
#   CASES="proxy router" PROXIES=weir   # the per-request cost of scripting (tutorial 04)
#   KEEP_TMP=1 (keep configs, logs and wrk output in the temp dir)
set -euo pipefail

WEIR=${WEIR:-target/release/weir}
RUNS=${RUNS:-3}
SECS=${SECS:-8}
CHECK_SECS=${CHECK_SECS:-2}
CONNS=${CONNS:-50}
PROXY_CPU=${PROXY_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
read -r -a CASES <<<"${CASES:-serve proxy}"
read -r -a PROXIES <<<"${PROXIES:-weir nginx haproxy}"
SERVE_BODY=Hi
BACKEND_BODY=hello-from-the-nginx-backend
WEIR_RSS_TARGET_KB=$((14 * 1024))

die() { echo "http: $*" >&2; exit 1; }
log() { echo "[$(date +%T)] $*" >&2; }

# ---------------------------------------------------------------- prerequisites
for t in haproxy nginx wrk curl taskset python3 ss getconf; do
  command -v "$t" >/dev/null || die "missing '$t' (apt-get install -y haproxy nginx wrk curl util-linux iproute2)"
done
if [[ ! -x $WEIR ]]; then
  log "building weir (cargo build --release -p weir)"
  cargo build --release -p weir >&2 || die "cannot build weir"
fi
WEIR=$(readlink -f "$WEIR")
HZ=$(getconf CLK_TCK)

# ---------------------------------------------------------------- cleanup
TMP=$(mktemp -d /tmp/weir-bench-http.XXXXXX)
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
  if [[ -n ${KEEP_TMP:-} ]]; then echo "http: kept $TMP" >&2; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

forget_pid() {
  local keep=() p
  for p in "${PIDS[@]:-}"; do [[ $p == "$1" ]] || keep+=("$p"); done
  PIDS=("${keep[@]:-}")
}
STOP_SECS= # set by stop_pid: seconds the pid took to exit after SIGTERM (4.9 = gave up, SIGKILLed)
stop_pid() { # stop one pid we started and forget it
  local pid=$1 i
  kill "$pid" 2>/dev/null || true
  for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  STOP_SECS=$(awk -v i="$i" 'BEGIN{printf "%.1f", (i-1)/10}')
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  forget_pid "$pid"
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
read -r P_BE P_SERVE P_PROXY < <(python3 - <<'EOF'
import socket
ss=[socket.socket() for _ in range(3)]
for s in ss: s.bind(("127.0.0.1",0))
print(*[s.getsockname()[1] for s in ss])
EOF
)

cpu_ticks() { # utime+stime of a pid (all its threads), in clock ticks
  sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12+$13}'
}
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# ---------------------------------------------------------------- nginx configs
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
nginx_conf backend "
  server {
    listen 127.0.0.1:$P_BE backlog=4096;
    location / { default_type text/plain; return 200 '$BACKEND_BODY'; }
  }"
nginx_conf serve "
  server {
    listen 127.0.0.1:$P_SERVE backlog=4096;
    location / { default_type text/plain; return 200 '$SERVE_BODY'; }
  }"
nginx_conf proxy "
  upstream be {
    server 127.0.0.1:$P_BE;
    keepalive 256;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:$P_PROXY backlog=4096;
    location / {
      proxy_pass http://be;
      proxy_http_version 1.1;
      proxy_set_header Connection \"\";
    }
  }"

# ---------------------------------------------------------------- haproxy configs
HAP_GLOBAL="global
  nbthread 1
  maxconn 8000
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  timeout http-keep-alive 60s"
cat >"$TMP/haproxy-serve.cfg" <<EOF
$HAP_GLOBAL
frontend serve
  bind 127.0.0.1:$P_SERVE
  http-request return status 200 content-type text/plain string $SERVE_BODY
EOF
cat >"$TMP/haproxy-proxy.cfg" <<EOF
$HAP_GLOBAL
frontend proxy
  bind 127.0.0.1:$P_PROXY
  default_backend be
backend be
  server be 127.0.0.1:$P_BE
EOF

# ---------------------------------------------------------------- weir scripts
weir_scripts "$TMP" "$P_SERVE" "$P_PROXY" "$P_BE" "$SERVE_BODY"

# ---------------------------------------------------------------- wrk body checker
cat >"$TMP/check.lua" <<'EOF'
-- Counts responses whose status is not 200 or whose body is not args[1].
expected = ""
n, badstatus, badbody, sample = 0, 0, 0, ""
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) expected = args[1] or "" end
function response(status, headers, body)
  n = n + 1
  if status ~= 200 then badstatus = badstatus + 1 end
  if body ~= expected then
    badbody = badbody + 1
    if sample == "" then sample = string.format("%d %q", status, tostring(body):sub(1, 80)) end
  end
end
function done(summary, latency, requests)
  for _, t in ipairs(threads) do
    io.write(string.format("CHECK responses=%d badstatus=%d badbody=%d sample=%s\n",
      t:get("n"), t:get("badstatus"), t:get("badbody"), t:get("sample")))
  end
end
EOF

# ---------------------------------------------------------------- backend
taskset -c "$LOAD_CPU" nginx -c "$TMP/nginx-backend.conf" -p "$TMP" >"$TMP/nginx-backend.out" 2>&1 &
BE_PID=$!; PIDS+=("$BE_PID")
wait_port "$P_BE" || die "backend nginx did not start: $(cat "$TMP/nginx-backend.out" "$TMP/nginx-backend-error.log" 2>/dev/null)"

# ---------------------------------------------------------------- proxies
PROXY_PID=
start_proxy() { # $1 proxy, $2 case ; sets PROXY_PID
  local p=$1 c=$2 port
  port=$(port_of "$c")
  case $p in
    weir)    taskset -c "$PROXY_CPU" "$WEIR" --threads=1 --no-graph --log-level=warn "$TMP/weir-$c.js" \
               >>"$TMP/weir.log" 2>&1 & ;;
    nginx)   taskset -c "$PROXY_CPU" nginx -c "$TMP/nginx-$(cfg_of "$c").conf" -p "$TMP" >>"$TMP/nginx.log" 2>&1 & ;;
    haproxy) taskset -c "$PROXY_CPU" haproxy -db -f "$TMP/haproxy-$(cfg_of "$c").cfg" >>"$TMP/haproxy.log" 2>&1 & ;;
  esac
  PROXY_PID=$!; PIDS+=("$PROXY_PID")
  wait_port "$port" || die "$p ($c) did not start: $(tail -20 "$TMP/$p.log")"
}
port_of() { case $1 in serve) echo "$P_SERVE" ;; proxy|router) echo "$P_PROXY" ;; esac; }
body_of() { case $1 in serve) echo "$SERVE_BODY" ;; proxy|router) echo "$BACKEND_BODY" ;; esac; }
cfg_of() { case $1 in router) echo proxy ;; *) echo "$1" ;; esac; }
alive() { kill -0 "$PROXY_PID" 2>/dev/null; }
check_alive() { # $1 proxy, $2 what just ran
  if ! alive; then
    echo "!! $1 died during $2; log tail:" >&2; tail -20 "$TMP/$1.log" >&2
    PROBLEMS+=("$1 died during $2 (log: $(tail -3 "$TMP/$1.log" | tr '\n' ' '))")
    return 1
  fi
}
curl_check() { # $1 proxy $2 case $3 label: 3 requests on one keep-alive connection
  local p=$1 c=$2 what=$3 url out expect
  url=http://127.0.0.1:$(port_of "$c")/
  expect="200 $(body_of "$c")"
  out=$(curl -s --max-time 5 -w ' %{http_code}\n' -o - "$url" -o - "$url" -o - "$url" 2>&1 || echo "curl-exit-$?")
  # output lines look like "<body> <code>"; reformat to "<code> <body>"
  local bad
  bad=$(awk -v e="$expect" '{ code=$NF; $NF=""; sub(/ $/,""); if (code" "$0 != e) print }' <<<"$out")
  if [[ -n $bad || $(wc -l <<<"$out") -ne 3 ]]; then
    PROBLEMS+=("$p $c $what: curl got: $(tr '\n' '|' <<<"$out" | head -c 300) (expected '$expect' x3)")
    log "!! $p $c $what: curl got: $(tr '\n' '|' <<<"$out" | head -c 300)"
  fi
}
parse_lat_us() { # "613.00us" | "1.60ms" | "1.02s" -> microseconds
  awk -v v="$1" 'BEGIN{ n=v+0; if (v ~ /us$/) print n; else if (v ~ /ms$/) print n*1000; else if (v ~ /m$/) print n*60e6; else if (v ~ /s$/) print n*1e6; else print "nan" }'
}
wrk_problems() { # $1 proxy $2 case $3 label $4 wrk output file; adds PROBLEMS, returns 1 if any
  local errs non2xx
  errs=$(grep -E 'Socket errors' "$4" || true)
  non2xx=$(grep -E 'Non-2xx' "$4" || true)
  if [[ -n $errs || -n $non2xx ]]; then
    PROBLEMS+=("$1 $2 $3: $(awk '/requests in/ {print $1}' "$4") requests; ${errs}${non2xx:+ $non2xx}")
    log "!! $1 $2 $3: ${errs}${non2xx:+ $non2xx}"
    return 1
  fi
}

check_run() { # $1 proxy $2 case $3 run: wrk + Lua status/body check
  local p=$1 c=$2 r=$3 out line
  out=$TMP/check-$p-$c-$r.txt
  if ! timeout $((CHECK_SECS + 15)) taskset -c "$LOAD_CPU" \
      wrk -t1 -c"$CONNS" -d"${CHECK_SECS}s" --timeout 5s -s "$TMP/check.lua" \
      "http://127.0.0.1:$(port_of "$c")/" -- "$(body_of "$c")" >"$out" 2>&1; then
    PROBLEMS+=("$p $c check run $r: wrk failed or hung: $(head -c 300 "$out")")
  fi
  check_alive "$p" "$c check run $r" || return 0
  wrk_problems "$p" "$c" "check run $r" "$out" || true
  line=$(grep '^CHECK' "$out" || true)
  if [[ -z $line ]]; then
    PROBLEMS+=("$p $c check run $r: no CHECK line from wrk: $(head -c 300 "$out")")
  elif ! grep -q 'badstatus=0 badbody=0 ' <<<"$line"; then
    PROBLEMS+=("$p $c check run $r: $line")
    log "!! $p $c check run $r: $line"
  fi
}

PROBLEMS=()
NOTES=()
declare -A RES   # RES[proxy,case,metric,run]

load_run() { # $1 proxy $2 case $3 run
  local p=$1 c=$2 r=$3 out t0 t1 sampler rssfile
  out=$TMP/wrk-$p-$c-$r.txt
  rssfile=$TMP/rss-$p-$c-$r.txt
  RES[$p,$c,idle,$r]=$(awk -v k="$(rss_kb "$PROXY_PID")" 'BEGIN{printf "%.1f", k/1024}')
  curl_check "$p" "$c" "run $r before load"
  check_run "$p" "$c" "$r"
  alive || start_proxy "$p" "$c"
  ( m=0; while kill -0 "$PROXY_PID" 2>/dev/null; do
      k=$(rss_kb "$PROXY_PID"); ((k > m)) && m=$k && echo "$m" >"$rssfile"; sleep 0.1
    done ) &
  sampler=$!; PIDS+=("$sampler")
  t0=$(cpu_ticks "$PROXY_PID")
  if ! timeout $((SECS + 15)) taskset -c "$LOAD_CPU" \
      wrk -t1 -c"$CONNS" -d"${SECS}s" --timeout 5s --latency "http://127.0.0.1:$(port_of "$c")/" >"$out" 2>&1; then
    PROBLEMS+=("$p $c run $r: wrk failed or hung (exit status non-zero): $(head -c 300 "$out")")
  fi
  t1=$(cpu_ticks "$PROXY_PID" 2>/dev/null || echo "$t0")
  kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true; forget_pid "$sampler"
  RES[$p,$c,load,$r]=$(awk '{printf "%.1f", $1/1024}' "$rssfile" 2>/dev/null || echo nan)
  [[ -n ${RES[$p,$c,load,$r]} ]] || RES[$p,$c,load,$r]=nan
  check_alive "$p" "$c run $r" || true
  alive && curl_check "$p" "$c" "run $r after load"

  local reqs secs
  reqs=$(awk '/requests in/ {print $1}' "$out")
  secs=$(awk '/requests in/ {gsub(/s,?$/,"",$4); print $4}' "$out")
  if [[ -z $reqs || -z $secs || $reqs == 0 ]]; then
    PROBLEMS+=("$p $c run $r: wrk produced no result: $(head -c 300 "$out")")
    for m in rps p50 p99 cpu; do RES[$p,$c,$m,$r]=nan; done
    return
  fi
  wrk_problems "$p" "$c" "run $r" "$out" || true
  RES[$p,$c,rps,$r]=$(awk -v n="$reqs" -v s="$secs" 'BEGIN{printf "%.0f", n/s}')
  RES[$p,$c,p50,$r]=$(parse_lat_us "$(awk '$1=="50%" {print $2}' "$out")")
  RES[$p,$c,p99,$r]=$(parse_lat_us "$(awk '$1=="99%" {print $2}' "$out")")
  RES[$p,$c,cpu,$r]=$(awk -v a="$t0" -v b="$t1" -v hz="$HZ" -v n="$reqs" 'BEGIN{printf "%.2f", (b-a)/hz*1e6/n}')
  log "$p $c run $r: ${RES[$p,$c,rps,$r]} req/s, p50 ${RES[$p,$c,p50,$r]}us p99 ${RES[$p,$c,p99,$r]}us," \
      "${RES[$p,$c,cpu,$r]} CPU-us/req, RSS idle ${RES[$p,$c,idle,$r]} MB load ${RES[$p,$c,load,$r]} MB ($reqs in ${secs}s)"
}

# ---------------------------------------------------------------- run
log "ports: backend $P_BE serve $P_SERVE proxy $P_PROXY; tmp $TMP"
LOAD_BEFORE=$(cut -d' ' -f1 /proc/loadavg)
awk -v l="$LOAD_BEFORE" 'BEGIN{exit !(l > 0.5)}' &&
  log "WARNING: load average is $LOAD_BEFORE before starting; other work on this machine will skew throughput (CPU-per-request numbers are more robust)"
log "weir: $WEIR ($("$WEIR" --version 2>/dev/null || echo '?'))  nginx: $(nginx -v 2>&1 | sed 's/.*\///')  haproxy: $(haproxy -v | head -1 | awk '{print $3}')"
# Warm the backend up once, directly, and check its body.
taskset -c "$LOAD_CPU" wrk -t1 -c4 -d1s "http://127.0.0.1:$P_BE/" >/dev/null 2>&1 || true
[[ $(curl -s --max-time 5 "http://127.0.0.1:$P_BE/") == "$BACKEND_BODY" ]] || die "backend nginx returns the wrong body"

for r in $(seq "$RUNS"); do
  for c in "${CASES[@]}"; do
    for p in "${PROXIES[@]}"; do
      start_proxy "$p" "$c"
      sleep 0.5
      load_run "$p" "$c" "$r"
      stop_pid "$PROXY_PID"
      awk -v s="$STOP_SECS" 'BEGIN{exit !(s >= 1)}' &&
        NOTES+=("$p $c run $r: took ${STOP_SECS}s to exit after SIGTERM$(awk -v s="$STOP_SECS" 'BEGIN{if (s >= 4.9) print " (then SIGKILLed)"}')")
      sleep 1  # let TIME_WAIT / CPU settle a little between proxies
    done
  done
done
kill -0 "$BE_PID" 2>/dev/null || PROBLEMS+=("backend nginx died")

# ---------------------------------------------------------------- report
median() { # numbers as args; "nan" entries are ignored
  printf '%s\n' "$@" | grep -v nan | sort -g | awk '{a[NR]=$1} END{ if (NR==0) print "nan"; else if (NR%2) print a[(NR+1)/2]; else printf "%.2f\n", (a[NR/2]+a[NR/2+1])/2 }'
}
med() { local p=$1 c=$2 m=$3 r vals=(); for r in $(seq "$RUNS"); do vals+=("${RES[$p,$c,$m,$r]:-nan}"); done; median "${vals[@]}"; }
runs() { local p=$1 c=$2 m=$3 r out=; for r in $(seq "$RUNS"); do out+="${RES[$p,$c,$m,$r]:-nan} "; done; echo "${out% }"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (a=="nan"||b=="nan"||a==""||b==""||b==0) print "n/a"; else printf "%.2f", a/b }'; }
has() { local x; for x in "${PROXIES[@]}"; do [[ $x == "$1" ]] && return 0; done; return 1; }

echo
echo "HTTP: weir --threads=1 vs nginx (1 worker) vs haproxy (nbthread 1); proxy on CPU $PROXY_CPU, wrk+backend on CPU $LOAD_CPU"
echo "load average before: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg) (ours adds ~2 while running)"
echo "median of $RUNS runs; wrk -t1 -c$CONNS -d${SECS}s keep-alive; latency in us; RSS in MB (VmRSS)"
echo "serve = constant '$SERVE_BODY'; proxy = HTTP/1.1 keep-alive to nginx returning '$BACKEND_BODY'"
for c in "${CASES[@]}"; do
  echo
  hdr=$(printf '%-7s %-16s' case metric)
  for p in "${PROXIES[@]}"; do hdr+=$(printf ' %10s' "$p"); done
  has weir && has nginx && hdr+=$(printf ' %11s' weir/nginx)
  has weir && has haproxy && hdr+=$(printf ' %13s' weir/haproxy)
  echo "$hdr"; echo "${hdr//[^ ]/-}"
  for m in rps p50 p99 cpu idle load; do
    case $m in
      rps) label="req/s" ;; p50) label="p50 latency us" ;; p99) label="p99 latency us" ;;
      cpu) label="CPU us/req" ;; idle) label="RSS idle MB" ;; load) label="RSS load MB" ;;
    esac
    line=$(printf '%-7s %-16s' "$c" "$label")
    for p in "${PROXIES[@]}"; do line+=$(printf ' %10s' "$(med "$p" "$c" "$m")"); done
    has weir && has nginx && line+=$(printf ' %11s' "$(ratio "$(med weir "$c" "$m")" "$(med nginx "$c" "$m")")")
    has weir && has haproxy && line+=$(printf ' %13s' "$(ratio "$(med weir "$c" "$m")" "$(med haproxy "$c" "$m")")")
    echo "$line"
  done
done
if has weir; then
  echo
  w=$(med weir "${CASES[0]}" idle)
  verdict=$(awk -v w="$w" -v t="$WEIR_RSS_TARGET_KB" 'BEGIN{ if (w=="nan") print "n/a"; else if (w*1024 <= t) print "OK"; else print "OVER" }')
  echo "weir RSS idle with one worker (${CASES[0]}): $w MB; target <= $((WEIR_RSS_TARGET_KB / 1024)) MB: $verdict"
fi
echo
echo "all runs:"
for c in "${CASES[@]}"; do
  for p in "${PROXIES[@]}"; do
    for m in rps p50 p99 cpu idle load; do
      printf '  %-6s %-8s %-5s %s\n' "$c" "$p" "$m" "$(runs "$p" "$c" "$m")"
    done
  done
done
if [[ -s $TMP/weir.log ]]; then
  echo; echo "weir log (last 10 lines):"; tail -10 "$TMP/weir.log"
fi
if ((${#NOTES[@]})); then
  echo; echo "notes:"; printf '  - %s\n' "${NOTES[@]}"
fi
if ((${#PROBLEMS[@]})); then
  echo; echo "PROBLEMS:"; printf '  - %s\n' "${PROBLEMS[@]}"
  exit 2
fi
echo; echo "No problems: no wrk socket errors, no non-2xx/3xx, every checked status 200 with the expected body."
