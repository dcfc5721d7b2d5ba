printf 'x' | nc -q1 127.0.0.1 28044
printf 'x' | nc -q1 127.0.0.1 28045
for f in bad/*.js; do
  out=$("$WEIR" -t "$f" 2>&1); rc=$?
  echo "$f rc=$rc: $out"
done
"$WEIR" -t main.js
