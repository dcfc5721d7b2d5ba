//! `demuxHTTP().to(...)` and `serveHTTP(...)`: the server side of HTTP/1.
//!
//! Requests are decoded from the input; each gets its own sub-pipeline with a *cloned*
//! context (`demuxHTTP`) or goes to a handler (`serveHTTP`). Responses are encoded and
//! written in request order, so pipelined requests are answered in order even when later
//! ones finish first. Bad requests get 400/414/431 and the connection closes.
//!
//! Tunnels: after a CONNECT or upgrade request, no more requests are decoded; the bytes that
//! follow are held until its response. A 2xx to CONNECT or a 101 to an upgrade, once written,
//! turns the connection into a tunnel: input bytes go to that request's sub-pipeline as Data,
//! its Data comes back out as raw bytes. Any other answer resumes decoding of the held bytes.
//!
//! Consumes: Data (request bytes), StreamEnd. Emits: Data (response bytes), StreamEnd when
//! the connection should close.

use std::collections::VecDeque;
use std::rc::Rc;

use bytes::BytesMut;
use weir_codec::http1::RequestDecoder;

use super::{decode_requests, Decoded, HttpOptions, RequestInfo};
use crate::event::{ErrorCode, Event, MessageReader};
use crate::http::{
    status_for_error, status_head, write_response, EncodeFor, Framing, MessageEncoder,
};
use crate::pipeline::{Filter, FilterCx, FilterFactory, LayoutRef, Pipeline};
use crate::sched::{self, Target};
use crate::{Data, Message};

/// Answers one request: emit the response events to `reply` (now or later).
pub type Handler = Rc<dyn Fn(&FilterCx, Message, Target)>;

#[derive(Clone)]
pub enum Responder {
    /// `demuxHTTP().to(layout)`: a sub-pipeline per request.
    Layout(Rc<LayoutRef>),
    /// `serveHTTP(...)`: a handler per request, in the connection's context.
    Handler(Handler),
    /// `serveHTTP(message)`: the same answer to every request once it has been received
    /// (what a handler returning these events would do, without collecting the request).
    Constant(Rc<Vec<Event>>),
}

pub struct DemuxHttp {
    pub method: &'static str,
    pub responder: Responder,
    pub options: Rc<HttpOptions>,
}

impl FilterFactory for DemuxHttp {
    fn name(&self) -> &str {
        self.method
    }
    fn create(&self) -> Box<dyn Filter> {
        Box::new(DemuxFilter {
            responder: self.responder.clone(),
            decoder: RequestDecoder::new(self.options.limits),
            encoder: MessageEncoder::new(false, self.options.buffer_size),
            slots: VecDeque::new(),
            next_key: 0,
            receiving: None,
            input_ended: false,
            closed: false,
            broken: false,
            force_close: false,
            held: Data::new(),
            opening: false,
            tunnel: None,
            resp_close: false,
            draining: false,
            scratch: Vec::new(),
            spare: Vec::new(),
            items: Vec::new(),
            spare_sub: None,
        })
    }
    fn subs(&self) -> Vec<Rc<LayoutRef>> {
        match &self.responder {
            Responder::Layout(l) => vec![l.clone()],
            Responder::Handler(_) | Responder::Constant(_) => Vec::new(),
        }
    }
}

/// One request in flight, in arrival order.
struct Slot {
    key: usize,
    info: RequestInfo,
    sub: Option<Rc<Pipeline>>,
    /// serveHTTP: the request being collected for the handler.
    reader: Option<MessageReader>,
    /// Response events that arrived before it was this slot's turn.
    waiting: Vec<Event>,
    /// The response has started / finished going out.
    started: bool,
    done: bool,
}

struct DemuxFilter {
    responder: Responder,
    decoder: RequestDecoder,
    encoder: MessageEncoder,
    slots: VecDeque<Slot>,
    next_key: usize,
    /// The key of the request whose body is being received.
    receiving: Option<usize>,
    input_ended: bool,
    closed: bool,
    /// The request stream is unusable (a decode error): no more requests are read.
    broken: bool,
    /// A response was cut short: close once it is out.
    force_close: bool,
    /// Bytes after a CONNECT / upgrade request, held until its answer is known.
    held: Data,
    /// The response being written opens a tunnel.
    opening: bool,
    /// The slot whose sub-pipeline the connection is tunnelled to.
    tunnel: Option<usize>,
    /// The response being written asks for the connection to close.
    resp_close: bool,
    /// The worker stops serving: close after the response in progress.
    draining: bool,
    /// Spare event buffer swapped with a slot's while its events are written, so neither
    /// allocates per response.
    scratch: Vec<Event>,
    /// The event buffer of the last slot that finished, for the next slot.
    spare: Vec<Event>,
    /// What the decoder made of the last input (kept for its capacity).
    items: Vec<Decoded>,
    /// The sub-pipeline of a finished request, ready for the next one (`Pipeline::reuse`).
    spare_sub: Option<Rc<Pipeline>>,
}

