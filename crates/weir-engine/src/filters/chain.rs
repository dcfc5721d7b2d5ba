//! `chain([modules])`, `chain()` and `use([modules], 'request', 'response'?)`: plugin chains.
//!
//! `chain(list)` runs the stream through the first module's entrance pipeline; inside it,
//! `chain()` moves on to the next module (sharing the context), and past the last module
//! events pass through. The position travels with the pipelines, so a `chain()` inside a
//! `branch` of a plugin continues the right chain.
//!
//! `use(list, 'request', 'response')` joins the `request` pipelines of the modules that
//! have one, in order, then their `response` pipelines in reverse order, output to input.

use std::rc::Rc;

use crate::event::Event;
use crate::pipeline::{ChainPos, Filter, FilterCx, FilterFactory, LayoutRef, Pipeline};
use crate::sched::{self, Target};

pub struct Chain {
    /// `None` for `chain()`: continue the chain this pipeline is in.
    pub list: Option<Rc<Vec<Rc<LayoutRef>>>>,
}

impl FilterFactory for Chain {
    fn name(&self) -> &str {
        "chain"
    }
    fn create(&self) -> Box<dyn Filter> {
        Box::new(ChainFilter {
            list: self.list.clone(),
            state: ChainState::Idle,
        })
    }
    fn subs(&self) -> Vec<Rc<LayoutRef>> {
        self.list.as_ref().map(|l| l.to_vec()).unwrap_or_default()
    }
}

enum ChainState {
    Idle,
    Linked(Rc<Pipeline>),
    PassThrough,
}

struct ChainFilter {
    list: Option<Rc<Vec<Rc<LayoutRef>>>>,
    state: ChainState,
}

impl Filter for ChainFilter {
    fn process(&mut self, cx: &FilterCx, evt: Event) {
        if let ChainState::Idle = self.state {
            let pos = match &self.list {
                Some(list) => Some(ChainPos {
                    list: list.clone(),
                    next: 0,
                    arg: None,
                }),
                None => cx.pipeline.chain.borrow().clone(),
            };
            self.state = match pos.and_then(|p| {
                p.list
                    .get(p.next)
                    .and_then(|l| l.get().cloned())
                    .map(|l| (l, p))
            }) {
                Some((layout, pos)) => {
                    let next = ChainPos {
                        list: pos.list.clone(),
                        next: pos.next + 1,
                        arg: pos.arg.clone(),
                    };
                    let p = cx.sub_pipeline_chained(&layout, cx.context().clone(), 0, Some(next));
                    ChainState::Linked(p)
                }
                None => ChainState::PassThrough,
            };
        }
        match &self.state {
            ChainState::Linked(p) => sched::emit(&p.input(), evt),
            _ => cx.output(evt),
        }
    }
}

pub struct UseList {
    /// The `request` pipelines (of the modules that have one), then the `response` ones
    /// reversed; unresolved entries (modules without that pipeline) are skipped.
    pub stages: Vec<Rc<LayoutRef>>,
}

impl FilterFactory for UseList {
    fn name(&self) -> &str {
        "use"
    }
    fn create(&self) -> Box<dyn Filter> {
        Box::new(UseListFilter {
            stages: self.stages.clone(),
            pipelines: None,
        })
    }
    fn subs(&self) -> Vec<Rc<LayoutRef>> {
        self.stages.clone()
    }
}

struct UseListFilter {
    stages: Vec<Rc<LayoutRef>>,
    /// All stages, first one first; the last one outputs back to this filter.
    pipelines: Option<Vec<Rc<Pipeline>>>,
}

impl Filter for UseListFilter {
    fn process(&mut self, cx: &FilterCx, evt: Event) {
        if self.pipelines.is_none() {
            let layouts: Vec<_> = self
                .stages
                .iter()
                .filter_map(|s| s.get().cloned())
                .collect();
            let mut pipelines: Vec<Rc<Pipeline>> = Vec::with_capacity(layouts.len());
            // Build from the last stage back, so each knows where its output goes.
            let mut next: Target = Target::Sub(Rc::downgrade(cx.pipeline), cx.index, 0);
            for layout in layouts.iter().rev() {
                let p = layout.instantiate(cx.context().clone());
                *p.chain.borrow_mut() = cx.pipeline.chain.borrow().clone();
                p.set_output(next);
                next = p.input();
                pipelines.push(p);
            }
            pipelines.reverse();
            for p in &pipelines {
                p.start();
            }
            self.pipelines = Some(pipelines);
        }
        match self.pipelines.as_ref().and_then(|p| p.first()) {
            Some(first) => sched::emit(&first.input(), evt),
            None => cx.output(evt),
        }
    }
}
