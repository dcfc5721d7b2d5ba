//! `dummy()`: swallows every event except `StreamEnd`.

use crate::event::Event;
use crate::pipeline::{Filter, FilterCx, FilterFactory};

pub struct Dummy;

impl FilterFactory for Dummy {
    fn name(&self) -> &str {
        "dummy"
    }
    fn create(&self) -> Box<dyn Filter> {
        Box::new(Dummy)
    }
}

impl Filter for Dummy {
    fn process(&mut self, cx: &FilterCx, evt: Event) {
        if evt.is_stream_end() {
            cx.output(evt);
        }
    }
}
