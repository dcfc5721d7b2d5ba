//! `handleMessageBody(fn(body), {bufferLimit})`, `replaceMessageBody(x | fn(body),
//! {bufferLimit})` and `split(separator)`.
//!
//! The body filters buffer the Data of each message (up to `bufferLimit` bytes; the rest
//! is dropped, with a warning) and, at its `MessageEnd`, show it to the callback as one
//! Data. `handleMessageBody` then passes the body on; `replaceMessageBody` outputs what
//! the callback returned (a Data, a string, events, or nothing for an empty body) instead,
//! or the fixed replacement. A returned Promise pauses the stream until it settles. The
//! `MessageStart` passes through at once; Data outside messages passes untouched; a
//! message cut short by `StreamEnd` loses its body.
//!
//! Consumes: every event. Emits: the input with each message body handled or replaced;
//! `StreamEnd('RuntimeError')` if a callback fails.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use rquickjs::{Ctx, Function, Result, Value};
use weir_engine::filters::split::{Separator, Split, MAX_SEPARATOR};
use weir_engine::{Data, ErrorCode, Event, Filter, FilterCx, FilterFactory, Pipeline};

use crate::api::data::{new_data, to_data, JsData};
use crate::config::{throw, Builder};
use crate::js::Callback;
use crate::value::{push_events, type_name};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Handle,
    Replace,
}

#[derive(Clone)]
enum Action {
    Call(Callback),
    Fixed(Vec<Event>),
}

pub struct MessageBody {
    method: &'static str,
    mode: Mode,
    action: Action,
    limit: Option<usize>,
}

pub fn add<'js>(
    ctx: &Ctx<'js>,
    b: &Rc<Builder>,
    method: &'static str,
    mode: Mode,
    args: &[Value<'js>],
) -> Result<()> {
    let arg = args
        .first()
        .cloned()
        .unwrap_or_else(|| Value::new_undefined(ctx.clone()));
    let action = match arg.as_function() {
        Some(f) => Action::Call(Callback::new(ctx, f.clone())),
        None if mode == Mode::Handle => {
            return Err(throw(ctx, format!("{method}(): expected a function")))
        }
        None => Action::Fixed(
            body_events(ctx, arg).map_err(|e| throw(ctx, format!("{method}(): {e}")))?,
        ),
    };
    let limit = match args.get(1).and_then(|v| v.as_object()) {
        Some(o) => crate::opts::size(ctx, o, "bufferLimit", method)?.map(|n| n as usize),
        None => None,
    };
    b.add(
        ctx,
        method,
        Rc::new(MessageBody {
            method,
            mode,
            action,
            limit,
        }),
    )
}

/// A replacement body as events: a Data, a string, events, or nothing.
fn body_events<'js>(ctx: &Ctx<'js>, v: Value<'js>) -> std::result::Result<Vec<Event>, String> {
    if v.is_string() || rquickjs::Class::<JsData>::from_value(&v).is_ok() {
        let d = to_data(ctx, &v).map_err(|e| e.to_string())?;
        return Ok(if d.is_empty() {
            Vec::new()
        } else {
            vec![Event::Data(d)]
        });
    }
    let mut events = Vec::new();
    push_events(ctx, v, &mut events)?;
    Ok(events)
}

impl FilterFactory for MessageBody {
    fn name(&self) -> &str {
        self.method
    }
    fn create(&self) -> Box<dyn Filter> {
        Box::new(BodyFilter {
            method: self.method,
            mode: self.mode,
            action: self.action.clone(),
            limit: self.limit,
            body: None,
            paused: None,
            failed: false,
        })
    }
}

/// A message waiting for its callback's promise.
struct Paused {
    body: Data,
    end: Event,
    /// Input that arrived meanwhile.
    queued: Vec<Event>,
}

