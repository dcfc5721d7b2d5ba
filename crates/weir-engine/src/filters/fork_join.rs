//! `forkJoin(initArgs)` and `forkRace(initArgs)`: one branch per start argument, each with
//! a clone of the context.
//!
//! Every input event is copied into every branch (on the first event the branches start).
//! - `forkJoin`: the branches' output is discarded; the input is held until every branch
//!   has output its `StreamEnd`, then passed on (later input passes straight through).
//! - `forkRace`: the input is not passed on; the first branch that outputs anything wins,
//!   its output becomes this filter's output and the other branches are dropped.
//!
//! With no branch at all (an empty list), both pass the input through.
//!
//! Consumes: every event. Emits: the held input (join) or the winner's output (race), and
//! `StreamEnd('RuntimeError')` when the start arguments cannot be computed.

use std::rc::Rc;

use super::pipe::{start_sub, StartArg};
use crate::event::{ErrorCode, Event};
use crate::pipeline::{Filter, FilterCx, FilterFactory, LayoutRef, Pipeline};
use crate::sched;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ForkMode {
    Join,
    Race,
}

/// The branches' start arguments, one per branch, from the first event (`Err`: the script
/// failed, already logged).
pub type BranchArgs = Rc<dyn Fn(&FilterCx, &Event) -> Result<Vec<StartArg>, ()>>;

pub struct ForkJoin {
    pub mode: ForkMode,
    pub layout: Rc<LayoutRef>,
    pub args: BranchArgs,
}

impl FilterFactory for ForkJoin {
    fn name(&self) -> &str {
        match self.mode {
            ForkMode::Join => "forkJoin",
            ForkMode::Race => "forkRace",
        }
    }
    fn create(&self) -> Box<dyn Filter> {
        Box::new(ForkJoinFilter {
            mode: self.mode,
            layout: self.layout.clone(),
            args: self.args.clone(),
            branches: None,
            running: 0,
            held: Vec::new(),
            winner: None,
            failed: false,
        })
    }
    fn subs(&self) -> Vec<Rc<LayoutRef>> {
        vec![self.layout.clone()]
    }
}

struct ForkJoinFilter {
    mode: ForkMode,
    layout: Rc<LayoutRef>,
    args: BranchArgs,
    /// `None` for a branch that has ended (join) or lost (race).
    branches: Option<Vec<Option<Rc<Pipeline>>>>,
    /// Branches that have not ended yet (join).
    running: usize,
    /// Input held until every branch has ended (join).
    held: Vec<Event>,
    winner: Option<usize>,
    failed: bool,
}

impl ForkJoinFilter {
    fn start(&mut self, cx: &FilterCx, first: &Event) -> bool {
        let Some(layout) = self.layout.get().cloned() else {
            return false;
        };
        let Ok(args) = (self.args)(cx, first) else {
            return false;
        };
        let chain = cx.pipeline.chain.borrow().clone();
        let branches: Vec<_> = args
            .into_iter()
            .enumerate()
            .map(|(i, arg)| {
                let ctx = cx.context().fork();
                Some(start_sub(cx, &layout, ctx, i, chain.clone(), arg))
            })
            .collect();
        self.running = branches.len();
        self.branches = Some(branches);
        true
    }

    fn all_ended(&mut self, cx: &FilterCx) {
        for e in std::mem::take(&mut self.held) {
            cx.output(e);
        }
    }
}

impl Filter for ForkJoinFilter {
    fn process(&mut self, cx: &FilterCx, evt: Event) {
        if self.failed {
            return;
        }
        if self.branches.is_none() && !self.start(cx, &evt) {
            self.failed = true;
            cx.output(Event::end(Some(ErrorCode::RuntimeError)));
            return;
        }
        let Some(branches) = &self.branches else {
            return;
        };
        for p in branches.iter().flatten() {
            sched::emit(&p.input(), evt.clone());
        }
        let none = branches.is_empty();
        match self.mode {
            ForkMode::Join if self.running > 0 => self.held.push(evt),
            ForkMode::Race if !none => {}
            _ => cx.output(evt),
        }
    }

    fn on_sub_event(&mut self, cx: &FilterCx, key: usize, evt: Event) {
        let Some(branches) = self.branches.as_mut() else {
            return;
        };
        match self.mode {
            ForkMode::Join => {
                if !evt.is_stream_end() {
                    return;
                }
                if let Some(slot) = branches.get_mut(key) {
                    if slot.take().is_some() {
                        self.running -= 1;
                        if self.running == 0 {
                            self.all_ended(cx);
                        }
                    }
                }
            }
            ForkMode::Race => {
                if self.winner.is_none() {
                    self.winner = Some(key);
                    for (i, slot) in branches.iter_mut().enumerate() {
                        if i != key {
                            *slot = None;
                        }
                    }
                }
                if self.winner == Some(key) {
                    cx.output(evt);
                }
            }
        }
    }
}
