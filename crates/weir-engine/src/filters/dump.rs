//! `dump(tag?)`: logs every event that passes, unchanged.

use crate::event::Event;
use crate::pipeline::{Filter, FilterCx, FilterFactory};

pub struct Dump {
    pub tag: String,
}

impl FilterFactory for Dump {
    fn name(&self) -> &str {
        "dump"
    }
    fn create(&self) -> Box<dyn Filter> {
        Box::new(Dump {
            tag: self.tag.clone(),
        })
    }
}

impl Filter for Dump {
    fn process(&mut self, cx: &FilterCx, evt: Event) {
        let ctx = cx.context().id;
        match &evt {
            Event::Data(d) => {
                tracing::info!("[dump] [{}] #{ctx} Data [{}] {:?}", self.tag, d.len(), d)
            }
            other => tracing::info!("[dump] [{}] #{ctx} {:?}", self.tag, other),
        }
        cx.output(evt);
    }
}
