(printf 'first\n' | nc -q2 127.0.0.1 28401 > a.out) &
sleep 0.1
printf 'second\n' | nc -q2 127.0.0.1 28401 > b.out
wait
cat a.out b.out
rm -f a.out b.out