impl DemuxFilter {
    fn slot_mut(&mut self, key: usize) -> Option<&mut Slot> {
        self.slots.iter_mut().find(|s| s.key == key)
    }

    /// The sub-pipeline of the open tunnel.
    fn tunnel_sub(&mut self) -> Option<Rc<Pipeline>> {
        let key = self.tunnel?;
        self.slot_mut(key).and_then(|s| s.sub.clone())
    }

    fn on_request_event(&mut self, cx: &FilterCx, evt: Event) {
        let Some(key) = self.receiving else { return };
        let is_end = matches!(evt, Event::MessageEnd(_));
        if is_end {
            self.receiving = None;
        }
        let responder = self.responder.clone();
        let Some(slot) = self.slot_mut(key) else {
            return;
        };
        if let Some(sub) = &slot.sub {
            sched::emit_direct(&sub.input(), evt);
            return;
        }
        if let (Some(reader), Responder::Handler(handler)) = (slot.reader.as_mut(), &responder) {
            if let Some(msg) = reader.read(&evt) {
                slot.reader = None;
                let reply = Target::Sub(Rc::downgrade(cx.pipeline), cx.index, key);
                handler(cx, msg, reply);
            }
        }
        if let (true, Responder::Constant(events)) = (is_end, &responder) {
            let tunnel = slot.info.connect || slot.info.upgrade;
            if tunnel {
                // Through the queue, as a handler's reply: its answer decides what happens
                // to the bytes held behind the request, which `on_data` has yet to hold.
                let reply = Target::Sub(Rc::downgrade(cx.pipeline), cx.index, key);
                for e in events.iter() {
                    sched::emit(&reply, e.clone());
                }
            } else {
                // Straight to the response side: what the queue would bring next, in the
                // same order (this filter is the only receiver).
                for e in events.iter() {
                    self.on_sub_event(cx, key, e.clone());
                }
            }
        }
    }

    fn start_request(&mut self, cx: &FilterCx, start: Event, info: RequestInfo) {
        let key = self.next_key;
        self.next_key += 1;
        let mut slot = Slot {
            key,
            info,
            sub: None,
            reader: None,
            waiting: std::mem::take(&mut self.spare),
            started: false,
            done: false,
        };
        match &self.responder {
            Responder::Layout(l) => match l.get() {
                Some(layout) => {
                    let sub = cx.sub_pipeline_reusing(layout, true, key, self.spare_sub.take());
                    sched::emit_direct(&sub.input(), start);
                    slot.sub = Some(sub);
                }
                None => {
                    slot.waiting = error_response(500);
                    slot.done = true;
                }
            },
            Responder::Constant(_) => {}
            Responder::Handler(_) => {
                let mut reader = MessageReader::new(None);
                reader.read(&start);
                slot.reader = Some(reader);
            }
        }
        self.slots.push_back(slot);
        self.receiving = Some(key);
    }

    /// Answers a request that could not be decoded, and stops reading requests.
    fn bad_request(&mut self, cx: &FilterCx, status: u16) {
        self.broken = true;
        let receiving = self.receiving.take();
        if let Some(slot) = receiving.and_then(|key| self.slot_mut(key)) {
            // The request being received is cut short: its pipeline is dropped (it never
            // saw a MessageEnd) and, unless its response has started, the error answers it.
            slot.sub = None;
            slot.reader = None;
            slot.info.keep_alive = false;
            if !slot.started {
                slot.waiting = error_response(status);
                slot.done = true;
                self.flush(cx);
                return;
            }
            // Its response is going out and cannot be finished now: end the connection
            // (the client sees the response cut short) rather than leave it hanging.
            self.force_close = true;
            self.close(cx);
            return;
        }
        let key = self.next_key;
        self.next_key += 1;
        self.slots.push_back(Slot {
            key,
            info: RequestInfo {
                keep_alive: false,
                head_request: false,
                connect: false,
                upgrade: false,
            },
            sub: None,
            reader: None,
            waiting: error_response(status),
            started: false,
            done: true,
        });
        self.flush(cx);
    }

