//! The per-thread event queue that every event hop goes through.
//!
//! Filters never call each other directly: `emit` puts `(target, event)` on the queue and the
//! outermost caller drains it. So no filter is ever entered while it is already running (a mux
//! session answering synchronously, a JS callback that starts another pipeline), and JS is
//! never re-entered from inside a callback.
//!
//! The order is the one synchronous calls would give (depth first, as in Pipy): what a
//! filter emits while handling an event is delivered before anything that was already
//! waiting. So each target sees events in the order they were emitted, and side effects
//! (a `println` in a callback, a `tee('-')` further down) happen in Pipy's order.

use std::cell::{Cell, RefCell};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::{Rc, Weak};

use crate::event::Event;
use crate::pipeline::Pipeline;

/// Where an event goes.
#[derive(Clone)]
pub enum Target {
    /// Into filter `index` of a pipeline (`index == len` means the pipeline's output).
    Filter(Weak<Pipeline>, usize),
    /// Output of a sub-pipeline, back to the joint filter `index` that owns it, tagged `key`.
    Sub(Weak<Pipeline>, usize, usize),
    /// Somewhere outside the pipelines (a socket writer, a collector).
    Sink(Rc<dyn EventSink>),
    /// Nowhere: events are dropped.
    Discard,
}

pub trait EventSink {
    fn on_event(&self, evt: Event);
    /// Whether events may be handed over while their sender is still running
    /// ([`emit_direct`]): only for a sink that runs no JS and queues whatever it sends on.
    /// The same answer for the sink's whole life.
    fn takes_direct_input(&self) -> bool {
        false
    }
    /// A sink that takes direct input and is handling an event now (then the next one is
    /// queued).
    fn is_running(&self) -> bool {
        false
    }
}

enum Item {
    Event(Target, Event),
    Task(Box<dyn FnOnce()>),
}

/// The queue of one thread. One thread-local with constant initialisation, so each access
/// is a plain offset from the thread pointer.
struct Sched {
    /// Items waiting, the next one on top.
    stack: RefCell<Vec<Item>>,
    /// What the item being dispatched has emitted so far, in order; it runs before `stack`.
    pending: RefCell<Vec<Item>>,
    busy: Cell<bool>,
    /// [`emit_now`] may deliver directly; cleared when one of its events had to be queued,
    /// so that later ones queue behind it, until the queue is idle again.
    direct: Cell<bool>,
}

thread_local! {
    static S: Sched = const {
        Sched {
            stack: RefCell::new(Vec::new()),
            pending: RefCell::new(Vec::new()),
            busy: Cell::new(false),
            direct: Cell::new(true),
        }
    };
}

/// Sends `evt` to `target`, now if nothing is running, else after the running work.
pub fn emit(target: &Target, evt: Event) {
    if matches!(target, Target::Discard) {
        return;
    }
    push(Item::Event(target.clone(), evt));
}

/// Sends `evt` to a sub-pipeline's owner (`Target::Sub`) at once rather than after the
/// work in progress, when the queue is running and that owner is not (else, and for other
/// targets, as [`emit`]). For a caller that only forwards events whose order among themselves is all
/// that matters: what the owner emits in turn is still queued, in order.
///
/// Only for an owner that runs no JS and queues what it outputs (muxHTTP's filter). If the
/// owner is running, the event is queued, and so is every later `emit_now` event until the
/// queue is idle again, so none overtakes it.
pub fn emit_now(target: &Target, evt: Event) {
    if let (true, Target::Sub(p, index, key)) = (may_deliver_now(), target) {
        if let Some(p) = p.upgrade() {
            if let Err(evt) = p.deliver_sub_now(*index, *key, evt) {
                queue_behind(target, evt);
            }
        }
        return;
    }
    emit(target, evt);
}

