//! `connect(target, options)`: a TCP client whose input is sent upstream and whose output is
//! what upstream sends back.
//!
//! The connection is made on the first event; input that arrives meanwhile is buffered (up to
//! the writer's limit, past which the input is paused). Failures come out as `StreamEnd`
//! with Pipy's error codes: `CannotResolve`, `ConnectionRefused`, `ConnectionTimeout`,
//! `ReadTimeout`, `WriteTimeout`, `IdleTimeout`, `ConnectionReset`, ...

use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use bytes::BytesMut;
use tokio::io::AsyncReadExt;
use tokio::net::{TcpSocket, TcpStream};
use tokio::task::JoinHandle;
use weir_engine::activity::Activity;
use weir_engine::tap::Tap;
use weir_engine::{Data, Emitter, ErrorCode, Event, Filter, FilterCx, FilterFactory};

use crate::writer::{Ending, SocketWriter};

/// `connect()` options; times are `None` for "no limit".
#[derive(Clone, Debug)]
pub struct ConnectOptions {
    pub bind: Option<SocketAddr>,
    /// Per attempt. Default: none (the OS's own limit).
    pub connect_timeout: Option<Duration>,
    pub read_timeout: Option<Duration>,
    pub write_timeout: Option<Duration>,
    /// Default 60 s.
    pub idle_timeout: Option<Duration>,
    /// Extra attempts after the first; `-1` is forever. Default 0.
    pub retry_count: i64,
    /// Default 0 s.
    pub retry_delay: Duration,
    pub keep_alive: bool,
    pub no_delay: bool,
    pub buffer_limit: usize,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            bind: None,
            connect_timeout: None,
            read_timeout: None,
            write_timeout: None,
            idle_timeout: Some(Duration::from_secs(60)),
            retry_count: 0,
            retry_delay: Duration::ZERO,
            keep_alive: false,
            no_delay: true,
            buffer_limit: 1 << 20,
        }
    }
}

/// Where to connect: fixed, or computed per stream (`Err` = the script failed, already logged).
#[derive(Clone)]
pub enum ConnectTarget {
    Fixed(String),
    Dynamic(Rc<dyn Fn(&FilterCx) -> Result<String, ()>>),
}

pub struct Connect {
    pub target: ConnectTarget,
    pub options: Rc<ConnectOptions>,
}

impl FilterFactory for Connect {
    fn name(&self) -> &str {
        "connect"
    }
    fn create(&self) -> Box<dyn Filter> {
        Box::new(ConnectFilter {
            target: self.target.clone(),
            options: self.options.clone(),
            writer: None,
            task: None,
            done: false,
        })
    }
}

struct ConnectFilter {
    target: ConnectTarget,
    options: Rc<ConnectOptions>,
    writer: Option<Rc<SocketWriter>>,
    task: Option<JoinHandle<()>>,
    done: bool,
}

impl Drop for ConnectFilter {
    fn drop(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }
}

impl ConnectFilter {
    fn open(&mut self, cx: &FilterCx) -> Option<Rc<SocketWriter>> {
        if let Some(w) = &self.writer {
            return Some(w.clone());
        }
        if self.done {
            return None;
        }
        let target = match &self.target {
            ConnectTarget::Fixed(t) => t.clone(),
            ConnectTarget::Dynamic(f) => match f(cx) {
                Ok(t) => t,
                Err(()) => {
                    self.done = true;
                    cx.output(Event::end(Some(ErrorCode::RuntimeError)));
                    return None;
                }
            },
        };
        let writer = SocketWriter::new(self.options.buffer_limit, Ending::Shutdown);
        let emitter = cx.emitter();
        let options = self.options.clone();
        let w = writer.clone();
        let guard = Activity::new();
        self.task = Some(tokio::task::spawn_local(async move {
            let _guard = guard;
            run_outbound(target, options, w, emitter).await;
        }));
        self.writer = Some(writer.clone());
        Some(writer)
    }
}

impl Filter for ConnectFilter {
    fn takes_direct_input(&self) -> bool {
        // Input only goes to the socket's writer; a computed target is JS, run on the
        // first event.
        self.writer.is_some() || matches!(self.target, ConnectTarget::Fixed(_))
    }

    fn process(&mut self, cx: &FilterCx, evt: Event) {
        match evt {
            Event::Data(d) => {
                if let Some(w) = self.open(cx) {
                    if !d.is_empty() {
                        w.push(d);
                    }
                }
            }
            Event::StreamEnd(end) => {
                // Nothing was ever sent: no need to connect at all.
                match &self.writer {
                    Some(w) => w.end(Ending::Shutdown, end.error),
                    None if !self.done => {
                        self.done = true;
                        cx.output(Event::StreamEnd(end));
                    }
                    None => {}
                }
            }
            Event::MessageStart(_) | Event::MessageEnd(_) => {
                self.open(cx);
            }
        }
    }
}

