//! `pipeline.Hub`: a broadcast point for the `swap()` filter. `new pipeline.Hub()` makes
//! one; every stream that `swap`s into it gets what the others send.
//! `hub.broadcast(events)` sends events to every joined stream from script code.

use std::rc::Rc;

use rquickjs::class::Trace;
use rquickjs::{Class, Ctx, JsLifetime, Object, Result, Value};
use weir_engine::filters::swap;

use crate::config::throw;
use crate::value::push_events;

#[derive(Trace, JsLifetime)]
#[rquickjs::class(rename = "Hub")]
pub struct Hub {
    #[qjs(skip_trace)]
    pub hub: Rc<swap::Hub>,
}

#[rquickjs::methods]
impl Hub {
    #[qjs(constructor)]
    pub fn new() -> Hub {
        Hub {
            hub: swap::Hub::new(),
        }
    }

    /// Sends an event, a message or an array of them to every stream joined to this hub.
    pub fn broadcast<'js>(&self, ctx: Ctx<'js>, events: Value<'js>) -> Result<()> {
        let mut out = Vec::new();
        push_events(&ctx, events, &mut out).map_err(|e| {
            throw(
                &ctx,
                format!("Hub.broadcast(): expected an event, a message or an array of them: {e}"),
            )
        })?;
        for e in &out {
            self.hub.broadcast(e, None);
        }
        Ok(())
    }
}

/// The engine hub behind a JS value, if it is a `pipeline.Hub`.
pub fn from_value(v: &Value<'_>) -> Option<Rc<swap::Hub>> {
    Class::<Hub>::from_value(v)
        .ok()
        .map(|h| h.borrow().hub.clone())
}

/// Defines `pipeline.Hub` (after `pipeline` itself is defined).
pub fn install(ctx: &Ctx<'_>) -> Result<()> {
    let pipeline: Object = ctx.globals().get("pipeline")?;
    pipeline.set("Hub", Class::<Hub>::create_constructor(ctx)?)?;
    Ok(())
}
