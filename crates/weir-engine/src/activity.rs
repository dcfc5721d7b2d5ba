//! Liveness accounting for a worker thread.
//!
//! A worker exits by itself once nothing is left to do: no listener, socket, timer or task.
//! Everything that keeps a worker alive holds an [`Activity`] guard; the worker waits for
//! the count to drop to zero.

use std::cell::Cell;
use std::rc::Rc;

use tokio::sync::Notify;

thread_local! {
    static COUNT: Cell<usize> = const { Cell::new(0) };
    static IDLE: Rc<Notify> = Rc::new(Notify::new());
    /// The activities that are client connections (see [`Activity::stream`]).
    static STREAMS: Cell<usize> = const { Cell::new(0) };
    static NO_STREAMS: Rc<Notify> = Rc::new(Notify::new());
}

/// Keeps the current worker thread alive while it exists.
pub struct Activity {
    stream: bool,
}

impl Activity {
    pub fn new() -> Activity {
        COUNT.with(|c| c.set(c.get() + 1));
        Activity { stream: false }
    }

    /// An accepted client connection. A worker that is shutting down, or that a reload
    /// replaced, waits for these only ([`streams_done`]): its timers and tasks end with it.
    pub fn stream() -> Activity {
        COUNT.with(|c| c.set(c.get() + 1));
        STREAMS.with(|c| c.set(c.get() + 1));
        Activity { stream: true }
    }
}

impl Default for Activity {
    fn default() -> Self {
        Activity::new()
    }
}

impl Drop for Activity {
    fn drop(&mut self) {
        if self.stream {
            let left = STREAMS.with(|c| {
                let n = c.get().saturating_sub(1);
                c.set(n);
                n
            });
            if left == 0 {
                NO_STREAMS.with(|n| n.notify_waiters());
            }
        }
        let left = COUNT.with(|c| {
            let n = c.get().saturating_sub(1);
            c.set(n);
            n
        });
        if left == 0 {
            IDLE.with(|n| n.notify_waiters());
        }
    }
}

/// How many activities are alive on this thread.
pub fn count() -> usize {
    COUNT.with(|c| c.get())
}

/// Resolves once no activity is alive on this thread.
pub async fn idle() {
    loop {
        let notify = IDLE.with(|n| n.clone());
        let notified = notify.notified();
        if count() == 0 {
            return;
        }
        notified.await;
    }
}

/// Resolves once no client connection is open on this thread.
pub async fn streams_done() {
    loop {
        let notify = NO_STREAMS.with(|n| n.clone());
        let notified = notify.notified();
        if STREAMS.with(|c| c.get()) == 0 {
            return;
        }
        notified.await;
    }
}
