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
}

/// Keeps the current worker thread alive while it exists.
pub struct Activity(());

impl Activity {
    pub fn new() -> Activity {
        COUNT.with(|c| c.set(c.get() + 1));
        Activity(())
    }
}

impl Default for Activity {
    fn default() -> Self {
        Activity::new()
    }
}

impl Drop for Activity {
    fn drop(&mut self) {
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
