//! The sending half of a socket: an event sink with a bounded buffer.
//!
//! For TCP ([`SocketWriter::run_tcp`]) the bytes are written by one flusher task per worker
//! thread, which runs after the tasks that were ready in the same turn of the runtime: what
//! a burst of events queued for a socket, even from many streams, goes out in one `writev`,
//! and a turn costs one task wake-up however many sockets it wrote. Only when a socket
//! pushes back (`EAGAIN`) does that socket's own task take over and wait for it to become
//! writable. Both write from the front of the same queue, synchronously, so bytes never
//! reorder.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::io::IoSlice;
use std::rc::{Rc, Weak};
use std::time::{Duration, Instant};

use bytes::{Buf, Bytes};
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::OwnedWriteHalf;
use weir_engine::tap::Congestion;
use weir_engine::{ErrorCode, Event, EventSink};

use crate::notify::LocalNotify;

/// What to do once everything queued is written.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Ending {
    Open,
    /// Send FIN, keep reading (half-close).
    Shutdown,
    /// Close both directions.
    Close,
}

pub struct SocketWriter {
    queue: RefCell<VecDeque<Bytes>>,
    pending: Cell<usize>,
    ending: Cell<Ending>,
    /// The error the pipeline ended with, if any (a reset is sent for some).
    error: Cell<Option<ErrorCode>>,
    /// Wakes the writer's own task (it writes when the socket pushed back or is not TCP).
    wake: LocalNotify,
    congestion: Congestion,
    limit: usize,
    /// Set once the socket can no longer be written.
    broken: Cell<bool>,
    /// Called with how the stream ended when the pipeline sends `StreamEnd`.
    close_on_end: Ending,
    /// TCP: the socket, for the flusher to write to.
    direct: RefCell<Option<Rc<OwnedWriteHalf>>>,
    /// The flusher has this writer on its list.
    flush_due: Cell<bool>,
    /// The socket pushed back; the task writes until the queue is empty again.
    blocked: Cell<bool>,
    /// The error a direct write failed with, for the task to report.
    failed_with: Cell<Option<std::io::ErrorKind>>,
    me: Weak<SocketWriter>,
}

impl SocketWriter {
    /// `limit`: bytes buffered before the input feeding us is paused.
    pub fn new(limit: usize, close_on_end: Ending) -> Rc<SocketWriter> {
        Rc::new_cyclic(|me| SocketWriter {
            queue: RefCell::new(VecDeque::new()),
            pending: Cell::new(0),
            ending: Cell::new(Ending::Open),
            error: Cell::new(None),
            wake: LocalNotify::default(),
            congestion: Congestion::default(),
            limit,
            broken: Cell::new(false),
            close_on_end,
            direct: RefCell::new(None),
            flush_due: Cell::new(false),
            blocked: Cell::new(false),
            failed_with: Cell::new(None),
            me: me.clone(),
        })
    }

    pub fn push(&self, data: weir_engine::Data) {
        if self.broken.get() || self.ending.get() != Ending::Open {
            return;
        }
        let mut q = self.queue.borrow_mut();
        // Moved, not cloned: cloning a chunk made from a `Vec` (an encoded head) would
        // allocate its shared block.
        for chunk in data.into_chunks() {
            self.pending.set(self.pending.get() + chunk.len());
            q.push_back(chunk);
        }
        drop(q);
        self.congestion.check(self.pending.get(), self.limit);
        self.kick();
    }

    /// Gets queued bytes moving: the flusher's next turn (TCP, not blocked),
    /// else a wake-up of the task.
    fn kick(&self) {
        if self.blocked.get() || self.direct.borrow().is_none() {
            self.wake.notify_one();
            return;
        }
        if !self.flush_due.replace(true) {
            if let Some(me) = self.me.upgrade() {
                flusher::schedule(me);
            }
        }
    }

    /// Writes from the front of the queue until it is empty (`Ok(true)`) or the socket
    /// would block (`Ok(false)`).
    fn write_queue(&self, sock: &OwnedWriteHalf) -> std::io::Result<bool> {
        loop {
            let written = {
                let q = self.queue.borrow();
                if q.is_empty() {
                    return Ok(true);
                }
                // The slice list is set up afresh for each call: a short one for the usual
                // few chunks (a head and a body) keeps that cheap.
                let result = if q.len() <= SHORT_BATCH {
                    let mut slices = [IoSlice::new(&[]); SHORT_BATCH];
                    let n = gather(&q, &mut slices);
                    sock.try_write_vectored(slices.get(..n).unwrap_or_default())
                } else {
                    let mut slices = [IoSlice::new(&[]); MAX_BATCH];
                    let n = gather(&q, &mut slices);
                    sock.try_write_vectored(slices.get(..n).unwrap_or_default())
                };
                match result {
                    Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
                    Ok(w) => w,
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return Ok(false),
                    Err(e) => return Err(e),
                }
            };
            self.consume(written);
        }
    }

