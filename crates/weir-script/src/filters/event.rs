//! `handle*`, `replace*`, `onStart` and `insert`: filters that show one kind of event (or a
//! whole message) to a script callback.
//!
//! - `handleX(fn)` calls `fn(evt)` and passes the event on; if `fn` returns a Promise the
//!   stream pauses (later events wait) until it settles.
//! - `replaceX(x)` outputs `x` (events, or `x(evt)`'s result, or a Promise of them) instead
//!   of the event; `replaceX()` with no argument drops it.
//! - `onStart(x)` outputs `x` (or `x()`'s result) when the pipeline starts.
//! - `insert(x)` outputs `x` before the first input event.
//!
//! Consumes: every event. Emits: the input, with the matching events handled/replaced.

use std::cell::RefCell;
use std::rc::Rc;

use rquickjs::{Ctx, Function, Promise, Result, Value};
use weir_engine::{ErrorCode, Event, EventKind, Filter, FilterCx, FilterFactory, MessageReader};

use crate::config::{throw, Builder};
use crate::js::Callback;
use crate::value::{event_to_js, message_to_js, push_events, to_output, type_name, Output};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Start,
    StreamStart,
    Data,
    MessageStart,
    Message,
    MessageEnd,
    StreamEnd,
    /// Every event (`handle`, `replace`).
    Any,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Handle,
    Replace,
    Insert,
}

#[derive(Clone)]
enum Action {
    Call(Callback),
    Events(Vec<Event>),
}

pub struct EventFactory {
    method: &'static str,
    kind: Kind,
    mode: Mode,
    action: Action,
    buffer_limit: Option<usize>,
}

pub fn add<'js>(
    ctx: &Ctx<'js>,
    b: &Rc<Builder>,
    method: &'static str,
    kind: Kind,
    mode: Mode,
    args: &[Value<'js>],
) -> Result<()> {
    let arg = args
        .first()
        .cloned()
        .unwrap_or_else(|| Value::new_undefined(ctx.clone()));
    let action = if let Some(f) = arg.as_function() {
        Action::Call(Callback::new(ctx, f.clone()))
    } else if mode == Mode::Handle {
        return Err(throw(ctx, format!("{method}(): expected a function")));
    } else {
        let mut events = Vec::new();
        push_events(ctx, arg, &mut events).map_err(|e| throw(ctx, format!("{method}(): {e}")))?;
        Action::Events(events)
    };
    let buffer_limit = match args.get(1).and_then(|v| v.as_object()) {
        Some(o) => crate::opts::size(ctx, o, "bufferLimit", method)?.map(|n| n as usize),
        None => None,
    };
    b.add(
        ctx,
        method,
        Rc::new(EventFactory {
            method,
            kind,
            mode,
            action,
            buffer_limit,
        }),
    )
}

impl FilterFactory for EventFactory {
    fn name(&self) -> &str {
        self.method
    }
    fn create(&self) -> Box<dyn Filter> {
        Box::new(EventFilter {
            method: self.method,
            kind: self.kind,
            mode: self.mode,
            action: self.action.clone(),
            reader: MessageReader::new(self.buffer_limit),
            held: Vec::new(),
            started: false,
            paused: None,
            ended: false,
        })
    }
}

struct Paused {
    after: Vec<Event>,
    queued: Vec<Event>,
}

pub struct EventFilter {
    method: &'static str,
    kind: Kind,
    mode: Mode,
    action: Action,
    reader: MessageReader,
    /// Events of the message being collected (handleMessage passes them on afterwards).
    held: Vec<Event>,
    started: bool,
    /// While a promise is pending: what to pass on after it, and input that arrived meanwhile.
    paused: Option<Paused>,
    ended: bool,
}

impl EventFilter {
    fn matches(&mut self, evt: &Event) -> bool {
        match self.kind {
            Kind::Start => false,
            Kind::StreamStart => !std::mem::replace(&mut self.started, true),
            Kind::Data => evt.kind() == EventKind::Data,
            Kind::MessageStart => evt.kind() == EventKind::MessageStart,
            Kind::MessageEnd => evt.kind() == EventKind::MessageEnd,
            Kind::StreamEnd => evt.kind() == EventKind::StreamEnd,
            Kind::Any => true,
            Kind::Message => false,
        }
    }

    fn fail(&mut self, cx: &FilterCx) {
        if !self.ended {
            self.ended = true;
            self.paused = None;
            cx.output(Event::end(Some(ErrorCode::RuntimeError)));
        }
    }

    /// Runs the action on `subject` (an event, a message or nothing for onStart); `after`
    /// are the events to pass on once it is done (handle mode).
    fn act(&mut self, cx: &FilterCx, subject: Subject, after: Vec<Event>) {
        let cb = match &self.action {
            Action::Events(events) => {
                let events = events.clone();
                if self.mode == Mode::Insert {
                    out_all(cx, events);
                    out_all(cx, after);
                } else {
                    out_all(cx, events);
                }
                return;
            }
            Action::Call(cb) => cb.clone(),
        };
        let mode = self.mode;
        let method = self.method;
        let home = cx.home();
        let pipeline = cx.pipeline.clone();
        let outcome = cb.call(
            cx.context(),
            method,
            |ctx| {
                Ok(match &subject {
                    Subject::None if mode == Mode::Replace => {
                        vec![crate::value::start_arg(ctx, &pipeline)?]
                    }
                    Subject::None => Vec::new(),
                    Subject::Event(e) => vec![event_to_js(ctx, e)?],
                    Subject::Message(m) => vec![message_to_js(ctx, m)?],
                })
            },
            |ctx, v| {
                if let Some(p) = v.as_promise() {
                    watch(ctx, p.clone(), home.clone(), mode)?;
                    return Ok(None);
                }
                if mode == Mode::Handle {
                    return Ok(Some(Vec::new()));
                }
                match to_output(ctx, v.clone()) {
                    Ok(Output::Events(ev)) => Ok(Some(ev)),
                    Ok(Output::Promise(_)) => Ok(None),
                    Err(_) => Err(format!(
                        "{method}(): expected events to be returned, not {}",
                        type_name(&v)
                    )),
                }
            },
        );
        match outcome {
            Err(()) => self.fail(cx),
            Ok(Some(events)) => {
                out_all(cx, events);
                if mode != Mode::Replace {
                    out_all(cx, after);
                }
            }
            Ok(None) => {
                // Paused: `after` goes out when the promise settles.
                let after = if mode == Mode::Replace {
                    Vec::new()
                } else {
                    after
                };
                self.paused = Some(Paused {
                    after,
                    queued: Vec::new(),
                });
            }
        }
    }

