#!/bin/bash
# Two pipelined requests on one connection; what comes back shows whether it stayed open.
two() {
  printf "GET $2 HTTP/1.1\r\nhost: x\r\n\r\nGET $3 HTTP/1.1\r\nhost: x\r\n\r\n" |
    timeout 5 nc -q 1 127.0.0.1 $1 | tr -d '\r' | grep -v '^$'
}
echo '-- constant'
two 28640 /a /b
echo '-- per request'
two 28641 /stay /bye
echo '-- through a proxy, upstream closes'
two 28643 /a /b
echo '-- through a proxy, the script closes'
two 28644 /a /b
