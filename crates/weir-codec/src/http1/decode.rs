//! The request and response decoders: head scanning, body framing and message sequencing.

use std::collections::VecDeque;

use bytes::{Buf, Bytes, BytesMut};

use super::body::{Body, BodyEvent, Chunked};
use super::head::{parse_request, parse_response, HeadSection};
use super::scan::{Scanner, Section};
use super::{BodyKind, Error, Item, Limits, RequestHead, ResponseHead};

/// What the next response answers; see [`ResponseDecoder::expect`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResponseFor {
    /// The request was `HEAD`: the response has no body whatever its framing fields say.
    pub head_request: bool,
    /// The request was `CONNECT`: a 2xx response has no body and turns the connection into a
    /// tunnel.
    pub connect: bool,
}

/// Where a decoder is between and inside messages.
#[derive(Debug)]
enum State {
    /// Reading a head.
    Head,
    /// The head had no body; `End` is next. Then tunnel (`true`) or the next head.
    EndPending { then_tunnel: bool },
    /// Reading a body; after it, tunnel (`true`: an upgrade request) or the next head.
    Body(Body, bool),
    /// The connection is no longer HTTP (101, CONNECT): decoding has stopped.
    Tunnel,
    /// An error happened; it is returned again on every call.
    Failed(Error),
}

/// What the shared part of decoding did.
enum Step<H> {
    /// This is the call's result.
    Done(Option<Item<H>>),
    /// In the Head state: the specific decoder reads a head.
    ReadHead,
}

/// What both decoders share: limits, the head buffer and scanner, the state.
#[derive(Debug)]
struct Core {
    limits: Limits,
    /// Copy of the head (or trailers) being read; the only bytes ever copied.
    buf: BytesMut,
    scanner: Scanner,
    state: State,
}

impl Core {
    fn new(limits: Limits, section: Section) -> Core {
        Core {
            limits,
            buf: BytesMut::new(),
            scanner: Scanner::new(section),
            state: State::Head,
        }
    }

    /// Moves head bytes from `input` into `buf`; returns the whole head section (without
    /// skipped empty lines) once its final empty line has arrived. The caller parses it with
    /// the scanner's line ends, then resets the scanner.
    fn take_head(&mut self, input: &mut Bytes) -> Result<Option<HeadSection>, Error> {
        if input.is_empty() {
            // Nothing to scan (the call after a message that used up the input): scanning
            // no bytes changes nothing and finds nothing.
            return Ok(None);
        }
        let found = self.scanner.scan(input, &self.limits)?;
        if let (Some(n), true) = (found, self.buf.is_empty()) {
            // The whole head is in this input: share it instead of copying.
            let mut section = input.split_to(n.min(input.len()));
            section.advance(self.scanner.skipped().min(section.len()));
            return Ok(Some(HeadSection::Shared(section)));
        }
        let n = found.unwrap_or(input.len());
        self.buf
            .extend_from_slice(input.get(..n).unwrap_or_default());
        input.advance(n);
        if found.is_none() {
            return Ok(None);
        }
        let skipped = self.scanner.skipped();
        let mut section = self.buf.split();
        section.advance(skipped.min(section.len()));
        Ok(Some(HeadSection::Copied(section)))
    }

    /// The state after a head with body `kind`; `tunnel`: decoding stops after this message.
    fn after_head(kind: BodyKind, tunnel: bool) -> State {
        match kind {
            BodyKind::None | BodyKind::Length(0) => State::EndPending {
                then_tunnel: tunnel,
            },
            BodyKind::Length(n) => State::Body(Body::Length(n), tunnel),
            BodyKind::Chunked => State::Body(Body::Chunked(Chunked::new()), tunnel),
            BodyKind::UntilClose => State::Body(Body::UntilClose, tunnel),
        }
    }