pub struct BodyFilter {
    method: &'static str,
    mode: Mode,
    action: Action,
    limit: Option<usize>,
    /// The body of the message being read (`None` outside messages).
    body: Option<Data>,
    /// While a promise is pending.
    paused: Option<Paused>,
    failed: bool,
}

impl BodyFilter {
    fn fail(&mut self, cx: &FilterCx) {
        if !self.failed {
            self.failed = true;
            self.paused = None;
            cx.output(Event::end(Some(ErrorCode::RuntimeError)));
        }
    }

    fn push(&mut self, d: Data) {
        let Some(body) = self.body.as_mut() else {
            return;
        };
        match self.limit {
            Some(limit) if body.len() + d.len() > limit => {
                let room = limit.saturating_sub(body.len());
                if room > 0 {
                    body.push(d.slice(..room));
                }
                tracing::warn!(
                    "[{}] message body over bufferLimit ({limit} bytes), truncated",
                    self.method
                );
            }
            _ => body.push(d),
        }
    }

    /// At a `MessageEnd`: the callback, then the body (or its replacement), then `end`.
    fn finish(&mut self, cx: &FilterCx, body: Data, end: Event) {
        let cb = match &self.action {
            Action::Fixed(events) => {
                for e in events.clone() {
                    cx.output(e);
                }
                cx.output(end);
                return;
            }
            Action::Call(cb) => cb.clone(),
        };
        let mode = self.mode;
        let home = cx.home();
        let arg = body.clone();
        let outcome = cb.call(
            cx.context(),
            self.method,
            move |ctx| Ok(vec![new_data(ctx, arg)?]),
            move |ctx, v| {
                if let Some(p) = v.as_promise() {
                    when_settled(ctx, p, home, mode).map_err(|e| e.to_string())?;
                    return Ok(None);
                }
                match mode {
                    Mode::Handle => Ok(Some(Vec::new())),
                    Mode::Replace => body_events(ctx, v.clone()).map(Some).map_err(|_| {
                        format!(
                            "expected a Data or events to be returned, not {}",
                            type_name(&v)
                        )
                    }),
                }
            },
        );
        match outcome {
            Err(()) => self.fail(cx),
            Ok(Some(events)) => self.resume_with(cx, body, events, end),
            Ok(None) => {
                self.paused = Some(Paused {
                    body,
                    end,
                    queued: Vec::new(),
                });
            }
        }
    }

    fn resume_with(&mut self, cx: &FilterCx, body: Data, replacement: Vec<Event>, end: Event) {
        match self.mode {
            Mode::Handle if !body.is_empty() => cx.output(Event::Data(body)),
            Mode::Handle => {}
            Mode::Replace => {
                for e in replacement {
                    cx.output(e);
                }
            }
        }
        cx.output(end);
    }

    fn settled(&mut self, cx: &FilterCx, result: std::result::Result<Vec<Event>, ()>) {
        let Some(paused) = self.paused.take() else {
            return;
        };
        let Ok(replacement) = result else {
            return self.fail(cx);
        };
        self.resume_with(cx, paused.body, replacement, paused.end);
        for e in paused.queued {
            self.process_one(cx, e);
        }
    }

    fn process_one(&mut self, cx: &FilterCx, evt: Event) {
        if self.failed {
            return;
        }
        if let Some(p) = self.paused.as_mut() {
            p.queued.push(evt);
            return;
        }
        match evt {
            Event::MessageStart(_) => {
                self.body = Some(Data::new());
                cx.output(evt);
            }
            Event::Data(d) if self.body.is_some() => self.push(d),
            Event::MessageEnd(_) => match self.body.take() {
                Some(body) => self.finish(cx, body, evt),
                None => cx.output(evt),
            },
            Event::StreamEnd(_) => {
                self.body = None;
                cx.output(evt);
            }
            Event::Data(_) => cx.output(evt),
        }
    }
}

impl Filter for BodyFilter {
    fn process(&mut self, cx: &FilterCx, evt: Event) {
        self.process_one(cx, evt);
    }
}

