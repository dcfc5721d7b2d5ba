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
    /// Made or edited by a script or a filter, not straight from the decoder: its fields are
    /// cleaned when written.
    pub scripted: bool,
}

pub struct HttpResponse {
    pub head: RefCell<ResponseHead>,
    pub mirror: RefCell<Option<Head>>,
    /// Made from a script's head (not decoded from a peer): its `connection` field is the
    /// script's wish for the client connection.
    pub scripted: bool,
}

impl HttpRequest {
    pub fn new(head: RequestHead) -> Rc<HttpRequest> {
        Rc::new(HttpRequest {
            head: RefCell::new(head),
            mirror: RefCell::new(None),
            scripted: false,
        })
    }

    /// A typed copy of a head a script made or touched.
    pub fn scripted(head: RequestHead) -> Rc<HttpRequest> {
        Rc::new(HttpRequest {
            head: RefCell::new(head),
            mirror: RefCell::new(None),
            scripted: true,
        })
    }
}

impl HttpResponse {
    pub fn new(head: ResponseHead) -> Rc<HttpResponse> {
        Rc::new(HttpResponse {
            head: RefCell::new(head),
            mirror: RefCell::new(None),
            scripted: false,
        })
    }

    /// A typed copy of a head a script made.
    pub fn scripted(head: ResponseHead) -> Rc<HttpResponse> {
        Rc::new(HttpResponse {
            head: RefCell::new(head),
            mirror: RefCell::new(None),
            scripted: true,
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
    fn header(&self, name: &str) -> Option<String> {
        match self.mirror_head() {
            Some(m) => m.header(name),
            None => find_header(&self.head.borrow().headers, name),
        }
    }
    fn with_headers(&self, edits: &[(&str, Option<&str>)]) -> Option<Head> {
        match self.mirror_head() {
            Some(m) => m.with_headers(edits),
            None => {
                let mut h = self.head.borrow().clone();
                put_headers(&mut h.headers, edits);
                Some(HttpRequest::scripted(h))
            }
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
    fn header(&self, name: &str) -> Option<String> {
        match self.mirror_head() {
            Some(m) => m.header(name),
            None => find_header(&self.head.borrow().headers, name),
        }
    }
    fn with_headers(&self, edits: &[(&str, Option<&str>)]) -> Option<Head> {
        match self.mirror_head() {
            Some(m) => m.with_headers(edits),
            None => {
                let mut h = self.head.borrow().clone();
                put_headers(&mut h.headers, edits);
                // Edited: no longer straight from the decoder (cleaned when written).
                Some(HttpResponse::scripted(h))
            }
        }
    }
}

impl HttpRequest {
    fn mirror_head(&self) -> Option<Head> {
        self.mirror.borrow().clone()
    }
}

impl HttpResponse {
    fn mirror_head(&self) -> Option<Head> {
        self.mirror.borrow().clone()
    }
}

/// A message that had no head, given one by a filter that had to set a header
/// (`compressHTTP` on `new Message(body)`). Read as a request it is `GET /`, as a
/// response `200`, each with these headers. Scripts see `{headers}` (its mirror).
pub struct BareHead {
    pub headers: RefCell<Vec<Header>>,
    pub mirror: RefCell<Option<Head>>,
}

impl BareHead {
    pub fn with(headers: Vec<Header>) -> Rc<BareHead> {
        Rc::new(BareHead {
            headers: RefCell::new(headers),
            mirror: RefCell::new(None),
        })
    }
}

impl HeadValue for BareHead {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn describe(&self) -> String {
        format!("{{{} headers}}", self.headers.borrow().len())
    }
    fn to_request(&self) -> Option<RequestHead> {
        match self.mirror.borrow().as_ref() {
            Some(m) => m.to_request(),
            None => Some(RequestHead {
                headers: self.headers.borrow().clone(),
                ..default_request()
            }),
        }
    }
    fn to_response(&self) -> Option<ResponseHead> {
        match self.mirror.borrow().as_ref() {
            Some(m) => m.to_response(),
            None => Some(ResponseHead {
                headers: self.headers.borrow().clone(),
                ..response_of(&None)
            }),
        }
    }
    fn header(&self, name: &str) -> Option<String> {
        match self.mirror.borrow().clone() {
            Some(m) => m.header(name),
            None => find_header(&self.headers.borrow(), name),
        }
    }
    fn with_headers(&self, edits: &[(&str, Option<&str>)]) -> Option<Head> {
        match self.mirror.borrow().clone() {
            Some(m) => m.with_headers(edits),
            None => {
                let mut headers = self.headers.borrow().clone();
                put_headers(&mut headers, edits);
                Some(BareHead::with(headers))
            }
        }
    }
}

fn find_header(headers: &[Header], name: &str) -> Option<String> {
    headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(name.as_bytes()))
        .map(|h| String::from_utf8_lossy(&h.value).into_owned())
}

/// Applies header edits (see [`HeadValue::with_headers`]): each replaces every field of
/// its name with one holding the value (at the end), or removes them.
pub fn put_headers(headers: &mut Vec<Header>, edits: &[(&str, Option<&str>)]) {
    for (name, value) in edits {
        headers.retain(|h| !h.name.eq_ignore_ascii_case(name.as_bytes()));
        if let Some(v) = value {
            headers.push(Header {
                name: Bytes::copy_from_slice(name.as_bytes()),
                value: Bytes::copy_from_slice(v.as_bytes()),
            });
        }
    }
}

/// The request head of an event head (typed, mirrored or script-made); `None` if it is none.
pub fn request_of(head: &Option<Head>) -> Option<RequestHead> {
    head.as_ref().and_then(|h| h.to_request())
}

/// Reads a request head that lives in JS (made or touched by a script) back once and puts
/// a typed copy in its place, so the looks that follow (method, framing, encoding) borrow
/// it instead of reading JS again. A typed head no script has touched is left as it is.
pub fn settle_request(head: &mut Option<Head>) {
    let typed = head
        .as_ref()
        .and_then(|h| h.as_any().downcast_ref::<HttpRequest>())
        .is_some_and(|r| r.mirror.borrow().is_none());
    if typed || head.is_none() {
        return;
    }
    if let Some(h) = request_of(head) {
        *head = Some(HttpRequest::scripted(h));
    }
}

/// Runs `f` on the request head of an event head, without copying a typed head that no
/// script has mirrored; a missing head is `GET /`.
pub fn with_request<R>(head: &Option<Head>, f: impl FnOnce(&RequestHead) -> R) -> R {
    if let Some(r) = head
        .as_ref()
        .and_then(|h| h.as_any().downcast_ref::<HttpRequest>())
    {
        if r.mirror.borrow().is_none() {
            return f(&r.head.borrow());
        }
    }
    f(&request_of(head).unwrap_or_else(default_request))
}

/// Like [`with_request`] for a response head; a missing head is `200 OK`.
pub fn with_response<R>(head: &Option<Head>, f: impl FnOnce(&ResponseHead) -> R) -> R {
    if let Some(r) = head
        .as_ref()
        .and_then(|h| h.as_any().downcast_ref::<HttpResponse>())
    {
        if r.mirror.borrow().is_none() {
            return f(&r.head.borrow());
        }
    }
    f(&response_of(head))
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
    // Names are usually lowercase already (decoded heads always are): a plain comparison
    // settles most, and only a name of the right length that is not equal is looked at
    // again without case.
    let is =
        |hop: &[u8]| name == hop || (name.len() == hop.len() && name.eq_ignore_ascii_case(hop));
    is(b"content-length") || is(b"transfer-encoding") || is(b"connection") || is(b"keep-alive")
}

/// Appends the script's headers (framing and connection headers dropped), then the framing
/// header, then `connection: <conn>`, then the empty line — field by field, with no copy of
/// the head.
fn write_fields(headers: &[Header], framing: Framing, conn: &[u8], out: &mut BytesMut) {
    let trusted = TRUSTED.with(|t| t.get());
    for h in headers.iter().filter(|h| !is_hop_header(&h.name)) {
        if trusted {
            put_field(&h.name, &h.value, out);
        } else {
            http1::write_field(&h.name, &h.value, out);
        }
    }
    match framing {
        Framing::Length(n) => http1::write_content_length(n, out),
        Framing::Chunked => put_field(b"transfer-encoding", b"chunked", out),
        Framing::None => {}
    }
    put_field(b"connection", conn, out);
    out.extend_from_slice(b"\r\n");
}

/// `name: value\r\n` for fields known to be clean (constants, or decoded and checked).
fn put_field(name: &[u8], value: &[u8], out: &mut BytesMut) {
    out.reserve(name.len() + value.len() + 4);
    out.extend_from_slice(name);
    out.extend_from_slice(b": ");
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
}

thread_local! {
    /// The head being written was decoded by the codec (lowercase names, values checked)
    /// and not touched since, so its fields need no cleaning.
    static TRUSTED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether `head` is a typed head straight from the decoder, not made or touched by a
/// script (see [`TRUSTED`]).
pub(crate) fn is_decoded(head: &Option<Head>) -> bool {
    let Some(h) = head else { return false };
    if let Some(r) = h.as_any().downcast_ref::<HttpRequest>() {
        return r.mirror.borrow().is_none() && !r.scripted;
    }
    if let Some(r) = h.as_any().downcast_ref::<HttpResponse>() {
        return r.mirror.borrow().is_none() && !r.scripted;
    }
    false
}

/// Runs `f` with [`TRUSTED`] set for `head`.
fn trusting<R>(head: &Option<Head>, f: impl FnOnce() -> R) -> R {
    let trusted = is_decoded(head);
    TRUSTED.with(|t| t.set(trusted));
    let r = f();
    TRUSTED.with(|t| t.set(false));
    r
}

/// Writes a response head as Pipy does: the script's headers in order (lowercased, framing
/// and connection headers dropped), then `content-length` or `transfer-encoding`, then
/// `connection` (`upgrade` for a 101).
pub fn write_response(head: &ResponseHead, framing: Framing, keep_alive: bool, out: &mut BytesMut) {
    let conn = response_connection(head.status, keep_alive);
    out.reserve(response_len(head, framing, conn));
    put_response(head, framing, conn, out);
}

/// The status line and fields, with `connection: conn`, into room already reserved.
fn put_response(head: &ResponseHead, framing: Framing, conn: &[u8], out: &mut BytesMut) {
    http1::write_status_line(Version::Http11, head.status, &head.reason, out);
    write_fields(&head.headers, framing, conn, out);
}

fn response_connection(status: u16, keep_alive: bool) -> &'static [u8] {
    match (status, keep_alive) {
        (101, _) => b"upgrade",
        (_, true) => b"keep-alive",
        (_, false) => b"close",
    }
}

/// Writes a request head; `connection: keep-alive` is always asked for, or `upgrade` for an
/// upgrade request (its `upgrade` field is kept).
pub fn write_request(head: &RequestHead, framing: Framing, out: &mut BytesMut) {
    let conn = request_connection(head);
    out.reserve(request_len(head, framing, conn));
    put_request(head, framing, conn, out);
}

/// The request line and fields, with `connection: conn`, into room already reserved.
fn put_request(head: &RequestHead, framing: Framing, conn: &[u8], out: &mut BytesMut) {
    http1::write_request_line(&head.method, &head.path, Version::Http11, out);
    write_fields(&head.headers, framing, conn, out);
}

fn request_connection(head: &RequestHead) -> &'static [u8] {
    if head.is_upgrade() {
        b"upgrade"
    } else {
        b"keep-alive"
    }
}

/// The exact length [`write_response`] writes (the writers replace bytes, never add any).
fn response_len(head: &ResponseHead, framing: Framing, conn: &[u8]) -> usize {
    let reason = match head.reason.len() {
        0 => http1::reason_phrase(head.status).len(),
        n => n,
    };
    // `HTTP/1.1 NNN reason\r\n`
    15 + reason + fields_len(&head.headers, framing, conn)
}

/// The exact length [`write_request`] writes.
fn request_len(head: &RequestHead, framing: Framing, conn: &[u8]) -> usize {
    // `METHOD path HTTP/1.1\r\n`
    head.method.len() + head.path.len() + 12 + fields_len(&head.headers, framing, conn)
}

/// The exact length [`write_fields`] writes.
fn fields_len(headers: &[Header], framing: Framing, conn: &[u8]) -> usize {
    let fields = headers
        .iter()
        .filter(|h| !is_hop_header(&h.name))
        .map(|h| h.name.len() + h.value.len() + 4)
        .sum::<usize>();
    let framing = match framing {
        // `content-length: n\r\n`
        Framing::Length(n) => 18 + decimal_len(n),
        // `transfer-encoding: chunked\r\n`
        Framing::Chunked => 28,
        Framing::None => 0,
    };
    // `connection: conn\r\n` and the empty line.
    fields + framing + 14 + conn.len() + 2
}

fn decimal_len(mut n: u64) -> usize {
    let mut len = 1;
    while n >= 10 {
        n /= 10;
        len += 1;
    }
    len
}

/// Whether a response with this status to this request carries a body (and a framing
/// field): not to HEAD, not 1xx, 204 or 304, and not a 2xx accepting a CONNECT.
pub fn response_has_body(status: u16, how: EncodeFor) -> bool {
    !(how.head_request
        || (100..200).contains(&status)
        || status == 204
        || status == 304
        || (how.connect && (200..300).contains(&status)))
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
    /// Answering a CONNECT request (a 2xx has no body and opens a tunnel).
    pub connect: bool,
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
                        trusting(&head, || {
                            with_request(&head, |h| {
                                head_bytes_request(h, Framing::Chunked, None, out)
                            })
                        });
                        self.state = EncState::Chunked;
                        chunk(body, out);
                    } else {
                        let has_body = trusting(&head, || {
                            with_response(&head, |h| {
                                let has_body = response_has_body(h.status, how);
                                let framing = match has_body {
                                    true => Framing::Chunked,
                                    false => Framing::None,
                                };
                                head_bytes_response(h, framing, how.keep_alive, None, out);
                                has_body
                            })
                        });
                        if !has_body {
                            self.state = EncState::Raw;
                            return; // the body of a bodiless response is dropped
                        }
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
                    trusting(&head, || {
                        with_request(&head, |h| {
                            let framing = if body.is_empty() && !expects_body(&h.method) {
                                Framing::None
                            } else {
                                Framing::Length(body.len() as u64)
                            };
                            head_bytes_request(h, framing, Some(body), out);
                        })
                    });
                } else {
                    let framed = EncodeFor {
                        head_request: false,
                        ..how
                    };
                    trusting(&head, || {
                        with_response(&head, |h| {
                            if response_has_body(h.status, framed) {
                                let framing = Framing::Length(body.len() as u64);
                                let body = (!how.head_request).then_some(body);
                                head_bytes_response(h, framing, how.keep_alive, body, out);
                            } else {
                                head_bytes_response(h, Framing::None, how.keep_alive, None, out);
                            }
                        })
                    });
                }
            }
        }
    }
}

