//! `muxHTTP(key?, options).to(...)`: the client side of HTTP/1.
//!
//! Requests from many streams share upstream *sessions*: one sub-pipeline (usually a
//! `connect`) per session key, created with the context of the stream that first needed it.
//! The default key is the inbound connection, so each client connection gets its own
//! upstream connection; `muxHTTP(() => 1)` shares one per thread. Requests are written one
//! after another; responses are decoded and handed back in the same order. When the
//! session fails, each request still waiting gets a response made from the error (502, or
//! 504 for timeouts) — or, if its response had already started, a `StreamEnd`.
//!
//! Tunnels: a CONNECT or upgrade request takes its session out of the pool. Data that
//! follows the request in the stream is held until the answer; a 2xx to CONNECT or a 101
//! opens the tunnel (held and later Data go upstream raw, upstream bytes come back as Data
//! after the response, the upstream's end ends the stream); any other answer drops it.
//!
//! Consumes: whole request messages (then Data, in a tunnel). Emits: response messages,
//! then `StreamEnd` once the input has ended and every response is out.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::{Rc, Weak};
use std::time::{Duration, Instant};

use weir_codec::http1::{ResponseDecoder, ResponseFor};

use super::{decode_responses, HttpOptions};
use crate::event::{ErrorCode, Event, MessageStart};
use crate::http::{
    settle_request, status_for_error, status_head, with_request, with_response, EncodeFor,
    MessageEncoder,
};
use crate::pipeline::{Filter, FilterCx, FilterFactory, LayoutRef, Pipeline};
use crate::sched::{self, EventSink, Target};
use crate::{Context, Data};

/// Which session a request goes to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SessionKey {
    /// A stream's root context (the default: per inbound connection).
    Context(u64),
    Int(i64),
    Str(String),
}

/// Computes the key for a request (`Err`: the script failed, already logged).
pub type KeyFn = Rc<dyn Fn(&FilterCx, &Event) -> Result<SessionKey, ()>>;

#[derive(Clone, Debug)]
pub struct MuxOptions {
    pub http: HttpOptions,
    /// Close a session after this long with no request waiting. Default 10 s.
    pub max_idle: Duration,
    /// Retire a session after this many requests. Default: no limit.
    pub max_messages: Option<usize>,
}

impl Default for MuxOptions {
    fn default() -> Self {
        MuxOptions {
            http: HttpOptions::default(),
            max_idle: Duration::from_secs(10),
            max_messages: None,
        }
    }
}

/// Sessions by key. foldhash rather than the default SipHash: the lookup runs once per
/// request, and the keys (string keys may come from request data) get a per-process seed.
type Sessions = foldhash::HashMap<SessionKey, Rc<Session>>;
type Pool = Rc<RefCell<Sessions>>;

thread_local! {
    /// Every session of this thread, to close the idle ones at shutdown.
    static SESSIONS: RefCell<Vec<Weak<Session>>> = const { RefCell::new(Vec::new()) };
    /// Shutting down: sessions close as soon as they are idle.
    static DRAINING: Cell<bool> = const { Cell::new(false) };
}

/// Closes every upstream session that has no request waiting (graceful shutdown: idle
/// keep-alive connections must not hold the worker for `maxIdle`).
pub fn close_idle_sessions() {
    DRAINING.with(|d| d.set(true));
    let sessions: Vec<Rc<Session>> =
        SESSIONS.with(|s| s.borrow().iter().filter_map(|w| w.upgrade()).collect());
    for s in sessions {
        s.close_idle();
    }
}

pub struct MuxHttp {
    pub layout: Rc<LayoutRef>,
    pub key: Option<KeyFn>,
    pub options: Rc<MuxOptions>,
    /// This filter's sessions (per worker thread; recipes never cross threads).
    pool: Pool,
}

impl MuxHttp {
    pub fn new(layout: Rc<LayoutRef>, key: Option<KeyFn>, options: MuxOptions) -> MuxHttp {
        MuxHttp {
            layout,
            key,
            options: Rc::new(options),
            pool: Rc::new(RefCell::new(Sessions::default())),
        }
    }
}

