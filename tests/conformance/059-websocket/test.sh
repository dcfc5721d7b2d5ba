#!/bin/bash
timeout 30 python3 ws.py server 28585 > /dev/null &
server=$!
for _ in $(seq 50); do nc -z 127.0.0.1 28585 2>/dev/null && break; sleep 0.1; done
timeout 10 python3 ws.py client 28586
# The same proxy again, to read its log: a refused upgrade whose answer ends with the
# upstream connection must not hit an internal error.
log=$(mktemp)
sed 's/28586/28587/' main.js > "$log.js"
"$WEIR" --no-graph "$log.js" 2> "$log" &
proxy=$!
for _ in $(seq 50); do nc -z 127.0.0.1 28587 2>/dev/null && break; sleep 0.1; done
timeout 10 python3 ws.py closing 28587
kill $proxy $server
wait $proxy 2>/dev/null
echo "internal errors: $(grep -c 'internal error' "$log")"
rm -f "$log" "$log.js"
