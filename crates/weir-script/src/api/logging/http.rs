//! `toHTTP(url, {batch, method, headers, bufferLimit})`: log messages sent in batches as
//! HTTP request bodies, from a task on the worker's runtime (one per logger and worker, as
//! in Pipy, where loggers are per thread).
//!
//! A batch is `prefix + msg (+ separator + msg)* + postfix` and goes out when it holds
//! `size` messages (default 1000), when `timeout` has passed since the last message, or
//! `interval` since its first message (neither by default). Batches are sent one at a
//! time over a kept-alive connection; a batch the server cannot take (connect failure,
//! timeout) is dropped with an error logged. Messages that would make the unsent data
//! exceed `bufferLimit` (default 16 MiB) are dropped and counted, with an error logged.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::sync::Notify;
use tokio::time::Instant;
use weir_engine::activity::Activity;
use weir_net::post::{PostTarget, Poster};

/// How long a kept-alive connection to the receiver may sit unused.
const IDLE_CLOSE: Duration = Duration::from_secs(10);

/// When and how messages are packed into request bodies.
pub struct Batch {
    /// Messages per body.
    pub size: usize,
    /// Send after this long without a new message.
    pub timeout: Option<Duration>,
    /// Send at least this often while messages wait.
    pub interval: Option<Duration>,
    pub prefix: Bytes,
    pub postfix: Bytes,
    pub separator: Bytes,
    /// Most bytes waiting to be sent.
    pub buffer_limit: usize,
}

impl Default for Batch {
    fn default() -> Batch {
        Batch {
            size: 1000,
            timeout: None,
            interval: None,
            prefix: Bytes::new(),
            postfix: Bytes::new(),
            separator: Bytes::new(),
            buffer_limit: 16 * 1024 * 1024,
        }
    }
}

#[derive(Default)]
struct Queue {
    /// The batch being filled.
    current: Vec<Bytes>,
    current_bytes: usize,
    last_input: Option<Instant>,
    /// When the first message of the current batch came.
    first_input: Option<Instant>,
    /// Finished bodies, oldest first, with the message bytes in each.
    ready: VecDeque<(Bytes, usize)>,
    /// Bytes in `current` and `ready`.
    pending: usize,
    dropped: u64,
    started: bool,
}

pub struct HttpSink {
    /// For messages: the logger name and the URL.
    label: String,
    batch: Batch,
    queue: RefCell<Queue>,
    wake: Notify,
    target: RefCell<Option<PostTarget>>,
}

impl HttpSink {
    pub fn new(label: String, batch: Batch, target: PostTarget) -> Rc<HttpSink> {
        Rc::new(HttpSink {
            label,
            batch,
            queue: RefCell::new(Queue::default()),
            wake: Notify::new(),
            target: RefCell::new(Some(target)),
        })
    }

    /// Adds one message to the current batch.
    pub fn write(self: &Rc<Self>, msg: &[u8]) {
        let mut q = self.queue.borrow_mut();
        if q.pending + msg.len() > self.batch.buffer_limit {
            if q.dropped == 0 {
                tracing::error!(
                    "[logging] {}: the receiver is not keeping up; dropping log messages",
                    self.label
                );
            }
            q.dropped += 1;
            return;
        }
        if q.dropped > 0 {
            tracing::error!(
                "[logging] {}: {} log messages were dropped",
                self.label,
                q.dropped
            );
            q.dropped = 0;
        }
        q.pending += msg.len();
        q.current_bytes += msg.len();
        q.current.push(Bytes::copy_from_slice(msg));
        let now = Instant::now();
        q.last_input = Some(now);
        q.first_input.get_or_insert(now);
        if q.current.len() >= self.batch.size {
            self.seal(&mut q);
        }
        let start = !q.started;
        q.started = true;
        drop(q);
        if start {
            self.start();
        }
        self.wake.notify_one();
    }