    /// A promise returned by the callback has settled.
    fn resume(&mut self, cx: &FilterCx, result: std::result::Result<Vec<Event>, ()>) {
        let Some(paused) = self.paused.take() else {
            return;
        };
        match result {
            Err(()) => self.fail(cx),
            Ok(events) => {
                if self.mode == Mode::Replace {
                    out_all(cx, events);
                }
                out_all(cx, paused.after);
                for e in paused.queued {
                    self.process_inner(cx, e);
                }
            }
        }
    }

    fn process_inner(&mut self, cx: &FilterCx, evt: Event) {
        if self.ended {
            return;
        }
        if let Some(p) = self.paused.as_mut() {
            p.queued.push(evt);
            return;
        }
        if self.kind == Kind::Message {
            let in_msg = self.reader.in_message() || matches!(evt, Event::MessageStart(_));
            let done = self.reader.read(&evt);
            if !in_msg {
                cx.output(evt);
                return;
            }
            if self.mode == Mode::Handle {
                self.held.push(evt);
            }
            if let Some(msg) = done {
                let after = std::mem::take(&mut self.held);
                self.act(cx, Subject::Message(msg), after);
            } else if matches!(self.held.last(), Some(Event::StreamEnd(_))) {
                let held = std::mem::take(&mut self.held);
                out_all(cx, held);
            }
            return;
        }
        if self.matches(&evt) {
            match self.mode {
                Mode::Handle => self.act(cx, Subject::Event(evt.clone()), vec![evt]),
                Mode::Insert => self.act(cx, Subject::None, vec![evt]),
                Mode::Replace => self.act(cx, Subject::Event(evt), Vec::new()),
            }
        } else {
            cx.output(evt);
        }
    }
}

enum Subject {
    None,
    Event(Event),
    Message(weir_engine::Message),
}

fn out_all(cx: &FilterCx, events: Vec<Event>) {
    for e in events {
        cx.output(e);
    }
}

impl Filter for EventFilter {
    fn on_start(&mut self, cx: &FilterCx) {
        if self.kind == Kind::Start {
            self.act(cx, Subject::None, Vec::new());
        }
    }

    fn process(&mut self, cx: &FilterCx, evt: Event) {
        self.process_inner(cx, evt);
    }
}

/// Resumes the filter at `home` when `promise` settles; a fulfilled value becomes events in
/// replace mode, a rejection ends the stream with `RuntimeError`.
fn watch<'js>(
    ctx: &Ctx<'js>,
    promise: Promise<'js>,
    home: (std::rc::Weak<weir_engine::Pipeline>, usize),
    mode: Mode,
) -> std::result::Result<(), String> {
    let home = Rc::new(RefCell::new(Some(home)));
    let h1 = home.clone();
    let on_ok = Function::new(ctx.clone(), move |ctx: Ctx<'js>, v: Value<'js>| {
        let events = if mode == Mode::Replace {
            let mut ev = Vec::new();
            match push_events(&ctx, v.clone(), &mut ev) {
                Ok(()) => Ok(ev),
                Err(e) => {
                    tracing::error!(
                        "[script] promise resolved to something that is not events: {e}"
                    );
                    Err(())
                }
            }
        } else {
            Ok(Vec::new())
        };
        settle(&h1, events);
    })
    .map_err(|e| e.to_string())?;
    let h2 = home;
    let on_err = Function::new(ctx.clone(), move |ctx: Ctx<'js>, v: Value<'js>| {
        let what = v
            .as_object()
            .and_then(|o| o.get::<_, String>("message").ok())
            .unwrap_or_else(|| type_name(&v));
        let _ = ctx;
        tracing::error!("[script] promise rejected: {what}");
        settle(&h2, Err(()));
    })
    .map_err(|e| e.to_string())?;
    let then: Function = promise.get("then").map_err(|e| e.to_string())?;
    then.call::<_, Value>((rquickjs::function::This(promise), on_ok, on_err))
        .map_err(|e| e.to_string())?;
    Ok(())
}

type Home = Rc<RefCell<Option<(std::rc::Weak<weir_engine::Pipeline>, usize)>>>;

fn settle(home: &Home, result: std::result::Result<Vec<Event>, ()>) {
    let Some((pipeline, index)) = home.borrow_mut().take() else {
        return;
    };
    weir_engine::sched::defer(move || {
        if let Some(p) = pipeline.upgrade() {
            p.with_filter(index, |f, cx| {
                let any: &mut dyn std::any::Any = f;
                if let Some(f) = any.downcast_mut::<EventFilter>() {
                    f.resume(cx, result);
                }
            });
        }
    });
}
