python3 - <<'PY'
import socket, time

def conn(port):
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(3)
    return s

def read_lines(s, n):
    buf = b""
    while buf.count(b"\n") < n:
        try:
            b = s.recv(1000)
        except socket.timeout:
            break
        if not b:
            break
        buf += b
    return buf.decode().strip().split("\n") if buf else []

def quiet(s):
    # Nothing more arrives within a short while.
    s.settimeout(0.3)
    try:
        b = s.recv(1000)
    except socket.timeout:
        b = None
    s.settimeout(3)
    return "nothing" if b is None else repr(b)

a = conn(28700); a.sendall(b"a joins\n"); time.sleep(0.2)
b = conn(28700); b.sendall(b"b joins\n")
print("a got:", read_lines(a, 1))
c = conn(28700); c.sendall(b"c joins\n")
print("a got:", read_lines(a, 1), "b got:", read_lines(b, 1))
a.sendall(b"hello from a\n")
print("b got:", read_lines(b, 1), "c got:", read_lines(c, 1), "a got:", quiet(a))

# A script broadcast reaches all three.
x = conn(28702); x.sendall(b"tea\n")
print("x got:", read_lines(x, 1))
print("a got:", read_lines(a, 1), "b got:", read_lines(b, 1), "c got:", read_lines(c, 1))
x.close()

# c leaves: its StreamEnd goes to the others too, which closes their connections.
c.close()
print("a sees end:", a.recv(100) == b"", "b sees end:", b.recv(100) == b"")
a.close(); b.close()

# Rooms picked by a callback: r1 and r3 share a room, r2 is alone.
r1 = conn(28701); r1.sendall(b"red\n"); time.sleep(0.2)
r2 = conn(28701); r2.sendall(b"blue\n"); time.sleep(0.2)
r3 = conn(28701); r3.sendall(b"red\n")
print("r1 got:", read_lines(r1, 1), "r2 got:", quiet(r2))
r1.sendall(b"red says hi\n")
print("r3 got:", read_lines(r3, 1), "r2 got:", quiet(r2))
for s in (r1, r2, r3):
    s.close()
PY