    /// Moves the current batch to the ready list as one body.
    fn seal(&self, q: &mut Queue) {
        if q.current.is_empty() {
            return;
        }
        let b = &self.batch;
        let mut body = BytesMut::with_capacity(
            b.prefix.len()
                + b.postfix.len()
                + q.current_bytes
                + b.separator.len() * q.current.len(),
        );
        body.extend_from_slice(&b.prefix);
        for (i, m) in q.current.drain(..).enumerate() {
            if i > 0 {
                body.extend_from_slice(&b.separator);
            }
            body.extend_from_slice(&m);
        }
        body.extend_from_slice(&b.postfix);
        q.ready.push_back((body.freeze(), q.current_bytes));
        q.current_bytes = 0;
        q.first_input = None;
    }

    /// When the current batch is due by time, if ever.
    fn deadline(&self, q: &Queue) -> Option<Instant> {
        if q.current.is_empty() {
            return None;
        }
        let by_timeout = self.batch.timeout.zip(q.last_input).map(|(t, at)| at + t);
        let by_interval = self.batch.interval.zip(q.first_input).map(|(i, at)| at + i);
        match (by_timeout, by_interval) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn start(self: &Rc<Self>) {
        // No runtime when only checking the script (`-t`): nothing is sent then.
        if tokio::runtime::Handle::try_current().is_err() {
            return;
        }
        let Some(target) = self.target.borrow_mut().take() else {
            return;
        };
        let sink = self.clone();
        tokio::task::spawn_local(async move { sink.run(Poster::new(target)).await });
    }

    async fn run(self: Rc<Self>, mut poster: Poster) {
        let mut lost = LostBatches::default();
        loop {
            let next = self.queue.borrow_mut().ready.pop_front();
            if let Some((body, len)) = next {
                // Keep the worker alive until the batch is delivered or given up.
                let _busy = Activity::new();
                match poster.send(body).await {
                    Ok(status) => {
                        lost.delivered(&self.label);
                        if status >= 400 {
                            tracing::warn!(
                                "[logging] {}: the receiver answered {status} to a batch",
                                self.label
                            );
                        }
                    }
                    Err(e) => lost.failed(&self.label, &e),
                }
                let mut q = self.queue.borrow_mut();
                q.pending = q.pending.saturating_sub(len);
                continue;
            }
            let deadline = self.deadline(&self.queue.borrow());
            match deadline {
                Some(at) => {
                    // Messages wait for their time: the worker stays alive for them.
                    let _waiting = Activity::new();
                    tokio::select! {
                        _ = tokio::time::sleep_until(at) => {
                            let mut q = self.queue.borrow_mut();
                            if self.deadline(&q).is_some_and(|d| d <= Instant::now()) {
                                self.seal(&mut q);
                            }
                        }
                        _ = self.wake.notified() => {}
                    }
                }
                None => {
                    // Let an idle kept-alive connection go, as muxHTTP's maxIdle does.
                    tokio::select! {
                        _ = tokio::time::sleep(IDLE_CLOSE) => poster.close_idle(),
                        _ = self.wake.notified() => {}
                    }
                }
            }
        }
    }
}

/// Reports lost batches without flooding the log: the first failure, then a count at most
/// every [`REPORT_EVERY`], and the recovery.
#[derive(Default)]
struct LostBatches {
    unreported: u64,
    total: u64,
    last_report: Option<Instant>,
}

const REPORT_EVERY: Duration = Duration::from_secs(10);

impl LostBatches {
    fn failed(&mut self, label: &str, e: &weir_net::post::PostError) {
        self.total += 1;
        self.unreported += 1;
        let due = self.last_report.is_none_or(|t| t.elapsed() >= REPORT_EVERY);
        if due {
            if self.unreported == 1 {
                tracing::error!("[logging] {label}: a batch was lost: {e}");
            } else {
                tracing::error!(
                    "[logging] {label}: {} batches were lost: {e}",
                    self.unreported
                );
            }
            self.unreported = 0;
            self.last_report = Some(Instant::now());
        }
    }

    fn delivered(&mut self, label: &str) {
        if self.total > 0 {
            tracing::info!(
                "[logging] {label}: delivering again after {} lost batches",
                self.total
            );
            *self = LostBatches::default();
        }
    }
}
