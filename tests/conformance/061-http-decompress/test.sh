# Fixtures (made once with python3's zlib/gzip and node's zlib.brotliCompressSync):
# hello.txt.{br,zlib,raw,gz}; corrupt.gz has 30 bytes flipped inside the deflate stream;
# truncated.gz is the first half of hello.txt.gz.
"$WEIR" --no-graph proxy.js 2>proxy.log & proxy=$!
trap 'kill -9 $proxy 2>/dev/null; rm -f proxy.log body' EXIT
for i in 1 2 3 4 5 6 7 8 9 10; do curl -s -o /dev/null http://localhost:28612/ && break; sleep 0.2; done

for p in br zlib raw x-gzip; do
  echo "--- $p"
  curl -s -D - -o body http://localhost:28611/$p | tr -d '\r' | grep -v '^x-decompress'
  cmp body hello.txt && echo "$p: decoded to hello.txt"
done

echo '--- unknown codings pass as they are'
curl -s -D - -o body http://localhost:28611/zstd | tr -d '\r' | grep -i '^content-'
cmp body hello.txt.gz && echo 'zstd: body untouched'

echo '--- enable callback'
curl -s http://localhost:28612/br | cmp - hello.txt && echo 'br: enabled, decoded'
curl -s -D - -o body http://localhost:28612/kept | tr -d '\r' | grep '^content-encoding'
cmp body hello.txt.br && echo 'kept: disabled, still brotli'

echo '--- corrupt and truncated gzip end the stream; the proxy lives on'
curl -s -o /dev/null http://localhost:28611/corrupt; echo "curl exit code: $?"
curl -s -o /dev/null http://localhost:28611/truncated; echo "curl exit code: $?"
curl -s http://localhost:28611/br | cmp - hello.txt && echo 'the next request is served'
sleep 0.2
grep -o '\[decompressHTTP\].*' proxy.log
grep -c -i 'panic' proxy.log
