# A plugin chain configured from JSON: routing, balancing, fallback.
"$WEIR" --no-graph mock.js 2>/dev/null & mock=$!
trap 'kill -9 $mock 2>/dev/null' EXIT
for i in 1 2 3 4 5 6 7 8 9 10; do curl -s -o /dev/null http://localhost:8082/ && break; sleep 0.2; done
for i in 1 2 3; do curl -s http://localhost:8000/greet/x; done
curl -s http://localhost:8000/echo -d 'through three plugins'; echo
curl -s -i http://localhost:8000/elsewhere | tr -d '\r'
