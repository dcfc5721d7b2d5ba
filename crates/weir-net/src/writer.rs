//! The sending half of a socket: an event sink with a bounded buffer.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;
use std::time::Duration;

use bytes::{Buf, Bytes};
use tokio::io::AsyncWriteExt;
use tokio::sync::Notify;
use weir_engine::tap::Congestion;
use weir_engine::{ErrorCode, Event, EventSink};

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
    wake: Notify,
    congestion: Congestion,
    limit: usize,
    /// Set once the socket can no longer be written.
    broken: Cell<bool>,
    /// Called with how the stream ended when the pipeline sends `StreamEnd`.
    close_on_end: Ending,
}

impl SocketWriter {
    /// `limit`: bytes buffered before the input feeding us is paused.
    pub fn new(limit: usize, close_on_end: Ending) -> Rc<SocketWriter> {
        Rc::new(SocketWriter {
            queue: RefCell::new(VecDeque::new()),
            pending: Cell::new(0),
            ending: Cell::new(Ending::Open),
            error: Cell::new(None),
            wake: Notify::new(),
            congestion: Congestion::default(),
            limit,
            broken: Cell::new(false),
            close_on_end,
        })
    }

    pub fn push(&self, data: weir_engine::Data) {
        if self.broken.get() || self.ending.get() != Ending::Open {
            return;
        }
        let mut q = self.queue.borrow_mut();
        for chunk in data.chunks() {
            self.pending.set(self.pending.get() + chunk.len());
            q.push_back(chunk.clone());
        }
        drop(q);
        self.congestion.check(self.pending.get(), self.limit);
        self.wake.notify_one();
    }

    pub fn end(&self, how: Ending, error: Option<ErrorCode>) {
        if self.ending.get() == Ending::Open {
            self.ending.set(how);
            self.error.set(error);
            self.wake.notify_one();
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

/// Chunks written per system call at most.
const MAX_BATCH: usize = 64;
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

impl EventSink for SocketWriter {
    fn on_event(&self, evt: Event) {
        match evt {
            Event::Data(d) => self.push(d),
            Event::StreamEnd(end) => self.end(self.close_on_end, end.error),
            _ => {}
        }
    }
}

/// How long the next read may wait: until the idle timeout runs out (counted from the last
/// activity) or the read timeout, whichever comes first; `None` for no limit.
pub(crate) fn read_deadline(
    idle: Option<Duration>,
    read: Option<Duration>,
    last: &std::cell::Cell<std::time::Instant>,
) -> Option<Duration> {
    let idle = idle.map(|t| {
        t.saturating_sub(last.get().elapsed())
            .max(Duration::from_millis(1))
    });
    match (idle, read) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}
