//! HTTP/1 message heads as they travel in events, and the encoding rules weir shares with
//! Pipy (the bytes are compared by scripts and tests).
//!
//! A decoded head is a typed Rust struct ([`HttpRequest`], [`HttpResponse`]). A script that
//! touches `msg.head` gets a JS object made once and kept as the head's *mirror*; from then
//! on the mirror is the truth (scripts rewrite heads in place), and encoders read it back.

use std::cell::RefCell;
use std::rc::Rc;

use bytes::{Bytes, BytesMut};
use weir_codec::http1::{self, Header, RequestHead, ResponseHead, Version};

use crate::event::{Head, HeadValue};
use crate::{Data, ErrorCode};

pub struct HttpRequest {
    pub head: RefCell<RequestHead>,
    pub mirror: RefCell<Option<Head>>,
}

pub struct HttpResponse {
    pub head: RefCell<ResponseHead>,
    pub mirror: RefCell<Option<Head>>,
}

impl HttpRequest {
    pub fn new(head: RequestHead) -> Rc<HttpRequest> {
        Rc::new(HttpRequest {
            head: RefCell::new(head),
            mirror: RefCell::new(None),
        })
    }
}

impl HttpResponse {
    pub fn new(head: ResponseHead) -> Rc<HttpResponse> {
        Rc::new(HttpResponse {
            head: RefCell::new(head),
            mirror: RefCell::new(None),
        })
    }
}

impl HeadValue for HttpRequest {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn describe(&self) -> String {
        let h = self.head.borrow();
        format!("{} {} {}", h.method, h.path, h.version)
    }
    fn to_request(&self) -> Option<RequestHead> {
        match self.mirror.borrow().as_ref() {
            Some(m) => m.to_request(),
            None => Some(self.head.borrow().clone()),
        }
    }
}

impl HeadValue for HttpResponse {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn describe(&self) -> String {
        let h = self.head.borrow();
        format!("{} {} {}", h.version, h.status, h.reason)
    }
    fn to_response(&self) -> Option<ResponseHead> {
        match self.mirror.borrow().as_ref() {
            Some(m) => m.to_response(),
            None => Some(self.head.borrow().clone()),
        }
    }
}

/// The request head of an event head (typed, mirrored or script-made); `None` if it is none.
pub fn request_of(head: &Option<Head>) -> Option<RequestHead> {
    head.as_ref().and_then(|h| h.to_request())
}

/// The response head of an event head; a missing head is `200 OK`.
pub fn response_of(head: &Option<Head>) -> ResponseHead {
    head.as_ref()
        .and_then(|h| h.to_response())
        .unwrap_or_else(|| ResponseHead {
            status: 200,
            reason: String::new(),
            version: Version::Http11,
            headers: Vec::new(),
        })
}

/// The status Pipy answers with when the upstream side of a request failed.
pub fn status_for_error(code: Option<ErrorCode>) -> u16 {
    match code {
        Some(
            ErrorCode::ConnectionTimeout
            | ErrorCode::ReadTimeout
            | ErrorCode::WriteTimeout
            | ErrorCode::IdleTimeout,
        ) => 504,
        Some(ErrorCode::Unauthorized) => 401,
        Some(ErrorCode::RuntimeError) => 500,
        Some(ErrorCode::BufferOverflow) => 413,
        _ => 502,
    }
}

/// A bare response with the given status (for errors weir makes itself).
pub fn status_head(status: u16) -> Head {
    HttpResponse::new(ResponseHead {
        status,
        reason: String::new(),
        version: Version::Http11,
        headers: Vec::new(),
    })
}

/// How the body of an encoded message is framed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// `content-length: n`.
    Length(u64),
    /// `transfer-encoding: chunked`.
    Chunked,
    /// No body and no length header (1xx, 204, 304; bodiless requests).
    None,
}

fn is_hop_header(name: &[u8]) -> bool {
    name.eq_ignore_ascii_case(b"content-length")
        || name.eq_ignore_ascii_case(b"transfer-encoding")
        || name.eq_ignore_ascii_case(b"connection")
        || name.eq_ignore_ascii_case(b"keep-alive")
}

/// Appends the script's headers (framing and connection headers dropped), then the framing
/// header, then `connection`, then the empty line — field by field, with no copy of the head.
fn write_fields(headers: &[Header], framing: Framing, keep_alive: bool, out: &mut BytesMut) {
    for h in headers.iter().filter(|h| !is_hop_header(&h.name)) {
        http1::write_field(&h.name, &h.value, out);
    }
    match framing {
        Framing::Length(n) => http1::write_field(b"content-length", n.to_string().as_bytes(), out),
        Framing::Chunked => http1::write_field(b"transfer-encoding", b"chunked", out),
        Framing::None => {}
    }
    http1::write_field(
        b"connection",
        if keep_alive { b"keep-alive" } else { b"close" },
        out,
    );
    out.extend_from_slice(b"\r\n");
}

/// Writes a response head as Pipy does: the script's headers in order (lowercased, framing
/// and connection headers dropped), then `content-length` or `transfer-encoding`, then
/// `connection`.
pub fn write_response(head: &ResponseHead, framing: Framing, keep_alive: bool, out: &mut BytesMut) {
    out.reserve(
        64 + head
            .headers
            .iter()
            .map(|h| h.name.len() + h.value.len() + 4)
            .sum::<usize>(),
    );
    http1::write_status_line(Version::Http11, head.status, &head.reason, out);
    write_fields(&head.headers, framing, keep_alive, out);
}

