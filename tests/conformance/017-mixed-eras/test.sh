printf 'hello\n' | nc -q1 127.0.0.1 28170
