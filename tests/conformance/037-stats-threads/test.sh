curl -s http://localhost:29070/ http://localhost:29070/
curl -s -X POST http://localhost:29070/
curl -s -X PUT http://localhost:29070/ http://localhost:29070/
echo "--- metrics summed over threads"
timeout 20 "$WEIR" --threads=3 --no-graph threads.js 2>/dev/null
