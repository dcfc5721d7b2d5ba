# The era-A form of tutorial step 03 (named sub-pipelines) against an echo backend.
"$WEIR" --no-graph backend.js 2>/dev/null & backend=$!
trap 'kill -9 $backend 2>/dev/null' EXIT
for i in 1 2 3 4 5 6 7 8 9 10; do curl -s -o /dev/null http://localhost:8081/ && break; sleep 0.2; done
curl -s http://localhost:8000/ -d 'through a named pipeline'; echo
head -c 300000 /dev/urandom > big.bin
curl -s http://localhost:8000/ --data-binary @big.bin | cmp - big.bin && echo "300000 random bytes echoed intact"
rm -f big.bin
