U=http://localhost:29030
echo "--- one connection each"
for i in 1 2 3 4 5; do curl -s $U/foo; done
for i in 1 2 3 4 5; do curl -s $U/bar/$i; done
echo "--- one connection for all"
curl -s $U/foo $U/foo $U/foo $U/foo $U/foo $U/abc $U/xyz $U/bar/1 $U/bar/2 $U/bar/3 $U/bar/4 $U/bar/5
echo "--- and another"
curl -s $U/foo $U/foo $U/foo $U/bar $U/bar/x $U/bar/x?q=1
curl -s -o /dev/null -w '%{http_code}\n' $U/nowhere
