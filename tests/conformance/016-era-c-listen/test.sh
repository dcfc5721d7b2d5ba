printf 'hi\n' | nc -q1 127.0.0.1 28160
