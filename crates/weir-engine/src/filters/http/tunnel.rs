//! `acceptHTTPTunnel(handler).to(...)` and `connectHTTPTunnel(request).to(...)`: HTTP
//! tunnels (RFC 9110 §9.3.6 CONNECT, and upgrades answered with 101).
//!
//! acceptHTTPTunnel (server side) consumes one request message and the Data after it. The
//! handler answers the request; the answer is output. A 2xx to CONNECT (or a 101 to an
//! upgrade request) opens the tunnel: a sub-pipeline sharing the context gets the Data that
//! follows, and its Data is output after the answer. Any other answer just goes out.
//!
//! connectHTTPTunnel (client side) consumes Data. On the first event it starts a
//! sub-pipeline (sharing the context) and sends it the CONNECT request, then the input Data
//! (a `muxHTTP` below holds it until the tunnel is open). The answer is taken off the
//! output: on 2xx the Data after it is output; otherwise the stream ends with
//! `ConnectionRefused`.

use std::rc::Rc;

use crate::event::{ErrorCode, Event, MessageReader};
use crate::http::{request_of, response_of};
use crate::pipeline::{Filter, FilterCx, FilterFactory, LayoutRef, Pipeline};
use crate::sched::{self, Target};
use crate::Data;

use super::demux::Handler;

/// Sub-event keys: the handler's answer, and the tunnel pipeline's output.
const ANSWER: usize = 0;
const TUNNEL: usize = 1;

pub struct AcceptTunnel {
    pub handler: Handler,
    pub layout: Rc<LayoutRef>,
}

impl FilterFactory for AcceptTunnel {
    fn name(&self) -> &str {
        "acceptHTTPTunnel"
    }
    fn create(&self) -> Box<dyn Filter> {
        Box::new(AcceptFilter {
            handler: self.handler.clone(),
            layout: self.layout.clone(),
            reader: MessageReader::new(None),
            phase: Phase::Request,
            may_open: (false, false),
            opening: false,
            held: Data::new(),
            input_ended: false,
            ended: false,
        })
    }
    fn subs(&self) -> Vec<Rc<LayoutRef>> {
        vec![self.layout.clone()]
    }
}

enum Phase {
    /// Reading the request.
    Request,
    /// The handler has the request; its answer is going out.
    Answering,
    /// The tunnel is open.
    Open(Rc<Pipeline>),
    /// Answered without a tunnel, or the tunnel has ended.
    Done,
}

struct AcceptFilter {
    handler: Handler,
    layout: Rc<LayoutRef>,
    reader: MessageReader,
    phase: Phase,
    /// The request was CONNECT / upgrade: the right answer opens a tunnel.
    may_open: (bool, bool),
    /// The answer going out opens the tunnel.
    opening: bool,
    /// Data that came before the tunnel was open.
    held: Data,
    input_ended: bool,
    ended: bool,
}

impl AcceptFilter {
    fn end(&mut self, cx: &FilterCx, evt: Event) {
        if !self.ended {
            self.ended = true;
            self.phase = Phase::Done;
            cx.output(evt);
        }
    }

    fn open(&mut self, cx: &FilterCx) {
        let Some(layout) = self.layout.get() else {
            self.end(cx, Event::end(Some(ErrorCode::RuntimeError)));
            return;
        };
        let sub = cx.sub_pipeline(layout, false, TUNNEL);
        let held = std::mem::take(&mut self.held);
        if !held.is_empty() {
            sched::emit(&sub.input(), Event::Data(held));
        }
        if self.input_ended {
            sched::emit(&sub.input(), Event::end(None));
        }
        self.phase = Phase::Open(sub);
    }
}

impl Filter for AcceptFilter {
    fn process(&mut self, cx: &FilterCx, evt: Event) {
        match &self.phase {
            Phase::Request => {
                if let Some(msg) = self.reader.read(&evt) {
                    let (connect, upgrade) = request_of(&msg.head)
                        .map(|h| (h.method == "CONNECT", h.is_upgrade()))
                        .unwrap_or((false, false));
                    self.may_open = (connect, upgrade);
                    self.phase = Phase::Answering;
                    let reply = Target::Sub(Rc::downgrade(cx.pipeline), cx.index, ANSWER);
                    (self.handler)(cx, msg, reply);
                } else if let Event::StreamEnd(_) = evt {
                    self.end(cx, evt);
                }
            }
            Phase::Answering => match evt {
                Event::Data(d) if self.held.len() + d.len() > super::MAX_HELD => {
                    tracing::debug!("[http] too much data before a tunnel was answered");
                    self.end(cx, Event::end(Some(ErrorCode::BufferOverflow)));
                }
                Event::Data(d) => self.held.push(d),
                Event::StreamEnd(_) => self.input_ended = true,
                _ => {}
            },
            Phase::Open(sub) => {
                if matches!(evt, Event::Data(_) | Event::StreamEnd(_)) {
                    sched::emit(&sub.input(), evt);
                }
            }
            Phase::Done => {}
        }
    }