    /// Everything but reading a head: pending End, body, tunnel, failure.
    fn decode_rest<H>(&mut self, input: &mut Bytes) -> Result<Step<H>, Error> {
        let end = |trailers| Ok(Step::Done(Some(Item::End { trailers })));
        match &mut self.state {
            State::Head => Ok(Step::ReadHead),
            State::Failed(e) => Err(*e),
            State::Tunnel => Ok(Step::Done(None)),
            State::EndPending { then_tunnel } => {
                self.state = if *then_tunnel {
                    State::Tunnel
                } else {
                    State::Head
                };
                end(Vec::new())
            }
            State::Body(body, then_tunnel) => {
                match body.decode(input, &mut self.buf, &self.limits)? {
                    None => Ok(Step::Done(None)),
                    Some(BodyEvent::Data(data)) => Ok(Step::Done(Some(Item::Body(data)))),
                    Some(BodyEvent::End(trailers)) => {
                        self.state = if *then_tunnel {
                            State::Tunnel
                        } else {
                            State::Head
                        };
                        end(trailers)
                    }
                }
            }
        }
    }

    /// End of input: what is pending, or an error if a message was cut short.
    fn finish<H>(&mut self) -> Result<Option<Item<H>>, Error> {
        match &self.state {
            State::Failed(e) => Err(*e),
            State::Tunnel => Ok(None),
            State::Head if self.scanner.is_empty() => Ok(None),
            State::EndPending { then_tunnel } => {
                self.state = if *then_tunnel {
                    State::Tunnel
                } else {
                    State::Head
                };
                Ok(Some(Item::End {
                    trailers: Vec::new(),
                }))
            }
            State::Body(Body::UntilClose, _) => {
                self.state = State::Head;
                Ok(Some(Item::End {
                    trailers: Vec::new(),
                }))
            }
            State::Head | State::Body(..) => Err(Error::UnexpectedEof),
        }
    }

    /// Poisons the decoder with the error of `result`, if any.
    fn record<T>(&mut self, result: Result<T, Error>) -> Result<T, Error> {
        if let Err(e) = &result {
            self.state = State::Failed(*e);
        }
        result
    }

    fn is_idle(&self) -> bool {
        matches!(self.state, State::Head) && self.scanner.is_empty()
    }
}

/// Decodes HTTP/1.x requests from a byte stream (server side).
///
/// Feed bytes with [`decode`](Self::decode) until it returns `Ok(None)`, then read more and
/// call again; at EOF call [`finish`](Self::finish). Each request comes out as
/// `Item::Head(head, kind)`, then `Item::Body` slices of the input (no copy), then
/// `Item::End`. Pipelined requests follow one another; bytes after a message stay in the input.
///
/// A bare LF line ending is rejected ([`Error::BareLf`]), as are the other lenient forms listed
/// in the [module docs](super). Empty lines before a request line are skipped. More than one
/// `host` field is [`Error::DuplicateHost`]; a *missing* `host` in HTTP/1.1 is left to the
/// caller (RFC 9112 §3.2 asks for 400, but an absolute-form target carries the authority, and
/// Pipy's own tests send bare requests).
///
/// After a `CONNECT` request, or once an upgrade request (`connection: upgrade` with an
/// `upgrade` field, e.g. WebSocket) has ended, the decoder stops
/// ([`is_tunnel`](Self::is_tunnel)): the bytes that follow are tunnel data if the upstream
/// accepts (2xx to CONNECT, 101 to an upgrade). If it refuses, call [`resume`](Self::resume)
/// to read further requests.
#[derive(Debug)]
pub struct RequestDecoder {
    core: Core,
}

impl RequestDecoder {
    /// A decoder waiting for the first request.
    pub fn new(limits: Limits) -> RequestDecoder {
        RequestDecoder {
            core: Core::new(limits, Section::Request),
        }
    }

    /// Consumes bytes from the front of `input` and returns the next item, or `Ok(None)` when
    /// more input is needed (all of `input` then has been consumed, except in a tunnel). At
    /// most one `Item::Body` per call. After an error, every call returns the same error.
    pub fn decode(&mut self, input: &mut Bytes) -> Result<Option<Item<RequestHead>>, Error> {
        let result = self.decode_inner(input);
        self.core.record(result)
    }

