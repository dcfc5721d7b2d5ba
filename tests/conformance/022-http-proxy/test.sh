# demuxHTTP/muxHTTP/connect in front of a weir backend; then the backend goes away (502).
"$WEIR" --no-graph backend.js 2>/dev/null & backend=$!
trap 'kill -9 $backend 2>/dev/null' EXIT
for i in 1 2 3 4 5 6 7 8 9 10; do curl -s -o /dev/null http://localhost:8080/ && break; sleep 0.2; done
curl -s -i http://localhost:8000/
curl -s http://localhost:8000/ http://localhost:8000/again
echo "--- upstream down"
kill -9 $backend; wait $backend 2>/dev/null
curl -s -i http://localhost:8000/ | head -1
