//! `pipe(target, targetMap?, initArgs?)` and `pipeNext(args?)`: era-C links that share the
//! context.
//!
//! `pipe` chooses its sub-pipeline on the first event (a fixed layout, or one the script
//! picks from that event) and streams everything through it; what the sub-pipeline outputs
//! is this filter's output. A list of layouts is a chain: the first one runs, a `pipeNext()`
//! inside it continues with the next one, and past the last one events pass through. The
//! chain travels in [`ChainPos`], like a module chain (`chain()` works in it too), together
//! with the start argument every pipeline of the chain gets unless `pipeNext(args)` names
//! another.
//!
//! Consumes: every event. Emits: the sub-pipeline's output; the input itself when there is
//! nothing to run (a nullish choice, an empty list, the end of a chain); and
//! `StreamEnd('RuntimeError')` when the choice fails (already logged).

use std::any::Any;
use std::rc::Rc;

use crate::context::Context;
use crate::event::{ErrorCode, Event};
use crate::pipeline::{ChainPos, Filter, FilterCx, FilterFactory, Layout, LayoutRef, Pipeline};
use crate::sched::{self, Target};

/// A pipeline's start argument (`onStart(arg => ...)`), opaque to the engine.
pub type StartArg = Option<Rc<dyn Any>>;

/// Starts `layout` as a sub-pipeline of the filter at `cx`, in `ctx`, at chain position
/// `chain`, with start argument `arg`; its output comes back to [`Filter::on_sub_event`]
/// tagged `key`. (The argument must be in place before the pipeline starts, for `onStart`.)
pub fn start_sub(
    cx: &FilterCx,
    layout: &Rc<Layout>,
    ctx: Rc<Context>,
    key: usize,
    chain: Option<ChainPos>,
    arg: StartArg,
) -> Rc<Pipeline> {
    let p = layout.instantiate(ctx);
    *p.chain.borrow_mut() = chain;
    *p.arg.borrow_mut() = arg;
    p.set_output(Target::Sub(Rc::downgrade(cx.pipeline), cx.index, key));
    p.start();
    p
}

/// What a `pipe()` runs for one stream.
pub struct PipeTarget {
    /// One layout, or the layouts of a chain.
    pub layouts: Vec<Rc<Layout>>,
    /// `true` for a list: a new chain. A single layout stays in its parent's chain.
    pub chain: bool,
    pub arg: StartArg,
}

/// Picks the target from the first event: `Ok(None)` passes events through; `Err` ends the
/// stream with `RuntimeError` (the script layer has logged why).
pub type PipeResolver = Rc<dyn Fn(&FilterCx, &Event) -> Result<Option<PipeTarget>, ()>>;

pub struct Pipe {
    pub resolve: PipeResolver,
    /// Layouts known at load time, for the pipeline graph.
    pub subs: Vec<Rc<LayoutRef>>,
}

impl FilterFactory for Pipe {
    fn name(&self) -> &str {
        "pipe"
    }
    fn create(&self) -> Box<dyn Filter> {
        Box::new(PipeFilter {
            resolve: Some(self.resolve.clone()),
            state: State::Idle,
        })
    }
    fn subs(&self) -> Vec<Rc<LayoutRef>> {
        self.subs.clone()
    }
}

enum State {
    Idle,
    Linked(Rc<Pipeline>),
    PassThrough,
    Done,
}

struct PipeFilter {
    resolve: Option<PipeResolver>,
    state: State,
}

impl PipeFilter {
    fn choose(&mut self, cx: &FilterCx, first: &Event) -> State {
        let Some(resolve) = self.resolve.take() else {
            return State::PassThrough;
        };
        match resolve(cx, first) {
            Err(()) => {
                cx.output(Event::end(Some(ErrorCode::RuntimeError)));
                State::Done
            }
            Ok(None) => State::PassThrough,
            Ok(Some(t)) => {
                let Some(head) = t.layouts.first().cloned() else {
                    return State::PassThrough;
                };
                let chain = if t.chain {
                    Some(ChainPos {
                        list: Rc::new(t.layouts.into_iter().map(LayoutRef::of).collect()),
                        next: 1,
                        arg: t.arg.clone(),
                    })
                } else {
                    cx.pipeline.chain.borrow().clone()
                };
                State::Linked(start_sub(cx, &head, cx.context().clone(), 0, chain, t.arg))
            }
        }
    }
}

impl Filter for PipeFilter {
    fn process(&mut self, cx: &FilterCx, evt: Event) {
        if let State::Idle = self.state {
            self.state = self.choose(cx, &evt);
        }
        match &self.state {
            State::Linked(p) => sched::emit(&p.input(), evt),
            State::PassThrough => cx.output(evt),
            State::Idle | State::Done => {}
        }
    }
}

/// Evaluates `pipeNext(args)`'s argument for one stream (`Err`: the script failed).
pub type ArgFn = Rc<dyn Fn(&FilterCx) -> Result<StartArg, ()>>;

pub struct PipeNext {
    /// `None`: the next pipeline gets the chain's argument.
    pub arg: Option<ArgFn>,
}

impl FilterFactory for PipeNext {
    fn name(&self) -> &str {
        "pipeNext"
    }
    fn create(&self) -> Box<dyn Filter> {
        Box::new(PipeNextFilter {
            arg: self.arg.clone(),
            state: State::Idle,
        })
    }
}

struct PipeNextFilter {
    arg: Option<ArgFn>,
    state: State,
}

impl PipeNextFilter {
    fn next(&self, cx: &FilterCx) -> State {
        let pos = cx.pipeline.chain.borrow().clone();
        let Some(pos) = pos else {
            return State::PassThrough;
        };
        let Some(layout) = pos.list.get(pos.next).and_then(|l| l.get().cloned()) else {
            return State::PassThrough;
        };
        let arg = match &self.arg {
            Some(f) => match f(cx) {
                Ok(a) => a,
                Err(()) => {
                    cx.output(Event::end(Some(ErrorCode::RuntimeError)));
                    return State::Done;
                }
            },
            None => pos.arg.clone(),
        };
        let chain = ChainPos {
            list: pos.list.clone(),
            next: pos.next + 1,
            arg: arg.clone(),
        };
        State::Linked(start_sub(
            cx,
            &layout,
            cx.context().clone(),
            0,
            Some(chain),
            arg,
        ))
    }
}

impl Filter for PipeNextFilter {
    fn process(&mut self, cx: &FilterCx, evt: Event) {
        if let State::Idle = self.state {
            self.state = self.next(cx);
        }
        match &self.state {
            State::Linked(p) => sched::emit(&p.input(), evt),
            State::PassThrough => cx.output(evt),
            State::Idle | State::Done => {}
        }
    }
}