    /// Writes out what the front slots have, in order.
    fn flush(&mut self, cx: &FilterCx) {
        let mut replay = None;
        while let Some(front) = self.slots.front_mut() {
            let mut events = std::mem::take(&mut self.scratch);
            std::mem::swap(&mut events, &mut front.waiting);
            if self.tunnel == Some(front.key) {
                for evt in events.drain(..) {
                    match evt {
                        Event::Data(d) => cx.output(Event::Data(d)),
                        Event::StreamEnd(_) => {
                            self.close(cx);
                            return;
                        }
                        _ => {}
                    }
                }
                return;
            }
            front.started |= !events.is_empty();
            let info = front.info;
            let mut out = Data::new();
            let mut complete = false;
            let mut drained = events.drain(..);
            for evt in drained.by_ref() {
                if self.encode(evt, info, &mut out) {
                    complete = true;
                    break;
                }
            }
            let rest: Option<Vec<Event>> =
                (complete && self.opening).then(|| drained.by_ref().collect());
            drop(drained);
            events.clear();
            self.scratch = events;
            if !out.is_empty() {
                cx.output(Event::Data(out));
            }
            if !complete {
                break;
            }
            if std::mem::take(&mut self.opening) {
                if let Some(front) = self.slots.front_mut() {
                    if let Some(sub) = front.sub.clone() {
                        // The tunnel is open: what the client sent after the request, and
                        // what the sub-pipeline sent after its response, flow raw.
                        self.tunnel = Some(front.key);
                        front.waiting = rest.unwrap_or_default();
                        let held = std::mem::take(&mut self.held);
                        if !held.is_empty() {
                            sched::emit(&sub.input(), Event::Data(held));
                        }
                        if self.input_ended {
                            sched::emit(&sub.input(), Event::end(None));
                        }
                        continue;
                    }
                }
                // serveHTTP accepted a tunnel it cannot carry: end the connection.
                self.force_close = true;
            }
            if let Some(done) = self.slots.pop_front() {
                if done.waiting.is_empty() && done.waiting.capacity() > self.spare.capacity() {
                    self.spare = done.waiting;
                }
                if let Some(sub) = done.sub {
                    if self.spare_sub.is_none() {
                        self.spare_sub = sub.reuse();
                    }
                }
            }
            if !info.keep_alive || self.force_close || self.resp_close || self.draining {
                self.close(cx);
                return;
            }
            if (info.connect || info.upgrade) && self.decoder.is_tunnel() {
                // Refused: what the client sent meanwhile is read as requests again.
                self.decoder.resume();
                replay = Some(std::mem::take(&mut self.held));
                break;
            }
        }
        if let Some(held) = replay {
            if !held.is_empty() {
                self.on_data(cx, held);
            }
        }
        if self.slots.is_empty() && (self.input_ended || self.broken) {
            self.close(cx);
        }
    }

    /// Decodes request bytes.
    fn on_data(&mut self, cx: &FilterCx, data: Data) {
        let mut items = std::mem::take(&mut self.items);
        let result = decode_requests(&mut self.decoder, &data, &mut |d| items.push(d));
        for item in items.drain(..) {
            match item {
                Decoded::Request(start, info) => self.start_request(cx, start, info),
                Decoded::Event(e) => self.on_request_event(cx, e),
            }
        }
        self.items = items;
        match result {
            Ok(left) => self.held.push(left),
            Err(e) => {
                tracing::debug!("[http] bad request: {e}");
                self.bad_request(cx, e.status());
            }
        }
    }

    /// Encodes one response event; true when the response is complete.
    fn encode(&mut self, evt: Event, info: RequestInfo, out: &mut Data) -> bool {
        if let Event::MessageStart(m) = &evt {
            self.resp_close = script_wants_close(&m.head);
        }
        let how = EncodeFor {
            head_request: info.head_request,
            keep_alive: info.keep_alive && !self.resp_close && !self.draining,
            connect: info.connect,
        };
        match evt {
            Event::MessageStart(m) => {
                if info.connect || info.upgrade {
                    let status = crate::http::response_of(&m.head).status;
                    self.opening = (info.connect && (200..300).contains(&status))
                        || (info.upgrade && status == 101);
                }
                self.encoder.start(m.head);
                false
            }
            Event::Data(d) => {
                self.encoder.data(d, how, out);
                false
            }
            Event::MessageEnd(_) => {
                self.encoder.end(how, out);
                true
            }
            Event::StreamEnd(end) => {
                if self.encoder.in_message() {
                    // The response was cut short after it started: the connection cannot
                    // be reused, so close it.
                    self.encoder = MessageEncoder::new(false, 0);
                    self.force_close = true;
                } else {
                    let status = status_for_error(end.error);
                    let mut b = BytesMut::with_capacity(96);
                    let head = crate::http::response_of(&Some(status_head(status)));
                    write_response(&head, Framing::Length(0), info.keep_alive, &mut b);
                    out.push_bytes(b.freeze());
                }
                true
            }
        }
    }

