printf 'hello\n' | nc -q1 127.0.0.1 28101
printf 'abc' | nc -q1 127.0.0.1 28102