    /// Drops `n` written bytes from the front of the queue.
    fn consume(&self, mut n: usize) {
        let mut q = self.queue.borrow_mut();
        self.pending.set(self.pending.get().saturating_sub(n));
        while n > 0 {
            let Some(front) = q.front_mut() else { break };
            if n >= front.len() {
                n -= front.len();
                q.pop_front();
            } else {
                front.advance(n);
                n = 0;
            }
        }
        drop(q);
        self.congestion.relieve(self.pending.get(), self.limit / 2);
    }

    pub fn end(&self, how: Ending, error: Option<ErrorCode>) {
        if self.ending.get() == Ending::Open {
            self.ending.set(how);
            self.error.set(error);
            self.wake.notify_one();
        }
    }

    /// Writes to a TCP socket until the ending is reached; returns how it ended. Writes
    /// happen from the flusher when the socket takes them (see the module
    /// docs); this task waits for writability when it does not, and does the ending.
    pub async fn run_tcp(
        &self,
        sock: OwnedWriteHalf,
        write_timeout: Option<Duration>,
    ) -> Result<Ending, std::io::Error> {
        let sock = Rc::new(sock);
        *self.direct.borrow_mut() = Some(sock.clone());
        let result = self.drive_tcp(&sock, write_timeout).await;
        self.direct.borrow_mut().take();
        if let Err(e) = &result {
            tracing::trace!("[writer] {e}");
            self.fail();
            return result;
        }
        if let Ok(mut owned) = Rc::try_unwrap(sock) {
            let _ = owned.shutdown().await;
        }
        result
    }

    async fn drive_tcp(
        &self,
        sock: &OwnedWriteHalf,
        write_timeout: Option<Duration>,
    ) -> Result<Ending, std::io::Error> {
        loop {
            if let Some(kind) = self.failed_with.take() {
                return Err(kind.into());
            }
            if self.queue.borrow().is_empty() {
                self.blocked.set(false);
                match self.ending.get() {
                    Ending::Open => {
                        let notified = self.wake.notified();
                        if self.queue.borrow().is_empty()
                            && self.ending.get() == Ending::Open
                            && self.failed_with.get().is_none()
                        {
                            notified.await;
                        }
                        continue;
                    }
                    how => return Ok(how),
                }
            }
            // Bytes are waiting and no flush is coming: write them here.
            if !self.blocked.get() && self.write_queue(sock)? {
                continue;
            }
            self.blocked.set(true);
            let ready = std::future::poll_fn(|cx| sock.as_ref().poll_write_ready(cx));
            match write_timeout {
                Some(t) => match tokio::time::timeout(t, ready).await {
                    Ok(r) => r?,
                    Err(_) => {
                        return Err(std::io::Error::new(
                            std::io::ErrorKind::TimedOut,
                            "write timeout",
                        ))
                    }
                },
                None => ready.await?,
            }
            if self.write_queue(sock)? {
                self.blocked.set(false);
            }
        }
    }

    pub fn ending(&self) -> Ending {
        self.ending.get()
    }

    pub fn pending(&self) -> usize {
        self.pending.get()
    }

    pub fn is_broken(&self) -> bool {
        self.broken.get()
    }

