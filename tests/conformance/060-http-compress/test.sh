# Bodies compressed by weir are checked with independent decoders (gzip, Python's zlib and
# curl's libbrotli); weir's decoder is checked against them through proxies.
headers() { tr -d '\r' | grep -v -i '^content-length' ; }

echo '--- gzip'
curl -s -D - -o body.gz http://localhost:28600/ | headers
gzip -d < body.gz | cmp - index.html && echo 'gzip -d gives index.html back'
curl -s --compressed http://localhost:28600/ | cmp - index.html && echo 'curl --compressed agrees'

echo '--- deflate'
curl -s -D - -o body.z http://localhost:28601/ | headers
python3 -c 'import sys, zlib; sys.stdout.buffer.write(zlib.decompress(open("body.z", "rb").read()))' \
  | cmp - index.html && echo 'zlib.decompress gives index.html back'

echo '--- brotli'
curl -s -D - -o /dev/null http://localhost:28602/ | headers
curl -s --compressed http://localhost:28602/ | cmp - index.html && echo 'curl --compressed (libbrotli) gives index.html back'

echo '--- decompressed by a proxy'
curl -s -i http://localhost:28603/
curl -s -i http://localhost:28604/ | head -3
curl -s http://localhost:28604/ http://localhost:28604/ | cmp - <(cat index.html index.html) \
  && echo 'a constant head is not edited in place: the same answer every time'
curl -s http://localhost:28605/ | cmp - index.html && echo 'brotli decompressed by the proxy'

echo '--- not compressed twice'
curl -s -D - -o body.gz http://localhost:28606/ | headers
gzip -d < body.gz | cmp - index.html && echo 'still plain gzip'

echo '--- requests compressed on the way up'
for m in gzip deflate brotli plain; do
  curl -s -D - -o echoed --data-binary @index.html http://localhost:28607/$m | tr -d '\r' | grep x-received
  cmp echoed index.html && echo "$m: echoed intact"
done
head -c 300000 /dev/urandom > big.bin
yes 'a fairly compressible line of text, over and over' | head -c 3000000 > big.txt
for m in gzip deflate brotli; do
  curl -s --data-binary @big.bin http://localhost:28607/$m | cmp - big.bin && echo "$m: 300000 random bytes intact"
  curl -s --data-binary @big.txt http://localhost:28607/$m | cmp - big.txt && echo "$m: 3000000 text bytes intact"
done
rm -f body.gz body.z echoed big.bin big.txt