impl FilterFactory for MuxHttp {
    fn name(&self) -> &str {
        "muxHTTP"
    }
    fn create(&self) -> Box<dyn Filter> {
        Box::new(MuxFilter {
            layout: self.layout.clone(),
            key: self.key.clone(),
            options: self.options.clone(),
            pool: self.pool.clone(),
            request: Vec::new(),
            session: None,
            tunnel: None,
            pending: 0,
            input_ended: false,
            ended: false,
        })
    }
    fn subs(&self) -> Vec<Rc<LayoutRef>> {
        vec![self.layout.clone()]
    }
}

struct MuxFilter {
    layout: Rc<LayoutRef>,
    key: Option<KeyFn>,
    options: Rc<MuxOptions>,
    pool: Pool,
    /// The request being collected.
    request: Vec<Event>,
    /// The session of the last request, kept until its response is in.
    session: Option<Rc<Session>>,
    /// The session carrying this stream's tunnel (CONNECT or upgrade request sent).
    tunnel: Option<Rc<Session>>,
    /// Responses still to come.
    pending: usize,
    input_ended: bool,
    ended: bool,
}

impl MuxFilter {
    fn session(&self, cx: &FilterCx, key: SessionKey) -> Option<Rc<Session>> {
        let existing = self.pool.borrow().get(&key).cloned();
        if let Some(s) = existing {
            if !s.closed.get() && !s.retired.get() {
                return Some(s);
            }
        }
        let layout = self.layout.get()?.clone();
        let session = Session::start(
            &layout,
            cx.context().clone(),
            key.clone(),
            &self.pool,
            self.options.clone(),
        );
        self.pool.borrow_mut().insert(key, session.clone());
        Some(session)
    }

    fn submit(&mut self, cx: &FilterCx) {
        // The buffer is drained, not replaced: its capacity serves the next request.
        let mut events = std::mem::take(&mut self.request);
        self.submit_events(cx, &mut events);
        events.clear();
        self.request = events;
    }

    fn submit_events(&mut self, cx: &FilterCx, events: &mut Vec<Event>) {
        if let Some(Event::MessageStart(m)) = events.first_mut() {
            settle_request(&mut m.head);
        }
        let Some(first) = events.first() else { return };
        let key = match &self.key {
            None => Ok(SessionKey::Context(cx.context().root_id)),
            Some(f) => f(cx, first),
        };
        let Ok(key) = key else {
            self.pending += 1;
            reply_error(&self.reply_target(cx), ErrorCode::RuntimeError);
            return;
        };
        self.pending += 1;
        let tunnel = match events.first() {
            Some(Event::MessageStart(m)) => {
                with_request(&m.head, |h| h.method == "CONNECT" || h.is_upgrade())
            }
            _ => false,
        };
        match self.session(cx, key) {
            Some(s) => {
                s.send(events, self.reply_target(cx), tunnel);
                if tunnel {
                    s.retire();
                    self.tunnel = Some(s.clone());
                }
                self.session = Some(s);
            }
            None => reply_error(&self.reply_target(cx), ErrorCode::RuntimeError),
        }
    }

    fn reply_target(&self, cx: &FilterCx) -> Target {
        Target::Sub(Rc::downgrade(cx.pipeline), cx.index, 0)
    }

    fn maybe_end(&mut self, cx: &FilterCx) {
        // An open (or opening) tunnel ends when the upstream does.
        if self.tunnel.as_ref().is_some_and(|s| s.tunnel_alive()) {
            return;
        }
        if self.input_ended && self.pending == 0 && !self.ended {
            self.ended = true;
            cx.output(Event::end(None));
        }
    }
}

impl Filter for MuxFilter {
    fn process(&mut self, cx: &FilterCx, evt: Event) {
        match evt {
            Event::MessageStart(_) => {
                self.request.clear();
                self.request.push(evt);
            }
            Event::Data(_) => {
                if !self.request.is_empty() {
                    self.request.push(evt);
                } else if let Some(s) = &self.tunnel {
                    s.tunnel_input(evt);
                }
            }
            Event::MessageEnd(_) => {
                if !self.request.is_empty() {
                    self.request.push(evt);
                    self.submit(cx);
                }
            }
            Event::StreamEnd(_) => {
                self.input_ended = true;
                self.request.clear();
                if let Some(s) = &self.tunnel {
                    s.tunnel_input(evt);
                }
                self.maybe_end(cx);
            }
        }
    }

