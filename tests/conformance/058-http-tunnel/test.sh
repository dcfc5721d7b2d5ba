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
echo '-- bytes held before a slow answer: a little is kept, more than 1 MiB ends the connection'
python3 - <<'PY'
import socket
def attempt(extra):
    s = socket.create_connection(("127.0.0.1", 28584), timeout=5)
    head = b"CONNECT 127.0.0.1:28581 HTTP/1.1\r\nhost: x\r\n\r\n"
    got = b""
    try:
        s.sendall(head + extra)
        while True:
            b = s.recv(65536)
            if not b:
                break
            got += b
            if b"hello from" in got:
                break
    except (ConnectionResetError, BrokenPipeError):
        pass
    s.close()
    return got
small = attempt(b"GET /held HTTP/1.1\r\nhost: x\r\n\r\n")
print("small:", small.split(b"\r\n")[0].decode(), "/", "answered" if b"hello from /held" in small else "no answer")
big = attempt(b"x" * (2 << 20))
print("2 MiB:", "closed without an answer" if b"HTTP/1.1" not in big else big[:40])
PY
