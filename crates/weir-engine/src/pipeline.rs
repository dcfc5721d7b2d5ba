//! Recipes and instances.
//!
//! A [`Layout`] is built once, when the script loads: a name and a list of filter factories.
//! A [`Pipeline`] is one running instance of a layout for one stream: its own filter objects,
//! its context and where its output goes.

use std::any::Any;
use std::cell::{Cell, OnceCell, RefCell};
use std::rc::{Rc, Weak};

use crate::context::Context;
use crate::event::Event;
use crate::sched::{self, Target};

/// A running filter: a synchronous event machine.
///
/// Anything that waits (timers, sockets, promises) runs elsewhere and comes back through
/// [`sched::defer`] or an [`Emitter`], so a filter can be unit-tested without sockets.
pub trait Filter: Any {
    /// Called once when the pipeline starts, before any input.
    fn on_start(&mut self, _cx: &FilterCx) {}
    /// One input event.
    fn process(&mut self, cx: &FilterCx, evt: Event);
    /// An event coming out of one of this filter's sub-pipelines.
    fn on_sub_event(&mut self, cx: &FilterCx, _key: usize, evt: Event) {
        cx.output(evt);
    }
    /// Puts the filter back in the state [`FilterFactory::create`] gives, for its pipeline
    /// to serve another stream (see [`Pipeline::reuse`]); `false` if it cannot (the
    /// default), and the pipeline is dropped instead.
    fn reset(&mut self) -> bool {
        false
    }
    /// The worker stops serving (shutdown, or a reload replaced it): a filter that keeps a
    /// client connection open between messages (an HTTP server) ends it now if idle, or
    /// after the message in progress. See [`Pipeline::drain`].
    fn drain(&mut self, _cx: &FilterCx) {}
    /// Whether input may be handed to this filter while the sender is still running
    /// ([`sched::emit_direct`]): only for a filter that runs no JS and queues everything it
    /// emits, so that nothing but this filter runs in the meantime.
    fn takes_direct_input(&self) -> bool {
        false
    }
}

/// Makes a filter for each new pipeline (the recipe side of a filter).
pub trait FilterFactory {
    /// The PipyJS method name, for the pipeline graph and error messages.
    fn name(&self) -> &str;
    fn create(&self) -> Box<dyn Filter>;
    /// Sub-pipelines this filter can start, for the graph and for name resolution checks.
    fn subs(&self) -> Vec<Rc<LayoutRef>> {
        Vec::new()
    }
}

/// A layout referred to by name (resolved after every module has loaded) or directly.
pub struct LayoutRef {
    pub name: String,
    cell: OnceCell<Rc<Layout>>,
}

impl LayoutRef {
    pub fn named(name: impl Into<String>) -> Rc<LayoutRef> {
        Rc::new(LayoutRef {
            name: name.into(),
            cell: OnceCell::new(),
        })
    }
    pub fn of(layout: Rc<Layout>) -> Rc<LayoutRef> {
        let r = LayoutRef {
            name: layout.name.clone(),
            cell: OnceCell::new(),
        };
        let _ = r.cell.set(layout);
        Rc::new(r)
    }
    pub fn resolve(&self, layout: Rc<Layout>) {
        let _ = self.cell.set(layout);
    }
    pub fn get(&self) -> Option<&Rc<Layout>> {
        self.cell.get()
    }
    pub fn is_resolved(&self) -> bool {
        self.cell.get().is_some()
    }
}

/// Called when an instance of a layout ends (`onEnd`).
pub type EndHook = Rc<dyn Fn(&Rc<Pipeline>)>;

/// A pipeline recipe.
pub struct Layout {
    pub name: String,
    filters: RefCell<Vec<Rc<dyn FilterFactory>>>,
    on_end: RefCell<Option<EndHook>>,
}

impl Layout {
    pub fn new(name: impl Into<String>) -> Rc<Layout> {
        Rc::new(Layout {
            name: name.into(),
            filters: RefCell::new(Vec::new()),
            on_end: RefCell::new(None),
        })
    }

    pub fn append(&self, f: Rc<dyn FilterFactory>) {
        self.filters.borrow_mut().push(f);
    }

    pub fn filters(&self) -> Vec<Rc<dyn FilterFactory>> {
        self.filters.borrow().clone()
    }