    fn takes_direct_input(&self) -> bool {
        // A key function is JS run per request; without one, a request is collected and
        // handed to a session, and what that sends on is queued. (A session's pipeline,
        // when one starts, runs its start hooks as it would from the queue.)
        self.key.is_none()
    }

    fn reset(&mut self) -> bool {
        // Only between requests, with every response in and no tunnel.
        if self.pending != 0 || self.tunnel.is_some() || self.ended {
            return false;
        }
        self.request.clear();
        self.session = None;
        self.input_ended = false;
        true
    }

    fn on_sub_event(&mut self, cx: &FilterCx, _key: usize, evt: Event) {
        let done = matches!(evt, Event::MessageEnd(_) | Event::StreamEnd(_));
        if let Event::StreamEnd(_) = &evt {
            // The response was cut off after it started: pass the error on.
            self.pending = self.pending.saturating_sub(1);
            if !self.ended {
                self.ended = true;
                cx.output(evt);
            }
            return;
        }
        cx.output(evt);
        if done {
            self.pending = self.pending.saturating_sub(1);
            self.maybe_end(cx);
        }
    }
}

fn reply_error(target: &Target, code: ErrorCode) {
    let status = status_for_error(Some(code));
    sched::emit(
        target,
        Event::MessageStart(MessageStart {
            head: Some(status_head(status)),
        }),
    );
    sched::emit(target, Event::MessageEnd(Default::default()));
}

struct Waiter {
    reply: Target,
    started: bool,
    /// A copy of a pipelined request (sent while others were waiting), to send again on a
    /// new connection if the upstream closes before answering it.
    resend: Option<(Data, ResponseFor)>,
    /// Answers a CONNECT / upgrade request.
    tunnel: bool,
}

/// A session's tunnel, from the CONNECT / upgrade request on.
enum Tunnel {
    None,
    /// Waiting for the answer: the stream's Data so far, and whether its input has ended.
    Pending(Data, bool),
    /// Open: upstream bytes go to this stream.
    Open(Target),
    /// Refused, or ended.
    Closed,
}

/// One upstream session: a sub-pipeline, the requests written to it and the responses due.
struct Session {
    key: SessionKey,
    pool: Weak<RefCell<Sessions>>,
    options: Rc<MuxOptions>,
    pipeline: RefCell<Option<Rc<Pipeline>>>,
    encoder: RefCell<MessageEncoder>,
    decoder: RefCell<ResponseDecoder>,
    waiters: RefCell<VecDeque<Waiter>>,
    sent: Cell<usize>,
    closed: Cell<bool>,
    retired: Cell<bool>,
    /// When the last response finished (the idle clock).
    idle_since: Cell<Instant>,
    /// The session's one idle-timer task is running.
    timer: Cell<bool>,
    /// Handling an event from the pipeline (its sink then queues the next one).
    in_output: Cell<bool>,
    /// Skipping an interim (1xx) response.
    interim: Cell<bool>,
    tunnel: RefCell<Tunnel>,
    /// The response being read says the upstream closes after it.
    closing: Cell<bool>,
    /// To start a successor session for requests the upstream will not answer.
    layout: Rc<crate::Layout>,
    ctx: Rc<Context>,
    /// What the decoder made of the last upstream bytes (kept for its capacity).
    decoded: RefCell<Vec<Event>>,
}

impl Session {
    fn start(
        layout: &Rc<crate::Layout>,
        ctx: Rc<Context>,
        key: SessionKey,
        pool: &Pool,
        options: Rc<MuxOptions>,
    ) -> Rc<Session> {
        let session = Rc::new(Session {
            key,
            pool: Rc::downgrade(pool),
            encoder: RefCell::new(MessageEncoder::new(true, options.http.buffer_size)),
            decoder: RefCell::new(ResponseDecoder::new(options.http.limits)),
            options,
            pipeline: RefCell::new(None),
            waiters: RefCell::new(VecDeque::new()),
            sent: Cell::new(0),
            closed: Cell::new(false),
            retired: Cell::new(false),
            idle_since: Cell::new(Instant::now()),
            timer: Cell::new(false),
            in_output: Cell::new(false),
            interim: Cell::new(false),
            tunnel: RefCell::new(Tunnel::None),
            closing: Cell::new(false),
            layout: layout.clone(),
            ctx: ctx.clone(),
            decoded: RefCell::new(Vec::new()),
        });
        SESSIONS.with(|s| {
            let mut s = s.borrow_mut();
            s.retain(|w| w.strong_count() > 0);
            s.push(Rc::downgrade(&session));
        });
        let p = layout.instantiate(ctx);
        p.set_output(Target::Sink(Rc::new(SessionSink(Rc::downgrade(&session)))));
        *session.pipeline.borrow_mut() = Some(p.clone());
        p.start();
        session
    }

