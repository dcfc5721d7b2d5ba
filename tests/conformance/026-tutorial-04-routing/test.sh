# URLRouter + branch + muxHTTP per route (the shape of Pipy's tutorial step 04).
"$WEIR" --no-graph mock.js 2>/dev/null & mock=$!
trap 'kill -9 $mock 2>/dev/null' EXIT
for i in 1 2 3 4 5 6 7 8 9 10; do curl -s -o /dev/null http://localhost:8082/ && break; sleep 0.2; done
curl -s http://localhost:8000/greet
curl -s http://localhost:8000/greet/you
curl -s http://localhost:8000/echo -d 'echoed through the router'; echo
curl -s http://localhost:8000/who/a/b
curl -s -i http://localhost:8000/nowhere | tr -d '\r'
