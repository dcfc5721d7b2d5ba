python3 - <<'PY'
import socket, time
s = socket.create_connection(("127.0.0.1", 28290))
t = time.time()
s.settimeout(5)
data = s.recv(10)
took = time.time() - t
print("idle connection closed" if data == b"" and 0.2 <= took <= 2.5 else "idle: unexpected %r after %.2fs" % (data, took))
# Activity moves the idle deadline: bytes at 0.2 s and 0.4 s (echoed back) keep the
# connection open past the first deadline; it closes ~0.3 s after the last of them, so the
# timer must be moved and armed again twice.
s = socket.create_connection(("127.0.0.1", 28290))
t = time.time()
s.settimeout(5)
echoed = b""
for b in (b"a", b"b"):
    time.sleep(0.2)
    s.sendall(b)
    echoed += s.recv(10)
data = s.recv(10)
took = time.time() - t
print("busy connection closed after its last activity" if echoed == b"ab" and data == b"" and 0.6 <= took <= 2.5 else "busy: unexpected %r %r after %.2fs" % (echoed, data, took))
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
