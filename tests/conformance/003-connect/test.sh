printf 'relayed' | nc -q1 127.0.0.1 28302; echo
printf 'x' | nc -q1 127.0.0.1 28303
printf 'dynamic' | nc -q1 127.0.0.1 28304; echo