/// Sends `evt` into a pipeline's filter (`Target::Filter`) or to a sink at once rather
/// than after the work in progress, when the queue is running and the receiver takes direct
/// input ([`crate::pipeline::Filter::takes_direct_input`], [`EventSink::takes_direct_input`])
/// and, for a filter, is not running; else as [`emit`]. Every event for a target that gets
/// them this way must come through here (`demuxHTTP` feeding a request's sub-pipeline, a
/// session feeding its pipeline, a pipeline's output), so that none overtakes one queued
/// earlier. Shares [`emit_now`]'s rule: once one event had to be queued, later ones queue
/// behind it until the queue is idle.
pub fn emit_direct(target: &Target, evt: Event) {
    if !may_deliver_now() {
        emit(target, evt);
        return;
    }
    match target {
        Target::Filter(p, index) => {
            if let Some(p) = p.upgrade() {
                if let Err(evt) = p.deliver_direct(*index, evt) {
                    queue_behind(target, evt);
                }
            }
        }
        Target::Sink(sink) if sink.takes_direct_input() => {
            if sink.is_running() {
                queue_behind(target, evt);
            } else {
                sink.on_event(evt);
            }
        }
        // Never direct for these: all their events queue, in order.
        _ => emit(target, evt),
    }
}

/// Whether [`emit_now`] and [`emit_direct`] may deliver in place: only while the queue runs
/// (so that what the receiver emits waits its turn), and only until one of their events had
/// to be queued.
fn may_deliver_now() -> bool {
    S.with(|s| s.busy.get() && s.direct.get())
}

/// Queues an event that could not be delivered in place, and makes every later
/// [`emit_now`] / [`emit_direct`] event queue behind it until the queue is idle.
fn queue_behind(target: &Target, evt: Event) {
    S.with(|s| s.direct.set(false));
    emit(target, evt);
}

/// Runs `f` after the work in progress (or now, if none).
pub fn defer(f: impl FnOnce() + 'static) {
    push(Item::Task(Box::new(f)));
}

fn push(item: Item) {
    let idle = S.with(|s| {
        s.pending.borrow_mut().push(item);
        !s.busy.get()
    });
    if idle {
        run();
    }
}

/// Runs `f` with the queue held: anything it emits is delivered when it returns.
pub fn hold<R>(f: impl FnOnce() -> R) -> R {
    /// Puts `busy` back even if `f` panics, so that the queue is not left frozen.
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            S.with(|s| s.busy.set(self.0));
        }
    }
    let was_busy = S.with(|s| s.busy.replace(true));
    let restore = Restore(was_busy);
    let r = f();
    drop(restore);
    if !was_busy {
        run();
    }
    r
}

fn run() {
    S.with(|s| {
        if s.busy.replace(true) {
            return;
        }
        loop {
            // A bug in one filter must not take the whole worker down with it.
            if catch_unwind(AssertUnwindSafe(|| drain(s))).is_err() {
                tracing::error!("internal error while processing an event; the event was dropped");
                continue;
            }
            break;
        }
        s.busy.set(false);
        s.direct.set(true);
    })
}

fn drain(s: &Sched) {
    while let Some(item) = next_item(s) {
        dispatch(item);
    }
}

/// The first item just emitted, or else the top of the stack. The rest of what was just
/// emitted goes on the stack so that it runs next, in order (depth first).
fn next_item(s: &Sched) -> Option<Item> {
    let mut p = s.pending.borrow_mut();
    match p.len() {
        0 => {
            drop(p);
            s.stack.borrow_mut().pop()
        }
        1 => p.pop(),
        _ => {
            let mut st = s.stack.borrow_mut();
            while p.len() > 1 {
                if let Some(item) = p.pop() {
                    st.push(item);
                }
            }
            p.pop()
        }
    }
}

fn dispatch(item: Item) {
    match item {
        Item::Task(f) => f(),
        Item::Event(target, evt) => match target {
            Target::Filter(p, index) => {
                if let Some(p) = p.upgrade() {
                    p.deliver(index, evt);
                }
            }
            Target::Sub(p, index, key) => {
                if let Some(p) = p.upgrade() {
                    p.deliver_sub(index, key, evt);
                }
            }
            Target::Sink(sink) => sink.on_event(evt),
            Target::Discard => {}
        },
    }
}

/// Collects the events sent to it (tests, `pipeline.process()` results).
#[derive(Default)]
pub struct Collector {
    pub events: RefCell<Vec<Event>>,
}

impl EventSink for Collector {
    fn on_event(&self, evt: Event) {
        self.events.borrow_mut().push(evt);
    }
}

impl Collector {
    pub fn target(self: &Rc<Self>) -> Target {
        Target::Sink(self.clone())
    }
    pub fn take(&self) -> Vec<Event> {
        std::mem::take(&mut *self.events.borrow_mut())
    }
}
