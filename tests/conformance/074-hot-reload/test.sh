python3 - "$WEIR" <<'PY'
import http.client, os, shutil, signal, socket, subprocess, sys, tempfile, threading, time

def get(port, path="/"):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        c.request("GET", path)
        return c.getresponse().read().decode().strip()
    except OSError:
        return "refused"
    finally:
        c.close()

def until(f, secs=5):
    end = time.time() + secs
    while time.time() < end:
        if f():
            return True
        time.sleep(0.05)
    return False

# pipy.restart(), on the runner's weir.
kept = http.client.HTTPConnection("127.0.0.1", 28740, timeout=5)
def kept_get():
    kept.request("GET", "/")
    return kept.getresponse().read().decode().strip()
first = kept_get()
print("same load on a new connection:", get(28740) == first)
print("restart:", get(28740, "/restart"))
print("new connections see a new load:", until(lambda: get(28740) not in (first, "refused")))
# Like nginx's graceful stop, the old load closes an idle kept-alive connection.
kept.sock.settimeout(5)
print("the old load closed the idle kept-alive connection:", kept.sock.recv(100) == b"")
kept.close()

# SIGHUP after editing the files, two worker threads.
here = os.getcwd()
tmp = tempfile.mkdtemp()
def use(name):
    shutil.copy(os.path.join(here, name), os.path.join(tmp, "main.js.new"))
    os.replace(os.path.join(tmp, "main.js.new"), os.path.join(tmp, "main.js"))
use("v1.js")
log = open(os.path.join(tmp, "log"), "w+")
weir = subprocess.Popen([sys.argv[1], "--threads=2", "--no-graph", "--log-level=debug:thread", "main.js"],
                        cwd=tmp, stdout=subprocess.DEVNULL, stderr=log)
def logged(text):
    with open(os.path.join(tmp, "log")) as f:
        return text in f.read()
try:
    print("v1 up:", until(lambda: get(28741) == "v1"), get(28742))
    slow = {}
    def slow_get():
        c = http.client.HTTPConnection("127.0.0.1", 28741, timeout=5)
        c.request("GET", "/slow")
        r = c.getresponse()
        slow.update(answer=r.read().decode().strip(), connection=r.getheader("connection"))
        c.close()
    t = threading.Thread(target=slow_get)
    t.start()
    time.sleep(0.3)
    use("v2.js")
    weir.send_signal(signal.SIGHUP)
    print("after SIGHUP, 28741 answers:", "v2" if until(lambda: get(28741) == "v2") else get(28741))
    t.join()
    print("the request in flight finished on v1:", slow.get("answer"), "connection:", slow.get("connection"))
    print("every thread switched:", all(get(28741) == "v2" for _ in range(20)))
    print("28742 (not declared again):", get(28742))
    print("28743 (new):", get(28743))
    print("the old load ends (its task stopped):", until(lambda: logged("Load 0 ended")))

    use("broken.js")
    weir.send_signal(signal.SIGHUP)
    print("broken reload reported:", until(lambda: logged("reload failed")))
    with open(os.path.join(tmp, "log")) as f:
        for line in f:
            if "[ERR]" in line and "reload failed" not in line:
                print("  ", line.split("[ERR] ", 1)[1].strip())
    print("still v2:", get(28741), get(28743))

    use("v1.js")
    weir.send_signal(signal.SIGHUP)
    print("back to v1:", until(lambda: get(28741) == "v1"), get(28742), get(28743))

    # Graceful stop: an idle kept-alive connection closes, new ones are refused, a request
    # in flight is answered (with connection: close), then the process exits.
    kept = http.client.HTTPConnection("127.0.0.1", 28741, timeout=5)
    kept.request("GET", "/")
    kept.getresponse().read()
    slow.clear()
    t = threading.Thread(target=slow_get)
    t.start()
    time.sleep(0.3)
    weir.send_signal(signal.SIGINT)
    print("after SIGINT, 28741:", "refused" if until(lambda: get(28741) == "refused") else get(28741))
    kept.sock.settimeout(5)
    print("the idle kept-alive connection closed:", kept.sock.recv(100) == b"")
    kept.close()
    t.join()
    print("the request in flight:", slow.get("answer"), "connection:", slow.get("connection"))
    print("exit status after SIGINT:", weir.wait(timeout=10))
finally:
    if weir.poll() is None:
        weir.kill()
        weir.wait()
    shutil.rmtree(tmp, ignore_errors=True)
PY
