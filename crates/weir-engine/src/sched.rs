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
use std::collections::VecDeque;
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
}

enum Item {
    Event(Target, Event),
    Task(Box<dyn FnOnce()>),
}

thread_local! {
    static QUEUE: RefCell<VecDeque<Item>> = RefCell::new(VecDeque::with_capacity(64));
    /// What the item being dispatched has emitted so far; it goes to the front of the queue.
    static PENDING: RefCell<Vec<Item>> = RefCell::new(Vec::with_capacity(16));
    static BUSY: Cell<bool> = const { Cell::new(false) };
}

/// Sends `evt` to `target`, now if nothing is running, else after the running work.
pub fn emit(target: &Target, evt: Event) {
    if matches!(target, Target::Discard) {
        return;
    }
    PENDING.with(|q| q.borrow_mut().push(Item::Event(target.clone(), evt)));
    run();
}

/// Runs `f` after the work in progress (or now, if none).
pub fn defer(f: impl FnOnce() + 'static) {
    PENDING.with(|q| q.borrow_mut().push(Item::Task(Box::new(f))));
    run();
}

/// Runs `f` with the queue held: anything it emits is delivered when it returns.
pub fn hold<R>(f: impl FnOnce() -> R) -> R {
    let was_busy = BUSY.with(|b| b.replace(true));
    let r = f();
    BUSY.with(|b| b.set(was_busy));
    if !was_busy {
        run();
    }
    r
}

fn run() {
    if BUSY.with(|b| b.replace(true)) {
        return;
    }
    loop {
        let Some(item) = next_item() else {
            break;
        };
        // A bug in one filter must not take the whole worker down with it.
        let result = catch_unwind(AssertUnwindSafe(|| dispatch(item)));
        if result.is_err() {
            tracing::error!("internal error while processing an event; the event was dropped");
        }
    }
    BUSY.with(|b| b.set(false));
}

/// Moves what was just emitted to the front of the queue (in order) and takes the first item.
fn next_item() -> Option<Item> {
    QUEUE.with(|q| {
        let mut q = q.borrow_mut();
        PENDING.with(|p| {
            let mut p = p.borrow_mut();
            while let Some(item) = p.pop() {
                q.push_front(item);
            }
        });
        q.pop_front()
    })
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
