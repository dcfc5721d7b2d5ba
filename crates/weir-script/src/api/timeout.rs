//! `Timeout`: Pipy's only timer. `new Timeout(seconds).wait()` is a Promise that resolves
//! after the time, in the context of the stream that called `wait()`.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use rquickjs::class::Trace;
use rquickjs::function::Opt;
use rquickjs::{Ctx, Function, JsLifetime, Persistent, Promise, Result, Value};
use tokio::task::JoinHandle;
use weir_engine::activity::Activity;

#[derive(Trace, JsLifetime)]
#[rquickjs::class(rename = "Timeout")]
pub struct Timeout {
    #[qjs(skip_trace)]
    duration: Duration,
    #[qjs(skip_trace)]
    pending: Rc<RefCell<Vec<(Persistent<Function<'static>>, JoinHandle<()>)>>>,
}

fn duration<'js>(ctx: &Ctx<'js>, v: &Value<'js>) -> Result<Duration> {
    Ok(crate::opts::time_value(ctx, v, "Timeout")?.unwrap_or_default())
}

#[rquickjs::methods]
impl Timeout {
    #[qjs(constructor)]
    pub fn new<'js>(ctx: Ctx<'js>, seconds: Opt<Value<'js>>) -> Result<Timeout> {
        let d = match seconds.0 {
            Some(v) => duration(&ctx, &v)?,
            None => Duration::ZERO,
        };
        Ok(Timeout {
            duration: d,
            pending: Rc::new(RefCell::new(Vec::new())),
        })
    }

    pub fn wait<'js>(&self, ctx: Ctx<'js>) -> Result<Promise<'js>> {
        let (promise, resolve, _reject) = ctx.promise()?;
        let stream = crate::js::current_stream();
        let d = self.duration;
        let resolve_p = Persistent::save(&ctx, resolve);
        let pending = self.pending.clone();
        let guard = Activity::new();
        let r2 = resolve_p.clone();
        let pending2 = pending.clone();
        let handle = tokio::task::spawn_local(async move {
            tokio::time::sleep(d).await;
            pending2.borrow_mut().retain(|(_, h)| !h.is_finished());
            crate::js::enter(stream.as_ref(), |ctx| {
                if let Ok(f) = r2.restore(ctx) {
                    let _ = f.call::<_, ()>(());
                }
            });
            drop(guard);
        });
        pending.borrow_mut().push((resolve_p, handle));
        Ok(promise)
    }

    /// Cancels pending waits (their promises never resolve).
    pub fn cancel(&self) {
        for (_, h) in self.pending.borrow_mut().drain(..) {
            h.abort();
        }
    }

    /// Cancels pending waits and sets a new duration for the next `wait()`.
    pub fn restart<'js>(&mut self, ctx: Ctx<'js>, seconds: Opt<Value<'js>>) -> Result<()> {
        self.cancel();
        if let Some(v) = seconds.0 {
            self.duration = duration(&ctx, &v)?;
        }
        Ok(())
    }
}