    pub fn len(&self) -> usize {
        self.filters.borrow().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn set_on_end(&self, hook: EndHook) {
        *self.on_end.borrow_mut() = Some(hook);
    }

    /// Instantiates this layout for one stream. Call [`Pipeline::start`] after setting the output.
    pub fn instantiate(self: &Rc<Self>, context: Rc<Context>) -> Rc<Pipeline> {
        let filters = self
            .filters
            .borrow()
            .iter()
            .map(|f| RefCell::new(f.create()))
            .collect();
        Rc::new(Pipeline {
            layout: self.clone(),
            filters,
            output: RefCell::new(Target::Discard),
            context,
            ended: Cell::new(false),
            started: Cell::new(false),
            result: RefCell::new(None),
            chain: RefCell::new(None),
            arg: RefCell::new(None),
        })
    }

    /// Appends a text picture of this layout to `out` (the `--no-graph`able startup graph).
    pub fn graph(&self, out: &mut String, indent: usize) {
        for f in self.filters.borrow().iter() {
            out.push_str(&" ".repeat(indent));
            out.push_str("-> ");
            out.push_str(f.name());
            out.push('\n');
            for sub in f.subs() {
                out.push_str(&" ".repeat(indent + 4));
                out.push_str("=> ");
                if sub.name.is_empty() {
                    out.push_str("(anonymous)");
                } else {
                    out.push_str(&sub.name);
                }
                out.push('\n');
                if let Some(l) = sub.get() {
                    if sub.name.is_empty() {
                        l.graph(out, indent + 8);
                    }
                }
            }
        }
    }
}

thread_local! {
    /// The context a pipeline kept for reuse holds meanwhile (the stream's own context is
    /// released when the stream is done, as if the pipeline had been dropped).
    static DETACHED: Rc<Context> = Context::root(None, None);
}

/// One running instance of a [`Layout`].
pub struct Pipeline {
    pub layout: Rc<Layout>,
    filters: Vec<RefCell<Box<dyn Filter>>>,
    output: RefCell<Target>,
    pub context: Rc<Context>,
    ended: Cell<bool>,
    started: Cell<bool>,
    /// The pipeline's result (what `onEnd` returned), for `spawn()`-style callers.
    pub result: RefCell<Option<Box<dyn Any>>>,
    /// Where `chain()` continues from here; sub-pipelines inherit it.
    pub chain: RefCell<Option<ChainPos>>,
    /// The start argument (`onStart(arg => ...)`): what `spawn()`, `fork(x)` or `pipe()`
    /// passed in, opaque to the engine.
    pub arg: RefCell<Option<Rc<dyn Any>>>,
}

/// A position in a module chain (`chain([...])`): the entrances and the next one to run.
#[derive(Clone)]
pub struct ChainPos {
    pub list: Rc<Vec<Rc<LayoutRef>>>,
    pub next: usize,
    /// What each pipeline of a `pipe([...])` chain gets as its start argument (`None` for
    /// module chains); `pipeNext()` passes it on.
    pub arg: Option<Rc<dyn Any>>,
}

impl Pipeline {
    pub fn set_output(&self, target: Target) {
        *self.output.borrow_mut() = target;
    }

    /// Where to send events into this pipeline.
    pub fn input(self: &Rc<Self>) -> Target {
        Target::Filter(Rc::downgrade(self), 0)
    }

    /// Runs every filter's start hook (`onStart` emits its events here).
    pub fn start(self: &Rc<Self>) {
        if self.started.replace(true) {
            return;
        }
        let p = self.clone();
        sched::hold(move || {
            for index in 0..p.filters.len() {
                let cx = FilterCx {
                    pipeline: &p,
                    index,
                };
                if let Ok(mut f) = p.filters[index].try_borrow_mut() {
                    f.on_start(&cx);
                }
            }
        });
    }

    pub fn has_ended(&self) -> bool {
        self.ended.get()
    }

    /// This pipeline, finished with its stream, made ready to serve another stream of the
    /// same layout ([`FilterCx::sub_pipeline_reusing`]) instead of being dropped and made
    /// anew. Only when nothing else refers to it (no other handle, no event on its way to
    /// it: `Rc::get_mut`), its end needs no `onEnd` call, and every filter can
    /// [`reset`](Filter::reset); otherwise it is dropped as usual and this returns `None`.
    pub fn reuse(mut self: Rc<Self>) -> Option<Rc<Pipeline>> {
        let p = Rc::get_mut(&mut self)?;
        if p.started.get() && !p.ended.get() && p.layout.on_end.borrow().is_some() {
            return None;
        }
        if !p.filters.iter_mut().all(|f| f.get_mut().reset()) {
            return None;
        }
        p.context = DETACHED.with(Rc::clone);
        *p.output.get_mut() = Target::Discard;
        p.ended.set(false);
        p.started.set(false);
        *p.result.get_mut() = None;
        *p.chain.get_mut() = None;
        *p.arg.get_mut() = None;
        Some(self)
    }

