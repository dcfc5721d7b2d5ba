//! `wait(cond, {timeout})`: holds every event until `cond()` is truthy (or the Promise it
//! returns resolves), then lets them all through.
//!
//! The condition is checked on each input event and, while anything is held, every 10 ms,
//! so a condition that another stream makes true (a counter reaching zero) releases it.
//! With a `timeout`, held events pass through when it expires.

use std::rc::Rc;
use std::time::{Duration, Instant};

use rquickjs::{Ctx, Result, Value};
use weir_engine::activity::Activity;
use weir_engine::{Event, Filter, FilterCx, FilterFactory};

use crate::config::{throw, Builder};
use crate::data_truthy;
use crate::js::Callback;

pub struct Wait {
    cond: Callback,
    timeout: Option<Duration>,
}

pub fn wait<'js>(ctx: &Ctx<'js>, b: &Rc<Builder>, args: &[Value<'js>]) -> Result<()> {
    let f = args
        .first()
        .and_then(|v| v.as_function())
        .ok_or_else(|| throw(ctx, "wait(): expected a condition function"))?;
    let timeout = match args.get(1).and_then(|v| v.as_object()) {
        Some(o) => crate::opts::time(ctx, o, "timeout", "wait()")?,
        None => None,
    };
    b.add(
        ctx,
        "wait",
        Rc::new(Wait {
            cond: Callback::new(ctx, f.clone()),
            timeout,
        }),
    )
}

impl FilterFactory for Wait {
    fn name(&self) -> &str {
        "wait"
    }
    fn create(&self) -> Box<dyn Filter> {
        Box::new(WaitFilter {
            cond: self.cond.clone(),
            timeout: self.timeout,
            held: Vec::new(),
            open: false,
            polling: false,
            awaiting: false,
            since: None,
        })
    }
}

pub struct WaitFilter {
    cond: Callback,
    timeout: Option<Duration>,
    held: Vec<Event>,
    open: bool,
    polling: bool,
    /// The condition returned a Promise: wait for it instead of asking again.
    awaiting: bool,
    since: Option<Instant>,
}

enum Check {
    Pending,
    Yes,
    No,
    Failed,
}

impl WaitFilter {
    fn check(&mut self, cx: &FilterCx) -> Check {
        let home = cx.home();
        let r = self.cond.call(
            cx.context(),
            "wait()",
            |_| Ok(Vec::new()),
            move |ctx, v| {
                if let Some(p) = v.as_promise() {
                    // Release once the promise resolves, whatever its value.
                    let home = home.clone();
                    let done = rquickjs::Function::new(ctx.clone(), move || {
                        let (p, i) = home.clone();
                        weir_engine::sched::defer(move || {
                            if let Some(p) = p.upgrade() {
                                p.with_filter(i, |f, cx| {
                                    let any: &mut dyn std::any::Any = f;
                                    if let Some(w) = any.downcast_mut::<WaitFilter>() {
                                        w.release(cx);
                                    }
                                });
                            }
                        });
                    })
                    .map_err(|e| e.to_string())?;
                    let then: rquickjs::Function = p.get("then").map_err(|e| e.to_string())?;
                    then.call::<_, Value>((rquickjs::function::This(p.clone()), done))
                        .map_err(|e| e.to_string())?;
                    return Ok(None);
                }
                Ok(Some(data_truthy(&v)))
            },
        );
        match r {
            Err(()) => Check::Failed,
            Ok(Some(true)) => Check::Yes,
            Ok(Some(false)) => Check::No,
            Ok(None) => Check::Pending,
        }
    }

    fn release(&mut self, cx: &FilterCx) {
        if self.open {
            return;
        }
        self.open = true;
        for e in std::mem::take(&mut self.held) {
            cx.output(e);
        }
    }

    fn poll(&mut self, cx: &FilterCx) {
        if self.open {
            return;
        }
        if self.awaiting {
            if self
                .timeout
                .is_some_and(|t| self.since.is_some_and(|s| s.elapsed() >= t))
            {
                self.release(cx);
            }
            return;
        }
        if self
            .timeout
            .is_some_and(|t| self.since.is_some_and(|s| s.elapsed() >= t))
        {
            self.release(cx);
            return;
        }
        match self.check(cx) {
            Check::Yes => self.release(cx),
            Check::Failed => {
                self.open = true;
                self.held.clear();
                cx.output(Event::end(Some(weir_engine::ErrorCode::RuntimeError)));
            }
            Check::No => self.start_polling(cx),
            Check::Pending => {
                self.awaiting = true;
                if self.timeout.is_some() {
                    self.start_polling(cx);
                }
            }
        }
    }

    fn start_polling(&mut self, cx: &FilterCx) {
        if self.polling {
            return;
        }
        self.polling = true;
        let (p, i) = cx.home();
        let guard = Activity::new();
        tokio::task::spawn_local(async move {
            let _guard = guard;
            loop {
                tokio::time::sleep(Duration::from_millis(10)).await;
                let Some(pipeline) = p.upgrade() else { return };
                let mut done = true;
                pipeline.with_filter(i, |f, cx| {
                    let any: &mut dyn std::any::Any = f;
                    if let Some(w) = any.downcast_mut::<WaitFilter>() {
                        w.poll(cx);
                        done = w.open;
                    }
                });
                if done {
                    return;
                }
            }
        });
    }
}

impl Filter for WaitFilter {
    fn process(&mut self, cx: &FilterCx, evt: Event) {
        if self.open {
            cx.output(evt);
            return;
        }
        self.held.push(evt);
        if self.since.is_none() {
            self.since = Some(Instant::now());
        }
        self.poll(cx);
    }
}
