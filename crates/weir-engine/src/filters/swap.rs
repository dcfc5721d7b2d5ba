//! `swap(hub)`: joins the stream to a [`Hub`] (`new pipeline.Hub()` in scripts).
//!
//! What comes into a `swap` filter is sent to every *other* stream joined to the same hub,
//! where it comes out of that stream's `swap` filter; what this filter outputs is what the
//! other streams sent. All events go across, `StreamEnd` included. The hub is chosen on the
//! first event; while the choice is `null` events are held and the choice is asked again on
//! the next event. A stream leaves the hub when its pipeline goes away.
//!
//! Consumes: any events. Emits: the other parties' events.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use crate::event::{ErrorCode, Event};
use crate::pipeline::{Filter, FilterCx, FilterFactory};
use crate::sched::{self, Target};

/// A broadcast point shared by the streams that `swap` into it (one worker thread only).
#[derive(Default)]
pub struct Hub {
    /// The joined parties in joining order: an id and where their events go.
    parties: RefCell<Vec<(u64, Target)>>,
}

thread_local! {
    static NEXT_PARTY: Cell<u64> = const { Cell::new(1) };
}

impl Hub {
    pub fn new() -> Rc<Hub> {
        Rc::new(Hub::default())
    }

    /// Adds a party; returns its id (for [`Hub::broadcast`] and [`Hub::leave`]).
    pub fn join(&self, target: Target) -> u64 {
        let id = NEXT_PARTY.with(|n| n.replace(n.get() + 1));
        self.parties.borrow_mut().push((id, target));
        id
    }

    pub fn leave(&self, id: u64) {
        self.parties.borrow_mut().retain(|(p, _)| *p != id);
    }

    /// How many streams are joined.
    pub fn len(&self) -> usize {
        self.parties.borrow().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Sends `evt` to every party except `from` (`None`: to all of them).
    pub fn broadcast(&self, evt: &Event, from: Option<u64>) {
        // Copy the list first: delivering may make a party join or leave.
        let targets: Vec<Target> = self
            .parties
            .borrow()
            .iter()
            .filter(|(id, _)| Some(*id) != from)
            .map(|(_, t)| t.clone())
            .collect();
        for t in targets {
            sched::emit(&t, evt.clone());
        }
    }
}

/// Picks the hub for a stream: `Ok(None)` means "not yet" (events wait), `Err` that the
/// choice failed (already logged).
pub type HubChooser = Rc<dyn Fn(&FilterCx) -> Result<Option<Rc<Hub>>, ()>>;

pub struct Swap {
    pub hub: HubChooser,
}

impl FilterFactory for Swap {
    fn name(&self) -> &str {
        "swap"
    }
    fn create(&self) -> Box<dyn Filter> {
        Box::new(SwapFilter {
            choose: self.hub.clone(),
            state: State::Waiting(Vec::new()),
        })
    }
}

enum State {
    Waiting(Vec<Event>),
    Joined(Rc<Hub>, u64),
    Failed,
}

struct SwapFilter {
    choose: HubChooser,
    state: State,
}

impl Filter for SwapFilter {
    fn process(&mut self, cx: &FilterCx, evt: Event) {
        match &mut self.state {
            State::Joined(hub, id) => hub.broadcast(&evt, Some(*id)),
            State::Failed => {}
            State::Waiting(held) => match (self.choose)(cx) {
                Err(()) => {
                    self.state = State::Failed;
                    cx.output(Event::end(Some(ErrorCode::RuntimeError)));
                }
                Ok(None) => held.push(evt),
                Ok(Some(hub)) => {
                    let held = std::mem::take(held);
                    let id = hub.join(cx.next());
                    for e in held {
                        hub.broadcast(&e, Some(id));
                    }
                    hub.broadcast(&evt, Some(id));
                    self.state = State::Joined(hub, id);
                }
            },
        }
    }
}

impl Drop for SwapFilter {
    fn drop(&mut self) {
        if let State::Joined(hub, id) = &self.state {
            hub.leave(*id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::Context;
    use crate::pipeline::Layout;
    use crate::sched::Collector;
    use crate::Data;

    fn party(hub: &Rc<Hub>) -> (Rc<crate::Pipeline>, Rc<Collector>) {
        let layout = Layout::new("p");
        let h = hub.clone();
        layout.append(Rc::new(Swap {
            hub: Rc::new(move |_| Ok(Some(h.clone()))),
        }));
        let p = layout.instantiate(Context::root(None, None));
        let out = Rc::new(Collector::default());
        p.set_output(out.target());
        p.start();
        (p, out)
    }

    fn texts(c: &Collector) -> Vec<String> {
        c.take()
            .into_iter()
            .filter_map(|e| match e {
                Event::Data(d) => Some(d.to_string_lossy()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn what_one_sends_the_others_get() {
        let hub = Hub::new();
        let (a, out_a) = party(&hub);
        let (b, out_b) = party(&hub);
        let (c, out_c) = party(&hub);
        sched::emit(&a.input(), Event::Data(Data::from("a1")));
        sched::emit(&b.input(), Event::Data(Data::from("b1")));
        sched::emit(&c.input(), Event::Data(Data::from("c1")));
        // A stream joins on its first event: a1 went to nobody.
        assert_eq!(texts(&out_a), ["b1", "c1"]);
        assert_eq!(texts(&out_b), ["c1"]);
        assert!(texts(&out_c).is_empty());
        sched::emit(&a.input(), Event::Data(Data::from("a2")));
        assert!(texts(&out_a).is_empty());
        assert_eq!(texts(&out_b), ["a2"]);
        assert_eq!(texts(&out_c), ["a2"]);
        assert_eq!(hub.len(), 3);
        drop(c);
        assert_eq!(hub.len(), 2);
        hub.broadcast(&Event::Data(Data::from("all")), None);
        assert_eq!(texts(&out_a), ["all"]);
        assert_eq!(texts(&out_b), ["all"]);
    }
}