    fn on_sub_event(&mut self, cx: &FilterCx, key: usize, evt: Event) {
        if self.ended {
            return;
        }
        if key == TUNNEL {
            match evt {
                Event::Data(_) => cx.output(evt),
                Event::StreamEnd(_) => self.end(cx, evt),
                _ => {}
            }
            return;
        }
        if !matches!(self.phase, Phase::Answering) {
            return;
        }
        match &evt {
            Event::MessageStart(m) => {
                let status = response_of(&m.head).status;
                let (connect, upgrade) = self.may_open;
                self.opening =
                    (connect && (200..300).contains(&status)) || (upgrade && status == 101);
                cx.output(evt);
            }
            Event::Data(_) => cx.output(evt),
            Event::MessageEnd(_) => {
                cx.output(evt);
                if self.opening {
                    self.open(cx);
                } else {
                    self.phase = Phase::Done;
                    if self.input_ended {
                        self.end(cx, Event::end(None));
                    }
                }
            }
            Event::StreamEnd(_) => self.end(cx, evt),
        }
    }
}

/// Builds the CONNECT request's events for a stream (`Err`: the script failed, already
/// logged).
pub type RequestFn = Rc<dyn Fn(&FilterCx) -> Result<Vec<Event>, ()>>;

pub struct ConnectTunnel {
    pub request: RequestFn,
    pub layout: Rc<LayoutRef>,
}

impl FilterFactory for ConnectTunnel {
    fn name(&self) -> &str {
        "connectHTTPTunnel"
    }
    fn create(&self) -> Box<dyn Filter> {
        Box::new(ConnectFilter {
            request: self.request.clone(),
            layout: self.layout.clone(),
            sub: None,
            answer: Answer::Waiting,
            ended: false,
        })
    }
    fn subs(&self) -> Vec<Rc<LayoutRef>> {
        vec![self.layout.clone()]
    }
}

enum Answer {
    Waiting,
    /// Reading the answer's head and body; `true` if it accepted.
    Reading(bool),
    Open,
}

struct ConnectFilter {
    request: RequestFn,
    layout: Rc<LayoutRef>,
    sub: Option<Rc<Pipeline>>,
    answer: Answer,
    ended: bool,
}

impl ConnectFilter {
    fn end(&mut self, cx: &FilterCx, code: Option<ErrorCode>) {
        if !self.ended {
            self.ended = true;
            self.sub = None;
            cx.output(Event::end(code));
        }
    }

    fn start(&mut self, cx: &FilterCx) -> Option<Rc<Pipeline>> {
        let Ok(events) = (self.request)(cx) else {
            self.end(cx, Some(ErrorCode::RuntimeError));
            return None;
        };
        let Some(layout) = self.layout.get() else {
            self.end(cx, Some(ErrorCode::RuntimeError));
            return None;
        };
        let sub = cx.sub_pipeline(layout, false, 0);
        let input = sub.input();
        for e in events {
            sched::emit(&input, e);
        }
        self.sub = Some(sub.clone());
        Some(sub)
    }
}

impl Filter for ConnectFilter {
    fn process(&mut self, cx: &FilterCx, evt: Event) {
        if self.ended {
            return;
        }
        let sub = match &self.sub {
            Some(s) => s.clone(),
            None if evt.is_stream_end() => {
                self.end(cx, None);
                return;
            }
            None => match self.start(cx) {
                Some(s) => s,
                None => return,
            },
        };
        if matches!(evt, Event::Data(_) | Event::StreamEnd(_)) {
            sched::emit(&sub.input(), evt);
        }
    }

    fn on_sub_event(&mut self, cx: &FilterCx, _key: usize, evt: Event) {
        if self.ended {
            return;
        }
        match (&self.answer, evt) {
            (_, Event::StreamEnd(end)) => self.end(cx, end.error),
            (Answer::Waiting, Event::MessageStart(m)) => {
                let status = response_of(&m.head).status;
                if !(100..200).contains(&status) {
                    self.answer = Answer::Reading((200..300).contains(&status));
                }
            }
            (Answer::Reading(ok), Event::MessageEnd(_)) => {
                if *ok {
                    self.answer = Answer::Open;
                } else {
                    self.end(cx, Some(ErrorCode::ConnectionRefused));
                }
            }
            (Answer::Open, Event::Data(d)) => cx.output(Event::Data(d)),
            _ => {}
        }
    }
}
