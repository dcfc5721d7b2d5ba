elapsed() { python3 -c "import time,sys; print(time.time())"; }
check() { python3 -c "import sys; t=float(sys.argv[1]); lo=float(sys.argv[2]); hi=float(sys.argv[3]); print(sys.argv[4], 'paced' if lo <= t <= hi else 'NOT paced: %.2fs' % t)" "$@"; }

t0=$(elapsed)
urls=$(for i in $(seq 15); do printf -- '-o /dev/null http://127.0.0.1:28190/ '; done)
codes=$(curl -s -w '%{http_code}\n' $urls | sort | uniq -c | tr -s ' ')
t1=$(elapsed)
echo "15 requests:$codes"
check $(python3 -c "print($t1 - $t0)") 1.7 3.5 "message rate"

head -c 300000 /dev/zero > zeros.bin
t0=$(elapsed)
n=$(nc -q3 127.0.0.1 28191 < zeros.bin | wc -c)
t1=$(elapsed)
rm -f zeros.bin
echo "echoed $n bytes"
check $(python3 -c "print($t1 - $t0)") 1.7 5.5 "data rate"

t0=$(elapsed)
for w in a b c; do (printf "$w" | nc -q2 127.0.0.1 28192 > "c.$w") & done
wait
t1=$(elapsed)
cat c.a c.b c.c; echo; rm -f c.a c.b c.c
check $(python3 -c "print($t1 - $t0)") 0.85 3.5 "concurrency"
