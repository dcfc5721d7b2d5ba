# Prints each backend's share of 60 requests against its weight's share (±3).
check() { # name, expected counts for 29041 29042 29043, then the responses on stdin
  sort | uniq -c | awk -v name="$1" -v e1="$2" -v e2="$3" -v e3="$4" '
    { got[$2] = $1 }
    END {
      split(e1 " " e2 " " e3, want, " ")
      for (i = 1; i <= 3; i++) {
        port = 29040 + i; d = got[port] - want[i]; if (d < 0) d = -d
        print name, port, want[i] "±3", (d <= 3 ? "ok" : "off: " got[port])
      }
    }'
}
for i in $(seq 60); do curl -s http://localhost:29040/rr; done | check rr 30 20 10
urls=""; for i in $(seq 60); do urls="$urls http://localhost:29040/lb"; done
curl -s $urls | check lb 10 20 30
