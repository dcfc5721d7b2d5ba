for w in aaaa b ccc dd; do
  (printf "$w\n" | nc -q2 127.0.0.1 28150 > "out.$w") &
done
wait
for w in aaaa b ccc dd; do cat "out.$w"; rm -f "out.$w"; done
