//! TCP listeners and the inbound side of each accepted connection.
//!
//! `maxConnections` makes excess clients *wait* (the accept loop stops accepting until a slot
//! frees), as in Pipy; it never refuses them.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::rc::{Rc, Weak};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use bytes::BytesMut;
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio::sync::{Notify, Semaphore};
use weir_engine::activity::Activity;
use weir_engine::tap::Tap;
use weir_engine::{sched, Data, ErrorCode, Event, InboundInfo, Pipeline, Target};

use crate::writer::{Ending, SocketWriter};

/// `listen()` options, parsed once when the script loads.
#[derive(Clone, Debug)]
pub struct ListenOptions {
    /// Connections served at once; more wait in the kernel backlog. `None`: no limit.
    pub max_connections: Option<usize>,
    /// Close after this long with nothing read or written. Default 60 s.
    pub idle_timeout: Option<Duration>,
    /// Close if nothing arrives for this long. Default: none.
    pub read_timeout: Option<Duration>,
    /// Fail a write that makes no progress for this long. Default: none.
    pub write_timeout: Option<Duration>,
    /// TCP keep-alive probes. Default off.
    pub keep_alive: bool,
    /// TCP_NODELAY. Default on.
    pub no_delay: bool,
    /// Bytes buffered towards the client before the input that produces them is paused.
    pub buffer_limit: usize,
}

impl Default for ListenOptions {
    fn default() -> Self {
        ListenOptions {
            max_connections: None,
            idle_timeout: Some(Duration::from_secs(60)),
            read_timeout: None,
            write_timeout: None,
            keep_alive: false,
            no_delay: true,
            buffer_limit: 1 << 20,
        }
    }
}

/// Makes the root pipeline for a new connection (context + instance, not yet started).
pub type PipelineMaker = Rc<dyn Fn(Rc<InboundInfo>) -> Option<Rc<Pipeline>>>;

/// Binds a TCP listening socket (synchronously, so bind errors surface at startup).
pub fn bind_tcp(addr: SocketAddr, reuse_port: bool) -> std::io::Result<std::net::TcpListener> {
    use socket2::{Domain, Protocol, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    if reuse_port {
        socket.set_reuse_port(true)?;
    }
    if addr.is_ipv6() {
        let _ = socket.set_only_v6(false);
    }
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    socket.listen(1024)?;
    Ok(socket.into())
}

/// A listening socket's identity across reloads: the worker thread's index and the address
/// the script declared.
pub type SocketKey = (usize, SocketAddr);

/// The process's listening sockets, one copy each, so that a reloaded program takes over a
/// port without closing it: connections waiting in the kernel's backlog are not lost, and
/// the port never refuses. Each worker listens on its own duplicate (`try_clone`) of the
/// socket; the socket closes when the registry's copy and every worker's are gone.
fn open_sockets() -> &'static Mutex<HashMap<SocketKey, std::net::TcpListener>> {
    static SOCKETS: OnceLock<Mutex<HashMap<SocketKey, std::net::TcpListener>>> = OnceLock::new();
    SOCKETS.get_or_init(Default::default)
}

fn lock_sockets() -> std::sync::MutexGuard<'static, HashMap<SocketKey, std::net::TcpListener>> {
    // Every critical section is one map operation: a poisoned lock holds nothing half-done.
    open_sockets().lock().unwrap_or_else(|e| e.into_inner())
}

/// The listening socket for `key`: a duplicate of the one already open for it (an earlier
/// load of the program declared the same port), or a newly bound one. A declared port 0
/// always binds a new socket.
pub fn listen_socket(key: SocketKey, reuse_port: bool) -> std::io::Result<std::net::TcpListener> {
    let mut open = lock_sockets();
    if key.1.port() != 0 {
        if let Some(s) = open.get(&key) {
            return s.try_clone();
        }
    }
    let socket = bind_tcp(key.1, reuse_port)?;
    if key.1.port() != 0 {
        open.insert(key, socket.try_clone()?);
    }
    Ok(socket)
}

/// Drops the registry's copy of every socket not in `keep`. A worker still accepting on one
/// keeps it open until it stops listening; then the port closes.
pub fn retain_sockets(keep: &HashSet<SocketKey>) {
    lock_sockets().retain(|k, _| keep.contains(k));
}

thread_local! {
    static NEXT_INBOUND: Cell<u64> = const { Cell::new(1) };
    /// The root pipelines of this thread's client connections, for [`drain_connections`];
    /// ended ones are swept out as the list grows.
    static CONNECTIONS: RefCell<(Vec<Weak<Pipeline>>, usize)> = const { RefCell::new((Vec::new(), 64)) };
}

fn track(pipeline: &Rc<Pipeline>) {
    CONNECTIONS.with(|c| {
        let (list, sweep_at) = &mut *c.borrow_mut();
        if list.len() >= *sweep_at {
            list.retain(|p| p.strong_count() > 0);
            *sweep_at = (list.len() * 2).max(64);
        }
        list.push(Rc::downgrade(pipeline));
    });
}

/// Asks every client connection of this thread to finish (see
/// [`weir_engine::Filter::drain`]): an HTTP server closes idle kept-alive connections now,
/// and busy ones after the response in progress. Other connections carry on.
pub fn drain_connections() {
    let list = CONNECTIONS.with(|c| std::mem::take(&mut c.borrow_mut().0));
    for p in list.iter().filter_map(Weak::upgrade) {
        p.drain();
    }
}

