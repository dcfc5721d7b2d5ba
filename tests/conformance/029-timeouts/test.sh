python3 - <<'PY'
import socket, time
s = socket.create_connection(("127.0.0.1", 28290))
t = time.time()
s.settimeout(5)
data = s.recv(10)
took = time.time() - t
print("idle connection closed" if data == b"" and 0.2 <= took <= 2.5 else "idle: unexpected %r after %.2fs" % (data, took))
for port in (28291, 28293):
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(5)
    s.sendall(b"x")
    out = b""
    while True:
        b = s.recv(100)
        if not b:
            break
        out += b
    print(out.decode().strip())
PY
