//! The listening-socket registry that lets a reloaded program take over its ports.

use std::collections::HashSet;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

use weir_net::{listen_socket, retain_sockets};

fn free_addr() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
}

#[test]
fn a_declared_port_is_taken_over_then_closed_when_no_longer_declared() {
    let addr = free_addr();
    let key = (0, addr);
    let old = listen_socket(key, false).expect("first bind");
    // A second load declaring the same port gets the same socket, not EADDRINUSE.
    let new = listen_socket(key, false).expect("taken over");
    assert_eq!(new.local_addr().ok(), Some(addr));

    // A client waiting in the backlog while the old load stops is served by the new one.
    let mut client = TcpStream::connect(addr).expect("connects");
    drop(old);
    new.set_nonblocking(false).expect("blocking");
    let (mut served, _) = new.accept().expect("accepted by the new listener");
    served.write_all(b"new").expect("write");
    let mut got = [0u8; 3];
    client
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    client.read_exact(&mut got).expect("read");
    assert_eq!(&got, b"new");

    // Not declared by the next load: once the registry and the last listener let go, the
    // port closes.
    retain_sockets(&HashSet::new());
    drop(new);
    assert!(TcpStream::connect(addr).is_err());
    // And a later load binds it afresh.
    let again = listen_socket(key, false).expect("bound again");
    assert_eq!(again.local_addr().ok(), Some(addr));
    retain_sockets(&HashSet::new());
}

#[test]
fn port_zero_binds_a_new_socket_each_time() {
    let key = (1, "127.0.0.1:0".parse().expect("addr"));
    let a = listen_socket(key, false).expect("bind");
    let b = listen_socket(key, false).expect("bind");
    assert_ne!(a.local_addr().ok(), b.local_addr().ok());
}
