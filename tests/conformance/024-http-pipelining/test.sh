python3 - <<'PY'
import socket, time
s = socket.create_connection(("127.0.0.1", 8080))
reqs = b"GET /slow HTTP/1.1\r\nHost: a\r\n\r\nGET /fast HTTP/1.1\r\nHost: a\r\n\r\nGET /last HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
# Split the pipelined requests across writes at awkward places.
for part in (reqs[:5], reqs[5:40], reqs[40:41], reqs[41:]):
    s.sendall(part)
    time.sleep(0.02)
data = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    data += b
print(data.decode().replace("\r\n", "\n"), end="")
PY
