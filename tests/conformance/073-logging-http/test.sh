python3 - <<'PY'
import socket, threading, time

srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 28712))
srv.listen(8)
srv.settimeout(5)
requests = []
connections = 0
done = threading.Event()

def serve(c):
    c.settimeout(5)
    buf = b""
    try:
        while True:
            while b"\r\n\r\n" not in buf:
                b = c.recv(4096)
                if not b:
                    return
                buf += b
            head, buf = buf.split(b"\r\n\r\n", 1)
            lines = head.decode().split("\r\n")
            headers = dict(l.split(": ", 1) for l in lines[1:])
            length = int(headers.get("content-length", "0"))
            while len(buf) < length:
                b = c.recv(4096)
                if not b:
                    return
                buf += b
            body, buf = buf[:length], buf[length:]
            requests.append("%s host=%s type=%s: %s" % (
                lines[0], headers.get("host"), headers.get("content-type"), body.decode()))
            c.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
            if len(requests) == 4:
                done.set()
    except socket.timeout:
        pass

def accept():
    global connections
    while not done.is_set():
        try:
            c, _ = srv.accept()
        except socket.timeout:
            return
        connections += 1
        threading.Thread(target=serve, args=(c,), daemon=True).start()

threading.Thread(target=accept, daemon=True).start()

def trigger():
    s = socket.create_connection(("127.0.0.1", 28711))
    s.settimeout(5)
    s.sendall(b"go")
    print("weir:", s.recv(100).decode().strip())
    s.close()

trigger()
time.sleep(0.6)
trigger()
done.wait(5)
for r in requests:
    print(r)
print("connections:", connections)
srv.close()
PY