    pub(crate) fn deliver(self: &Rc<Self>, index: usize, evt: Event) {
        if let Some(slot) = self.filters.get(index) {
            let cx = FilterCx {
                pipeline: self,
                index,
            };
            match slot.try_borrow_mut() {
                Ok(mut f) => f.process(&cx, evt),
                Err(_) => {
                    // Cannot happen through the queue; requeue rather than lose the event.
                    sched::emit(&Target::Filter(Rc::downgrade(self), index), evt)
                }
            }
        } else {
            self.deliver_output(evt);
        }
    }

    /// [`Pipeline::deliver`] from outside the queue, for [`sched::emit_direct`]: the event
    /// back if the filter is running or does not take direct input (then it must be queued).
    pub(crate) fn deliver_direct(self: &Rc<Self>, index: usize, evt: Event) -> Result<(), Event> {
        let Some(slot) = self.filters.get(index) else {
            return Err(evt);
        };
        match slot.try_borrow_mut() {
            Ok(mut f) if f.takes_direct_input() => {
                let cx = FilterCx {
                    pipeline: self,
                    index,
                };
                f.process(&cx, evt);
                Ok(())
            }
            _ => Err(evt),
        }
    }

    /// Hands `evt` to filter `index`'s [`Filter::on_sub_event`] now (from the queue, or in
    /// place for [`sched::emit_now`]): the event back if that filter is running (then it
    /// must be queued).
    pub(crate) fn deliver_sub_now(
        self: &Rc<Self>,
        index: usize,
        key: usize,
        evt: Event,
    ) -> Result<(), Event> {
        let Some(slot) = self.filters.get(index) else {
            return Ok(());
        };
        let cx = FilterCx {
            pipeline: self,
            index,
        };
        match slot.try_borrow_mut() {
            Ok(mut f) => {
                f.on_sub_event(&cx, key, evt);
                Ok(())
            }
            Err(_) => Err(evt),
        }
    }

    pub(crate) fn deliver_sub(self: &Rc<Self>, index: usize, key: usize, evt: Event) {
        if let Err(evt) = self.deliver_sub_now(index, key, evt) {
            // Cannot happen through the queue; requeue rather than lose the event.
            sched::emit(&Target::Sub(Rc::downgrade(self), index, key), evt)
        }
    }

    fn deliver_output(self: &Rc<Self>, evt: Event) {
        let is_end = evt.is_stream_end();
        let target = self.output.borrow().clone();
        if is_end && !self.ended.replace(true) {
            let hook = self.layout.on_end.borrow().clone();
            if let Some(hook) = hook {
                hook(self);
            }
        }
        // Everything leaving by the output goes this way (see `FilterCx::output`).
        sched::emit_direct(&target, evt);
    }

    /// Tells every filter that the worker stops serving ([`Filter::drain`]).
    pub fn drain(self: &Rc<Self>) {
        for i in 0..self.filters.len() {
            self.with_filter(i, |f, cx| f.drain(cx));
        }
    }

    /// Runs `f` on filter `index` (for filters resuming after a promise or timer).
    /// Events it emits are delivered after `f` returns.
    pub fn with_filter(self: &Rc<Self>, index: usize, f: impl FnOnce(&mut dyn Filter, &FilterCx)) {
        sched::hold(|| {
            if let Some(slot) = self.filters.get(index) {
                let cx = FilterCx {
                    pipeline: self,
                    index,
                };
                if let Ok(mut filter) = slot.try_borrow_mut() {
                    f(filter.as_mut(), &cx);
                }
            }
        })
    }
}

impl Drop for Pipeline {
    fn drop(&mut self) {
        // A pipeline dropped before any StreamEnd came out still ends: run onEnd later, with
        // a stand-in instance that carries the same context.
        if self.started.get() && !self.ended.get() {
            if let Some(hook) = self.layout.on_end.borrow().clone() {
                let stand_in = Rc::new(Pipeline {
                    layout: self.layout.clone(),
                    filters: Vec::new(),
                    output: RefCell::new(Target::Discard),
                    context: self.context.clone(),
                    ended: Cell::new(true),
                    started: Cell::new(false),
                    result: RefCell::new(None),
                    chain: RefCell::new(None),
                    arg: RefCell::new(None),
                });
                sched::defer(move || hook(&stand_in));
            }
        }
    }
}

/// What a filter sees of its pipeline while it handles an event.
pub struct FilterCx<'a> {
    pub pipeline: &'a Rc<Pipeline>,
    pub index: usize,
}

