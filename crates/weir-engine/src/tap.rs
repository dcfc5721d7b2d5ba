//! Back-pressure between an input source and the writers it feeds.
//!
//! Every reader (inbound or outbound socket) owns a [`Tap`]. While it pushes events into the
//! pipelines it is the *current* tap. A writer whose buffer grows past its limit closes the
//! current tap and remembers it; when the buffer drains it opens every tap it closed. The
//! reader waits for its tap to be open before reading again.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use tokio::sync::Notify;

#[derive(Default)]
pub struct Tap {
    closed: Cell<u32>,
    opened: Notify,
}

thread_local! {
    static CURRENT: RefCell<Option<Rc<Tap>>> = const { RefCell::new(None) };
}

impl Tap {
    pub fn new() -> Rc<Tap> {
        Rc::new(Tap::default())
    }

    pub fn is_open(&self) -> bool {
        self.closed.get() == 0
    }

    fn close(&self) {
        self.closed.set(self.closed.get() + 1);
    }

    fn open(&self) {
        let n = self.closed.get().saturating_sub(1);
        self.closed.set(n);
        if n == 0 {
            self.opened.notify_waiters();
        }
    }

    /// Waits until no writer holds this tap closed.
    pub async fn wait_open(&self) {
        loop {
            let notified = self.opened.notified();
            if self.is_open() {
                return;
            }
            notified.await;
        }
    }

    /// Runs `f` with this tap as the current input source.
    pub fn enter<R>(self: &Rc<Self>, f: impl FnOnce() -> R) -> R {
        let prev = CURRENT.with(|c| c.replace(Some(self.clone())));
        let r = f();
        CURRENT.with(|c| *c.borrow_mut() = prev);
        r
    }
}

/// The writer side: closes the current tap when over its limit, reopens when drained.
#[derive(Default)]
pub struct Congestion {
    held: RefCell<Vec<Rc<Tap>>>,
}

impl Congestion {
    /// Call after buffering more output: over `limit` bytes pending, the input feeding us stops.
    pub fn check(&self, pending: usize, limit: usize) {
        if pending <= limit {
            return;
        }
        if let Some(tap) = CURRENT.with(|c| c.borrow().clone()) {
            let mut held = self.held.borrow_mut();
            if !held.iter().any(|t| Rc::ptr_eq(t, &tap)) {
                tap.close();
                held.push(tap);
            }
        }
    }

    /// Call after writing: once under `limit`, every input we stopped starts again.
    pub fn relieve(&self, pending: usize, limit: usize) {
        if pending > limit {
            return;
        }
        let taps = std::mem::take(&mut *self.held.borrow_mut());
        for tap in taps {
            tap.open();
        }
    }
}

impl Drop for Congestion {
    fn drop(&mut self) {
        for tap in self.held.get_mut().drain(..) {
            tap.open();
        }
    }
}