type Home = Rc<RefCell<Option<(Weak<Pipeline>, usize)>>>;

/// Resumes the body filter at `home` once `p` settles.
fn when_settled<'js>(
    ctx: &Ctx<'js>,
    p: &rquickjs::Promise<'js>,
    home: (Weak<Pipeline>, usize),
    mode: Mode,
) -> Result<()> {
    let home: Home = Rc::new(RefCell::new(Some(home)));
    let h1 = home.clone();
    let on_ok = Function::new(ctx.clone(), move |ctx: Ctx<'js>, v: Value<'js>| {
        let result = match mode {
            Mode::Handle => Ok(Vec::new()),
            Mode::Replace => body_events(&ctx, v).map_err(|e| {
                tracing::error!(
                    "[script] the promise resolved to something that is not a body: {e}"
                );
            }),
        };
        settle(&h1, result);
    })?;
    let on_err = Function::new(ctx.clone(), move |v: Value<'js>| {
        let why = v
            .as_object()
            .and_then(|o| o.get::<_, String>("message").ok())
            .unwrap_or_else(|| type_name(&v));
        tracing::error!("[script] promise rejected: {why}");
        settle(&home, Err(()));
    })?;
    let then: Function = p.get("then")?;
    then.call::<_, Value>((rquickjs::function::This(p.clone()), on_ok, on_err))?;
    Ok(())
}

fn settle(home: &Home, result: std::result::Result<Vec<Event>, ()>) {
    let Some((pipeline, index)) = home.borrow_mut().take() else {
        return;
    };
    weir_engine::sched::defer(move || {
        if let Some(p) = pipeline.upgrade() {
            p.with_filter(index, |f, cx| {
                let any: &mut dyn std::any::Any = f;
                if let Some(f) = any.downcast_mut::<BodyFilter>() {
                    f.settled(cx, result);
                }
            });
        }
    });
}

/// `split(separator | fn)`: a string, a Data, or a function returning either per run.
pub fn split<'js>(ctx: &Ctx<'js>, b: &Rc<Builder>, args: &[Value<'js>]) -> Result<()> {
    let v = args
        .first()
        .filter(|v| !v.is_undefined() && !v.is_null())
        .ok_or_else(|| {
            throw(
                ctx,
                "split(): expected a separator (a string, a Data or a function)",
            )
        })?;
    let separator = match v.as_function() {
        Some(f) => {
            let cb = Callback::new(ctx, f.clone());
            Separator::Dynamic(Rc::new(move |cx| {
                cb.call(
                    cx.context(),
                    "split()",
                    |_| Ok(Vec::new()),
                    |ctx, v| separator_bytes(ctx, &v),
                )
            }))
        }
        None => {
            let bytes = separator_bytes(ctx, v).map_err(|e| throw(ctx, format!("split(): {e}")))?;
            if bytes.is_empty() || bytes.len() > MAX_SEPARATOR {
                return Err(throw(
                    ctx,
                    format!("split(): the separator must be 1 to {MAX_SEPARATOR} bytes long"),
                ));
            }
            Separator::Fixed(bytes.into())
        }
    };
    b.add(ctx, "split", Rc::new(Split { separator }))
}

fn separator_bytes<'js>(ctx: &Ctx<'js>, v: &Value<'js>) -> std::result::Result<Vec<u8>, String> {
    let _ = ctx;
    if let Ok(d) = rquickjs::Class::<JsData>::from_value(v) {
        return Ok(d.borrow().data.to_vec());
    }
    if let Some(s) = v.as_string() {
        return Ok(s.to_string().map_err(|e| e.to_string())?.into_bytes());
    }
    match v.as_number() {
        Some(n) => Ok(format!("{n}").into_bytes()),
        None => Err(format!(
            "expected a string or a Data as the separator, not {}",
            type_name(v)
        )),
    }
}
