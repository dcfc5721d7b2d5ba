# www/*.gz were made with `gzip -9 -n`, www/app.js.br with node's zlib.brotliCompressSync;
# www/broken.txt.gz has a damaged deflate stream and no plain sibling.
show() { curl -s -D - -o body "$@" | tr -d '\r' | grep -v '^connection'; }
gunzip_py() { python3 -c 'import gzip, sys; sys.stdout.buffer.write(gzip.decompress(open(sys.argv[1], "rb").read()))' "$1"; }

echo '--- plain'
show http://localhost:28620/index.html
cmp body www/index.html && echo 'index.html as it is'
echo '--- gzip accepted: the .gz sibling'
show -H 'accept-encoding: gzip, deflate' http://localhost:28620/index.html
cmp body www/index.html.gz && echo 'index.html.gz as it is'
echo '--- br preferred when both are there'
show -H 'accept-encoding: gzip, br' http://localhost:28620/app.js
cmp body www/app.js.br && echo 'app.js.br as it is'
echo '--- br refused with q=0'
show -H 'accept-encoding: br;q=0, gzip' http://localhost:28620/app.js | grep '^content-encoding'
cmp body www/app.js.gz && echo 'app.js.gz as it is'
echo '--- no siblings: plain even when gzip is accepted'
show -H 'accept-encoding: gzip, br' http://localhost:28620/style.css
echo '--- only a .gz: decompressed for clients without gzip'
show -H 'accept-encoding: gzip' http://localhost:28620/data.json | grep '^content-encoding'
show http://localhost:28620/data.json
cmp body <(gunzip_py www/data.json.gz) && echo 'data.json decompressed from data.json.gz'
echo '--- a broken .gz and no plain file'
show http://localhost:28620/broken.txt
echo '--- a directory: its index.html'
curl -s -i http://localhost:28620/docs | tr -d '\r' | grep -v '^connection'
curl -s http://localhost:28620/docs/
echo '--- content types'
for f in README photo.JPG app.js; do curl -s -D - -o /dev/null http://localhost:28620/$f | tr -d '\r' | grep '^content-type'; done
curl -s -D - -o /dev/null http://localhost:28620/no-argument | tr -d '\r' | grep '^content-'
echo '--- missing'
curl -s -i http://localhost:28620/nope.html | tr -d '\r' | grep -v '^connection'
curl -s http://localhost:28620/checks
rm -f body
