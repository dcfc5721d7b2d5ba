//! A wake-up for one task on the same thread: `tokio::sync::Notify`'s `notify_one` /
//! `notified` for the case where only one task ever waits, without its atomics and waiter
//! list. The socket writers and the flusher wait on one each, and are woken once per
//! request or per turn.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

#[derive(Default)]
pub(crate) struct LocalNotify {
    /// A notification that no wait has taken yet (at most one is kept, as a `Notify` permit).
    permit: Cell<bool>,
    /// The waiting task, if it is waiting.
    waker: RefCell<Option<Waker>>,
}

impl LocalNotify {
    /// Wakes the waiting task, or lets its next wait return at once.
    pub(crate) fn notify_one(&self) {
        self.permit.set(true);
        let waker = self.waker.borrow_mut().take();
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Resolves once a notification is (or already was) given. Only one task may wait.
    pub(crate) fn notified(&self) -> Notified<'_> {
        Notified(self)
    }
}

pub(crate) struct Notified<'a>(&'a LocalNotify);

impl Future for Notified<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let n = self.0;
        if n.permit.replace(false) {
            return Poll::Ready(());
        }
        let mut slot = n.waker.borrow_mut();
        match &*slot {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => *slot = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;
    use std::time::Duration;

    #[test]
    fn permit_and_wake() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("runtime");
        let local = tokio::task::LocalSet::new();
        local.block_on(&rt, async {
            let n = Rc::new(LocalNotify::default());
            // Given before the wait: the wait returns at once, and only once.
            n.notify_one();
            n.notify_one();
            n.notified().await;
            let again = tokio::time::timeout(Duration::from_millis(20), n.notified()).await;
            assert!(again.is_err(), "one permit only");
            // Given while waiting: the waiter wakes.
            let waiter = {
                let n = n.clone();
                tokio::task::spawn_local(async move { n.notified().await })
            };
            tokio::task::yield_now().await;
            n.notify_one();
            tokio::time::timeout(Duration::from_secs(5), waiter)
                .await
                .expect("woken")
                .expect("task");
        });
    }
}