    /// Writes until the ending is reached; returns how it ended.
    pub async fn run<W: tokio::io::AsyncWrite + Unpin>(
        &self,
        mut w: W,
        write_timeout: Option<Duration>,
    ) -> Result<Ending, std::io::Error> {
        let mut batch: Vec<Bytes> = Vec::with_capacity(MAX_BATCH);
        loop {
            // Everything queued goes out in one writev (a response head and its body
            // together, several pipelined responses together), bounded per call.
            {
                let mut q = self.queue.borrow_mut();
                let mut bytes = 0;
                while batch.len() < MAX_BATCH && bytes < MAX_BATCH_BYTES {
                    let Some(chunk) = q.pop_front() else { break };
                    bytes += chunk.len();
                    batch.push(chunk);
                }
            }
            match batch.is_empty() {
                false => {
                    let len: usize = batch.iter().map(|c| c.len()).sum();
                    let write = write_all_vectored(&mut w, &mut batch);
                    let res = match write_timeout {
                        Some(t) => match tokio::time::timeout(t, write).await {
                            Ok(r) => r,
                            Err(_) => Err(std::io::Error::new(
                                std::io::ErrorKind::TimedOut,
                                "write timeout",
                            )),
                        },
                        None => write.await,
                    };
                    batch.clear();
                    self.pending.set(self.pending.get().saturating_sub(len));
                    self.congestion.relieve(self.pending.get(), self.limit / 2);
                    if let Err(e) = res {
                        self.fail();
                        return Err(e);
                    }
                }
                true => match self.ending.get() {
                    Ending::Open => {
                        let notified = self.wake.notified();
                        if self.queue.borrow().is_empty() && self.ending.get() == Ending::Open {
                            notified.await;
                        }
                    }
                    how => {
                        let _ = w.flush().await;
                        if how == Ending::Shutdown || how == Ending::Close {
                            let _ = w.shutdown().await;
                        }
                        return Ok(how);
                    }
                },
            }
        }
    }

    fn fail(&self) {
        self.broken.set(true);
        self.queue.borrow_mut().clear();
        self.pending.set(0);
        self.congestion.relieve(0, 0);
    }
}

/// One task per worker thread writes every socket that got bytes during a turn of the
/// runtime, after the tasks that were ready in that turn have run. So bytes that several
/// streams send to one shared connection (a `muxHTTP` session) in the same turn leave in one
/// `writev`, and a burst costs one task wake-up in all, not one per socket.
mod flusher {
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;

    use super::SocketWriter;
    use crate::notify::LocalNotify;

    thread_local! {
        static DIRTY: RefCell<Vec<Rc<SocketWriter>>> = const { RefCell::new(Vec::new()) };
        static SPARE: RefCell<Vec<Rc<SocketWriter>>> = const { RefCell::new(Vec::new()) };
        static WAKE: Rc<LocalNotify> = Rc::new(LocalNotify::default());
        static RUNNING: Cell<bool> = const { Cell::new(false) };
    }

    pub(super) fn schedule(w: Rc<SocketWriter>) {
        let first = DIRTY.with(|d| {
            let mut d = d.borrow_mut();
            d.push(w);
            d.len() == 1
        });
        if !RUNNING.with(|r| r.replace(true)) {
            // Outside a runtime (tests driving the queue by hand) nothing could run the
            // task: write now.
            if tokio::runtime::Handle::try_current().is_err() {
                RUNNING.with(|r| r.set(false));
                flush();
                return;
            }
            tokio::task::spawn_local(run());
        }
        if first {
            WAKE.with(|n| n.notify_one());
        }
    }

    /// Clears `RUNNING` when the task goes away with its runtime, so a later runtime on
    /// this thread starts a new one.
    struct Running;

    impl Drop for Running {
        fn drop(&mut self) {
            let _ = RUNNING.try_with(|r| r.set(false));
        }
    }

    async fn run() {
        let _running = Running;
        let wake = WAKE.with(|n| n.clone());
        loop {
            wake.notified().await;
            flush();
        }
    }

    fn flush() {
        let mut batch = SPARE.with(|s| std::mem::take(&mut *s.borrow_mut()));
        DIRTY.with(|d| std::mem::swap(&mut *d.borrow_mut(), &mut batch));
        // What a write does can queue more (a failure ends a pipeline): let the event
        // queue run after each.
        for w in batch.drain(..) {
            weir_engine::sched::hold(|| w.flush_now());
        }
        SPARE.with(|s| *s.borrow_mut() = batch);
    }
}

/// Chunks written per system call at most.
const MAX_BATCH: usize = 64;
/// A queue this short is written with a short slice list.
const SHORT_BATCH: usize = 4;

/// Points `slices` at the first chunks of `q`, within the batch limits; returns how many.
fn gather<'a>(q: &'a VecDeque<Bytes>, slices: &mut [IoSlice<'a>]) -> usize {
    let mut n = 0;
    let mut bytes = 0;
    for (slot, chunk) in slices.iter_mut().zip(q.iter()) {
        if bytes >= MAX_BATCH_BYTES {
            break;
        }
        *slot = IoSlice::new(chunk);
        bytes += chunk.len();
        n += 1;
    }
    n
}
/// Bytes gathered per system call at most.
const MAX_BATCH_BYTES: usize = 1 << 20;