    fn close(&mut self, cx: &FilterCx) {
        if !self.closed {
            self.closed = true;
            cx.output(Event::end(None));
        }
    }
}

/// Whether a response head that a script made or edited says `connection: close` (then the
/// connection closes after it, as the script asked). A head decoded from an upstream and
/// left alone does not count: its `connection` field is about the upstream connection.
fn script_wants_close(head: &Option<crate::event::Head>) -> bool {
    if crate::http::is_decoded(head) {
        return false;
    }
    head.as_ref()
        .and_then(|h| h.header("connection"))
        .is_some_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case("close")))
}

/// The events of an empty response with `status`.
fn error_response(status: u16) -> Vec<Event> {
    vec![
        Event::MessageStart(crate::event::MessageStart {
            head: Some(status_head(status)),
        }),
        Event::MessageEnd(Default::default()),
    ]
}

impl Filter for DemuxFilter {
    /// Like nginx's graceful stop: an idle kept-alive connection closes now; one with a
    /// request in progress closes after its response (which says `connection: close`).
    /// Requests pipelined behind it are not answered; the client sends them again.
    fn drain(&mut self, cx: &FilterCx) {
        if self.closed || self.tunnel.is_some() {
            return;
        }
        self.draining = true;
        if self.slots.is_empty() && self.decoder.is_idle() && self.held.is_empty() {
            self.close(cx);
        }
    }

    fn process(&mut self, cx: &FilterCx, evt: Event) {
        if self.closed {
            return;
        }
        match evt {
            Event::Data(data) => {
                if let Some(sub) = self.tunnel_sub() {
                    sched::emit(&sub.input(), Event::Data(data));
                } else if self.decoder.is_tunnel() {
                    self.held.push(data);
                    if self.held.len() > super::MAX_HELD {
                        tracing::debug!("[http] too much data before a tunnel was answered");
                        self.closed = true;
                        cx.output(Event::end(Some(ErrorCode::BufferOverflow)));
                    }
                } else if !self.broken {
                    self.on_data(cx, data);
                }
            }
            Event::StreamEnd(end) => {
                self.input_ended = true;
                if let Some(sub) = self.tunnel_sub() {
                    sched::emit(&sub.input(), Event::StreamEnd(end));
                    return;
                }
                if let Some(key) = self.receiving.take() {
                    // The client went away in the middle of a request.
                    if let Some(sub) = self.slot_mut(key).and_then(|s| s.sub.clone()) {
                        sched::emit(&sub.input(), Event::StreamEnd(end));
                    }
                }
                if self.slots.is_empty() {
                    self.close(cx);
                }
            }
            _ => {}
        }
    }

    fn on_sub_event(&mut self, cx: &FilterCx, key: usize, evt: Event) {
        if self.closed {
            return;
        }
        let Some(slot) = self.slot_mut(key) else {
            return;
        };
        // A CONNECT / upgrade answer may be followed by tunnel bytes.
        if slot.done && !(slot.info.connect || slot.info.upgrade) {
            return;
        }
        let ends = matches!(evt, Event::MessageEnd(_) | Event::StreamEnd(_));
        if ends {
            slot.done = true;
        }
        let is_front = self.slots.front().is_some_and(|s| s.key == key);
        if is_front && !ends && self.tunnel.is_none() {
            // The start or body of the response being written, with nothing queued before
            // it: what `flush` would do with it, without queueing it first.
            if let Some(front) = self.slots.front_mut() {
                if front.waiting.is_empty() {
                    front.started = true;
                    let info = front.info;
                    let mut out = Data::new();
                    self.encode(evt, info, &mut out);
                    if !out.is_empty() {
                        cx.output(Event::Data(out));
                    }
                    return;
                }
            }
        }
        if let Some(slot) = self.slot_mut(key) {
            slot.waiting.push(evt);
        }
        if is_front {
            self.flush(cx);
        }
    }
}