    fn send(self: &Rc<Self>, events: &mut Vec<Event>, reply: Target, tunnel: bool) {
        let (head_request, connect) = match events.first() {
            Some(Event::MessageStart(m)) => {
                with_request(&m.head, |h| (h.method == "HEAD", h.method == "CONNECT"))
            }
            _ => (false, false),
        };
        if tunnel {
            *self.tunnel.borrow_mut() = Tunnel::Pending(Data::new(), false);
        }
        let how = EncodeFor {
            head_request: false,
            keep_alive: true,
            connect: false,
        };
        let mut out = Data::new();
        {
            let mut enc = self.encoder.borrow_mut();
            for e in events.drain(..) {
                match e {
                    Event::MessageStart(m) => enc.start(m.head),
                    Event::Data(d) => enc.data(d, how, &mut out),
                    Event::MessageEnd(_) => enc.end(how, &mut out),
                    Event::StreamEnd(_) => {}
                }
            }
        }
        let answers = ResponseFor {
            head_request,
            connect,
        };
        self.send_encoded(out, answers, reply, tunnel);
    }

    /// Sends an encoded request and queues the wait for its response.
    fn send_encoded(self: &Rc<Self>, out: Data, answers: ResponseFor, reply: Target, tunnel: bool) {
        self.decoder.borrow_mut().expect(answers);
        let resend = {
            let waiters = self.waiters.borrow();
            (!waiters.is_empty()).then(|| (out.clone(), answers))
        };
        self.waiters.borrow_mut().push_back(Waiter {
            reply,
            started: false,
            resend,
            tunnel,
        });
        self.sent.set(self.sent.get() + 1);
        if self
            .options
            .max_messages
            .is_some_and(|m| self.sent.get() >= m)
        {
            self.retire();
        }
        if let Some(p) = self.pipeline.borrow().as_ref() {
            // In place when the session's pipeline starts with `connect` (the usual case).
            // Everything the session sends into its pipeline goes this way, so that nothing
            // queued earlier can be overtaken.
            sched::emit_direct(&p.input(), Event::Data(out));
        }
    }

    /// The upstream closes after the response just delivered: the requests pipelined after
    /// it were not processed (RFC 9112 §9.6), so they go again on a new connection.
    fn hand_over_rest(self: &Rc<Self>) {
        let rest: Vec<Waiter> = self.waiters.borrow_mut().drain(..).collect();
        if rest.is_empty() {
            return;
        }
        let Some(pool) = self.pool.upgrade() else {
            for w in rest {
                reply_error(&w.reply, ErrorCode::ConnectionReset);
            }
            return;
        };
        let existing = pool.borrow().get(&self.key).cloned();
        let next = match existing {
            Some(s) if !s.closed.get() && !s.retired.get() && !Rc::ptr_eq(&s, self) => s,
            _ => {
                let s = Session::start(
                    &self.layout,
                    self.ctx.clone(),
                    self.key.clone(),
                    &pool,
                    self.options.clone(),
                );
                pool.borrow_mut().insert(self.key.clone(), s.clone());
                s
            }
        };
        for w in rest {
            match w.resend {
                Some((data, answers)) => {
                    if w.tunnel {
                        *next.tunnel.borrow_mut() = Tunnel::Pending(Data::new(), false);
                    }
                    next.send_encoded(data, answers, w.reply, w.tunnel)
                }
                None => reply_error(&w.reply, ErrorCode::ConnectionReset),
            }
        }
    }