/// Writes every chunk of `batch` with as few `writev` calls as the socket allows.
async fn write_all_vectored<W: tokio::io::AsyncWrite + Unpin>(
    w: &mut W,
    batch: &mut [Bytes],
) -> std::io::Result<()> {
    let mut first = 0;
    while first < batch.len() {
        let slices: Vec<std::io::IoSlice<'_>> = batch[first..]
            .iter()
            .map(|c| std::io::IoSlice::new(c))
            .collect();
        let mut n = w.write_vectored(&slices).await?;
        drop(slices);
        if n == 0 {
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        while n > 0 && first < batch.len() {
            let len = batch[first].len();
            if n >= len {
                n -= len;
                first += 1;
            } else {
                batch[first].advance(n);
                n = 0;
            }
        }
        while first < batch.len() && batch[first].is_empty() {
            first += 1;
        }
    }
    Ok(())
}

impl SocketWriter {
    /// The flusher's turn: write what is queued, or hand over to the task if the socket
    /// pushes back.
    fn flush_now(&self) {
        self.flush_due.set(false);
        if self.blocked.get() || self.broken.get() {
            return;
        }
        let Some(sock) = self.direct.borrow().clone() else {
            self.wake.notify_one();
            return;
        };
        match self.write_queue(&sock) {
            Ok(true) => {}
            Ok(false) => {
                self.blocked.set(true);
                self.wake.notify_one();
            }
            Err(e) => {
                self.failed_with.set(Some(e.kind()));
                self.wake.notify_one();
            }
        }
    }
}

impl EventSink for SocketWriter {
    fn takes_direct_input(&self) -> bool {
        // Pushing only queues bytes and schedules the flusher; nothing is called back.
        true
    }

    fn on_event(&self, evt: Event) {
        match evt {
            Event::Data(d) => self.push(d),
            Event::StreamEnd(end) => self.end(self.close_on_end, end.error),
            _ => {}
        }
    }
}

/// The idle and read timeouts of a socket's reading loop, with one timer per socket.
///
/// The idle deadline counts from the last activity, a read timeout (rare) from the start of
/// each read. Reads only record the time; deadlines only move later, so the one sleep in
/// [`ReadTimer::expired`] fires early at worst and is then moved to the new deadline. The
/// reading loop creates that future once and polls it with each read.
pub(crate) struct ReadTimer {
    idle: Option<Duration>,
    read: Option<Duration>,
    last: Cell<Instant>,
    read_started: Cell<Instant>,
}

impl ReadTimer {
    pub(crate) fn new(idle: Option<Duration>, read: Option<Duration>) -> ReadTimer {
        let now = Instant::now();
        ReadTimer {
            idle,
            read,
            last: Cell::new(now),
            read_started: Cell::new(now),
        }
    }

    /// A read begins.
    pub(crate) fn start_read(&self) {
        if self.read.is_some() {
            self.read_started.set(Instant::now());
        }
    }

    /// Bytes arrived.
    pub(crate) fn active(&self) {
        self.last.set(Instant::now());
    }

    fn deadline(&self) -> Option<Instant> {
        let idle = self.idle.map(|t| self.last.get() + t);
        let read = self.read.map(|t| self.read_started.get() + t);
        match (idle, read) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Resolves with the error code once a timeout has really passed; pending forever
    /// without timeouts.
    pub(crate) async fn expired(&self) -> ErrorCode {
        let Some(deadline) = self.deadline() else {
            return std::future::pending().await;
        };
        let sleep = tokio::time::sleep_until(deadline.into());
        tokio::pin!(sleep);
        loop {
            // This future is polled with every read of the connection's task. Once the
            // timer has the task's waker (the first poll after arming it), a poll that finds
            // the timer not yet elapsed has nothing to do: skip the timer entry's
            // bookkeeping until the timer wakes the task. (The task's waker does not change:
            // the future never leaves its task.)
            let mut armed = false;
            std::future::poll_fn(|cx| {
                if armed && !sleep.is_elapsed() {
                    return std::task::Poll::Pending;
                }
                let r = sleep.as_mut().poll(cx);
                armed = r.is_pending();
                r
            })
            .await;
            let now = Instant::now();
            if self
                .read
                .is_some_and(|t| now >= self.read_started.get() + t)
            {
                return ErrorCode::ReadTimeout;
            }
            if self.idle.is_some_and(|t| now >= self.last.get() + t) {
                return ErrorCode::IdleTimeout;
            }
            // Activity moved the deadline: sleep again until the new one.
            match self.deadline() {
                Some(d) => sleep.as_mut().reset(d.into()),
                None => return std::future::pending().await,
            }
        }
    }
}
