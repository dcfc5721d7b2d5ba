//! `chain([modules])`, `chain()` and `use([modules], 'request', 'response'?)`: plugin chains.
//!
//! `chain(list)` runs the stream through the first module's entrance pipeline; inside it,
//! `chain()` moves on to the next module (sharing the context), and past the last module
//! events pass through. The position travels with the pipelines, so a `chain()` inside a
//! `branch` of a plugin continues the right chain.
//!
//! `use(list, 'request', 'response'?, turnDown?)` runs the stream up through the `request`
//! pipelines of the modules that have one, in order, then down through their `response`
//! pipelines in reverse order. Before the stream enters each module (that has a `request`
//! pipeline), `turnDown()` is asked once; when it says `true`, that module and the later
//! ones are skipped and the stream turns down through the modules it has passed.

use std::rc::Rc;

use super::Condition;
use crate::event::{ErrorCode, Event};
use crate::pipeline::{ChainPos, Filter, FilterCx, FilterFactory, LayoutRef, Pipeline};
use crate::sched;

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

/// One module of a `use([...])` list: its up (`request`) and down (`response`) layouts;
/// either may be missing (unresolved), and the module is then skipped in that direction.
#[derive(Clone)]
pub struct UseStage {
    pub up: Option<Rc<LayoutRef>>,
    pub down: Option<Rc<LayoutRef>>,
}

pub struct UseList {
    /// The modules in list order.
    pub stages: Vec<UseStage>,
    /// `turnDown`: asked once per stream before the stream enters each module that has an
    /// up pipeline; `true` sends it back down through the modules passed so far.
    pub turn_down: Option<Condition>,
}

impl FilterFactory for UseList {
    fn name(&self) -> &str {
        "use"
    }
    fn create(&self) -> Box<dyn Filter> {
        let n = self.stages.len();
        Box::new(UseListFilter {
            stages: self.stages.clone(),
            turn_down: self.turn_down.clone(),
            up: vec![UpState::Undecided; n],
            down: vec![None; n],
            failed: false,
        })
    }
    fn subs(&self) -> Vec<Rc<LayoutRef>> {
        let up = self.stages.iter().filter_map(|s| s.up.clone());
        let down = self.stages.iter().rev().filter_map(|s| s.down.clone());
        up.chain(down).collect()
    }
}

#[derive(Clone)]
enum UpState {
    Undecided,
    /// No up pipeline in this module: events go on to the next one.
    Skip,
    Running(Rc<Pipeline>),
    /// `turnDown` said so: events go down from the module before this one.
    TurnedDown,
}

/// Per stream: each module's up pipeline is made when the stream first reaches it (that is
/// when `turnDown` is asked), each down pipeline likewise. Sub-pipeline outputs come back
/// here tagged `2k` (up pipeline of module `k`) or `2k + 1` (its down pipeline).
struct UseListFilter {
    stages: Vec<UseStage>,
    turn_down: Option<Condition>,
    up: Vec<UpState>,
    down: Vec<Option<Rc<Pipeline>>>,
    /// `turnDown` threw: the stream has been ended.
    failed: bool,
}

impl UseListFilter {
    /// An event arriving at module `k` on the way up (`k == len`: past the last one).
    fn go_up(&mut self, cx: &FilterCx, mut k: usize, evt: Event) {
        while k < self.stages.len() {
            if let UpState::Undecided = self.up[k] {
                self.up[k] = self.enter(cx, k, &evt);
                if self.failed {
                    cx.output(Event::end(Some(ErrorCode::RuntimeError)));
                    return;
                }
            }
            match &self.up[k] {
                UpState::Running(p) => return sched::emit(&p.input(), evt),
                UpState::TurnedDown => return self.go_down(cx, k, evt),
                _ => k += 1,
            }
        }
        self.go_down(cx, k, evt)
    }

    /// Decides what module `k` does for this stream.
    fn enter(&mut self, cx: &FilterCx, k: usize, evt: &Event) -> UpState {
        let Some(layout) = self.stages[k].up.as_ref().and_then(|l| l.get().cloned()) else {
            return UpState::Skip;
        };
        if let Some(cond) = &self.turn_down {
            match cond(cx, evt) {
                None => {
                    self.failed = true;
                    return UpState::TurnedDown;
                }
                Some(true) => return UpState::TurnedDown,
                Some(false) => {}
            }
        }
        UpState::Running(cx.sub_pipeline(&layout, false, 2 * k))
    }

    /// An event going down into the modules before `k` (last one first).
    fn go_down(&mut self, cx: &FilterCx, mut k: usize, evt: Event) {
        while k > 0 {
            k -= 1;
            if self.down[k].is_none() {
                if let Some(layout) = self.stages[k].down.as_ref().and_then(|l| l.get().cloned()) {
                    self.down[k] = Some(cx.sub_pipeline(&layout, false, 2 * k + 1));
                }
            }
            if let Some(p) = &self.down[k] {
                return sched::emit(&p.input(), evt);
            }
        }
        cx.output(evt)
    }
}

impl Filter for UseListFilter {
    fn process(&mut self, cx: &FilterCx, evt: Event) {
        if !self.failed {
            self.go_up(cx, 0, evt);
        }
    }

    fn on_sub_event(&mut self, cx: &FilterCx, key: usize, evt: Event) {
        if self.failed {
            return;
        }
        let k = key / 2;
        if key.is_multiple_of(2) {
            self.go_up(cx, k + 1, evt);
        } else {
            self.go_down(cx, k, evt);
        }
    }
}