/// Bodies up to this size go out in the head's buffer: one chunk, one allocation, instead of
/// a head chunk and the body's (a copy this small costs less than the allocation).
const INLINE_BODY: usize = 1024;

/// The encoded head, with `body` after it when it is small: in one buffer of the exact size
/// (which also lets `freeze` keep it without a second allocation).
fn head_bytes_request(h: &RequestHead, framing: Framing, body: Option<Data>, out: &mut Data) {
    let conn = request_connection(h);
    let len = request_len(h, framing, conn);
    head_bytes(len, body, out, |b| put_request(h, framing, conn, b));
}

fn head_bytes_response(
    h: &ResponseHead,
    framing: Framing,
    keep_alive: bool,
    body: Option<Data>,
    out: &mut Data,
) {
    let conn = response_connection(h.status, keep_alive);
    let len = response_len(h, framing, conn);
    head_bytes(len, body, out, |b| put_response(h, framing, conn, b));
}

fn head_bytes(len: usize, body: Option<Data>, out: &mut Data, write: impl FnOnce(&mut BytesMut)) {
    let body = body.filter(|b| !b.is_empty());
    let inline = body.as_ref().map_or(0, |b| match b.len() {
        n if n <= INLINE_BODY => n,
        _ => 0,
    });
    let mut b = BytesMut::with_capacity(len + inline);
    write(&mut b);
    match body {
        Some(body) if inline > 0 => {
            for c in body.chunks() {
                b.extend_from_slice(c);
            }
            out.push_bytes(b.freeze());
        }
        Some(body) => {
            out.push_bytes(b.freeze());
            out.push(body);
        }
        None => out.push_bytes(b.freeze()),
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