    /// No new requests; closes once the last response is in.
    fn retire(self: &Rc<Self>) {
        self.retired.set(true);
        if let Some(pool) = self.pool.upgrade() {
            let mut pool = pool.borrow_mut();
            if pool.get(&self.key).is_some_and(|s| Rc::ptr_eq(s, self)) {
                pool.remove(&self.key);
            }
        }
        if self.waiters.borrow().is_empty() {
            self.shut();
        }
    }

    /// Ends the upstream side and forgets the pipeline.
    fn shut(&self) {
        if let Some(p) = self.pipeline.borrow_mut().take() {
            sched::emit_direct(&p.input(), Event::end(None));
            // Let the StreamEnd reach the pipeline before it is dropped.
            sched::defer(move || drop(p));
        }
    }

    fn deliver(self: &Rc<Self>, evt: Event) {
        if let Event::MessageStart(m) = &evt {
            let (status, keep_alive) = with_response(&m.head, |h| (h.status, h.keep_alive()));
            if (100..200).contains(&status) && status != 101 {
                self.interim.set(true);
                return;
            }
            if !keep_alive && status != 101 {
                // No new requests go to this connection.
                self.closing.set(true);
                self.retire();
            }
        }
        if self.interim.get() {
            if matches!(evt, Event::MessageEnd(_)) {
                self.interim.set(false);
            }
            return;
        }
        let end = matches!(evt, Event::MessageEnd(_));
        let (target, tunnel) = {
            let mut waiters = self.waiters.borrow_mut();
            let Some(front) = waiters.front_mut() else {
                return;
            };
            front.started = true;
            let t = front.reply.clone();
            let tunnel = front.tunnel;
            if end {
                waiters.pop_front();
            }
            (t, tunnel)
        };
        // To the stream's muxHTTP filter at once: it only passes the response on (queued,
        // in order), so the events of one read reach it in the same order as through the
        // queue, minus the round trips.
        sched::emit_now(&target, evt);
        if end && tunnel {
            self.settle_tunnel(target);
            if matches!(*self.tunnel.borrow(), Tunnel::Open(_)) {
                return;
            }
        }
        if end && self.closing.get() {
            self.hand_over_rest();
        }
        if end && self.waiters.borrow().is_empty() {
            if self.retired.get() {
                self.shut();
            } else if DRAINING.with(|d| d.get()) {
                self.close_idle();
            } else {
                self.idle_timer();
            }
        }
    }

    /// The answer to the tunnel request is complete: open the tunnel if the decoder has
    /// switched to raw bytes (101, 2xx to CONNECT), else drop what was held.
    fn settle_tunnel(self: &Rc<Self>, target: Target) {
        let open = self.decoder.borrow().is_tunnel();
        let was = std::mem::replace(
            &mut *self.tunnel.borrow_mut(),
            if open {
                Tunnel::Open(target)
            } else {
                Tunnel::Closed
            },
        );
        if !open {
            return;
        }
        if let Tunnel::Pending(held, ended) = was {
            let pipeline = self.pipeline.borrow().clone();
            if let Some(p) = pipeline {
                if !held.is_empty() {
                    sched::emit_direct(&p.input(), Event::Data(held));
                }
                if ended {
                    sched::emit_direct(&p.input(), Event::end(None));
                }
            }
        }
    }

    /// Data or the end of the stream that sent the tunnel request.
    fn tunnel_input(self: &Rc<Self>, evt: Event) {
        let overflow = match &mut *self.tunnel.borrow_mut() {
            Tunnel::Pending(held, ended) => match evt {
                Event::Data(d) => {
                    held.push(d);
                    held.len() > super::MAX_HELD
                }
                Event::StreamEnd(_) => {
                    *ended = true;
                    false
                }
                _ => false,
            },
            Tunnel::Open(_) => {
                if let Some(p) = self.pipeline.borrow().as_ref() {
                    sched::emit_direct(&p.input(), evt);
                }
                false
            }
            Tunnel::None | Tunnel::Closed => false,
        };
        if overflow {
            // The client did not wait for the answer: the tunnel cannot be carried.
            tracing::debug!("[http] too much data before a tunnel was answered");
            self.fail(Some(ErrorCode::BufferOverflow));
        }
    }

