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
        loop {
            let next = self.queue.borrow_mut().pop_front();
            match next {
                Some(mut chunk) => {
                    let len = chunk.len();
                    let write = async {
                        while chunk.has_remaining() {
                            w.write_buf(&mut chunk).await?;
                        }
                        Ok::<(), std::io::Error>(())
                    };
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
                    self.pending.set(self.pending.get().saturating_sub(len));
                    self.congestion.relieve(self.pending.get(), self.limit / 2);
                    if let Err(e) = res {
                        self.fail();
                        return Err(e);
                    }
                }
                None => match self.ending.get() {
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

impl EventSink for SocketWriter {
    fn on_event(&self, evt: Event) {
        match evt {
            Event::Data(d) => self.push(d),
            Event::StreamEnd(end) => self.end(self.close_on_end, end.error),
            _ => {}
        }
    }
}
