//! `repeat(cond).to(...)`: runs the sub-pipeline over the input; each time it outputs its
//! `StreamEnd`, asks `cond(streamEnd)` whether to run a new one over the same input again.
//!
//! The input is kept (every event, from the first) so each run sees all of it. A run
//! starts on the next turn of the event loop, never inside the previous run's output, so a
//! condition that is always true keeps the worker responsive. `cond` may answer later (a
//! Promise): the script layer then calls [`resume`].
//!
//! Consumes: every event. Emits: each run's output except its `StreamEnd`; the last run's
//! `StreamEnd` once `cond` says no (`StreamEnd('RuntimeError')` if it fails).

use std::rc::{Rc, Weak};

use crate::activity::Activity;
use crate::event::{ErrorCode, Event};
use crate::pipeline::{Filter, FilterCx, FilterFactory, LayoutRef, Pipeline};
use crate::sched;

/// What the condition answered.
pub enum Again {
    Yes,
    No,
    /// The script failed (already logged).
    Failed,
    /// The answer comes later through [`resume`].
    Later,
}

/// `cond(streamEnd)`, with the `StreamEnd` the sub-pipeline output.
pub type RepeatCond = Rc<dyn Fn(&FilterCx, &Event) -> Again>;

pub struct Repeat {
    pub layout: Rc<LayoutRef>,
    pub cond: RepeatCond,
}

impl FilterFactory for Repeat {
    fn name(&self) -> &str {
        "repeat"
    }
    fn create(&self) -> Box<dyn Filter> {
        Box::new(RepeatFilter {
            layout: self.layout.clone(),
            cond: self.cond.clone(),
            input: Vec::new(),
            sub: None,
            run: 0,
            started: false,
            last_end: None,
            ended: false,
        })
    }
    fn subs(&self) -> Vec<Rc<LayoutRef>> {
        vec![self.layout.clone()]
    }
}

pub struct RepeatFilter {
    layout: Rc<LayoutRef>,
    cond: RepeatCond,
    input: Vec<Event>,
    sub: Option<Rc<Pipeline>>,
    /// Number of the current run; output of older runs is ignored.
    run: usize,
    started: bool,
    last_end: Option<Event>,
    ended: bool,
}

impl RepeatFilter {
    fn start(&mut self, cx: &FilterCx) {
        if self.ended {
            return;
        }
        let Some(layout) = self.layout.get().cloned() else {
            self.finish(cx, Some(Event::end(Some(ErrorCode::RuntimeError))));
            return;
        };
        let p = cx.sub_pipeline(&layout, false, self.run);
        let input = p.input();
        for e in &self.input {
            sched::emit(&input, e.clone());
        }
        self.sub = Some(p);
    }

    /// Starts the next run on the next turn of the event loop.
    fn again(&mut self, cx: &FilterCx) {
        self.run += 1;
        let (home, index) = cx.home();
        let guard = Activity::new();
        tokio::task::spawn_local(async move {
            drop(guard);
            sched::defer(move || {
                if let Some(p) = home.upgrade() {
                    p.with_filter(index, |f, cx| {
                        let any: &mut dyn std::any::Any = f;
                        if let Some(f) = any.downcast_mut::<RepeatFilter>() {
                            f.start(cx);
                        }
                    });
                }
            });
        });
    }

    fn finish(&mut self, cx: &FilterCx, end: Option<Event>) {
        if self.ended {
            return;
        }
        self.ended = true;
        self.input.clear();
        self.sub = None;
        cx.output(end.unwrap_or_else(|| Event::end(None)));
    }

    fn decided(&mut self, cx: &FilterCx, again: Result<bool, ()>) {
        match again {
            Ok(true) => self.again(cx),
            Ok(false) => {
                let end = self.last_end.take();
                self.finish(cx, end);
            }
            Err(()) => self.finish(cx, Some(Event::end(Some(ErrorCode::RuntimeError)))),
        }
    }
}

impl Filter for RepeatFilter {
    fn process(&mut self, cx: &FilterCx, evt: Event) {
        if self.ended {
            return;
        }
        self.input.push(evt.clone());
        if !self.started {
            self.started = true;
            self.start(cx);
        } else if let Some(p) = &self.sub {
            sched::emit(&p.input(), evt);
        }
    }

    fn on_sub_event(&mut self, cx: &FilterCx, key: usize, evt: Event) {
        if key != self.run || self.ended {
            return;
        }
        if !evt.is_stream_end() {
            cx.output(evt);
            return;
        }
        self.sub = None;
        let answer = (self.cond)(cx, &evt);
        self.last_end = Some(evt);
        match answer {
            Again::Yes => self.decided(cx, Ok(true)),
            Again::No => self.decided(cx, Ok(false)),
            Again::Failed => self.decided(cx, Err(())),
            Again::Later => {}
        }
    }
}

/// Gives a `repeat` filter waiting on [`Again::Later`] its answer (`Err`: the script failed).
pub fn resume(home: (Weak<Pipeline>, usize), again: Result<bool, ()>) {
    let (pipeline, index) = home;
    sched::defer(move || {
        if let Some(p) = pipeline.upgrade() {
            p.with_filter(index, |f, cx| {
                let any: &mut dyn std::any::Any = f;
                if let Some(f) = any.downcast_mut::<RepeatFilter>() {
                    f.decided(cx, again);
                }
            });
        }
    });
}
