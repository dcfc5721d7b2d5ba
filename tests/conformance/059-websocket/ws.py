"""A tiny WebSocket echo server and client on the standard library only.

server PORT: answers upgrade requests to /chat with 101 and echoes text frames; other
requests get a plain 200 (or 400 for an upgrade to /nope, or a 403 without a length that ends
when the connection closes for an upgrade to /closing). client PORT: runs the checks.
"""
import base64, hashlib, socket, sys, threading

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def read_head(f):
    lines = []
    while True:
        line = f.readline()
        if not line:
            return None
        if line in (b"\r\n", b"\n"):
            return lines
        lines.append(line.decode().rstrip("\r\n"))


def read_frame(f):
    b0, b1 = f.read(2)
    n = b1 & 0x7F
    if n == 126:
        n = int.from_bytes(f.read(2), "big")
    mask = f.read(4) if b1 & 0x80 else None
    data = f.read(n)
    if mask:
        data = bytes(c ^ mask[i % 4] for i, c in enumerate(data))
    return b0 & 0x0F, data


def frame(opcode, data, mask=None):
    head = bytes([0x80 | opcode])
    if mask:
        head += bytes([0x80 | len(data)]) + mask
        data = bytes(c ^ mask[i % 4] for i, c in enumerate(data))
    else:
        head += bytes([len(data)])
    return head + data


def serve_conn(conn):
    f = conn.makefile("rb")
    while True:
        head = read_head(f)
        if head is None:
            return
        fields = {k.lower(): v.strip() for k, v in (l.split(":", 1) for l in head[1:])}
        path = head[0].split()[1]
        if fields.get("upgrade", "").lower() == "websocket" and path == "/chat":
            key = fields["sec-websocket-key"].encode()
            accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
            conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                         b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n")
            while True:
                op, data = read_frame(f)
                if op == 8:
                    conn.sendall(frame(8, b""))
                    conn.close()
                    return
                conn.sendall(frame(1, b"echo: " + data))
        if path == "/closing":
            conn.sendall(b"HTTP/1.1 403 Forbidden\r\n\r\nno websocket here\n")
            conn.close()
            return
        body = b"plain " + path.encode() + b"\n"
        status = b"400 Bad Request" if path == "/nope" else b"200 OK"
        conn.sendall(b"HTTP/1.1 " + status + b"\r\ncontent-length: " +
                     str(len(body)).encode() + b"\r\n\r\n" + body)


def server(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen()
    print("ready", flush=True)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=serve_conn, args=(conn,), daemon=True).start()


def upgrade(path):
    return (f"GET {path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()


def client(port):
    c = socket.create_connection(("127.0.0.1", port), timeout=5)
    f = c.makefile("rb")
    c.sendall(upgrade("/chat"))
    head = read_head(f)
    print(head[0])
    for l in head[1:]:
        k = l.split(":")[0].lower()
        if k in ("upgrade", "connection", "sec-websocket-accept", "content-length",
                 "transfer-encoding"):
            print(l)
    for text in (b"hi", b"there"):
        c.sendall(frame(1, text, mask=b"\x01\x02\x03\x04"))
        print(read_frame(f))
    c.sendall(frame(8, b"", mask=b"\x01\x02\x03\x04"))
    print(read_frame(f))
    print("closed" if f.read(1) == b"" else "still open")
    c.close()
    # A refused upgrade: the connection stays HTTP.
    c = socket.create_connection(("127.0.0.1", port), timeout=5)
    f = c.makefile("rb")
    c.sendall(upgrade("/nope") + b"GET /after HTTP/1.1\r\nHost: x\r\n\r\n")
    for _ in range(2):
        head = read_head(f)
        n = int([l for l in head if l.lower().startswith("content-length")][0].split(":")[1])
        print(head[0], f.read(n).decode().strip())
    c.close()
    closing(port)


def closing(port):
    # Refused by a response that ends with the upstream connection: the client gets it
    # whole, and its connection goes on with the next request.
    c = socket.create_connection(("127.0.0.1", port), timeout=5)
    f = c.makefile("rb")
    c.sendall(upgrade("/closing"))
    head = read_head(f)
    n = int([l for l in head if l.lower().startswith("content-length")][0].split(":")[1])
    print(head[0], f.read(n).decode().strip())
    c.sendall(b"GET /after HTTP/1.1\r\nHost: x\r\n\r\n")
    head = read_head(f)
    n = int([l for l in head if l.lower().startswith("content-length")][0].split(":")[1])
    print(head[0], f.read(n).decode().strip())
    c.close()


if __name__ == "__main__":
    {"server": server, "client": client, "closing": closing}[sys.argv[1]](int(sys.argv[2]))
