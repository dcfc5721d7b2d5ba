#!/bin/bash
echo '-- plain requests to the CONNECT proxy'
curl -s -w '%{http_code}\n' http://127.0.0.1:28580/a http://127.0.0.1:28580/b
echo '-- curl through the tunnel, three requests on one connection'
curl -s --proxy http://127.0.0.1:28580 --proxytunnel \
  http://127.0.0.1:28581/x http://127.0.0.1:28581/y http://127.0.0.1:28581/z
echo '-- a tunnel to a closed port'
curl -s -o /dev/null -w '%{http_connect} %{http_code}\n' --proxy http://127.0.0.1:28580 --proxytunnel http://127.0.0.1:1/ 
echo '-- through connectHTTPTunnel'
curl -s http://127.0.0.1:28582/p http://127.0.0.1:28582/q
curl -s http://127.0.0.1:28583/r
echo '-- raw CONNECT answer'
printf 'CONNECT 127.0.0.1:28581 HTTP/1.1\r\nhost: 127.0.0.1:28581\r\n\r\nGET /raw HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n' \
  | timeout 5 nc -q 3 127.0.0.1 28580 | tr -d '\r'
