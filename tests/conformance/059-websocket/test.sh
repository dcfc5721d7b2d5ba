#!/bin/bash
timeout 30 python3 ws.py server 28585 > /dev/null &
server=$!
for _ in $(seq 50); do nc -z 127.0.0.1 28585 2>/dev/null && break; sleep 0.1; done
timeout 10 python3 ws.py client 28586
kill $server
