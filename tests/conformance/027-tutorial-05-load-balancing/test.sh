# Round-robin per route (the shape of Pipy's tutorial step 05): separate connections
# alternate between the two /greet/* targets; requests on one keep-alive connection stick.
"$WEIR" --no-graph mock.js 2>/dev/null & mock=$!
trap 'kill -9 $mock 2>/dev/null' EXIT
for i in 1 2 3 4 5 6 7 8 9 10; do curl -s -o /dev/null http://localhost:8082/ && break; sleep 0.2; done
for i in 1 2 3 4; do curl -s http://localhost:8000/greet/x; done
echo '--- one connection'
curl -s http://localhost:8000/greet/a http://localhost:8000/greet/b http://localhost:8000/greet/c
curl -s http://localhost:8000/echo -d 'balanced echo'; echo
curl -s http://localhost:8000/nowhere
