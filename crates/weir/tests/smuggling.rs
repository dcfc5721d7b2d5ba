//! Request smuggling and malformed requests through a weir HTTP proxy: every attack must be
//! answered 400 (or 414/431) by weir and must never reach the backend. The same bytes go to
//! nginx (from apt) in the same run; wherever nginx refuses a request, weir must refuse it too.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

mod common;

use common::{free_port, start_script, Proc};

/// A backend that counts the bytes it receives and answers every read with a 200.
fn backend(received: Arc<AtomicUsize>) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for conn in l.incoming() {
            let Ok(mut c) = conn else { break };
            let received = received.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 65536];
                while let Ok(n) = c.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    received.fetch_add(n, Ordering::SeqCst);
                    let _ = c.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");
                }
            });
        }
    });
    port
}

fn start_nginx(dir: &std::path::Path, port: u16) -> Option<Proc> {
    let conf = dir.join("nginx.conf");
    std::fs::write(
        &conf,
        format!(
            "daemon off; master_process off; worker_processes 1; pid {0}/nginx.pid; error_log {0}/error.log;\n\
             events {{ worker_connections 64; }}\n\
             http {{ access_log off; client_body_temp_path {0}; proxy_temp_path {0}; fastcgi_temp_path {0}; uwsgi_temp_path {0}; scgi_temp_path {0};\n\
             server {{ listen 127.0.0.1:{1}; location / {{ return 200 'ok'; }} }} }}\n",
            dir.display(),
            port
        ),
    )
    .ok()?;
    let child = Command::new("nginx")
        .args(["-c"])
        .arg(&conf)
        .args(["-p"])
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    for _ in 0..50 {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some(Proc(child));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    None
}

/// Sends raw bytes and returns the status of the first response (0 if none).
fn status_of(port: u16, raw: &[u8]) -> u16 {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return 0;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(3)));
    let _ = s.write_all(raw);
    let _ = s.shutdown(Shutdown::Write);
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf);
    text.split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0)
}

const ATTACKS: &[(&str, &[u8])] = &[
    ("CL.TE", b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG"),
    ("TE.CL", b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n"),
    ("duplicate Content-Length", b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"),
    ("Content-Length list", b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 6\r\n\r\nhello!"),
    ("Content-Length +5", b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\nhello"),
    ("Transfer-Encoding: xchunked", b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
    ("Transfer-Encoding: chunked, identity", b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
    ("space before colon", b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
    ("obs-fold", b"GET / HTTP/1.1\r\nHost: x\r\nX-Foo: a\r\n b\r\n\r\n"),
    ("bare LF", b"GET / HTTP/1.1\nHost: x\n\n"),
    ("NUL in a value", b"GET / HTTP/1.1\r\nHost: x\r\nX-Foo: a\0b\r\n\r\n"),
    ("chunk size overflow", b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffffffff\r\nhello\r\n0\r\n\r\n"),
    ("chunk without CRLF", b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n"),
    ("TE in HTTP/1.0", b"POST / HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
    ("bad header name", b"GET / HTTP/1.1\r\nHost: x\r\nX(Foo): a\r\n\r\n"),
    ("bad request line", b"GET  / HTTP/1.1\r\nHost: x\r\n\r\n"),
];

#[test]
fn smuggling_attempts_are_refused_and_never_reach_the_backend() {
    let dir = std::env::temp_dir().join(format!("weir-smuggling-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let received = Arc::new(AtomicUsize::new(0));
    let backend_port = backend(received.clone());
    let port = free_port();
    let _weir = start_script(
        &format!(
            "pipy().listen('127.0.0.1:{port}').demuxHTTP().to($=>$.muxHTTP().to($=>$.connect('127.0.0.1:{backend_port}')))"
        ),
        &[],
    );
    // A good request does go through.
    assert_eq!(status_of(port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"), 200);
    std::thread::sleep(Duration::from_millis(100));
    assert!(received.load(Ordering::SeqCst) > 0);

    let nginx_port = free_port();
    let nginx = start_nginx(&dir, nginx_port);
    assert!(
        nginx.is_some(),
        "nginx must be installed for this test (the README's test command installs it)"
    );

    let mut failures = Vec::new();
    for (name, raw) in ATTACKS {
        received.store(0, Ordering::SeqCst);
        let weir = status_of(port, raw);
        std::thread::sleep(Duration::from_millis(50));
        let leaked = received.load(Ordering::SeqCst);
        let nginx = status_of(nginx_port, raw);
        eprintln!("{name:40} weir={weir} nginx={nginx} backend bytes={leaked}");
        if !(weir == 400 || weir == 414 || weir == 431) || leaked > 0 {
            failures.push(format!(
                "{name}: weir answered {weir}, backend got {leaked} bytes"
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{failures:#?}");
}

/// A request body that turns out malformed after its response has started going out: the
/// response cannot be finished, so the connection must close at once (it used to hang until
/// the client gave up).
#[test]
fn a_bad_body_after_the_response_started_closes_the_connection() {
    let port = free_port();
    let _weir = start_script(
        &format!(
            "pipy().listen('127.0.0.1:{port}').demuxHTTP().to($=>$\
             .replaceData(() => new Data(''))\
             .replaceMessageStart(() => [new MessageStart({{ status: 200 }}), new Data('x'.repeat(100000))]))"
        ),
        &[],
    );
    let mut c = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    c.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    c.write_all(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
        .expect("write");
    // The response head and part of its body arrive while the request is still coming.
    let mut buf = [0u8; 65536];
    let n = c.read(&mut buf).expect("the response starts");
    assert!(buf[..n].starts_with(b"HTTP/1.1 200 OK\r\n"));
    // Then a chunk-size line that is not hex.
    c.write_all(b"zz\r\n").expect("write");
    let started = std::time::Instant::now();
    loop {
        match c.read(&mut buf) {
            Ok(0) => break,
            Ok(_) => continue,
            Err(e) => panic!("the connection should have closed: {e}"),
        }
    }
    assert!(started.elapsed() < Duration::from_secs(3));
}
