//! `replay({delay})`: run the sub-pipeline; when it outputs `StreamEnd('Replay')`, run a new
//! one over the same input again after `delay`. Used for retries and failover.

use std::rc::Rc;
use std::time::Duration;

use crate::activity::Activity;
use crate::event::{ErrorCode, Event};
use crate::pipeline::{Filter, FilterCx, FilterFactory, LayoutRef, Pipeline};

pub struct Replay {
    pub layout: Rc<LayoutRef>,
    pub delay: Rc<dyn Fn(&FilterCx) -> Duration>,
}

impl FilterFactory for Replay {
    fn name(&self) -> &str {
        "replay"
    }
    fn create(&self) -> Box<dyn Filter> {
        Box::new(ReplayFilter {
            layout: self.layout.clone(),
            delay: self.delay.clone(),
            buffer: Vec::new(),
            sub: None,
            generation: 0,
        })
    }
    fn subs(&self) -> Vec<Rc<LayoutRef>> {
        vec![self.layout.clone()]
    }
}

struct ReplayFilter {
    layout: Rc<LayoutRef>,
    delay: Rc<dyn Fn(&FilterCx) -> Duration>,
    buffer: Vec<Event>,
    sub: Option<Rc<Pipeline>>,
    generation: usize,
}

impl ReplayFilter {
    fn start(&mut self, cx: &FilterCx) {
        let Some(layout) = self.layout.get().cloned() else {
            cx.output(Event::end(Some(ErrorCode::RuntimeError)));
            return;
        };
        let p = cx.sub_pipeline(&layout, false, self.generation);
        let input = p.input();
        for e in &self.buffer {
            crate::sched::emit(&input, e.clone());
        }
        self.sub = Some(p);
    }
}

impl Filter for ReplayFilter {
    fn process(&mut self, cx: &FilterCx, evt: Event) {
        self.buffer.push(evt.clone());
        match &self.sub {
            Some(p) => crate::sched::emit(&p.input(), evt),
            None if self.generation == 0 => self.start(cx),
            None => {} // waiting for the delay; the buffer will be replayed
        }
    }

    fn on_sub_event(&mut self, cx: &FilterCx, key: usize, evt: Event) {
        if key != self.generation {
            return; // a late event from an abandoned run
        }
        if let Event::StreamEnd(end) = &evt {
            if end.error == Some(ErrorCode::Replay) {
                self.sub = None;
                self.generation += 1;
                let delay = (self.delay)(cx);
                let (home, index) = cx.home();
                let guard = Activity::new();
                tokio::task::spawn_local(async move {
                    tokio::time::sleep(delay).await;
                    drop(guard);
                    crate::sched::defer(move || {
                        if let Some(p) = home.upgrade() {
                            p.with_filter(index, |f, cx| {
                                let any: &mut dyn std::any::Any = f;
                                if let Some(f) = any.downcast_mut::<ReplayFilter>() {
                                    f.start(cx);
                                }
                            });
                        }
                    });
                });
                return;
            }
        }
        cx.output(evt);
    }
}