async fn resolve(target: &str) -> Result<Vec<SocketAddr>, ErrorCode> {
    if let Ok(addr) = target.parse::<SocketAddr>() {
        return Ok(vec![addr]);
    }
    match tokio::net::lookup_host(target).await {
        Ok(addrs) => {
            let v: Vec<SocketAddr> = addrs.collect();
            if v.is_empty() {
                Err(ErrorCode::CannotResolve)
            } else {
                Ok(v)
            }
        }
        Err(_) => Err(ErrorCode::CannotResolve),
    }
}

async fn connect_once(addr: SocketAddr, options: &ConnectOptions) -> Result<TcpStream, ErrorCode> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()
    } else {
        TcpSocket::new_v6()
    }
    .map_err(|_| ErrorCode::ConnectionRefused)?;
    if let Some(bind) = options.bind {
        socket
            .bind(bind)
            .map_err(|_| ErrorCode::ConnectionRefused)?;
    }
    if options.keep_alive {
        let _ = socket.set_keepalive(true);
    }
    let attempt = socket.connect(addr);
    let result = match options.connect_timeout {
        Some(t) => match tokio::time::timeout(t, attempt).await {
            Ok(r) => r,
            Err(_) => return Err(ErrorCode::ConnectionTimeout),
        },
        None => attempt.await,
    };
    let stream = result.map_err(|e| match e.kind() {
        std::io::ErrorKind::TimedOut => ErrorCode::ConnectionTimeout,
        _ => ErrorCode::ConnectionRefused,
    })?;
    let _ = stream.set_nodelay(options.no_delay);
    Ok(stream)
}

async fn establish(target: &str, options: &ConnectOptions) -> Result<TcpStream, ErrorCode> {
    let mut attempt: i64 = 0;
    loop {
        let result = match resolve(target).await {
            Ok(addrs) => {
                let mut last = ErrorCode::ConnectionRefused;
                let mut ok = None;
                for addr in addrs {
                    match connect_once(addr, options).await {
                        Ok(s) => {
                            ok = Some(s);
                            break;
                        }
                        Err(e) => last = e,
                    }
                }
                ok.ok_or(last)
            }
            Err(e) => Err(e),
        };
        match result {
            Ok(s) => return Ok(s),
            Err(e) => {
                if options.retry_count >= 0 && attempt >= options.retry_count {
                    tracing::debug!("[outbound] connection to {target} failed: {e}");
                    return Err(e);
                }
                attempt += 1;
                tracing::debug!("[outbound] connection to {target} failed ({e}), retry #{attempt}");
                tokio::time::sleep(options.retry_delay).await;
            }
        }
    }
}

async fn run_outbound(
    target: String,
    options: Rc<ConnectOptions>,
    writer: Rc<SocketWriter>,
    out: Emitter,
) {
    let stream = match establish(&target, &options).await {
        Ok(s) => s,
        Err(code) => {
            out.emit(Event::end(Some(code)));
            return;
        }
    };
    let (mut rd, wr) = stream.into_split();
    let tap = Tap::new();
    let write_side = writer.run_tcp(wr, options.write_timeout);
    let read_side = async {
        let mut buf = BytesMut::with_capacity(32 * 1024);
        let timer = crate::writer::ReadTimer::new(options.idle_timeout, options.read_timeout);
        let expired = timer.expired();
        tokio::pin!(expired);
        loop {
            if !tap.is_open() {
                tap.wait_open().await;
            }
            if buf.capacity() - buf.len() < 4096 {
                buf.reserve(32 * 1024);
            }
            timer.start_read();
            let res = tokio::select! {
                biased;
                r = rd.read_buf(&mut buf) => r,
                code = &mut expired => return Some(code),
            };
            match res {
                Ok(0) => return None,
                Ok(_) => {
                    timer.active();
                    let data = Data::from(buf.split().freeze());
                    tap.enter(|| out.emit(Event::Data(data)));
                }
                Err(e) => return Some(ErrorCode::from_io(&e, true)),
            }
        }
    };
    tokio::pin!(write_side);
    tokio::pin!(read_side);
    let mut write_done = false;
    loop {
        tokio::select! {
            biased;
            end = &mut read_side => {
                out.emit(Event::end(end));
                return;
            }
            w = &mut write_side, if !write_done => {
                write_done = true;
                if let Err(e) = w {
                    let code = if e.kind() == std::io::ErrorKind::TimedOut {
                        ErrorCode::WriteTimeout
                    } else {
                        ErrorCode::from_io(&e, false)
                    };
                    out.emit(Event::end(Some(code)));
                    return;
                }
            }
        }
    }
}