/// A running listener; dropping [`Listener::stop`] ends the accept loop.
pub struct Listener {
    pub addr: SocketAddr,
    stop: Rc<Notify>,
    stopped: Rc<Cell<bool>>,
}

impl Listener {
    /// Starts accepting on `socket` (on the current worker's runtime).
    pub fn start(
        socket: std::net::TcpListener,
        options: ListenOptions,
        make: PipelineMaker,
    ) -> std::io::Result<Listener> {
        let addr = socket.local_addr()?;
        let listener = tokio::net::TcpListener::from_std(socket)?;
        let stop = Rc::new(Notify::new());
        let stopped = Rc::new(Cell::new(false));
        let (stop2, stopped2) = (stop.clone(), stopped.clone());
        let limit = options
            .max_connections
            .map(|n| std::sync::Arc::new(Semaphore::new(n.max(1))));
        let options = Rc::new(options);
        let guard = Activity::new();
        tokio::task::spawn_local(async move {
            let _guard = guard;
            loop {
                let permit = match &limit {
                    Some(sem) => {
                        tokio::select! {
                            p = sem.clone().acquire_owned() => match p { Ok(p) => Some(p), Err(_) => break },
                            _ = stop2.notified() => break,
                        }
                    }
                    None => None,
                };
                if stopped2.get() {
                    break;
                }
                let accepted = tokio::select! {
                    a = listener.accept() => a,
                    _ = stop2.notified() => break,
                };
                match accepted {
                    Ok((stream, peer)) => {
                        let local = stream.local_addr().unwrap_or(addr);
                        let id = NEXT_INBOUND.with(|n| {
                            let id = n.get();
                            n.set(id + 1);
                            id
                        });
                        let info = Rc::new(InboundInfo {
                            id,
                            local,
                            remote: peer,
                            destination: local,
                            protocol: "tcp",
                        });
                        let Some(pipeline) = make(info) else { continue };
                        track(&pipeline);
                        let options = options.clone();
                        let conn_guard = Activity::stream();
                        tokio::task::spawn_local(async move {
                            serve_inbound(stream, pipeline, &options).await;
                            drop(permit);
                            drop(conn_guard);
                        });
                    }
                    Err(e) => {
                        // Out of descriptors and the like: back off instead of spinning.
                        tracing::warn!("[listener] accept on {addr} failed: {e}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                }
            }
        });
        Ok(Listener {
            addr,
            stop,
            stopped,
        })
    }

    /// Stops accepting; connections already accepted carry on.
    pub fn stop(&self) {
        self.stopped.set(true);
        self.stop.notify_waiters();
        self.stop.notify_one();
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop();
    }
}

fn apply_socket_options(stream: &TcpStream, no_delay: bool, keep_alive: bool) {
    let _ = stream.set_nodelay(no_delay);
    if keep_alive {
        let sock = socket2::SockRef::from(stream);
        let _ = sock.set_keepalive(true);
    }
}

/// Drives one accepted connection until both the client and the pipeline are done.
async fn serve_inbound(stream: TcpStream, pipeline: Rc<Pipeline>, options: &ListenOptions) {
    apply_socket_options(&stream, options.no_delay, options.keep_alive);
    let (mut rd, wr) = stream.into_split();
    let writer = SocketWriter::new(options.buffer_limit, Ending::Close);
    pipeline.set_output(Target::Sink(writer.clone()));
    let input = pipeline.input();
    let tap = Tap::new();
    tap.enter(|| pipeline.start());

    let write_side = {
        let writer = writer.clone();
        let write_timeout = options.write_timeout;
        async move { writer.run_tcp(wr, write_timeout).await }
    };
    let read_side = async {
        let mut buf = BytesMut::with_capacity(32 * 1024);
        // One timer for the connection, moved only when it fires early (activity since it
        // was set): no timer is created or moved per read, and its future is made once.
        let timer = crate::writer::ReadTimer::new(options.idle_timeout, options.read_timeout);
        let expired = timer.expired();
        tokio::pin!(expired);
        loop {
            if !tap.is_open() {
                tap.wait_open().await;
            }
            if writer.ending() != Ending::Open || writer.is_broken() {
                return;
            }
            if buf.capacity() - buf.len() < 4096 {
                buf.reserve(32 * 1024);
            }
            timer.start_read();
            let res = tokio::select! {
                biased;
                r = rd.read_buf(&mut buf) => r,
                code = &mut expired => {
                    tap.enter(|| sched::emit(&input, Event::end(Some(code))));
                    return;
                }
            };
            match res {
                Ok(0) => {
                    tap.enter(|| sched::emit(&input, Event::end(None)));
                    return;
                }
                Ok(_) => {
                    timer.active();
                    let data = Data::from(buf.split().freeze());
                    tap.enter(|| sched::emit(&input, Event::Data(data)));
                }
                Err(e) => {
                    let code = ErrorCode::from_io(&e, true);
                    tap.enter(|| sched::emit(&input, Event::end(Some(code))));
                    return;
                }
            }
        }
    };
    // The connection lives until the pipeline has ended its output (the writer is done).
    // After the client's EOF the pipeline may still be answering; bound that by idleTimeout.
    tokio::pin!(write_side);
    tokio::select! {
        biased;
        _ = read_side => {}
        r = &mut write_side => { drop(r); return; }
    }
    let idle = options.idle_timeout.unwrap_or(Duration::from_secs(3600));
    loop {
        let before = writer.pending();
        tokio::select! {
            r = &mut write_side => { drop(r); return; }
            _ = tokio::time::sleep(idle) => {
                if writer.pending() == before {
                    return;
                }
            }
        }
    }
}