impl FilterCx<'_> {
    /// Passes an event to the next filter.
    pub fn output(&self, evt: Event) {
        if self.index + 1 >= self.pipeline.filters.len() && !evt.is_stream_end() {
            // From the last filter: to the pipeline's output in one hop, not two (the hop
            // to the pipeline's end would only queue it there). A `StreamEnd` takes both,
            // for the `onEnd` hook.
            let target = self.pipeline.output.borrow().clone();
            sched::emit_direct(&target, evt);
            return;
        }
        sched::emit(&self.next(), evt);
    }

    /// The target after this filter; keep it (or an [`Emitter`]) to output later.
    pub fn next(&self) -> Target {
        Target::Filter(Rc::downgrade(self.pipeline), self.index + 1)
    }

    pub fn emitter(&self) -> Emitter {
        Emitter(self.next())
    }

    pub fn context(&self) -> &Rc<Context> {
        &self.pipeline.context
    }

    /// Where this filter lives, to come back to it later via [`Pipeline::with_filter`].
    pub fn home(&self) -> (Weak<Pipeline>, usize) {
        (Rc::downgrade(self.pipeline), self.index)
    }

    /// Starts a sub-pipeline whose output comes back to [`Filter::on_sub_event`] with `key`.
    /// `clone_context` gives it a copy of the context instead of sharing it.
    pub fn sub_pipeline(
        &self,
        layout: &Rc<Layout>,
        clone_context: bool,
        key: usize,
    ) -> Rc<Pipeline> {
        let ctx = if clone_context {
            self.pipeline.context.fork()
        } else {
            self.pipeline.context.clone()
        };
        self.sub_pipeline_in(layout, ctx, key)
    }

    /// Like [`FilterCx::sub_pipeline`] with a given context.
    pub fn sub_pipeline_in(
        &self,
        layout: &Rc<Layout>,
        ctx: Rc<Context>,
        key: usize,
    ) -> Rc<Pipeline> {
        let chain = self.pipeline.chain.borrow().clone();
        self.sub_pipeline_chained(layout, ctx, key, chain)
    }

    /// Like [`FilterCx::sub_pipeline_in`] with the chain position the sub-pipeline sees
    /// (others inherit their parent's).
    pub fn sub_pipeline_chained(
        &self,
        layout: &Rc<Layout>,
        ctx: Rc<Context>,
        key: usize,
        chain: Option<ChainPos>,
    ) -> Rc<Pipeline> {
        self.sub_pipeline_from(layout.instantiate(ctx), key, chain)
    }

    /// Like [`FilterCx::sub_pipeline`], in `spare` (a pipeline made ready by
    /// [`Pipeline::reuse`]) when it is one of `layout`.
    pub fn sub_pipeline_reusing(
        &self,
        layout: &Rc<Layout>,
        clone_context: bool,
        key: usize,
        spare: Option<Rc<Pipeline>>,
    ) -> Rc<Pipeline> {
        let ctx = if clone_context {
            self.pipeline.context.fork()
        } else {
            self.pipeline.context.clone()
        };
        let chain = self.pipeline.chain.borrow().clone();
        let p = match spare.filter(|p| Rc::ptr_eq(&p.layout, layout)) {
            Some(mut p) => match Rc::get_mut(&mut p) {
                Some(reused) => {
                    reused.context = ctx;
                    p
                }
                None => layout.instantiate(ctx),
            },
            None => layout.instantiate(ctx),
        };
        self.sub_pipeline_from(p, key, chain)
    }

    fn sub_pipeline_from(
        &self,
        p: Rc<Pipeline>,
        key: usize,
        chain: Option<ChainPos>,
    ) -> Rc<Pipeline> {
        *p.chain.borrow_mut() = chain;
        p.set_output(Target::Sub(Rc::downgrade(self.pipeline), self.index, key));
        p.start();
        p
    }
}

/// A handle that outputs events after a filter's current call has returned.
#[derive(Clone)]
pub struct Emitter(pub Target);

impl Emitter {
    pub fn emit(&self, evt: Event) {
        sched::emit(&self.0, evt);
    }
}
