//! Per-stream state: the context a pipeline runs in.
//!
//! A root pipeline (inbound connection, task run, file read) gets a fresh context; joint
//! filters either share their parent's context (`link`, `branch`, `chain`, `use`, mux
//! sessions) or give the sub-pipeline a clone of it (`demuxHTTP`, `fork(array)`, `demux`).
//! The engine does not know what the script keeps per stream; it only asks it to clone.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::net::SocketAddr;
use std::rc::Rc;

/// What the script layer stores per stream (context variables, fiber variables).
pub trait ContextData: Any {
    /// A copy whose later writes do not affect `self` (values are copied shallowly), or
    /// `self` again when nothing in it can be written.
    fn fork(self: Rc<Self>) -> Rc<dyn ContextData>;
}

/// The accepted connection a root pipeline serves (`__inbound`).
#[derive(Debug, Clone)]
pub struct InboundInfo {
    pub id: u64,
    pub local: SocketAddr,
    pub remote: SocketAddr,
    /// Original destination (TPROXY / NAT); the local address otherwise.
    pub destination: SocketAddr,
    pub protocol: &'static str,
}

thread_local! {
    static NEXT_ID: Cell<u64> = const { Cell::new(1) };
}

fn next_id() -> u64 {
    NEXT_ID.with(|n| {
        let id = n.get();
        n.set(id + 1);
        id
    })
}

pub struct Context {
    /// Unique per worker thread.
    pub id: u64,
    /// The id of the root context this one was cloned from (itself for roots); load balancers
    /// use it as the default "borrower".
    pub root_id: u64,
    pub inbound: Option<Rc<InboundInfo>>,
    pub data: Option<Rc<dyn ContextData>>,
    /// The root context this one was cloned from (`None` for a root); kept alive by its clones.
    root: Option<Rc<Context>>,
    /// Run when the context is dropped (e.g. a load balancer releasing what this stream
    /// borrowed).
    on_drop: RefCell<Vec<Box<dyn FnOnce()>>>,
}

impl Context {
    pub fn root(
        inbound: Option<Rc<InboundInfo>>,
        data: Option<Rc<dyn ContextData>>,
    ) -> Rc<Context> {
        let id = next_id();
        Rc::new(Context {
            id,
            root_id: id,
            inbound,
            data,
            root: None,
            on_drop: RefCell::new(Vec::new()),
        })
    }

    /// A new context holding a copy of this one's current values.
    pub fn fork(self: &Rc<Self>) -> Rc<Context> {
        Rc::new(Context {
            id: next_id(),
            root_id: self.root_id,
            inbound: self.inbound.clone(),
            data: self.data.clone().map(|d| d.fork()),
            root: Some(self.root_context()),
            on_drop: RefCell::new(Vec::new()),
        })
    }

    /// The root context of this stream (the inbound connection's, a task run's).
    pub fn root_context(self: &Rc<Self>) -> Rc<Context> {
        match &self.root {
            Some(r) => r.clone(),
            None => self.clone(),
        }
    }

    /// Registers `f` to run when this context goes away.
    pub fn on_drop(&self, f: impl FnOnce() + 'static) {
        self.on_drop.borrow_mut().push(Box::new(f));
    }

    pub fn data_as<T: 'static>(&self) -> Option<&T> {
        let data: &dyn Any = self.data.as_deref()?;
        data.downcast_ref::<T>()
    }
}

impl Drop for Context {
    fn drop(&mut self) {
        for f in self.on_drop.get_mut().drain(..) {
            // Later, from the event queue: the hook may call into JS.
            crate::sched::defer(f);
        }
    }
}
