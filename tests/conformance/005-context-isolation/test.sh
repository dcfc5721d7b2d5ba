for w in aaaaa b ccc dd eeee; do
  (printf "$w\n" | nc -q2 127.0.0.1 28501 > "out.$w") &
done
wait
for w in aaaaa b ccc dd eeee; do cat "out.$w"; rm -f "out.$w"; done