    fn decode_inner(&mut self, input: &mut Bytes) -> Result<Option<Item<RequestHead>>, Error> {
        if let Step::Done(item) = self.core.decode_rest(input)? {
            return Ok(item);
        }
        let Some(section) = self.core.take_head(input)? else {
            return Ok(None);
        };
        let parsed = parse_request(section, self.core.scanner.line_ends());
        self.core.scanner.reset();
        let (head, kind) = parsed?;
        let tunnel = head.method == "CONNECT" || head.is_upgrade();
        self.core.state = Core::after_head(kind, tunnel);
        Ok(Some(Item::Head(head, kind)))
    }

    /// Call at EOF (after `decode` has returned `Ok(None)`). Returns a pending `End`, then
    /// `Ok(None)`; [`Error::UnexpectedEof`] if the input stopped inside a request.
    pub fn finish(&mut self) -> Result<Option<Item<RequestHead>>, Error> {
        let result = self.core.finish();
        self.core.record(result)
    }

    /// True after a `CONNECT` or upgrade request: `decode` returns `Ok(None)` and leaves input
    /// alone.
    pub fn is_tunnel(&self) -> bool {
        matches!(self.core.state, State::Tunnel)
    }

    /// After a refused `CONNECT`, goes back to decoding requests. Does nothing otherwise.
    pub fn resume(&mut self) {
        if self.is_tunnel() {
            self.core.state = State::Head;
        }
    }

    /// True between messages with nothing buffered: closing here loses nothing.
    pub fn is_idle(&self) -> bool {
        self.core.is_idle()
    }
}

/// Decodes HTTP/1.x responses from a byte stream (client side).
///
/// Works like [`RequestDecoder`], but whether a response has a body depends on the request it
/// answers, so call [`expect`](Self::expect) once per request sent, in order. A response with
/// no expectation queued is treated as answering a plain request (neither HEAD nor CONNECT).
///
/// Interim responses (1xx other than 101) come out as a head with [`BodyKind::None`] and an
/// `End`; the final response for the same request follows. A `101 Switching Protocols`, or a
/// 2xx answering CONNECT, comes out as head and `End`, and then the decoder stops
/// ([`is_tunnel`](Self::is_tunnel)): the caller switches the connection to a byte tunnel, and
/// any bytes left in the input belong to it.
#[derive(Debug)]
pub struct ResponseDecoder {
    core: Core,
    expected: VecDeque<ResponseFor>,
}

impl ResponseDecoder {
    /// A decoder waiting for the first response.
    pub fn new(limits: Limits) -> ResponseDecoder {
        ResponseDecoder {
            core: Core::new(limits, Section::Response),
            expected: VecDeque::new(),
        }
    }

    /// Tell the decoder what the next response answers (FIFO, for pipelining): HEAD requests
    /// and 2xx to CONNECT have no body.
    pub fn expect(&mut self, req: ResponseFor) {
        self.expected.push_back(req);
    }

    /// Consumes bytes from the front of `input` and returns the next item, or `Ok(None)` when
    /// more input is needed (all of `input` then has been consumed, except in a tunnel). At
    /// most one `Item::Body` per call. After an error, every call returns the same error.
    pub fn decode(&mut self, input: &mut Bytes) -> Result<Option<Item<ResponseHead>>, Error> {
        let result = self.decode_inner(input);
        self.core.record(result)
    }

    fn decode_inner(&mut self, input: &mut Bytes) -> Result<Option<Item<ResponseHead>>, Error> {
        if let Step::Done(item) = self.core.decode_rest(input)? {
            return Ok(item);
        }
        let Some(section) = self.core.take_head(input)? else {
            return Ok(None);
        };
        let answers = self.expected.front().copied().unwrap_or_default();
        let parsed = parse_response(section, self.core.scanner.line_ends(), answers);
        self.core.scanner.reset();
        let (head, kind) = parsed?;
        let interim = head.status < 200 && head.status != 101;
        if !interim {
            self.expected.pop_front();
        }
        let tunnel = head.status == 101 || (answers.connect && (200..300).contains(&head.status));
        self.core.state = Core::after_head(kind, tunnel);
        Ok(Some(Item::Head(head, kind)))
    }

    /// Call at EOF (after `decode` has returned `Ok(None)`). Ends an [`BodyKind::UntilClose`]
    /// body with `End`; returns a pending `End`, then `Ok(None)`; [`Error::UnexpectedEof`] if
    /// the input stopped inside any other response.
    pub fn finish(&mut self) -> Result<Option<Item<ResponseHead>>, Error> {
        let result = self.core.finish();
        self.core.record(result)
    }

