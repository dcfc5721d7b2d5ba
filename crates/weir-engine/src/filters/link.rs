//! `link`, `use`, `branch`, `branchMessageStart`, `branchMessage`: run the stream through a
//! sub-pipeline chosen once, sharing the context.
//!
//! The choice is made on the first event (or the first MessageStart / whole message for the
//! `branchMessage*` forms; earlier events wait). With no choice, events pass through.

use std::rc::Rc;

use super::{Chooser, Condition};
use crate::event::{ErrorCode, Event, MessageReader};
use crate::pipeline::{Filter, FilterCx, FilterFactory, Layout, LayoutRef, Pipeline};

/// When a [`Branch`] decides.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    FirstEvent,
    MessageStart,
    Message,
}

/// One arm: a condition (or none for the default) and where it leads (`None`: pass through).
#[derive(Clone)]
pub struct Arm {
    pub cond: Option<Condition>,
    pub layout: Option<Rc<LayoutRef>>,
}

/// How a [`Link`] picks its sub-pipeline.
#[derive(Clone)]
pub enum Choice {
    Layout(Rc<LayoutRef>),
    Dynamic(Chooser),
    Arms(Vec<Arm>),
}

pub struct Link {
    pub method: &'static str,
    pub choice: Choice,
    pub trigger: Trigger,
}

impl FilterFactory for Link {
    fn name(&self) -> &str {
        self.method
    }
    fn create(&self) -> Box<dyn Filter> {
        Box::new(LinkFilter {
            choice: self.choice.clone(),
            trigger: self.trigger,
            state: State::Choosing(Vec::new()),
            reader: (self.trigger == Trigger::Message).then(|| MessageReader::new(None)),
        })
    }
    fn subs(&self) -> Vec<Rc<LayoutRef>> {
        match &self.choice {
            Choice::Layout(l) => vec![l.clone()],
            Choice::Dynamic(_) => Vec::new(),
            Choice::Arms(arms) => arms.iter().filter_map(|a| a.layout.clone()).collect(),
        }
    }
}

enum State {
    Choosing(Vec<Event>),
    Linked(Rc<Pipeline>),
    PassThrough,
    Done,
}

struct LinkFilter {
    choice: Choice,
    trigger: Trigger,
    state: State,
    reader: Option<MessageReader>,
}

impl LinkFilter {
    fn choose(&self, cx: &FilterCx, evt: &Event) -> Result<Option<Rc<Layout>>, ()> {
        match &self.choice {
            Choice::Layout(l) => Ok(l.get().cloned()),
            Choice::Dynamic(f) => f(cx, evt),
            Choice::Arms(arms) => {
                for arm in arms {
                    let hit = match &arm.cond {
                        None => true,
                        Some(c) => c(cx, evt).ok_or(())?,
                    };
                    if hit {
                        return Ok(arm.layout.as_ref().and_then(|l| l.get().cloned()));
                    }
                }
                Ok(None)
            }
        }
    }

    fn ready(&mut self, evt: &Event) -> bool {
        match self.trigger {
            Trigger::FirstEvent => true,
            Trigger::MessageStart => matches!(evt, Event::MessageStart(_)) || evt.is_stream_end(),
            Trigger::Message => {
                let done = self.reader.as_mut().and_then(|r| r.read(evt)).is_some();
                done || evt.is_stream_end()
            }
        }
    }
}

impl Filter for LinkFilter {
    fn process(&mut self, cx: &FilterCx, evt: Event) {
        match &mut self.state {
            State::Linked(p) => crate::sched::emit(&p.input(), evt),
            State::PassThrough => cx.output(evt),
            State::Done => {}
            State::Choosing(_) => {
                let ready = self.ready(&evt);
                let State::Choosing(buffer) = &mut self.state else {
                    return;
                };
                buffer.push(evt);
                if !ready {
                    return;
                }
                let events = std::mem::take(buffer);
                let Some(last) = events.last() else { return };
                match self.choose(cx, last) {
                    Err(()) => {
                        self.state = State::Done;
                        cx.output(Event::end(Some(ErrorCode::RuntimeError)));
                    }
                    Ok(None) => {
                        self.state = State::PassThrough;
                        for e in events {
                            cx.output(e);
                        }
                    }
                    Ok(Some(layout)) => {
                        let p = cx.sub_pipeline(&layout, false, 0);
                        let input = p.input();
                        self.state = State::Linked(p);
                        for e in events {
                            crate::sched::emit(&input, e);
                        }
                    }
                }
            }
        }
    }

    fn on_sub_event(&mut self, cx: &FilterCx, _key: usize, evt: Event) {
        cx.output(evt);
    }
}