    /// The tunnel is waiting for its answer or open.
    fn tunnel_alive(&self) -> bool {
        matches!(*self.tunnel.borrow(), Tunnel::Pending(..) | Tunnel::Open(_))
    }

    /// Closes the session once it has been idle for `max_idle`. One task per session, started
    /// on the first idle moment; it does not keep the worker alive by itself.
    fn idle_timer(self: &Rc<Self>) {
        self.idle_since.set(Instant::now());
        if self.timer.replace(true) {
            return;
        }
        let me = Rc::downgrade(self);
        let idle = self.options.max_idle;
        tokio::task::spawn_local(async move {
            let mut wait = idle;
            loop {
                tokio::time::sleep(wait).await;
                let Some(s) = me.upgrade() else { return };
                if s.closed.get() {
                    return;
                }
                let quiet = s.idle_since.get().elapsed();
                if s.waiters.borrow().is_empty() && quiet >= idle {
                    sched::defer(move || s.close_idle());
                    return;
                }
                wait = idle.saturating_sub(quiet).max(Duration::from_millis(10));
            }
        });
    }

    fn close_idle(self: &Rc<Self>) {
        if self.waiters.borrow().is_empty() && !self.closed.get() && !self.tunnel_alive() {
            self.closed.set(true);
            self.retire();
            self.shut();
        }
    }

    fn fail(self: &Rc<Self>, code: Option<ErrorCode>) {
        self.closed.set(true);
        self.retire();
        self.pipeline.borrow_mut().take();
        let tunnel = std::mem::replace(&mut *self.tunnel.borrow_mut(), Tunnel::Closed);
        if let Tunnel::Open(target) = tunnel {
            sched::emit(&target, Event::end(code));
        }
        let waiters: Vec<Waiter> = self.waiters.borrow_mut().drain(..).collect();
        for w in waiters {
            if w.started {
                sched::emit(
                    &w.reply,
                    Event::end(Some(code.unwrap_or(ErrorCode::ConnectionReset))),
                );
            } else {
                reply_error(&w.reply, code.unwrap_or(ErrorCode::ConnectionReset));
            }
        }
    }
}

/// The session pipeline's output. Weak, so the pipeline does not keep its session alive:
/// the pool holds a session while it takes requests, and each stream holds the session its
/// last request went to until the response is in.
struct SessionSink(Weak<Session>);

impl EventSink for SessionSink {
    fn takes_direct_input(&self) -> bool {
        // Decoding and handing responses to muxHTTP filters (which queue what they output)
        // runs no JS.
        true
    }

    fn is_running(&self) -> bool {
        self.0.upgrade().is_some_and(|s| s.in_output.get())
    }

    fn on_event(&self, evt: Event) {
        if let Some(s) = self.0.upgrade() {
            let was = s.in_output.replace(true);
            s.on_output(evt);
            s.in_output.set(was);
        }
    }
}

impl Session {
    fn on_output(self: &Rc<Self>, evt: Event) {
        match evt {
            Event::Data(d) => {
                if let Tunnel::Open(target) = &*self.tunnel.borrow() {
                    sched::emit(target, Event::Data(d));
                    return;
                }
                let mut events = std::mem::take(&mut *self.decoded.borrow_mut());
                let r =
                    decode_responses(&mut self.decoder.borrow_mut(), &d, &mut |e| events.push(e));
                for e in events.drain(..) {
                    self.deliver(e);
                }
                *self.decoded.borrow_mut() = events;
                match r {
                    Ok(left) if !left.is_empty() => {
                        if let Tunnel::Open(target) = &*self.tunnel.borrow() {
                            sched::emit(target, Event::Data(left));
                        }
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::debug!("[http] bad response from upstream: {e}");
                        self.fail(Some(ErrorCode::ProtocolError));
                    }
                }
            }
            Event::StreamEnd(end) => {
                // A close-delimited body ends here. (The decoder is released before the
                // delivery, which may look at it again to settle a tunnel request.)
                let last = self.decoder.borrow_mut().finish();
                if let Ok(Some(item)) = last {
                    let e = super::response_item(item);
                    self.deliver(e);
                }
                self.fail(end.error);
            }
            _ => {}
        }
    }
}