    /// True after a 101, or a 2xx answering CONNECT: `decode` returns `Ok(None)` and leaves
    /// input alone.
    pub fn is_tunnel(&self) -> bool {
        matches!(self.core.state, State::Tunnel)
    }

    /// True between messages with nothing buffered.
    pub fn is_idle(&self) -> bool {
        self.core.is_idle()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Items<H> = Vec<Item<H>>;

    fn all_requests(input: &'static [u8]) -> (Items<RequestHead>, Result<(), Error>, Bytes) {
        let mut d = RequestDecoder::new(Limits::default());
        let mut input = Bytes::from_static(input);
        let mut items = Vec::new();
        loop {
            match d.decode(&mut input) {
                Ok(Some(item)) => items.push(item),
                Ok(None) => return (items, Ok(()), input),
                Err(e) => return (items, Err(e), input),
            }
        }
    }

    #[test]
    fn get_then_post_pipelined() {
        let (items, r, rest) = all_requests(
            b"GET / HTTP/1.1\r\n\r\nPOST /p HTTP/1.1\r\ncontent-length: 2\r\n\r\nhiGE",
        );
        assert_eq!(r, Ok(()));
        assert_eq!(items.len(), 5);
        assert!(matches!(&items[0], Item::Head(h, BodyKind::None) if h.method == "GET"));
        assert!(matches!(&items[1], Item::End { trailers } if trailers.is_empty()));
        assert!(matches!(&items[2], Item::Head(h, BodyKind::Length(2)) if h.path == "/p"));
        assert_eq!(items[3], Item::Body(Bytes::from_static(b"hi")));
        assert!(matches!(&items[4], Item::End { .. }));
        assert!(rest.is_empty(), "partial head is buffered");
    }

    #[test]
    fn error_poisons() {
        let mut d = RequestDecoder::new(Limits::default());
        let mut input = Bytes::from_static(b"GET / HTTP/1.1\n\n");
        assert_eq!(d.decode(&mut input), Err(Error::BareLf));
        let mut good = Bytes::from_static(b"GET / HTTP/1.1\r\n\r\n");
        assert_eq!(d.decode(&mut good), Err(Error::BareLf));
        assert_eq!(d.finish(), Err(Error::BareLf));
    }

    #[test]
    fn connect_stops_and_resumes() {
        let (items, r, rest) = all_requests(b"CONNECT a:443 HTTP/1.1\r\n\r\n\x16\x03\x01");
        assert_eq!((items.len(), r), (2, Ok(())));
        assert_eq!(&rest[..], b"\x16\x03\x01");
        let mut d = RequestDecoder::new(Limits::default());
        let mut input = Bytes::from_static(b"CONNECT a:443 HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n");
        assert!(matches!(d.decode(&mut input), Ok(Some(Item::Head(..)))));
        assert!(matches!(d.decode(&mut input), Ok(Some(Item::End { .. }))));
        assert!(d.is_tunnel());
        assert_eq!(d.decode(&mut input), Ok(None));
        d.resume();
        assert!(matches!(d.decode(&mut input), Ok(Some(Item::Head(h, _))) if h.method == "GET"));
    }

    #[test]
    fn names_lowercased_whether_shared_or_copied() {
        let text = b"GET / HTTP/1.1\r\nHost: h\r\nX-Odd-Name: v\r\nx-low: w\r\n\r\n";
        let names = |head: &RequestHead| -> Vec<String> {
            head.headers
                .iter()
                .map(|h| String::from_utf8_lossy(&h.name).into_owned())
                .collect()
        };
        // Whole in one input (shared with it), and byte by byte (copied).
        let (items, r, _) = all_requests(text);
        assert_eq!(r, Ok(()));
        let Some(Item::Head(shared, _)) = items.first() else {
            panic!("no head")
        };
        let mut d = RequestDecoder::new(Limits::default());
        let mut copied = None;
        for b in text.iter() {
            let mut input = Bytes::copy_from_slice(&[*b]);
            while let Ok(Some(item)) = d.decode(&mut input) {
                if let Item::Head(h, _) = item {
                    copied = Some(h);
                }
            }
        }
        let copied = copied.expect("a head");
        assert_eq!(names(shared), ["host", "x-odd-name", "x-low"]);
        assert_eq!(names(&copied), names(shared));
        assert_eq!(shared, &copied);
    }

    #[test]
    fn upgrade_stops_after_its_body() {
        let (items, r, rest) = all_requests(
            b"GET /ws HTTP/1.1\r\nupgrade: websocket\r\nconnection: keep-alive, Upgrade\r\n\r\n\x81\x00",
        );
        assert_eq!((items.len(), r), (2, Ok(())));
        assert_eq!(&rest[..], b"\x81\x00");
        let (items, r, rest) = all_requests(
            b"POST / HTTP/1.1\r\nupgrade: x\r\nconnection: upgrade\r\ncontent-length: 2\r\n\r\nhiGET",
        );
        assert_eq!((items.len(), r), (3, Ok(())));
        assert_eq!(&rest[..], b"GET");
        // An `upgrade` field that `connection` does not name is not an upgrade request.
        let (items, r, _) =
            all_requests(b"GET / HTTP/1.1\r\nupgrade: websocket\r\n\r\nGET / HTTP/1.1\r\n\r\n");
        assert_eq!((items.len(), r), (4, Ok(())));
    }

    #[test]
    fn finish_rules() {
        let mut d = RequestDecoder::new(Limits::default());
        assert!(d.is_idle());
        assert_eq!(d.finish(), Ok(None));
        let mut input = Bytes::from_static(b"\r\nGET / HT");
        assert_eq!(d.decode(&mut input), Ok(None));
        assert!(!d.is_idle());
        assert_eq!(d.finish(), Err(Error::UnexpectedEof));

        let mut d = ResponseDecoder::new(Limits::default());
        let mut input = Bytes::from_static(b"HTTP/1.0 200 OK\r\n\r\nabc");
        assert!(matches!(
            d.decode(&mut input),
            Ok(Some(Item::Head(_, BodyKind::UntilClose)))
        ));
        assert_eq!(
            d.decode(&mut input),
            Ok(Some(Item::Body(Bytes::from_static(b"abc"))))
        );
        assert_eq!(d.decode(&mut input), Ok(None));
        assert_eq!(d.finish(), Ok(Some(Item::End { trailers: vec![] })));
        assert_eq!(d.finish(), Ok(None));

        let mut d = ResponseDecoder::new(Limits::default());
        let mut input = Bytes::from_static(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nabc");
        while let Ok(Some(_)) = d.decode(&mut input) {}
        assert_eq!(d.finish(), Err(Error::UnexpectedEof));
    }

    #[test]
    fn interim_keeps_expectation() {
        let mut d = ResponseDecoder::new(Limits::default());
        d.expect(ResponseFor {
            head_request: true,
            connect: false,
        });
        d.expect(ResponseFor::default());
        let mut input = Bytes::from_static(
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\n\
              HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\nabc",
        );
        let mut kinds = Vec::new();
        while let Ok(Some(item)) = d.decode(&mut input) {
            if let Item::Head(h, k) = item {
                kinds.push((h.status, k));
            }
        }
        assert_eq!(
            kinds,
            [
                (100, BodyKind::None),
                (200, BodyKind::None),
                (200, BodyKind::Length(3))
            ]
        );
        assert!(input.is_empty() && d.is_idle());
    }

    #[test]
    fn switching_protocols_stops() {
        let mut d = ResponseDecoder::new(Limits::default());
        let mut input = Bytes::from_static(
            b"HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\n\r\n\x81\x00",
        );
        assert!(matches!(
            d.decode(&mut input),
            Ok(Some(Item::Head(_, BodyKind::None)))
        ));
        assert!(matches!(d.decode(&mut input), Ok(Some(Item::End { .. }))));
        assert_eq!(d.decode(&mut input), Ok(None));
        assert!(d.is_tunnel());
        assert_eq!(&input[..], b"\x81\x00");
        assert_eq!(d.finish(), Ok(None));
    }
}
