for f in bad/*.js; do
  out=$("$WEIR" -t "$f" 2>&1); rc=$?
  echo "$f rc=$rc: $out"
done