/// Writes a request head; `connection: keep-alive` is always asked for.
pub fn write_request(head: &RequestHead, framing: Framing, out: &mut BytesMut) {
    out.reserve(
        64 + head.path.len()
            + head
                .headers
                .iter()
                .map(|h| h.name.len() + h.value.len() + 4)
                .sum::<usize>(),
    );
    http1::write_request_line(&head.method, &head.path, Version::Http11, out);
    write_fields(&head.headers, framing, true, out);
}

/// Whether a response with this status to this request carries a body.
pub fn response_has_body(status: u16, head_request: bool) -> bool {
    !(head_request || (100..200).contains(&status) || status == 204 || status == 304)
}

/// Encodes one message after another from events, choosing the framing like Pipy: a body
/// that ends within `buffer_size` bytes gets `content-length`, a longer one is streamed
/// chunked.
pub struct MessageEncoder {
    request: bool,
    buffer_size: usize,
    state: EncState,
}

enum EncState {
    Idle,
    Buffering { head: Option<Head>, body: Data },
    Chunked,
    Raw,
}

/// What the encoder needs to know about the message it is writing.
#[derive(Clone, Copy, Debug)]
pub struct EncodeFor {
    /// Answering a HEAD request (no body is sent).
    pub head_request: bool,
    /// Keep the connection open after this message.
    pub keep_alive: bool,
}

impl MessageEncoder {
    pub fn new(request: bool, buffer_size: usize) -> MessageEncoder {
        MessageEncoder {
            request,
            buffer_size,
            state: EncState::Idle,
        }
    }

    pub fn in_message(&self) -> bool {
        !matches!(self.state, EncState::Idle)
    }

    pub fn start(&mut self, head: Option<Head>) {
        self.state = EncState::Buffering {
            head,
            body: Data::new(),
        };
    }

    /// Body bytes; streamed out once the buffer is exceeded.
    pub fn data(&mut self, data: Data, how: EncodeFor, out: &mut Data) {
        match &mut self.state {
            EncState::Idle => {}
            EncState::Raw => out.push(data),
            EncState::Chunked => chunk(data, out),
            EncState::Buffering { head, body } => {
                body.push(data);
                if body.len() > self.buffer_size {
                    let head = head.take();
                    let body = std::mem::take(body);
                    if self.request {
                        let h = request_of(&head).unwrap_or_else(default_request);
                        self.head_bytes_request(&h, Framing::Chunked, out);
                        self.state = EncState::Chunked;
                        chunk(body, out);
                    } else {
                        let h = response_of(&head);
                        if !response_has_body(h.status, how.head_request) {
                            self.head_bytes_response(&h, Framing::None, how.keep_alive, out);
                            self.state = EncState::Raw;
                            return; // the body of a bodiless response is dropped
                        }
                        self.head_bytes_response(&h, Framing::Chunked, how.keep_alive, out);
                        self.state = EncState::Chunked;
                        chunk(body, out);
                    }
                }
            }
        }
    }

    /// The end of the message.
    pub fn end(&mut self, how: EncodeFor, out: &mut Data) {
        match std::mem::replace(&mut self.state, EncState::Idle) {
            EncState::Idle | EncState::Raw => {}
            EncState::Chunked => {
                let mut b = BytesMut::with_capacity(8);
                http1::write_last_chunk(&[], &mut b);
                out.push_bytes(b.freeze());
            }
            EncState::Buffering { head, body } => {
                if self.request {
                    let h = request_of(&head).unwrap_or_else(default_request);
                    let framing = if body.is_empty() && !expects_body(&h.method) {
                        Framing::None
                    } else {
                        Framing::Length(body.len() as u64)
                    };
                    self.head_bytes_request(&h, framing, out);
                    out.push(body);
                } else {
                    let h = response_of(&head);
                    if response_has_body(h.status, false) {
                        self.head_bytes_response(
                            &h,
                            Framing::Length(body.len() as u64),
                            how.keep_alive,
                            out,
                        );
                        if !how.head_request {
                            out.push(body);
                        }
                    } else {
                        self.head_bytes_response(&h, Framing::None, how.keep_alive, out);
                    }
                }
            }
        }
    }

    fn head_bytes_request(&self, h: &RequestHead, framing: Framing, out: &mut Data) {
        let mut b = BytesMut::with_capacity(256);
        write_request(h, framing, &mut b);
        out.push_bytes(b.freeze());
    }

    fn head_bytes_response(
        &self,
        h: &ResponseHead,
        framing: Framing,
        keep_alive: bool,
        out: &mut Data,
    ) {
        let mut b = BytesMut::with_capacity(128);
        write_response(h, framing, keep_alive, &mut b);
        out.push_bytes(b.freeze());
    }
}

fn expects_body(method: &str) -> bool {
    matches!(method, "POST" | "PUT" | "PATCH")
}

fn default_request() -> RequestHead {
    RequestHead {
        method: "GET".to_string(),
        path: "/".to_string(),
        version: Version::Http11,
        headers: Vec::new(),
    }
}

fn chunk(data: Data, out: &mut Data) {
    if data.is_empty() {
        return;
    }
    let mut b = BytesMut::with_capacity(12);
    http1::write_chunk(data.len(), &mut b);
    out.push_bytes(b.freeze());
    out.push(data);
    out.push_bytes(Bytes::from_static(b"\r\n"));
}
