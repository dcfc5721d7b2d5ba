//! HTTP/1 filters: `demuxHTTP`/`serveHTTP` (server side), `muxHTTP` (client side, pooled
//! sessions), and the raw `decodeHTTP*`/`encodeHTTP*` codecs.

pub mod codec;
pub mod compress;
pub mod demux;
pub mod mux;
pub mod tunnel;

use std::rc::Rc;

use weir_codec::http1::{self, RequestDecoder, ResponseDecoder};

use crate::event::{Event, MessageEnd, MessageStart};
use crate::http::{HttpRequest, HttpResponse};
use crate::Data;

/// Most bytes held after a CONNECT / upgrade request while its answer is awaited (a client
/// should wait for the answer; one that does not cannot make weir buffer without bound).
pub(crate) const MAX_HELD: usize = 1 << 20;

/// Options shared by the HTTP filters, parsed once at load time.
#[derive(Clone, Debug)]
pub struct HttpOptions {
    /// Decoder limits (request line, header size and count, chunk line).
    pub limits: http1::Limits,
    /// A body that ends within this many bytes is sent with `content-length`; longer ones
    /// are streamed chunked. Default 16 KiB.
    pub buffer_size: usize,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            limits: http1::Limits::default(),
            buffer_size: 16 * 1024,
        }
    }
}

/// What a decoded request says about its response.
#[derive(Clone, Copy, Debug)]
pub struct RequestInfo {
    pub keep_alive: bool,
    pub head_request: bool,
    pub connect: bool,
    /// An upgrade request (WebSocket...): a 101 answer opens a tunnel.
    pub upgrade: bool,
}

/// Turns decoder items into events.
pub(crate) enum Decoded {
    Request(Event, RequestInfo),
    Event(Event),
}

/// Feeds Data through a request decoder; stops at the first error. Returns the bytes the
/// decoder left alone because it stopped after a CONNECT or upgrade request.
pub(crate) fn decode_requests(
    dec: &mut RequestDecoder,
    data: &Data,
    out: &mut impl FnMut(Decoded),
) -> Result<Data, http1::Error> {
    let mut left = Data::new();
    for chunk in data.chunks() {
        if dec.is_tunnel() {
            left.push_bytes(chunk.clone());
            continue;
        }
        let mut input = chunk.clone();
        while let Some(item) = dec.decode(&mut input)? {
            match item {
                http1::Item::Head(head, _kind) => {
                    let info = RequestInfo {
                        keep_alive: http1::keep_alive(head.version, &head.headers),
                        head_request: head.method == "HEAD",
                        connect: head.method == "CONNECT",
                        upgrade: head.is_upgrade(),
                    };
                    let evt = Event::MessageStart(MessageStart {
                        head: Some(HttpRequest::new(head)),
                    });
                    out(Decoded::Request(evt, info));
                }
                http1::Item::Body(b) => out(Decoded::Event(Event::Data(Data::from(b)))),
                http1::Item::End { .. } => {
                    out(Decoded::Event(Event::MessageEnd(MessageEnd::default())))
                }
            }
        }
        if !input.is_empty() {
            left.push_bytes(input);
        }
    }
    Ok(left)
}

/// Feeds Data through a response decoder; stops at the first error. Returns the bytes after
/// a response that opened a tunnel (101, or 2xx to CONNECT).
pub(crate) fn decode_responses(
    dec: &mut ResponseDecoder,
    data: &Data,
    out: &mut impl FnMut(Event),
) -> Result<Data, http1::Error> {
    let mut left = Data::new();
    for chunk in data.chunks() {
        if dec.is_tunnel() {
            left.push_bytes(chunk.clone());
            continue;
        }
        let mut input = chunk.clone();
        while let Some(item) = dec.decode(&mut input)? {
            out(response_item(item));
        }
        if !input.is_empty() {
            left.push_bytes(input);
        }
    }
    Ok(left)
}

pub(crate) fn response_item(item: http1::Item<http1::ResponseHead>) -> Event {
    match item {
        http1::Item::Head(head, _) => Event::MessageStart(MessageStart {
            head: Some(HttpResponse::new(head) as Rc<dyn crate::HeadValue>),
        }),
        http1::Item::Body(b) => Event::Data(Data::from(b)),
        http1::Item::End { .. } => Event::MessageEnd(MessageEnd::default()),
    }
}
