printf 'boom\n' | nc -q1 127.0.0.1 28701; echo "closed: $?"
printf 'fine\n' | nc -q1 127.0.0.1 28701
printf 'x' | nc -q1 127.0.0.1 28702; echo "stray value closed: $?"
printf 'again\n' | nc -q1 127.0.0.1 28701
