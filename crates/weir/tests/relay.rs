//! Bulk transfer through weir: 1 GiB through an echo pipeline and through a TCP relay
//! (`listen(p).connect(backend)`), with one and two worker threads; the bytes must come back
//! intact (same length, same checksum).

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::time::Duration;

mod common;

use common::{free_port, start_script, Proc};

const TOTAL: u64 = 1 << 30;

fn start(script: &str, threads: usize) -> Proc {
    start_script(script, &[&format!("--threads={threads}")])
}

/// FNV-1a over a stream, so both ends can be compared without keeping the bytes.
fn fnv(h: &mut u64, bytes: &[u8]) {
    for b in bytes {
        *h ^= u64::from(*b);
        *h = h.wrapping_mul(0x100000001b3);
    }
}

fn pattern(i: u64) -> u8 {
    (i.wrapping_mul(2654435761) >> 13) as u8
}

/// Sends TOTAL bytes to `port` and checks that exactly the same bytes come back.
fn round_trip(port: u16) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    let mut w = s.try_clone().expect("clone");
    let sender = std::thread::spawn(move || {
        let mut h = 0xcbf29ce484222325u64;
        let mut buf = vec![0u8; 256 * 1024];
        let mut sent = 0u64;
        while sent < TOTAL {
            let n = buf.len().min((TOTAL - sent) as usize);
            for (j, b) in buf[..n].iter_mut().enumerate() {
                *b = pattern(sent + j as u64);
            }
            w.write_all(&buf[..n]).expect("write");
            fnv(&mut h, &buf[..n]);
            sent += n as u64;
        }
        w.shutdown(Shutdown::Write).expect("shutdown");
        h
    });
    let mut h = 0xcbf29ce484222325u64;
    let mut got = 0u64;
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = s.read(&mut buf).expect("read");
        if n == 0 {
            break;
        }
        fnv(&mut h, &buf[..n]);
        got += n as u64;
    }
    let sent_hash = sender.join().expect("sender");
    assert_eq!(got, TOTAL, "bytes received");
    assert_eq!(h, sent_hash, "checksum");
}

/// A plain echo server for the relay to talk to.
fn echo_backend() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for conn in l.incoming() {
            let Ok(mut c) = conn else { break };
            std::thread::spawn(move || {
                let mut r = c.try_clone().expect("clone");
                let _ = std::io::copy(&mut r, &mut c);
                let _ = c.shutdown(Shutdown::Write);
            });
        }
    });
    port
}

#[test]
fn echo_1gib_one_thread() {
    let port = free_port();
    let _w = start(&format!("pipy().listen('127.0.0.1:{port}')"), 1);
    round_trip(port);
}

#[test]
fn echo_1gib_two_threads() {
    let port = free_port();
    let _w = start(&format!("pipy().listen('127.0.0.1:{port}')"), 2);
    round_trip(port);
}

#[test]
fn relay_1gib_one_thread() {
    let backend = echo_backend();
    let port = free_port();
    let _w = start(
        &format!("pipy().listen('127.0.0.1:{port}').connect('127.0.0.1:{backend}')"),
        1,
    );
    round_trip(port);
}

#[test]
fn relay_1gib_two_threads() {
    let backend = echo_backend();
    let port = free_port();
    let _w = start(
        &format!("pipy().listen('127.0.0.1:{port}').connect('127.0.0.1:{backend}')"),
        2,
    );
    round_trip(port);
}
