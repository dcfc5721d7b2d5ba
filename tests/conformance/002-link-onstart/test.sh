printf 'shout\n' | nc -q1 127.0.0.1 28201
printf 'x' | nc -q1 127.0.0.1 28202; echo "empty reply: $?"
printf 'abc\n' | nc -q1 127.0.0.1 28203
printf 'gone\n' | nc -q1 127.0.0.1 28204
