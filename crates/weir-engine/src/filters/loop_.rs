//! `loop(...).to(...)` / `loop($=>...)`: a sub-pipeline whose output is both this filter's
//! output and fed back into its own input (a reverse tunnel serving what comes out of it).
//!
//! Output is fed back on the next turn of the event loop, in batches, so a sub-pipeline that
//! answers every event with another one cannot starve the worker; and what waits to be fed
//! back is bounded: past [`MAX_PENDING_EVENTS`] events or [`MAX_PENDING_BYTES`] bytes the
//! stream ends with `BufferOverflow` (a sub-pipeline that multiplies what it is given).
//!
//! Consumes: every event (into the sub-pipeline). Emits: the sub-pipeline's output, up to
//! and including its `StreamEnd`, after which everything is ignored.

use std::rc::Rc;

use crate::activity::Activity;
use crate::event::{ErrorCode, Event};
use crate::pipeline::{Filter, FilterCx, FilterFactory, LayoutRef, Pipeline};
use crate::sched;

/// Events waiting to be fed back, at most.
pub const MAX_PENDING_EVENTS: usize = 65_536;
/// Bytes of Data waiting to be fed back, at most.
pub const MAX_PENDING_BYTES: usize = 16 << 20;

pub struct Loop {
    pub layout: Rc<LayoutRef>,
}

impl FilterFactory for Loop {
    fn name(&self) -> &str {
        "loop"
    }
    fn create(&self) -> Box<dyn Filter> {
        Box::new(LoopFilter {
            layout: self.layout.clone(),
            sub: None,
            pending: Vec::new(),
            pending_bytes: 0,
            flushing: false,
            ended: false,
        })
    }
    fn subs(&self) -> Vec<Rc<LayoutRef>> {
        vec![self.layout.clone()]
    }
}

pub struct LoopFilter {
    layout: Rc<LayoutRef>,
    sub: Option<Rc<Pipeline>>,
    pending: Vec<Event>,
    pending_bytes: usize,
    flushing: bool,
    ended: bool,
}

impl LoopFilter {
    fn end(&mut self, cx: &FilterCx, evt: Event) {
        self.ended = true;
        self.sub = None;
        self.pending.clear();
        cx.output(evt);
    }

    fn flush(&mut self) {
        self.flushing = false;
        self.pending_bytes = 0;
        let events = std::mem::take(&mut self.pending);
        if let Some(p) = &self.sub {
            let input = p.input();
            for e in events {
                sched::emit(&input, e);
            }
        }
    }

    fn schedule_flush(&mut self, cx: &FilterCx) {
        if self.flushing {
            return;
        }
        self.flushing = true;
        let (home, index) = cx.home();
        let guard = Activity::new();
        tokio::task::spawn_local(async move {
            drop(guard);
            sched::defer(move || {
                if let Some(p) = home.upgrade() {
                    p.with_filter(index, |f, _| {
                        let any: &mut dyn std::any::Any = f;
                        if let Some(f) = any.downcast_mut::<LoopFilter>() {
                            f.flush();
                        }
                    });
                }
            });
        });
    }
}

impl Filter for LoopFilter {
    fn process(&mut self, cx: &FilterCx, evt: Event) {
        if self.ended {
            return;
        }
        if self.sub.is_none() {
            let Some(layout) = self.layout.get().cloned() else {
                self.end(cx, Event::end(Some(ErrorCode::RuntimeError)));
                return;
            };
            self.sub = Some(cx.sub_pipeline(&layout, false, 0));
        }
        if let Some(p) = &self.sub {
            sched::emit(&p.input(), evt);
        }
    }

    fn on_sub_event(&mut self, cx: &FilterCx, _key: usize, evt: Event) {
        if self.ended {
            return;
        }
        if evt.is_stream_end() {
            self.end(cx, evt);
            return;
        }
        if let Event::Data(d) = &evt {
            self.pending_bytes += d.len();
        }
        cx.output(evt.clone());
        self.pending.push(evt);
        if self.pending.len() > MAX_PENDING_EVENTS || self.pending_bytes > MAX_PENDING_BYTES {
            tracing::error!(
                "[loop] more than {MAX_PENDING_EVENTS} events or {MAX_PENDING_BYTES} bytes wait to be fed back; ending the stream"
            );
            self.end(cx, Event::end(Some(ErrorCode::BufferOverflow)));
            return;
        }
        self.schedule_flush(cx);
    }
}
